"""Figures of the anomalous-diffusion chapter (Chen, Qu & Gong 2022).

Every function accepts ``ax`` (or ``axes``), returns the Figure and sets no title.
Waiting times are coloured with one colour map throughout (early blue, late red, like
the paper's jet map).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from ..core.style import PAPER_COLOR, fig_ax
from . import levy
from . import msd as D

#: Colour map of waiting times (early blue, late red).
TW_CMAP = plt.get_cmap("turbo")


def tw_colors(t_ws: np.ndarray) -> list:
    """Map waiting times to colours (early blue to late red, :data:`TW_CMAP`).

    Parameters
    ----------
    t_ws : ndarray, shape ``(W,)``
        Waiting times (steps).

    Returns
    -------
    list of tuple
        One RGBA colour per waiting time.
    """
    t = np.asarray(t_ws, dtype=float)
    span = max(t.max() - t.min(), 1e-12)
    return [TW_CMAP(0.05 + 0.9 * (v - t.min()) / span) for v in t]


def _tw_colorbar(
    ax: Axes, t_ws: np.ndarray, label: str = r"waiting time $t_w$ (steps)"
) -> None:
    sm = ScalarMappable(Normalize(float(np.min(t_ws)), float(np.max(t_ws))), TW_CMAP)
    ax.figure.colorbar(sm, ax=ax, label=label, fraction=0.05, pad=0.02)


def _tw_family(
    t_ws: np.ndarray,
    lags: np.ndarray,
    rows: np.ndarray,
    *,
    ax: Axes | None,
    colorbar: bool,
    logy: bool,
    ylabel: str,
    ref: float | None = None,
) -> Figure:
    """One curve per window against the lag, coloured by ``t_w``; ``ref`` dashed."""
    fig, ax = fig_ax(ax)
    draw = ax.loglog if logy else ax.semilogx
    for c, row in zip(tw_colors(t_ws), rows, strict=True):
        draw(lags, row, color=c, lw=1.0)
    if ref is not None:
        ax.axhline(ref, color=PAPER_COLOR, ls="--", lw=1.0)
    ax.set(xlabel=r"lag $\tau$ (steps)", ylabel=ylabel)
    if colorbar:
        _tw_colorbar(ax, t_ws)
    return fig


def plot_msd_family(
    t_ws: np.ndarray,
    lags: np.ndarray,
    msd: np.ndarray,
    *,
    ax: Axes | None = None,
    colorbar: bool = True,
) -> Figure:
    """MSD curves of every window, coloured by ``t_w`` (Fig. 2b/d of Chen et al. 2022).

    Parameters
    ----------
    t_ws : ndarray, shape ``(W,)``
        Waiting times (steps), one per window.
    lags : ndarray, shape ``(L,)``
        Lags (steps).
    msd : ndarray, shape ``(W, L)``
        One MSD curve per window (squared units of the positions).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    colorbar : bool
        Add a colour bar of the waiting times.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    return _tw_family(
        t_ws,
        lags,
        msd,
        ax=ax,
        colorbar=colorbar,
        logy=True,
        ylabel=r"MSD $\Delta r^2(\tau)$",
    )


def plot_msd_examples(
    t_ws: np.ndarray,
    lags: np.ndarray,
    msd: np.ndarray,
    picks: Sequence[int],
    *,
    fits: Sequence[D.AlphaFit] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A few MSD curves with their fits on ``[tau_0, T]``, ``tau_0`` marked (Fig. 2a).

    Parameters
    ----------
    t_ws : ndarray, shape ``(W,)``
        Waiting times (steps), one per window.
    lags : ndarray, shape ``(L,)``
        Lags (steps).
    msd : ndarray, shape ``(W, L)``
        One MSD curve per window.
    picks : sequence of int
        Rows of ``msd`` to draw.
    fits : sequence of AlphaFit, optional
        One :class:`~fractal_lib.diffusion.msd.AlphaFit` per window; the line and
        ``tau_0`` are drawn where ``tau0`` is finite.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    cols = tw_colors(t_ws)
    for i in picks:
        lab = rf"$t_w$ = {int(t_ws[i])}"
        if fits is not None:
            f = fits[i]
            lab += rf", $\alpha$ = {f.alpha:.2f}"
            if np.isfinite(f.tau0):
                x = np.array([f.tau0, lags[-1]], dtype=float)
                ax.loglog(x, 10**f.intercept * x**f.alpha, ls="--", color="k", lw=0.9)
                ax.axvline(f.tau0, color=cols[i], ls=":", lw=0.9)
        ax.loglog(lags, msd[i], color=cols[i], lw=1.6, label=lab)
    ax.set(xlabel=r"lag $\tau$ (steps)", ylabel=r"MSD $\Delta r^2(\tau)$")
    ax.legend(loc="upper left")
    return fig


def plot_beta_family(
    t_ws: np.ndarray,
    tau: np.ndarray,
    beta: np.ndarray,
    *,
    ax: Axes | None = None,
    colorbar: bool = True,
) -> Figure:
    """Local exponent ``beta(tau)`` of every window (Fig. 2c), with ``beta = 1`` dashed.

    Parameters
    ----------
    t_ws : ndarray, shape ``(W,)``
        Waiting times (steps), one per window.
    tau : ndarray, shape ``(L,)``
        Lags (steps) of :func:`~fractal_lib.diffusion.msd.log_derivative`.
    beta : ndarray, shape ``(W, L)``
        Local exponents, one row per window.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    colorbar : bool
        Add a colour bar of the waiting times.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    return _tw_family(
        t_ws,
        tau,
        beta,
        ax=ax,
        colorbar=colorbar,
        logy=False,
        ylabel=r"$\beta(\tau)$",
        ref=1.0,
    )


def plot_fit_over_time(
    t_ws: np.ndarray,
    values: np.ndarray,
    *,
    errors: np.ndarray | None = None,
    ylabel: str = "",
    ref: float | None = None,
    t0: float | None = None,
    ax: Axes | None = None,
    label: str | None = None,
) -> Figure:
    """A per-window quantity (exponent, ``tau_0``, ``alpha_dist``) against ``t_w``.

    Parameters
    ----------
    t_ws : ndarray, shape ``(W,)``
        Waiting times (steps), one per window.
    values : ndarray, shape ``(W,)``
        The quantity per window.
    errors : ndarray, shape ``(W,)``, optional
        Error bars.
    ylabel : str
        Label of the y axis.
    ref : float, optional
        Reference value drawn as a dashed line.
    t0 : float, optional
        Crossover time (steps) drawn as a dotted line when finite.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    label : str, optional
        Legend label.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    v = np.asarray(values, dtype=float)
    if errors is None:
        ax.plot(t_ws, v, "o-", lw=1.2, label=label)
    else:
        ax.errorbar(t_ws, v, yerr=errors, fmt="o-", lw=1.2, label=label)
    if ref is not None:
        ax.axhline(ref, color=PAPER_COLOR, ls="--", lw=1.0)
    if t0 is not None and np.isfinite(t0):
        ax.axvline(t0, color="k", ls=":", lw=1.0)
    ax.set(xlabel=r"waiting time $t_w$ (steps)", ylabel=ylabel)
    return fig


def plot_scan(
    xs: Sequence[float],
    groups: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    xlabel: str,
    ylabel: str,
    ax: Axes | None = None,
    logx: bool = False,
) -> Figure:
    """Plot means with standard-deviation error bars per group (Fig. 3, Chen 2022).

    Parameters
    ----------
    xs : sequence of float
        The scanned setting (e.g. learning rate or batch size).
    groups : dict of str to (ndarray, ndarray)
        ``name -> (mean, sd)``, each of shape ``(len(xs),)``; groups are offset slightly
        along x so the error bars do not overlap.
    xlabel, ylabel : str
        Axis labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    logx : bool
        Logarithmic x axis.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    for k, (name, (mean, sd)) in enumerate(groups.items()):
        off = (k - (len(groups) - 1) / 2) * 0.03
        x = (
            np.asarray(xs, dtype=float) * (1 + off)
            if logx
            else np.asarray(xs, dtype=float) + off * 10
        )
        ax.errorbar(x, mean, yerr=sd, fmt="o-", lw=1.2, label=name)
    if logx:
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return fig


def plot_gradient_hist(
    samples: np.ndarray,
    fit: levy.SaSFit | None = None,
    *,
    ax: Axes | None = None,
    bins: int = 120,
    clip: float = 8.0,
    label: str | None = None,
    color: str | None = None,
) -> Figure:
    """Histogram of gradient components with the fitted SaS law and the best Gaussian.

    Density on a log scale (Fig. 5a-c and 8c of Chen, Qu & Gong 2022); the x range is
    clipped at ``clip`` fitted scales.

    Parameters
    ----------
    samples : ndarray, any shape
        Gradient components (flattened).
    fit : SaSFit, optional
        Symmetric alpha-stable fit (:func:`~fractal_lib.diffusion.levy.fit_sas`); its
        density and the Gaussian of the same mean and standard deviation are drawn.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    bins : int
        Histogram bins.
    clip : float
        Half-width of the x range in fitted scales ``gamma`` (standard deviations
        without a fit).
    label : str, optional
        Legend label of the data.
    color : str, optional
        Colour of data and fit.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    x = np.asarray(samples, dtype=float).ravel()
    scale = fit.gamma if fit is not None else float(np.std(x))
    lim = clip * scale + (abs(fit.delta) if fit is not None else 0.0)
    edges = np.linspace(-lim, lim, bins + 1)
    dens, _ = np.histogram(x, bins=edges)
    dens = dens / (x.size * np.diff(edges))
    mids = 0.5 * (edges[1:] + edges[:-1])
    h = ax.semilogy(
        mids,
        np.where(dens > 0, dens, np.nan),
        ".",
        ms=3,
        color=color,
        label=label or "data",
    )[0]
    if fit is not None:
        ax.semilogy(
            mids,
            levy.sas_pdf(mids, fit.alpha, fit.gamma, fit.delta),
            "-",
            lw=1.3,
            color=h.get_color(),
            label=rf"S$\alpha$S, $\alpha_{{dist}}$ = {fit.alpha:.2f}",
        )
        from scipy import stats

        ax.semilogy(
            mids,
            stats.norm.pdf(mids, x.mean(), x.std()),
            ":",
            lw=1.0,
            color=h.get_color(),
        )
    ax.set(xlabel="gradient component", ylabel="density")
    ax.set_ylim(
        bottom=max(
            np.nanmin(np.where(dens > 0, dens, np.nan)) / 3, 1e-6 * np.nanmax(dens)
        )
    )
    ax.legend(loc="upper right")
    return fig


def plot_series(
    t: np.ndarray,
    y: np.ndarray,
    *,
    ylabel: str,
    ax: Axes | None = None,
    logy: bool = False,
    label: str | None = None,
    **kw,
) -> Figure:
    """A time series against the step (loss, ``|Delta L|``, moving variance).

    Parameters
    ----------
    t : ndarray, shape ``(n,)``
        Steps.
    y : ndarray, shape ``(n,)``
        Values.
    ylabel : str
        Label of the y axis.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    logy : bool
        Logarithmic y axis.
    label : str, optional
        Legend label.
    **kw
        Passed to :meth:`matplotlib.axes.Axes.plot` (``lw`` defaults to 0.8).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    (ax.semilogy if logy else ax.plot)(t, y, lw=kw.pop("lw", 0.8), label=label, **kw)
    ax.set(xlabel="step", ylabel=ylabel)
    return fig


def plot_abs_dl_windows(
    loss: np.ndarray, t_ws: np.ndarray, window: int, *, ax: Axes | None = None
) -> Figure:
    """``|Delta L|`` in each window against the step within it, by ``t_w`` (Fig. 5e).

    Parameters
    ----------
    loss : ndarray, shape ``(T,)``
        Loss per step.
    t_ws : ndarray, shape ``(W,)``
        Window starts (steps).
    window : int
        Window length (steps).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    dl = D.abs_loss_change(loss)
    for c, t in zip(tw_colors(t_ws), t_ws, strict=True):
        seg = dl[int(t) : int(t) + window - 1]
        ax.semilogy(
            np.arange(seg.size), np.where(seg > 0, seg, np.nan), color=c, lw=0.6
        )
    ax.set(xlabel=r"step within window $t - t_w$", ylabel=r"$|\Delta L|$")
    _tw_colorbar(ax, t_ws)
    return fig


def plot_path_scaling(
    items: Sequence[tuple[D.PathScaling, str, object]],
    *,
    xlabel: str,
    ylabel: str,
    ax: Axes | None = None,
    guide: float | None = None,
) -> Figure:
    """Binned pair statistics of paths on log-log axes (Fig. 6b/c).

    Parameters
    ----------
    items : sequence of (PathScaling, str, colour)
        ``(scaling, label, colour)`` per curve
        (:class:`~fractal_lib.diffusion.msd.PathScaling`).
    xlabel, ylabel : str
        Axis labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    guide : float, optional
        Slope of a dashed guide power law through the first point of the first curve
        (e.g. ``Delta r^2`` against contour length, MSL against distance).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    for sc, lab, col in items:
        ax.loglog(sc.contour, sc.r2, "o-", ms=2.5, lw=1.0, label=lab, color=col)
    if guide is not None and items:
        sc = items[0][0]
        x = np.array([sc.contour[0], sc.contour[-1]])
        ax.loglog(
            x,
            sc.r2[0] * (x / x[0]) ** guide,
            ls="--",
            color=PAPER_COLOR,
            lw=1.0,
            label=f"slope {guide:g}",
        )
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(loc="upper left")
    return fig


def plot_hessian(
    fractions: np.ndarray, values: np.ndarray, *, epochs: int, ax: Axes | None = None
) -> Figure:
    """Top Hessian eigenvalues against the training epoch (Fig. 7), largest darkest.

    Parameters
    ----------
    fractions : ndarray, shape ``(n,)``
        Checkpoints as fractions of the training run.
    values : ndarray, shape ``(n, k)``
        The ``k`` largest eigenvalues at each checkpoint.
    epochs : int
        Length of the run in epochs (scales ``fractions``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    ep = np.asarray(fractions) * epochs
    k = values.shape[1]
    cols = plt.get_cmap("Blues")(np.linspace(1.0, 0.35, k))
    for j in range(k):
        ax.plot(
            ep,
            values[:, j],
            "o-",
            color=cols[j],
            lw=1.2,
            label=rf"$\lambda_{{{j + 1}}}$",
        )
    ax.set(xlabel="epoch", ylabel="Hessian eigenvalue")
    ax.legend(ncol=2)
    return fig


def plot_plane(
    coords: np.ndarray, loss: np.ndarray, *, ax: Axes | None = None, levels: int = 30
) -> Figure:
    """Filled contours of ``log10`` of the loss on a 2-D plane (Fig. 1a).

    Parameters
    ----------
    coords : ndarray, shape ``(n,)``
        Coordinates along both directions of the plane; the centre ``(0, 0)`` is marked.
    loss : ndarray, shape ``(n, n)``
        Loss at ``(coords[i], coords[j])``, indexed ``[i, j]`` (floored at ``1e-12``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    levels : int
        Number of contour levels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax, figsize=(4.2, 3.6))
    z = np.log10(np.maximum(loss, 1e-12))
    cs = ax.contourf(coords, coords, z.T, levels=levels, cmap="viridis")
    ax.plot([0], [0], "w+", ms=8)
    fig.colorbar(cs, ax=ax, label=r"$\log_{10}$ loss")
    ax.set(xlabel=r"$a$ (direction 1)", ylabel=r"$b$ (direction 2)", aspect="equal")
    return fig


def plot_toy(
    land,
    run=None,
    *,
    ax: Axes | None = None,
    trials: Sequence[int] | None = None,
    levels: int = 40,
) -> Figure:
    """The toy landscape as contours with trajectories (Fig. 8a/e).

    The wide minimum of the landscape, if any, is circled.

    Parameters
    ----------
    land : ToyLandscape
        The landscape (:class:`~fractal_lib.surfaces.toy_diffusion.ToyLandscape`).
    run : ToyRun, optional
        Trajectories to draw (:func:`~fractal_lib.surfaces.toy_diffusion.run_toy`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    trials : sequence of int, optional
        Trials to draw (default all).
    levels : int
        Number of contour levels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax, figsize=(4.4, 3.8))
    c = land.coords()
    cs = ax.contourf(c, c, land.loss, levels=levels, cmap="cividis")
    fig.colorbar(cs, ax=ax, label="loss")
    if run is not None:
        for k in range(run.positions.shape[0]) if trials is None else trials:
            p = run.positions[k]
            ax.plot(p[:, 0], p[:, 1], "-", color="k", lw=0.7)
            ax.plot(p[0, 0], p[0, 1], "o", color="w", mec="k", ms=4)
    if land.basin is not None:
        cx, cy, w = land.basin
        ax.add_patch(plt.Circle((cx, cy), w, fill=False, ec="r", ls="--", lw=1.0))
    ax.set(xlabel="$w_1$", ylabel="$w_2$", aspect="equal", xlim=(-1, 1), ylim=(-1, 1))
    return fig


def plot_msd_curves(
    curves: Sequence[tuple[np.ndarray, np.ndarray, str]],
    *,
    ax: Axes | None = None,
    guides: Sequence[float] = (1.0,),
) -> Figure:
    """Several MSD curves on log-log axes with slope guides (Fig. 8b/f).

    Parameters
    ----------
    curves : sequence of (ndarray, ndarray, str)
        ``(lags, msd, label)`` per curve.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    guides : sequence of float
        Slopes of dashed guide lines through the first point of the first curve.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    fig, ax = fig_ax(ax)
    for lags, msd, lab in curves:
        ax.loglog(lags, msd, lw=1.5, label=lab)
    if curves:
        lags, msd, _ = curves[0]
        for g in guides:
            x = np.array([lags[0], lags[-1]], dtype=float)
            ax.loglog(x, msd[0] * (x / x[0]) ** g, ls="--", color=PAPER_COLOR, lw=0.9)
    ax.set(xlabel=r"lag $\tau$ (steps)", ylabel="MSD")
    ax.legend(loc="upper left")
    return fig
