"""Gradient descent on a gridded two-dimensional landscape, and the geometry it meets.

The simulator of Ly & Gong (2025), generalised:

* :func:`descend` runs full-batch GD ``x <- x - eta grad L(x)`` (optionally plus a
  Gaussian kick per step, a toy SGD as in Chen, Qu & Gong) for many starting points and
  learning rates at once. The gradient is ``np.gradient`` of the surface (central
  differences, one-sided at the edges), bilinearly interpolated between grid nodes.
  Walls reflect (``walls="reflect"``, the paper) or clip. Besides the folded positions
  that stay on the grid, the *unfolded* trajectory ``x~_{t+1} = x~_t - eta grad L(x_t)``
  is kept, on which diffusion statistics are measured.
* Geometry: :func:`hessian_field` (``np.gradient`` twice), :func:`hessian_eigenvalues`,
  :func:`local_minima` with flatness ``F = 1/sqrt(||(lambda_1, lambda_2)||)``,
  :func:`cluster_counts` (minima within radius R; fit ``N(R)`` with
  :func:`fractal_lib.diffusion.msd.power_law_fit`), and
  :func:`roughness_flatness` (``||H||_F^2`` against ``r(H) chi^{2H-2}``).
* Dynamics: :func:`sample_bilinear` (e.g. the leading eigenvalue along a trajectory),
  :func:`eos_sweep` (the edge-of-stability sweep over learning rates and seeds) and
  :func:`gd_map` (an ``advance`` function for
  :func:`fractal_lib.surfaces.lyapunov.max_lyapunov`).

Positions are ``(x, y)`` pairs in units of ``spacing``: ``x`` along the columns (second
array axis), ``y`` along the rows (first axis), so
``surface[row, col] = L(x=col, y=row)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numba import prange

from .._numba import njit
from ..core.checks import as_float_array, warn_limit
from ..diffusion.msd import binned_means

__all__ = [
    "Descent",
    "descend",
    "gradient_field",
    "hessian_field",
    "hessian_eigenvalues",
    "leading_eigenvalue_map",
    "sample_bilinear",
    "lambda1_along",
    "Minima",
    "local_minima",
    "cluster_counts",
    "RoughnessFlatness",
    "roughness_flatness",
    "roughness_prefactor",
    "EoSSweep",
    "eos_sweep",
    "gd_map",
    "start_near_max",
]

WALLS = {"reflect": 0, "clip": 1}


# ----------------------------------------------------------------------------- kernels
@njit(cache=True, inline="always")
def _interp(f: np.ndarray, x: float, y: float) -> float:
    nr, nc = f.shape
    j = min(max(int(math.floor(x)), 0), nc - 2)
    i = min(max(int(math.floor(y)), 0), nr - 2)
    fx = x - j
    fy = y - i
    return (1.0 - fy) * ((1.0 - fx) * f[i, j] + fx * f[i, j + 1]) + fy * (
        (1.0 - fx) * f[i + 1, j] + fx * f[i + 1, j + 1]
    )


@njit(cache=True, inline="always")
def _fold(v: float, top: float, mode: int) -> float:
    if mode == 1:
        return min(max(v, 0.0), top)
    p = 2.0 * top
    v = v - p * math.floor(v / p)
    if v > top:
        v = p - v
    return v


@njit(cache=True, parallel=True)
def _descend(
    surf, gx, gy, x0, lr, steps, kicks, has_noise, mode, pos, fold, loss
):  # pragma: no cover
    m = x0.shape[0]
    nr, nc = surf.shape
    topx = nc - 1.0
    topy = nr - 1.0
    for k in prange(m):
        ux = x0[k, 0]
        uy = x0[k, 1]
        fx = _fold(ux, topx, mode)
        fy = _fold(uy, topy, mode)
        pos[k, 0, 0] = ux
        pos[k, 0, 1] = uy
        fold[k, 0, 0] = fx
        fold[k, 0, 1] = fy
        loss[k, 0] = _interp(surf, fx, fy)
        lr_k = lr[k]
        for t in range(steps):
            dx = -lr_k * _interp(gx, fx, fy)
            dy = -lr_k * _interp(gy, fx, fy)
            if has_noise:
                dx += kicks[k, t, 0]
                dy += kicks[k, t, 1]
            ux += dx
            uy += dy
            fx = _fold(fx + dx, topx, mode)
            fy = _fold(fy + dy, topy, mode)
            pos[k, t + 1, 0] = ux
            pos[k, t + 1, 1] = uy
            fold[k, t + 1, 0] = fx
            fold[k, t + 1, 1] = fy
            loss[k, t + 1] = _interp(surf, fx, fy)


@njit(cache=True, parallel=True)
def _advance(gx, gy, x, lr, steps, mode):  # pragma: no cover
    m = x.shape[0]
    nr, nc = gx.shape
    out = np.empty_like(x)
    for k in prange(m):
        fx = x[k, 0]
        fy = x[k, 1]
        lr_k = lr[k]
        for _ in range(steps):
            dx = -lr_k * _interp(gx, fx, fy)
            dy = -lr_k * _interp(gy, fx, fy)
            fx = _fold(fx + dx, nc - 1.0, mode)
            fy = _fold(fy + dy, nr - 1.0, mode)
        out[k, 0] = fx
        out[k, 1] = fy
    return out


@njit(cache=True, parallel=True)
def _sample(f, xy, out):  # pragma: no cover
    for k in prange(xy.shape[0]):
        out[k] = _interp(f, xy[k, 0], xy[k, 1])


# --------------------------------------------------------------------------- validation
def _surface(surface: np.ndarray) -> np.ndarray:
    s = np.ascontiguousarray(surface, dtype=np.float64)
    if s.ndim != 2 or min(s.shape) < 3:
        raise ValueError(
            f"surface must be a 2-D array with both sides >= 3, got shape {s.shape}"
        )
    if not np.all(np.isfinite(s)):
        raise ValueError("surface must be finite everywhere")
    return s


def _spacing(spacing: float) -> float:
    h = float(spacing)
    if not (math.isfinite(h) and h > 0):
        raise ValueError(f"spacing must be a finite number > 0, got {spacing}")
    return h


def gradient_field(
    surface: np.ndarray, spacing: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dx, dL/dy)`` on the grid by ``np.gradient`` (as the paper).

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    spacing : float
        Distance between grid nodes (> 0, units of the positions).

    Returns
    -------
    gx : numpy.ndarray, shape ``(n_rows, n_cols)``
        ``dL/dx``: central differences inside, one-sided at the edges (loss per unit
        of ``spacing``).
    gy : numpy.ndarray, shape ``(n_rows, n_cols)``
        ``dL/dy``, the same way.

    Raises
    ------
    ValueError
        A surface that is not 2-D, has a side below 3 or non-finite values;
        ``spacing <= 0``.

    References
    ----------
    Ly & Gong (2025): finite differences by ``np.gradient`` as in the authors' code.
    """
    s = _surface(surface)
    gy, gx = np.gradient(s, _spacing(spacing))
    return np.ascontiguousarray(gx), np.ascontiguousarray(gy)


# ----------------------------------------------------------------------------- descent
@dataclass(frozen=True)
class Descent:
    """Result of :func:`descend`.

    Attributes
    ----------
    positions : ndarray (m, steps + 1, 2)
        Unfolded trajectories ``(x, y)`` in units of the spacing.
    folded : ndarray (m, steps + 1, 2)
        Positions on the grid after the walls.
    losses : ndarray (m, steps + 1)
        Bilinearly interpolated loss at the folded positions.
    lr : ndarray (m,)
        Learning rate of each trajectory.
    spacing : float
        Grid spacing.
    """

    positions: np.ndarray
    folded: np.ndarray
    losses: np.ndarray
    lr: np.ndarray
    spacing: float


def descend(
    surface: np.ndarray,
    x0: np.ndarray | Sequence[float],
    lr: float | np.ndarray,
    steps: int,
    *,
    spacing: float = 1.0,
    noise: float = 0.0,
    seed: int = 0,
    walls: str = "reflect",
) -> Descent:
    """Gradient descent (optionally with Gaussian kicks) on a gridded landscape.

    ``x_{t+1} = wall(x_t - lr grad L(x_t) + noise xi_t)`` with ``xi_t ~ N(0, I_2)`` and
    ``grad L`` the bilinear interpolation of :func:`gradient_field`. The unfolded
    trajectory accumulates the same displacements without the walls.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]``.
    x0 : array_like, shape ``(m, 2)`` or ``(2,)``
        Starting points ``(x, y)`` in units of ``spacing``.
    lr : float or array_like, shape ``(m,)``
        Learning rates (>= 0), one for all or one per trajectory.
    steps : int
        Number of updates, 0 to 10^7.
    spacing : float
        Distance between grid nodes (> 0).
    noise : float
        Standard deviation of the Gaussian kick per coordinate and step (>= 0; 0 = plain
        GD).
    seed : int
        Seed of the kicks (same seed, same trajectories).
    walls : {"reflect", "clip"}
        What happens at the border of the grid.

    Returns
    -------
    Descent
        Unfolded and folded positions, losses and learning rates.

    Raises
    ------
    ValueError
        A degenerate surface or ``spacing``; ``x0``, ``lr``, ``steps``, ``noise`` or
        ``walls`` out of range; an output above 4 GiB.

    References
    ----------
    Ly & Gong (2025), GD on the multifractional landscape (the authors' simulator,
    reflecting walls); Chen, Qu & Gong (2022), Eq. 10 (the Gaussian kicks).
    """
    s = _surface(surface)
    h = _spacing(spacing)
    x = np.array(x0, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] < 1 or not np.all(np.isfinite(x)):
        raise ValueError(
            f"x0 must be finite with shape (m, 2) or (2,), got shape {np.shape(x0)}"
        )
    m = x.shape[0]
    lr_a = (
        np.broadcast_to(np.asarray(lr, dtype=np.float64), (m,)).copy()
        if np.ndim(lr) <= 1
        else None
    )
    if (
        lr_a is None
        or lr_a.shape != (m,)
        or not np.all(np.isfinite(lr_a))
        or np.any(lr_a < 0)
    ):
        raise ValueError(f"lr must be a finite number >= 0 or an array of {m} of them")
    if (
        isinstance(steps, bool)
        or not isinstance(steps, (int, np.integer))
        or not 0 <= steps <= 10**7
    ):
        raise ValueError(f"steps must be an integer in [0, 10^7], got {steps!r}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    if walls not in WALLS:
        raise ValueError(f"walls must be one of {tuple(WALLS)}, got {walls!r}")
    if m * (steps + 1) * 5 * 8 > 4 * 1024**3:
        raise ValueError("m * (steps + 1) too large for memory (> 4 GiB of output)")
    gx, gy = gradient_field(s, 1.0)  # positions are handled in grid units internally
    # in grid units the gradient per node equals spacing * dL/dx, and steps scale by
    # 1/spacing:
    # x/h <- x/h - lr (dL/dx)/h = x/h - (lr/h^2) (h dL/dx)
    lr_g = lr_a / h**2
    has_noise = noise > 0
    kicks = (
        np.random.default_rng(seed).standard_normal((m, steps, 2)) * (noise / h)
        if has_noise
        else np.zeros((1, 1, 2))
    )
    pos = np.empty((m, steps + 1, 2))
    fold = np.empty((m, steps + 1, 2))
    loss = np.empty((m, steps + 1))
    _descend(
        s,
        gx,
        gy,
        x / h,
        lr_g,
        int(steps),
        kicks,
        has_noise,
        WALLS[walls],
        pos,
        fold,
        loss,
    )
    return Descent(pos * h, fold * h, loss, lr_a, h)


def start_near_max(
    surface: np.ndarray, m: int, *, seed: int = 0, jitter: float = 1.0
) -> np.ndarray:
    """``m`` starting points ``(x, y)`` at the global maximum plus ``N(0, jitter^2)``.

    As the paper: every run starts near the top of the landscape. Points are clipped to
    the grid.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    m : int
        Number of points.
    seed : int
        Seed of the jitter.
    jitter : float
        Standard deviation of the jitter (pixels).

    Returns
    -------
    numpy.ndarray, shape ``(m, 2)``
        Starting points ``(x, y)`` in pixels.

    Raises
    ------
    ValueError
        A degenerate surface.
    """
    s = _surface(surface)
    i, j = np.unravel_index(int(np.argmax(s)), s.shape)
    rng = np.random.default_rng(seed)
    pts = np.array([j, i], dtype=np.float64) + jitter * rng.standard_normal((int(m), 2))
    pts[:, 0] = np.clip(pts[:, 0], 0, s.shape[1] - 1)
    pts[:, 1] = np.clip(pts[:, 1], 0, s.shape[0] - 1)
    return pts


def gd_map(
    surface: np.ndarray, lr: float | np.ndarray, *, walls: str = "reflect"
) -> Callable[[np.ndarray, int], np.ndarray]:
    """An ``advance(x, steps) -> x`` function: ``steps`` GD steps on the folded grid.

    Unit spacing; ``x`` has shape ``(m, 2)``. Used by
    :func:`fractal_lib.surfaces.lyapunov.max_lyapunov`.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    lr : float or ndarray, shape ``(m,)``
        Learning rate(s), broadcast over the rows of ``x``.
    walls : {"reflect", "clip"}
        What happens at the border of the grid.

    Returns
    -------
    callable
        ``advance(x, steps)`` returning the positions, shape ``(m, 2)``, after ``steps``
        updates.

    Raises
    ------
    ValueError
        A degenerate surface or an unknown ``walls``.
    """
    s = _surface(surface)
    if walls not in WALLS:
        raise ValueError(f"walls must be one of {tuple(WALLS)}, got {walls!r}")
    gx, gy = gradient_field(s, 1.0)
    lr_a = np.asarray(lr, dtype=np.float64)

    def advance(x: np.ndarray, steps: int) -> np.ndarray:
        xa = np.ascontiguousarray(x, dtype=np.float64)
        lr_x = np.broadcast_to(lr_a, (xa.shape[0],)).astype(np.float64)
        return _advance(gx, gy, xa, lr_x, int(steps), WALLS[walls])

    return advance


# ---------------------------------------------------------------------------- curvature
def hessian_field(
    surface: np.ndarray, spacing: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(L_xx, L_xy, L_yy)`` by ``np.gradient`` applied twice (as the paper).

    ``L_xy`` is the mean of the two mixed differences.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    spacing : float
        Distance between grid nodes (> 0, units of the positions).

    Returns
    -------
    lxx : numpy.ndarray, shape ``(n_rows, n_cols)``
        ``L_xx`` (loss per unit of ``spacing`` squared).
    lxy : numpy.ndarray, shape ``(n_rows, n_cols)``
        ``L_xy``, the mean of the two mixed differences.
    lyy : numpy.ndarray, shape ``(n_rows, n_cols)``
        ``L_yy``.

    Raises
    ------
    ValueError
        A surface that is not 2-D, has a side below 3 or non-finite values;
        ``spacing <= 0``.

    References
    ----------
    Ly & Gong (2025): finite differences by ``np.gradient`` as in the authors' code.
    """
    h = _spacing(spacing)
    gx, gy = gradient_field(surface, h)
    gxy, gxx = np.gradient(gx, h)
    gyy, gyx = np.gradient(gy, h)
    return gxx, 0.5 * (gxy + gyx), gyy


def hessian_eigenvalues(
    surface: np.ndarray, spacing: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel eigenvalues ``(lambda_hi, lambda_lo)`` of :func:`hessian_field`.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    spacing : float
        Distance between grid nodes (> 0, units of the positions).

    Returns
    -------
    hi : numpy.ndarray, shape ``(n_rows, n_cols)``
        Larger eigenvalue (algebraic order).
    lo : numpy.ndarray, shape ``(n_rows, n_cols)``
        Smaller eigenvalue.

    Raises
    ------
    ValueError
        A surface that is not 2-D, has a side below 3 or non-finite values;
        ``spacing <= 0``.
    """
    a, b, c = hessian_field(surface, spacing)
    mean = 0.5 * (a + c)
    rad = np.sqrt(0.25 * (a - c) ** 2 + b**2)
    return mean + rad, mean - rad


def leading_eigenvalue_map(surface: np.ndarray, spacing: float = 1.0) -> np.ndarray:
    """``lambda_1 = max |eig|`` of the finite-difference Hessian at every pixel.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    spacing : float
        Distance between grid nodes (> 0, units of the positions).

    Returns
    -------
    numpy.ndarray, shape ``(n_rows, n_cols)``
        Largest absolute eigenvalue per pixel.

    Raises
    ------
    ValueError
        A surface that is not 2-D, has a side below 3 or non-finite values;
        ``spacing <= 0``.

    References
    ----------
    Ly & Gong (2025): finite differences by ``np.gradient`` as in the authors' code.
    """
    hi, lo = hessian_eigenvalues(surface, spacing)
    return np.maximum(np.abs(hi), np.abs(lo))


def sample_bilinear(
    field: np.ndarray, xy: np.ndarray, spacing: float = 1.0
) -> np.ndarray:
    """Bilinear interpolation of ``field[row, col]`` at points ``xy[..., (x, y)]``.

    Points are clipped to the grid.

    Parameters
    ----------
    field : ndarray, shape ``(n_rows, n_cols)``
        Values on the grid (finite, both sides >= 3).
    xy : ndarray, shape ``(..., 2)``
        Points ``(x, y)`` in units of ``spacing``.
    spacing : float
        Distance between grid nodes (> 0).

    Returns
    -------
    numpy.ndarray, shape ``xy.shape[:-1]``
        Interpolated values.

    Raises
    ------
    ValueError
        A degenerate ``field``, ``xy`` not ending in 2 or ``spacing <= 0``.
    """
    f = _surface(field)
    pts = np.asarray(xy, dtype=np.float64)
    if pts.shape[-1] != 2:
        raise ValueError(f"xy must end in a dimension of 2, got shape {pts.shape}")
    flat = np.ascontiguousarray(pts.reshape(-1, 2)) / _spacing(spacing)
    flat[:, 0] = np.clip(flat[:, 0], 0, f.shape[1] - 1)
    flat[:, 1] = np.clip(flat[:, 1], 0, f.shape[0] - 1)
    out = np.empty(flat.shape[0])
    _sample(f, flat, out)
    return out.reshape(pts.shape[:-1])


def lambda1_along(
    surface: np.ndarray, folded: np.ndarray, spacing: float = 1.0
) -> np.ndarray:
    """Leading eigenvalue ``max |eig|`` of the Hessian along a trajectory.

    The per-pixel eigenvalue map (:func:`leading_eigenvalue_map`) is interpolated
    bilinearly, as in the authors' EoS measurement.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    folded : ndarray, shape ``(..., 2)``
        On-grid positions (``Descent.folded``).
    spacing : float
        Distance between grid nodes (> 0, units of the positions).

    Returns
    -------
    numpy.ndarray, shape ``folded.shape[:-1]``
        ``lambda_1`` at each position.

    Raises
    ------
    ValueError
        A surface that is not 2-D, has a side below 3 or non-finite values;
        ``spacing <= 0``.
    """
    return sample_bilinear(leading_eigenvalue_map(surface, spacing), folded, spacing)


# ----------------------------------------------------------------------------- minima
@dataclass(frozen=True)
class Minima:
    """Local minima sorted by loss (lowest first).

    Attributes
    ----------
    rows, cols : ndarray of int
    values : ndarray
        Loss at each minimum.
    flatness : ndarray
        ``1 / sqrt(||(lambda_1, lambda_2)||_2)`` of the finite-difference Hessian;
        ``inf`` where the Hessian vanishes (a perfectly flat minimum).
    """

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    flatness: np.ndarray

    @property
    def xy(self) -> np.ndarray:
        """``(k, 2)`` positions ``(x, y) = (col, row)``."""
        return np.stack([self.cols, self.rows], axis=1).astype(np.float64)

    def __len__(self) -> int:
        return int(self.rows.size)


def local_minima(
    surface: np.ndarray, n_lowest: int | None = None, *, spacing: float = 1.0
) -> Minima:
    """Interior pixels strictly lower than their four neighbours, lowest first.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid.
    n_lowest : int, optional
        Keep only this many (the paper keeps 3000 on 1024 x 1024).
    spacing : float
        Grid spacing for the Hessian.

    Returns
    -------
    Minima
        Positions, values and flatness ``1 / sqrt(||(lambda_1, lambda_2)||)``.

    Raises
    ------
    ValueError
        A degenerate surface or ``n_lowest < 1``.

    References
    ----------
    Ly & Gong (2025), the flatness of minima (their code's definition).
    """
    s = _surface(surface)
    c = s[1:-1, 1:-1]
    is_min = (
        (c < s[:-2, 1:-1]) & (c < s[2:, 1:-1]) & (c < s[1:-1, :-2]) & (c < s[1:-1, 2:])
    )
    r, q = np.nonzero(is_min)
    r, q = r + 1, q + 1
    v = s[r, q]
    order = np.argsort(v, kind="stable")
    if n_lowest is not None:
        if int(n_lowest) < 1:
            raise ValueError(f"n_lowest must be >= 1, got {n_lowest}")
        order = order[: int(n_lowest)]
    r, q, v = r[order], q[order], v[order]
    hi, lo = hessian_eigenvalues(s, spacing)
    norm = np.hypot(hi[r, q], lo[r, q])
    with np.errstate(divide="ignore"):
        flat = np.where(norm > 0, 1.0 / np.sqrt(np.where(norm > 0, norm, 1.0)), np.inf)
    return Minima(r, q, v, flat)


def cluster_counts(
    centres: np.ndarray, points: np.ndarray, radii: np.ndarray
) -> np.ndarray:
    """``N(R)``: mean number of ``points`` within distance ``R`` of a centre.

    As in the paper, a centre that is itself among the points counts itself. Fit the
    exponent with :func:`fractal_lib.diffusion.msd.power_law_fit`.

    Parameters
    ----------
    centres : ndarray, shape ``(k, 2)``
        Cluster centres (pixels), ``k >= 1``.
    points : ndarray, shape ``(p, 2)``
        Points counted (pixels).
    radii : ndarray, shape ``(r,)``
        Radii (pixels).

    Returns
    -------
    numpy.ndarray, shape ``(r,)``
        Mean count per radius.

    Raises
    ------
    ValueError
        Empty or non-finite input.

    References
    ----------
    Ly & Gong (2025), the clustering of minima ``N(R) ~ R^d``.
    """
    c = as_float_array(centres, "centres").reshape(-1, 2)
    p = as_float_array(points, "points").reshape(-1, 2)
    rad = as_float_array(radii, "radii", ndim=1)
    d = np.sqrt(((c[:, None, :] - p[None, :, :]) ** 2).sum(-1)).ravel()
    d.sort()
    return np.searchsorted(d, rad, side="left") / c.shape[0]


# ------------------------------------------------------------------- roughness-flatness
def roughness_prefactor(hurst: np.ndarray | float) -> np.ndarray:
    """Prefactor ``r(H) = 16 - 2^{2H+2} + 2^{2H} - 2^{3H-1}`` of the roughness law.

    Parameters
    ----------
    hurst : float or ndarray, any shape
        Hölder exponent(s).

    Returns
    -------
    numpy.ndarray
        ``r(H)``, shape of ``hurst``.

    References
    ----------
    Ly & Gong (2025), the roughness-flatness law (prefactor from the authors' code).
    """
    h = np.asarray(hurst, dtype=np.float64)
    return 16 - 2 ** (2 * h + 2) + 2 ** (2 * h) - 2 ** (3 * h - 1)


@dataclass(frozen=True)
class RoughnessFlatness:
    """``||H||_F^2`` against ``r(H) chi^{2H-2}`` at random pixels, binned and fitted.

    Attributes
    ----------
    x, y : ndarray
        Per-pixel predictor ``r(H) chi^{2H-2}`` and squared Frobenius norm of the
        Hessian.
    bin_x, bin_y : ndarray
        Geometric means per log-spaced bin of ``x`` (the paper's "mean of log").
    slope : float
        Slope of the proportional fit ``y = slope x`` on the bins, fitted in log space
        (``log slope`` = mean of ``log bin_y - log bin_x``; the log-log line has slope
        1 and intercept ``log slope``).
    log_r2 : float
        R^2 of ``log bin_y`` against ``log bin_x + log slope``.
    pearson_log : float
        Pearson correlation of ``log x`` and ``log y`` over the pixels.
    """

    x: np.ndarray
    y: np.ndarray
    bin_x: np.ndarray
    bin_y: np.ndarray
    slope: float
    log_r2: float
    pearson_log: float


def roughness_flatness(
    surface: np.ndarray,
    hurst_map: np.ndarray,
    *,
    n_points: int,
    seed: int = 0,
    n_bins: int,
    chi: float | None = None,
) -> RoughnessFlatness:
    """The roughness-flatness law: sharper curvature where the landscape is rougher.

    At ``n_points`` random interior pixels compare
    ``||H||_F^2 = lambda_1^2 + lambda_2^2`` with ``r(H) chi^{2H-2}`` (``chi`` defaults
    to ``1/n`` -- the authors' ``1024^{-(2H-2)}``), bin in ``log x`` and fit
    ``y = slope x`` in log space.

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    hurst_map : ndarray, shape ``(n_rows, n_cols)``
        Hölder exponent per pixel.
    n_points : int
        Random pixels (>= 3).
    seed : int
        Seed of the pixels.
    n_bins : int
        Log-spaced bins of the predictor (>= 2).
    chi : float, optional
        Scale ``chi`` of the predictor (default ``1 / n_rows``).

    Returns
    -------
    RoughnessFlatness
        Pixels ``x``, ``y``, bin means ``bin_x``, ``bin_y``, the proportionality
        factor ``slope`` of ``y = slope x`` (fitted in log space: the mean of
        ``log y - log x`` over the bins), ``log_r2`` and ``pearson_log``, the Pearson
        correlation of the logs.

    Raises
    ------
    ValueError
        ``hurst_map`` of another shape or non-finite, fewer than 3 sampled pixels with
        non-zero curvature, or a constant ``hurst_map`` / curvature (nothing to
        correlate).

    References
    ----------
    Ly & Gong (2025), the roughness-flatness relation (``r(H)`` from
    :func:`roughness_prefactor`).
    """
    s = _surface(surface)
    hm = as_float_array(hurst_map, "hurst_map", ndim=2)
    if hm.shape != s.shape:
        raise ValueError(
            f"hurst_map must have the surface's shape {s.shape}, got {hm.shape}"
        )
    if int(n_points) < 3 or int(n_bins) < 2:
        raise ValueError(
            f"n_points must be >= 3 and n_bins >= 2, got {n_points} and {n_bins}"
        )
    n = s.shape[0]
    chi_v = 1.0 / n if chi is None else float(chi)
    rng = np.random.default_rng(seed)
    r = rng.integers(1, s.shape[0] - 1, int(n_points))
    q = rng.integers(1, s.shape[1] - 1, int(n_points))
    hi, lo = hessian_eigenvalues(s)
    y = hi[r, q] ** 2 + lo[r, q] ** 2
    hv = hm[r, q]
    x = roughness_prefactor(hv) * chi_v ** (2 * hv - 2)
    ok = (x > 0) & (y > 0) & np.isfinite(x)
    x, y = x[ok], y[ok]
    if x.size < 3:
        raise ValueError(
            f"surface has {x.size} sampled pixels with non-zero curvature and r(H) > "
            "0, "
            "at least 3 needed (flat surface or H outside the range of r(H) > 0?)"
        )
    lx, ly = np.log(x), np.log(y)
    if np.ptp(lx) == 0 or np.ptp(ly) == 0:
        raise ValueError(
            "hurst_map is constant over the sampled pixels (or the curvature is): "
            "the roughness-flatness law needs a varying H"
        )
    edges = np.linspace(lx.min(), lx.max(), int(n_bins) + 1)
    _, (bx, by) = binned_means(lx, edges, lx, ly)
    logm = float(np.mean(by - bx))
    pred = bx + logm
    ss_tot = ((by - by.mean()) ** 2).sum()
    r2 = 1.0 - ((by - pred) ** 2).sum() / ss_tot if ss_tot > 0 else float("nan")
    return RoughnessFlatness(
        x,
        y,
        np.exp(bx),
        np.exp(by),
        math.exp(logm),
        float(r2),
        float(np.corrcoef(lx, ly)[0, 1]),
    )


# -------------------------------------------------------------------- edge of stability
@dataclass(frozen=True)
class EoSSweep:
    """Leading eigenvalue at the end of GD runs, per learning rate and seed.

    Attributes
    ----------
    lrs : ndarray (k,)
    lambda1 : ndarray (k, seeds, n_last)
        ``max |eig|`` (bilinearly interpolated per-pixel eigenvalues) over the last
        iterations.
    """

    lrs: np.ndarray
    lambda1: np.ndarray

    def geometric_mean(self) -> np.ndarray:
        """Geometric mean over seeds and iterations per learning rate (the paper's).

        Returns
        -------
        numpy.ndarray, shape ``(k,)``
            ``exp(mean log lambda_1)``.
        """
        return np.exp(np.log(self.lambda1).mean(axis=(1, 2)))

    def error_band(self) -> tuple[np.ndarray, np.ndarray]:
        """The paper's error bars, ``10^(log10 gm -/+ 1.96 sd)``.

        ``sd`` is the across-seed standard deviation of ``log10 lambda_1``, averaged
        over the last iterations.

        Returns
        -------
        lo : numpy.ndarray, shape ``(k,)``
            Lower end of the band.
        hi : numpy.ndarray, shape ``(k,)``
            Upper end of the band.
        """
        gm = np.log10(self.geometric_mean())
        sd = np.log10(self.lambda1).std(axis=1).mean(axis=1)
        return 10 ** (gm - 1.96 * sd), 10 ** (gm + 1.96 * sd)

    def ratio(self) -> np.ndarray:
        """``lambda_1 lr / 2``: above 1 the iterates sit beyond the stability edge.

        Returns
        -------
        numpy.ndarray, shape ``(k,)``
            The ratio per learning rate (geometric-mean ``lambda_1``).
        """
        return self.geometric_mean() * self.lrs / 2.0

    @property
    def n_flat(self) -> np.ndarray:
        """Per learning rate, the samples where ``lambda_1`` was 0 (a flat patch).

        They are stored as the smallest positive float and pull the geometric mean
        towards 0.
        """
        return (self.lambda1 <= np.finfo(float).tiny).sum(axis=(1, 2))


def eos_sweep(
    surface: np.ndarray,
    lrs: np.ndarray,
    *,
    n_seeds: int = 10,
    steps: int = 5000,
    n_last: int = 100,
    seed: int = 0,
    jitter: float = 1.0,
) -> EoSSweep:
    """The edge-of-stability sweep: GD from near the maximum for every (lr, seed).

    Parameters
    ----------
    surface : ndarray, shape ``(n_rows, n_cols)``
        The loss on the grid, ``surface[row, col]`` (finite, both sides >= 3).
    lrs : array_like, shape ``(k,)``
        Learning rates (> 0).
    n_seeds : int
        Starting points per learning rate (maximum + ``N(0, jitter^2)``; the same points
        for every learning rate).
    steps : int
        Run length.
    n_last : int
        Number of final iterates whose ``lambda_1`` is kept.
    seed : int
        Seed of the starting points.
    jitter : float
        Standard deviation of the starting points around the maximum (pixels).

    Returns
    -------
    EoSSweep
        ``lambda1`` of shape ``(k, n_seeds, n_last)``; ``n_flat`` counts zero samples.

    Raises
    ------
    ValueError
        Empty or non-positive ``lrs``, ``n_seeds < 1``, ``n_last`` outside
        ``[1, steps + 1]``, a degenerate surface.

    Warns
    -----
    EstimatorWarning
        Once, when some ``lambda_1`` samples are 0 (``n_flat``).

    References
    ----------
    Ly & Gong (2025), the edge-of-stability figure (leading eigenvalue against the
    learning rate).
    """
    s = _surface(surface)
    lr_a = np.asarray(lrs, dtype=np.float64).ravel()
    if lr_a.size == 0 or np.any(lr_a <= 0) or not np.all(np.isfinite(lr_a)):
        raise ValueError("lrs must be finite numbers > 0")
    if int(n_seeds) < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds}")
    if not 1 <= int(n_last) <= int(steps) + 1:
        raise ValueError(f"n_last must lie in [1, steps + 1], got {n_last}")
    starts = start_near_max(s, n_seeds, seed=seed, jitter=jitter)
    x0 = np.tile(starts, (lr_a.size, 1))
    res = descend(s, x0, np.repeat(lr_a, n_seeds), int(steps))
    lam_map = leading_eigenvalue_map(s)
    tail = res.folded[:, -int(n_last) :, :]
    lam = sample_bilinear(lam_map, tail)
    lam = np.maximum(lam, np.finfo(float).tiny)
    out = EoSSweep(lr_a, lam.reshape(lr_a.size, int(n_seeds), int(n_last)))
    if out.n_flat.any():
        warn_limit(
            f"eos_sweep: {int(out.n_flat.sum())} of {lam.size} samples of lambda_1 are "
            "0 "
            "(flat patch); the geometric mean is not meaningful there, see "
            "EoSSweep.n_flat"
        )
    return out
