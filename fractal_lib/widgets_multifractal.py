"""Interactive explorer of GD on a multifractional landscape (ipywidgets; static in the book).

Pick the range of the Hölder map (``H(x, y) = mid + amp sin(2 pi x/n) cos(3 pi y/(2n))`` spanning
``[H_min, H_max]``), the learning rate and the starting point; the explorer draws the path on
the surface, its TAMSD family over waiting times and the leading Hessian eigenvalue along the
path against ``2/eta``.
"""

from __future__ import annotations

import functools
import math
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np

from . import diffusion as Dif
from . import grid_descent as G
from . import plotting_multifractal as PM
from . import surfaces as S
from .widgets import control_style, explorer_box

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
