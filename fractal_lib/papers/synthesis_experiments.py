"""Two experiments no paper ran (chapter ``notebooks/synthesis_five_lenses.md``).

1. :func:`hurst_boundary`: is the learning-rate trainability boundary of GD on the
   multifractional surface of Ly & Gong (2025) fractal, and does its box dimension
   follow the local Hurst exponent at the starting point? GD runs on the gridded
   surface (:func:`fractal_lib.surfaces.grid_descent.descend`, the Ly & Gong chapter's
   simulator) for ``2**log2_n + 1`` log-spaced learning rates per starting point; the
   boundary is box-counted with
   :func:`~fractal_lib.boundaries.trainability.boundary_counts` and
   :func:`~fractal_lib.boundaries.trainability.box_dimension` (Liu's recipe).

   *What counts as divergence.* The gradient of a gridded surface is bounded, so GD
   cannot run off to infinity. A run **escapes** when its unfolded trajectory
   (:attr:`~fractal_lib.surfaces.grid_descent.Descent.positions`, which equals the
   folded one until the first contact with a wall) leaves the grid
   ``[0, n - 1]^2`` within ``steps`` steps. Escape is the gridded analogue of
   divergence: the iterate left the landscape it was started on.

2. :func:`dynamical_boundary`: does the dynamical loss (oscillating class weights,
   Lavin & Ruiz-Garcia 2024) move the trainability boundary of the spiral network,
   or change its dimension, against the static loss? Both losses train the same
   initialisations (:func:`fractal_lib.papers.lavin2024.run`, the Lavin chapter's
   cached batched trainer) at the same learning rates; the dynamical schedule is the
   Lavin chapter's Fig. 3 schedule, whose last period is static
   (:func:`~fractal_lib.papers.lavin2024.static_last_period`). A run is **trainable**
   when Sohl-Dickstein's convergence criterion holds for its static loss
   (:func:`fractal_lib.boundaries.network_trainability.convergence_measure` < 0: the
   mean of the last 20 losses is below the initial loss). Each seed's boundary is
   then swept again in a narrow window around its critical learning rate (a
   one-stage zoom), where a fractal boundary shows its crossings.

Both recipes cache their runs (:mod:`fractal_lib.core.cache`); sizes per scale live in
:mod:`fractal_lib.papers.presets.synthesis_experiments`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..boundaries import network_trainability as NT
from ..boundaries import trainability as TR
from ..core import fits
from ..core.cache import code_version_of, default_cache
from ..core.checks import EstimatorWarning, warn_limit
from ..dynamical import losses as DL
from ..surfaces import grid_descent as G
from . import lavin2024 as LV
from . import ly2025 as LY

#: Version of this module's code, part of every cache key of its recipes.
CODE_VERSION = code_version_of(__name__)

MF_LR_RANGE = (10.0, 1.0e4)
"""Experiment 1: learning-rate interval (log-spaced grid) on unit pixel spacing. The
Ly & Gong chapter sweeps 1 to 1e4; below 10 no start escapes within the steps used."""
MF_MARGIN = 8
"""Experiment 1: starting points lie at least ``n // MF_MARGIN`` pixels from the
edges."""
MF_H_SPAN = 0.9
"""Experiment 1: the target Hurst exponents of the starts span this fraction of the
map's range ``H_MEAN +- H_AMP``."""
DL_LR_RANGE = (0.5, 50.0)
"""Experiment 2: learning-rate interval (log-spaced grid)."""
Z95 = 1.959963984540054
"""Two-sided 95 % normal quantile: a dimension is significantly above 0 when
``alpha - Z95 stderr > 0``."""
N_BOOT = 5000
"""Bootstrap resamples of the correlations and differences."""


def _check_int(v: object, name: str, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or int(v) < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


def lr_grid(lr_range: tuple[float, float], log2_n: int) -> np.ndarray:
    """``2**log2_n + 1`` log-spaced learning rates on ``[lo, hi]`` (dyadic, nested).

    Parameters
    ----------
    lr_range : (float, float)
        ``(lo, hi)``, ``0 < lo < hi``.
    log2_n : int
        Dyadic level, 1 to 24.

    Returns
    -------
    numpy.ndarray, shape ``(2**log2_n + 1,)``
        The rates; level ``m`` of
        :func:`~fractal_lib.boundaries.trainability.boundary_counts` uses every
        ``2**(log2_n - m)``-th.

    Raises
    ------
    ValueError
        A bad range or level.
    """
    lo, hi = (float(v) for v in lr_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
        raise ValueError(f"lr_range must satisfy 0 < lo < hi, got {lr_range}")
    n = _check_int(log2_n, "log2_n", 1)
    if n > 24:
        raise ValueError(f"log2_n must be <= 24, got {log2_n}")
    return np.geomspace(lo, hi, (1 << n) + 1)


# ------------------------------------------------------------------- boundary fits
@dataclass(frozen=True)
class BoundaryFits:
    """Box dimensions of many 1-D learning-rate boundaries.

    Attributes
    ----------
    alpha, stderr : ndarray, shape ``(k,)``
        Box dimension and its OLS standard error (NaN where the fit has fewer than
        three levels).
    counts : ndarray of int, shape ``(k, log2_n + 1)``
        Boundary counts ``|B_N|`` per dyadic level.
    levels : tuple of int
        ``(first, last)`` level of the fit (same for every boundary).
    notes : tuple of str
        The fit's note per boundary (empty for a regular fit).
    fractal : ndarray of bool, shape ``(k,)``
        ``alpha - Z95 stderr > 0``: dimension significantly above 0.
    below_one : ndarray of bool, shape ``(k,)``
        ``alpha + Z95 stderr < 1``: dimension significantly below 1.
    """

    alpha: np.ndarray
    stderr: np.ndarray
    counts: np.ndarray
    levels: tuple[int, int]
    notes: tuple[str, ...]
    fractal: np.ndarray
    below_one: np.ndarray


def fit_boundaries(diverged: np.ndarray, fit_levels: int) -> BoundaryFits:
    """Box dimension of each boundary over the finest ``fit_levels`` dyadic levels.

    A finite set of boundary points has a constant count at fine levels and so a
    slope of 0 there; fitting only the finest levels tests the asymptotic regime.
    Fits with a note (no boundary, fewer than three levels) are counted and reported
    in one :class:`~fractal_lib.core.checks.EstimatorWarning`.

    Parameters
    ----------
    diverged : ndarray of bool, shape ``(k, 2**log2_n + 1)``
        Outcome per boundary (row) and learning rate.
    fit_levels : int
        Levels in the fit, 3 to ``log2_n + 1``.

    Returns
    -------
    BoundaryFits

    Raises
    ------
    ValueError
        ``diverged`` not 2-D with ``2**n + 1`` columns, or ``fit_levels`` out of
        range.
    """
    d = np.asarray(diverged, dtype=bool)
    if d.ndim != 2 or d.shape[0] < 1:
        raise ValueError(f"diverged must be 2-D (k, 2**n + 1), got shape {d.shape}")
    counts = TR.boundary_counts(d.T).T
    top = counts.shape[1] - 1
    nf = _check_int(fit_levels, "fit_levels", 3)
    if nf > top + 1:
        raise ValueError(f"fit_levels must be <= {top + 1}, got {fit_levels}")
    lo = top - nf + 1
    alpha = np.empty(d.shape[0])
    se = np.empty(d.shape[0])
    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        for i, c in enumerate(counts):
            f = TR.box_dimension(c, min_level=lo, max_level=top)
            alpha[i], se[i] = f.alpha, f.stderr
            notes.append(f.note)
    bad = sum(bool(n) for n in notes)
    if bad:
        warn_limit(
            f"fit_boundaries: {bad} of {len(notes)} boundary fits are not regular "
            "least-squares lines (see BoundaryFits.notes)"
        )
    with np.errstate(invalid="ignore"):
        fractal = (alpha - Z95 * se) > 0
        below = (alpha + Z95 * se) < 1
    return BoundaryFits(alpha, se, counts, (lo, top), tuple(notes), fractal, below)


def coin_flip_reference(
    log2_n: int, fit_levels: int, *, n: int = 200, seed: int = 0
) -> BoundaryFits:
    """The fits of :func:`fit_boundaries` on independent coin flips (dimension 1).

    The OLS standard error of a box-counting slope is not a calibrated test: on coin
    flips, whose boundary has dimension exactly 1, ``below_one`` fires more often
    than the nominal 2.5 %. This reference gives the rate to compare with.

    Parameters
    ----------
    log2_n : int
        Dyadic level of the outcomes (1 to 20).
    fit_levels : int
        Finest levels in each fit.
    n : int
        Number of independent boundaries (>= 1).
    seed : int
        Seed of the flips.

    Returns
    -------
    BoundaryFits
        ``n`` fits; ``below_one.mean()`` is the false-alarm rate of "below 1".

    Raises
    ------
    ValueError
        Sizes out of range.
    """
    lv = _check_int(log2_n, "log2_n", 1)
    if lv > 20:
        raise ValueError(f"log2_n must be <= 20, got {log2_n}")
    k = _check_int(n, "n", 1)
    rng = np.random.default_rng(seed)
    return fit_boundaries(rng.random((k, (1 << lv) + 1)) < 0.5, fit_levels)


def _first_true(d: np.ndarray, lrs: np.ndarray) -> np.ndarray:
    """Smallest learning rate with a True outcome per row (NaN where none)."""
    any_ = d.any(axis=-1)
    return np.where(any_, lrs[np.argmax(d, axis=-1)], np.nan)


def _pearson(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def correlation(x: np.ndarray, y: np.ndarray, *, seed: int = 0) -> fits.BootstrapCI:
    """Pearson correlation of paired samples with a percentile bootstrap interval.

    Parameters
    ----------
    x, y : ndarray, shape ``(k,)``
        Finite paired samples, ``k >= 3``.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    BootstrapCI
        The correlation and its 95 % interval (resampling pairs); replicates with
        a constant resample are dropped from the interval.

    Raises
    ------
    ValueError
        Fewer than three pairs, shapes that differ, or non-finite values.
    """
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.shape != ya.shape or xa.size < 3:
        raise ValueError("x and y must be paired samples of the same size >= 3")
    xy = np.column_stack([xa, ya])
    with np.errstate(invalid="ignore", divide="ignore"):
        return fits.bootstrap_ci(
            xy, lambda a: _nan_guard(_pearson(a)), n_boot=N_BOOT, seed=seed
        )


def _nan_guard(r: float) -> float:
    # a degenerate resample (all pairs equal) has no correlation: count it as 0
    return 0.0 if not math.isfinite(r) else r


# ------------------------------------------------------------------- experiment 1
@dataclass(frozen=True)
class HurstBoundary:
    """Experiment 1: learning-rate boundaries of GD against the local Hurst exponent.

    Attributes
    ----------
    lrs : ndarray, shape ``(2**log2_n + 1,)``
        Learning rates (units of loss^-1 pixel^2).
    starts : ndarray, shape ``(n_starts, 2)``
        Starting points ``(x, y)`` (pixels), the same on every surface.
    hurst : ndarray, shape ``(n_starts,)``
        Local Hurst exponent of the map at each start (the design value; the
        surface's realised one differs by at most half a level spacing plus the
        estimation noise of a local fit).
    escaped : ndarray of bool, shape ``(n_seeds, n_starts, 2**log2_n + 1)``
        Whether the run left the grid within ``steps`` steps.
    fits : BoundaryFits
        Box dimension per (seed, start), rows in ``seed``-major order.
    critical_lr : ndarray, shape ``(n_seeds, n_starts)``
        Smallest escaping learning rate (NaN where none escapes).
    dim_vs_hurst : BootstrapCI or None
        Correlation of dimension and local H over the regular fits; None (with
        ``note``) when fewer than three fits are regular.
    lr_vs_hurst : BootstrapCI or None
        Correlation of ``log10 critical_lr`` and local H.
    steps : int
        GD steps per run.
    note : str
        Why a correlation is missing (empty otherwise).
    """

    lrs: np.ndarray
    starts: np.ndarray
    hurst: np.ndarray
    escaped: np.ndarray
    fits: BoundaryFits
    critical_lr: np.ndarray
    dim_vs_hurst: fits.BootstrapCI | None
    lr_vs_hurst: fits.BootstrapCI | None
    steps: int
    note: str

    @property
    def alpha(self) -> np.ndarray:
        """Box dimensions, shape ``(n_seeds, n_starts)``."""
        return self.fits.alpha.reshape(self.critical_lr.shape)

    @property
    def stderr(self) -> np.ndarray:
        """Their standard errors, shape ``(n_seeds, n_starts)``."""
        return self.fits.stderr.reshape(self.critical_lr.shape)

    @property
    def mean_dimension(self) -> tuple[float, float]:
        """Mean box dimension over all boundaries and its standard error."""
        m, se = fits.mean_sem(self.fits.alpha)
        return float(m), float(se)

    @property
    def fraction_fractal(self) -> tuple[float, float]:
        """Share of boundaries with dimension significantly above 0, with its SE."""
        return _share(self.fits.fractal)

    @property
    def fraction_below_one(self) -> tuple[float, float]:
        """Share of boundaries with dimension significantly below 1, with its SE."""
        return _share(self.fits.below_one)

    def lr_range_of_fit(self) -> tuple[float, float]:
        """Learning-rate spacing of the finest and the coarsest fitted level, decades.

        Returns
        -------
        (float, float)
            ``log10(hi / lo) / 2**level`` at the last and the first level of the fit.
        """
        dec = math.log10(self.lrs[-1] / self.lrs[0])
        lo, hi = self.fits.levels
        return dec / 2**hi, dec / 2**lo


def _share(flags: np.ndarray) -> tuple[float, float]:
    f = np.asarray(flags, dtype=float)
    p = float(f.mean())
    return p, math.sqrt(p * (1 - p) / f.size)


def hurst_starts(n: int, n_starts: int) -> tuple[np.ndarray, np.ndarray]:
    """Starting points at evenly spaced local Hurst exponents of the Ly & Gong map.

    For targets evenly spaced over ``MF_H_SPAN`` of the map's range, the interior
    pixel (at least ``n // MF_MARGIN`` from every edge) whose ``H`` is nearest, the
    first in row-major order on ties.

    Parameters
    ----------
    n : int
        Side of the grid (>= 16).
    n_starts : int
        Number of starts (>= 1).

    Returns
    -------
    starts : numpy.ndarray, shape ``(n_starts, 2)``
        ``(x, y)`` pixels.
    hurst : numpy.ndarray, shape ``(n_starts,)``
        ``H`` of the map there.

    Raises
    ------
    ValueError
        ``n < 16`` or ``n_starts < 1``.
    """
    n = _check_int(n, "n", 16)
    k = _check_int(n_starts, "n_starts", 1)
    hmap = LY.hurst_map(n)
    m = n // MF_MARGIN
    inner = hmap[m : n - m, m : n - m]
    half = MF_H_SPAN * LY.H_AMP
    targets = np.linspace(LY.H_MEAN - half, LY.H_MEAN + half, k)
    starts = np.empty((k, 2))
    hs = np.empty(k)
    for i, t in enumerate(targets):
        r, c = np.unravel_index(int(np.argmin(np.abs(inner - t))), inner.shape)
        starts[i] = (c + m, r + m)
        hs[i] = inner[r, c]
    return starts, hs


def escapes(
    surface: np.ndarray,
    start: np.ndarray,
    lrs: np.ndarray,
    steps: int,
    *,
    chunk: int = 4096,
) -> np.ndarray:
    """Whether GD from ``start`` leaves the grid within ``steps`` steps, per rate.

    Parameters
    ----------
    surface : ndarray, shape ``(n, n)``
        The loss on the grid (unit spacing).
    start : ndarray, shape ``(2,)``
        Starting point ``(x, y)`` in pixels.
    lrs : ndarray, shape ``(k,)``
        Learning rates (> 0).
    steps : int
        GD steps (>= 1).
    chunk : int
        Runs per call of :func:`~fractal_lib.surfaces.grid_descent.descend` (bounds
        the memory of the stored trajectories).

    Returns
    -------
    numpy.ndarray of bool, shape ``(k,)``
        True where the unfolded trajectory leaves ``[0, n_cols - 1] x
        [0, n_rows - 1]``.

    Raises
    ------
    ValueError
        ``steps < 1``, ``chunk < 1``, or what ``descend`` rejects.

    Notes
    -----
    The gradient at the edge nodes is one-sided (``np.gradient``), which halves the
    interpolated curvature in the outermost cells; an oscillation that grows only
    slowly (a rate just above a stability threshold) can be trapped there in a cycle
    at the walls instead of escaping. On a quadratic bowl ``c |x - x*|^2`` every rate
    above ``1.1 / c`` escapes and every rate below ``1 / c`` does not.
    """
    st = _check_int(steps, "steps", 1)
    ch = _check_int(chunk, "chunk", 1)
    lr_a = np.asarray(lrs, dtype=float).ravel()
    z = np.asarray(surface, dtype=float)
    top = np.array([z.shape[1] - 1.0, z.shape[0] - 1.0])
    x0 = np.asarray(start, dtype=float).reshape(1, 2)
    out = np.empty(lr_a.size, dtype=bool)
    for s in range(0, lr_a.size, ch):
        part = lr_a[s : s + ch]
        res = G.descend(z, np.repeat(x0, part.size, axis=0), part, st)
        p = res.positions
        out[s : s + part.size] = ((p < 0) | (p > top)).any(axis=(1, 2))
    return out


def hurst_boundary(
    *,
    n: int,
    n_levels: int,
    n_seeds: int,
    n_starts: int,
    log2_n: int,
    fit_levels: int,
    steps: int,
    lr_range: tuple[float, float] = MF_LR_RANGE,
) -> HurstBoundary:
    """Experiment 1: the GD learning-rate boundary per start against local H.

    For each surface seed (:func:`fractal_lib.papers.ly2025.landscape`, the Ly & Gong
    chapter's multifractional surface with its sinusoidal Hurst map) and each start
    of :func:`hurst_starts`, the outcome :func:`escapes` over :func:`lr_grid`; cached
    per seed.

    Parameters
    ----------
    n, n_levels : int
        Side of the surface and its quantised Hurst levels.
    n_seeds, n_starts : int
        Surfaces and starts per surface (``n_seeds * n_starts >= 3``).
    log2_n : int
        Dyadic level of the learning-rate grid.
    fit_levels : int
        Finest levels in each box-dimension fit (:func:`fit_boundaries`).
    steps : int
        GD steps per run.
    lr_range : (float, float)
        Learning-rate interval.

    Returns
    -------
    HurstBoundary

    Raises
    ------
    ValueError
        Sizes out of range.

    Warns
    -----
    EstimatorWarning
        Fits that are not regular lines; no start escaping at any rate.

    References
    ----------
    Ly & Gong (2025) (surface and simulator); Liu (2024), Fig. 1c (boundary counts).
    """
    ns = _check_int(n_seeds, "n_seeds", 1)
    k = _check_int(n_starts, "n_starts", 1)
    if ns * k < 3:
        raise ValueError(f"n_seeds * n_starts must be >= 3, got {ns * k}")
    st = _check_int(steps, "steps", 1)
    lrs = lr_grid(lr_range, log2_n)
    starts, hs = hurst_starts(n, k)
    esc = np.empty((ns, k, lrs.size), dtype=bool)
    cache = default_cache()
    for seed in range(ns):
        params = {
            "n": int(n),
            "n_levels": int(n_levels),
            "seed": seed,
            "starts": starts.tolist(),
            "lr_range": [float(v) for v in lr_range],
            "log2_n": int(log2_n),
            "steps": st,
        }

        def compute(seed: int = seed) -> dict[str, np.ndarray]:
            z = LY.landscape(int(n), int(n_levels), seed=seed)
            return {"escaped": np.stack([escapes(z, s, lrs, st) for s in starts])}

        esc[seed] = cache.cached("synthesis-hurst", params, CODE_VERSION, compute)[
            "escaped"
        ]
    bf = fit_boundaries(esc.reshape(ns * k, lrs.size), fit_levels)
    crit = _first_true(esc, lrs)
    hh = np.tile(hs, ns)
    notes = []
    ok = np.array([not s for s in bf.notes])
    dim_ci = None
    if ok.sum() >= 3 and np.ptp(hh[ok]) > 0:
        dim_ci = correlation(hh[ok], bf.alpha[ok])
    else:
        notes.append(f"only {int(ok.sum())} regular dimension fits: no correlation")
    fin = np.isfinite(crit.ravel())
    lr_ci = None
    if fin.sum() >= 3 and np.ptp(hh[fin]) > 0:
        lr_ci = correlation(hh[fin], np.log10(crit.ravel()[fin]))
    else:
        notes.append(f"only {int(fin.sum())} starts escape at all: no correlation")
    if not fin.any():
        warn_limit("hurst_boundary: no run escapes at any learning rate")
    return HurstBoundary(
        lrs, starts, hs, esc, bf, crit, dim_ci, lr_ci, st, "; ".join(notes)
    )


def _residual(v: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``v`` minus its least-squares line in ``z``."""
    a = np.column_stack([np.ones_like(z), z])
    return v - a @ np.linalg.lstsq(a, v, rcond=None)[0]


def _partial(h: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
    """Pearson correlation of ``h`` and ``y`` with ``z`` partialled out."""
    return _pearson(np.column_stack([_residual(h, z), _residual(y, z)]))


@dataclass(frozen=True)
class HurstControls:
    """Experiment 1: is the position of the boundary H, or the slope at the start?

    Attributes
    ----------
    log_gradient : ndarray, shape ``(n_seeds, n_starts)``
        ``log10 |grad L|`` at each start (pixel-scale central differences).
    lr_vs_gradient, hurst_vs_gradient : float
        Pearson correlations of ``log10 critical_lr`` and of ``H`` with
        ``-log10 |grad L|`` over the escaping runs.
    lr_vs_hurst : BootstrapCI
        ``corr(log10 critical_lr, H)``, interval from resampling *starts* (all
        seeds of a start together: the starts, not the pairs, are independent
        in ``H``).
    partial : BootstrapCI
        The same correlation with ``log10 |grad L|`` partialled out (both
        regressed on it), interval from resampling starts.
    """

    log_gradient: np.ndarray
    lr_vs_gradient: float
    hurst_vs_gradient: float
    lr_vs_hurst: fits.BootstrapCI
    partial: fits.BootstrapCI


def hurst_controls(
    hb: HurstBoundary, n: int, n_levels: int, *, seed: int = 0
) -> HurstControls:
    """Control experiment 1's ``corr(log10 critical_lr, H)`` for the start gradient.

    Parameters
    ----------
    hb : HurstBoundary
        From :func:`hurst_boundary`, run with the same ``n`` and ``n_levels``.
    n, n_levels : int
        Side of the surfaces and their quantised Hurst levels.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    HurstControls

    Raises
    ------
    ValueError
        Fewer than three starts with an escaping run, or ``n`` not the side of
        ``hb``'s surfaces.
    """
    ns, k = hb.critical_lr.shape
    lg = np.empty((ns, k))
    xy = hb.starts.astype(int)
    for s in range(ns):
        z = LY.landscape(int(n), int(n_levels), seed=s)
        if np.any(xy >= z.shape[0]):
            raise ValueError(f"n ({n}) is not the side of the run's surfaces")
        gy, gx = np.gradient(z)
        lg[s] = np.log10(np.hypot(gx[xy[:, 1], xy[:, 0]], gy[xy[:, 1], xy[:, 0]]))
    lr = np.log10(hb.critical_lr)
    hh = np.broadcast_to(hb.hurst, (ns, k))
    ok = np.isfinite(lr) & np.isfinite(lg)
    if ok.any(axis=0).sum() < 3:
        raise ValueError("fewer than three starts escape: no correlation")

    def pooled(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i = np.asarray(idx, dtype=int).ravel()
        m = ok[:, i]
        return hh[:, i][m], lr[:, i][m], lg[:, i][m]

    def corr(sample: np.ndarray) -> float:
        h, y, _ = pooled(sample)
        return _nan_guard(_pearson(np.column_stack([h, y])))

    def part(sample: np.ndarray) -> float:
        h, y, g = pooled(sample)
        if h.size < 4:
            return 0.0
        return _nan_guard(_partial(h, y, g))

    starts = np.arange(k, dtype=float)[:, None]
    h, y, g = pooled(np.arange(k))
    with np.errstate(invalid="ignore", divide="ignore"):
        by_start = fits.bootstrap_ci(starts, corr, n_boot=N_BOOT, seed=seed)
        partial = fits.bootstrap_ci(starts, part, n_boot=N_BOOT, seed=seed)
    return HurstControls(
        lg,
        _pearson(np.column_stack([y, -g])),
        _pearson(np.column_stack([h, -g])),
        by_start,
        partial,
    )


# ------------------------------------------------------------------- experiment 2
@dataclass(frozen=True)
class LossBoundary:
    """Experiment 2: trainability boundaries of the spiral network, static vs dynamical.

    Attributes
    ----------
    lrs : ndarray, shape ``(2**log2_n + 1,)``
        Learning rates of the full sweep.
    seeds : ndarray of int, shape ``(n_seeds,)``
        Initialisation seeds (the same for both losses).
    failed : dict of str to ndarray of bool, shape ``(n_seeds, 2**log2_n + 1)``
        ``{"static": ..., "dynamical": ...}``: the convergence criterion fails.
    fits : dict of str to BoundaryFits
        Box dimension per seed over the full sweep, for each loss.
    critical_lr : dict of str to ndarray, shape ``(n_seeds,)``
        Smallest failing learning rate per seed (NaN where none fails).
    zoom_lrs : dict of str to ndarray, shape ``(n_seeds, 2**zoom_log2_n + 1)``
        Per loss and seed, a window ``critical_lr * 10**[-zoom_decades,
        +zoom_decades]`` (log-spaced) around that seed's critical rate.
    zoom_failed : dict of str to ndarray of bool
        Outcomes there, shaped like ``zoom_lrs``.
    zoom_fits : dict of str to BoundaryFits
        Box dimension per seed inside the window: the finer test of fractality.
    position_shift : BootstrapCI or None
        Paired mean over seeds of ``log10 lr_c(dynamical) - log10 lr_c(static)``
        (None with ``note`` where fewer than two seeds have both).
    dimension_shift : tuple of float
        Mean over seeds of the zoomed ``alpha(dynamical) - alpha(static)`` and its
        standard error (NaN with one seed).
    schedule : Schedule
        The dynamical class weights.
    steps : int
        GD steps per run.
    note : str
        Why something is missing (empty otherwise).
    """

    lrs: np.ndarray
    seeds: np.ndarray
    failed: dict[str, np.ndarray]
    fits: dict[str, BoundaryFits]
    critical_lr: dict[str, np.ndarray]
    zoom_lrs: dict[str, np.ndarray]
    zoom_failed: dict[str, np.ndarray]
    zoom_fits: dict[str, BoundaryFits]
    position_shift: fits.BootstrapCI | None
    dimension_shift: tuple[float, float]
    schedule: DL.Schedule
    steps: int
    note: str

    def _check(self, which: str) -> str:
        if which not in self.critical_lr:
            raise ValueError(f"which must be 'static' or 'dynamical', got {which!r}")
        return which

    def critical_mean(self, which: str) -> tuple[float, float]:
        """Mean and SE over seeds of ``log10`` of the critical learning rate.

        Parameters
        ----------
        which : {"static", "dynamical"}
            The loss.

        Returns
        -------
        (float, float)
            Mean and standard error (NaN where undefined).

        Raises
        ------
        ValueError
            Another name.
        """
        m, s = fits.mean_sem(np.log10(self.critical_lr[self._check(which)]))
        return float(m), float(s)

    def shift_mean(self) -> tuple[float, float]:
        """Paired shift of ``log10`` of the critical rate, mean and SE over seeds.

        Returns
        -------
        (float, float)
            Mean over seeds of ``log10 lr_c(dynamical) - log10 lr_c(static)`` and its
            standard error (the seeds' spread; NaN with fewer than two seeds).
        """
        d = np.log10(self.critical_lr["dynamical"]) - np.log10(
            self.critical_lr["static"]
        )
        m, s = fits.mean_sem(d)
        return float(m), float(s)

    def dimension_mean(self, which: str, *, zoom: bool = True) -> tuple[float, float]:
        """Mean box dimension over seeds and its standard error.

        Parameters
        ----------
        which : {"static", "dynamical"}
            The loss.
        zoom : bool
            The zoomed fits (default) or those of the full sweep.

        Returns
        -------
        (float, float)
            Mean and standard error.

        Raises
        ------
        ValueError
            Another name.
        """
        f = (self.zoom_fits if zoom else self.fits)[self._check(which)]
        m, s = fits.mean_sem(f.alpha)
        return float(m), float(s)


def _spiral_failed(
    width: int, seeds: np.ndarray, lrs: np.ndarray, kind: str, sched, steps: int
) -> np.ndarray:
    """Sohl-Dickstein's criterion fails, per run (cached batched training)."""
    r = LV.run(
        width, seeds, loss=kind, schedules=sched, lr=lrs, steps=steps, progress=False
    )
    m = np.array([NT.convergence_measure(v) for v in r.static_loss])
    return m > 0


def dynamical_boundary(
    *,
    width: int,
    n_seeds: int,
    log2_n: int,
    fit_levels: int,
    period: int,
    periods: int,
    zoom_log2_n: int,
    zoom_decades: float = 0.02,
    amplitude: float = LV.A,
    lr_range: tuple[float, float] = DL_LR_RANGE,
) -> LossBoundary:
    """Experiment 2: the spiral network's learning-rate boundary, static vs dynamical.

    Static: cross-entropy. Dynamical: DCE with
    :func:`fractal_lib.papers.lavin2024.static_last_period` (amplitude ``amplitude``,
    period ``period``, ``periods`` periods, the last static). Same widths, seeds and
    learning rates; runs cached by :func:`fractal_lib.papers.lavin2024.run`. After
    the full sweep, each seed and loss is swept again in a narrow window around its
    critical rate (a one-stage zoom, as Liu's), where a fractal boundary would show
    many crossings.

    Parameters
    ----------
    width : int
        Hidden width (>= 1).
    n_seeds : int
        Initialisations (>= 1).
    log2_n : int
        Dyadic level of the learning-rate grid.
    fit_levels : int
        Finest levels in each box-dimension fit (full sweep and zoom).
    period, periods : int
        ``T`` in steps (>= 1) and periods trained (>= 2, the last one static).
    zoom_log2_n : int
        Dyadic level of the zoom window (>= ``fit_levels - 1``).
    zoom_decades : float
        Half-width of the zoom window in decades of the learning rate (> 0); below
        the spacing of the full sweep a window can miss the crossing it is centred
        on (warned, and said in ``note``).
    amplitude : float
        ``A`` of the class weights (normalised reading, the public code's).
    lr_range : (float, float)
        Learning-rate interval.

    Returns
    -------
    LossBoundary

    Raises
    ------
    ValueError
        Sizes out of range.

    Warns
    -----
    EstimatorWarning
        Fits that are not regular lines; a loss under which no run fails; a zoom
        window narrower than the sweep's spacing.

    References
    ----------
    Lavin & Ruiz-Garcia (2024), arXiv:2410.10690 (network, spiral, schedule);
    Sohl-Dickstein (2024), arXiv:2402.06184 (the convergence criterion); Liu (2024)
    (zoomed box counting).
    """
    w = _check_int(width, "width", 1)
    ns = _check_int(n_seeds, "n_seeds", 1)
    t_ = _check_int(period, "period", 1)
    np_ = _check_int(periods, "periods", 2)
    zl = _check_int(zoom_log2_n, "zoom_log2_n", 1)
    zd = float(zoom_decades)
    if not (math.isfinite(zd) and zd > 0):
        raise ValueError(
            f"zoom_decades must be a finite number > 0, got {zoom_decades}"
        )
    lrs = lr_grid(lr_range, log2_n)
    zgrid = lr_grid((10.0**-zd, 10.0**zd), zl)
    steps = np_ * t_
    sched = LV.static_last_period(float(amplitude), t_, np_)
    seeds = np.arange(ns)
    losses = {"static": ("ce", DL.STATIC), "dynamical": ("dce", sched)}
    failed, crit, zlrs, zfailed = {}, {}, {}, {}
    notes = []
    for name, (kind, sc) in losses.items():
        f = _spiral_failed(
            w, np.repeat(seeds, lrs.size), np.tile(lrs, ns), kind, sc, steps
        )
        failed[name] = f.reshape(ns, lrs.size)
        crit[name] = _first_true(failed[name], lrs)
        if not failed[name].any():
            notes.append(f"no {name} run fails")
            warn_limit(f"dynamical_boundary: no {name} run fails in {lr_range}")
        centre = np.where(
            np.isfinite(crit[name]), crit[name], math.sqrt(lrs[0] * lrs[-1])
        )
        zlrs[name] = centre[:, None] * zgrid[None, :]
        zf = _spiral_failed(
            w, np.repeat(seeds, zgrid.size), zlrs[name].ravel(), kind, sc, steps
        )
        zfailed[name] = zf.reshape(ns, zgrid.size)
    step = math.log10(lrs[1] / lrs[0])
    if zd < step:
        notes.append(
            f"zoom half-width {zd} decades below the sweep's spacing {step:.3g}: "
            "a window may miss its crossing"
        )
        warn_limit(f"dynamical_boundary: {notes[-1]}")
    bfs = {k: fit_boundaries(v, fit_levels) for k, v in failed.items()}
    zfits = {k: fit_boundaries(v, fit_levels) for k, v in zfailed.items()}
    both = np.isfinite(crit["static"]) & np.isfinite(crit["dynamical"])
    shift = None
    if both.sum() >= 2:
        diff = np.log10(crit["dynamical"][both]) - np.log10(crit["static"][both])
        if np.ptp(diff) == 0:
            shift = fits.BootstrapCI(
                float(diff[0]), float(diff[0]), float(diff[0]), 0.95, diff
            )
        else:
            shift = fits.bootstrap_ci(diff, n_boot=N_BOOT, seed=0)
    else:
        notes.append(f"{int(both.sum())} seeds fail under both losses: no shift")
    dm, dse = fits.mean_sem(zfits["dynamical"].alpha - zfits["static"].alpha)
    return LossBoundary(
        lrs,
        seeds,
        failed,
        bfs,
        crit,
        zlrs,
        zfailed,
        zfits,
        shift,
        (float(dm), float(dse)),
        sched,
        steps,
        "; ".join(notes),
    )


# ------------------------------------------------------------------------- figures
def hurst_figure(hb: HurstBoundary) -> Any:
    """Experiment 1: box dimension and critical rate against the local Hurst exponent.

    Left: the dimension of each boundary (one point per surface, error bar the fit's
    standard error) against ``H`` at its start, with the lines 0 (finite set of
    points) and 1 (boundary dense at every resolved scale). Right: the smallest
    escaping learning rate.

    Parameters
    ----------
    hb : HurstBoundary
        From :func:`hurst_boundary`.

    Returns
    -------
    matplotlib.figure.Figure
        9 x 3.4 inches.
    """
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    ns, k = hb.critical_lr.shape
    dh = 0.004 * (np.arange(ns) - (ns - 1) / 2)
    for s in range(ns):
        a.errorbar(
            hb.hurst + dh[s],
            hb.alpha[s],
            yerr=np.nan_to_num(Z95 * hb.stderr[s]),
            fmt="o",
            ms=3,
            capsize=2,
            alpha=0.7,
        )
        b.plot(hb.hurst + dh[s], hb.critical_lr[s], "o", ms=3, alpha=0.7)
    for y in (0.0, 1.0):
        a.axhline(y, color="0.5", ls=":", lw=1)
    a.set_xlabel("local Hurst exponent $H$ at the start")
    a.set_ylabel("box dimension of the boundary")
    a.set_title("(a) dimension (95 % fit error)")
    b.set_yscale("log")
    b.set_xlabel("local Hurst exponent $H$ at the start")
    b.set_ylabel("smallest escaping $\\eta$")
    b.set_title("(b) position of the boundary")
    return fig


def loss_figure(lb: LossBoundary) -> Any:
    """Experiment 2: outcome strips of the spiral network, static and dynamical loss.

    Left: the full sweep, one strip per seed and loss (dark: Sohl-Dickstein's
    criterion fails). Right: the zoom window of each strip, in decades from that
    strip's critical learning rate.

    Parameters
    ----------
    lb : LossBoundary
        From :func:`dynamical_boundary`.

    Returns
    -------
    matplotlib.figure.Figure
        9 inches wide.
    """
    import matplotlib.pyplot as plt

    ns = lb.seeds.size
    rows = [(k, s) for k in ("static", "dynamical") for s in range(ns)]
    labels = [f"{k[:3]}. seed {s}" for k, s in rows]
    full = np.array([lb.failed[k][s] for k, s in rows], dtype=float)
    zoom = np.array([lb.zoom_failed[k][s] for k, s in rows], dtype=float)
    zl = lb.zoom_lrs["static"][0] / lb.zoom_lrs["static"][0, zoom.shape[1] // 2]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 0.35 * len(rows) + 1.6))
    lo, hi = np.log10(lb.lrs[[0, -1]])
    ext = {"aspect": "auto", "cmap": "Greys", "interpolation": "nearest"}
    a.imshow(full, extent=(lo, hi, len(rows), 0), **ext)
    zlo, zhi = np.log10(zl[[0, -1]])
    b.imshow(zoom, extent=(zlo, zhi, len(rows), 0), **ext)
    for ax in (a, b):
        ax.set_yticks(np.arange(len(rows)) + 0.5, labels)
        ax.axhline(ns, color="tab:red", lw=1)
    a.set_xlabel("$\\log_{10} \\eta$")
    a.set_title("(a) full sweep (dark: fails)")
    b.set_xlabel("$\\log_{10} (\\eta / \\eta_c)$ of the strip")
    b.set_title("(b) zoom around each $\\eta_c$")
    return fig
