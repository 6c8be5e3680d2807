"""Interactive explorer of the trainability boundary (ipywidgets).

In a kernel it redraws on every change; on the static site it switches between frames
precomputed over a grid of its parameters (:mod:`fractal_lib.core.explorer`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..core.style import control_factory, explorer_box
from . import landscapes as L
from . import plotting
from . import trainability as T

#: Finest resolution of the explorer: ``2**14`` learning-rate segments.
MAX_LOG2_N = 14
#: Finest resolution of the colour strip (it needs the slower reference kernel).
STRIP_LOG2_N = 12


def criterion_label(criterion: T.Criterion) -> str:
    """The explorer's label of a divergence criterion, e.g. ``"some loss > 1e8"``.

    Parameters
    ----------
    criterion : fractal_lib.boundaries.trainability.Criterion
        The criterion.

    Returns
    -------
    str
        What diverges (the sum of the losses or some loss) and the bound.
    """
    bound = f"{criterion.bound:.0e}".replace("e+0", "e").replace("e+", "e")
    if criterion.kind == "sum":
        text = f"sum of losses ≥ {bound}"
    else:
        text = f"some loss > {bound}"
    return text + (" (NaN bounded)" if criterion.nan == "bounded" else "")


def explore(
    kind: str,
    eps: float,
    lam: float,
    x0: float,
    lr_window: tuple[float, float],
    log2_n: int,
    criterion: T.Criterion,
) -> plt.Figure:
    """Landscape, colour strip and box counting for one setting (the explorer's figure).

    Classification uses the fast kernel where it applies (no cache); the strip's
    intensities need the reference kernel and use at most ``2**12`` segments of the same
    grid.

    Parameters
    ----------
    kind : {"quadratic", "additive", "multiplicative"}
        The landscape family.
    eps, lam : float
        Amplitude and wavelength (ignored for the quadratic).
    x0 : float
        Starting point.
    lr_window : (float, float)
        Learning-rate interval ``(lr_min, lr_max)``.
    log2_n : int
        ``2**log2_n`` segments (at most ``2**14``).
    criterion : fractal_lib.boundaries.trainability.Criterion
        When a run counts as divergent.

    Returns
    -------
    matplotlib.figure.Figure
        Landscape, ``|B_N|`` against ``N`` with the fitted box dimension, colour strip.
    """
    ls = L.quadratic() if kind == "quadratic" else L.landscape(kind, eps=eps, lam=lam)
    lo, hi = lr_window
    hi = max(hi, lo + 1e-6)
    log2_n = int(min(log2_n, MAX_LOG2_N))
    crit = criterion
    grid = T.LRGrid(lo, hi, log2_n)
    out = T.classify(ls, grid.values(), x0=x0, criterion=crit)
    counts = T.boundary_counts(out.diverged)
    fit = T.box_dimension(counts)
    sgrid = grid.level(min(log2_n, STRIP_LOG2_N))
    strip = T.classify(ls, sgrid.values(), x0=x0, criterion=crit, intensity=True)
    fig = plt.figure(figsize=(9.0, 4.2))
    top, bottom = fig.subfigures(2, 1, height_ratios=[3, 1])
    ax_l, ax_c = top.subplots(1, 2)
    span = max(1.2, 1.2 * abs(x0))
    plotting.plot_landscape(ls, x=np.linspace(-span, span, 4001), ax=ax_l)
    ax_l.axvline(x0, color="k", lw=0.8, ls=":")
    plotting.plot_box_counts(
        counts,
        fit,
        ax=ax_c,
        label=f"{int(np.count_nonzero(out.diverged))} of {grid.n_points} diverge",
    )
    plotting.plot_strip(
        sgrid.values(), strip.diverged, strip.intensity, ax=bottom.subplots()
    )
    bottom.axes[0].set_xlabel(r"learning rate $s$")
    return fig


def trainability_explorer(
    log2_n: int = 12,
    *,
    eps: float,
    lam: float,
    x0: float,
    lr_window: tuple[float, float],
    criteria: Sequence[T.Criterion],
    kind: str = "multiplicative",
    frames: Mapping[Any, Any] | None = None,
):
    """The explorer widget of the trainability boundary.

    Pick the landscape (quadratic / additive / multiplicative), eps, lam, x0, the
    learning-rate window, the resolution (``2**log2_n`` segments, at most ``2**14``) and
    the divergence criterion; it redraws the landscape, the colour strip and ``|B_N|``
    against ``N`` with the fitted box dimension. The initial values are the caller's
    (the chapter passes its paper module's); each slider's range is widened to contain
    its initial value.

    Parameters
    ----------
    log2_n : int
        Initial resolution (clipped to ``2**14`` segments).
    eps, lam : float
        Initial amplitude and wavelength.
    x0 : float
        Initial starting point.
    lr_window : (float, float)
        Initial learning-rate interval ``(lr_min, lr_max)``.
    criteria : sequence of fractal_lib.boundaries.trainability.Criterion
        The divergence criteria to choose from (at least one), labelled by
        :func:`criterion_label`; the first is the initial one.
    kind : {"multiplicative", "additive", "quadratic"}
        Initial landscape family.
    frames : mapping, optional
        The static page's grid (see :func:`~fractal_lib.core.style.explorer_box`),
        for example ``{"eps": (...)}``; None shows the initial setting.

    Returns
    -------
    ipywidgets.VBox
        Controls and the figure of :func:`explore`.
    """
    import ipywidgets as w

    make = control_factory()
    lo, hi = (float(v) for v in lr_window)
    controls = {
        "kind": make(
            w.Dropdown,
            "landscape",
            options=["multiplicative", "additive", "quadratic"],
            value=kind,
        ),
        **{
            name: make(
                w.FloatSlider,
                label,
                value=value,
                min=min(low, value),
                max=max(high, value),
                step=step,
                readout_format=fmt,
            )
            for name, label, value, low, high, step, fmt in (
                ("eps", "ε (amplitude)", eps, 0.0, 0.5, 0.005, ".3f"),
                ("lam", "λ (wavelength)", lam, 0.02, 1.0, 0.01, ".2f"),
                ("x0", "x0 (start)", x0, -5.0, 5.0, 0.05, ".2f"),
            )
        },
        "lr_window": make(
            w.FloatRangeSlider,
            "learning rates",
            value=(lo, hi),
            min=min(0.0, lo),
            max=max(2.0, hi),
            step=0.001,
            readout_format=".3f",
        ),
        "log2_n": make(
            w.IntSlider, "log2 N", value=min(log2_n, MAX_LOG2_N), min=6, max=MAX_LOG2_N
        ),
        "criterion": make(
            w.Dropdown,
            "divergence",
            options=[(criterion_label(c), c) for c in criteria],
        ),
    }

    return explorer_box(explore, controls, frames=frames, name="liu-trainability")
