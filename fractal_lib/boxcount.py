"""Box counting on 2-D images: edges between phases and the box-counting dimension of a set.

Generic tools, used for the trainability boundary of a plane of hyperparameters
(Sohl-Dickstein 2024) and usable for any 2-D mask:

* :func:`edges_2d` marks every 2 x 2 block of pixels whose values have both signs (or, for a
  boolean image, both values): the pixels of the boundary between two phases.
* :func:`box_counts` counts the ``s x s`` boxes of a fixed grid that contain a marked pixel, for
  a list of box sizes ``s``, without a Python loop over boxes.
* :func:`box_dimension_2d` fits ``log2 N(s) = -D log2 s + c`` by least squares over a stated
  range of sizes and reports the slope ``D`` with its standard error, plus the local slopes
  between neighbouring sizes (Sohl-Dickstein's estimator takes their median).
* :func:`pooled_box_dimension` pools the fits of several images (e.g. the frames of a zoom
  sequence): one common slope with a separate intercept per image, and the median of all local
  slopes.

The fits are :class:`fractal_lib.trainability.DimensionFit` objects, so
:func:`fractal_lib.report.fmt` and :func:`fractal_lib.plotting.plot_box_counts` accept them. As
in the 1-D case, ``levels`` are ``log2`` of the number of boxes per side (``log2(side / s)``) and
``counts`` the number of occupied boxes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .trainability import DimensionFit


def edges_2d(image: np.ndarray) -> np.ndarray:
    """Boundary pixels of a two-phase image: 2 x 2 blocks that contain both phases.

    Parameters
    ----------
    image : ndarray, shape ``(H, W)``, ``H, W >= 2``
        Boolean (the phases are True/False), or real (the phases are the signs; a block is an
        edge when its largest value is > 0 and its smallest < 0, as in Sohl-Dickstein's
        ``extract_edges``; zeros belong to neither phase). NaN is not allowed.

    Returns
    -------
    ndarray(bool), shape ``(H - 1, W - 1)``
        ``out[i, j]`` refers to the block ``image[i:i+2, j:j+2]``.
    """
    a = np.asarray(image)
    if a.ndim != 2 or min(a.shape) < 2:
        raise ValueError(f"image must be 2-D with at least 2 x 2 pixels, got shape {a.shape}")
    if a.dtype == bool:
        blocks = (a[1:, 1:], a[:-1, 1:], a[1:, :-1], a[:-1, :-1])
        return np.logical_or.reduce(blocks) & ~np.logical_and.reduce(blocks)
    a = a.astype(np.float64, copy=False)
    if np.isnan(a).any():
        raise ValueError("image must not contain NaN")
    hi = np.maximum(np.maximum(a[1:, 1:], a[:-1, 1:]), np.maximum(a[1:, :-1], a[:-1, :-1]))
    lo = np.minimum(np.minimum(a[1:, 1:], a[:-1, 1:]), np.minimum(a[1:, :-1], a[:-1, :-1]))
    return (hi > 0) & (lo < 0)


def _as_mask(mask: np.ndarray) -> np.ndarray:
    m = np.asarray(mask)
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"mask must be a non-empty 2-D array, got shape {m.shape}")
    return m.astype(bool, copy=False)


def default_sizes(shape: tuple[int, int], *, min_size: int = 2, min_boxes: int = 4) -> np.ndarray:
    """Box sizes ``2, 4, 8, ...`` with at least ``min_boxes`` boxes along the shorter side.

    The smallest size is ``min_size`` (2 by default: single pixels of an edge image are
    dominated by the discretisation); the largest leaves ``min_boxes`` boxes per side (4 by
    default), so every count in the fit comes from at least ``min_boxes**2`` boxes.
    """
    if not isinstance(min_size, int | np.integer) or min_size < 1:
        raise ValueError(f"min_size must be an integer >= 1, got {min_size!r}")
    if not isinstance(min_boxes, int | np.integer) or min_boxes < 1:
        raise ValueError(f"min_boxes must be an integer >= 1, got {min_boxes!r}")
    side = min(shape)
    top = side // min_boxes
    sizes = [1 << k for k in range(0, 64) if min_size <= (1 << k) <= top]
    if not sizes:
        raise ValueError(f"no power-of-two box size in [{min_size}, {top}] for shape {shape}")
    return np.array(sizes, dtype=np.int64)


def box_counts(mask: np.ndarray, sizes: Sequence[int] | np.ndarray) -> np.ndarray:
    """Number of ``s x s`` boxes (a grid anchored at pixel ``(0, 0)``) holding a True pixel.

    Boxes that stick out of the image are counted over the part inside it (the image is padded
    with False). One reshape per size; no loop over boxes.

    Parameters
    ----------
    mask : ndarray(bool), shape ``(H, W)``
    sizes : sequence of int
        Box edge lengths in pixels, each >= 1.

    Returns
    -------
    ndarray(int64), one count per size.
    """
    m = _as_mask(mask)
    s = np.asarray(sizes)
    if s.ndim != 1 or s.size == 0 or not np.issubdtype(s.dtype, np.integer) or np.any(s < 1):
        raise ValueError(f"sizes must be a non-empty 1-D sequence of integers >= 1, got {sizes!r}")
    H, W = m.shape
    out = np.empty(s.size, dtype=np.int64)
    for k, size in enumerate(s.tolist()):
        nh, nw = -(-H // size), -(-W // size)
        padded = np.zeros((nh * size, nw * size), dtype=bool)
        padded[:H, :W] = m
        out[k] = np.count_nonzero(padded.reshape(nh, size, nw, size).any(axis=(1, 3)))
    return out


@dataclass
class BoxFit(DimensionFit):
    """A :class:`~fractal_lib.trainability.DimensionFit` of a 2-D box count.

    Attributes (besides ``alpha``, ``stderr``, ``intercept``, ``levels``, ``counts``, ``rule``)
    ----------
    sizes : ndarray(int)
        Box sizes in pixels of the fitted counts (``levels = log2(side / sizes)``).
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


def _fit(levels: np.ndarray, counts: np.ndarray, sizes: np.ndarray, side: int, rule: str) -> BoxFit:
    if levels.size == 0 or np.all(counts == 0):
        return BoxFit(0.0, 0.0, 0.0, levels[:0], counts[:0], "no boxes occupied", sizes=sizes[:0],
                      side=side)
    pos = counts > 0
    x, y = levels[pos].astype(float), np.log2(counts[pos].astype(float))
    local = np.diff(y) / np.diff(x) if x.size > 1 else np.zeros(0)
    if x.size < 2:
        return BoxFit(0.0, math.nan, float(y[0]), levels[pos], counts[pos], rule, sizes=sizes[pos],
                      local_slopes=local, side=side)
    if x.size == 2:
        sl = float(local[0])
        return BoxFit(sl, math.nan, float(y[0] - sl * x[0]), levels[pos], counts[pos], rule,
                      sizes=sizes[pos], local_slopes=local, side=side)
    f = stats.linregress(x, y)
    return BoxFit(float(f.slope), float(f.stderr), float(f.intercept), levels[pos], counts[pos], rule,
                  sizes=sizes[pos], local_slopes=local, side=side)


def box_dimension_2d(mask: np.ndarray, sizes: Sequence[int] | np.ndarray | None = None) -> BoxFit:
    """Box-counting dimension of the True pixels of ``mask``.

    Fits ``log2 N(s)`` against ``log2(side / s)`` by ordinary least squares over ``sizes``
    (default :func:`default_sizes`: powers of two from 2 px up to a quarter of the shorter
    side); the error is the standard error of the slope. Sizes with no occupied box are dropped
    (an empty mask has dimension 0). A single pixel gives 0, a straight line 1, a filled
    region 2.

    Parameters
    ----------
    mask : ndarray(bool), shape ``(H, W)``
    sizes : sequence of int, optional
        Box edge lengths in pixels.

    Returns
    -------
    BoxFit
    """
    m = _as_mask(mask)
    s = default_sizes(m.shape) if sizes is None else np.asarray(sizes, dtype=np.int64)
    counts = box_counts(m, s)
    side = min(m.shape)
    levels = np.log2(side / s.astype(float))
    rule = f"box sizes {int(s.min())}-{int(s.max())} px of {side}"
    return _fit(levels, counts, s, side, rule)


@dataclass
class PooledFit:
    """Box dimension pooled over several images (the frames of a zoom sequence).

    Attributes
    ----------
    slope, stderr : float
        Common least-squares slope with one intercept per image, and its standard error.
    median_local : float
        Median of the local slopes of all images (Sohl-Dickstein's estimator).
    fits : list of BoxFit
        The per-image fits.
    """

    slope: float
    stderr: float
    median_local: float
    fits: list[BoxFit]

    @property
    def alpha(self) -> float:
        return self.slope

    def __str__(self) -> str:
        return f"{self.slope:.3f} ± {self.stderr:.3f}"

    def as_tuple(self) -> tuple[float, float]:
        """``(slope, stderr)`` for :func:`fractal_lib.report.fmt`."""
        return (self.slope, self.stderr)


def pooled_box_dimension(masks: Sequence[np.ndarray], sizes: Sequence[int] | np.ndarray | None = None
                         ) -> PooledFit:
    """Pool box counts of several masks into one dimension.

    Every mask is box-counted as in :func:`box_dimension_2d`; the common slope is fitted to all
    ``(log2(side/s), log2 N)`` pairs with a separate intercept per mask (so differences in the
    amount of boundary between frames do not bias the slope). Masks without any occupied box
    are left out. The median of all local slopes is reported as well.
    """
    fits = [box_dimension_2d(m, sizes) for m in masks]
    if not fits:
        raise ValueError("masks must contain at least one image")
    used = [f for f in fits if f.levels.size >= 2]
    if not used:
        return PooledFit(0.0, 0.0, 0.0, fits)
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
    local = np.concatenate([f.local_slopes for f in used])
    return PooledFit(slope, stderr, float(np.median(local)), fits)
