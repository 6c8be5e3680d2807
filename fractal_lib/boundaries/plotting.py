"""Figures of the book.

Every function accepts an optional ``ax`` (or ``axes``), returns the
:class:`~matplotlib.figure.Figure` and sets no title: captions belong to the book. Call
:func:`fractal_lib.core.style.use_style` once per chapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch, Rectangle
from matplotlib.ticker import MaxNLocator

from ..core.fits import DimensionFit
from ..core.style import PAPER_COLOR, fig_ax
from .landscapes import CONVEXITY_THRESHOLD, Landscape

#: Colour map of the iterations that stay bounded.
BOUNDED_CMAP = LinearSegmentedColormap.from_list("bounded", ["#c6dbef", "#08306b"])
#: Colour map of the iterations that diverge.
DIVERGENT_CMAP = LinearSegmentedColormap.from_list("divergent", ["#fcd5c5", "#99000d"])


# --------------------------------------------------------------------------- landscapes
def inset_text(
    ax: Axes,
    xy: tuple[float, float],
    text: str,
    *,
    ha: str = "left",
    va: str = "baseline",
    fontsize: float = 9.0,
    alpha: float = 0.8,
) -> Any:
    """Write ``text`` inside ``ax`` on a white, borderless box (the panels' labels).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Target axes.
    xy : (float, float)
        Position in axes coordinates (0 to 1).
    text : str
        The label.
    ha, va : str
        Horizontal and vertical alignment (matplotlib's).
    fontsize : float
        Font size in points.
    alpha : float
        Opacity of the white box.

    Returns
    -------
    matplotlib.text.Text
        The label.
    """
    return ax.text(
        *xy,
        text,
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontsize=fontsize,
        bbox={"fc": "white", "ec": "none", "alpha": alpha, "pad": 1.5},
    )


def plot_landscape(
    landscape: Landscape,
    *,
    x: np.ndarray | None = None,
    ax: Axes | None = None,
    reference: bool = True,
) -> Figure:
    """The 1-D loss ``landscape`` (Fig. 1a/b), with ``x**2`` dashed for reference.

    Parameters
    ----------
    landscape : Landscape
        A 1-D landscape.
    x : ndarray, optional
        Parameter values to draw (default 4001 points on ``[-1, 1]``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    reference : bool
        Also draw ``x**2``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    x = np.linspace(-1.0, 1.0, 4001) if x is None else np.asarray(x)
    if reference:
        ax.plot(x, x**2, ls="--", lw=1.2, color=PAPER_COLOR, label=r"$x^2$")
    ax.plot(x, landscape.loss(x), lw=1.5, label=landscape.label())
    ax.set(xlabel=r"parameter $x$", ylabel="loss")
    ax.legend(loc="upper center")
    return fig


# ------------------------------------------------------------------------ colour strips
def strip_colors(diverged: np.ndarray, intensity: np.ndarray) -> np.ndarray:
    """RGB colours ``(n, 3)`` of a colour strip (Liu 2024 Fig. 1d).

    Bounded runs are blue, divergent runs red. The intensity (sum of losses for bounded
    runs, sum of inverse losses for divergent ones) is ``log1p``-scaled and normalised
    to [0, 1] separately within each class, so dark colours mark slow convergence and
    slow divergence, which concentrate at the boundaries. Negative sums (possible for
    the additive loss) count as 0.

    Parameters
    ----------
    diverged : ndarray(bool), shape ``(n,)``
        Outcomes.
    intensity : ndarray, shape ``(n,)``
        Intensities (:class:`~fractal_lib.boundaries.trainability.Outcome`).

    Returns
    -------
    ndarray, shape ``(n, 3)``
        RGB values in ``[0, 1]``.

    References
    ----------
    Liu 2024, Fig. 1d; Sohl-Dickstein 2024 (arXiv:2402.06184), its colouring.
    """
    div = np.asarray(diverged, dtype=bool)
    z = np.log1p(
        np.clip(
            np.nan_to_num(np.asarray(intensity, dtype=float), posinf=1e300), 0, None
        )
    )
    rgb = np.empty(div.shape + (3,))
    for mask, cmap in ((~div, BOUNDED_CMAP), (div, DIVERGENT_CMAP)):
        if not mask.any():
            continue
        v = z[mask]
        span = v.max() - v.min()
        t = (v - v.min()) / span if span > 0 else np.full(v.shape, 0.5)
        rgb[mask] = cmap(t)[:, :3]
    return rgb


def plot_strip(
    lrs: np.ndarray,
    diverged: np.ndarray,
    intensity: np.ndarray,
    *,
    ax: Axes | None = None,
) -> Figure:
    """One colour strip over the learning rates ``lrs`` (evenly spaced).

    Parameters
    ----------
    lrs : ndarray, shape ``(n,)``
        Learning rates, evenly spaced.
    diverged : ndarray(bool), shape ``(n,)``
        Outcomes.
    intensity : ndarray, shape ``(n,)``
        Intensities (see :func:`strip_colors`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax, figsize=(6.4, 0.9))
    rgb = strip_colors(diverged, intensity)
    ax.imshow(
        rgb[None],
        aspect="auto",
        extent=(lrs[0], lrs[-1], 0, 1),
        interpolation="antialiased",
        interpolation_stage="rgba",
    )
    ax.set_yticks([])
    ax.xaxis.set_major_locator(MaxNLocator(6))
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(True)
    return fig


def plot_zoom_strips(
    strips: Sequence[Any], *, axes: Sequence[Axes] | None = None
) -> Figure:
    """Nested colour strips (Fig. 1d), each zooming into the boxed window above it.

    Parameters
    ----------
    strips : sequence of Strip
        :class:`fractal_lib.boundaries.trainability.Strip` objects (anything with
        ``lrs``, ``diverged``, ``intensity``, ``window``, ``log2_n`` and
        ``n_boundaries``), the widest first.
    axes : sequence of matplotlib.axes.Axes, optional
        One axes per strip (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    References
    ----------
    Liu 2024, Fig. 1d.
    """
    if axes is None:
        fig, axes = plt.subplots(
            len(strips), 1, figsize=(6.4, 1.05 * len(strips) + 0.4)
        )
        axes = np.atleast_1d(axes)
    fig = axes[0].figure
    base = strips[0].window[1] - strips[0].window[0]
    for k, (st, ax) in enumerate(zip(strips, axes, strict=True)):
        plot_strip(st.lrs, st.diverged, st.intensity, ax=ax)
        lo, hi = st.window
        mag = base / (hi - lo)
        ax.set_ylabel(f"×{mag:,.0f}", rotation=0, ha="right", va="center")
        inset_text(
            ax,
            (0.995, 0.5),
            f"{st.n_boundaries:,} boundaries on the grid $N = 2^{{{st.log2_n}}}$",
            ha="right",
            va="center",
        )
        if k + 1 < len(strips):
            nlo, nhi = strips[k + 1].window
            ax.add_patch(Rectangle((nlo, 0), nhi - nlo, 1, fill=False, ec="k", lw=1.2))
            for x_top, x_bottom in ((nlo, nlo), (nhi, nhi)):
                fig.add_artist(
                    ConnectionPatch(
                        (x_top, 0),
                        (x_bottom, 1),
                        "data",
                        "data",
                        axesA=ax,
                        axesB=axes[k + 1],
                        color="k",
                        lw=0.8,
                    )
                )
    axes[-1].set_xlabel(r"learning rate $s$")
    return fig


# ------------------------------------------------------------------------- box counting
def plot_box_counts(
    counts: np.ndarray,
    fit: DimensionFit | None = None,
    *,
    levels: np.ndarray | None = None,
    label: str | None = None,
    paper: str | None = None,
    paper_line: tuple[float, float] | None = None,
    ax: Axes | None = None,
    color: str | None = None,
    marker: str = "o",
) -> Figure:
    """``log2 |B_N|`` against ``log2 N`` (Figs. 2a, 2b, S2).

    Filled markers are the levels used by ``fit`` (drawn as a line over that range);
    open markers are not fitted. The paper's counts, ``paper_line``, are drawn as a
    dashed grey line labelled ``paper``, next to ours.

    Parameters
    ----------
    counts : ndarray(int), shape ``(n_levels,)``
        ``|B_N|`` per level.
    fit : DimensionFit, optional
        The fit to draw (its ``levels`` are marked as fitted).
    levels : ndarray, optional
        ``log2 N`` of each count (default ``0 .. n_levels - 1``).
    label : str, optional
        Legend label of the counts (the fitted ``alpha`` is appended).
    paper : str, optional
        Legend text of the paper's counts; needs ``paper_line``.
    paper_line : (float, float), optional
        The paper's counts as ``(slope, intercept)`` of ``log2 |B_N|`` against
        ``log2 N``: ``(0, 0)`` is one box at every level.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    color : str, optional
        Matplotlib colour of markers and line.
    marker : str
        Matplotlib marker.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Raises
    ------
    ValueError
        ``paper`` without ``paper_line`` (a legend entry for a line never drawn).
    """
    if paper and paper_line is None:
        raise ValueError("paper needs paper_line (a legend entry for no line)")
    fig, ax = fig_ax(ax)
    c = np.asarray(counts, dtype=float)
    lv = np.arange(c.size) if levels is None else np.asarray(levels)
    fitted = fit is not None and fit.levels.size > 0
    used = np.isin(lv, fit.levels) if fitted else np.ones(c.size, bool)
    pos = c > 0
    name = label or "counts"
    if fit is not None and fit.levels.size:
        name += rf", $\alpha$ = {fit}"
    (h,) = ax.plot(
        lv[pos & used],
        np.log2(c[pos & used]),
        marker,
        ls="none",
        color=color,
        label=name,
    )
    color = h.get_color()
    ax.plot(
        lv[pos & ~used],
        np.log2(c[pos & ~used]),
        marker,
        ls="none",
        mfc="none",
        color=color,
    )
    if fitted and fit.levels.size >= 2:
        xr = np.array([fit.levels.min(), fit.levels.max()])
        ax.plot(xr, fit.alpha * xr + fit.intercept, "-", lw=1.2, color=color)
    if paper_line is not None:
        xr = np.array([lv.min(), lv.max()], dtype=float)
        ax.plot(
            xr,
            paper_line[0] * xr + paper_line[1],
            ls="--",
            lw=1.2,
            color=PAPER_COLOR,
            label=paper or "paper",
            zorder=1,
        )
    ax.legend(loc="upper left")
    ax.set(xlabel=r"$\log_2 N$", ylabel=r"$\log_2 |B_N|$")
    ax.set_ylim(bottom=-0.5, top=max(ax.get_ylim()[1], 3.0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


# ----------------------------------------------------------------------------- maps
def _edges(v: np.ndarray, log: bool) -> np.ndarray:
    v = np.log10(v) if log else np.asarray(v, dtype=float)
    if v.size == 1:
        e = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        mid = (v[1:] + v[:-1]) / 2
        e = np.r_[2 * v[0] - mid[0], mid, 2 * v[-1] - mid[-1]]
    return 10**e if log else e


def plot_alpha_map(
    alpha: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    xlabel: str,
    ylabel: str,
    ax: Axes | None = None,
    curve: tuple | None = None,
    curve_label: str | None = None,
    ylog: bool = False,
    annotate: bool = True,
    vmax: float = 1.5,
    colorbar: bool = True,
) -> Figure:
    """Box dimension over a parameter grid (Figs. 2c, 2d, 4a, S3).

    Values above ``vmax`` saturate the colour scale and keep their number.

    Parameters
    ----------
    alpha : ndarray, shape ``(len(y), len(x))``
        Box dimensions.
    x, y : ndarray
        Cell centres along each axis.
    xlabel, ylabel : str
        Axis labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    curve : (ndarray, ndarray), optional
        ``(cx, cy)`` of a red line (a convexity boundary).
    curve_label : str, optional
        Legend label of ``curve``.
    ylog : bool
        Logarithmic y axis (cell edges at geometric midpoints).
    annotate : bool
        Write each value in its cell.
    vmax : float
        Top of the colour scale.
    colorbar : bool
        Add a colour bar.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    a = np.asarray(alpha, dtype=float)
    mesh = ax.pcolormesh(
        _edges(x, False),
        _edges(y, ylog),
        a,
        vmin=0,
        vmax=vmax,
        cmap="viridis",
        shading="flat",
    )
    if ylog:
        ax.set_yscale("log")
    if annotate:
        size = 6.5 if max(a.shape) <= 10 else 4.5
        for i, yi in enumerate(y):
            for j, xj in enumerate(x):
                ax.text(
                    xj,
                    yi,
                    f"{a[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=size,
                    color="k" if a[i, j] > 0.6 * vmax else "w",
                )
    if curve is not None:
        ax.plot(*curve, color="#d62728", lw=1.8, label=curve_label)
        if curve_label:
            ax.legend(loc="lower right", frameon=True, framealpha=0.85)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ex = _edges(x, False)
    ey = _edges(y, ylog)
    ax.set_xlim(ex[0], ex[-1])
    ax.set_ylim(ey[0], ey[-1])
    if colorbar:
        fig.colorbar(mesh, ax=ax, label=r"box dimension $\alpha$", extend="max")
    return fig


def plot_alpha_vs_roughness(
    theta: np.ndarray,
    alpha: np.ndarray,
    err: np.ndarray,
    *,
    threshold: float | None = None,
    xlog: bool = True,
    xlabel: str = r"roughness $\theta$",
    ax: Axes | None = None,
    label: str | None = None,
) -> Figure:
    """Box dimension against roughness, with fit errors (Fig. 3).

    Parameters
    ----------
    theta : ndarray
        Roughness of each point (any shape; flattened).
    alpha, err : ndarray
        Box dimensions and their errors, shaped like ``theta`` (NaN errors draw none).
    threshold : float, optional
        Draw this roughness dashed (``1/(2 pi^2)``: the additive convexity threshold).
    xlog : bool
        Logarithmic roughness axis.
    xlabel : str
        Label of the roughness axis.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    label : str, optional
        Legend label.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    References
    ----------
    Liu 2024, Fig. 3 and Eqs. (7), (8).
    """
    fig, ax = fig_ax(ax)
    th, a, e = (np.ravel(v) for v in (theta, alpha, err))
    ax.errorbar(th, a, yerr=np.nan_to_num(e), fmt="o", ms=3.5, alpha=0.8, label=label)
    if threshold is not None:
        ax.axvline(threshold, color="k", ls="--", lw=1.2)
        text = r"$1/(2\pi^2)$" if threshold == CONVEXITY_THRESHOLD else f"{threshold:g}"
        ax.annotate(
            text,
            (threshold, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            ha="left",
            va="top",
        )
    if xlog:
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel=r"box dimension $\alpha$")
    ax.set_ylim(bottom=-0.05)
    if label:
        ax.legend(loc="lower right")
    return fig


def plot_alpha_vs_dim(
    dims: Sequence[int],
    alpha: np.ndarray,
    err: np.ndarray,
    *,
    ax: Axes | None = None,
    label: str | None = None,
    color: str | None = None,
    marker: str = "o",
    ls: str = "-",
    filled: bool = True,
    offset: float = 0.0,
) -> Figure:
    """Box dimension against the parameter dimension d (Figs. 4b, 4c).

    Several series on one axes can coincide over part of the range; give each its own
    ``marker``, ``ls`` or ``filled`` and a small ``offset`` so none hides another.

    Parameters
    ----------
    dims : sequence of int
        Parameter dimensions d.
    alpha, err : ndarray, shape ``(len(dims),)``
        Box dimensions and their errors (NaN errors draw none).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    label : str, optional
        Legend label.
    color : str, optional
        Matplotlib colour.
    marker : str
        Matplotlib marker.
    ls : str
        Matplotlib line style of the line joining the points.
    filled : bool
        Filled markers (False: open markers, which show a series drawn below).
    offset : float
        Horizontal shift of the points, as a fraction of a decade of ``d`` (the axis is
        logarithmic), in ``[-0.1, 0.1]``; the points are drawn at ``d * 10**offset``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.

    Raises
    ------
    ValueError
        ``offset`` outside ``[-0.1, 0.1]`` (it would move a point towards its
        neighbour's ``d``).
    """
    if not -0.1 <= offset <= 0.1:
        raise ValueError(f"offset must be in [-0.1, 0.1], got {offset}")
    fig, ax = fig_ax(ax)
    ax.errorbar(
        np.asarray(dims, dtype=float) * 10.0**offset,
        alpha,
        yerr=np.nan_to_num(err),
        fmt=marker,
        ls=ls,
        ms=5 if not filled else 4,
        mfc=None if filled else "white",
        lw=1,
        color=color,
        label=label,
    )
    ax.set_xscale("log")
    ax.set(xlabel=r"parameter dimension $d$", ylabel=r"box dimension $\alpha$")
    if label:
        ax.legend(loc="best")
    return fig


def plot_alpha_hist(
    alphas: np.ndarray,
    *,
    paper: tuple[float, float] | None = None,
    ax: Axes | None = None,
    label: str | None = None,
    color: str | None = None,
    bins: np.ndarray | None = None,
) -> Figure:
    """Histogram of box dimensions over starting points (Figs. S4, S5).

    The paper's mean ± standard deviation is shaded. The default bins (width 0.05 from
    0) are shared by every call, so several histograms on one axes line up.

    Parameters
    ----------
    alphas : ndarray, shape ``(n,)``
        Box dimensions.
    paper : (float, float), optional
        The paper's ``(mean, std)``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    label : str, optional
        Legend label (mean ± std appended).
    color : str, optional
        Matplotlib colour.
    bins : ndarray, optional
        Bin edges.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    a = np.asarray(alphas, dtype=float)
    if bins is None:
        top = max(1.6, float(np.nanmax(a)) + 0.05)
        bins = np.arange(-0.025, top + 0.05, 0.05)
    ax.hist(
        a,
        bins=bins,
        color=color,
        alpha=0.55,
        histtype="stepfilled",
        ec=color or "C0",
        label=(label or "here") + f": {a.mean():.2f} ± {a.std():.2f}",
    )
    if paper:
        ax.axvspan(
            paper[0] - paper[1], paper[0] + paper[1], color=PAPER_COLOR, alpha=0.18
        )
        ax.axvline(
            paper[0],
            color=PAPER_COLOR,
            ls="--",
            lw=1.2,
            label=f"paper: {paper[0]:.2f} ± {paper[1]:.2f}",
        )
    ax.set(xlabel=r"box dimension $\alpha$", ylabel="starting points")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left")
    return fig
