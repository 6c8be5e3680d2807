"""Figures of multifractal probing (partition functions, tau(q), spectra, exponents,
trends).

Every function accepts ``ax`` (or ``axes``), returns the Figure and sets no title; call
:func:`fractal_lib.core.style.use_style` once per chapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.fits import line_fit
from ..core.style import PAPER_COLOR, fig_ax


def stage_colors(n: int) -> list:
    """``n`` colours from early (light) to late (dark) training.

    Parameters
    ----------
    n : int
        Number of colours.

    Returns
    -------
    list of RGBA tuples
        Samples of the viridis colour map from 0.85 down to 0.1.
    """
    return list(plt.get_cmap("viridis")(np.linspace(0.85, 0.1, max(n, 1))))[:n]


def plot_cascade_check(
    q: np.ndarray,
    tau_est: np.ndarray,
    tau_exact: np.ndarray,
    spectra: Mapping[str, tuple[np.ndarray, np.ndarray]],
    exact: tuple[np.ndarray, np.ndarray],
    *,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Cascade validation: estimated ``tau(q)`` and spectra against the closed forms.

    Left: estimated ``tau(q)`` against the closed form; right: estimated ``f(alpha)``
    spectra (markers, one per method) against the closed form (dashed line).

    Parameters
    ----------
    q : ndarray, shape (n_q,)
        Moment orders.
    tau_est, tau_exact : ndarray, shape (n_q,)
        Estimated and closed-form ``tau(q)``.
    spectra : mapping of str to (ndarray, ndarray)
        Method name to its estimated ``(alpha, f)`` (at most four methods get markers).
    exact : (ndarray, ndarray)
        Closed-form ``(alpha, f)``.
    axes : sequence of two Axes, optional
        Where to draw; a new 1 x 2 figure by default.

    Returns
    -------
    Figure
        The figure of ``axes``.
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.2))
    fig = axes[0].figure
    axes[0].plot(q, tau_exact, color=PAPER_COLOR, ls="--", lw=1.2, label="closed form")
    axes[0].plot(q, tau_est, "o", ms=4, label="estimated")
    axes[0].set(xlabel="$q$", ylabel=r"$\tau(q)$")
    axes[0].legend()
    axes[1].plot(*exact, color=PAPER_COLOR, ls="--", lw=1.2, label="closed form")
    for (name, (a, f)), m in zip(spectra.items(), "osd^", strict=False):
        axes[1].plot(a, f, m, ms=4, mfc="none", label=name)
    axes[1].set(xlabel=r"$\alpha$", ylabel=r"$f(\alpha)$")
    axes[1].legend()
    return fig


def plot_precision_floor(
    scales: np.ndarray,
    responses: Mapping[str, np.ndarray],
    *,
    window: tuple[int, int] | None = None,
    curvature: float | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Median response ``R(eps)`` over directions for several numerics, log-log.

    Each curve has its interquartile band; dashed, ``eps**2 * curvature`` (the quadratic
    prediction); shaded, the fit range. Responses that cancel exactly (``R = 0``) are
    drawn at ``1e-18``.

    Parameters
    ----------
    scales : ndarray, shape (n_scales,)
        Step lengths ``eps`` (Euclidean norm in weight space).
    responses : mapping of str to ndarray, shape (n_dirs, n_scales)
        Label (e.g. the precision) to second-order responses (loss units).
    window : (int, int), optional
        ``(start, stop)`` scale indices of the fit range to shade.
    curvature : float, optional
        Median ``d^T H d`` of the directions, for the quadratic prediction.
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    fig, ax = fig_ax(ax, figsize=(6.0, 3.8))
    for name, R in responses.items():
        R = np.maximum(np.asarray(R, dtype=float), 1e-18)
        med = np.median(R, axis=0)
        lo, hi = np.percentile(R, [25, 75], axis=0)
        (h,) = ax.loglog(scales, med, "o-", ms=4, label=name)
        ax.fill_between(scales, lo, hi, color=h.get_color(), alpha=0.2, lw=0)
    if curvature is not None:
        ax.loglog(
            scales,
            curvature * scales**2,
            ls="--",
            color=PAPER_COLOR,
            lw=1.2,
            label=r"$\varepsilon^2\,\mathrm{median}(d^\top H d)$",
        )
    if window is not None:
        ax.axvspan(
            scales[window[0]],
            scales[window[1] - 1],
            color="0.9",
            zorder=0,
            label="authors' fit range",
        )
    ax.set(xlabel=r"step length $\varepsilon$", ylabel=r"response $R_i(\varepsilon)$")
    ax.legend(fontsize=9)
    return fig


def _stage_lines(
    lines: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]],
    colors: Sequence | None,
    xlabel: str,
    ylabel: str,
    *,
    ax: Axes | None,
    zero_line: bool = False,
) -> Figure:
    """One marked line per label, coloured by stage, with an optional +- band.

    Parameters
    ----------
    lines : mapping of str to (ndarray, ndarray, ndarray or None)
        Label to ``(x, y, band)``, each of shape ``(n,)``; the band, when given, is
        drawn as ``y +- band``.
    colors : sequence of colours, optional
        One per line; :func:`stage_colors` when ``None``.
    xlabel, ylabel : str
        Axis labels.
    ax : Axes, optional
        Where to draw; a new figure when ``None``.
    zero_line : bool
        Draw the horizontal line ``y = 0``.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    fig, ax = fig_ax(ax)
    colors = stage_colors(len(lines)) if colors is None else colors
    for (name, (x, y, band)), c in zip(lines.items(), colors, strict=True):
        ax.plot(x, y, "o-", ms=3, color=c, label=name)
        if band is not None:
            ax.fill_between(x, y - band, y + band, color=c, alpha=0.25, lw=0)
    if zero_line:
        ax.axhline(0, color="0.6", lw=0.6)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=9)
    return fig


def plot_tau_curves(
    q: np.ndarray,
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    colors: Sequence | None = None,
    ylabel: str = r"$\hat\tau(q)$",
    ax: Axes | None = None,
) -> Figure:
    """One ``tau(q)`` curve per label with its error band.

    Parameters
    ----------
    q : ndarray, shape (n_q,)
        Moment orders.
    curves : mapping of str to (ndarray, ndarray)
        Label to ``(mean, se)``, each of shape ``(n_q,)``; the band is mean +- se.
    colors : sequence of colours, optional
        One per curve; :func:`stage_colors` by default.
    ylabel : str
        Label of the y axis.
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    lines = {name: (q, m, se) for name, (m, se) in curves.items()}
    return _stage_lines(lines, colors, "$q$", ylabel, ax=ax, zero_line=True)


def plot_spectra(
    spectra: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    colors: Sequence | None = None,
    xlabel: str = r"$\hat\alpha(q)$",
    ylabel: str = r"$\hat f(q)$",
    ax: Axes | None = None,
) -> Figure:
    """Parametric spectra ``(alpha(q), f(q))``, one per label.

    Parameters
    ----------
    spectra : mapping of str to (ndarray, ndarray)
        Label to ``(alpha, f)`` over the same q grid.
    colors : sequence of colours, optional
        One per spectrum; :func:`stage_colors` by default.
    xlabel, ylabel : str
        Axis labels.
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    lines = {name: (a, f, None) for name, (a, f) in spectra.items()}
    return _stage_lines(lines, colors, xlabel, ylabel, ax=ax)


def plot_exponent_distributions(
    exponents: Mapping[str, np.ndarray],
    *,
    colors: Sequence | None = None,
    bins: np.ndarray | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Histograms (as densities) of per-direction exponents, one per label, with
    medians.

    Parameters
    ----------
    exponents : mapping of str to ndarray
        Label to exponents (any shape; flattened).
    colors : sequence of colours, optional
        One per label; :func:`stage_colors` by default.
    bins : ndarray, optional
        Bin edges; by default 30 bins from ``min(1, p0.5)`` to ``max(3, p99.5)`` of all
        values.
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    fig, ax = fig_ax(ax)
    colors = stage_colors(len(exponents)) if colors is None else colors
    allv = np.concatenate([np.ravel(v) for v in exponents.values()])
    if bins is None:
        lo, hi = np.nanpercentile(allv, [0.5, 99.5])
        bins = np.linspace(min(lo, 1.0), max(hi, 3.0), 31)
    for (name, v), c in zip(exponents.items(), colors, strict=True):
        ax.hist(
            np.ravel(v),
            bins=bins,
            density=True,
            histtype="step",
            lw=1.6,
            color=c,
            label=name,
        )
        ax.axvline(np.nanmedian(v), color=c, ls=":", lw=1.2)
    ax.axvline(2.0, color=PAPER_COLOR, ls="--", lw=1.0, label="smooth (quadratic): 2")
    ax.set(xlabel=r"per-direction exponent $\hat\alpha_i$", ylabel="density")
    ax.legend(fontsize=9)
    return fig


def plot_heatmap(
    fractions: np.ndarray,
    q: np.ndarray,
    values: np.ndarray,
    *,
    label: str,
    cmap: str = "viridis",
    symmetric: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Heat map of a descriptor over (checkpoint, q).

    Checkpoints are placed at equal spacing and labelled by their fraction of training.

    Parameters
    ----------
    fractions : ndarray, shape (n_ckpt,)
        Fraction of training of each checkpoint.
    q : ndarray, shape (n_q,)
        Moment orders.
    values : ndarray, shape (n_ckpt, n_q)
        The descriptor.
    label : str
        Label of the colour bar.
    cmap : str
        Matplotlib colour map.
    symmetric : bool
        Centre the colour scale on 0.
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    fig, ax = fig_ax(ax)
    v = np.asarray(values, dtype=float)
    lim = float(np.nanmax(np.abs(v))) or 1.0
    im = ax.imshow(
        v.T,
        aspect="auto",
        origin="lower",
        cmap=cmap,
        vmin=-lim if symmetric else None,
        vmax=lim if symmetric else None,
        extent=(-0.5, len(fractions) - 0.5, -0.5, len(q) - 0.5),
    )
    ax.set_xticks(range(len(fractions)), [f"{f:g}" for f in fractions])
    ax.set_yticks(range(len(q)), [f"{v:g}" for v in q])
    ax.set(xlabel="fraction of training", ylabel="$q$")
    fig.colorbar(im, ax=ax, label=label)
    return fig


def plot_trend(
    x: np.ndarray,
    y: np.ndarray,
    yerr: np.ndarray,
    *,
    color_by: np.ndarray,
    xlabel: str,
    ylabel: str,
    text: str | None = None,
    logx: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Scatter of a descriptor against a covariate, with a least-squares line.

    Points carry error bars and are coloured by the fraction of training; the line is
    :func:`~fractal_lib.core.fits.line_fit` (in ``log10 x`` with ``logx``), drawn when
    two or more points are finite and ``x`` is not constant.

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Covariate and descriptor.
    yerr : ndarray, shape (n,)
        Error bars of ``y``.
    color_by : ndarray, shape (n,)
        Fraction of training of each point, in [0, 1].
    xlabel, ylabel : str
        Axis labels.
    text : str, optional
        Annotation in the upper left corner (e.g. the correlation).
    logx : bool
        Logarithmic x axis (``x > 0``).
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    fig, ax = fig_ax(ax)
    x, y = np.asarray(x, float), np.asarray(y, float)
    ax.errorbar(x, y, yerr=yerr, fmt="none", ecolor="0.6", lw=1, zorder=1)
    sc = ax.scatter(x, y, c=color_by, cmap="viridis_r", s=30, zorder=2, vmin=0, vmax=1)
    ok = np.isfinite(x) & np.isfinite(y)
    xx = np.log10(x[ok]) if logx else x[ok]
    if ok.sum() >= 2 and np.ptp(xx) > 0:
        fit = line_fit(xx, y[ok])
        xs = np.linspace(xx.min(), xx.max(), 50)
        ax.plot(
            10**xs if logx else xs,
            fit.slope * xs + fit.intercept,
            color=PAPER_COLOR,
            lw=1,
            ls="--",
        )
    if logx:
        ax.set_xscale("log")
    if text:
        ax.text(
            0.03,
            0.95,
            text,
            transform=ax.transAxes,
            va="top",
            fontsize=9,
            bbox={"fc": "white", "ec": "none", "alpha": 0.8},
        )
    ax.set(xlabel=xlabel, ylabel=ylabel)
    fig.colorbar(sc, ax=ax, label="fraction of training")
    return fig


def plot_training(
    fractions: np.ndarray,
    train_acc: np.ndarray,
    test_acc: np.ndarray,
    lr_lambda: np.ndarray | None = None,
    *,
    ax: Axes | None = None,
) -> Figure:
    """Accuracy of each checkpoint, and ``lr * lambda_max`` on a second axis.

    Parameters
    ----------
    fractions : ndarray, shape (n_ckpt,)
        Fraction of training of each checkpoint.
    train_acc, test_acc : ndarray, shape (n_ckpt,)
        Training and test accuracy (fractions in [0, 1]).
    lr_lambda : ndarray, shape (n_ckpt,), optional
        Learning rate times the top Hessian eigenvalue (dimensionless; 2 is the edge of
        stability of GD).
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    fig, ax = fig_ax(ax)
    ax.plot(fractions, train_acc, "o-", label="train accuracy")
    ax.plot(fractions, test_acc, "s-", label="test accuracy")
    ax.set(xlabel="fraction of training", ylabel="accuracy")
    if lr_lambda is not None:
        ax2 = ax.twinx()
        ax2.plot(fractions, lr_lambda, "^--", color="C3", label=r"$\eta\lambda_{\max}$")
        ax2.set_ylabel(r"$\eta\,\lambda_{\max}$")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=9, loc="center right")
    else:
        ax.legend(fontsize=9)
    return fig
