"""Adaptive refinement of a two-phase (sign) field on a dyadic grid.

Many images of this book are piecewise constant in sign with a fractal edge: the
trainability of a network over a hyperparameter plane (Sohl-Dickstein 2024), an escape
test, a phase diagram. Computing every pixel of a ``(2**L + 1)**2`` grid wastes almost
all the work on the inside of the phases. :func:`refine_sign_field` computes the field
where the sign changes and fills the rest, like the quadtree and rectangle-subdivision
renderers of fractal images (Mariani's and Silver's algorithm checks a rectangle's
border; here a cell is checked by its corners and, through the tracing rounds below,
by every exact point its neighbours find on its edges).

The algorithm, on the grid of ``N = 2**log2_res + 1`` points per side, where level
``k`` is the sub-grid of spacing ``s_k = 2**(log2_res - k)`` (``(2**k + 1)**2``
points, ``4**k`` cells):

1. **Base.** Every point of level ``base_log2_res`` is computed.
2. **Tracing rounds** (at every level ``k``). A cell of level ``k`` whose four corners
   (exact or filled) hold both signs (``max > 0`` and ``min < 0``, the rule of
   :func:`fractal_lib.boundaries.boxcount.edges_2d`) but has a corner that was not
   computed gets its corners computed; this repeats until no such cell is left, so a
   boundary found anywhere is followed along the level.
3. **Refinement.** Every cell of level ``k`` whose corners hold both signs, dilated by
   ``guard`` cells (Chebyshev distance), is split: its nine points of level ``k + 1``
   are computed (those not computed yet). Where the split cells cover more than
   ``dense`` of the level, every cell is split: the saving would be small and the
   misses (thin fingers between corners) are most frequent where the boundary is
   dense, so deep zoom frames come out computed in full.
4. **Fill.** A point not computed takes the bilinear interpolation of the cell of the
   next coarser level that holds it (itself exact or filled), so inside a cell whose
   corners have one sign every filled value has that sign: the shading of a uniform
   region comes from the coarser level, not from the field at that point.

What is guaranteed: after the last level every ``2 x 2`` block of the returned field
with both signs has its four corners computed (the tracing rounds at the finest level
enforce it), so the boundary pixels of the result
(:func:`~fractal_lib.boundaries.boxcount.edges_2d`) and every box count made from them
rest on exact values only. What is not guaranteed: a part of the boundary that never
changes the sign of any computed or filled corner -- an island of one phase smaller
than a cell of the base level and away from every refined cell, or a thin finger that
passes between two corners -- is missed; ``guard`` and a finer base trade work for
fewer misses. The miss rate for the network images is measured in
``benchmarks/adaptive_render_study.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..core.checks import check_int, warn_limit

__all__ = ["AdaptiveField", "refine_sign_field", "MAX_LOG2_RES"]

#: Largest ``log2_res`` accepted (grids of up to ``2**24 + 1`` points a side).
MAX_LOG2_RES = 24

Evaluate = Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]


@dataclass
class AdaptiveField:
    """The result of :func:`refine_sign_field`.

    Attributes
    ----------
    values : ndarray(float64), shape ``(N, N)``
        The field: exact where ``exact``, else filled by bilinear interpolation from
        the next coarser level (same sign as the corners of the enclosing cell).
    exact : ndarray(bool), shape ``(N, N)``
        True where the point was computed.
    counts : ndarray(int64), shape ``(log2_res - base_log2_res + 1,)``
        Points computed at each level, from ``base_log2_res`` to ``log2_res``.
    rounds : ndarray(int64), shape ``(log2_res - base_log2_res + 1,)``
        Tracing rounds run at each level.
    log2_res : int
        ``N = 2**log2_res + 1``.
    base_log2_res : int
        The level computed in full.
    guard : int
        Dilation of the refined cells, in cells.
    """

    values: np.ndarray
    exact: np.ndarray
    counts: np.ndarray
    rounds: np.ndarray
    log2_res: int
    base_log2_res: int
    guard: int

    @property
    def points_computed(self) -> int:
        """Number of points computed (``exact.sum()``)."""
        return int(self.exact.sum())

    @property
    def fraction_computed(self) -> float:
        """Fraction of the grid's points that were computed."""
        return self.points_computed / self.exact.size


def _two_signs(v: np.ndarray) -> np.ndarray:
    """Cells (``(n - 1, n - 1)``) of the point grid ``v`` whose corners hold both
    signs."""
    c = (v[:-1, :-1], v[:-1, 1:], v[1:, :-1], v[1:, 1:])
    hi = np.maximum(np.maximum(c[0], c[1]), np.maximum(c[2], c[3]))
    lo = np.minimum(np.minimum(c[0], c[1]), np.minimum(c[2], c[3]))
    return (hi > 0) & (lo < 0)


def _corners(cells: np.ndarray) -> np.ndarray:
    """Point mask ``(m + 1, m + 1)`` of the corners of the marked cells ``(m, m)``."""
    m = cells.shape[0]
    pts = np.zeros((m + 1, m + 1), dtype=bool)
    for a in (0, 1):
        for b in (0, 1):
            pts[a : a + m, b : b + m] |= cells
    return pts


def _children_points(cells: np.ndarray) -> np.ndarray:
    """Point mask ``(2m + 1, 2m + 1)`` of the nine next-level points of each marked
    cell."""
    m = cells.shape[0]
    pts = np.zeros((2 * m + 1, 2 * m + 1), dtype=bool)
    for a in (0, 1, 2):
        for b in (0, 1, 2):
            pts[a : a + 2 * m : 2, b : b + 2 * m : 2] |= cells
    return pts


def _fill(values: np.ndarray, exact: np.ndarray, base: int, top: int, L: int) -> None:
    """Fill the points of levels ``base + 1 .. top`` that are not exact, coarse to fine,
    by bilinear interpolation from the level below (in place)."""
    for k in range(base + 1, top + 1):
        s = 1 << (L - k)
        v = values[::s, ::s]
        c = values[:: 2 * s, :: 2 * s]
        interp = np.empty_like(v)
        interp[::2, ::2] = c
        interp[1::2, ::2] = 0.5 * (c[:-1] + c[1:])
        interp[::2, 1::2] = 0.5 * (c[:, :-1] + c[:, 1:])
        interp[1::2, 1::2] = 0.25 * (c[:-1, :-1] + c[:-1, 1:] + c[1:, :-1] + c[1:, 1:])
        miss = ~exact[::s, ::s]
        v[miss] = interp[miss]


def refine_sign_field(
    evaluate: Evaluate,
    log2_res: int,
    *,
    base_log2_res: int,
    guard: int = 4,
    dense: float = 0.5,
    max_rounds: int = 100_000,
) -> AdaptiveField:
    """Compute a two-phase field on a dyadic grid only near its sign changes.

    See the module docstring for the algorithm and for what is and is not guaranteed.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(rows, cols, level, round) -> values``: the field at the fine-grid
        points ``(rows[i], cols[i])`` (int64 arrays of one length, indices in
        ``[0, 2**log2_res]``; rows are the first axis). ``level`` (``base_log2_res ..
        log2_res``) and ``round`` (0 for the refinement step or the base, then 1, 2,
        ... for tracing rounds) identify the call, so a caller can batch, schedule and
        cache each call (the points of a call are a deterministic function of the
        earlier calls' values). Must return finite real values (they are
        interpolated); ``> 0`` is one phase, ``< 0`` the other, 0 neither (as in
        :func:`~fractal_lib.boundaries.boxcount.edges_2d`).
    log2_res : int
        The grid has ``2**log2_res + 1`` points per side, ``1 .. MAX_LOG2_RES``.
    base_log2_res : int
        Level computed in full, ``0 .. log2_res`` (the coarse grid has
        ``2**base_log2_res + 1`` points per side); ``log2_res`` computes everything.
    guard : int
        Cells around each two-signed cell that are refined too, ``>= 0``. The default
        4 is the measured trade-off: on the tanh network's root window and first zoom
        (257^2, 200 steps) guard 1 missed 1.2 % and 7.9 % of the boundary pixels,
        guard 2 0 % and 1.2 %; at 513^2 the root window lost 8.7 % with guard 2 and
        none with guard 4 (9 % of the points computed)
        (``benchmarks/adaptive_render_study.py``, rows in
        ``benchmarks/recorded/adaptive_render_study.json``).
    dense : float
        In ``(0, 1]``: a level whose split cells cover more than this fraction of its
        cells is split everywhere (1 never forces it).
    max_rounds : int
        Most tracing rounds per level, ``>= 1``; reaching it warns (an
        :class:`~fractal_lib.core.checks.EstimatorWarning`) because the guarantee on
        the boundary pixels then fails.

    Returns
    -------
    AdaptiveField
        Values, the mask of computed points and the work per level.

    Raises
    ------
    ValueError
        ``log2_res``, ``base_log2_res``, ``guard`` or ``max_rounds`` out of range, or
        ``evaluate`` not callable, or it returned values of the wrong shape or not
        finite.
    """
    if not callable(evaluate):
        raise ValueError("evaluate must be callable")
    L = check_int(log2_res, "log2_res", 1, MAX_LOG2_RES)
    b = check_int(base_log2_res, "base_log2_res", 0, L)
    guard = check_int(guard, "guard", 0, 1 << L)
    if (
        isinstance(dense, bool)
        or not isinstance(dense, float | int | np.floating | np.integer)
        or not (0 < dense <= 1)
    ):
        raise ValueError(f"dense must be a number in (0, 1], got {dense!r}")
    max_rounds = check_int(max_rounds, "max_rounds", 1, 1 << 62)
    n = (1 << L) + 1
    values = np.zeros((n, n))
    exact = np.zeros((n, n), dtype=bool)
    counts = np.zeros(L - b + 1, dtype=np.int64)
    rounds = np.zeros(L - b + 1, dtype=np.int64)

    def compute(mask: np.ndarray, s: int, level: int, rnd: int) -> None:
        r, c = np.nonzero(mask)
        if r.size == 0:
            return
        rows, cols = r.astype(np.int64) * s, c.astype(np.int64) * s
        out = np.asarray(evaluate(rows, cols, level, rnd), dtype=np.float64)
        if out.shape != rows.shape:
            raise ValueError(
                f"evaluate returned shape {out.shape} for {rows.size} points"
            )
        if not np.all(np.isfinite(out)):
            raise ValueError("evaluate returned values that are not finite (NaN, inf)")
        values[rows, cols] = out
        exact[rows, cols] = True
        counts[level - b] += rows.size

    compute(np.ones(((1 << b) + 1,) * 2, dtype=bool), 1 << (L - b), b, 0)
    warned = False
    for k in range(b, L + 1):
        s = 1 << (L - k)
        for rnd in range(1, max_rounds + 1):  # tracing rounds
            todo = _corners(_two_signs(values[::s, ::s])) & ~exact[::s, ::s]
            if not todo.any():
                break
            compute(todo, s, k, rnd)
            _fill(values, exact, b, k, L)
            rounds[k - b] = rnd
        else:
            left = _corners(_two_signs(values[::s, ::s])) & ~exact[::s, ::s]
            if left.any() and not warned:
                warn_limit(
                    f"refine_sign_field: level {k} still had two-signed cells with "
                    f"filled corners after max_rounds={max_rounds} tracing rounds; "
                    "some boundary pixels of the result rest on filled values"
                )
                warned = True
        if k == L:
            break
        split = _two_signs(values[::s, ::s])
        if guard:
            split = ndimage.binary_dilation(
                split, structure=np.ones((3, 3), dtype=bool), iterations=guard
            )
        if split.mean() > dense:
            split[:] = True
        h = s >> 1
        compute(_children_points(split) & ~exact[::h, ::h], h, k + 1, 0)
        _fill(values, exact, b, k + 1, L)
    return AdaptiveField(values, exact, counts, rounds, L, b, guard)
