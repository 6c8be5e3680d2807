"""Interactive explorer of the toy model of SGD on a fractal landscape (Chen, Qu & Gong 2022, Fig. 8).

It needs a live kernel; on the static site it shows the figure for its initial values.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from . import diffusion as D
from . import levy
from . import plotting_diffusion as PD
from . import toy_diffusion as T
from .widgets import control_style, explorer_box

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
        msd = np.mean([D.tamsd(p, t_w=t_w, window=win, lags=lags)[1] for p in run.positions], axis=0)
        fit = D.fit_alpha(lags, msd)
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
