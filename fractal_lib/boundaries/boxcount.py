"""Box counting on 2-D images: phase edges and the box-counting dimension of a set.

Generic tools, used for the trainability boundary of a plane of hyperparameters
(Sohl-Dickstein 2024) and usable for any 2-D mask:

* :func:`edges_2d` marks every 2 x 2 block of pixels whose values have both signs (or,
  for a boolean image, both values): the pixels of the boundary between two phases.
* :func:`box_counts` counts the ``s x s`` boxes of a fixed grid that contain a marked
  pixel, for a list of box sizes ``s``, without a Python loop over boxes.
* :func:`box_dimension_2d` fits ``log2 N(s) = -D log2 s + c`` by least squares over a
  stated range of sizes and reports the slope ``D`` with its standard error, plus the
  local slopes between neighbouring sizes (Sohl-Dickstein's estimator takes their
  median).
* :func:`pooled_box_dimension` pools the fits of several images (e.g. the frames of a
  zoom sequence): one common slope with a separate intercept per image, and the median
  of all local slopes.

The fits are :class:`fractal_lib.core.fits.DimensionFit` objects, so
:func:`fractal_lib.core.report.fmt` and
:func:`fractal_lib.boundaries.plotting.plot_box_counts` accept them. As in the 1-D case,
``levels`` are ``log2`` of the number of boxes per side (``log2(side / s)`` when ``s``
divides the side; :func:`box_levels`) and ``counts`` the number of occupied boxes. The
grid tiles the image exactly whatever its size (:func:`box_counts`), so no box is cut by
the image edge.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..core.checks import EstimatorWarning, warn_limit
from ..core.fits import DimensionFit, fit_dimension


def edges_2d(image: np.ndarray) -> np.ndarray:
    """Boundary pixels of a two-phase image: 2 x 2 blocks that contain both phases.

    Parameters
    ----------
    image : ndarray, shape ``(H, W)``, ``H, W >= 2``
        Boolean (the phases are True/False), or real (the phases are the signs; a block
        is an edge when its largest value is > 0 and its smallest < 0, as in
        Sohl-Dickstein's ``extract_edges``; zeros belong to neither phase). NaN is not
        allowed.

    Returns
    -------
    ndarray(bool), shape ``(H - 1, W - 1)``
        ``out[i, j]`` refers to the block ``image[i:i+2, j:j+2]``.
    """
    a = np.asarray(image)
    if a.ndim != 2 or min(a.shape) < 2:
        raise ValueError(
            f"image must be 2-D with at least 2 x 2 pixels, got shape {a.shape}"
        )
    if a.dtype == bool:
        blocks = (a[1:, 1:], a[:-1, 1:], a[1:, :-1], a[:-1, :-1])
        return np.logical_or.reduce(blocks) & ~np.logical_and.reduce(blocks)
    a = a.astype(np.float64, copy=False)
    if np.isnan(a).any():
        raise ValueError("image must not contain NaN")
    hi = np.maximum(
        np.maximum(a[1:, 1:], a[:-1, 1:]), np.maximum(a[1:, :-1], a[:-1, :-1])
    )
    lo = np.minimum(
        np.minimum(a[1:, 1:], a[:-1, 1:]), np.minimum(a[1:, :-1], a[:-1, :-1])
    )
    return (hi > 0) & (lo < 0)


def _as_mask(mask: np.ndarray) -> np.ndarray:
    m = np.asarray(mask)
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"mask must be a non-empty 2-D array, got shape {m.shape}")
    return m.astype(bool, copy=False)


def _as_sizes(sizes: Sequence[int] | np.ndarray) -> np.ndarray:
    """``sizes`` as int64, refusing values that are not whole numbers (2.7 is not 2)."""
    a = np.asarray(sizes)
    if a.dtype == bool or not (
        np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)
    ):
        raise ValueError(f"sizes must be integers, got {sizes!r}")
    if np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise ValueError(f"sizes must be whole numbers of pixels, got {sizes!r}")
    return a.astype(np.int64)


def default_sizes(
    shape: tuple[int, int], *, min_size: int = 2, min_boxes: int = 4
) -> np.ndarray:
    """Box sizes ``2, 4, 8, ...`` leaving at least ``min_boxes`` boxes per shorter side.

    The smallest size is ``min_size`` (2 by default: single pixels of an edge image are
    dominated by the discretisation); the largest leaves ``min_boxes`` boxes per side (4
    by default), so every count in the fit comes from at least ``min_boxes**2`` boxes.

    Parameters
    ----------
    shape : (int, int)
        Image shape ``(H, W)``.
    min_size : int
        Smallest box edge in pixels, >= 1.
    min_boxes : int
        Fewest boxes along the shorter side, >= 1.

    Returns
    -------
    ndarray(int64)
        Powers of two in ``[min_size, min(H, W) // min_boxes]``, increasing.

    Raises
    ------
    ValueError
        ``min_size`` or ``min_boxes`` not an integer >= 1, or no size in range.
    """
    if not isinstance(min_size, int | np.integer) or min_size < 1:
        raise ValueError(f"min_size must be an integer >= 1, got {min_size!r}")
    if not isinstance(min_boxes, int | np.integer) or min_boxes < 1:
        raise ValueError(f"min_boxes must be an integer >= 1, got {min_boxes!r}")
    side = min(shape)
    top = side // min_boxes
    sizes = [1 << k for k in range(0, 64) if min_size <= (1 << k) <= top]
    if not sizes:
        raise ValueError(
            f"no power-of-two box size in [{min_size}, {top}] for shape {shape}"
        )
    return np.array(sizes, dtype=np.int64)


def _n_boxes(length: int, target: float) -> int:
    """``round(target)`` boxes (at least 1) along ``length`` pixels, made odd when
    ``length`` is odd (the nearer odd number; ties go up): an even number of boxes on an
    odd side puts the middle box edge through the centre of the middle pixel, which no
    mirror-symmetric tiling can give to one side."""
    nb = max(1, int(np.rint(target)))
    if length % 2 and nb % 2 == 0:
        nb = nb + 1 if target >= nb else nb - 1
    return min(nb, length)


def _boxes_per_side(shape: tuple[int, int], size: int) -> tuple[int, int]:
    """``(nb_H, nb_W)``: about ``side / size`` boxes along the shorter side, and boxes
    of the same edge along the longer one (:func:`_n_boxes`: at least 1, odd on an odd
    side)."""
    H, W = shape
    side = min(H, W)
    nb = _n_boxes(side, side / size)
    other = _n_boxes(max(H, W), max(H, W) * nb / side)
    return (nb, other) if H <= W else (other, nb)


def _box_index(r: np.ndarray, nb: int, length: int) -> np.ndarray:
    """Box of pixel ``r`` of ``length`` pixels split into ``nb`` boxes: the box that
    holds its centre, ``(r + 1/2) nb / length``; a centre exactly on a box edge goes to
    the box nearer the middle of the axis, so the assignment commutes with mirroring
    (``r -> length - 1 - r``)."""
    num = (2 * r + 1) * nb
    q = num // (2 * length)
    on_edge = num % (2 * length) == 0
    return np.where(on_edge & (2 * q > nb), q - 1, q)


def boxes_per_side(
    shape: tuple[int, int], sizes: Sequence[int] | np.ndarray
) -> np.ndarray:
    """Boxes ``(nb_H, nb_W)`` along each axis of an image for each nominal box edge.

    ``round(min(shape) / s)`` (at least 1) along the shorter side and boxes of the same
    edge along the longer one (the grid of :func:`box_counts`).

    Parameters
    ----------
    shape : (int, int)
        Image shape ``(H, W)``.
    sizes : sequence of int
        Nominal box edges in pixels.

    Returns
    -------
    ndarray(int64), shape ``(len(sizes), 2)``
        ``(nb_H, nb_W)`` per size.
    """
    shp = (int(shape[0]), int(shape[1]))
    return np.array(
        [_boxes_per_side(shp, int(v)) for v in _as_sizes(sizes).ravel().tolist()],
        dtype=np.int64,
    ).reshape(-1, 2)


def box_levels(shape: tuple[int, int], sizes: Sequence[int] | np.ndarray) -> np.ndarray:
    """``log2 sqrt(nb_H nb_W)``, the fit abscissa of :func:`box_dimension_2d`, per size.

    It is ``log2(side / s)`` for a square image whose side ``s`` divides.

    Parameters
    ----------
    shape : (int, int)
        Image shape ``(H, W)``.
    sizes : sequence of int
        Nominal box edges in pixels.

    Returns
    -------
    ndarray(float), shape ``(len(sizes),)``
        The levels.
    """
    nb = boxes_per_side(shape, sizes).astype(float)
    return 0.5 * np.log2(nb[:, 0] * nb[:, 1])


def box_counts(mask: np.ndarray, sizes: Sequence[int] | np.ndarray) -> np.ndarray:
    """Occupied boxes of a grid of boxes of edge about ``s`` that tiles the image.

    Along an axis of ``L`` pixels the grid has ``nb = round(L / s)`` boxes (see
    :func:`boxes_per_side`; along the longer side, boxes of the same edge; odd on an odd
    side) and pixel ``r`` belongs to box ``floor((r + 1/2) nb / L)``, its centre
    deciding; a centre exactly on a box edge goes to the box nearer the middle of the
    axis (``_box_index``). The counts are therefore invariant under mirroring either
    axis, 180-degree rotation and (with the shape) transposition. (Giving such pixels to
    the higher box made the anti-diagonal of a 129 x 129 image 0.928 against 1.000 for
    the diagonal.) Every box lies inside the image and is ``floor(L / nb)`` or
    ``ceil(L / nb)`` pixels wide, so no box is cut by the edge of the image. When ``s``
    divides the side this is the usual grid anchored at pixel ``(0, 0)``. (A grid of
    exact ``s``-pixel boxes leaves partial boxes along two edges whenever ``s`` does not
    divide the side; counting them as whole boxes biased the dimension of a filled 300 x
    300 square to 1.957.) A filled image gives exactly ``nb_H * nb_W`` boxes at every
    size and a straight line along an axis or the diagonal of a square exactly ``nb``
    (:func:`boxes_per_side`).

    Parameters
    ----------
    mask : ndarray(bool), shape ``(H, W)``
        The set (True pixels).
    sizes : sequence of int
        Nominal box edges in pixels, each in ``[1, min(H, W)]``.

    Returns
    -------
    ndarray(int64), shape ``(len(sizes),)``
        Occupied boxes per size.

    Raises
    ------
    ValueError
        Empty or non-2-D mask; sizes not integers in ``[1, min(H, W)]``.
    """
    m = _as_mask(mask)
    s = np.asarray(sizes)
    if (
        s.ndim != 1
        or s.size == 0
        or not np.issubdtype(s.dtype, np.integer)
        or np.any(s < 1)
    ):
        raise ValueError(
            f"sizes must be a non-empty 1-D sequence of integers >= 1, got {sizes!r}"
        )
    H, W = m.shape
    if np.any(s > min(H, W)):
        raise ValueError(
            f"sizes must not exceed the shorter side of the mask ({min(H, W)} px), "
            f"got {s.tolist()}"
        )
    rows, cols = np.nonzero(m)
    out = np.zeros(s.size, dtype=np.int64)
    for k, size in enumerate(s.tolist()):
        nh, nw = _boxes_per_side((H, W), size)
        occ = np.zeros((nh, nw), dtype=bool)
        occ[_box_index(rows, nh, H), _box_index(cols, nw, W)] = True
        out[k] = np.count_nonzero(occ)
    return out


@dataclass
class BoxFit(DimensionFit):
    """A :class:`~fractal_lib.core.fits.DimensionFit` of a 2-D box count.

    The fit itself is :func:`fractal_lib.core.fits.fit_dimension`, as in 1-D; this
    subclass exists only for the extra fields of a 2-D count (``sizes``,
    ``local_slopes``, ``side``), which :func:`pooled_box_dimension` and the figures
    read.

    Parameters
    ----------
    alpha, stderr, intercept : float
        Slope (the dimension), its OLS standard error and intercept (see
        :class:`~fractal_lib.core.fits.DimensionFit`).
    levels : ndarray(float)
        The fitted ``log2`` numbers of boxes per side (:func:`box_levels`).
    counts : ndarray(int)
        Occupied boxes per fitted size.
    rule : str
        The fitted size range.
    note : str
        Empty for a regular fit; otherwise why not (empty mask, fewer than three sizes).
    sizes : ndarray(int)
        Nominal box sizes in pixels of the fitted counts (``levels`` from
        :func:`box_levels`: ``log2`` of the geometric mean of the numbers of boxes along
        the two sides).
    local_slopes : ndarray(float)
        Slopes between neighbouring fitted sizes.
    side : int
        Pixels along the shorter side of the mask.
    """

    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    local_slopes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    side: int = 0

    @property
    def slope(self) -> float:
        """The box-counting dimension (same as ``alpha``)."""
        return self.alpha


def _box_fit(
    levels: np.ndarray, counts: np.ndarray, sizes: np.ndarray, side: int, rule: str
) -> BoxFit:
    if levels.size == 0 or np.all(counts == 0):
        return BoxFit(
            0.0,
            0.0,
            0.0,
            levels[:0],
            counts[:0],
            rule,
            "empty mask: no box occupied, dimension set to 0",
            sizes=sizes[:0],
            side=side,
        )
    pos = counts > 0
    x = levels[pos].astype(float)
    local = (
        np.diff(np.log2(counts[pos].astype(float))) / np.diff(x)
        if x.size > 1
        else np.zeros(0)
    )
    slope, se, icpt, note = fit_dimension(x, counts[pos])
    return BoxFit(
        slope,
        se,
        icpt,
        levels[pos],
        counts[pos],
        rule,
        note,
        sizes=sizes[pos],
        local_slopes=local,
        side=side,
    )


def box_dimension_2d(
    mask: np.ndarray, sizes: Sequence[int] | np.ndarray | None = None
) -> BoxFit:
    """Box-counting dimension of the True pixels of ``mask``.

    Fits ``log2 N(s)`` against ``log2 sqrt(nb_H nb_W)`` (:func:`box_levels`; the grid of
    :func:`box_counts`, which tiles any image without partial boxes), by ordinary least
    squares (:func:`fractal_lib.core.fits.line_fit`) over ``sizes`` (default
    :func:`default_sizes`: powers of two from 2 px up to a quarter of the shorter side);
    the error is the standard error of the slope. A single pixel gives 0, a straight
    line 1 and a filled region 2, exactly, for any square image (a filled rectangle
    too).

    Parameters
    ----------
    mask : ndarray(bool), shape ``(H, W)``
        The set (True pixels), e.g. :func:`edges_2d` of an image.
    sizes : sequence of int, optional
        Nominal box edges in pixels, each in ``[1, min(H, W)]``.

    Returns
    -------
    BoxFit
        An empty mask gives ``alpha = 0`` (no boundary, as in the 1-D convention); fewer
        than three occupied sizes give ``stderr = NaN``.
        Both set :attr:`BoxFit.note <fractal_lib.core.fits.DimensionFit.note>` and
        issue one :class:`~fractal_lib.core.checks.EstimatorWarning`.

    Raises
    ------
    ValueError
        Mask not 2-D or empty array; bad ``sizes``.
    """
    m = _as_mask(mask)
    s = default_sizes(m.shape) if sizes is None else _as_sizes(sizes)
    counts = box_counts(m, s)
    side = min(m.shape)
    levels = box_levels(m.shape, s)
    rule = f"box sizes {int(s.min())}-{int(s.max())} px of {side}"
    fit = _box_fit(levels, counts, s, side, rule)
    if fit.note:
        warn_limit(f"box_dimension_2d: {fit.note} (BoxFit.note)")
    return fit


@dataclass
class PooledFit:
    """Box dimension pooled over several images (the frames of a zoom sequence).

    Not a :class:`~fractal_lib.core.fits.DimensionFit`: the pooled line has one
    intercept per image (a fixed-effects fit, ``n - 1 - n_images`` degrees of freedom),
    a different model from :func:`fractal_lib.core.fits.line_fit`, and the result
    carries the per-image fits and the median local slope.

    Parameters
    ----------
    slope, stderr : float
        Common least-squares slope with one intercept per image, and its standard error.
    median_local : float
        Median of the local slopes of all images (Sohl-Dickstein's estimator).
    fits : list of BoxFit
        The per-image fits.
    n_used : int
        Images that entered the pooled fit (those with at least two occupied sizes).
    note : str
        Empty for a regular fit; otherwise what was left out or is missing.
    """

    slope: float
    stderr: float
    median_local: float
    fits: list[BoxFit]
    n_used: int = 0
    note: str = ""

    @property
    def alpha(self) -> float:
        """The pooled dimension (same as ``slope``)."""
        return self.slope

    def __str__(self) -> str:
        return f"{self.slope:.3f} ± {self.stderr:.3f}"

    def as_tuple(self) -> tuple[float, float]:
        """``(slope, stderr)`` for :func:`fractal_lib.core.report.fmt`.

        Returns
        -------
        (float, float)
            The pooled slope and its standard error.
        """
        return (self.slope, self.stderr)


def pooled_box_dimension(
    masks: Sequence[np.ndarray], sizes: Sequence[int] | np.ndarray | None = None
) -> PooledFit:
    """Pool box counts of several masks into one dimension.

    Every mask is box-counted as in :func:`box_dimension_2d`; the common slope is fitted
    to all ``(log2 nb, log2 N)`` pairs with a separate intercept per mask (a
    fixed-effects least-squares line, so differences in the amount of boundary between
    frames do not bias the slope; its error has ``n - 1 - n_masks`` degrees of freedom).
    Masks with fewer than two occupied sizes are left out (counted in ``n_used``, one
    warning). The median of all local slopes is reported as well. (This within-image
    least squares is not :func:`fractal_lib.core.fits.line_fit`: that fits one
    intercept, and recentring the pooled points there changes the last bits of the slope
    in about a third of cases.)

    Parameters
    ----------
    masks : sequence of ndarray(bool), each ``(H, W)``
        The images (they may differ in shape).
    sizes : sequence of int, optional
        Nominal box edges, as in :func:`box_dimension_2d`.

    Returns
    -------
    PooledFit
        ``slope = NaN`` (with a note) when no mask has two occupied sizes.

    Raises
    ------
    ValueError
        No mask, or a bad mask or ``sizes``.
    """
    if len(masks) == 0:
        raise ValueError("masks must contain at least one image")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        fits = [box_dimension_2d(m, sizes) for m in masks]
    used = [f for f in fits if f.levels.size >= 2]
    left = len(fits) - len(used)
    note = (
        f"{left} of {len(fits)} masks with fewer than two occupied sizes left out"
        if left
        else ""
    )
    if not used:
        warn_limit(f"pooled_box_dimension: {note}; no dimension (PooledFit.note)")
        return PooledFit(math.nan, math.nan, math.nan, fits, 0, note)
    xs = [f.levels - f.levels.mean() for f in used]
    ys = [np.log2(f.counts.astype(float)) for f in used]
    ys = [y - y.mean() for y in ys]
    x, y = np.concatenate(xs), np.concatenate(ys)
    sxx = float(np.sum(x * x))
    slope = float(np.sum(x * y) / sxx)
    dof = x.size - 1 - len(used)
    if dof > 0:
        resid = y - slope * x
        stderr = math.sqrt(float(np.sum(resid * resid)) / dof / sxx)
    else:
        stderr = math.nan
        note = "; ".join(
            v for v in (note, "no degrees of freedom left for an error") if v
        )
    local = np.concatenate([f.local_slopes for f in used])
    if note:
        warn_limit(f"pooled_box_dimension: {note} (PooledFit.note)")
    return PooledFit(slope, stderr, float(np.median(local)), fits, len(used), note)
