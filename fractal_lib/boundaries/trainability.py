"""Trainability sweeps: which learning rates make gradient descent diverge, and the
fractal dimension of the boundary between them (Liu 2024; Sohl-Dickstein 2024).

The pieces, from the inside out:

* :func:`classify` runs GD for an array of learning rates (and optionally an ensemble of
  starting points) and says which runs diverge under a :class:`Criterion`.
* :func:`sweep` does that over a dyadic :class:`LRGrid` of ``2**log2_n + 1`` learning
  rates, in chunks that are cached on disk (an interrupted sweep resumes) and can be
  spread over any ``concurrent.futures`` executor or a ``dask.distributed`` client.
* :func:`boundary_counts` counts boundary segments ``|B_N|`` on every dyadic sub-grid
  and :func:`box_dimension` fits ``|B_N| ~ N**alpha``.
* :func:`zoom_sweep` reaches ``N = 2**32`` by refining only the window that holds every
  boundary found at a coarser level.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.optimize import brentq

from ..core.cache import ResultCache, code_version_of, default_cache
from ..core.checks import EstimatorWarning, as_float_array, warn_limit
from ..core.executors import read_chunk, run_chunks
from ..core.fits import DimensionFit, fit_dimension
from . import _gd_kernels as K
from .landscapes import Landscape

#: Code version entering this module's cache keys
#: (:func:`~fractal_lib.core.cache.code_version_of`).
CODE_VERSION = code_version_of(__name__)
MAX_RESULT_BYTES = 2 * 1024**3
"""Largest result one :func:`sweep` may hold in memory (beyond: :func:`zoom_sweep`)."""
#: Which implementation of the sweep runs (``"auto"`` picks one).
Method = Literal["auto", "fast", "reference"]


# --------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Criterion:
    """When a GD run counts as divergent.

    Parameters
    ----------
    kind : {"sum", "max"}
        ``"sum"``: the sum of the losses after each of the ``steps`` updates reaches
        ``bound`` (Liu 2024 main text: 1000 steps, 1e16). ``"max"``: some loss exceeds
        ``bound`` (Liu's committed Julia/NumPy scripts use 1e8; SI Fig. S3 varies it as
        ``f_max``).
    bound : float
        The threshold on the loss (or on the sum of losses), finite and > 0.
    nan : {"divergent", "bounded"}
        What a NaN loss means. ``"divergent"`` (default): the test is
        ``not (value <= bound)`` on the loss (``"max"``) or on the running sum
        (``"sum"``), so a NaN or a ``+inf`` is divergence, while a value that overflows
        to ``-inf`` is below every bound and counts as bounded (until a later loss or
        sum is NaN). ``"bounded"`` (``kind="max"`` only): the test is the plain
        comparison ``loss > bound``, which is False for NaN, so a run whose loss turns
        NaN counts as bounded unless an earlier loss exceeded ``bound`` (``+inf`` still
        diverges). This is the authors' own test behind Liu 2024, Fig. 4c (``exp-3.py``,
        ``exp-5.jl``).

    Raises
    ------
    ValueError
        ``kind`` or ``nan`` not one of the listed values, ``nan="bounded"`` with
        ``kind="sum"``, or ``bound`` not a real number (a string such as ``"1e8"`` is
        refused), not finite or not > 0.

    References
    ----------
    Liu 2024: the text's criterion (sum of the 1000 losses >= 1e16); the authors'
    scripts behind Figs. 2 and 4 (some loss > 1e8; ``exp-3.py`` and ``exp-5.jl`` for
    Fig. 4b/4c).
    """

    kind: Literal["sum", "max"] = "sum"
    bound: float = 1e16
    nan: Literal["divergent", "bounded"] = "divergent"

    def __post_init__(self) -> None:
        if self.kind not in ("sum", "max"):
            raise ValueError(
                f"criterion kind must be 'sum' or 'max', got {self.kind!r}"
            )
        if isinstance(self.bound, bool) or not isinstance(self.bound, numbers.Real):
            raise ValueError(
                f"criterion bound must be a real number, got {self.bound!r}"
            )
        b = float(self.bound)
        if not math.isfinite(b) or b <= 0:
            raise ValueError(
                f"criterion bound must be a finite number > 0, got {self.bound!r}"
            )
        if self.nan not in ("divergent", "bounded"):
            raise ValueError(
                f"criterion nan must be 'divergent' or 'bounded', got {self.nan!r}"
            )
        if self.nan == "bounded" and self.kind != "max":
            raise ValueError("criterion nan='bounded' needs kind='max'")

    @property
    def code(self) -> int:
        """Criterion code of the numba kernels (``CRIT_SUM``, ``CRIT_MAX``, flags)."""
        if self.kind == "sum":
            return K.CRIT_SUM
        return K.CRIT_MAX | (K.NAN_BOUNDED if self.nan == "bounded" else 0)


LOSS_SUM = Criterion("sum", 1e16)
"""The paper's criterion: sum of the 1000 losses >= 1e16."""


@dataclass(frozen=True)
class LRGrid:
    """``2**log2_n + 1`` evenly spaced learning rates on ``[lr_min, lr_max]``.

    Point ``i`` is ``lr_min + (lr_max - lr_min) * i / 2**log2_n``, computed so that the
    points of a coarser level are bit-for-bit the same numbers (the grids nest exactly).

    Parameters
    ----------
    lr_min, lr_max : float
        Ends of the learning-rate interval (dimensionless step sizes), finite,
        ``0 <= lr_min < lr_max``.
    log2_n : int
        Dyadic level: the grid has ``N = 2**log2_n`` segments, ``0 <= log2_n <= 48``.

    Raises
    ------
    ValueError
        Ends not finite, ``lr_min < 0``, ``lr_max <= lr_min`` or ``log2_n`` out of
        range.
    """

    lr_min: float = 0.0
    lr_max: float = 1.5
    log2_n: int = 20

    def __post_init__(self) -> None:
        lo, hi = float(self.lr_min), float(self.lr_max)
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0:
            raise ValueError(
                f"lr_min must be finite and >= 0 and lr_max finite, got {lo}, {hi}"
            )
        if not hi > lo:
            raise ValueError(f"lr_max must be > lr_min, got lr_min={lo}, lr_max={hi}")
        if not isinstance(self.log2_n, int | np.integer) or not 0 <= self.log2_n <= 48:
            raise ValueError(
                f"log2_n must be an integer in [0, 48], got {self.log2_n!r}"
            )

    @property
    def n(self) -> int:
        """Number of segments N."""
        return 1 << self.log2_n

    @property
    def n_points(self) -> int:
        """Number of learning rates, ``N + 1``."""
        return self.n + 1

    def values(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Learning rates of points ``start .. stop - 1``.

        Parameters
        ----------
        start : int
            First grid index.
        stop : int, optional
            One past the last grid index (default: all ``N + 1`` points).

        Returns
        -------
        ndarray, shape ``(stop - start,)``
            The learning rates, float64.

        Raises
        ------
        ValueError
            Unless ``0 <= start < stop <= N + 1``.
        """
        stop = self.n_points if stop is None else stop
        if not 0 <= start < stop <= self.n_points:
            raise ValueError(
                f"need 0 <= start < stop <= {self.n_points}, got {start}, {stop}"
            )
        i = np.arange(start, stop, dtype=np.float64)
        return self.lr_min + (self.lr_max - self.lr_min) * np.ldexp(i, -self.log2_n)

    def level(self, log2_n: int) -> LRGrid:
        """The same interval at another dyadic level.

        Parameters
        ----------
        log2_n : int
            The new level.

        Returns
        -------
        LRGrid
            ``[lr_min, lr_max]`` with ``2**log2_n`` segments.
        """
        return LRGrid(self.lr_min, self.lr_max, log2_n)


# ----------------------------------------------------------------------- classification
@dataclass
class Outcome:
    """Result of :func:`classify`.

    Parameters
    ----------
    diverged : ndarray(bool)
        Shape ``(n_lr,)``, or ``(n_lr, n_x0)`` for an ensemble of starting points.
    steps_run : ndarray(int64)
        GD steps each run needed before its outcome was decided (same shape).
    intensity : ndarray(float) or None
        Sum of losses for bounded runs, sum of inverse losses for divergent ones (the
        colour of Liu's Fig. 1d and Sohl-Dickstein's images), when requested.
    """

    diverged: np.ndarray
    steps_run: np.ndarray
    intensity: np.ndarray | None = None


def _as_lrs(lrs: Any) -> np.ndarray:
    a = np.ascontiguousarray(np.atleast_1d(np.asarray(lrs, dtype=np.float64)))
    if a.ndim != 1 or a.size == 0:
        raise ValueError("learning rates must be a non-empty 1-D array")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError("learning rates must be finite and >= 0")
    return a


def _as_x0(landscape: Landscape, x0: Any) -> tuple[np.ndarray, bool]:
    """Starting points as (n_x0, dim) and whether the caller gave an ensemble."""
    a = np.asarray(x0, dtype=np.float64)
    d = landscape.dim
    if a.ndim == 0:
        pts, ens = np.full((1, d), float(a)), False
    elif d == 1 and a.ndim == 1:
        pts, ens = a[:, None], True
    elif d > 1 and a.ndim == 1 and a.shape[0] == d:
        pts, ens = a[None, :], False
    elif a.ndim == 2 and a.shape[1] == d:
        pts, ens = a, True
    else:
        raise ValueError(
            f"x0 must be a scalar, shape (n,) for dim 1, or (dim,) / (n, dim); "
            f"got shape {a.shape} for dim={d}"
        )
    if pts.size == 0 or not np.all(np.isfinite(pts)):
        raise ValueError("x0 must be non-empty and finite")
    return np.ascontiguousarray(pts), ens


def _check_steps(steps: int) -> int:
    if not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    return int(steps)


def fast_applicable(
    landscape: Landscape, x0: Any, criterion: Criterion, intensity: bool
) -> bool:
    """Whether the vectorised kernel handles this case.

    It does for a 1-D quadratic, additive or multiplicative landscape, one starting
    point, no intensity, a loss bounded below, ``|2 pi x0 / lam| < 1e8`` and
    ``bound < 1e30``.

    Parameters
    ----------
    landscape : Landscape
        The loss.
    x0 : float or array_like
        Starting point(s), as in :func:`classify`.
    criterion : Criterion
        Divergence criterion.
    intensity : bool
        Whether the colour-strip intensity is requested.

    Returns
    -------
    bool
        True when ``method="fast"`` (and ``"auto"``'s fast path) applies.
    """
    pts = np.asarray(x0, dtype=np.float64)
    return (
        landscape.dim == 1
        and landscape.kind in ("quadratic", "additive", "multiplicative")
        and pts.size == 1
        and not intensity
        and math.isfinite(landscape.loss_floor)
        and abs(2 * math.pi * float(pts.ravel()[0]) / landscape.lam) < 1e8
        and criterion.bound < 1e30
    )


def classify(
    landscape: Landscape,
    lrs: Any,
    *,
    x0: Any = 1.0,
    steps: int = 1000,
    criterion: Criterion = LOSS_SUM,
    intensity: bool = False,
    method: Method = "auto",
    parallel: bool = True,
) -> Outcome:
    """Run GD ``x <- x - lr * grad f(x)`` for each learning rate; classify the outcome.

    Parameters
    ----------
    landscape : Landscape
        The loss (see :mod:`fractal_lib.boundaries.landscapes`).
    lrs : array_like
        Learning rates, finite and >= 0.
    x0 : float or array_like
        Starting point: a scalar (every coordinate), ``(dim,)``, or an ensemble ``(n,)``
        for dim 1 / ``(n, dim)``.
    steps : int
        Number of GD updates (>= 1). Runs stop early once their outcome is certain.
    criterion : Criterion
        Divergence criterion; default :data:`LOSS_SUM` (sum of losses >= 1e16).
    intensity : bool
        Also return the colour-strip intensity.
    method : {"auto", "fast", "reference"}
        ``"reference"``: libm sin/cos, one learning rate at a time. ``"fast"``: the
        vectorised kernel with polynomial sin/cos (about 1 ulp from libm; last-ulp
        differences can flip chaotic runs). ``"auto"``: fast where it applies.
    parallel : bool
        Use all cores (numba ``prange``); pass False inside an executor's worker
        threads.

    Returns
    -------
    Outcome
        Outcomes, steps run and (optionally) intensities per learning rate (and start).

    Raises
    ------
    TypeError
        ``landscape`` not a :class:`~fractal_lib.boundaries.landscapes.Landscape` or
        ``criterion`` not a :class:`Criterion`.
    ValueError
        Learning rates empty, negative or not finite; ``steps < 1``; bad ``x0``; unknown
        ``method``; ``method="fast"`` where it does not apply (:func:`fast_applicable`).
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(
            "landscape must be a fractal_lib.boundaries.landscapes.Landscape"
        )
    lrs = _as_lrs(lrs)
    steps = _check_steps(steps)
    if not isinstance(criterion, Criterion):
        raise TypeError("criterion must be a Criterion")
    if method not in ("auto", "fast", "reference"):
        raise ValueError(
            f"method must be 'auto', 'fast' or 'reference', got {method!r}"
        )
    pts, ensemble = _as_x0(landscape, x0)
    can_fast = fast_applicable(landscape, x0, criterion, intensity)
    if method == "fast" and not can_fast:
        raise ValueError(
            "method='fast' needs a 1-D quadratic/additive/multiplicative landscape, "
            "one x0, no intensity and a loss bounded below"
        )
    slack = -landscape.loss_floor if landscape.loss_floor < 0 else 0.0
    e1, l1, e2, l2 = landscape.eps, landscape.lam, landscape.eps2, landscape.lam2
    crit, bound = criterion.code, float(criterion.bound)
    if can_fast and method != "reference":
        div = np.zeros(lrs.size, dtype=np.bool_)
        st = np.zeros(lrs.size, dtype=np.int64)
        kern = K._fast1_par if parallel else K._fast1_serial
        kern(
            landscape.code,
            crit,
            e1,
            l1,
            lrs,
            float(pts[0, 0]),
            steps,
            bound,
            slack,
            div,
            st,
        )
        if ensemble:  # a one-point ensemble keeps the documented (n_lr, n_x0) shape
            div, st = div[:, None], st[:, None]
        return Outcome(div, st, None)
    m = pts.shape[0]
    div = np.zeros((lrs.size, m), dtype=np.bool_)
    st = np.zeros((lrs.size, m), dtype=np.int64)
    inten = np.zeros((lrs.size, m))
    if landscape.dim == 1:
        x0s = np.ascontiguousarray(pts[:, 0])
        args = (landscape.code, e1, l1, e2, l2, lrs, x0s, steps, crit, bound, slack)
        if parallel:
            K._sweep1_par(*args, div, st, inten)
        else:
            K._sweep1_range(0, lrs.size, *args, div, st, inten)
    elif parallel:
        K._sweepd_par(
            landscape.code, e1, l1, lrs, pts, steps, crit, bound, slack, div, st, inten
        )
    else:
        K._sweepd_range(
            0,
            lrs.size,
            landscape.code,
            e1,
            l1,
            lrs,
            pts,
            steps,
            crit,
            bound,
            slack,
            div,
            st,
            inten,
        )
    if not ensemble:
        div, st, inten = div[:, 0], st[:, 0], inten[:, 0]
    return Outcome(div, st, inten if intensity else None)


def sample_x0(
    n: int,
    *,
    low: float = -5.0,
    high: float = 5.0,
    dim: int = 1,
    seed: int | np.random.Generator = 0,
) -> np.ndarray:
    """``n`` seeded starting points uniform on ``[low, high]**dim`` (Liu Figs. S4/S5).

    Parameters
    ----------
    n : int
        Number of points, >= 1.
    low, high : float
        The interval, finite, ``low < high``.
    dim : int
        Dimension of each point.
    seed : int or numpy.random.Generator
        Seed (or generator) of the draw.

    Returns
    -------
    ndarray
        Shape ``(n,)`` for ``dim = 1``, else ``(n, dim)``.

    Raises
    ------
    ValueError
        ``n`` not an integer >= 1, or a bad interval.
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise ValueError(f"need finite low < high, got low={low}, high={high}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    x = rng.uniform(low, high, size=(n, dim))
    return x[:, 0] if dim == 1 else x


# --------------------------------------------------------------------------- sweeps
@dataclass
class SweepResult:
    """Outcome of :func:`sweep` on (part of) a learning-rate grid.

    Parameters
    ----------
    landscape : Landscape
        The loss swept.
    grid : LRGrid
        The learning-rate grid.
    x0 : float or array_like
        Starting point(s), as passed to :func:`sweep`.
    steps : int
        GD steps per run.
    criterion : Criterion
        Divergence criterion.
    diverged : ndarray(bool)
        ``(n_points,)`` or ``(n_points, n_x0)``; point ``k`` is grid index
        ``start + k``.
    intensity : ndarray(float) or None
        Colour-strip intensity, when requested.
    useful_steps : int
        GD steps the runs needed (divergent runs stop when decided). When part of a
        whole chunk already in the cache is reused, that chunk's total is counted.
    seconds : float
        Wall time of the computation (0 when everything came from the cache).
    start : int
        Grid index of the first point held.
    method : str
        Kernel choice passed to :func:`classify`.
    """

    landscape: Landscape
    grid: LRGrid
    x0: Any
    steps: int
    criterion: Criterion
    diverged: np.ndarray
    intensity: np.ndarray | None
    useful_steps: int
    seconds: float
    start: int = 0
    method: str = "auto"

    @property
    def lrs(self) -> np.ndarray:
        """The learning rates of the points held."""
        return self.grid.values(self.start, self.start + self.diverged.shape[0])

    def counts(self) -> np.ndarray:
        """Boundary counts ``|B_N|`` for ``N = 2**0 .. 2**log2_n`` (full grids only).

        Returns
        -------
        ndarray(int64)
            Shape ``(log2_n + 1,)``, or ``(log2_n + 1, n_x0)`` for an ensemble.

        Raises
        ------
        ValueError
            The result holds only part of the grid.
        """
        if self.start != 0 or self.diverged.shape[0] != self.grid.n_points:
            raise ValueError(
                "counts() needs the whole grid; use boundary_counts on a window"
            )
        return boundary_counts(self.diverged)

    def dimension(self, **kwargs: Any) -> DimensionFit:
        """Box dimension fitted to :meth:`counts` (see :func:`box_dimension`).

        Parameters
        ----------
        **kwargs
            Fit-range options of :func:`box_dimension` (``min_level``, ``max_level``).

        Returns
        -------
        DimensionFit
            The fit.

        Raises
        ------
        ValueError
            An ensemble (use :meth:`dimensions`) or a partial grid.
        """
        c = self.counts()
        if c.ndim != 1:
            raise ValueError(
                "dimension() is for one x0; use dimensions() for an ensemble"
            )
        return box_dimension(c, **kwargs)

    def dimensions(self, **kwargs: Any) -> np.ndarray:
        """Box dimension per starting point of an ensemble.

        Fit notes of the individual fits are summarised in one
        :class:`~fractal_lib.core.checks.EstimatorWarning`.

        Parameters
        ----------
        **kwargs
            Fit-range options of :func:`box_dimension`.

        Returns
        -------
        ndarray, shape ``(n_x0,)``
            ``alpha`` of each starting point.
        """
        c = self.counts()
        c = c[:, None] if c.ndim == 1 else c
        with warnings.catch_warnings(
            record=True
        ) as rec:  # one warning for the ensemble
            warnings.simplefilter("always", EstimatorWarning)
            fits = [box_dimension(c[:, j], **kwargs) for j in range(c.shape[1])]
        for w in rec:
            if not issubclass(w.category, EstimatorWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        flagged = sum(bool(f.note) for f in fits)
        if flagged:
            warn_limit(
                f"dimensions: {flagged} of {len(fits)} starting points have a fit "
                "note, e.g. "
                f"{next(f.note for f in fits if f.note)!r} (box_dimension(...).note)"
            )
        return np.array([f.alpha for f in fits])


def _chunk_job(
    landscape: Landscape,
    grid: LRGrid,
    start: int,
    stop: int,
    x0: Any,
    steps: int,
    criterion: Criterion,
    intensity: bool,
    method: Method,
    parallel: bool,
) -> dict:
    out = classify(
        landscape,
        grid.values(start, stop),
        x0=x0,
        steps=steps,
        criterion=criterion,
        intensity=intensity,
        method=method,
        parallel=parallel,
    )
    res = {"diverged": out.diverged, "useful_steps": np.array(out.steps_run.sum())}
    if intensity:
        res["intensity"] = out.intensity
    return res


def sweep(
    landscape: Landscape,
    grid: LRGrid = LRGrid(),
    *,
    x0: Any = 1.0,
    steps: int = 1000,
    criterion: Criterion = LOSS_SUM,
    intensity: bool = False,
    method: Method = "auto",
    start: int = 0,
    stop: int | None = None,
    executor: Any = None,
    chunk_size: int = 1 << 18,
    cache: ResultCache | bool = True,
    progress: bool | None = None,
) -> SweepResult:
    """Classify GD on every learning rate of ``grid`` (or of ``start .. stop-1``).

    Parameters
    ----------
    landscape : Landscape
        The loss, as in :func:`classify`.
    grid : LRGrid
        Dyadic learning-rate grid; default ``[0, 1.5]`` with ``2**20`` segments.
    x0 : float or array_like
        Starting point(s), as in :func:`classify`.
    steps : int
        GD steps per run, as in :func:`classify`.
    criterion : Criterion
        Divergence criterion, as in :func:`classify`.
    intensity : bool
        Also keep the colour-strip intensity, as in :func:`classify`.
    method : {"auto", "fast", "reference"}
        Kernel choice, as in :func:`classify`.
    start, stop : int
        Sub-range of grid indices to compute (default: all ``2**log2_n + 1`` points).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where chunks run. None: in this process, all cores per chunk. An executor gets
        one task per chunk (each single-threaded), e.g. ``ThreadPoolExecutor(2)`` or a
        dask client.
    chunk_size : int
        Learning rates per chunk (the unit of caching, resuming and scheduling).
    cache : ResultCache or bool
        True: the default on-disk cache; False: compute everything; or a specific cache.
    progress : bool, optional
        Show a tqdm bar over chunks (default: when more than one chunk must be
        computed).

    Returns
    -------
    SweepResult
        Outcomes (and intensities) of points ``start .. stop - 1``.

    Raises
    ------
    TypeError
        ``grid`` not an :class:`LRGrid` (and as in :func:`classify`).
    ValueError
        On invalid parameters, or if the result would exceed ``MAX_RESULT_BYTES`` in
        memory.
    """
    if not isinstance(grid, LRGrid):
        raise TypeError("grid must be an LRGrid")
    stop = grid.n_points if stop is None else int(stop)
    if not 0 <= start < stop <= grid.n_points:
        raise ValueError(
            f"need 0 <= start < stop <= {grid.n_points}, got start={start}, stop={stop}"
        )
    if not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    steps = _check_steps(steps)
    pts, ensemble = _as_x0(landscape, x0)
    n = stop - start
    per_point = pts.shape[0] * (1 + (8 if intensity else 0))
    if n * per_point > MAX_RESULT_BYTES:
        raise ValueError(
            f"a sweep of {n} learning rates x {pts.shape[0]} starting points needs "
            f"{n * per_point / 2**30:.1f} GiB > {MAX_RESULT_BYTES / 2**30:.0f} GiB; "
            "use zoom_sweep, a coarser grid, or start/stop sub-ranges"
        )
    store_root = (
        default_cache() if cache is True else (cache or ResultCache(enabled=False))
    )
    x0_key = np.asarray(x0, dtype=np.float64).tolist()
    params = {
        "landscape": landscape.params(),
        "grid": asdict(grid),
        "x0": x0_key,
        "steps": steps,
        "criterion": asdict(criterion),
        "intensity": intensity,
        "method": method,
        "chunk_size": int(chunk_size),
    }
    store = store_root.chunks("sweep", params, CODE_VERSION)
    # Chunks are aligned to multiples of chunk_size on the global grid, so sweeps over
    # overlapping ranges share cached chunks.
    bounds = []
    for c0 in range((start // chunk_size) * chunk_size, stop, chunk_size):
        bounds.append(
            (
                max(c0, start),
                min(c0 + chunk_size, stop),
                c0,
                min(c0 + chunk_size, grid.n_points),
            )
        )
    # A whole chunk in the store serves any part of it; otherwise only the part this
    # sweep needs is computed (and stored under its own range), so a narrow window --
    # every zoom_sweep stage -- costs what it covers, not a whole chunk. Every chunk
    # read is checked (arrays present, of stop - start points, this sweep's
    # fingerprint): a damaged one is recomputed and rewritten (read_chunk).
    per = (pts.shape[0],) if ensemble else ()
    spec = {"diverged": (per, "b"), "useful_steps": (None, "iu")}
    if intensity:
        spec["intensity"] = (per, "f")
    results: dict[tuple[int, int], dict] = {}
    sources, todo = [], []
    for lo, hi, c_lo, c_hi in bounds:
        src = (c_lo, c_hi)
        hit = read_chunk(store, src, spec)
        if hit is None and (lo, hi) != src and not store.has(*src):
            src = (lo, hi)
            hit = read_chunk(store, src, spec)
        sources.append(src)
        if hit is not None:
            results[src] = hit
        else:
            todo.append(src)
    args = (x0, steps, criterion, intensity, method)
    seconds = run_chunks(
        _chunk_job,
        todo,
        store,
        results,
        lambda b: (landscape, grid, *b, *args),
        executor=executor,
        desc=f"sweep {landscape.kind}",
        progress=progress,
    )
    div_parts, int_parts, useful = [], [], 0
    for (lo, hi, _, _), (s_lo, s_hi) in zip(bounds, sources, strict=True):
        r = results[(s_lo, s_hi)]
        div_parts.append(r["diverged"][lo - s_lo : hi - s_lo])
        if intensity:
            int_parts.append(r["intensity"][lo - s_lo : hi - s_lo])
        useful += int(r["useful_steps"])
    return SweepResult(
        landscape,
        grid,
        x0,
        steps,
        criterion,
        np.concatenate(div_parts),
        np.concatenate(int_parts) if intensity else None,
        useful,
        seconds,
        start,
        method,
    )


# ------------------------------------------------------------------------- box counting
def boundary_segments(diverged: np.ndarray) -> np.ndarray:
    """Which segments between neighbouring points are boundary segments.

    Parameters
    ----------
    diverged : ndarray(bool), shape ``(n, ...)``
        Outcomes along the first axis.

    Returns
    -------
    ndarray(bool), shape ``(n - 1, ...)``
        True where the outcomes at both ends of a segment differ.
    """
    d = np.asarray(diverged, dtype=bool)
    return d[1:] != d[:-1]


def count_boundaries(diverged: np.ndarray) -> np.ndarray | int:
    """Number of boundary segments along the first axis.

    Parameters
    ----------
    diverged : ndarray(bool), shape ``(n, ...)``
        Outcomes along the first axis.

    Returns
    -------
    int or ndarray(int)
        An int for 1-D input, else shape ``diverged.shape[1:]``.
    """
    c = np.count_nonzero(boundary_segments(diverged), axis=0)
    return int(c) if np.ndim(c) == 0 else c


def boundary_counts(diverged: np.ndarray) -> np.ndarray:
    """``|B_N|`` on every dyadic sub-grid of a ``2**n + 1``-point classification.

    Level ``m`` uses every ``2**(n-m)``-th point; a segment between neighbouring points
    is a boundary segment when their outcomes differ (Liu 2024, Fig. 1c). An interval
    with an even number of crossings is not counted, which undercounts at coarse levels.

    Parameters
    ----------
    diverged : ndarray(bool), shape ``(2**n + 1,)`` or ``(2**n + 1, k)``
        Outcomes on a dyadic grid (``k`` starting points).

    Returns
    -------
    ndarray(int64), shape ``(n + 1,)`` or ``(n + 1, k)``
        Counts for levels ``0 .. n``.

    Raises
    ------
    ValueError
        The number of points is not ``2**n + 1``.

    References
    ----------
    Liu 2024, Fig. 1c (boundary segments on a dyadic grid).
    """
    d = np.asarray(diverged, dtype=bool)
    npts = d.shape[0]
    n = int(round(math.log2(max(npts - 1, 1))))
    if npts < 2 or (1 << n) + 1 != npts:
        raise ValueError(f"need 2**n + 1 points (n >= 0), got {npts}")
    out = np.empty((n + 1,) + d.shape[1:], dtype=np.int64)
    for m in range(n + 1):
        out[m] = count_boundaries(d[:: 1 << (n - m)])
    return out


_NO_LEVEL = "no level with more than one boundary segment: dimension set to 0"


def box_dimension(
    counts: np.ndarray,
    *,
    levels: np.ndarray | None = None,
    min_level: int | None = None,
    max_level: int | None = None,
) -> DimensionFit:
    """Box dimension from boundary counts, by least squares in log2-log2.

    Fit-range rule (Liu 2024 and its analysis code): start at the first level with more
    than one boundary segment (or at ``min_level`` if given), end at the last level (or
    ``max_level``); levels with a zero count inside the range are dropped. The error is
    the standard error of the slope (ordinary least squares, n - 2 degrees of freedom),
    as ``numpy.polyfit(..., cov=True)`` reports it. Fewer than three levels in the range
    give a fit with ``stderr = NaN``, a
    :attr:`~fractal_lib.core.fits.DimensionFit.note` and one
    :class:`~fractal_lib.core.checks.EstimatorWarning`; no level with more than one
    segment gives ``alpha = 0`` with a note and one warning too (as an empty 2-D mask
    does).

    Parameters
    ----------
    counts : ndarray(int), shape ``(n_levels,)``
        Boundary counts ``|B_N|`` (non-negative whole numbers; an integer or a float
        array holding whole numbers).
    levels : ndarray(int), optional
        The log2 N of each count (default ``0 .. n_levels - 1``).
    min_level, max_level : int, optional
        Override the fit range (integers, ``min_level <= max_level`` when both are
        given).

    Returns
    -------
    DimensionFit
        ``log2 |B_N| = alpha log2 N + c``, fitted with
        :func:`fractal_lib.core.fits.fit_dimension`.

    Raises
    ------
    ValueError
        Counts empty, not 1-D, not matching ``levels``, negative, non-finite or not
        whole numbers; ``min_level`` or ``max_level`` not an integer, or
        ``min_level > max_level``.

    References
    ----------
    Liu 2024, Figs. 2a, 2b (box dimension of the boundary).
    """
    c = as_float_array(counts, "counts")
    lv = np.arange(c.size) if levels is None else np.asarray(levels)
    if c.ndim != 1 or lv.shape != c.shape or c.size == 0:
        raise ValueError("counts must be a non-empty 1-D array matching levels")
    if np.any(c < 0):
        raise ValueError("counts must be non-negative")
    if np.any(c != np.floor(c)):
        raise ValueError(f"counts must be whole numbers (box counts), got {counts!r}")
    for name, v in (("min_level", min_level), ("max_level", max_level)):
        if v is not None and (
            isinstance(v, bool) or not isinstance(v, int | np.integer)
        ):
            raise ValueError(f"{name} must be an integer or None, got {v!r}")
    if min_level is not None and max_level is not None and min_level > max_level:
        raise ValueError(
            f"min_level ({min_level}) must be <= max_level ({max_level}): the fit "
            "range is empty"
        )
    if min_level is None:
        above = np.flatnonzero(c > 1)
        if above.size == 0:
            fit = DimensionFit(
                0.0, 0.0, 0.0, lv[:0], c[:0], "no level with |B_N| > 1", _NO_LEVEL
            )
            warn_limit(f"box_dimension: {fit.note} (DimensionFit.note)")
            return fit
        min_level = int(lv[above[0]])
        rule = "from the first level with |B_N| > 1"
    else:
        rule = f"from level {min_level}"
    hi = lv.max() if max_level is None else max_level
    sel = (lv >= min_level) & (lv <= hi) & (c > 0)
    if not sel.any():
        fit = DimensionFit(
            0.0,
            math.nan,
            0.0,
            lv[sel],
            c[sel],
            rule,
            "no occupied level in the fit range",
        )
        warn_limit(f"box_dimension: {fit.note} (DimensionFit.note)")
        return fit
    x = lv[sel].astype(float)
    slope, se, icpt, note = fit_dimension(x, c[sel])
    if x.size >= 3:
        rule += f" to level {int(x.max())}"
    fit = DimensionFit(slope, se, icpt, lv[sel], c[sel], rule, note)
    if note:
        warn_limit(f"box_dimension: {note} (DimensionFit.note)")
    return fit


def box_dimension_above_one(counts: np.ndarray, min_levels: int = 3) -> DimensionFit:
    """Box dimension fitted over exactly the levels with ``|B_N| > 1``.

    This is Liu's grid analysis (Figs. 2c, 2d, 4a, S3); fewer than ``min_levels`` such
    levels gives ``alpha = 0``.

    Unlike :func:`box_dimension`, levels with a single boundary segment after the first
    level with more are left out too, and too short a range counts as "not fractal".

    Parameters
    ----------
    counts : ndarray(int), shape ``(n_levels,)``
        Boundary counts per level ``0 .. n_levels - 1``.
    min_levels : int
        Fewest levels with ``|B_N| > 1`` for a fit (at least 2). With ``min_levels = 2``
        the caller accepts two-level secant fits: they carry a
        :attr:`~fractal_lib.core.fits.DimensionFit.note` but no warning.

    Returns
    -------
    DimensionFit
        ``alpha = 0`` with ``rule`` saying so when there are too few levels (Liu's
        convention); when no level has more than one segment, also a note and one
        :class:`~fractal_lib.core.checks.EstimatorWarning`.

    Raises
    ------
    ValueError
        Counts empty, not 1-D, negative or non-finite (all-NaN included), or
        ``min_levels < 2``.
    """
    if int(min_levels) < 2:
        raise ValueError(
            f"min_levels must be >= 2 (a slope needs two levels), got {min_levels}"
        )
    c = as_float_array(counts, "counts", ndim=1)  # empty, NaN or infinite counts raise
    if np.any(c < 0):
        raise ValueError("counts must be non-negative")
    lv = np.flatnonzero(c > 1)
    if lv.size == 0:
        fit = DimensionFit(
            0.0, 0.0, 0.0, lv, c[lv], f"fewer than {min_levels} levels > 1", _NO_LEVEL
        )
        warn_limit(f"box_dimension_above_one: {fit.note} (DimensionFit.note)")
        return fit
    if lv.size < min_levels:
        return DimensionFit(
            0.0, 0.0, 0.0, lv, c[lv], f"fewer than {min_levels} levels > 1"
        )
    if lv.size < 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EstimatorWarning)
            return box_dimension(c[lv], levels=lv)
    return box_dimension(c[lv], levels=lv)


def quadratic_threshold(
    criterion: Criterion, steps: int = 1000, x0: float = 1.0
) -> float:
    """Learning rate s* above which GD on ``x**2`` counts as divergent (exact, s > 1).

    GD on x^2 gives ``x_k = (1 - 2 s)**k x0``, so the losses are ``r**(2k) x0**2`` with
    ``r = 2 s - 1``. ``"max"``: the last loss ``r**(2 steps) x0**2`` reaches the bound.
    ``"sum"``: ``x0**2 sum_{k=1..steps} r**(2k)`` reaches the bound. Then
    ``s* = (1 + r*) / 2``, which tends to the paper's s = 1 as ``steps`` grows.

    Parameters
    ----------
    criterion : Criterion
        Divergence criterion (its ``kind`` and ``bound``).
    steps : int
        Number of GD steps, >= 1.
    x0 : float
        Starting point, finite and non-zero.

    Returns
    -------
    float
        The threshold learning rate ``s*`` (> 1).

    Raises
    ------
    ValueError
        ``steps < 1`` or ``x0`` zero or not finite.

    References
    ----------
    Liu 2024, Fig. S2 (the quadratic has one boundary).
    """
    steps = _check_steps(steps)
    if not (math.isfinite(x0) and x0 != 0):
        raise ValueError(f"x0 must be finite and non-zero, got {x0!r}")
    b = criterion.bound / x0**2
    if criterion.kind == "max":
        r = b ** (1.0 / (2 * steps))
    else:

        def excess(r: float) -> float:  # log of the sum minus log of the bound
            q = r * r
            y = steps * np.log(q)
            return float(
                np.log(q) + y + np.log1p(-np.exp(-y)) - np.log(q - 1.0) - np.log(b)
            )

        r = brentq(excess, 1.0 + 1e-12, 2.0, xtol=1e-15)
    return (1.0 + r) / 2.0


# --------------------------------------------------------------------------- deep zoom
@dataclass
class ZoomStage:
    """One refinement: outcomes on level ``log2_n`` at indices ``start .. start+len-1``.

    Parameters
    ----------
    log2_n : int
        Grid level of the stage.
    start : int
        Grid index (at that level) of the first outcome.
    diverged : ndarray(bool), shape ``(n,)``
        Outcomes of the window.
    """

    log2_n: int
    start: int
    diverged: np.ndarray

    def lr_window(self, grid: LRGrid) -> tuple[float, float]:
        """First and last learning rate of the window.

        Parameters
        ----------
        grid : LRGrid
            The zoom's grid (any level: only its interval is used).

        Returns
        -------
        (float, float)
            ``(lr_first, lr_last)``.
        """
        g = grid.level(self.log2_n)
        v = g.values(self.start, self.start + self.diverged.size)
        return float(v[0]), float(v[-1])


@dataclass
class ZoomResult:
    """Boundary counts up to a deep level from a base sweep plus nested refinements.

    Parameters
    ----------
    grid : LRGrid
        The deepest grid.
    counts : ndarray(int), shape ``(grid.log2_n + 1,)``
        ``|B_N|`` per level (fewer while the zoom runs).
    stages : list of ZoomStage
        The base sweep and every refined window.
    points_computed : int
        Learning rates classified in all stages.
    useful_steps : int
        GD steps the runs needed.
    seconds : float
        Wall time of the sweeps.
    """

    grid: LRGrid
    counts: np.ndarray
    stages: list[ZoomStage] = field(default_factory=list)
    points_computed: int = 0
    useful_steps: int = 0
    seconds: float = 0.0

    def dimension(self, **kwargs: Any) -> DimensionFit:
        """Box dimension fitted to :attr:`counts`.

        Parameters
        ----------
        **kwargs
            Fit-range options of :func:`box_dimension`.

        Returns
        -------
        DimensionFit
            The fit.
        """
        return box_dimension(self.counts, **kwargs)


def _boundary_span(d: np.ndarray) -> tuple[int, int] | None:
    idx = np.flatnonzero(boundary_segments(d))
    if idx.size == 0:
        return None
    return int(idx[0]), int(idx[-1]) + 1


def zoom_sweep(
    landscape: Landscape,
    grid: LRGrid = LRGrid(log2_n=32),
    *,
    base_log2: int = 20,
    step_log2: int = 4,
    max_window_points: int = 1 << 26,
    **sweep_kwargs: Any,
) -> ZoomResult:
    """Boundary counts up to ``grid.log2_n`` (e.g. 32), refining only near boundaries.

    1. Sweep the whole grid at level ``base_log2`` and count boundaries on levels
       0..base.
    2. Take the smallest window (aligned to the global dyadic grid) that holds every
       boundary segment found; sweep it ``step_log2`` levels finer and count on the new
       levels inside it.
    3. Shrink the window to the boundaries found there and repeat until ``grid.log2_n``.

    What this can miss: a boundary pair hiding between two coarse points with the same
    outcome *outside* the current window (an island narrower than the coarse spacing).
    Such islands are counted by a full sweep and missed here; ``ZoomResult.stages``
    records every window so the assumption can be checked (for example against a full
    sweep at an intermediate level).

    Parameters
    ----------
    landscape : Landscape
        The loss.
    grid : LRGrid
        The deepest grid (interval and final level).
    base_log2 : int
        Level of the full sweep, ``1 <= base_log2 <= grid.log2_n``.
    step_log2 : int
        Levels added per refinement, >= 1.
    max_window_points : int
        Largest window a refinement may sweep.
    **sweep_kwargs
        Go to :func:`sweep` (``x0``, ``steps``, ``criterion``, ``method``, ``executor``,
        ``cache``, ``progress``...).

    Returns
    -------
    ZoomResult
        Counts for levels ``0 .. grid.log2_n`` (fewer if no boundary is left) and the
        stages.

    Raises
    ------
    ValueError
        Bad ``base_log2`` or ``step_log2``, or a window wider than
        ``max_window_points``.

    References
    ----------
    Liu 2024, Fig. 2a (counts up to ``N = 2**31``).
    """
    if not isinstance(base_log2, int) or not 1 <= base_log2 <= grid.log2_n:
        raise ValueError(
            f"base_log2 must be an integer in [1, {grid.log2_n}], got {base_log2!r}"
        )
    if not isinstance(step_log2, int) or step_log2 < 1:
        raise ValueError(f"step_log2 must be an integer >= 1, got {step_log2!r}")
    base = sweep(landscape, grid.level(base_log2), **sweep_kwargs)
    counts = list(boundary_counts(base.diverged))
    out = ZoomResult(
        grid,
        np.array(counts),
        [ZoomStage(base_log2, 0, base.diverged)],
        base.diverged.size,
        base.useful_steps,
        base.seconds,
    )
    span = _boundary_span(base.diverged)
    level = base_log2
    while span is not None and level < grid.log2_n:
        new = min(level + step_log2, grid.log2_n)
        f = 1 << (new - level)
        lo, hi = span[0] * f, span[1] * f + 1
        if hi - lo > max_window_points:
            raise ValueError(
                f"window of {hi - lo} points at level {new} exceeds max_window_points;"
                " the boundaries are not confined to a narrow window -- use a full "
                "sweep at a lower level instead"
            )
        res = sweep(landscape, grid.level(new), start=lo, stop=hi, **sweep_kwargs)
        d = res.diverged
        for m in range(level + 1, new + 1):
            counts.append(count_boundaries(d[:: 1 << (new - m)]))
        out.stages.append(ZoomStage(new, lo, d))
        out.points_computed += d.size
        out.useful_steps += res.useful_steps
        out.seconds += res.seconds
        rel = _boundary_span(d)
        span = None if rel is None else (lo + rel[0], lo + rel[1])
        level = new
    out.counts = np.array(counts)
    return out


# ------------------------------------------------------------------------ colour strips
@dataclass
class Strip:
    """A colour strip: outcomes and intensities on ``grid`` points from ``start`` on.

    Parameters
    ----------
    grid : LRGrid
        Grid of the strip's level.
    start : int
        Grid index of the first point.
    diverged : ndarray(bool), shape ``(n,)``
        Outcomes.
    intensity : ndarray, shape ``(n,)``
        Colour intensity (see :class:`Outcome`).
    """

    grid: LRGrid
    start: int
    diverged: np.ndarray
    intensity: np.ndarray

    @property
    def log2_n(self) -> int:
        """Grid level of the strip."""
        return self.grid.log2_n

    @property
    def lrs(self) -> np.ndarray:
        """Learning rates of the strip's points."""
        return self.grid.values(self.start, self.start + self.diverged.size)

    @property
    def window(self) -> tuple[float, float]:
        """First and last learning rate."""
        v = self.lrs
        return float(v[0]), float(v[-1])

    @property
    def n_boundaries(self) -> int:
        """Number of boundary segments in the strip."""
        return count_boundaries(self.diverged)


def zoom_strips(
    landscape: Landscape,
    grid: LRGrid,
    n_zooms: int,
    *,
    zoom_log2: int = 4,
    **sweep_kwargs: Any,
) -> list[Strip]:
    """A colour strip over all of ``grid`` plus ``n_zooms`` nested strips (Fig. 1d).

    Each nested strip is ``2**zoom_log2`` times narrower than the one above and has the
    same ``2**grid.log2_n`` segments.

    Each zoom window is the aligned ``1/2**zoom_log2`` piece of the strip above it that
    holds the most boundary segments, so the windows follow where the boundaries are
    densest.

    Parameters
    ----------
    landscape : Landscape
        The loss.
    grid : LRGrid
        Grid of the first (full) strip; every strip has its ``2**grid.log2_n`` segments.
    n_zooms : int
        Number of nested strips, >= 0.
    zoom_log2 : int
        Each strip is ``2**zoom_log2`` times narrower than the one above.
    **sweep_kwargs
        Go to :func:`sweep` (``x0``, ``steps``, ``criterion``...).

    Returns
    -------
    list of Strip
        ``n_zooms + 1`` strips, the full one first.

    Raises
    ------
    ValueError
        ``grid.log2_n < zoom_log2`` or ``n_zooms`` not an integer >= 0.

    References
    ----------
    Liu 2024, Fig. 1d.
    """
    if grid.log2_n < zoom_log2:
        raise ValueError(
            f"grid.log2_n must be at least zoom_log2={zoom_log2}, got {grid.log2_n}"
        )
    if not isinstance(n_zooms, int) or n_zooms < 0:
        raise ValueError(f"n_zooms must be an integer >= 0, got {n_zooms!r}")
    sweep_kwargs.setdefault("progress", False)
    strips: list[Strip] = []
    level, start = grid.log2_n, 0
    piece = 1 << (grid.log2_n - zoom_log2)
    for k in range(n_zooms + 1):
        g = grid.level(level)
        res = sweep(
            landscape,
            g,
            intensity=True,
            start=start,
            stop=start + grid.n_points,
            **sweep_kwargs,
        )
        strips.append(Strip(g, start, res.diverged, res.intensity))
        if k == n_zooms:
            break
        change = boundary_segments(res.diverged)
        w = int(np.argmax(change.reshape(-1, piece).sum(axis=1)))
        level, start = level + zoom_log2, (start + w * piece) << zoom_log2
    return strips
