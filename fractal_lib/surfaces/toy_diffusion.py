"""The 2-D toy model of SGD on a fractal landscape (Chen, Qu & Gong 2022, Eq. 10).

``w_{t+1} = w_t - eta grad L(w_t) + noise * Z_t`` with ``Z_t ~ N(0, I_2)``, on
``[-1, 1]^2``, the gradient being the numerical (central-difference) gradient of a
gridded landscape, bilinearly interpolated, and reflecting walls. The walker is
:func:`fractal_lib.surfaces.grid_descent.descend`.

Landscapes (``loss[row, col] = L(x = col, y = row)`` on ``[-1, 1]^2``):

* :func:`douillet_landscape`: the authors' recipe, ``L = 10 - z`` with ``z`` the
  diamond-square surface of N. Douillet's generator (uniform kicks, amplitude 3 at the
  top level, decaying by ``2^-H`` per level; ``H = 1`` in the original, border clamped
  to ``<= 0``, everything below ``-0.1`` clamped to ``-0.1``), from
  :func:`fractal_lib.surfaces.fields.diamond_square`.
* :func:`fbm_landscape`: ``L = 10 - z`` with ``z`` a fractional Brownian surface of
  chosen Hurst exponent (spectral/circulant synthesis,
  :func:`fractal_lib.surfaces.fields.fbm_surface`), rescaled to the standard deviation
  of the diamond-square surface of the same seed.
* :func:`add_wide_minimum`: the authors *selected* generated landscapes that happen to
  contain a wide minimum (their landscape file is not public). We instead carve a smooth
  wide basin into the landscape: ``L' = (1 - g) L + g (min L - depth)`` with a Gaussian
  bump ``g`` of width ``width``. Inside the basin the roughness is damped by ``1 - g``,
  so it is flat, as the paper's minimum.
* Controls: :func:`shuffled_control` (pixels randomly permuted, Gaussian smoothing with
  standard deviation 8 pixels of a 1025-point grid, then raised to the power 0.7, as the
  authors' script) and :func:`convex_control` (the Gaussian bowl
  ``10 - 10 exp(-(x^2 + y^2) / 2)`` of a commented-out line of the authors' script; the
  "convex" landscape their script loads, ``toy_gaussian_landscape.mat``, is the cone
  ``9 + r / 2``, :func:`fractal_lib.papers.chen2022.toy_cone_control`).

Noise: the paper's Eq. 10 writes the kick as ``eta sigma Z``; the authors' script adds
``eta2 * Z`` with ``eta2 = 0.01`` directly (with ``eta = 0.02``). :func:`run_toy` takes
the kick's standard deviation ``noise`` itself; the chapter uses the script's values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..diffusion import msd as Dif
from . import fields, grid_descent

#: Bounds of each coordinate: the landscape lives on [LOW, HIGH]^2 = [-1, 1]^2.
LOW, HIGH = -1.0, 1.0
#: Smoothing of the shuffled control: Gaussian sd in pixels of a 1025-point grid.
SHUFFLE_SIGMA_1025 = 8.0
#: Power applied to the smoothed, shuffled control (the authors' script).
SHUFFLE_POWER = 0.7


@dataclass(frozen=True)
class ToyLandscape:
    """A gridded loss on ``[-1, 1]^2``.

    Attributes
    ----------
    loss : ndarray (n, n)
        ``loss[row, col]``, rows along ``y``, columns along ``x``.
    kind : str
        How it was made.
    basin : tuple of float or None
        ``(x, y, width)`` of the carved wide minimum, if any.
    """

    loss: np.ndarray
    kind: str
    basin: tuple[float, float, float] | None = None

    @property
    def n(self) -> int:
        """Points per side of the grid."""
        return self.loss.shape[0]

    @property
    def spacing(self) -> float:
        """Distance between grid nodes, ``2 / (n - 1)``."""
        return (HIGH - LOW) / (self.n - 1)

    def coords(self) -> np.ndarray:
        """Grid coordinates (the same for ``x`` and ``y``).

        Returns
        -------
        numpy.ndarray, shape ``(n,)``
            ``n`` points evenly spaced on ``[-1, 1]``.
        """
        return np.linspace(LOW, HIGH, self.n)


def _check_levels(n_levels: int) -> int:
    if (
        isinstance(n_levels, bool)
        or not isinstance(n_levels, (int, np.integer))
        or not 4 <= n_levels <= 11
    ):
        raise ValueError(f"n_levels must be an integer in [4, 11], got {n_levels!r}")
    return int(n_levels)


def douillet_landscape(
    n_levels: int = 10, hurst: float = 1.0, *, seed: int = 0, roughness: float = 3.0
) -> ToyLandscape:
    """The authors' fractal landscape ``10 - z`` (see the module docstring).

    ``z`` is the diamond-square surface of
    :func:`fractal_lib.surfaces.fields.diamond_square` with uniform kicks, the border
    clamped to ``<= 0`` and everything below ``-0.1`` clamped to ``-0.1`` (N. Douillet's
    generator as used by Chen, Qu & Gong).

    Parameters
    ----------
    n_levels : int
        Grid of ``(2^n_levels + 1)^2`` points, ``n_levels`` in ``[4, 11]``.
    hurst : float
        Decay exponent of the kick amplitude, ``2^-hurst`` per level (1 in the
        original).
    seed : int
        Seed of the kicks.
    roughness : float
        Kick amplitude at the top level (3 in the original).

    Returns
    -------
    ToyLandscape
        The loss on ``[-1, 1]^2``.

    Raises
    ------
    ValueError
        ``n_levels`` outside ``[4, 11]`` or bad surface parameters.

    References
    ----------
    Chen, Qu & Gong (2022), Sec. V (the toy model, Fig. 8).
    """
    n_levels = _check_levels(n_levels)
    z = fields.diamond_square(
        n_levels,
        hurst,
        seed=seed,
        roughness=roughness,
        smooth_border=True,
        water_level=-0.1,
    )
    return ToyLandscape(10.0 - z, f"diamond-square H={hurst:g}")


def fbm_landscape(
    n_levels: int = 10, hurst: float = 0.5, *, seed: int = 0, roughness: float = 3.0
) -> ToyLandscape:
    """``10 - z`` with ``z`` a fractional Brownian surface of Hurst exponent ``hurst``.

    ``z`` (:func:`fractal_lib.surfaces.fields.fbm_surface`) is scaled to the standard
    deviation of the Douillet diamond-square surface (``H = 1``, same seed and grid), so
    both families have comparable heights.

    Parameters
    ----------
    n_levels : int
        Grid of ``(2^n_levels + 1)^2`` points, ``n_levels`` in ``[4, 11]``.
    hurst : float
        Hurst exponent in (0, 1).
    seed : int
        Seed of the surface and of the reference diamond-square surface.
    roughness : float
        Top-level amplitude of the reference diamond-square surface.

    Returns
    -------
    ToyLandscape
        The loss on ``[-1, 1]^2``.

    Raises
    ------
    ValueError
        ``n_levels`` outside ``[4, 11]`` or ``hurst`` outside (0, 1).
    """
    n_levels = _check_levels(n_levels)
    n = 2**n_levels + 1
    ref = fields.diamond_square(n_levels, 1.0, seed=seed, roughness=roughness)
    z = fields.fbm_surface(n, hurst, seed=seed)
    z = (z - z.mean()) / z.std() * ref.std()
    return ToyLandscape(10.0 - z, f"fBm H={hurst:g}")


def add_wide_minimum(
    land: ToyLandscape,
    *,
    center: tuple[float, float] = (0.45, 0.45),
    width: float = 0.25,
    depth: float | None = None,
) -> ToyLandscape:
    """Carve a smooth wide minimum ``L' = (1 - g) L + g (min L - depth)``.

    Parameters
    ----------
    land : ToyLandscape
        The landscape to modify (not changed in place).
    center : (float, float)
        Centre ``(x, y)`` of the basin in ``[-1, 1]^2``.
    width : float
        Standard deviation of the Gaussian ``g`` (> 0, units of the coordinates).
    depth : float, optional
        How far the basin floor lies below the landscape's minimum (loss units); default
        the landscape's standard deviation.

    Returns
    -------
    ToyLandscape
        The landscape with ``basin = (x, y, width)``.

    Raises
    ------
    ValueError
        ``width <= 0``.
    """
    if not width > 0:
        raise ValueError(f"width must be > 0, got {width}")
    c = land.coords()
    xx, yy = np.meshgrid(c, c)
    g = np.exp(-((xx - center[0]) ** 2 + (yy - center[1]) ** 2) / (2 * width**2))
    dep = float(land.loss.std()) if depth is None else float(depth)
    loss = (1 - g) * land.loss + g * (land.loss.min() - dep)
    return ToyLandscape(
        loss, land.kind + " + wide minimum", (center[0], center[1], width)
    )


def shuffled_control(
    land: ToyLandscape,
    *,
    seed: int = 0,
    sigma_px: float | None = None,
    power: float = SHUFFLE_POWER,
) -> ToyLandscape:
    """The "random" control: shuffled pixels, smoothed, raised to ``power``.

    The smoothing width is 8 pixels of a 1025-point grid (scaled to this grid). The
    result is mapped back to the original landscape's range of values.

    Parameters
    ----------
    land : ToyLandscape
        The landscape whose values are shuffled.
    seed : int
        Seed of the permutation.
    sigma_px : float, optional
        Smoothing standard deviation in pixels (default :data:`SHUFFLE_SIGMA_1025`
        scaled to the grid).
    power : float
        Exponent applied to the smoothed field rescaled to ``[0, 1]``.

    Returns
    -------
    ToyLandscape
        The control, with the range of values of ``land``.

    Raises
    ------
    ValueError
        A constant landscape (nothing to shuffle).
    """
    from ..core.checks import as_float_array

    as_float_array(land.loss, "land.loss", ndim=2, nonconstant=True)
    rng = np.random.default_rng(seed)
    flat = rng.permutation(land.loss.ravel()).reshape(land.loss.shape)
    sig = (
        SHUFFLE_SIGMA_1025 * (land.n - 1) / 1024
        if sigma_px is None
        else float(sigma_px)
    )
    sm = ndimage.gaussian_filter(flat, sig, mode="reflect")
    u = (sm - sm.min()) / max(np.ptp(sm), 1e-300)
    u = u**power
    lo, hi = land.loss.min(), land.loss.max()
    return ToyLandscape(lo + u * (hi - lo), "shuffled + smoothed")


def convex_control(n_levels: int = 10) -> ToyLandscape:
    """A convex control: the Gaussian bowl ``10 - 10 exp(-(x^2 + y^2) / 2)``.

    This bowl appears only in a commented-out line of the authors' toy script; the
    landscape their script loads for Fig. 8f is a cone with ``|grad L| = 0.5``
    (:func:`fractal_lib.papers.chen2022.toy_cone_control`). The bowl is far steeper
    (``|grad L|`` up to 6), so walkers settle within a few dozen steps.

    Parameters
    ----------
    n_levels : int
        Grid of ``(2^n_levels + 1)^2`` points, ``n_levels`` in ``[4, 11]``.

    Returns
    -------
    ToyLandscape
        The loss on ``[-1, 1]^2``.

    Raises
    ------
    ValueError
        ``n_levels`` outside ``[4, 11]``.
    """
    n = 2 ** _check_levels(n_levels) + 1
    c = np.linspace(LOW, HIGH, n)
    xx, yy = np.meshgrid(c, c)
    return ToyLandscape(10.0 - 10.0 * np.exp(-(xx**2 + yy**2) / 2), "convex")


# ----------------------------------------------------------------------------- dynamics
@dataclass(frozen=True)
class ToyRun:
    """Trajectories of the toy model.

    Attributes
    ----------
    positions : ndarray (m, steps + 1, 2)
        ``(x, y)`` in ``[-1, 1]^2`` (after the walls).
    loss : ndarray (m, steps + 1)
    grads : ndarray (m, steps, 2)
        Numerical gradient at the position each step starts from.
    t0 : ndarray (m,)
        Step after which the walker stays in the wide minimum (within one ``width`` of
        its centre until the end); -1 if it never settles or the landscape has none.
    lr, noise : float
    """

    positions: np.ndarray
    loss: np.ndarray
    grads: np.ndarray
    t0: np.ndarray
    lr: float
    noise: float


def start_points(m: int, *, seed: int = 0) -> np.ndarray:
    """``m`` starting points uniform on ``[-1, 1]^2`` (the authors' script).

    Parameters
    ----------
    m : int
        Number of points.
    seed : int
        Seed of the generator.

    Returns
    -------
    numpy.ndarray, shape ``(m, 2)``
        Points ``(x, y)``.
    """
    return np.random.default_rng(seed).uniform(LOW, HIGH, (m, 2))


def run_toy(
    land: ToyLandscape,
    *,
    lr: float,
    noise: float,
    steps: int,
    n_trials: int,
    seed: int = 0,
    x0: np.ndarray | None = None,
) -> ToyRun:
    """Run the toy SGD ``n_trials`` times from uniform random starting points.

    ``w_{t+1} = w_t - lr grad L(w_t) + noise Z_t`` with reflecting walls, by
    :func:`fractal_lib.surfaces.grid_descent.descend`.

    Parameters
    ----------
    land : ToyLandscape
        The landscape.
    lr : float
        Learning rate ``eta`` (>= 0).
    noise : float
        Standard deviation of the Gaussian kick per coordinate and step (>= 0, units of
        the coordinates).
    steps : int
        Updates per trial (>= 1).
    n_trials : int
        Trajectories (>= 1; the number of rows of ``x0`` when it is given).
    seed : int
        Seed of the starting points (``seed``) and of the kicks (``seed + 1``).
    x0 : ndarray, shape ``(m, 2)``, optional
        Starting points in ``[-1, 1]^2`` instead of random ones.

    Returns
    -------
    ToyRun
        Positions, losses, gradients and the settling step ``t0`` of each trial.

    Raises
    ------
    ValueError
        ``n_trials < 1``, ``steps`` not a positive integer, ``x0`` outside the square,
        or bad ``lr`` / ``noise``.

    References
    ----------
    Chen, Qu & Gong (2022), Eq. 10.
    """
    if n_trials < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    start = (
        start_points(n_trials, seed=seed)
        if x0 is None
        else np.atleast_2d(np.asarray(x0, float))
    )
    if np.any(start < LOW) or np.any(start > HIGH):
        raise ValueError("x0 must lie in [-1, 1]^2")
    h = land.spacing
    res = grid_descent.descend(
        land.loss,
        start - LOW,
        lr,
        steps,
        spacing=h,
        noise=noise,
        seed=seed + 1,
        walls="reflect",
    )
    pos = res.folded + LOW
    gx, gy = grid_descent.gradient_field(land.loss, h)
    pre = res.folded[:, :-1]
    grads = np.stack(
        [
            grid_descent.sample_bilinear(gx, pre, h),
            grid_descent.sample_bilinear(gy, pre, h),
        ],
        axis=-1,
    )
    t0 = np.full(pos.shape[0], -1, dtype=np.int64)
    if land.basin is not None:
        cx, cy, w = land.basin
        inside = np.hypot(pos[..., 0] - cx, pos[..., 1] - cy) <= w
        for k in range(pos.shape[0]):
            out = np.flatnonzero(~inside[k])
            last_out = out[-1] if out.size else -1
            if last_out < pos.shape[1] - 1:
                t0[k] = last_out + 1
    return ToyRun(pos, res.losses, grads, t0, float(lr), float(noise))


def segment_msd(
    run: ToyRun, part: str, *, max_lag: int | None = None, min_len: int = 20
) -> tuple[np.ndarray, np.ndarray, int]:
    """Trial-averaged time-averaged MSD before or after entering the wide minimum.

    Each trial contributes its segment ``[0, t0)`` (``part="before"``) or ``[t0, end]``
    (``"after"``); trials that never settle contribute their whole path to ``"before"``
    and nothing to ``"after"``. ``part="all"`` uses whole paths. Lags go up to the
    shortest used segment (or ``max_lag``).

    Parameters
    ----------
    run : ToyRun
        Output of :func:`run_toy`.
    part : {"before", "after", "all"}
        Which segment of each trial.
    max_lag : int, optional
        Largest lag (steps).
    min_len : int
        Segments shorter than this (points) are left out.

    Returns
    -------
    lags : numpy.ndarray of int, shape ``(L,)``
        Lags (steps).
    msd : numpy.ndarray, shape ``(L,)``
        Trial average of :func:`fractal_lib.diffusion.msd.tamsd` (squared units of the
        coordinates); a single NaN when no segment has ``min_len`` points.
    n_used : int
        Segments averaged (0: none, check before fitting).

    Raises
    ------
    ValueError
        An unknown ``part``.
    """
    if part not in ("before", "after", "all"):
        raise ValueError(f"part must be 'before', 'after' or 'all', got {part!r}")
    segs = []
    for k in range(run.positions.shape[0]):
        p, t0 = run.positions[k], int(run.t0[k])
        if part == "all":
            seg = p
        elif part == "before":
            seg = p if t0 < 0 else p[:t0]
        else:
            seg = p[t0:] if t0 >= 0 else p[:0]
        if seg.shape[0] >= min_len:
            segs.append(seg)
    if not segs:
        return np.arange(1, 2), np.full(1, np.nan), 0
    top = min(s.shape[0] for s in segs) - 1
    if max_lag is not None:
        top = min(top, int(max_lag))
    lags = np.arange(1, top + 1)
    msd = np.mean([Dif.tamsd(s, lags=lags)[1] for s in segs], axis=0)
    return lags, msd, len(segs)


def pooled_gradients(run: ToyRun, part: str = "before") -> np.ndarray:
    """Gradient components (x and y pooled) before or after entering the minimum.

    Parameters
    ----------
    run : ToyRun
        Output of :func:`run_toy`.
    part : {"before", "after"}
        Steps before ``t0`` (whole runs for trials that never settle) or from ``t0`` on;
        any other value takes every step.

    Returns
    -------
    numpy.ndarray, shape ``(k,)``
        The components, trial after trial.
    """
    out = []
    for k in range(run.grads.shape[0]):
        t0 = int(run.t0[k])
        g = run.grads[k]
        if part == "before":
            g = g if t0 < 0 else g[:t0]
        elif part == "after":
            g = g[t0:] if t0 >= 0 else g[:0]
        out.append(g.ravel())
    return np.concatenate(out)


def window_msd(run: ToyRun, t_w: int, lags: np.ndarray, window: int) -> np.ndarray:
    """Trial average of the time-averaged MSD in the window ``[t_w, t_w + window)``.

    Parameters
    ----------
    run : ToyRun
        Output of :func:`run_toy`.
    t_w : int
        Start of the window (steps).
    lags : ndarray of int, shape ``(L,)``
        Lags (steps), below ``window``.
    window : int
        Length of the window (steps).

    Returns
    -------
    numpy.ndarray, shape ``(L,)``
        Mean over trials of :func:`fractal_lib.diffusion.msd.tamsd` (squared units of
        the coordinates).
    """
    return np.mean(
        [Dif.tamsd(p, t_w=t_w, window=window, lags=lags)[1] for p in run.positions],
        axis=0,
    )


def nonzero_gradients(run: ToyRun, part: str = "before") -> np.ndarray:
    """:func:`pooled_gradients` with the exact zeros left out.

    Steps on the flat "lakes" of the diamond-square recipe have an exactly zero
    gradient; a point mass at zero is not part of any stable law.

    Parameters
    ----------
    run : ToyRun
        Output of :func:`run_toy`.
    part : {"before", "after"}
        As in :func:`pooled_gradients`; any other value takes every step.

    Returns
    -------
    numpy.ndarray, shape ``(k,)``
        The non-zero components, trial after trial.
    """
    g = pooled_gradients(run, part)
    return g[g != 0]
