"""Settings and small recipes of Liu 2024, *Complex fractal trainability boundary can
arise from trivial non-convexity* (arXiv:2406.13971), used by the chapter
``notebooks/liu2024_fractal_boundary.md``.

This module holds what is specific to the paper: its fixed parameters (amplitudes,
wavelengths, grids, criteria and the authors' stored counts), the values it reports
(:data:`REPORTED`) and the authors' own protocols where they differ from the library's
defaults. The machinery it uses is generic and lives in the concept modules
(:mod:`fractal_lib.boundaries.trainability`: sweeps, zooms, colour strips, fits, the x^2
threshold; :mod:`fractal_lib.core.report`: paper-versus-here rows); the sizes that
change with ``FRACTAL_SCALE`` live in :mod:`fractal_lib.papers.presets`. Everything runs
through :func:`fractal_lib.boundaries.trainability.sweep`, so every result is cached on
disk.

Divergence criteria are not uniform across the authors' code (see the chapter): the text
says "sum of the 1000 losses > 1e16", the committed Julia/NumPy scripts behind Figs. 2a,
2b, 4b, 4c, S2, S4 and S5 stop when a loss exceeds 1e8, Fig. 2c's GPU script sums, Fig.
2d's stops when a loss reaches 1e16, and Fig. S3 varies that bound.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..boundaries import landscapes as L
from ..boundaries import trainability as T
from ..core.checks import EstimatorWarning, warn_limit
from ..core.report import Reported, fmt

EPS, LAM = 0.2, 0.1
"""Amplitude and wavelength of Figs. 1, 2a, 2b, 4b, 4c, S4, S5."""
LR_MIN, LR_MAX = 0.0, 1.5
"""The learning-rate window of the sweeps, ``[0, 1.5]`` (the chapter's grid)."""
X0 = 1.0
"""The starting point ``x^(0)`` of Figs. 1, 2a-2d and S2 (paper text; the authors'
stored counts ``exp-0-numB.mat`` and ``exp-1-numB.mat`` start from x0 = 1)."""
#: GD steps of every run (the paper's 1000 losses).
STEPS = 1000
LOG2_N = 20
"""The paper's usual resolution: ``2**20`` learning-rate segments per setting (most
figures)."""
ADD_LOG2_N = 32
"""Depth of the paper's additive sweep of Fig. 2a (the authors' stored counts reach
``N = 2**31``)."""
DIMS = tuple(range(1, 101))
"""Figs. 4b/4c: the parameter dimensions d = 1 .. 100."""
N_X0, X0_LOW, X0_HIGH = 100, -5.0, 5.0
"""Figs. S4/S5: 100 starting points drawn uniformly from ``[-5, 5]``."""
X0_MIN_LEVEL = {"additive": 11, "multiplicative": 10}
"""Figs. S4/S5: first fitted level (``exp-6.jl``/``exp-7.jl`` fit levels 11..20 for f+
and 10..20 for f×)."""

SUM_1E16 = T.Criterion("sum", 1e16)
"""Paper text and Fig. 2c's GPU script: the sum of the 1000 losses reaches 1e16."""
MAX_1E8 = T.Criterion("max", 1e8)
"""Committed Julia/NumPy scripts (Figs. 2a, 2b, S2, S4, S5): some loss exceeds 1e8."""
MAX_1E16 = T.Criterion("max", 1e16)
"""Fig. 2d's GPU script: stop once a loss reaches 1e16."""

#: Amplitudes eps of the (eps, lam) grid (see :data:`MAP_LAM`).
MAP_EPS = np.linspace(0.01, 0.2, 10)
MAP_LAM = np.linspace(0.01, 1.0, 10)
"""The 10 x 10 (eps, lam) grid of Figs. 2c, 2d and 3."""
MAP_X0 = 5.0
"""Starting point of every GPU grid script (Figs. 2c, 2d, 4a, S3)."""
#: Fig. 4a: the 20 amplitudes of the first cosine (wavelength ``TWO_COS_LAM1``).
TWO_COS_EPS1 = np.linspace(0.0, 0.008, 20)
#: Fig. 4a: the 20 amplitudes of the second cosine (wavelength ``TWO_COS_LAM2``).
TWO_COS_EPS2 = np.linspace(0.0, 0.02, 20)
TWO_COS_LAM1, TWO_COS_LAM2 = 0.3, 0.5
"""Fig. 4a: the wavelengths of the two cosines of Eq. (9)."""
#: Fig. S3: the 10 amplitudes eps, 1e-10 to 1e-2 (log-spaced).
FMAX_EPS = 10.0 ** np.linspace(-10, -2, 10)
#: Fig. S3: the divergence bounds (some loss > f_max) the figure varies.
FMAX_VALUES = (1e3, 1e4, 1e5, 1e6)

PAPER_COUNTS = {
    "fig2a": np.array(
        [1] * 14
        + [
            9,
            13,
            31,
            51,
            117,
            225,
            413,
            863,
            1743,
            3585,
            7163,
            14169,
            28721,
            57699,
            114843,
            231873,
            461625,
            923487,
        ]
    ),
    "fig2b": np.array(
        [
            1,
            1,
            1,
            1,
            3,
            5,
            7,
            13,
            21,
            27,
            57,
            115,
            247,
            423,
            683,
            1215,
            2303,
            4245,
            7619,
            13365,
            22885,
            40589,
            73361,
            134187,
            244291,
            439969,
            785943,
            1399357,
            2499319,
            4501553,
            8139197,
            14745753,
        ]
    ),
}
"""``|B_N|`` for N = 2^0 .. 2^31 stored by the authors (``exp-1-numB.mat``:
additive, Fig. 2a; ``exp-0-numB.mat``: multiplicative, Fig. 2b; both x0 = 1, "a loss >
1e8" diverges). Fitting them with
:func:`fractal_lib.boundaries.trainability.box_dimension` gives the paper's values,
``REPORTED["alpha_additive"]`` and ``REPORTED["alpha_multiplicative"]``."""

_STORED = "recomputed from the authors' stored box counts"

REPORTED: dict[str, Reported] = {
    "alpha_additive": Reported(
        "Fig. 2a",
        "box dimension α of the f+ boundary (ε = 0.2, λ = 0.1, x0 = 1)",
        0.996,
        error=0.005,
        source="Fig. 2a; the authors' exp-1-numB.mat fitted to N = 2^31",
    ),
    "alpha_multiplicative": Reported(
        "Fig. 2b",
        "box dimension α of the f× boundary (ε = 0.2, λ = 0.1, x0 = 1)",
        0.837,
        error=0.004,
        source="Fig. 2b; the authors' exp-0-numB.mat fitted to N = 2^31",
    ),
    "fig2c_convex": Reported(
        "Fig. 2c",
        "α in convex cells",
        "0 in every cell",
        kind="claim",
        source=f"Fig. 2c, {_STORED}",
    ),
    "fig2c_nonconvex": Reported(
        "Fig. 2c",
        "α in non-convex cells",
        (0.8, 1.16),
        kind="range",
        source=f"Fig. 2c, {_STORED}",
        display="mostly 0.8–1.16, mean 0.90",
    ),
    "fig2d_range": Reported(
        "Fig. 2d",
        "α range, multiplicative",
        (0.74, 1.03),
        kind="range",
        source=f"Fig. 2d, {_STORED}",
    ),
    "fig3a_transition": Reported(
        "Fig. 3a",
        "transition",
        float(L.CONVEXITY_THRESHOLD),
        source="Fig. 3a and text: the fractal appears where f+ stops being convex",
        display="at θ+ ≈ 1/(2π²) = 0.0507",
    ),
    "fig4a_convex": Reported(
        "Fig. 4a",
        "convex cells with α > 0",
        0,
        source="Fig. 4a and text: no convex cell has a fractal boundary",
    ),
    **{
        f"fig4a_nonconvex_zero_stride{stride}": Reported(
            "Fig. 4a",
            "non-convex cells with α = 0",
            zero,
            source=(
                "recomputed from the authors' stored counts (gpuexp-10.mat: 20 x 20 "
                "cells, 2^20 learning rates, more than three levels with |B_N| > 1) on "
                f"the sub-grid two_cos_indices({stride})"
            ),
            display=f"{zero} of {nonconvex}",
        )
        for stride, (zero, nonconvex) in ((1, (50, 323)), (2, (14, 85)), (4, (3, 22)))
    },
    "fig4b": Reported(
        "Fig. 4b", "α additive against d", "roughly flat", kind="claim", source="text"
    ),
    "fig4c": Reported(
        "Fig. 4c",
        "α multiplicative against d",
        "slowly rising",
        kind="claim",
        source="text",
    ),
    "figS2": Reported(
        "Fig. S2", "|B_N| on x²", "1 at every level", kind="claim", source="Fig. S2"
    ),
    "figS3": Reported(
        "Fig. S3",
        "cells below the Eq. S3 curve with α > 0",
        "none",
        kind="claim",
        source="Fig. S3 and text",
    ),
    "x0_additive": Reported(
        "Fig. S4",
        "α additive over random x0 (mean ± standard deviation)",
        0.98,
        error=0.08,
        source="Fig. S4",
    ),
    "x0_multiplicative": Reported(
        "Fig. S5",
        "α multiplicative over random x0 (mean ± standard deviation)",
        1.0,
        error=0.01,
        source="Fig. S5",
        display="1.00 ± 0.01",
    ),
}
"""Every value of the paper the chapter compares with. Fig. 4a's count of non-convex
cells with α = 0 depends on the sub-grid, so there is one fact per stride of
:func:`two_cos_indices` (key ``f"fig4a_nonconvex_zero_stride{stride}"``); no convex cell
has α > 0 at any stride."""


def at_depth(fact: Reported, counts: np.ndarray, max_level: int) -> Reported:
    """``fact`` with the authors' ``counts`` fitted only up to ``max_level`` added.

    The local slope of the authors' counts creeps up with N, so a fit of ours that stops
    at ``max_level`` is compared with their counts fitted to the same depth.

    Parameters
    ----------
    fact : Reported
        A box dimension of :data:`REPORTED` (``"alpha_additive"`` or
        ``"alpha_multiplicative"``).
    counts : ndarray of int, shape (n_levels,)
        The authors' ``|B_N|`` for ``N = 2**0, 2**1, ...`` (a value of
        :data:`PAPER_COUNTS`).
    max_level : int
        Last level of the fit.

    Returns
    -------
    Reported
        ``fact`` printed as ``"0.996 ± 0.005; <fit> to 2^<max_level>"``.
    """
    fit = T.box_dimension(counts, max_level=max_level)
    return replace(fact, display=f"{fact.text()}; {fmt(fit)} to 2^{max_level}")


def lr_grid(log2_n: int) -> T.LRGrid:
    """The paper's learning-rate interval ``[0, 1.5]`` with ``2**log2_n`` segments.

    Parameters
    ----------
    log2_n : int
        Dyadic level: ``2**log2_n`` segments, ``2**log2_n + 1`` learning rates.

    Returns
    -------
    fractal_lib.boundaries.trainability.LRGrid
        The grid on ``[LR_MIN, LR_MAX]``.
    """
    return T.LRGrid(LR_MIN, LR_MAX, log2_n)


# ----------------------------------------------------------------------------- fits
fit_nonunit = T.box_dimension_above_one
"""The authors' grid-analysis fit (Figs. 2c, 2d, 4a, S3); see
:func:`fractal_lib.boundaries.trainability.box_dimension_above_one`."""


def alpha_map(
    make: Callable[[float, float], L.Landscape],
    xs: np.ndarray,
    ys: np.ndarray,
    log2_n: int,
    *,
    x0: float,
    criterion: T.Criterion,
    min_levels: int = 3,
    method: T.Method = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Box dimension (and its standard error) of ``make(x, y)`` for every x and y.

    Each cell is a cached sweep of ``2**log2_n + 1`` learning rates on ``[0, 1.5]`` with
    :data:`STEPS` steps, fitted with :func:`fit_nonunit` (the authors require 3 levels
    with ``|B_N| > 1`` for Figs. 2c/2d and 4 for Fig. 4a).

    Parameters
    ----------
    make : callable
        ``make(x, y)`` returns the landscape of one cell (e.g.
        :func:`fractal_lib.boundaries.landscapes.additive`).
    xs, ys : ndarray, shape (n_x,) and (n_y,)
        The two parameter axes (amplitude and wavelength for Figs. 2c/2d).
    log2_n : int
        Dyadic level of each cell's sweep.
    x0 : float
        Starting point of every run.
    criterion : fractal_lib.boundaries.trainability.Criterion
        When a run counts as divergent.
    min_levels : int
        Levels with ``|B_N| > 1`` a cell needs for a non-zero dimension.
    method : {"auto", "fast", "reference"}
        Kernel of the sweeps.

    Returns
    -------
    alpha, err : ndarray, shape (n_x, n_y)
        Box dimension and its standard error per cell (0 where too few levels qualify).

    References
    ----------
    Liu 2024, Figs. 2c, 2d, 4a and S3.
    """
    alpha = np.zeros((len(xs), len(ys)))
    err = np.zeros_like(alpha)
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            res = T.sweep(
                make(float(x), float(y)),
                lr_grid(log2_n),
                x0=x0,
                steps=STEPS,
                criterion=criterion,
                method=method,
                progress=False,
            )
            fit = fit_nonunit(res.counts(), min_levels)
            alpha[i, j], err[i, j] = fit.alpha, fit.stderr
    return alpha, err


def two_cos_indices(stride: int) -> np.ndarray:
    """Indices into the paper's 20-point amplitude axes, every ``stride``-th from the
    top.

    Parameters
    ----------
    stride : int
        Step between kept points; the largest amplitude (index 19) is always kept.

    Returns
    -------
    ndarray of int
        Increasing indices into :data:`TWO_COS_EPS1` and :data:`TWO_COS_EPS2`.
    """
    return np.arange(19, -1, -stride)[::-1]


# ----------------------------------------------------------------------- colour strips
def zoom_strips(
    landscape: L.Landscape,
    log2_n: int,
    n_zooms: int,
    *,
    x0: float,
    criterion: T.Criterion,
    zoom_log2: int = 4,
) -> list[T.Strip]:
    """Fig. 1d: nested colour strips on the paper's learning-rate interval ``[0, 1.5]``.

    Parameters
    ----------
    landscape : fractal_lib.boundaries.landscapes.Landscape
        The loss.
    log2_n : int
        Points per strip: ``2**log2_n + 1``.
    n_zooms : int
        Zoomed strips under the full one.
    x0 : float
        Starting point.
    criterion : fractal_lib.boundaries.trainability.Criterion
        When a run counts as divergent.
    zoom_log2 : int
        Each zoom is ``2**zoom_log2`` times narrower.

    Returns
    -------
    list of fractal_lib.boundaries.trainability.Strip
        The full strip, then one per zoom; see
        :func:`fractal_lib.boundaries.trainability.zoom_strips`.
    """
    return T.zoom_strips(
        landscape,
        lr_grid(log2_n),
        n_zooms,
        zoom_log2=zoom_log2,
        x0=x0,
        steps=STEPS,
        criterion=criterion,
    )


# ----------------------------------------------------------------------- x^2 (Fig. S2)
def quadratic_threshold(
    criterion: T.Criterion, steps: int = STEPS, x0: float = X0
) -> float:
    """Fig. S2: the learning rate where GD on ``x**2`` starts to count as divergent.

    Parameters
    ----------
    criterion : fractal_lib.boundaries.trainability.Criterion
        The divergence criterion.
    steps : int
        Number of GD steps.
    x0 : float
        Starting point.

    Returns
    -------
    float
        The threshold ``s*`` of
        :func:`fractal_lib.boundaries.trainability.quadratic_threshold`.
    """
    return T.quadratic_threshold(criterion, steps=steps, x0=x0)


# ------------------------------------------------------------------------ d dimensions
def reduced(
    kind: str, d: int, eps: float = EPS, lam: float = LAM, bound: float = 1e8
) -> tuple[L.Landscape, float, T.Criterion]:
    """The 1-D problem equivalent to Eq. (10)/(11) in ``d`` dimensions.

    The d-dimensional problem starts from ``x0 = ones(d)/d`` with the criterion "some
    loss > bound * d" (the authors' exp-5/exp-3). All coordinates stay equal, ``x_i =
    y``. Additive: each coordinate follows 1-D GD on ``f_+`` from ``y0 = 1/d`` and the
    loss is ``d f_+(y)``. Multiplicative: the gradient is ``2y(1 + eps d cos) - d y^2
    eps k sin``, which is 1-D GD on ``f_x`` with amplitude ``eps d``, and the loss is
    ``d f_x(y)``. In both, "loss > bound d" is "1-D loss > bound".

    Parameters
    ----------
    kind : {"additive", "multiplicative"}
        The landscape.
    d : int
        Number of parameters.
    eps, lam : float
        Amplitude and wavelength of the d-dimensional landscape.
    bound : float
        Divergence bound per parameter.

    Returns
    -------
    landscape : fractal_lib.boundaries.landscapes.Landscape
        The 1-D landscape.
    x0 : float
        Its starting point ``1/d``.
    criterion : fractal_lib.boundaries.trainability.Criterion
        ``Criterion("max", bound)``.

    Raises
    ------
    ValueError
        If ``kind`` is neither ``"additive"`` nor ``"multiplicative"``.

    References
    ----------
    Liu 2024, Eqs. (10) and (11), Figs. 4b and 4c.
    """
    if kind == "additive":
        return L.additive(eps, lam), 1.0 / d, T.Criterion("max", bound)
    if kind == "multiplicative":
        return L.multiplicative(eps * d, lam), 1.0 / d, T.Criterion("max", bound)
    raise ValueError("kind must be 'additive' or 'multiplicative'")


def full_dim(
    kind: str, d: int, eps: float = EPS, lam: float = LAM, bound: float = 1e8
) -> tuple[L.Landscape, np.ndarray, T.Criterion]:
    """The d-dimensional problem itself (``x0 = ones(d)/d``, "loss > bound d").

    Parameters
    ----------
    kind : {"additive", "multiplicative"}
        The landscape.
    d : int
        Number of parameters.
    eps, lam : float
        Amplitude and wavelength.
    bound : float
        Divergence bound per parameter.

    Returns
    -------
    landscape : fractal_lib.boundaries.landscapes.Landscape
        The d-dimensional landscape.
    x0 : ndarray, shape (d,)
        The starting point.
    criterion : fractal_lib.boundaries.trainability.Criterion
        ``Criterion("max", bound * d)``.

    References
    ----------
    Liu 2024, Eqs. (10) and (11).
    """
    return (
        L.landscape(kind, eps=eps, lam=lam, dim=d),
        np.ones(d) / d,
        T.Criterion("max", bound * d),
    )


def dims_alpha(
    kind: str, dims: tuple[int, ...], log2_n: int, base_log2: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Box dimension against d for Fig. 4b (additive) or 4c (multiplicative).

    Computed through :func:`reduced`. With ``base_log2 < log2_n`` the counts come from
    :func:`~fractal_lib.boundaries.trainability.zoom_sweep` (the additive boundaries sit
    in a narrow window); otherwise from a full sweep. Fitted like the authors'
    exp-3/exp-5 analysis: over the levels with ``|B_N| > 1`` (at least two, else 0).

    Parameters
    ----------
    kind : {"additive", "multiplicative"}
        The landscape.
    dims : tuple of int
        The numbers of parameters d.
    log2_n : int
        Dyadic level of the deepest sweep.
    base_log2 : int, optional
        Level of the full sweep a zoom starts from; ``None`` sweeps in full.

    Returns
    -------
    alpha, err : ndarray, shape (len(dims),)
        Box dimension and its standard error per d.

    References
    ----------
    Liu 2024, Figs. 4b and 4c.
    """
    alpha, err = np.zeros(len(dims)), np.zeros(len(dims))
    for i, d in enumerate(dims):
        ls, x0, crit = reduced(kind, d)
        if base_log2 is not None and base_log2 < log2_n:
            counts = T.zoom_sweep(
                ls,
                lr_grid(log2_n),
                base_log2=base_log2,
                x0=x0,
                steps=STEPS,
                criterion=crit,
                progress=False,
            ).counts
        else:
            counts = T.sweep(
                ls, lr_grid(log2_n), x0=x0, steps=STEPS, criterion=crit, progress=False
            ).counts()
        fit = fit_nonunit(counts, min_levels=2)
        alpha[i], err[i] = fit.alpha, fit.stderr
    return alpha, err


def authors_test_outcomes(kind: str, d: int, log2_n: int) -> np.ndarray:
    """Outcomes of Fig. 4b/4c's problem under the authors' own test.

    The authors' test (``exp-3.py``, ``exp-5.jl``): divergent only if some loss exceeds
    ``1e8 d``; a run whose loss becomes NaN (or runs off to minus infinity, possible
    once ``eps d > 1``) counts as bounded. A cached
    :func:`~fractal_lib.boundaries.trainability.sweep` of the 1-D reduction
    (:func:`reduced`) with ``Criterion("max", 1e8, nan="bounded")``.

    Parameters
    ----------
    kind : {"additive", "multiplicative"}
        The landscape.
    d : int
        Number of parameters.
    log2_n : int
        Dyadic level of the learning-rate grid (:func:`lr_grid`).

    Returns
    -------
    ndarray of bool, shape (2**log2_n + 1,)
        Whether the run at each learning rate of :func:`lr_grid` diverged.
    """
    ls, x0, crit = reduced(kind, d)
    return T.sweep(
        ls,
        lr_grid(log2_n),
        x0=x0,
        steps=STEPS,
        criterion=T.Criterion("max", crit.bound, nan="bounded"),
        progress=False,
    ).diverged


def dims_alpha_authors_test(
    kind: str, dims: tuple[int, ...], log2_n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`dims_alpha` (full sweeps) with :func:`authors_test_outcomes`.

    Parameters
    ----------
    kind : {"additive", "multiplicative"}
        The landscape.
    dims : tuple of int
        The numbers of parameters d.
    log2_n : int
        Dyadic level of each sweep.

    Returns
    -------
    alpha, err : ndarray, shape (len(dims),)
        Box dimension and its standard error per d.
    """
    fits = [
        fit_nonunit(
            T.boundary_counts(authors_test_outcomes(kind, d, log2_n)), min_levels=2
        )
        for d in dims
    ]
    return np.array([f.alpha for f in fits]), np.array([f.stderr for f in fits])


def reduction_agreement(kind: str, d: int, log2_n: int) -> dict[str, Any]:
    """How often the d-dimensional problem and its 1-D reduction agree.

    Both run with the reference kernel on the same learning rates.

    Parameters
    ----------
    kind : {"additive", "multiplicative"}
        The landscape.
    d : int
        Number of parameters.
    log2_n : int
        Dyadic level of the learning-rate grid.

    Returns
    -------
    dict
        ``kind``, ``d``, ``agree`` (outcomes that agree), ``n`` (learning rates) and
        ``diverged`` (divergent runs of the d-dimensional problem).
    """
    grid = lr_grid(log2_n)
    ls_d, x0_d, crit_d = full_dim(kind, d)
    ls_1, x0_1, crit_1 = reduced(kind, d)
    a = T.sweep(
        ls_d,
        grid,
        x0=x0_d,
        steps=STEPS,
        criterion=crit_d,
        method="reference",
        progress=False,
    )
    b = T.sweep(
        ls_1,
        grid,
        x0=x0_1,
        steps=STEPS,
        criterion=crit_1,
        method="reference",
        progress=False,
    )
    return {
        "kind": kind,
        "d": d,
        "agree": int(np.count_nonzero(a.diverged == b.diverged)),
        "n": int(a.diverged.size),
        "diverged": int(np.count_nonzero(a.diverged)),
    }


# --------------------------------------------------------------------------- random x0
def x0_outcomes(
    landscape: L.Landscape,
    x0s: np.ndarray,
    log2_n: int,
    criterion: T.Criterion = MAX_1E8,
) -> np.ndarray:
    """Outcomes of one (fast, cached) sweep per starting point.

    Parameters
    ----------
    landscape : fractal_lib.boundaries.landscapes.Landscape
        The loss.
    x0s : ndarray, shape (n_x0,)
        Starting points.
    log2_n : int
        Dyadic level of each sweep.
    criterion : fractal_lib.boundaries.trainability.Criterion
        When a run counts as divergent.

    Returns
    -------
    ndarray of bool, shape (2**log2_n + 1, n_x0)
        True where the run diverged.
    """
    cols = [
        T.sweep(
            landscape,
            lr_grid(log2_n),
            x0=float(x),
            steps=STEPS,
            criterion=criterion,
            progress=False,
        ).diverged
        for x in x0s
    ]
    return np.stack(cols, axis=1)


def redraw_per_lr(outcomes: np.ndarray, seed: int = 0) -> np.ndarray:
    """The authors' S4/S5 protocol: a fresh starting point for every learning rate.

    exp-6.jl/exp-7.jl draw ``x0s = -5 .+ 10*rand(100)`` inside the per-learning-rate
    function, so column j of their result does not follow one starting point. Here
    column j takes, at every learning rate, the outcome of a random one of our starting
    points.

    Parameters
    ----------
    outcomes : ndarray of bool, shape (n_lrs, n_x0)
        One column per starting point (:func:`x0_outcomes`).
    seed : int
        Seed of the random picks.

    Returns
    -------
    ndarray of bool, shape (n_lrs, n_x0)
        The mixed outcomes.
    """
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, outcomes.shape[1], size=outcomes.shape)
    return np.take_along_axis(outcomes, pick, axis=1)


def alphas_from(outcomes: np.ndarray, min_level: int) -> np.ndarray:
    """Box dimension of every column, fitted from ``min_level`` to the last level.

    exp-6/7 fit levels 10..20 multiplicative, 11..20 additive (:data:`X0_MIN_LEVEL`).
    Warns once (:class:`~fractal_lib.core.checks.EstimatorWarning`) when some columns
    have fewer than 3 levels in that range.

    Parameters
    ----------
    outcomes : ndarray of bool, shape (n_lrs, n_columns)
        Outcomes on a dyadic grid, one column per starting point.
    min_level : int
        First fitted level.

    Returns
    -------
    ndarray, shape (n_columns,)
        The box dimension of each column.
    """
    counts = T.boundary_counts(outcomes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        fits = [
            T.box_dimension(counts[:, j], min_level=min_level)
            for j in range(counts.shape[1])
        ]
    short = sum(not f.reliable for f in fits)
    if short:
        warn_limit(
            f"alphas_from: {short} of {len(fits)} columns have fewer than 3 levels "
            f"from level {min_level} to {counts.shape[0] - 1} (no standard error; "
            "DimensionFit.note)"
        )
    return np.array([f.alpha for f in fits])
