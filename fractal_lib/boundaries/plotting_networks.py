"""Figures of the network-trainability chapter (Sohl-Dickstein 2024).

Like :mod:`fractal_lib.boundaries.plotting`: every function accepts ``ax`` (or
``axes``), returns the Figure and sets no title. Images use Sohl-Dickstein's colouring:
the convergence measure stretched per sign by
:func:`fractal_lib.boundaries.network_trainability.colour_values` and drawn with the
``Spectral`` colormap (converged blue, diverged red, darkest at the boundary).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..core.style import fig_ax, paper_handle
from .boxcount import BoxFit, PooledFit
from .network_trainability import PLANE_LABELS, NetImage, Window
from .plotting import inset_text

#: Colour map of the network trainability images.
CMAP = "Spectral"


def _extent(image: NetImage) -> tuple[float, float, float, float]:
    xs, ys = image.xs, image.ys
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    return (xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy)


def plot_image(
    image: NetImage,
    *,
    ax: Axes | None = None,
    edges: bool = False,
    box: Window | None = None,
    labels: bool = True,
) -> Figure:
    """The coloured convergence measure over the image's window.

    Parameters
    ----------
    image : NetImage
        The rendered window.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    edges : bool
        Overlay the boundary pixels (2 x 2 sign changes) in black.
    box : Window, optional
        Draw the outline of this sub-window (the next zoom).
    labels : bool
        Label the axes with the plane's quantities.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax, figsize=(4.2, 3.8))
    ax.imshow(
        image.colours(),
        origin="lower",
        extent=_extent(image),
        cmap=CMAP,
        vmin=-1,
        vmax=1,
        interpolation="nearest",
        aspect="auto",
    )
    if edges:
        e = image.edges()
        xs, ys = image.xs, image.ys
        over = np.ma.masked_where(~e, e.astype(float))
        ax.imshow(
            over,
            origin="lower",
            extent=(xs[0], xs[-1], ys[0], ys[-1]),
            cmap="gray_r",
            vmin=0,
            vmax=1,
            interpolation="nearest",
            aspect="auto",
        )
    if box is not None:
        x0, x1, y0, y1 = box.bounds
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="k", lw=1.3))
    if labels:
        xl, yl = PLANE_LABELS[image.plane]
        ax.set(xlabel=xl, ylabel=yl)
    return fig


def plot_zoom_sequence(
    images: Sequence[NetImage], *, axes: Sequence[Axes] | None = None, ncols: int = 4
) -> Figure:
    """A zoom sequence: each panel boxes the window of the next.

    Panels are labelled with the magnification and the window's width in decades.

    Parameters
    ----------
    images : sequence of NetImage
        The zoom sequence
        (:func:`~fractal_lib.boundaries.network_trainability.zoom_sequence`).
    axes : sequence of matplotlib.axes.Axes, optional
        One axes per image (default: a new figure).
    ncols : int
        Panels per row of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), its zoom sequences.
    """
    n = len(images)
    if axes is None:
        nrows = -(-n // ncols)
        fig, axs = plt.subplots(
            nrows,
            min(n, ncols),
            figsize=(2.6 * min(n, ncols), 2.6 * nrows + 0.3),
            squeeze=False,
        )
        axes = list(axs.ravel())
        for ax in axes[n:]:
            ax.set_visible(False)
    fig = axes[0].figure
    for k, (img, ax) in enumerate(zip(images, axes, strict=False)):
        nxt = images[k + 1].window if k + 1 < n else None
        plot_image(img, ax=ax, box=nxt, labels=False)
        x0, x1, _, _ = img.window.bounds
        inset_text(
            ax,
            (0.02, 0.98),
            f"×{img.window.magnification:,}, width {x1 - x0:.2g}",
            va="top",
        )
        ax.tick_params(labelsize=7)
    xl, yl = PLANE_LABELS[images[0].plane]
    fig.supxlabel(xl, fontsize=9)
    fig.supylabel(yl, fontsize=9)
    return fig


def plot_box_fit(
    fit: BoxFit | PooledFit,
    *,
    ax: Axes | None = None,
    label: str | None = None,
    paper: tuple[float, float] | None = None,
    color: str | None = None,
) -> Figure:
    """``log2 N(s)`` against ``log2(side / s)`` with the fitted line.

    For a pooled fit, each image's counts are shifted to a common mean so the common
    slope is visible.

    Parameters
    ----------
    fit : BoxFit or PooledFit
        The fit to draw.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    label : str, optional
        Legend label (the dimension is appended).
    paper : (float, float), optional
        Range of the paper's dimensions, for a legend entry.
    color : str, optional
        Matplotlib colour.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    fits = fit.fits if isinstance(fit, PooledFit) else [fit]
    slope = fit.slope
    first = True
    for f in fits:
        if f.levels.size == 0:
            continue
        x = f.levels.astype(float)
        y = np.log2(f.counts.astype(float))
        if isinstance(fit, PooledFit):
            y = y - y.mean() + slope * x.mean()
        name = None
        if first:
            name = (label or "box counts") + f", D = {fit}"
        (h,) = ax.plot(x, y, "o", color=color, alpha=0.8, label=name)
        color = h.get_color()
        first = False
    allx = (
        np.concatenate([f.levels for f in fits if f.levels.size])
        if any(f.levels.size for f in fits)
        else np.zeros(0)
    )
    if allx.size >= 2:
        xr = np.array([allx.min(), allx.max()])
        icpt = fit.intercept if isinstance(fit, BoxFit) else 0.0
        ax.plot(xr, slope * xr + icpt, "-", lw=1.2, color=color)
    handles, _ = ax.get_legend_handles_labels()
    if paper:
        handles.append(paper_handle(f"paper: D = {paper[0]:.2f}–{paper[1]:.2f}"))
    ax.legend(handles=handles, loc="upper left")
    ax.set(xlabel=r"$\log_2$ (boxes per side)", ylabel=r"$\log_2$ occupied boxes")
    return fig


def plot_slice(
    xs: np.ndarray,
    measure: np.ndarray,
    *,
    ax: Axes | None = None,
    xlabel: str = r"input-layer learning rate $\log_{10}\eta_1$",
) -> Figure:
    """A 1-D slice as a colour strip (same colouring as the images).

    Parameters
    ----------
    xs : ndarray, shape ``(n,)``
        Evenly spaced x coordinates.
    measure : ndarray, shape ``(n,)``
        Convergence measures.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    xlabel : str
        Label of the x axis.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    from .network_trainability import colour_values

    fig, ax = fig_ax(ax, figsize=(6.4, 0.9))
    dx = (xs[1] - xs[0]) / 2
    ax.imshow(
        colour_values(measure)[None],
        aspect="auto",
        cmap=CMAP,
        vmin=-1,
        vmax=1,
        extent=(xs[0] - dx, xs[-1] + dx, 0, 1),
        interpolation="nearest",
    )
    ax.set_yticks([])
    ax.set_xlabel(xlabel)
    return fig
