"""Interactive explorers of gradient descent on rough surfaces (ipywidgets; static in the book).

:func:`landscape_explorer` (Ly & Gong 2025): pick the range of the Hölder map
(``H(x, y) = mid + amp sin(2 pi x/n) cos(3 pi y/(2n))`` spanning ``[H_min, H_max]``), the learning
rate and the starting point; the explorer draws the path on the surface, its TAMSD family over
waiting times and the leading Hessian eigenvalue along the path against ``2/eta``.

:func:`toy_explorer` (the toy model of SGD on a fractal landscape, Chen, Qu & Gong 2022, Fig. 8):
landscape kind, roughness, learning rate and noise; it draws the paths, the MSD of the first and
last windows and the gradient histogram with its stable fit.

They need a live kernel; on the static site they show the figure for their initial values.
"""

from __future__ import annotations

import functools
import math
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np

from ..core.style import control_style, explorer_box
from ..diffusion import levy
from ..diffusion import msd as Dif
from ..diffusion import plotting as PD
from . import fields as S
from . import grid_descent as G
from . import plotting as PM
from . import toy_diffusion as T

N_STEPS = 6000
WINDOW = 2000
T_WAITS = np.array([0, 1000, 2000, 3000, 4000])


@lru_cache(maxsize=8)
def _surface(n: int, h_min: float, h_max: float) -> tuple[np.ndarray, np.ndarray]:
    mid, amp = (h_min + h_max) / 2, (h_max - h_min) / 2
    hmap = mid + amp * (S.ly_gong_hurst(n) - 0.5) / 0.2
    z = S.mbm_surface(n, hmap, seed=0, n_levels=12) if amp > 0 else S.fbm_surface(n, mid, seed=0)
    return z, G.leading_eigenvalue_map(z)


def explore(h_range: tuple[float, float], log10_eta: float, x0: float, y0: float, *,
            n: int = 256) -> plt.Figure:
    """Trajectory, TAMSD family and ``lambda_1`` along the path for one setting.

    ``x0, y0`` are fractions of the side (0 to 1); ``log10_eta`` the decimal log of the rate.
    """
    h_min, h_max = (float(v) for v in h_range)
    z, lam = _surface(int(n), round(h_min, 3), round(h_max, 3))
    eta = 10.0**log10_eta
    start = np.array([[x0 * (n - 1), y0 * (n - 1)]])
    res = G.descend(z, start, eta, N_STEPS)
    lam_path = G.sample_bilinear(lam, res.folded[0])
    _, lg, msd = Dif.tamsd_windows(res.positions[0], WINDOW, T_WAITS, lags=np.arange(1, 500))
    fig, axes = plt.subplots(1, 3, figsize=(11.5, 3.6), constrained_layout=True)
    PM.plot_trajectory(z, res.folded[0], ax=axes[0])
    lo, hi = float(msd[:, 0].min()) + 1e-12, float(msd[:, 0].max()) + 1e-12
    PM.plot_tamsd_family({"t_w": T_WAITS, "lags": lg, "msd": np.maximum(msd, 1e-12)}, ax=axes[1],
                         guides=((0.6, lo), (1.1, hi)))
    axes[2].semilogy(lam_path, lw=0.6, color="C0", label=r"$\lambda_1$ along the path")
    axes[2].axhline(2 / eta, color="k", lw=1, label=r"$2/\eta$")
    axes[2].set(xlabel="iteration", ylabel=r"$\lambda_1$")
    axes[2].legend(loc="upper right", fontsize="small")
    return fig


def landscape_explorer(n: int = 256):
    """A widget: H range, learning rate (log10) and start point; redraws :func:`explore`.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w

    style, lay = control_style()
    controls = {
        "h_range": w.FloatRangeSlider(value=(0.3, 0.7), min=0.05, max=0.95, step=0.05, description="H range",
                                      style=style, layout=lay),
        "log10_eta": w.FloatSlider(value=math.log10(300.0), min=0.0, max=4.0, step=0.05,
                                   description="log10 η", style=style, layout=lay),
        "x0": w.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="start x / n", style=style,
                            layout=lay),
        "y0": w.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="start y / n", style=style,
                            layout=lay),
    }

    return explorer_box(functools.partial(explore, n=n), controls, split=2)


# ----------------------------------------------------------------------------- toy model
LANDSCAPES = ("diamond-square (authors)", "fBm (spectral)", "shuffled + smoothed", "convex")


def _landscape(kind: str, hurst: float, n_levels: int, seed: int) -> T.ToyLandscape:
    if kind == "convex":
        return T.convex_control(n_levels)
    ds = T.douillet_landscape(n_levels, hurst, seed=seed)
    if kind == "shuffled + smoothed":
        return T.shuffled_control(ds, seed=seed)
    base = ds if kind.startswith("diamond") else T.fbm_landscape(n_levels, min(hurst, 0.99), seed=seed)
    return T.add_wide_minimum(base)


def explore_toy(kind: str = LANDSCAPES[0], hurst: float = 1.0, lr: float = 0.02, noise: float = 0.01,
                n_steps: int = 1000, n_trials: int = 5, n_levels: int = 8, seed: int = 0) -> plt.Figure:
    """Landscape with paths, trial-averaged MSD and gradient histogram for one setting.

    Parameters
    ----------
    kind : str
        One of :data:`LANDSCAPES`.
    hurst : float
        Roughness: the diamond-square amplitude decay ``2^-hurst`` per level (1 = the authors'),
        or the Hurst exponent of the fBm surface (below 1).
    lr, noise : float
        Learning rate and standard deviation of the Gaussian kick.
    n_steps, n_trials : int
        Steps per trial and trials.
    n_levels : int
        Grid ``(2^n_levels + 1)^2``.
    seed : int
        Seed of the landscape and of the walkers.
    """
    land = _landscape(kind, hurst, n_levels, seed)
    run = T.run_toy(land, lr=lr, noise=noise, n_steps=n_steps, n_trials=n_trials, seed=seed)
    fig = plt.figure(figsize=(10.5, 3.4))
    ax_l, ax_m, ax_g = fig.subplots(1, 3)
    PD.plot_toy(land, run, ax=ax_l)
    win = max(n_steps // 5, 10)
    curves = []
    for label, t_w in (("first window", 0), ("last window", n_steps + 1 - win)):
        lags = np.arange(1, win // 2 + 1)  # the toy chapter's fit range: lags up to half the window
        msd = np.mean([Dif.tamsd(p, t_w=t_w, window=win, lags=lags)[1] for p in run.positions], axis=0)
        fit = Dif.fit_alpha(lags, msd)
        curves.append((lags, msd, rf"{label}, $\alpha$ = {fit.alpha:.2f}"))
    PD.plot_msd_curves(curves, ax=ax_m, guides=(1.0, 2.0))
    g = run.grads.ravel()
    g = g[g != 0]
    fit = levy.fit_sas(g, max_samples=5000) if g.size >= 20 else None
    if fit is not None:
        PD.plot_gradient_hist(g, fit, ax=ax_g)
    return fig


def toy_explorer(n_levels: int = 8):
    """A widget: landscape kind, roughness, learning rate and noise of the toy model; redraws the
    paths, the MSD of the first and last windows and the gradient histogram with its fit.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w

    style, lay = control_style()
    controls = {
        "kind": w.Dropdown(options=list(LANDSCAPES), value=LANDSCAPES[0], description="landscape",
                           style=style, layout=lay),
        "hurst": w.FloatSlider(value=1.0, min=0.2, max=1.2, step=0.05, description="roughness H",
                               style=style, layout=lay),
        "lr": w.FloatLogSlider(value=0.02, base=10, min=-3, max=-1, step=0.05, description="η (lr)",
                               style=style, layout=lay, readout_format=".4f"),
        "noise": w.FloatLogSlider(value=0.01, base=10, min=-4, max=-1, step=0.05,
                                  description="noise std", style=style, layout=lay,
                                  readout_format=".4f"),
        "seed": w.IntSlider(value=0, min=0, max=20, description="seed", style=style, layout=lay),
    }
    return explorer_box(functools.partial(explore_toy, n_levels=n_levels), controls, split=3)
