"""Interactive explorer of dynamical loss functions (ipywidgets). It needs a live kernel; on the
static site it shows the figure for its initial values."""

from __future__ import annotations

import functools
from collections.abc import Callable

import matplotlib.pyplot as plt

from ..core.style import control_style, explorer_box
from . import batched_mlp as B
from . import losses as DL
from . import plotting as PD
from .spirals import Spiral

MAX_STEPS = 20000


def explore(width: int, eta: float, A: float, T: int, loss: str, steps: int, *,
            data: tuple[Spiral, Spiral], schedule: Callable[..., DL.Schedule], lanczos_iter: int,
            reading: str = "normalized", seed: int = 0) -> plt.Figure:
    """Train one network on the chapter's spirals and draw Gamma, loss, accuracy and
    lambda_max (what the explorer shows). ``ce``/``mse`` ignore ``A`` and ``T``.

    ``data`` is the (training, validation) pair of spirals, ``schedule(A, T, reading=...)`` builds
    the class-weight schedule and ``lanczos_iter`` is the number of Lanczos iterations of each
    lambda_max; the chapter passes its paper module's (:mod:`fractal_lib.papers.lavin2024`).
    """
    steps = int(min(max(int(steps), 10), MAX_STEPS))
    tr, va = data
    sched = schedule(A, T, reading=reading) if loss in DL.DYNAMICAL else DL.STATIC
    res = B.train(int(width), int(seed), tr.x, tr.y, loss=loss, schedule=sched, eta=float(eta), steps=steps,
                  x_val=va.x, y_val=va.y, val_every=max(steps // 20, 1), hessian_every=max(steps // 40, 1),
                  lanczos_iter=lanczos_iter, progress=False)
    return PD.plot_explorer(res, sched, float(eta))


def dynamical_loss_explorer(steps: int = 2000, *, data: tuple[Spiral, Spiral],
                            schedule: Callable[..., DL.Schedule], lanczos_iter: int):
    """A widget: width, learning rate, amplitude A, period T, loss type (and the reading of A);
    it retrains one network (float64, full batch) and redraws Gamma_i(t), the loss, the training
    and validation accuracy and lambda_max with 2/eta. ``data``, ``schedule`` and
    ``lanczos_iter`` as in :func:`explore`.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w

    style, lay = control_style(90, 320)
    controls = {
        "width": w.IntSlider(value=100, min=2, max=400, description="width", style=style, layout=lay),
        "eta": w.FloatLogSlider(value=1.0, base=10, min=-2, max=0.5, step=0.05, description="η",
                                style=style, layout=lay),
        "A": w.FloatLogSlider(value=70.0, base=10, min=0, max=3, step=0.05, description="A",
                              style=style, layout=lay),
        "T": w.IntSlider(value=min(500, steps), min=10, max=MAX_STEPS // 2, step=10, description="T",
                         style=style, layout=lay),
        "loss": w.Dropdown(options=list(DL.LOSSES), value="dce", description="loss", style=style, layout=lay),
        "reading": w.Dropdown(options=list(DL.READINGS), value="normalized", description="reading of A",
                              style=style, layout=lay),
        "steps": w.IntSlider(value=steps, min=100, max=MAX_STEPS, step=100, description="steps",
                             style=style, layout=lay),
    }

    figure = functools.partial(explore, data=data, schedule=schedule, lanczos_iter=lanczos_iter)
    return explorer_box(figure, controls)
