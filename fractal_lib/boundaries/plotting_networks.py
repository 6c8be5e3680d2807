"""Figures of the network-trainability chapter (Sohl-Dickstein 2024).

Like :mod:`fractal_lib.boundaries.plotting`: every function accepts ``ax`` (or
``axes``), returns the Figure and sets no title. Images use Sohl-Dickstein's colouring:
the convergence measure stretched per sign by
:func:`fractal_lib.boundaries.network_trainability.colour_values` and drawn with the
``Spectral`` colormap (converged blue, diverged red, darkest at the boundary).

Besides single images, zoom sequences and box counts, the module draws the six
configurations of the paper's Fig. 1 side by side (:func:`plot_configurations`), their
dimensions against the paper's range (:func:`plot_box_fits`), the outcome flips between
two precisions (:func:`outcome_flips`, :func:`plot_precision`) and the points an
adaptive render computed (:func:`plot_computed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..core.report import Reported
from ..core.style import PAPER_COLOR, fig_ax
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
        ax.tick_params(labelsize=9)
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
        Range of the paper's dimensions, drawn as a shaded fan of lines of those slopes
        through the centre of the counts.
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
    if paper and allx.size >= 2:
        xr = np.array([allx.min(), allx.max()])
        x_mid = xr.mean()
        y_mid = slope * x_mid + (fit.intercept if isinstance(fit, BoxFit) else 0.0)
        lo, hi = ((xr - x_mid) * d + y_mid for d in paper)
        ax.fill_between(
            xr,
            np.minimum(lo, hi),
            np.maximum(lo, hi),
            color=PAPER_COLOR,
            alpha=0.2,
            lw=0,
            label=f"paper: slopes {paper[0]:.2f}–{paper[1]:.2f}",
        )
    ax.legend(loc="upper left")
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


#: Short axis labels ``(x, y)`` of each plane, for small panels.
SHORT_LABELS = {
    "lr_vs_lr": (r"$\log_{10}\eta_1$", r"$\log_{10}\eta_2$"),
    "offset_vs_lr": (r"offset $\delta$", r"$\log_{10}\eta$"),
}


def plot_configurations(
    images: Mapping[str, NetImage],
    *,
    axes: Sequence[Axes] | None = None,
    ncols: int = 3,
) -> Figure:
    """Small multiples: one image per configuration, labelled with its name.

    Parameters
    ----------
    images : mapping of str to NetImage
        Label -> image, drawn in order (the chapter passes its six main planes).
    axes : sequence of matplotlib.axes.Axes, optional
        One axes per image (default: a new figure).
    ncols : int
        Panels per row of a new figure, >= 1.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Raises
    ------
    ValueError
        No images, or ``ncols < 1``.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), Fig. 1: its six configurations.
    """
    if not images:
        raise ValueError("images must hold at least one image")
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols!r}")
    n = len(images)
    if axes is None:
        nc = min(n, ncols)
        nrows = -(-n // nc)
        _, axs = plt.subplots(nrows, nc, figsize=(2.9 * nc, 2.7 * nrows), squeeze=False)
        axes = list(axs.ravel())
        for ax in axes[n:]:
            ax.set_visible(False)
    for (name, img), ax in zip(images.items(), axes, strict=False):
        plot_image(img, ax=ax, labels=False)
        xl, yl = SHORT_LABELS[img.plane]
        ax.set_xlabel(xl, fontsize=9)
        ax.set_ylabel(yl, fontsize=9)
        ax.tick_params(labelsize=9)
        inset_text(ax, (0.02, 0.98), name, va="top")
    fig = axes[0].figure
    return fig


def plot_box_fits(
    fits: Mapping[str, BoxFit | PooledFit],
    *,
    paper: Reported | None = None,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Box counts of several configurations and their dimensions.

    Left: each configuration's counts, shifted to a common mean per frame, with its
    fitted line (so the lines differ only in slope). Right: each dimension with its
    standard error, and the paper's range as a shaded band (the paper gives a range over
    its configurations, not a value per configuration).

    Parameters
    ----------
    fits : mapping of str to BoxFit or PooledFit
        Label -> fit, in order.
    paper : fractal_lib.core.report.Reported, optional
        The paper's range (``kind="range"``), drawn as the band and labelled
        ``"paper: "`` + its text.
    axes : sequence of two matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Raises
    ------
    ValueError
        No fits, or a ``paper`` fact that is not a range.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184): box-counting dimensions of 1.17 to 1.98.
    """
    if not fits:
        raise ValueError("fits must hold at least one fit")
    if paper is not None and not (
        isinstance(paper.value, tuple) and len(paper.value) == 2
    ):
        raise ValueError("paper must be a Reported range (two values)")
    if axes is None:
        _, axs = plt.subplots(1, 2, figsize=(9.0, 3.6), width_ratios=[1.2, 1])
        axes = list(axs)
    ax_c, ax_d = axes[0], axes[1]
    names = list(fits)
    for k, name in enumerate(names):
        fit = fits[name]
        plot_box_fit(fit, ax=ax_c, label=name, color=f"C{k}")
        err = fit.stderr if np.isfinite(fit.stderr) else 0.0
        ax_d.errorbar(k, fit.slope, yerr=err, fmt="o", color=f"C{k}", capsize=3)
    ax_c.legend(loc="upper left", fontsize=9)
    if paper is not None:
        lo, hi = paper.value  # type: ignore[misc]
        ax_d.axhspan(
            lo, hi, color=PAPER_COLOR, alpha=0.2, lw=0, label=f"paper: {paper.text()}"
        )
        ax_d.legend(loc="lower left", fontsize=9)
    ax_d.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=9)
    ax_d.set(xlim=(-0.5, len(names) - 0.5), ylabel="box dimension $D$")
    fig = ax_c.figure
    return fig


def outcome_flips(
    reference: NetImage, other: NetImage
) -> tuple[np.ndarray, np.ndarray]:
    """Grid points where two renders of one window disagree on the outcome.

    Only points computed in both renders count (an adaptive render fills the others,
    see ``NetImage.exact``).

    Parameters
    ----------
    reference, other : NetImage
        Two renders of the same plane, window and resolution (for example float64 and
        float32).

    Returns
    -------
    flips : ndarray(bool), shape ``(ny, nx)``
        True where one run converged and the other diverged.
    compared : ndarray(bool), shape ``(ny, nx)``
        True where both renders computed the point.

    Raises
    ------
    ValueError
        The images are of different planes, windows or resolutions.
    """
    if (reference.plane, reference.window, reference.measure.shape) != (
        other.plane,
        other.window,
        other.measure.shape,
    ):
        raise ValueError(
            "reference and other must render the same plane, window and resolution"
        )
    compared = np.ones(reference.measure.shape, dtype=bool)
    for img in (reference, other):
        exact = getattr(img, "exact", None)
        if exact is not None:
            compared &= exact
    return (reference.diverged != other.diverged) & compared, compared


def _mark(ax: Axes, image: NetImage, mask: np.ndarray, color: str = "k") -> None:
    ys, xs = np.nonzero(mask)
    ax.plot(image.xs[xs], image.ys[ys], "s", ms=2.0, mfc="none", mec=color, mew=0.6)


def plot_precision(
    reference: NetImage,
    other: NetImage,
    *,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Two renders of one window side by side, the outcome flips marked in both.

    Parameters
    ----------
    reference, other : NetImage
        Two renders of the same window (for example float64 and float32); each panel
        is labelled with its image's ``dtype``.
    axes : sequence of two matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Raises
    ------
    ValueError
        As :func:`outcome_flips`.
    """
    flips, _ = outcome_flips(reference, other)
    if axes is None:
        _, axs = plt.subplots(1, 2, figsize=(8.4, 3.8), sharey=True)
        axes = list(axs)
    for img, ax in zip((reference, other), axes, strict=False):
        plot_image(img, ax=ax, labels=False)
        _mark(ax, img, flips)
        dtype = getattr(img, "dtype", "float64")
        inset_text(ax, (0.02, 0.98), f"{dtype}: {int(flips.sum()):,} flips", va="top")
    xl, yl = PLANE_LABELS[reference.plane]
    fig = axes[0].figure
    fig.supxlabel(xl, fontsize=9)
    axes[0].set_ylabel(yl)
    return fig


def plot_computed(image: NetImage, *, ax: Axes | None = None) -> Figure:
    """The points an adaptive render computed, over the faded image.

    Parameters
    ----------
    image : NetImage
        A render; where ``image.exact`` is None every point was computed.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

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
        alpha=0.45,
    )
    exact = getattr(image, "exact", None)
    exact = np.ones(image.measure.shape, bool) if exact is None else exact
    ax.imshow(
        np.ma.masked_where(~exact, np.ones(exact.shape)),
        origin="lower",
        extent=_extent(image),
        cmap="gray_r",
        vmin=0,
        vmax=1,
        interpolation="nearest",
        aspect="auto",
    )
    n = int(exact.sum())
    inset_text(
        ax,
        (0.02, 0.98),
        f"{n:,} of {exact.size:,} points computed ({n / exact.size:.0%})",
        va="top",
    )
    xl, yl = PLANE_LABELS[image.plane]
    ax.set(xlabel=xl, ylabel=yl)
    return fig
