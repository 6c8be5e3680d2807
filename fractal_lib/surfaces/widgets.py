"""Interactive explorers of GD on rough surfaces (ipywidgets).

:func:`landscape_explorer` (Ly & Gong 2025): pick the range of the Hölder map
(``H(x, y) = mid + amp sin(2 pi x/n) cos(3 pi y/(2n))`` spanning ``[H_min, H_max]``),
the learning rate and the starting point; the explorer draws the path on the surface,
its TAMSD family over waiting times and the leading Hessian eigenvalue along the path
against ``2/eta``.

:func:`toy_explorer` (the toy model of SGD on a fractal landscape, Chen, Qu & Gong 2022,
Fig. 8): landscape kind, roughness, learning rate and noise; it draws the paths, the MSD
of the first and last windows and the gradient histogram with its stable fit.

In a kernel they redraw on every change; on the static site they switch between frames
precomputed over a grid of one of their parameters (:mod:`fractal_lib.core.explorer`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..core.style import control_factory, explorer_box, log_options
from ..diffusion import levy
from ..diffusion import msd as Dif
from ..diffusion import plotting as PD
from . import fields as S
from . import grid_descent as G
from . import plotting as PM
from . import toy_diffusion as T

#: GD steps of one run of :func:`explore`.
STEPS = 6000
#: TAMSD window (steps) of :func:`explore`.
WINDOW = 2000
#: Waiting times (steps) of the TAMSD family of :func:`explore`.
T_WAITS = np.array([0, 1000, 2000, 3000, 4000])


@lru_cache(maxsize=8)
def _surface(n: int, h_min: float, h_max: float) -> tuple[np.ndarray, np.ndarray]:
    mid, amp = (h_min + h_max) / 2, (h_max - h_min) / 2
    hmap = S.sinusoidal_hurst(n, mean=mid, amplitude=amp)
    z = (
        S.mbm_surface(n, hmap, seed=0, n_levels=12)
        if amp > 0
        else S.fbm_surface(n, mid, seed=0)
    )
    return z, G.leading_eigenvalue_map(z)


def explore(
    hurst_range: tuple[float, float],
    lr: float,
    x0: float,
    y0: float,
    *,
    n: int = 256,
) -> plt.Figure:
    """Trajectory, TAMSD family and ``lambda_1`` along the path for one setting.

    GD runs :data:`STEPS` steps on a multifractional surface (or an fBs when the range
    is one value) whose Hölder map spans ``hurst_range``.

    Parameters
    ----------
    hurst_range : (float, float)
        Smallest and largest Hölder exponent of the map (rounded to 3 decimals).
    lr : float
        Learning rate (> 0).
    x0, y0 : float
        Starting point as fractions of the side (0 to 1).
    n : int
        Grid size (pixels per side).

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: path on the surface, TAMSD family, ``lambda_1`` along the path
        with ``2 / lr``.
    """
    h_min, h_max = (float(v) for v in hurst_range)
    z, lam = _surface(int(n), round(h_min, 3), round(h_max, 3))
    start = np.array([[x0 * (n - 1), y0 * (n - 1)]])
    res = G.descend(z, start, lr, STEPS)
    lam_path = G.sample_bilinear(lam, res.folded[0])
    _, lg, msd = Dif.tamsd_windows(
        res.positions[0], WINDOW, T_WAITS, lags=np.arange(1, 500)
    )
    fig, axes = plt.subplots(1, 3, figsize=(9.0, 3.2), constrained_layout=True)
    PM.plot_trajectory(z, res.folded[0], ax=axes[0])
    lo, hi = float(msd[:, 0].min()) + 1e-12, float(msd[:, 0].max()) + 1e-12
    PM.plot_tamsd_family(
        {"t_w": T_WAITS, "lags": lg, "msd": np.maximum(msd, 1e-12)},
        ax=axes[1],
        guides=((0.6, lo), (1.1, hi)),
    )
    axes[2].semilogy(lam_path, lw=0.6, color="C0", label=r"$\lambda_1$ along the path")
    axes[2].axhline(2 / lr, color="k", lw=1, label=r"$2/\eta$")
    axes[2].set(xlabel="iteration", ylabel=r"$\lambda_1$")
    axes[2].legend(loc="upper right", fontsize="small")
    return fig


def _check_on_grid(
    name: str, value: float, low: float, high: float, step: float
) -> None:
    """Raise unless ``value`` lies on the grid ``low + k step <= high`` of a slider.

    A float slider snaps to its step grid and clips to its ends, so a value off the
    grid would be shown (and, after a move, used) as another number.
    """
    k = (value - low) / step
    if not low <= value <= high or abs(k - round(k)) > 1e-9:
        raise ValueError(
            f"{name} = {value} is not on the slider grid {low} + k {step} <= {high}"
        )


def landscape_explorer(
    n: int = 256,
    *,
    hurst_range: tuple[float, float],
    lr: float,
    frames: Mapping[Any, Any] | None = None,
):
    """A widget: H range, learning rate and start point; redraws :func:`explore`.

    The learning rate is picked on a logarithmic grid (20 points per decade,
    :func:`~fractal_lib.core.style.log_options`) that contains ``lr`` exactly.

    Parameters
    ----------
    n : int
        Grid size (pixels per side).
    hurst_range : (float, float)
        Initial smallest and largest Hölder exponent, multiples of 0.05 in
        ``[0.05, 0.95]`` (the Ly chapter passes the paper's ``H_MEAN -/+ H_AMP``).
    lr : float
        Initial learning rate (> 0; the Ly chapter passes the paper's ``LR_MAIN``).
    frames : mapping, optional
        The static page's grid (see :func:`~fractal_lib.core.style.explorer_box`),
        for example ``{"hurst_range": (...)}``; None shows the initial setting.

    Returns
    -------
    ipywidgets.VBox
        Controls and output.

    Raises
    ------
    ValueError
        ``hurst_range`` off the slider's 0.05 grid, ``lr <= 0``, or on the static
        page an invalid ``frames`` grid.
    """
    import ipywidgets as w

    for h in hurst_range:
        _check_on_grid("hurst_range", h, 0.05, 0.95, 0.05)
    make = control_factory()
    start = dict(value=0.5, min=0.0, max=1.0, step=0.01)
    controls = {
        "hurst_range": make(
            w.FloatRangeSlider,
            "H range",
            value=tuple(hurst_range),
            min=0.05,
            max=0.95,
            step=0.05,
        ),
        "lr": make(
            w.SelectionSlider,
            "η",
            options=log_options(lr, min(1.0, lr), max(1e4, lr)),
            value=lr,
        ),
        "x0": make(w.FloatSlider, "start x / n", **start),
        "y0": make(w.FloatSlider, "start y / n", **start),
    }

    return explorer_box(
        functools.partial(explore, n=n),
        controls,
        split=2,
        frames=frames,
        name="ly-landscape",
    )


# ---------------------------------------------------------------------------- toy model
#: Landscape kinds offered by :func:`explore_toy`.
LANDSCAPES = (
    "diamond-square (authors)",
    "fBm (spectral)",
    "shuffled + smoothed",
    "convex",
)


def _landscape(kind: str, hurst: float, n_levels: int, seed: int) -> T.ToyLandscape:
    if kind == "convex":
        return T.convex_control(n_levels)
    ds = T.douillet_landscape(n_levels, hurst, seed=seed)
    if kind == "shuffled + smoothed":
        return T.shuffled_control(ds, seed=seed)
    base = (
        ds
        if kind.startswith("diamond")
        else T.fbm_landscape(n_levels, min(hurst, 0.99), seed=seed)
    )
    return T.add_wide_minimum(base)


def explore_toy(
    kind: str = LANDSCAPES[0],
    hurst: float = 1.0,
    *,
    lr: float,
    noise: float,
    steps: int,
    n_trials: int,
    n_levels: int = 8,
    seed: int = 0,
) -> plt.Figure:
    """Landscape with paths, trial-averaged MSD and gradient histogram for one setting.

    Parameters
    ----------
    kind : str
        One of :data:`LANDSCAPES`.
    hurst : float
        Roughness: the diamond-square amplitude decay ``2^-hurst`` per level (1 = the
        authors'), or the Hurst exponent of the fBm surface (below 1).
    lr : float
        Learning rate.
    noise : float
        Standard deviation of the Gaussian kick.
    steps : int
        Steps per trial.
    n_trials : int
        Trials.
    n_levels : int
        Grid ``(2^n_levels + 1)^2``.
    seed : int
        Seed of the landscape and of the walkers.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: paths on the landscape, MSD of the first and last windows with
        their exponents, gradient histogram with its stable fit.
    """
    land = _landscape(kind, hurst, n_levels, seed)
    run = T.run_toy(land, lr=lr, noise=noise, steps=steps, n_trials=n_trials, seed=seed)
    fig = plt.figure(figsize=(9.0, 3.2))
    ax_l, ax_m, ax_g = fig.subplots(1, 3)
    PD.plot_toy(land, run, ax=ax_l)
    win = max(steps // 5, 10)
    lags = np.arange(1, win // 2 + 1)  # the toy chapter's fit range: half the window
    curves = []
    for label, t_w in (("first window", 0), ("last window", steps + 1 - win)):
        msd = T.window_msd(run, t_w, lags, win)
        fit = Dif.fit_alpha(lags, msd)
        curves.append((lags, msd, rf"{label}, $\alpha$ = {fit.alpha:.2f}"))
    PD.plot_msd_curves(curves, ax=ax_m, guides=(1.0, 2.0))
    g = T.nonzero_gradients(run, "all")
    fit = levy.fit_sas(g, max_samples=5000) if g.size >= 20 else None
    if fit is not None:
        PD.plot_gradient_hist(g, fit, ax=ax_g)
    return fig


def toy_explorer(
    n_levels: int = 8,
    *,
    lr: float,
    noise: float,
    steps: int,
    n_trials: int,
    frames: Mapping[Any, Any] | None = None,
):
    """A widget for the toy model of Chen, Qu & Gong; redraws :func:`explore_toy`.

    Controls: landscape kind, roughness, learning rate, noise and seed. The learning
    rate and the noise are picked on logarithmic grids (20 points per decade,
    :func:`~fractal_lib.core.style.log_options`) that contain the initial values
    exactly; the Chen chapter passes the authors' script parameters.

    Parameters
    ----------
    n_levels : int
        Grid ``(2^n_levels + 1)^2``.
    lr : float
        Initial learning rate (> 0).
    noise : float
        Initial standard deviation of the Gaussian kick (> 0).
    steps : int
        Steps per trial.
    n_trials : int
        Trials.
    frames : mapping, optional
        The static page's grid (see :func:`~fractal_lib.core.style.explorer_box`),
        for example ``{"hurst": (...)}``; None shows the initial setting.

    Returns
    -------
    ipywidgets.VBox
        Controls and output.

    Raises
    ------
    ValueError
        ``lr <= 0`` or ``noise <= 0`` (from
        :func:`~fractal_lib.core.style.log_options`), or on the static page an
        invalid ``frames`` grid.
    """
    import ipywidgets as w

    make = control_factory()
    controls = {
        "kind": make(
            w.Dropdown, "landscape", options=list(LANDSCAPES), value=LANDSCAPES[0]
        ),
        "hurst": make(
            w.FloatSlider, "roughness H", value=1.0, min=0.2, max=1.2, step=0.05
        ),
        "lr": make(
            w.SelectionSlider,
            "η (lr)",
            options=log_options(lr, min(1e-3, lr), max(0.1, lr)),
            value=lr,
        ),
        "noise": make(
            w.SelectionSlider,
            "noise std",
            options=log_options(noise, min(1e-4, noise), max(0.1, noise)),
            value=noise,
        ),
        "seed": make(w.IntSlider, "seed", value=0, min=0, max=20),
    }
    figure = functools.partial(
        explore_toy, n_levels=n_levels, steps=steps, n_trials=n_trials
    )
    return explorer_box(figure, controls, split=3, frames=frames, name="chen-toy")
