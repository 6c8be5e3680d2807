"""Interactive explorer of the network-trainability plane (ipywidgets). It needs a live kernel;
on the static site it shows the figure for its initial values."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..core.style import control_style, explorer_box
from . import network_trainability as NT
from . import plotting_networks as PN

MAX_LOG2_RES = 6


def explore(activation: str, plane: str, x_range: tuple[float, float],
            y_range: tuple[float, float], log2_res: int, steps: int, edges: bool = False,
            seed: int = 0) -> plt.Figure:
    """Render the window ``x_range x y_range`` at ``2**log2_res + 1`` points per side (at most
    ``2**6 + 1``) and draw it, with the box dimension of its boundary in the legend.

    Results go through the on-disk cache, so revisiting a window is instant.
    """
    log2_res = int(min(log2_res, MAX_LOG2_RES))
    (x0, x1), (y0, y1) = x_range, y_range
    if x1 <= x0:
        x1 = x0 + 1e-9
    if y1 <= y0:
        y1 = y0 + 1e-9
    prob = NT.NetworkProblem(activation, seed=seed)  # type: ignore[arg-type]
    win = NT.Window.from_bounds(x0, x1, y0, y1)
    img = NT.render(prob, win, log2_res=log2_res, steps=steps, plane=plane,  # type: ignore[arg-type]
                    progress=False)
    fit = img.dimension(sizes=[1, 2, 4]) if log2_res >= 5 else None
    fig, ax = plt.subplots(figsize=(5.0, 4.2))
    PN.plot_image(img, ax=ax, edges=edges)
    text = f"{img.converged_fraction:.0%} converge"
    if fit is not None:
        text += f", D ≈ {fit.alpha:.2f}"
    ax.text(0.02, 0.02, text, transform=ax.transAxes, fontsize=8,
            bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1.5})
    return fig


def network_explorer(log2_res: int = 5, steps: int = 100):
    """A widget: pick the activation, the plane, the window (two range sliders, in log10
    learning rate or weight offset), the resolution and the number of steps; the plane is
    re-rendered at low resolution on every change.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w

    style, lay = control_style(120, 380)
    controls = {
        "activation": w.Dropdown(options=["tanh", "relu", "identity"], value="tanh",
                                 description="activation", style=style, layout=lay),
        "plane": w.Dropdown(options=list(NT.PLANES), value="lr_vs_lr", description="plane",
                            style=style, layout=lay),
        "x_range": w.FloatRangeSlider(value=(-3.0, 6.0), min=-3.0, max=6.0, step=0.01,
                                      description="x window", style=style, layout=lay,
                                      readout_format=".2f"),
        "y_range": w.FloatRangeSlider(value=(-3.0, 6.0), min=-3.0, max=6.0, step=0.01,
                                      description="y window", style=style, layout=lay,
                                      readout_format=".2f"),
        "log2_res": w.IntSlider(value=min(log2_res, MAX_LOG2_RES), min=3, max=MAX_LOG2_RES,
                                description="log2 resolution", style=style, layout=lay),
        "steps": w.IntSlider(value=steps, min=20, max=500, step=20, description="GD steps",
                             style=style, layout=lay),
        "edges": w.Checkbox(value=False, description="show boundary pixels", style=style,
                            layout=lay),
    }

    return explorer_box(explore, controls, split=4)
