"""Interactive explorer of dynamical loss functions (ipywidgets).

In a kernel it retrains on every change; on the static site it switches between frames
precomputed over a grid of its parameters (:mod:`fractal_lib.core.explorer`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import matplotlib.pyplot as plt

from ..core.explorer import grid_values
from ..core.style import control_factory, explorer_box, log_options
from . import batched_mlp as B
from . import losses as DL
from . import plotting as PD
from .spirals import Spiral

#: Most GD steps the explorer trains for.
MAX_STEPS = 20000


def explore(
    width: int,
    lr: float,
    A: float,
    T: int,
    loss: str,
    steps: int,
    *,
    data: tuple[Spiral, Spiral],
    schedule: Callable[..., DL.Schedule],
    lanczos_iter: int,
    reading: str = "normalized",
    seed: int = 0,
) -> plt.Figure:
    """Train one network on the chapter's spirals and draw what the explorer shows.

    The figure is :func:`~fractal_lib.dynamical.plotting.plot_explorer`: Gamma, loss,
    accuracy and lambda_max. ``ce``/``mse`` ignore ``A`` and ``T``. The chapter passes
    its paper module's ``data``, ``schedule`` and ``lanczos_iter``
    (:mod:`fractal_lib.papers.lavin2024`).

    Parameters
    ----------
    width : int
        Hidden width.
    lr : float
        Learning rate (> 0).
    A : float
        Amplitude of the class weights (>= 1).
    T : int
        Period of the class weights in steps.
    loss : str
        A loss of :data:`fractal_lib.dynamical.losses.LOSSES`.
    steps : int
        GD steps, clipped to ``[10, MAX_STEPS]``.
    data : (Spiral, Spiral)
        Training and validation spirals.
    schedule : callable
        ``schedule(A, T, reading=...)`` returns the
        :class:`~fractal_lib.dynamical.losses.Schedule`.
    lanczos_iter : int
        Lanczos iterations of each lambda_max.
    reading : {"normalized", "literal"}
        Reading of ``A`` (:mod:`fractal_lib.dynamical.losses`).
    seed : int
        Initialisation seed.

    Returns
    -------
    Figure
        Four panels: Gamma, loss, accuracy and lambda_max against the step.
    """
    steps = int(min(max(int(steps), 10), MAX_STEPS))
    tr, va = data
    sched = schedule(A, T, reading=reading) if loss in DL.DYNAMICAL else DL.STATIC
    res = B.train(
        int(width),
        int(seed),
        tr.x,
        tr.y,
        loss=loss,
        schedule=sched,
        lr=float(lr),
        steps=steps,
        x_val=va.x,
        y_val=va.y,
        val_every=max(steps // 20, 1),
        hessian_every=max(steps // 40, 1),
        lanczos_iter=lanczos_iter,
        progress=False,
    )
    return PD.plot_explorer(res, sched, float(lr))


def dynamical_loss_explorer(
    steps: int = 2000,
    *,
    data: tuple[Spiral, Spiral],
    schedule: Callable[..., DL.Schedule],
    lanczos_iter: int,
    A: float,
    lr: float,
    width: int,
    T: int | None = None,
    loss: str = "dce",
    reading: str = "normalized",
    frames: Mapping[Any, Any] | None = None,
):
    """A widget that retrains one network and redraws :func:`explore` on every change.

    Controls: width, learning rate, amplitude A, period T, loss type, the reading of A
    and the number of steps; each change retrains one network (float64, full batch) and
    redraws Gamma_i(t), the loss, the training and validation accuracy and lambda_max
    with ``2/lr``. It needs a live kernel. The learning rate and ``A`` are picked on
    logarithmic grids (20 points per decade,
    :func:`~fractal_lib.core.style.log_options`) that contain the initial values
    exactly, so the slider shows the value it starts at.

    Parameters
    ----------
    steps : int
        Initial number of steps.
    data : (Spiral, Spiral)
        Training and validation spirals.
    schedule : callable
        ``schedule(A, T, reading=...)`` returns the class-weight schedule.
    lanczos_iter : int
        Lanczos iterations of each lambda_max.
    A : float
        Initial amplitude of the class weights (>= 1).
    lr : float
        Initial learning rate (> 0).
    width : int
        Initial hidden width (>= 2).
    T : int, optional
        Initial period of the class weights in steps (default: ``min(500, steps)``,
        a few periods within the explorer's short runs).
    loss : str
        Initial loss, a key of :data:`fractal_lib.dynamical.losses.LOSSES`.
    reading : {"normalized", "literal"}
        Initial reading of ``A``.
    frames : mapping, optional
        The static page's grid (see :func:`~fractal_lib.core.style.explorer_box`),
        for example ``{"A": (...)}``; the slider of ``A`` offers
        its values exactly. None shows the initial setting.

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure.

    Raises
    ------
    ValueError
        ``A < 1`` or ``lr <= 0`` (from :func:`~fractal_lib.core.style.log_options`),
        or, on the static page, an invalid ``frames`` grid.
    """
    import ipywidgets as w

    make = control_factory(90, 320)
    period = min(500, steps) if T is None else T
    controls = {
        "width": make(w.IntSlider, "width", value=width, min=2, max=max(400, width)),
        "lr": make(
            w.SelectionSlider,
            "η",
            options=log_options(lr, min(0.01, lr), max(10**0.5, lr)),
            value=lr,
        ),
        "A": make(
            w.SelectionSlider,
            "A",
            options=log_options(A, 1.0, max(1000.0, A), extra=grid_values(frames, "A")),
            value=A,
        ),
        "T": make(w.IntSlider, "T", value=period, min=10, max=MAX_STEPS // 2, step=10),
        "loss": make(w.Dropdown, "loss", options=list(DL.LOSSES), value=loss),
        "reading": make(
            w.Dropdown, "reading of A", options=list(DL.READINGS), value=reading
        ),
        "steps": make(
            w.IntSlider, "steps", value=steps, min=100, max=MAX_STEPS, step=100
        ),
    }

    figure = functools.partial(
        explore, data=data, schedule=schedule, lanczos_iter=lanczos_iter
    )
    return explorer_box(figure, controls, frames=frames, name="lavin-dynamical")
