"""Interactive explorer of the network-trainability plane (ipywidgets).

In a kernel it re-renders on every change; on the static site it switches between frames
precomputed over a grid of its parameters, for example the windows of a zoom sequence
(:func:`zoom_frames`, :mod:`fractal_lib.core.explorer`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt

from ..core.style import control_factory, explorer_box
from . import network_trainability as NT
from . import plotting_networks as PN
from .plotting import inset_text

#: Finest resolution level of the explorer: ``2**6 + 1`` networks per side.
MAX_LOG2_RES = 6


def explore(
    activation: str,
    plane: str,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    log2_res: int,
    steps: int,
    edges: bool = False,
    seed: int = 0,
    *,
    width: int,
    network: str | None = None,
    networks: Mapping[str, Mapping[str, Any]] | None = None,
) -> plt.Figure:
    """Render the window ``x_range x y_range`` and draw it (the explorer's figure).

    The window gets ``2**log2_res + 1`` points per side (at most ``2**6 + 1``); the box
    dimension of its boundary goes in the legend.

    Results go through the on-disk cache, so revisiting a window is instant.

    Parameters
    ----------
    activation : {"tanh", "relu", "identity"}
        Network nonlinearity.
    plane : {"lr_vs_lr", "offset_vs_lr"}
        The hyperparameter plane.
    x_range, y_range : (float, float)
        The window, in plane units.
    log2_res : int
        Resolution level (at most 6).
    steps : int
        GD steps per network.
    edges : bool
        Overlay the boundary pixels.
    seed : int
        Seed of the data and the initial weights.
    width : int
        Hidden width of the networks.
    network : str, optional
        A key of ``networks``: its keyword arguments of
        :class:`~fractal_lib.boundaries.network_trainability.NetworkProblem` replace
        ``activation`` (for example a configuration with one data point or minibatches).
    networks : mapping of str to mapping, optional
        Named keyword arguments of
        :class:`~fractal_lib.boundaries.network_trainability.NetworkProblem` (without
        ``width``).

    Returns
    -------
    matplotlib.figure.Figure
        The coloured convergence measure.

    Raises
    ------
    ValueError
        ``network`` given but not a key of ``networks``.
    """
    log2_res = int(min(log2_res, MAX_LOG2_RES))
    (x0, x1), (y0, y1) = x_range, y_range
    if x1 <= x0:
        x1 = x0 + 1e-9
    if y1 <= y0:
        y1 = y0 + 1e-9
    if network is not None:
        if not networks or network not in networks:
            raise ValueError(f"network must be a key of networks, got {network!r}")
        kwargs = {"seed": seed, **networks[network]}
    else:
        kwargs = {"activation": activation, "seed": seed}
    prob = NT.NetworkProblem(width=width, **kwargs)
    win = NT.Window.from_bounds(x0, x1, y0, y1)
    img = NT.render(
        prob,
        win,
        log2_res=log2_res,
        steps=steps,
        plane=plane,  # type: ignore[arg-type]
        progress=False,
    )
    fit = img.dimension(sizes=[1, 2, 4]) if log2_res >= 5 else None
    fig, ax = plt.subplots(figsize=(5.0, 4.2))
    PN.plot_image(img, ax=ax, edges=edges)
    text = f"{img.converged_fraction:.0%} converge"
    if fit is not None:
        text += f", D ≈ {fit.alpha:.2f}"
    inset_text(ax, (0.02, 0.02), text, fontsize=9, alpha=0.85)
    return fig


def network_explorer(
    log2_res: int = 5,
    steps: int = 100,
    *,
    window: NT.Window,
    width: int,
    networks: Mapping[str, Mapping[str, Any]] | None = None,
    frames: Mapping[Any, Any] | None = None,
):
    """The explorer widget of the network-trainability plane.

    Pick the activation, the plane, the window (two range sliders, in log10 learning
    rate or weight offset), the resolution and the number of steps; the plane is
    re-rendered at low resolution on every change.

    Parameters
    ----------
    log2_res : int
        Initial resolution level (clipped to 6).
    steps : int
        Initial number of GD steps.
    window : fractal_lib.boundaries.network_trainability.Window
        Initial window; its bounds are also the ends of the two range sliders (the
        chapter passes its paper module's starting window).
    width : int
        Hidden width of the networks (the chapter passes its paper module's width).
    networks : mapping of str to mapping, optional
        Named networks (keyword arguments of
        :class:`~fractal_lib.boundaries.network_trainability.NetworkProblem` without
        ``width``; the chapter passes its six configurations): a "network" menu
        replaces the activation menu.
    frames : mapping, optional
        The static page's grid (see :func:`~fractal_lib.core.style.explorer_box`),
        for example ``{"steps": (50, 100, 200)}``; the chapter passes the windows of
        its zoom sequence (:func:`zoom_frames`). None shows the initial setting.

    Returns
    -------
    ipywidgets.VBox
        Controls and the figure of :func:`explore`.
    """
    import ipywidgets as w

    make = control_factory(120, 380)
    x0, x1, y0, y1 = window.bounds
    ranges = {
        f"{axis}_range": make(
            w.FloatRangeSlider,
            f"{axis} window",
            value=(lo, hi),
            min=lo,
            max=hi,
            step=0.01,
            readout_format=".2f",
        )
        for axis, lo, hi in (("x", x0, x1), ("y", y0, y1))
    }
    if networks:
        names = list(networks)
        menu = {"network": make(w.Dropdown, "network", options=names, value=names[0])}
    else:
        menu = {
            "activation": make(
                w.Dropdown,
                "activation",
                options=["tanh", "relu", "identity"],
                value="tanh",
            )
        }
    controls = {
        **menu,
        "plane": make(w.Dropdown, "plane", options=list(NT.PLANES), value="lr_vs_lr"),
        **ranges,
        "log2_res": make(
            w.IntSlider,
            "log2 resolution",
            value=min(log2_res, MAX_LOG2_RES),
            min=3,
            max=MAX_LOG2_RES,
        ),
        "steps": make(w.IntSlider, "GD steps", value=steps, min=20, max=500, step=20),
        "edges": make(w.Checkbox, "show boundary pixels", value=False),
    }

    fixed: dict[str, Any] = {"width": width, "networks": networks}
    if networks:
        fixed["activation"] = "tanh"  # unused: the network sets it
    return explorer_box(
        functools.partial(explore, **fixed),
        controls,
        split=4,
        frames=frames,
        name="sohl-dickstein-plane",
    )


def zoom_frames(images: Sequence[NT.NetImage], most: int = 9) -> dict[Any, Any]:
    """A static grid over the windows of a zoom sequence, labelled by magnification.

    Parameters
    ----------
    images : sequence of NetImage
        A zoom sequence, first window first
        (:func:`~fractal_lib.boundaries.network_trainability.zoom_sequence`); its
        windows must lie inside the explorer's.
    most : int
        Most windows to keep (>= 2): the first, the last and evenly spaced ones between.

    Returns
    -------
    dict
        ``{("x_range", "y_range"): {"×1": ((x0, x1), (y0, y1)), ...}}``, the ``frames``
        of :func:`network_explorer`.

    Raises
    ------
    ValueError
        No images, or ``most < 2``.
    """
    if not images:
        raise ValueError("images: need at least one window")
    if most < 2:
        raise ValueError(f"most must be >= 2, got {most}")
    n = len(images)
    keep = (
        sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})
        if n > most
        else range(n)
    )
    grid = {}
    for i in keep:
        x0, x1, y0, y1 = images[i].window.bounds
        grid[f"×{images[i].window.magnification:g}"] = ((x0, x1), (y0, y1))
    return {("x_range", "y_range"): grid}
