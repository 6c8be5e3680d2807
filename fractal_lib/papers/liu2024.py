"""Settings and small recipes of Liu 2024, *Complex fractal trainability boundary can arise from
trivial non-convexity* (arXiv:2406.13971), used by ``notebooks/liu2024_fractal_boundary.md``.

This module holds what is specific to the paper: its fixed parameters (amplitudes,
wavelengths, grids, criteria, reported numbers and the authors' stored counts) and the authors'
own protocols where they differ from the library's defaults. The machinery it uses is generic and
lives in the concept modules (:mod:`fractal_lib.boundaries.trainability`: sweeps, zooms, colour strips,
fits, the x^2 threshold; :mod:`fractal_lib.core.report`: paper-versus-here rows); the sizes that change
with ``FRACTAL_SCALE`` live in :mod:`fractal_lib.papers.presets`. Everything runs through
:func:`fractal_lib.boundaries.trainability.sweep`, so every result is cached on disk.

Divergence criteria are not uniform across the authors' code (see the chapter): the text says
"sum of the 1000 losses > 1e16", the committed Julia/NumPy scripts behind Figs. 2a, 2b, 4b, 4c,
S2, S4 and S5 stop when a loss exceeds 1e8, Fig. 2c's GPU script sums, Fig. 2d's stops when a loss
reaches 1e16, and Fig. S3 varies that bound.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..boundaries import landscapes as L
from ..boundaries import trainability as T
from ..core.cache import code_version_of, default_cache
from ..core.checks import EstimatorWarning, warn_limit
from ..core.report import fmt  # noqa: F401  (re-exported for the chapter)

CODE_VERSION = code_version_of(__name__)

EPS, LAM = 0.2, 0.1
"""Amplitude and wavelength of Figs. 1, 2a, 2b, 4b, 4c, S4, S5."""
LR_MIN, LR_MAX = 0.0, 1.5
STEPS = 1000

SUM_1E16 = T.Criterion("sum", 1e16)
"""Paper text and Fig. 2c's GPU script: the sum of the 1000 losses reaches 1e16."""
MAX_1E8 = T.Criterion("max", 1e8)
"""Committed Julia/NumPy scripts (Figs. 2a, 2b, S2, S4, S5): some loss exceeds 1e8."""
MAX_1E16 = T.Criterion("max", 1e16)
"""Fig. 2d's GPU script: stop once a loss reaches 1e16."""

MAP_EPS = np.linspace(0.01, 0.2, 10)
MAP_LAM = np.linspace(0.01, 1.0, 10)
"""The 10 x 10 (eps, lam) grid of Figs. 2c, 2d and 3."""
MAP_X0 = 5.0
"""Starting point of every GPU grid script (Figs. 2c, 2d, 4a, S3)."""
TWO_COS_EPS1 = np.linspace(0.0, 0.008, 20)
TWO_COS_EPS2 = np.linspace(0.0, 0.02, 20)
TWO_COS_LAM1, TWO_COS_LAM2 = 0.3, 0.5
FMAX_EPS = 10.0 ** np.linspace(-10, -2, 10)
FMAX_VALUES = (1e3, 1e4, 1e5, 1e6)

PAPER = {
    "alpha_additive": (0.996, 0.005),
    "alpha_multiplicative": (0.837, 0.004),
    "x0_additive": (0.98, 0.08),
    "x0_multiplicative": (1.00, 0.01),
}
"""Numbers reported in the paper (value, error)."""

PAPER_COUNTS = {
    "fig2a": np.array([1] * 14 + [9, 13, 31, 51, 117, 225, 413, 863, 1743, 3585, 7163, 14169,
                                  28721, 57699, 114843, 231873, 461625, 923487]),
    "fig2b": np.array([1, 1, 1, 1, 3, 5, 7, 13, 21, 27, 57, 115, 247, 423, 683, 1215, 2303, 4245,
                       7619, 13365, 22885, 40589, 73361, 134187, 244291, 439969, 785943,
                       1399357, 2499319, 4501553, 8139197, 14745753]),
}
"""|B_N| for N = 2^0 .. 2^31 stored by the authors (``exp-1-numB.mat``: additive, Fig. 2a;
``exp-0-numB.mat``: multiplicative, Fig. 2b; both x0 = 1, "a loss > 1e8" diverges). Fitting
them with :func:`fractal_lib.boundaries.trainability.box_dimension` gives the paper's 0.996 ± 0.005 and
0.837 ± 0.004."""
PAPER_TWO_COS = {1: (50, 323), 2: (14, 85), 4: (3, 22)}
"""Fig. 4a recomputed from the authors' stored counts (``gpuexp-10.mat``: 20 x 20 cells, 2^20
learning rates, fitted with their rule of more than three levels with |B_N| > 1): for the
sub-grid of :func:`two_cos_indices` with the given stride, (non-convex cells with alpha = 0,
non-convex cells). No convex cell has alpha > 0 at any stride."""


def lr_grid(log2_n: int) -> T.LRGrid:
    """The paper's learning-rate interval ``[0, 1.5]`` with ``2**log2_n`` segments."""
    return T.LRGrid(LR_MIN, LR_MAX, log2_n)


# ----------------------------------------------------------------------------- fits
fit_nonunit = T.box_dimension_above_one
"""The authors' grid-analysis fit (Figs. 2c, 2d, 4a, S3); see
:func:`fractal_lib.boundaries.trainability.box_dimension_above_one`."""


def alpha_map(make: Callable[[float, float], L.Landscape], xs: np.ndarray, ys: np.ndarray,
              log2_n: int, *, x0: float, criterion: T.Criterion, min_levels: int = 3,
              method: T.Method = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Box dimension (and its standard error) of ``make(x, y)`` for every pair of ``xs x ys``.

    Returns two arrays of shape ``(len(xs), len(ys))``, fitted with :func:`fit_nonunit`
    (the authors require 3 levels with ``|B_N| > 1`` for Figs. 2c/2d and 4 for Fig. 4a).
    """
    alpha = np.zeros((len(xs), len(ys)))
    err = np.zeros_like(alpha)
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            res = T.sweep(make(float(x), float(y)), lr_grid(log2_n), x0=x0, steps=STEPS,
                          criterion=criterion, method=method, progress=False)
            fit = fit_nonunit(res.counts(), min_levels)
            alpha[i, j], err[i, j] = fit.alpha, fit.stderr
    return alpha, err


def two_cos_indices(stride: int) -> np.ndarray:
    """Indices into the paper's 20-point amplitude axes, every ``stride``-th from the top."""
    return np.arange(19, -1, -stride)[::-1]


# ----------------------------------------------------------------------------- colour strips
def zoom_strips(landscape: L.Landscape, log2_n: int, n_zooms: int, *, x0: float,
                criterion: T.Criterion, zoom_log2: int = 4) -> list[T.Strip]:
    """Fig. 1d: :func:`fractal_lib.boundaries.trainability.zoom_strips` on the paper's ``[0, 1.5]``."""
    return T.zoom_strips(landscape, lr_grid(log2_n), n_zooms, zoom_log2=zoom_log2, x0=x0,
                         steps=STEPS, criterion=criterion)


# ----------------------------------------------------------------------------- x^2 (Fig. S2)
def quadratic_threshold(criterion: T.Criterion, steps: int = STEPS, x0: float = 1.0) -> float:
    """Fig. S2: see :func:`fractal_lib.boundaries.trainability.quadratic_threshold`."""
    return T.quadratic_threshold(criterion, steps=steps, x0=x0)


# ----------------------------------------------------------------------------- d dimensions
def reduced(kind: str, d: int, eps: float = EPS, lam: float = LAM,
            bound: float = 1e8) -> tuple[L.Landscape, float, T.Criterion]:
    """The 1-D problem equivalent to Eq. (10)/(11) in ``d`` dimensions from ``x0 = ones(d)/d``
    with the criterion "some loss > bound * d" (the authors' exp-5/exp-3).

    All coordinates stay equal, ``x_i = y``. Additive: each coordinate follows 1-D GD on
    ``f_+`` from ``y0 = 1/d`` and the loss is ``d f_+(y)``. Multiplicative: the gradient is
    ``2y(1 + eps d cos) - d y^2 eps k sin``, which is 1-D GD on ``f_x`` with amplitude ``eps d``,
    and the loss is ``d f_x(y)``. In both, "loss > bound d" is "1-D loss > bound".
    """
    if kind == "additive":
        return L.additive(eps, lam), 1.0 / d, T.Criterion("max", bound)
    if kind == "multiplicative":
        return L.multiplicative(eps * d, lam), 1.0 / d, T.Criterion("max", bound)
    raise ValueError("kind must be 'additive' or 'multiplicative'")


def full_dim(kind: str, d: int, eps: float = EPS, lam: float = LAM,
             bound: float = 1e8) -> tuple[L.Landscape, np.ndarray, T.Criterion]:
    """The d-dimensional problem itself (Eq. 10/11, ``x0 = ones(d)/d``, loss > bound d)."""
    return L.landscape(kind, eps=eps, lam=lam, dim=d), np.ones(d) / d, T.Criterion("max", bound * d)


def dims_alpha(kind: str, dims: tuple[int, ...], log2_n: int,
               base_log2: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Box dimension vs d for Fig. 4b (additive) or 4c (multiplicative), via :func:`reduced`.

    With ``base_log2 < log2_n`` the counts come from :func:`~fractal_lib.boundaries.trainability.zoom_sweep`
    (the additive boundaries sit in a narrow window); otherwise from a full sweep. Fitted like the
    authors' exp-3/exp-5 analysis: over the levels with ``|B_N| > 1`` (at least two, else 0).
    """
    alpha, err = np.zeros(len(dims)), np.zeros(len(dims))
    for i, d in enumerate(dims):
        ls, x0, crit = reduced(kind, d)
        if base_log2 is not None and base_log2 < log2_n:
            counts = T.zoom_sweep(ls, lr_grid(log2_n), base_log2=base_log2, x0=x0, steps=STEPS,
                                  criterion=crit, progress=False).counts
        else:
            counts = T.sweep(ls, lr_grid(log2_n), x0=x0, steps=STEPS, criterion=crit,
                             progress=False).counts()
        fit = fit_nonunit(counts, min_levels=2)
        alpha[i], err[i] = fit.alpha, fit.stderr
    return alpha, err


def _authors_test(kind: str, eps: float, lam: float, lrs: np.ndarray, x0: float, bound: float,
                  steps: int) -> np.ndarray:
    x = np.full(lrs.size, x0)
    k = 2 * np.pi / lam
    div = np.zeros(lrs.size, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            s, c = np.sin(k * x), np.cos(k * x)
            if kind == "multiplicative":
                x = x - lrs * (2 * x * (1 + eps * c) - x * x * eps * k * s)
                f = x * x * (1 + eps * np.cos(k * x))
            else:
                x = x - lrs * (2 * x - eps * k * s)
                f = x * x + eps * np.cos(k * x)
            div |= f > bound  # False for NaN: a run that turns into NaN is never divergent
    return div


def authors_test_outcomes(kind: str, d: int, log2_n: int) -> np.ndarray:
    """Outcomes of Fig. 4b/4c's problem under the authors' own test (``exp-3.py``,
    ``exp-5.jl``): divergent only if some loss exceeds ``1e8 d``; a run whose loss becomes NaN
    (or runs off to minus infinity, possible once ``eps d > 1``) counts as bounded.

    A vectorised numpy re-implementation of the 1-D reduction (:func:`reduced`), cached on disk.
    """
    ls, x0, crit = reduced(kind, d)
    grid = lr_grid(log2_n)
    params = {"kind": kind, "eps": ls.eps, "lam": ls.lam, "x0": x0, "bound": crit.bound,
              "steps": STEPS, "grid": [grid.lr_min, grid.lr_max, grid.log2_n]}
    res = default_cache().cached(
        "liu2024-authors-test", params, CODE_VERSION,
        lambda: {"diverged": _authors_test(kind, ls.eps, ls.lam, grid.values(), x0, crit.bound,
                                           STEPS)})
    return res["diverged"]


def dims_alpha_authors_test(kind: str, dims: tuple[int, ...],
                            log2_n: int) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`dims_alpha` (full sweeps) with :func:`authors_test_outcomes`."""
    fits = [fit_nonunit(T.boundary_counts(authors_test_outcomes(kind, d, log2_n)), min_levels=2)
            for d in dims]
    return np.array([f.alpha for f in fits]), np.array([f.stderr for f in fits])


def reduction_agreement(kind: str, d: int, log2_n: int) -> dict[str, Any]:
    """Run the d-dimensional problem and its 1-D reduction (both with the reference kernel) on
    the same learning rates and report how many classifications agree."""
    grid = lr_grid(log2_n)
    ls_d, x0_d, crit_d = full_dim(kind, d)
    ls_1, x0_1, crit_1 = reduced(kind, d)
    a = T.sweep(ls_d, grid, x0=x0_d, steps=STEPS, criterion=crit_d, method="reference",
                progress=False)
    b = T.sweep(ls_1, grid, x0=x0_1, steps=STEPS, criterion=crit_1, method="reference",
                progress=False)
    return {"kind": kind, "d": d, "agree": int(np.count_nonzero(a.diverged == b.diverged)),
            "n": int(a.diverged.size), "diverged": int(np.count_nonzero(a.diverged))}


# ----------------------------------------------------------------------------- random x0
def x0_outcomes(landscape: L.Landscape, x0s: np.ndarray, log2_n: int,
                criterion: T.Criterion = MAX_1E8) -> np.ndarray:
    """Outcomes ``(2**log2_n + 1, len(x0s))``, one (fast, cached) sweep per starting point."""
    cols = [T.sweep(landscape, lr_grid(log2_n), x0=float(x), steps=STEPS, criterion=criterion,
                    progress=False).diverged for x in x0s]
    return np.stack(cols, axis=1)


def redraw_per_lr(outcomes: np.ndarray, seed: int = 0) -> np.ndarray:
    """The authors' S4/S5 protocol: a fresh starting point for every learning rate.

    exp-6.jl/exp-7.jl draw ``x0s = -5 .+ 10*rand(100)`` inside the per-learning-rate function,
    so column j of their result does not follow one starting point. Here column j takes, at
    every learning rate, the outcome of a random one of our starting points.
    """
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, outcomes.shape[1], size=outcomes.shape)
    return np.take_along_axis(outcomes, pick, axis=1)


def alphas_from(outcomes: np.ndarray, min_level: int) -> np.ndarray:
    """Box dimension of every column, fitted from ``min_level`` to the last level (exp-6/7 fit
    levels 10..20 multiplicative, 11..20 additive)."""
    counts = T.boundary_counts(outcomes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        fits = [T.box_dimension(counts[:, j], min_level=min_level) for j in range(counts.shape[1])]
    short = sum(not f.reliable for f in fits)
    if short:
        warn_limit(f"alphas_from: {short} of {len(fits)} columns have fewer than 3 levels from level "
                   f"{min_level} to {counts.shape[0] - 1} (no standard error; DimensionFit.note)")
    return np.array([f.alpha for f in fits])
