"""The book's house style: style sheet, shared figure helpers, layout of the explorers.

Every plotting module of the library draws with these; call :func:`use_style` once per
chapter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "STYLE",
    "PAPER_COLOR",
    "use_style",
    "fig_ax",
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
    value: float,
    low: float,
    high: float,
    per_decade: int = 20,
    *,
    extra: Sequence[float] = (),
) -> list[tuple[str, float]]:
    """Options of a logarithmic selection slider that contain ``value`` exactly.

    A log slider with a fixed step snaps to its grid, so a default off the grid is
    shown (and, after a move, used) as its neighbour: with step 0.05 in log10,
    ``A = 70`` reads 70.8. These options are the grid ``low * 10**(k / per_decade)`` up
    to ``high``, each rounded to three significant digits, plus ``value`` and
    ``extra`` themselves; a grid point less than half a step from one of those exact
    values is left out, so one step from ``A = 70`` is 63.1 or 79.4, not 70.8.

    Parameters
    ----------
    value : float
        The value the slider starts at, in ``[low, high]``.
    low, high : float
        Ends of the grid (``0 < low < high``).
    per_decade : int
        Grid points per decade (>= 1).
    extra : sequence of float
        Further values the slider must offer exactly (for example the settings a
        static explorer precomputes), each in ``[low, high]``.

    Returns
    -------
    list of (str, float)
        ``(label, value)`` pairs in increasing order, the ``options=`` of an
        ``ipywidgets.SelectionSlider``; ``value`` and ``extra`` are among them, with
        their exact floats, labelled with ``:g`` (``70.0`` reads "70").

    Raises
    ------
    ValueError
        ``low``, ``high`` or ``per_decade`` out of range, or ``value`` or an ``extra``
        value outside ``[low, high]``.
    """
    if not (0 < low < high) or per_decade < 1:
        raise ValueError(
            f"need 0 < low < high and per_decade >= 1, got {low}, {high}, {per_decade}"
        )
    exact = {float(value), *(float(v) for v in extra)}
    for v in sorted(exact):
        if not low <= v <= high:
            name = "value" if v == float(value) else "extra"
            raise ValueError(f"{name} {v} outside [{low}, {high}]")
    n = math.floor(per_decade * math.log10(high / low) + 1e-9)
    grid = {float(f"{low * 10 ** (k / per_decade):.3g}") for k in range(n + 1)}
    half = 0.5 / per_decade
    kept = {g for g in grid if all(abs(math.log10(g / e)) >= half for e in exact)}
    return [(f"{v:g}", v) for v in sorted(kept | exact)]


def explorer_box(
    figure: Callable[..., plt.Figure],
    controls: dict[str, Any],
    *,
    split: int | None = None,
    frames: Mapping[Any, Any] | None = None,
    name: str | None = None,
) -> Any:
    """An explorer: the controls above the figure they drive, live or precomputed.

    One definition serves both places a chapter is read. In a kernel (JupyterLab, the
    default) the figure is redrawn on every change. With ``FRACTAL_EXPLORERS=static``
    (the book builds, :func:`~fractal_lib.core.config.get_explorer_mode`) there is no
    kernel on the page, so the same figure function is rendered over the grid
    ``frames`` into PNG frames that the page's sliders switch between
    (:func:`fractal_lib.core.explorer.static_explorer`).

    Parameters
    ----------
    figure : callable
        ``figure(**values)`` returns a matplotlib figure for the controls' current
        values (keyed like ``controls``); it is redrawn on every change and closed after
        display.
    controls : dict
        Name to ipywidgets control.
    split : int, optional
        Number of controls in the left column of the live explorer (default: half,
        rounded up).
    frames : mapping, optional
        The static explorer's grid: one or two parameters (control names, or tuples of
        names that move together) to their values, at most 25 frames in all (see
        :func:`fractal_lib.core.explorer.frame_axes`); other controls stay at their
        initial values. None: the static page shows the initial setting. Ignored live.
    name : str, optional
        Prefix of the static frames' cache keys (default: the figure function's name).

    Returns
    -------
    ipywidgets.VBox
        Live: the controls above the figure's output area. Static: see
        :func:`fractal_lib.core.explorer.static_explorer`.

    Raises
    ------
    ValueError
        An invalid grid ``frames``, in either mode (the message names the parameter);
        ``FRACTAL_EXPLORERS`` set to an unknown mode.
    """
    import ipywidgets as w
    from IPython.display import display

    from .config import get_explorer_mode
    from .explorer import frame_axes, static_explorer

    if get_explorer_mode() == "static":
        return static_explorer(figure, controls, frames, name=name)
    if frames is not None:
        frame_axes(controls, frames)  # a bad grid fails in a kernel too, not only in CI

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
