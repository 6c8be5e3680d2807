"""The book's house style: style sheet, shared figure helpers, layout of the explorers.

Every plotting module of the library draws with these; call :func:`use_style` once per
chapter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = [
    "STYLE",
    "PAPER_COLOR",
    "use_style",
    "fig_ax",
    "paper_handle",
    "control_style",
    "control_factory",
    "log_options",
    "explorer_box",
]

#: The book's matplotlib style sheet.
STYLE = Path(__file__).with_name("fractal.mplstyle")
#: Colour of the paper's values in figures (a matplotlib grey level).
PAPER_COLOR = "0.35"


def use_style() -> None:
    """Apply the book's matplotlib style (``fractal_lib/core/fractal.mplstyle``)."""
    plt.style.use(STYLE)


def fig_ax(ax: Axes | None, **subplots: Any) -> tuple[Figure, Axes]:
    """The figure of ``ax``, or a new figure and axes if ``ax`` is None.

    Every plotting function of the library starts with it, so each accepts ``ax=`` and
    returns its figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Axes to draw on, or None for a new figure.
    **subplots
        Keyword arguments of ``plt.subplots`` (``figsize``, ...) for a new figure;
        ignored when ``ax`` is given.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the axes.
    ax : matplotlib.axes.Axes
        The given or the new axes.
    """
    if ax is None:
        fig, ax = plt.subplots(**subplots)
        return fig, ax
    return ax.figure, ax


def paper_handle(text: str) -> Line2D:
    """A legend handle in the book's "paper value" style (dashed, :data:`PAPER_COLOR`).

    Parameters
    ----------
    text : str
        The legend label.

    Returns
    -------
    matplotlib.lines.Line2D
        An empty dashed line carrying the label.
    """
    return Line2D([], [], color=PAPER_COLOR, ls="--", lw=1.2, label=text)


def control_style(
    label_width: int = 110, width: int = 340
) -> tuple[dict[str, str], Any]:
    """The style and layout shared by the explorers' controls.

    Parameters
    ----------
    label_width : int
        Width of the controls' labels, in pixels.
    width : int
        Width of each control, label included, in pixels.

    Returns
    -------
    style : dict
        ``{"description_width": ...}``, the ``style=`` of an ipywidgets control.
    layout : ipywidgets.Layout
        Its ``layout=``.
    """
    import ipywidgets as w

    return {"description_width": f"{label_width}px"}, w.Layout(width=f"{width}px")


def control_factory(label_width: int = 110, width: int = 340) -> Callable[..., Any]:
    """A builder of explorer controls in the style of :func:`control_style`.

    Parameters
    ----------
    label_width, width : int
        Widths of the labels and of the controls, in pixels (see
        :func:`control_style`).

    Returns
    -------
    callable
        ``make(cls, description, **kw)`` returns the ipywidgets control
        ``cls(description=description, style=..., layout=..., **kw)``; all controls it
        makes share one style and one layout.
    """
    style, layout = control_style(label_width, width)

    def make(cls: Callable[..., Any], description: str, **kw: Any) -> Any:
        return cls(description=description, style=style, layout=layout, **kw)

    return make


def log_options(
    value: float, low: float, high: float, per_decade: int = 20
) -> list[tuple[str, float]]:
    """Options of a logarithmic selection slider that contain ``value`` exactly.

    A log slider with a fixed step snaps to its grid, so a default off the grid is
    shown (and, after a move, used) as its neighbour: with step 0.05 in log10,
    ``A = 70`` reads 70.8. These options are the grid ``low * 10**(k / per_decade)`` up
    to ``high``, each rounded to three significant digits, plus ``value`` itself.

    Parameters
    ----------
    value : float
        The value the slider starts at, in ``[low, high]``.
    low, high : float
        Ends of the grid (``0 < low < high``).
    per_decade : int
        Grid points per decade (>= 1).

    Returns
    -------
    list of (str, float)
        ``(label, value)`` pairs in increasing order, the ``options=`` of an
        ``ipywidgets.SelectionSlider``; ``value`` is one of them, with its exact float.

    Raises
    ------
    ValueError
        ``low``, ``high`` or ``per_decade`` out of range, or ``value`` outside
        ``[low, high]``.
    """
    if not (0 < low < high) or per_decade < 1:
        raise ValueError(
            f"need 0 < low < high and per_decade >= 1, got {low}, {high}, {per_decade}"
        )
    if not low <= value <= high:
        raise ValueError(f"value {value} outside [{low}, {high}]")
    n = math.floor(per_decade * math.log10(high / low) + 1e-9)
    grid = {float(f"{low * 10 ** (k / per_decade):.3g}") for k in range(n + 1)}
    values = sorted((grid - {float(f"{value:.3g}")}) | {float(value)})
    return [(f"{v:g}", v) for v in values]


def explorer_box(
    figure: Callable[..., plt.Figure],
    controls: dict[str, Any],
    *,
    split: int | None = None,
) -> Any:
    """Lay out an explorer: the controls in two columns above the figure they drive.

    Parameters
    ----------
    figure : callable
        ``figure(**values)`` returns a matplotlib figure for the controls' current
        values (keyed like ``controls``); it is redrawn on every change and closed after
        display.
    controls : dict
        Name to ipywidgets control.
    split : int, optional
        Number of controls in the left column (default: half, rounded up).

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure's output area.
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
