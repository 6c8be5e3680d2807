"""The book's house style: the matplotlib style sheet, the shared figure helpers and the layout of
the interactive explorers. Every plotting module of the library draws with these; call
:func:`use_style` once per chapter."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["STYLE", "PAPER_COLOR", "use_style", "fig_ax", "paper_handle", "control_style", "explorer_box"]

STYLE = Path(__file__).with_name("fractal.mplstyle")
PAPER_COLOR = "0.35"


def use_style() -> None:
    """Apply the book's matplotlib style (``fractal_lib/core/fractal.mplstyle``)."""
    plt.style.use(STYLE)


def fig_ax(ax: Axes | None, **subplots: Any) -> tuple[Figure, Axes]:
    """The figure of ``ax``, or a new figure and axes (``plt.subplots(**subplots)``) if None.

    Every plotting function of the library starts with it, so each accepts ``ax=`` and returns
    its figure.
    """
    if ax is None:
        fig, ax = plt.subplots(**subplots)
        return fig, ax
    return ax.figure, ax


def paper_handle(text: str) -> Line2D:
    """A legend handle in the book's "paper value" style (dashed, :data:`PAPER_COLOR`)."""
    return Line2D([], [], color=PAPER_COLOR, ls="--", lw=1.2, label=text)


def control_style(label_width: int = 110, width: int = 340) -> tuple[dict[str, str], Any]:
    """``(style, layout)`` shared by the explorers' controls (label width and control width, px)."""
    import ipywidgets as w

    return {"description_width": f"{label_width}px"}, w.Layout(width=f"{width}px")


def explorer_box(figure: Callable[..., plt.Figure], controls: dict[str, Any], *,
                 split: int | None = None) -> Any:
    """Lay out an explorer: the controls in two columns above the figure they drive.

    Parameters
    ----------
    figure : callable
        ``figure(**values)`` returns a matplotlib figure for the controls' current values (keyed
        like ``controls``); it is redrawn on every change and closed after display.
    controls : dict
        Name to ipywidgets control.
    split : int, optional
        Number of controls in the left column (default: half, rounded up).

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w
    from IPython.display import display

    def draw(**kw: object) -> None:
        fig = figure(**kw)
        display(fig)
        plt.close(fig)

    out = w.interactive_output(draw, controls)
    names = list(controls)
    half = math.ceil(len(names) / 2) if split is None else split
    left = w.VBox([controls[n] for n in names[:half]])
    right = w.VBox([controls[n] for n in names[half:]])
    return w.VBox([w.HBox([left, right]), out])
