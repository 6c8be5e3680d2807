"""Recipes of the chapter "One landscape, five lenses" (``synthesis_five_lenses``).

Three landscape families, each swept along its own roughness knob, seen through the
diagnostics of the five home chapters, computed with the same library functions:

* (a) the cosine-perturbed quadratic ``f(x) = sum x_i^2 + eps sum cos(2 pi x_i/lam)``
  (:func:`fractal_lib.boundaries.landscapes.additive`), knob ``r / r_c`` with
  ``r = eps / lam^2``. Its second derivative per coordinate is
  ``2 - eps (2 pi / lam)^2 cos(2 pi x_i / lam)``, whose minimum ``2 - 4 pi^2 r`` is
  negative exactly when ``r > r_c = 1 / (2 pi^2)``
  (:data:`~fractal_lib.boundaries.landscapes.CONVEXITY_THRESHOLD`): the landscape is
  convex iff ``r / r_c <= 1``, in any dimension (the sum is separable).
* (b) the fractional Brownian surface (:func:`fractal_lib.papers.ly2025.fbs`), knob the
  Hurst exponent ``H`` (rougher for smaller ``H``).
* (c) the spiral network of the Lavin chapter (:func:`fractal_lib.papers.lavin2024.run`,
  cross-entropy, full-batch GD), knob the training step.

Every diagnostic returns a :class:`Cell`: a value with its uncertainty (spread over
starting points, seeds or directions), or NaN with the reason the diagnostic does not
apply or failed. Nothing here is a paper's reported value: the chapter has no ledger.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..boundaries import landscapes as L
from ..boundaries import trainability as T
from ..core.cache import code_version_of, default_cache
from ..core.checks import EstimatorWarning
from ..core.fits import line_fit, mean_sem
from ..core.report import Reported, fmt
from ..diffusion import msd as Dif
from ..dynamical import batched_mlp as B
from ..dynamical import losses as DL
from ..multifractal import probing as PR
from ..multifractal import wavelet_leaders as W
from ..surfaces import grid_descent as G
from . import chen2022 as CH
from . import lavin2024 as LV
from . import liu2024 as LIU
from . import ly2025 as LY
from . import torok_bartha as TB
from .synthesis_experiments import (  # noqa: F401  (the section "Two experiments")
    coin_flip_reference,
    dynamical_boundary,
    fit_boundaries,
    hurst_boundary,
    hurst_controls,
    hurst_figure,
    loss_figure,
)

#: Code version of this module's cached results (its source and its imports).
CODE_VERSION = code_version_of(__name__)

#: No paper ran this comparison: nothing is reported, so the chapter has no ledger.
REPORTED: dict[str, Reported] = {}

#: Convexity threshold ``r_c = 1 / (2 pi^2)`` of ``r = eps / lam^2`` (family a).
R_C = L.CONVEXITY_THRESHOLD
#: Wavelength of family (a): Liu's ``LAM`` (the knob moves ``eps`` only).
LAM = LIU.LAM
#: ``r / r_c`` of Liu's Figs. 1, 2a (``eps = 0.2, lam = 0.1``): about 395.
LIU_RATIO = LIU.EPS / LIU.LAM**2 / R_C
#: Dimension of family (a) for the diagnostics that need a path or a surface.
DIM = 2
#: Noisy GD of family (a): Chen's toy learning rate and kick size.
NOISY_LR, NOISY_NOISE = CH.TOY_LR, CH.TOY_NOISE
#: Half-length of the 1-D loss slices of family (a) (units of x; 40 wavelengths).
SLICE_SPAN = 2.0
#: Samples per 1-D slice (a power of two >= 512, as the 1-D leaders need).
SLICE_N = 4096
#: Samples per line through a surface of family (b).
LINE_N = 512
#: Finest dyadic levels in the box-dimension fits of Lens 1 (as in the experiments).
BOUNDARY_FIT_LEVELS = 6
#: Seeds of the exact-fBm reference of the 1-D leaders (:func:`fbm_reference`).
FBM_REF_SEEDS = 32
#: Half-length of the 1-D loss slices of family (c), in parameter norm.
MLP_SPAN = 1.0
#: Samples per slice of family (c).
MLP_SLICE_N = 1024

#: Minibatch size and minibatches of the gradient-noise samples of family (c).
SGD_BATCH, N_MINIBATCHES = 32, 100

#: Diagnostics of the table: key -> column title.
DIAGNOSTICS: dict[str, str] = {
    "boundary": "boundary dimension",
    "msd": "MSD exponent α",
    "crossover": "crossover t₀ (steps)",
    "levy": "α-stable index",
    "c1": "leaders c1",
    "c2": "leaders c2",
    "width": "spectrum width",
    "m_tau": "probing M_τ",
    "eos": "λ_max η / 2",
    "beyond": "share λ_max η / 2 > 1",
}
#: Families: key -> (name, knob label).
FAMILIES: dict[str, tuple[str, str]] = {
    "a": ("cosine-perturbed quadratic", "r / r_c"),
    "b": ("fBm surface", "H"),
    "c": ("spiral network", "step"),
}

#: Why the α-stable index is missing for deterministic GD.
NA_NO_NOISE = "n/a: deterministic GD has no gradient noise"
#: Why the trainability boundary is missing for the surface family.
NA_WALLS = (
    "n/a: GD on the bounded surface (reflecting walls) cannot diverge; "
    "the boundary on a multifractal surface is the chapter's first new experiment"
)
#: Why the trainability boundary is missing for the network family.
NA_MLP_BOUNDARY = (
    "n/a: the spiral network's learning-rate boundary is the chapter's second "
    "new experiment"
)
#: Why directional probing is missing for the surface family.
NA_PIXEL = (
    "n/a: the probed scales (1e-6.5 to 1e-1.9) lie inside one pixel, where the "
    "gridded surface is bilinear, not rough"
)


@dataclass(frozen=True)
class Cell:
    """One entry of the diagnostics table.

    Attributes
    ----------
    family : str
        ``"a"``, ``"b"`` or ``"c"`` (:data:`FAMILIES`).
    knob : float
        The family's roughness knob (``r / r_c``, ``H`` or the training step).
    diagnostic : str
        A key of :data:`DIAGNOSTICS`.
    value, error : float
        The value and its standard error (NaN when it does not apply or failed).
    n : int
        Independent samples behind the value (starting points, seeds, directions).
    note : str
        Why the value is NaN (``"n/a: ..."``), or a caveat (estimator notes).
    """

    family: str
    knob: float
    diagnostic: str
    value: float
    error: float
    n: int = 0
    note: str = ""

    def text(self) -> str:
        """The table entry: ``"v ± e"``, or the reason it is missing.

        Returns
        -------
        str
            ``fmt((value, error))``, followed by ``" *"`` when a note qualifies it, or
            the note itself when the value is NaN.
        """
        if not math.isfinite(self.value):
            return self.note or "n/a: no value"
        star = " *" if self.note else ""
        return fmt((self.value, self.error)) + star


def _na(family: str, knob: float, diagnostic: str, reason: str) -> Cell:
    return Cell(family, float(knob), diagnostic, math.nan, math.nan, 0, reason)


def _stat(
    family: str,
    knob: float,
    diagnostic: str,
    values: Any,
    note: str = "",
    *,
    empty: str = "n/a: every estimate failed",
) -> Cell:
    """Mean and standard error over the finite values (NaN with ``empty`` if none)."""
    v = np.asarray(values, dtype=float).ravel()
    ok = np.isfinite(v)
    if not ok.any():
        return _na(family, knob, diagnostic, empty)
    m, e = mean_sem(v[ok])
    if (~ok).any():
        note = (note + "; " if note else "") + f"{(~ok).sum()} of {v.size} gave none"
    return Cell(
        family, float(knob), diagnostic, float(m), float(e), int(ok.sum()), note
    )


def _cached(name: str, params: dict[str, Any], compute: Callable) -> dict:
    return default_cache().cached(name, params, CODE_VERSION, compute)


def _check_ratio(ratio: float) -> float:
    ratio = float(ratio)
    if not math.isfinite(ratio) or ratio < 0:
        raise ValueError(f"ratio must be a finite number >= 0, got {ratio!r}")
    return ratio


def _check_count(name: str, value: int, lo: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
    if value < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
    return int(value)


# ---------------------------------------------------------------- family (a)
def additive_at(ratio: float, dim: int = 1) -> L.Landscape:
    """The additive landscape of roughness ``r = ratio * r_c`` at Liu's wavelength.

    Parameters
    ----------
    ratio : float
        ``r / r_c`` (>= 0); the landscape is convex iff ``ratio <= 1``.
    dim : int
        Number of parameters d.

    Returns
    -------
    Landscape
        ``additive(eps=ratio * r_c * LAM**2, lam=LAM, dim=dim)``.

    Raises
    ------
    ValueError
        ``ratio`` negative or not finite (or what
        :func:`fractal_lib.boundaries.landscapes.additive` raises).
    """
    eps = _check_ratio(ratio) * R_C * LAM**2
    return L.additive(eps, LAM, dim)


def min_curvature(ratio: float) -> float:
    """Smallest second derivative ``2 - 4 pi^2 r`` of family (a), in closed form.

    Parameters
    ----------
    ratio : float
        ``r / r_c`` (>= 0).

    Returns
    -------
    float
        ``2 (1 - ratio)``: negative exactly above the convexity threshold.

    Raises
    ------
    ValueError
        ``ratio`` negative or not finite.
    """
    return 2.0 - 4.0 * math.pi**2 * _check_ratio(ratio) * R_C


def curvatures(ratio: float, x: np.ndarray) -> np.ndarray:
    """Hessian eigenvalues ``f''(x_i)`` of family (a) at points ``x`` (closed form).

    The landscape is separable, so its Hessian is diagonal with entries
    ``2 - eps (2 pi/lam)^2 cos(2 pi x_i/lam)``.

    Parameters
    ----------
    ratio : float
        ``r / r_c`` (>= 0).
    x : ndarray, shape ``(..., d)``
        Points.

    Returns
    -------
    ndarray, shape ``(..., d)``
        The eigenvalues (same units as the loss per x^2).

    Raises
    ------
    ValueError
        ``ratio`` negative or not finite.
    """
    eps = _check_ratio(ratio) * R_C * LAM**2
    k = 2.0 * math.pi / LAM
    return 2.0 - eps * k**2 * np.cos(k * np.asarray(x, dtype=float))


def x0_points(n: int, seed: int = 0) -> np.ndarray:
    """Starting points of family (a): ``n`` seeded draws uniform on ``[0.5, 1.5]``.

    Parameters
    ----------
    n : int
        Number of points (>= 1).
    seed : int
        Seed of the draw (the first points are the same for every ``n``).

    Returns
    -------
    ndarray, shape ``(n,)``
    """
    n = _check_count("n", n)
    return np.random.default_rng(seed).uniform(0.5, 1.5, 64 + n)[:n]


def boundary_dimension(ratio: float, log2_n: int, n_x0: int) -> Cell:
    """Box dimension of GD's learning-rate trainability boundary (Liu's recipe).

    :func:`~fractal_lib.boundaries.trainability.sweep` over ``[0, 1.5]`` with Liu's
    steps and criterion from each of :func:`x0_points`, then
    :func:`~fractal_lib.papers.synthesis_experiments.fit_boundaries` per starting
    point over the finest :data:`BOUNDARY_FIT_LEVELS` dyadic levels (the
    asymptotic regime, as in the experiments); fits above 1 get a note.

    Parameters
    ----------
    ratio : float
        ``r / r_c``.
    log2_n : int
        Dyadic level of the learning-rate grid.
    n_x0 : int
        Starting points; the error is the standard error over them.

    Returns
    -------
    Cell
        Mean dimension; a boundary that is one point (smooth) gives 0.
    """
    n_x0 = _check_count("n_x0", n_x0, 2)
    grid = T.LRGrid(LIU.LR_MIN, LIU.LR_MAX, log2_n)
    res = T.sweep(
        additive_at(ratio),
        grid,
        x0=x0_points(n_x0),
        steps=LIU.STEPS,
        progress=False,
    )
    with warnings.catch_warnings():  # the notes are reported in the cell
        warnings.simplefilter("ignore", EstimatorWarning)
        fits_ = fit_boundaries(
            np.asarray(res.diverged).T, min(BOUNDARY_FIT_LEVELS, log2_n + 1)
        )
    dims = fits_.alpha
    notes = {n for n in fits_.notes if n}
    above = int(np.sum(dims > 1.0))
    if above:
        notes.add(f"{above} of {n_x0} fits above 1 (impossible for a set in 1-D)")
    return _stat("a", ratio, "boundary", dims, "; ".join(sorted(notes)))


def noisy_paths(ratio: float, steps: int, n_seeds: int) -> np.ndarray:
    """Noisy GD ``x <- x - lr grad f(x) + noise xi`` on family (a) in :data:`DIM`
    dimensions (cached).

    Chen's toy protocol: learning rate :data:`NOISY_LR`, Gaussian kicks
    :data:`NOISY_NOISE` per coordinate, start at Liu's ``X0`` in every coordinate.

    Parameters
    ----------
    ratio : float
        ``r / r_c``.
    steps : int
        Updates per path (>= 100).
    n_seeds : int
        Paths; path ``k`` draws its kicks from seed ``k`` (so a path is the same for
        every ``n_seeds``, and a shorter run is a prefix of a longer one).

    Returns
    -------
    ndarray, shape ``(n_seeds, steps + 1, DIM)``
        The paths (units of x).
    """
    steps = _check_count("steps", steps, 100)
    n_seeds = _check_count("n_seeds", n_seeds)
    land = additive_at(ratio, DIM)

    def compute() -> dict[str, np.ndarray]:
        kicks = NOISY_NOISE * np.stack(
            [
                np.random.default_rng(k).standard_normal((steps, DIM))
                for k in range(n_seeds)
            ],
            axis=1,
        )
        out = np.empty((steps + 1, n_seeds, DIM))
        x = np.full((n_seeds, DIM), LIU.X0)
        out[0] = x
        for t in range(steps):
            x = x - NOISY_LR * land.grad(x) + kicks[t]
            out[t + 1] = x
        return {"paths": out.transpose(1, 0, 2)}

    params = {"ratio": float(ratio), "steps": steps, "seeds": n_seeds}
    return _cached("synthesis-noisy", params, compute)["paths"]


def msd_cells(
    family: str, knob: float, paths: np.ndarray, window: int
) -> tuple[Cell, Cell]:
    """MSD exponent of the first window and the crossover time (Chen's recipe).

    Per path: :func:`~fractal_lib.diffusion.msd.tamsd_windows` on windows of
    ``window`` steps every ``window // 4`` steps, :func:`~fractal_lib.diffusion.msd.\
fit_alpha` on the first window and :func:`~fractal_lib.diffusion.msd.crossover_time`
    with Chen's RMSE rule (:data:`fractal_lib.papers.chen2022.RMSE_RULE`).

    Parameters
    ----------
    family : str
        Family key.
    knob : float
        Knob value.
    paths : ndarray, shape ``(n_paths, steps + 1, d)``
        Paths (one per seed or starting point).
    window : int
        Window length (steps, >= 20 and at most the path length).

    Returns
    -------
    (Cell, Cell)
        ``msd`` (mean exponent over paths) and ``crossover`` (mean t0 over the paths
        where a crossover was found; NaN with a reason where none was).

    Raises
    ------
    ValueError
        ``paths`` not 3-D, or ``window`` out of range.
    """
    p = np.asarray(paths, dtype=float)
    if p.ndim != 3:
        raise ValueError(f"paths must have shape (n, steps, d), got {p.shape}")
    window = _check_count("window", window, 20)
    if window > p.shape[1]:
        raise ValueError(f"window ({window}) is longer than the paths ({p.shape[1]})")
    t_ws = np.arange(0, p.shape[1] - window + 1, max(window // 4, 1))
    alphas, t0s = [], []
    for path in p:
        tws, lags, msds = Dif.tamsd_windows(path, window, t_ws)
        alphas.append(Dif.fit_alpha(lags, msds[0]).alpha)
        if len(tws) < 2:
            t0s.append(math.nan)
            continue
        with warnings.catch_warnings():  # NaN is the outcome the cell reports
            warnings.simplefilter("ignore", EstimatorWarning)
            t0s.append(Dif.crossover_time(tws, lags, msds, rmse_max=CH.RMSE_RULE))
    cross_note = "n/a: no window met the single-power-law rule (no crossover)"
    return (
        _stat(family, knob, "msd", alphas),
        _stat(family, knob, "crossover", t0s, empty=cross_note),
    )


def eos_runs(ratio: float, n_lrs: int, n_x0: int) -> dict[str, np.ndarray]:
    """Deterministic GD on family (a) in :data:`DIM` dimensions: sharpness against
    ``2 / lr`` at the end of every bounded run (cached).

    Learning rates ``k * 1.5 / n_lrs`` (``k = 1 .. n_lrs``), Liu's steps, starting
    points ``(x0_i, x0_{i+1})`` from :func:`x0_points`. The sharpness is the largest
    Hessian eigenvalue (closed form, :func:`curvatures`), its median over the last
    quarter of the steps.

    Parameters
    ----------
    ratio : float
        ``r / r_c``.
    n_lrs, n_x0 : int
        Learning rates and starting points.

    Returns
    -------
    dict
        ``lrs`` (n_lrs,), ``ratio`` (n_lrs, n_x0): ``lr * lambda_max / 2``, NaN for a
        run that diverged (``|x| > 1e6``).
    """
    n_lrs = _check_count("n_lrs", n_lrs, 2)
    n_x0 = _check_count("n_x0", n_x0)

    def compute() -> dict[str, np.ndarray]:
        land = additive_at(ratio, DIM)
        lrs = np.arange(1, n_lrs + 1) * LIU.LR_MAX / n_lrs
        pts = x0_points(n_x0 + 1)
        x = np.stack([pts[:-1], pts[1:]], axis=-1)[None].repeat(n_lrs, 0)
        last = LIU.STEPS - LIU.STEPS // 4
        lam = np.empty((LIU.STEPS - last, n_lrs, n_x0))
        gone = np.zeros((n_lrs, n_x0), dtype=bool)
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(LIU.STEPS):
                x = x - lrs[:, None, None] * land.grad(x)
                gone |= ~np.all(np.abs(x) < 1e6, axis=-1)
                x = np.where(gone[..., None], 0.0, x)
                if t >= last:
                    lam[t - last] = curvatures(ratio, x).max(axis=-1)
        r = lrs[:, None] * np.median(lam, axis=0) / 2.0
        return {"lrs": lrs, "ratio": np.where(gone, np.nan, r)}

    params = {"ratio": float(ratio), "lrs": n_lrs, "x0": n_x0}
    return _cached("synthesis-eos-add", params, compute)


def eos_cells(family: str, knob: float, ratio: np.ndarray) -> list[Cell]:
    """Sharpness against ``2 / lr``: its mean ratio and the share beyond the edge.

    Parameters
    ----------
    family : str
        Family key.
    knob : float
        Knob value.
    ratio : ndarray
        ``lr * lambda_max / 2`` per run (path, seed or starting point), NaN for a
        diverged run.

    Returns
    -------
    list of Cell
        ``eos``: mean ratio over the bounded runs (standard error over them);
        ``beyond``: the share of them with ratio > 1 and its binomial standard error.
        Both NaN with a reason when every run diverged.
    """
    r = np.asarray(ratio, dtype=float).ravel()
    r = r[np.isfinite(r)]
    if r.size == 0:
        why = "n/a: every run diverged"
        return [_na(family, knob, "eos", why), _na(family, knob, "beyond", why)]
    return [
        _stat(family, knob, "eos", r),
        _share_cell(family, knob, "beyond", r > 1.0),
    ]


def leader_cells(family: str, knob: float, signals: np.ndarray) -> list[Cell]:
    """1-D wavelet-leader spectra of loss slices: ``c1``, ``c2`` and the width.

    :func:`~fractal_lib.multifractal.wavelet_leaders.leader_spectrum` per slice; the
    width is over the valid orders
    (:attr:`~fractal_lib.multifractal.wavelet_leaders.MFSpectrum.alpha_range_valid`).
    Mean and standard error over slices.

    Parameters
    ----------
    family : str
        Family key.
    knob : float
        Knob value.
    signals : ndarray, shape ``(n_slices, n)``
        The slices (``n`` a power of two >= 512).

    Returns
    -------
    list of Cell
        ``c1``, ``c2``, ``width``.

    Raises
    ------
    ValueError
        ``signals`` not 2-D (and what ``leader_spectrum`` raises).
    """
    s = np.asarray(signals, dtype=float)
    if s.ndim != 2:
        raise ValueError(f"signals must have shape (n_slices, n), got {s.shape}")
    c1, c2, width, bad, warned = [], [], [], [], 0
    for sig in s:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EstimatorWarning)
            spec = W.leader_spectrum(sig)
        lo, hi = spec.alpha_range_valid
        c1.append(spec.c1)
        c2.append(spec.c2)
        width.append(hi - lo)
        bad.append(int((~spec.valid).sum()))
        warned += bool(caught)
    note = ""
    if max(bad) > 0:
        note = f"median {int(np.median(bad))} of {spec.q.size} orders flagged invalid"
    if warned:
        note += ("; " if note else "") + f"estimator warnings on {warned} slices"
    return [
        _stat(family, knob, "c1", c1, note),
        _stat(family, knob, "c2", c2, note),
        _stat(family, knob, "width", width, note),
    ]


def fbm_reference(hurst: float, n_seeds: int = FBM_REF_SEEDS) -> list[Cell]:
    """The 1-D leaders of exact fBm with as many samples as a line of family (b).

    The estimator's reference for :func:`surface_lines`: ``c1``, ``c2`` and the
    width of :func:`leader_cells` on ``n_seeds`` paths of
    :func:`~fractal_lib.diffusion.msd.fbm` of :data:`LINE_N` samples. At this length
    the estimator is biased, so a line is compared with this row, not with ``H``
    and 0.

    Parameters
    ----------
    hurst : float
        Hurst exponent in (0, 1).
    n_seeds : int
        Paths (seeds ``0 .. n_seeds - 1``, >= 2).

    Returns
    -------
    list of Cell
        ``c1``, ``c2``, ``width`` with family ``"fbm"``.

    Raises
    ------
    ValueError
        ``hurst`` out of (0, 1) or ``n_seeds`` < 2.
    """
    n_seeds = _check_count("n_seeds", n_seeds, 2)
    paths = np.stack([Dif.fbm(LINE_N, hurst, seed=k)[:, 0] for k in range(n_seeds)])
    return leader_cells("fbm", hurst, paths)


def leaders_vs_fbm(cells: Sequence[Cell], hursts: Sequence[float]) -> str:
    """The leaders of family (b)'s lines beside exact fBm of the same length.

    For each ``H``: ``c1`` and ``c2`` of the surface lines (from ``cells``) and of
    :func:`fbm_reference`, and the differences of the lines from the reference, also
    in units of their combined standard error.

    Parameters
    ----------
    cells : sequence of Cell
        From :func:`table`.
    hursts : sequence of float
        The family's Hurst exponents.

    Returns
    -------
    str
        A Markdown table.
    """
    head = [
        "| H | c1 lines | c1 fBm | c1 lines - fBm "
        "| c2 lines | c2 fBm | c2 lines - fBm |",
        "|---|---|---|---|---|---|---|",
    ]
    c1, c2 = series(cells, "b", "c1"), series(cells, "b", "c2")
    for h in hursts:
        ref = {c.diagnostic: c for c in fbm_reference(float(h))}
        a = c1[np.isclose(c1[:, 0], h)][0]
        b = c2[np.isclose(c2[:, 0], h)][0]
        r1, r2 = ref["c1"], ref["c2"]
        ents = []
        for row, r in ((a, r1), (b, r2)):
            diff, se = row[1] - r.value, math.hypot(row[2], r.error)
            ents += [
                fmt((row[1], row[2])),
                fmt((r.value, r.error)),
                f"{fmt((diff, se))} ({abs(diff) / se:.1f} SE)",
            ]
        head.append(f"| {h:g} | " + " | ".join(ents) + " |")
    return "\n".join(head)


def random_units(n: int, dim: int, seed: int) -> np.ndarray:
    """``n`` seeded random unit vectors in ``dim`` dimensions.

    Parameters
    ----------
    n, dim : int
        Number of vectors and their dimension (>= 1).
    seed : int
        Seed.

    Returns
    -------
    ndarray, shape ``(n, dim)``
    """
    v = np.random.default_rng(seed).standard_normal((_check_count("n", n), dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def additive_slices(ratio: float, n_dirs: int) -> np.ndarray:
    """Family (a) along random lines through the origin, ``t`` in
    ``[-SLICE_SPAN, SLICE_SPAN)``.

    Parameters
    ----------
    ratio : float
        ``r / r_c``.
    n_dirs : int
        Directions (seeded; the first are the same for every ``n_dirs``).

    Returns
    -------
    ndarray, shape ``(n_dirs, SLICE_N)``
        The loss along each line.
    """
    land = additive_at(ratio, DIM)
    t = np.linspace(-SLICE_SPAN, SLICE_SPAN, SLICE_N, endpoint=False)
    u = random_units(64, DIM, seed=1)[: _check_count("n_dirs", n_dirs)]
    return land.loss(t[None, :, None] * u[:, None, :])


class _Additive(nn.Module):
    """Family (a) as a torch module of its ``DIM`` coordinates (input ignored)."""

    def __init__(self, ratio: float, w: Sequence[float]) -> None:
        super().__init__()
        self.eps = _check_ratio(ratio) * R_C * LAM**2
        self.w = nn.Parameter(torch.tensor(list(w), dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = 2.0 * math.pi / LAM
        return (self.w**2).sum() + self.eps * torch.cos(k * self.w).sum()


def _value(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return out


def m_tau_cell(
    family: str,
    knob: float,
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    bank_size: int,
    n_banks: int,
    loss: Callable = nn.functional.cross_entropy,
    seed: int = 0,
) -> Cell:
    """Török & Bartha's directional probe and its ``M_tau`` per bank.

    :func:`~fractal_lib.multifractal.probing.probe` on
    :data:`fractal_lib.papers.torok_bartha.PROBED_SCALES` in float64, then
    :func:`fractal_lib.papers.torok_bartha.descriptor_stack`; mean and standard
    error over banks.

    Parameters
    ----------
    family : str
        Family key.
    knob : float
        Knob value.
    model : nn.Module
        The loss's model.
    x, y : Tensor
        Probe batch.
    bank_size, n_banks : int
        Directions per bank, banks.
    loss : callable
        ``loss(model(x), y)``.
    seed : int
        Seed of the directions.

    Returns
    -------
    Cell
        ``m_tau``.
    """
    bank_size = _check_count("bank_size", bank_size, 2)
    n_banks = _check_count("n_banks", n_banks)
    res = PR.probe(
        model,
        x,
        y,
        TB.PROBED_SCALES,
        n_directions=bank_size * n_banks,
        bank_size=bank_size,
        seed=seed,
        loss=loss,
        progress=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EstimatorWarning)
        d = TB.descriptor_stack([res.R], n_banks=n_banks)
    note = "estimator warnings" if caught else ""
    return _stat(family, knob, "m_tau", d["m_tau"][0], note)


def _share_cell(family: str, knob: float, diagnostic: str, hits: np.ndarray) -> Cell:
    """Share of True among ``hits`` with its binomial standard error."""
    n = hits.size
    p = float(np.mean(hits))
    se = math.sqrt(p * (1 - p) / n) if n > 1 else math.nan
    note = f"{int(hits.sum())} of {n} runs" if p in (0.0, 1.0) else ""
    return Cell(family, float(knob), diagnostic, p, se, int(n), note)


def family_a(ratio: float, s: Any) -> list[Cell]:
    """Every diagnostic of family (a) at one roughness (cached pieces).

    Parameters
    ----------
    ratio : float
        ``r / r_c``.
    s : SynthesisScale
        Sizes (:mod:`fractal_lib.papers.presets.synthesis_five_lenses`).

    Returns
    -------
    list of Cell
        One per key of :data:`DIAGNOSTICS`.
    """
    cells = [boundary_dimension(ratio, s.bound_log2_n, s.n_x0)]
    paths = noisy_paths(ratio, s.noisy_steps, s.n_seeds)
    cells += msd_cells("a", ratio, paths, s.noisy_steps // 10)
    cells.append(_na("a", ratio, "levy", NA_NO_NOISE))
    cells += leader_cells("a", ratio, additive_slices(ratio, s.n_dirs))
    w = np.full(DIM, LIU.X0)
    model = _Additive(ratio, w)
    z = torch.zeros(1, dtype=torch.float64)
    cells.append(
        m_tau_cell(
            "a",
            ratio,
            model,
            z,
            z,
            bank_size=s.bank_size,
            n_banks=s.n_banks,
            loss=_value,
        )
    )
    cells += eos_cells("a", ratio, eos_runs(ratio, s.n_eos_lrs, s.n_seeds)["ratio"])
    return cells


# ---------------------------------------------------------------- family (b)
def surface_lines(z: np.ndarray, n_dirs: int, seed: int = 2) -> np.ndarray:
    """The surface along random lines through its centre (bilinear samples).

    :data:`LINE_N` samples per line, spaced ``(n - 2) / LINE_N`` pixels so that every
    line fits in the grid whatever its angle.

    Parameters
    ----------
    z : ndarray, shape ``(n, n)``
        The surface.
    n_dirs : int
        Lines (seeded angles).
    seed : int
        Seed of the angles.

    Returns
    -------
    ndarray, shape ``(n_dirs, LINE_N)``
    """
    n = z.shape[0]
    if z.ndim != 2 or z.shape[1] != n or n < 8:
        raise ValueError(f"z must be a square 2-D array (side >= 8), got {z.shape}")
    u = random_units(64, 2, seed)[: _check_count("n_dirs", n_dirs)]
    step = (n - 2) / LINE_N
    t = (np.arange(LINE_N) - LINE_N / 2) * step
    c = (n - 1) / 2.0
    return G.sample_bilinear(z, c + t[None, :, None] * u[:, None, :])


def family_b(s: Any) -> list[Cell]:
    """Every diagnostic of family (b) at every Hurst exponent of the sizes (cached).

    MSD exponent: :func:`fractal_lib.papers.ly2025.alpha_vs_h` (Ly & Gong's recipe,
    lags 1-10 of the window at ``fbs_tw``); sharpness:
    :func:`fractal_lib.surfaces.grid_descent.eos_sweep` at Ly & Gong's learning rate,
    per path the geometric mean of ``lambda_1`` over the last 100 steps.

    Parameters
    ----------
    s : SynthesisScale
        Sizes.

    Returns
    -------
    list of Cell
    """
    hs = np.asarray(s.hursts, dtype=float)
    res = LY.alpha_vs_h(
        s.fbs_n,
        hs,
        n_traj=s.fbs_traj,
        steps=s.fbs_steps,
        t_w=s.fbs_tw,
        window=s.fbs_window,
    )
    trapped = res["tamsd"].max(axis=-1) <= LY.TRAPPED
    msd = np.where(trapped, np.nan, res["alpha"])
    cells: list[Cell] = []
    for i, h in enumerate(hs):
        z = LY.fbs(s.fbs_n, float(h))
        cells.append(_na("b", h, "boundary", NA_WALLS))
        cells.append(
            _stat(
                "b",
                h,
                "msd",
                msd[i],
                "trapped paths excluded" if trapped[i].any() else "",
                empty="n/a: every path is trapped in a minimum (no diffusion)",
            )
        )
        cells.append(_na("b", h, "crossover", "n/a: one window per path (Ly's recipe)"))
        cells.append(_na("b", h, "levy", NA_NO_NOISE))
        cells += leader_cells("b", h, surface_lines(z, s.n_dirs))
        cells.append(_na("b", h, "m_tau", NA_PIXEL))
        cells += eos_cells("b", h, fbs_eos(s, float(h)))
    return cells


def fbs_eos(s: Any, hurst: float) -> np.ndarray:
    """``lr lambda_1 / 2`` per path at the end of GD on one fBs (cached).

    Parameters
    ----------
    s : SynthesisScale
        Sizes.
    hurst : float
        Hurst exponent of the surface.

    Returns
    -------
    ndarray, shape ``(fbs_traj,)``
    """

    def compute() -> dict[str, np.ndarray]:
        z = LY.fbs(s.fbs_n, hurst)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EstimatorWarning)
            sw = G.eos_sweep(
                z, np.array([LY.LR_MAIN]), n_seeds=s.fbs_traj, steps=s.fbs_steps
            )
        lam = np.maximum(sw.lambda1[0], np.finfo(float).tiny)
        return {"ratio": np.exp(np.log(lam).mean(axis=-1)) * LY.LR_MAIN / 2}

    params = {"n": s.fbs_n, "h": hurst, "traj": s.fbs_traj, "T": s.fbs_steps}
    return _cached("synthesis-eos-fbs", params, compute)["ratio"]


# ---------------------------------------------------------------- family (c)
def mlp_snap_steps(checkpoints: Sequence[int], window: int) -> np.ndarray:
    """Steps whose parameters are stored: every step of each checkpoint's window.

    Parameters
    ----------
    checkpoints : sequence of int
        Training steps (>= 0).
    window : int
        Steps after each checkpoint.

    Returns
    -------
    ndarray of int
        Sorted unique steps.
    """
    return np.unique(
        np.concatenate([np.arange(c, c + window) for c in checkpoints])
    ).astype(int)


def mlp_run(s: Any) -> B.TrainResult:
    """The spiral network of the Lavin chapter (cross-entropy, static weights).

    :func:`fractal_lib.papers.lavin2024.run` (cached) at the chapter's cross-entropy
    learning rate, with the top Hessian eigenvalue at every checkpoint and the
    parameters at every step of each checkpoint's window.

    Parameters
    ----------
    s : SynthesisScale
        Sizes.

    Returns
    -------
    TrainResult
    """
    steps = max(s.checkpoints) + s.mlp_window
    with warnings.catch_warnings():  # family_c reads hess_converged per eigenvalue
        warnings.simplefilter("ignore", EstimatorWarning)
        return _lavin_run(s, steps)


def _lavin_run(s: Any, steps: int) -> B.TrainResult:
    return LV.run(
        s.mlp_width,
        list(range(s.mlp_seeds)),
        loss="ce",
        schedules=DL.STATIC,
        lr=LV.LR_CE,
        steps=steps,
        hessian_steps=list(s.checkpoints),
        snap_steps=mlp_snap_steps(s.checkpoints, s.mlp_window).tolist(),
        progress=False,
    )


def _flat(run: B.TrainResult) -> np.ndarray:
    """Snapshots as ``(n_snap, M, n_params)``."""
    parts = [run.snapshots[n] for n in B.PARAM_NAMES]
    return np.concatenate([p.reshape(p.shape[0], p.shape[1], -1) for p in parts], -1)


def _ce_along(params: list[torch.Tensor], u: list[torch.Tensor], x, y) -> np.ndarray:
    """Cross-entropy of one model along ``params + t u``, ``t`` in
    ``[-MLP_SPAN, MLP_SPAN)``."""
    t = torch.linspace(-MLP_SPAN, MLP_SPAN, MLP_SLICE_N + 1, dtype=torch.float64)[:-1]
    shape = (-1,) + (1,) * (params[0].dim())
    batch = [
        p.unsqueeze(0) + t.view(shape[: p.dim() + 1]) * d.unsqueeze(0)
        for p, d in zip(params, u, strict=True)
    ]
    out = B.forward(batch, x)
    n = out.shape[1]
    ce = nn.functional.cross_entropy(
        out.reshape(-1, out.shape[-1]), y.repeat(out.shape[0]), reduction="none"
    )
    return ce.view(-1, n).mean(dim=1).numpy()


class _MLP(nn.Module):
    """One spiral network ``relu(x W1 + b1) W2 + b2`` as a torch module."""

    def __init__(self, params: Sequence[torch.Tensor]) -> None:
        super().__init__()
        self.W1, self.b1, self.W2, self.b2 = (
            nn.Parameter(p.detach().clone().to(torch.float64)) for p in params
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ self.W1 + self.b1) @ self.W2 + self.b2


def noise_cell(c: int, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Cell:
    """α-stable index of the minibatch-gradient noise of one network (Chen's fit).

    The noise is ``g_B - g`` for :data:`N_MINIBATCHES` seeded minibatches ``B`` of
    :data:`SGD_BATCH` points (``g`` the full-batch gradient), all components pooled and
    fitted by :func:`fractal_lib.papers.chen2022.fit_gradients`.

    Parameters
    ----------
    c : int
        The checkpoint (knob of the cell).
    model : nn.Module
        The network at that checkpoint.
    x, y : Tensor
        Training points and labels.

    Returns
    -------
    Cell
        ``levy``: the index, with the standard error read from its 95 % interval; a
        note when the estimate sits on a bound of ``[0.5, 2]``.
    """

    def grad(idx: torch.Tensor) -> torch.Tensor:
        model.zero_grad()
        nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        return torch.cat([p.grad.reshape(-1) for p in model.parameters()])

    full = grad(torch.arange(x.shape[0]))
    gen = torch.Generator().manual_seed(0)
    noise = [
        grad(torch.randperm(x.shape[0], generator=gen)[:SGD_BATCH]) - full
        for _ in range(N_MINIBATCHES)
    ]
    fit = CH.fit_gradients(torch.stack(noise).numpy())
    lo, hi = fit.alpha_ci
    note = "on a bound of [0.5, 2]" if fit.at_bound else ""
    return Cell("c", float(c), "levy", fit.alpha, (hi - lo) / (2 * 1.96), fit.n, note)


def family_c(s: Any) -> list[Cell]:
    """Every diagnostic of family (c) at every checkpoint of the sizes.

    MSD exponent: :func:`msd_cells` on the parameter path of each seed in the window
    after the checkpoint (one window, so no crossover); sharpness: the trainer's top
    Hessian eigenvalue at the checkpoint times ``lr / 2`` (mean over seeds); 1-D
    spectra along :data:`MLP_SLICE_N`-point slices in random directions; ``M_tau`` on
    the training spiral.

    Parameters
    ----------
    s : SynthesisScale
        Sizes.

    Returns
    -------
    list of Cell
    """
    run = mlp_run(s)
    tr, _ = LV.data()
    flat = _flat(run)
    cells: list[Cell] = []
    for c in s.checkpoints:
        sel = (run.snap_steps >= c) & (run.snap_steps < c + s.mlp_window)
        paths = flat[sel].transpose(1, 0, 2)
        cells.append(_na("c", c, "boundary", NA_MLP_BOUNDARY))
        a, _ = msd_cells("c", c, paths, s.mlp_window)
        cells.append(a)
        cells.append(_na("c", c, "crossover", "n/a: one window per checkpoint"))
        params = run.params_at(c)
        slices, probes, levy = [], [], []
        for m in range(s.mlp_seeds):
            pm = [p[m].to(torch.float64) for p in params]
            n_par = sum(p.numel() for p in pm)
            for v in random_units(s.mlp_dirs, n_par, seed=100 + m):
                vt = torch.as_tensor(v)
                u, i = [], 0
                for p in pm:
                    u.append(vt[i : i + p.numel()].view_as(p))
                    i += p.numel()
                slices.append(_ce_along(pm, u, tr.x, tr.y))
            levy.append(noise_cell(c, _MLP(pm), tr.x, tr.y))
            probes.append(
                m_tau_cell(
                    "c",
                    c,
                    _MLP(pm),
                    tr.x,
                    tr.y,
                    bank_size=s.bank_size,
                    n_banks=s.n_banks,
                    seed=m,
                )
            )
        cells.append(_pool(levy, ""))
        cells += leader_cells("c", c, np.array(slices))
        cells.append(_stat("c", c, "m_tau", [p.value for p in probes]))
        k = list(run.hess_steps).index(c)
        ok = run.hess_converged[:, k, 0]
        eig = np.where(ok, run.hess[:, k, 0], np.nan)
        eos = eos_cells("c", c, eig * LV.LR_CE / 2.0)
        if not ok.any():
            why = "n/a: no Lanczos estimate converged"
            eos = [_na("c", c, "eos", why), _na("c", c, "beyond", why)]
        elif not ok.all():
            why = f"{int((~ok).sum())} of {ok.size} Lanczos estimates unconverged"
            eos = [
                Cell(e.family, e.knob, e.diagnostic, e.value, e.error, e.n, why)
                for e in eos
            ]
        cells += eos
    return cells


def _pool(cells: Sequence[Cell], note: str) -> Cell:
    """Mean of per-seed cells, error the larger of their spread and their own errors."""
    v = np.array([c.value for c in cells])
    e = np.array([c.error for c in cells])
    out = _stat(cells[0].family, cells[0].knob, cells[0].diagnostic, v, note)
    if math.isfinite(out.value):
        own = float(np.sqrt(np.nansum(e**2)) / max(np.isfinite(e).sum(), 1))
        bound = [c.note for c in cells if c.note]
        extra = f"; {len(bound)} of {len(cells)} on a bound" if bound else ""
        out = Cell(
            out.family,
            out.knob,
            out.diagnostic,
            out.value,
            float(np.nanmax([out.error, own])),
            out.n,
            out.note + extra,
        )
    return out


# ---------------------------------------------------------------- the table
def table(s: Any) -> list[Cell]:
    """Every cell of the diagnostics table at the sizes ``s``.

    Parameters
    ----------
    s : SynthesisScale
        Sizes.

    Returns
    -------
    list of Cell
        Family (a) per roughness, then (b), then (c).
    """
    cells: list[Cell] = []
    for r in s.add_ratios:
        cells += family_a(float(r), s)
    cells += family_b(s)
    cells += family_c(s)
    return cells


def table_markdown(cells: Sequence[Cell]) -> str:
    """The table as Markdown: one row per family and knob, one column per diagnostic.

    Parameters
    ----------
    cells : sequence of Cell
        From :func:`table`.

    Returns
    -------
    str
        A Markdown table; an entry with a qualifying note carries ``*``.
    """
    keys = list(DIAGNOSTICS)
    head = "| family | knob | " + " | ".join(DIAGNOSTICS.values()) + " |"
    lines = [head, "|" + "---|" * (len(keys) + 2)]
    rows: dict[tuple[str, float], dict[str, Cell]] = {}
    for c in cells:
        rows.setdefault((c.family, c.knob), {})[c.diagnostic] = c
    for (fam, knob), row in rows.items():
        name, label = FAMILIES[fam]
        ents = [row[k].text() if k in row else "n/a: not computed" for k in keys]
        lines.append(
            f"| ({fam}) {name} | {label} = {knob:g} | " + " | ".join(ents) + " |"
        )
    return "\n".join(lines)


def series(cells: Sequence[Cell], family: str, diagnostic: str) -> np.ndarray:
    """``(knob, value, error)`` rows of one family and diagnostic, for the figures.

    Parameters
    ----------
    cells : sequence of Cell
        From :func:`table`.
    family : str
        Family key.
    diagnostic : str
        Diagnostic key.

    Returns
    -------
    ndarray, shape ``(n, 3)``
        NaN values kept (a diagnostic that does not apply).

    Raises
    ------
    ValueError
        Unknown ``family`` or ``diagnostic``.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {sorted(FAMILIES)}, got {family!r}")
    if diagnostic not in DIAGNOSTICS:
        raise ValueError(
            f"diagnostic must be one of {sorted(DIAGNOSTICS)}, got {diagnostic!r}"
        )
    rows = [
        (c.knob, c.value, c.error)
        for c in cells
        if c.family == family and c.diagnostic == diagnostic
    ]
    return np.array(rows, dtype=float).reshape(-1, 3)


def lens_figure(
    cells: Sequence[Cell],
    diagnostics: Sequence[str],
    *,
    ref: dict[str, float] | None = None,
) -> Any:
    """One row of three panels (families a, b, c) per diagnostic, value against knob.

    Family (a) is drawn against ``r / r_c`` on a log axis with the convexity threshold
    ``r / r_c = 1`` dotted; (b) against ``H`` (rougher to the left); (c) against the
    training step. Each panel has its own y scale (the families' values can differ by
    orders of magnitude). A panel whose diagnostic does not apply states why.

    Parameters
    ----------
    cells : sequence of Cell
        From :func:`table`.
    diagnostics : sequence of str
        Keys of :data:`DIAGNOSTICS`, one row each.
    ref : dict of str to float, optional
        Reference values drawn as dashed lines in the rows of those diagnostics (e.g.
        ``{"eos": 1.0}``, the edge of stability).

    Returns
    -------
    matplotlib.figure.Figure
        At most 9 inches wide; text at least 9 pt.

    Raises
    ------
    ValueError
        An unknown diagnostic (see :func:`series`).
    """
    import textwrap

    import matplotlib.pyplot as plt

    rows = len(diagnostics)
    fig, axes = plt.subplots(rows, 3, figsize=(9, 2.8 * rows), squeeze=False)
    for i, diag in enumerate(diagnostics):
        for ax, fam in zip(axes[i], FAMILIES, strict=True):
            d = series(cells, fam, diag)
            ok = np.isfinite(d[:, 1])
            name, label = FAMILIES[fam]
            if ok.any():
                ax.errorbar(
                    d[ok, 0],
                    d[ok, 1],
                    yerr=np.nan_to_num(d[ok, 2]),
                    marker="o",
                    capsize=3,
                )
            else:
                why = next(
                    (c.note for c in cells if c.family == fam and c.diagnostic == diag),
                    "n/a",
                )
                ax.text(
                    0.5,
                    0.5,
                    textwrap.fill(why, 28),
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    fontsize=9,
                )
                ax.set_xticks([])
            if fam == "a":
                ax.set_xscale("log")
                ax.axvline(1.0, ls=":", c="grey", lw=1)
            if ref and diag in ref:
                ax.axhline(ref[diag], ls="--", c="k", lw=0.8)
            ax.set_xlabel(label, fontsize=9)
            ax.set_title(f"({fam}) {name}", fontsize=9)
            ax.tick_params(labelsize=9)
        axes[i, 0].set_ylabel(DIAGNOSTICS[diag], fontsize=9)
    return fig


def _knob_axis(family: str, knob: np.ndarray) -> np.ndarray:
    """The x of a trend: log10(r / r_c), H, or log10(1 + step)."""
    if family == "a":
        return np.log10(knob)
    if family == "c":
        return np.log10(1.0 + knob)
    return knob


@dataclass(frozen=True)
class Trend:
    """A straight-line trend of one diagnostic against one family's knob.

    Attributes
    ----------
    family, diagnostic : str
        Keys of :data:`FAMILIES` and :data:`DIAGNOSTICS`.
    slope, stderr : float
        Weighted least-squares slope (weights ``1 / error^2``; unweighted when an
        error is missing or zero) against ``log10(r / r_c)`` (a), ``H`` (b) or
        ``log10(1 + step)`` (c), and its standard error.
    n : int
        Knob values with a finite value.
    verdict : str
        ``"rises"`` / ``"falls"`` (slope more than two standard errors from 0),
        ``"no clear trend"``, ``"too few values"`` (fewer than three) or
        ``"does not apply"`` (no value at all).
    """

    family: str
    diagnostic: str
    slope: float
    stderr: float
    n: int
    verdict: str


def trend(cells: Sequence[Cell], family: str, diagnostic: str) -> Trend:
    """Does one diagnostic rise or fall along one family's roughness knob?

    Parameters
    ----------
    cells : sequence of Cell
        From :func:`table`.
    family, diagnostic : str
        Which series (see :func:`series`).

    Returns
    -------
    Trend
        The slope, its error and a verdict at two standard errors. The weighted
        least-squares error is scaled by ``sqrt(max(1, chi2 / (n - 2)))``, so a
        series far from a straight line gets a wide error. The errors of
        different knob values are independent (different landscapes or checkpoints,
        their own seeds), but a straight line is only a summary: a non-monotone
        series can give "no clear trend".

    Raises
    ------
    ValueError
        Unknown ``family`` or ``diagnostic``.
    """
    d = series(cells, family, diagnostic)
    ok = np.isfinite(d[:, 1])
    n = int(ok.sum())
    if n == 0:
        return Trend(family, diagnostic, math.nan, math.nan, 0, "does not apply")
    if n < 3:
        return Trend(family, diagnostic, math.nan, math.nan, n, "too few values")
    x = _knob_axis(family, d[ok, 0])
    y, e = d[ok, 1], d[ok, 2]
    if np.all(np.isfinite(e)) and np.any(e > 0):
        # A zero error (a share of 0 or 1) gets the smallest positive one, so the
        # point keeps the largest weight instead of sending the fit to plain OLS.
        e = np.maximum(e, e[e > 0].min())
        w = 1.0 / e**2
        xm = np.sum(w * x) / w.sum()
        sxx = np.sum(w * (x - xm) ** 2)
        slope = float(np.sum(w * (x - xm) * y) / sxx)
        b = float(np.sum(w * y) / w.sum()) - slope * xm
        chi2_dof = float(np.sum(w * (y - b - slope * x) ** 2)) / (n - 2)
        # A series far from a line (chi2/dof > 1) widens the error accordingly.
        se = float(math.sqrt(max(1.0, chi2_dof) / sxx))
    else:
        fit = line_fit(x, y)
        slope, se = float(fit.slope), float(fit.stderr)
    if math.isfinite(se) and abs(slope) > 2 * se:
        verdict = "rises" if slope > 0 else "falls"
    else:
        verdict = "no clear trend"
    return Trend(family, diagnostic, slope, se, n, verdict)


def trends_markdown(cells: Sequence[Cell]) -> str:
    """Every trend as a Markdown table (diagnostic x family).

    Parameters
    ----------
    cells : sequence of Cell
        From :func:`table`.

    Returns
    -------
    str
        Entries ``"rises (slope ± error)"`` and the like.
    """
    head = "| diagnostic | " + " | ".join(f"({f}) {FAMILIES[f][0]}" for f in FAMILIES)
    lines = [head + " |", "|" + "---|" * (len(FAMILIES) + 1)]
    for diag, title in DIAGNOSTICS.items():
        ents = []
        for fam in FAMILIES:
            t = trend(cells, fam, diag)
            if math.isfinite(t.slope):
                ents.append(f"{t.verdict} ({fmt((t.slope, t.stderr))})")
            else:
                ents.append(t.verdict)
        lines.append(f"| {title} | " + " | ".join(ents) + " |")
    return "\n".join(lines)


def notes_markdown(cells: Sequence[Cell]) -> str:
    """The notes of the table's starred entries, as a Markdown list.

    Parameters
    ----------
    cells : sequence of Cell
        From :func:`table`.

    Returns
    -------
    str
        One bullet per entry with a value and a note; a sentence when there is none.
    """
    lines = [
        f"- ({c.family}) {FAMILIES[c.family][1]} = {c.knob:g}, "
        f"{DIAGNOSTICS[c.diagnostic]}: {c.note}"
        for c in cells
        if c.note and math.isfinite(c.value)
    ]
    return "\n".join(lines) if lines else "No entry carries a note."
