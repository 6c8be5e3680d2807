"""Figures of the dynamical-loss chapter (Lavin & Ruiz-Garcia 2024).

Every function accepts ``ax`` (or ``axes``), returns the Figure and sets no title; call
:func:`fractal_lib.core.style.use_style` once per chapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

from ..core.fits import mean_sem
from ..core.style import PAPER_COLOR, fig_ax
from .batched_mlp import TrainResult
from .losses import Schedule

#: Colour of each class (cycled by class index).
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")
#: Colour of each loss, by name.
LOSS_COLORS = {
    "ce": "0.3",
    "dce": "#d62728",
    "mse": "0.3",
    "dmse1": "#1f77b4",
    "dmse2": "#9467bd",
}
#: Legend label of each loss, by name.
LOSS_LABELS = {
    "ce": "CE",
    "dce": "DCE",
    "mse": "MSE",
    "dmse1": "DMSE1",
    "dmse2": "DMSE2",
}


def plot_spiral(
    x: np.ndarray, y: np.ndarray, *, ax: Axes | None = None, s: float = 6
) -> Figure:
    """The spiral data set, coloured by class (Fig. 1a inset).

    Parameters
    ----------
    x : array, shape (N, 2)
        The points.
    y : array of int, shape (N,)
        Class labels.
    ax : Axes, optional
        Where to draw; a new 3 x 3 inch figure by default.
    s : float
        Marker size (points^2).

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    fig, ax = fig_ax(ax, figsize=(3, 3))
    x, y = np.asarray(x), np.asarray(y)
    for c in np.unique(y):
        ax.scatter(
            *x[y == c].T, s=s, color=CLASS_COLORS[int(c) % 3], label=f"class {c}"
        )
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def plot_fig1(
    results: Mapping[int, TrainResult],
    lrs: Sequence[float],
    n_seeds: int,
    *,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Mean static loss and mean top Hessian eigenvalue against the step (Fig. 1a, b).

    One line per width (colour) and learning rate (line style), with ``2/lr`` marked on
    the right panel. Means over seeds (finite runs only).

    Parameters
    ----------
    results : mapping of int to TrainResult
        Width to its run, models ordered learning rate major, seed minor.
    lrs : sequence of float
        The learning rates of each run.
    n_seeds : int
        Seeds per learning rate.
    axes : sequence of two Axes, optional
        Where to draw; a new 1 x 2 figure by default.

    Returns
    -------
    Figure
        The figure of ``axes``.

    References
    ----------
    Lavin, E. & Ruiz-Garcia, M. (2024). arXiv:2410.10690, Fig. 1.
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    fig = axes[0].figure
    styles = ["-", "--", ":", "-."]
    cmap = plt.get_cmap("viridis")
    widths = sorted(results)
    for i, w in enumerate(widths):
        r = results[w]
        color = cmap(0.1 + 0.75 * i / max(len(widths) - 1, 1))
        for j, lr in enumerate(lrs):
            sl = slice(j * n_seeds, (j + 1) * n_seeds)
            steps = np.arange(r.static_loss.shape[1])
            axes[0].plot(
                steps,
                mean_sem(r.static_loss[sl], axis=0)[0],
                ls=styles[j % 4],
                color=color,
                lw=1.0,
                label=f"width {w}, η = {lr:g}",
            )
            lam, _ = mean_sem(r.hess[sl, :, 0], axis=0)
            axes[1].plot(r.hess_steps, lam, ls=styles[j % 4], color=color, lw=1.0)
    for j, lr in enumerate(lrs):
        axes[1].axhline(2 / lr, color=PAPER_COLOR, ls=styles[j % 4], lw=0.8)
        axes[1].annotate(
            f"2/η = {2 / lr:g}",
            (1.0, 2 / lr),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=9,
        )
    axes[0].set(xlabel="step t", ylabel="mean loss (CE)")
    axes[1].set(xlabel="step t", ylabel=r"mean $\lambda_{max}$")
    axes[0].legend(fontsize=9, ncol=1, loc="lower left")
    return fig


def plot_fig2(
    res: TrainResult,
    schedule: Schedule,
    lr: float,
    *,
    axes: Sequence[Axes] | None = None,
    model: int = 0,
) -> Figure:
    """``Gamma_i(t)``, the DCE loss, training accuracy and ``lambda_1, lambda_2`` (Fig.
    2a-d).

    Parameters
    ----------
    res : TrainResult
        The run (with Hessian evaluations).
    schedule : Schedule
        Its class weights.
    lr : float
        Its learning rate (``2/lr`` is marked on the eigenvalue panel).
    axes : sequence of four Axes, optional
        Where to draw; a new 4 x 1 figure by default.
    model : int
        Which model of ``res`` to show.

    Returns
    -------
    Figure
        The figure of ``axes``.

    References
    ----------
    Lavin, E. & Ruiz-Garcia, M. (2024). arXiv:2410.10690, Fig. 2.
    """
    if axes is None:
        fig, axes = plt.subplots(4, 1, figsize=(7, 7.5), sharex=True)
    fig = axes[0].figure
    steps = np.arange(res.loss.shape[1])
    g = schedule.weights(steps)
    for c in range(g.shape[1]):
        axes[0].plot(
            steps, g[:, c], color=CLASS_COLORS[c % 3], lw=1.0, label=rf"$\Gamma_{c}$"
        )
    axes[0].set_ylabel(r"$\Gamma_i(t)$")
    axes[0].legend(ncol=3, fontsize=9, loc="upper right")
    axes[1].plot(steps, res.loss[model], lw=0.4, color="k")
    axes[1].set(ylabel=r"$\mathcal{F}_{DCE}$", yscale="log")
    axes[2].plot(steps, res.acc[model], lw=0.4, color="k")
    axes[2].set_ylabel("training accuracy")
    for k, c in ((0, "#d62728"), (1, "#1f77b4")):
        axes[3].plot(
            res.hess_steps,
            res.hess[model, :, k],
            ".-",
            ms=2,
            lw=0.6,
            color=c,
            label=rf"$\lambda_{k + 1}$",
        )
    axes[3].axhline(2 / lr, color=PAPER_COLOR, ls="--", lw=1.0, label=r"$2/\eta$")
    axes[3].set(xlabel="step t", ylabel="Hessian eigenvalues", yscale="log")
    axes[3].legend(ncol=3, fontsize=9, loc="upper left")
    return fig


def plot_slices(
    slices: Sequence[Mapping[str, np.ndarray]],
    times: Sequence[int],
    *,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Loss on the plane of the top-2 Hessian eigenvectors around ``x_t`` (Fig. 2,
    right).

    ``x_t`` is the red cross; the next positions are green dots joined by lines. The
    colour is ``log10`` of the loss (non-finite values drawn as the largest finite one).

    Parameters
    ----------
    slices : sequence of mapping
        One per time, with ``"grid"`` (1-D coordinates), ``"loss"`` (2-D, indexed
        ``[a, b]``) and ``"traj"`` (``(n, 2)`` projected positions).
    times : sequence of int
        The step of each slice.
    axes : sequence of Axes, optional
        One per slice; a new row of panels by default.

    Returns
    -------
    Figure
        The figure of ``axes``.
    """
    if axes is None:
        fig, axes = plt.subplots(
            1, len(slices), figsize=(2.3 * len(slices), 2.5), squeeze=False
        )
        axes = axes[0]
    fig = axes[0].figure
    for ax, sl, t in zip(axes, slices, times, strict=True):
        grid, z, traj = sl["grid"], np.asarray(sl["loss"]), sl["traj"]
        top = float(np.max(z[np.isfinite(z)])) if np.isfinite(z).any() else 1.0
        zc = np.log10(np.clip(np.nan_to_num(z, nan=top, posinf=top), 1e-12, None))
        ax.pcolormesh(grid, grid, zc.T, cmap="magma", shading="auto")
        ax.plot(traj[:, 0], traj[:, 1], "-", color="#2ca02c", alpha=0.5, lw=0.8)
        ax.plot(traj[:, 0], traj[:, 1], "o", color="#2ca02c", ms=2.5)
        ax.plot(0, 0, "x", color="red", ms=7, mew=2)
        ax.set(
            xlabel=r"$a$ (along $v_1$)",
            xlim=(grid[0], grid[-1]),
            ylim=(grid[0], grid[-1]),
        )
        ax.text(
            0.03,
            0.97,
            f"t = {t}",
            transform=ax.transAxes,
            va="top",
            ha="left",
            color="w",
            fontsize=9,
        )
        ax.set_aspect("equal")
    axes[0].set_ylabel(r"$b$ (along $v_2$)")
    return fig


def plot_fig3(
    widths: Sequence[int], accs: Mapping[str, np.ndarray], *, ax: Axes | None = None
) -> Figure:
    """Mean validation accuracy against width with error-of-the-mean bars (Fig. 3).

    Parameters
    ----------
    widths : sequence of int
        Hidden widths (log2 axis).
    accs : mapping of str to ndarray, shape (len(widths), runs)
        Loss name to validation accuracies (NaN entries ignored).
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.

    References
    ----------
    Lavin, E. & Ruiz-Garcia, M. (2024). arXiv:2410.10690, Fig. 3.
    """
    fig, ax = fig_ax(ax, figsize=(4.5, 3.4))
    for kind, a in accs.items():
        m, e = mean_sem(a, axis=1)
        ax.errorbar(
            widths,
            m,
            yerr=e,
            fmt="o-",
            ms=4,
            lw=1.2,
            capsize=2,
            color=LOSS_COLORS.get(kind),
            label=LOSS_LABELS.get(kind, kind),
        )
    ax.set_xscale("log", base=2)
    ax.set(xlabel="hidden width", ylabel="validation accuracy")
    ax.legend(loc="lower right")
    return fig


def plot_fig4(
    lrs: Sequence[float], lams: Mapping[str, np.ndarray], *, ax: Axes | None = None
) -> Figure:
    """``lambda_max`` at the first instability against the learning rate (Fig. 4).

    Mean ± error of the mean over runs, with the edge-of-stability prediction ``2/lr``.

    Parameters
    ----------
    lrs : sequence of float
        Learning rates.
    lams : mapping of str to ndarray, shape (len(lrs), runs)
        Loss name to ``lambda_max`` at the first instability (NaN entries ignored).
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.

    References
    ----------
    Lavin, E. & Ruiz-Garcia, M. (2024). arXiv:2410.10690, Fig. 4.
    """
    fig, ax = fig_ax(ax, figsize=(4.5, 3.4))
    e = np.asarray(lrs, dtype=float)
    grid = np.geomspace(e.min() * 0.8, e.max() * 1.25, 50)
    ax.plot(grid, 2 / grid, "--", color=PAPER_COLOR, label=r"$2/\eta$")
    for i, (kind, lam) in enumerate(lams.items()):
        m, s = mean_sem(lam, axis=1)
        ax.errorbar(
            e * (1 + 0.03 * (i - 1)),
            m,
            yerr=s,
            fmt="o",
            ms=4,
            capsize=2,
            color=LOSS_COLORS.get(kind),
            label=LOSS_LABELS.get(kind, kind),
        )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel=r"learning rate $\eta$",
        ylabel=r"$\lambda_{max}$ at the first instability",
    )
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(e, [f"{v:g}" for v in e])
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.legend(loc="upper right")
    return fig


def plot_at_map(
    As: Sequence[float],
    Ts: Sequence[int],
    delta: np.ndarray,
    err: np.ndarray | None = None,
    *,
    ax: Axes | None = None,
) -> Figure:
    """Validation accuracy of the dynamical loss minus the static one over the (A, T)
    grid.

    Red: the dynamical loss helps; blue: it hurts. Each cell is annotated with its value
    (and error).

    Parameters
    ----------
    As : sequence of float
        Amplitudes (rows).
    Ts : sequence of int
        Periods in steps (columns).
    delta : ndarray, shape (len(As), len(Ts))
        Accuracy differences.
    err : ndarray, shape (len(As), len(Ts)), optional
        Their standard errors.
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Figure
        The figure of ``ax``.
    """
    fig, ax = fig_ax(ax, figsize=(4.6, 3.4))
    d = np.asarray(delta, dtype=float)
    lim = max(float(np.nanmax(np.abs(d))), 1e-3)
    mesh = ax.pcolormesh(
        np.arange(len(Ts) + 1),
        np.arange(len(As) + 1),
        d,
        cmap="RdBu_r",
        norm=TwoSlopeNorm(0.0, -lim, lim),
    )
    for i in range(len(As)):
        for j in range(len(Ts)):
            txt = (
                f"{d[i, j]:+.3f}"
                if err is None
                else f"{d[i, j]:+.3f}\n±{err[i, j]:.3f}"
            )
            ax.text(
                j + 0.5,
                i + 0.5,
                txt,
                ha="center",
                va="center",
                fontsize=9,
                color="w" if abs(d[i, j]) > 0.6 * lim else "k",
            )
    ax.set_xticks(np.arange(len(Ts)) + 0.5, [f"{t:g}" for t in Ts])
    ax.set_yticks(np.arange(len(As)) + 0.5, [f"{a:g}" for a in As])
    ax.set(xlabel="period T (steps)", ylabel="amplitude A")
    fig.colorbar(mesh, ax=ax, label="Δ validation accuracy")
    return fig


def plot_explorer(
    res: TrainResult,
    schedule: Schedule,
    lr: float,
    *,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Gamma, loss, accuracy (training and validation) and lambda_max of one run.

    The explorer's figure (first model of ``res``).

    Parameters
    ----------
    res : TrainResult
        The run.
    schedule : Schedule
        Its class weights.
    lr : float
        Its learning rate (``2/lr`` is marked on the eigenvalue panel).
    axes : sequence of four Axes, optional
        Where to draw; a new 2 x 2 figure by default.

    Returns
    -------
    Figure
        The figure of ``axes``.
    """
    if axes is None:
        fig, axes = plt.subplots(2, 2, figsize=(9, 5), sharex=True)
        axes = axes.ravel()
    fig = axes[0].figure
    steps = np.arange(res.loss.shape[1])
    g = schedule.weights(steps)
    for c in range(g.shape[1]):
        axes[0].plot(steps, g[:, c], color=CLASS_COLORS[c % 3], lw=1.0)
    axes[0].set_ylabel(r"$\Gamma_i(t)$")
    axes[1].plot(steps, res.loss[0], lw=0.5, color="k", label="dynamical")
    axes[1].plot(
        steps, res.static_loss[0], lw=0.5, color="#d62728", alpha=0.7, label="static"
    )
    axes[1].set(ylabel="loss", yscale="log")
    axes[1].legend(fontsize=9)
    axes[2].plot(steps, res.acc[0], lw=0.5, color="k", label="training")
    if res.val_steps.size:
        axes[2].plot(
            res.val_steps,
            res.val_acc[0],
            "o-",
            ms=3,
            color="#2ca02c",
            label="validation",
        )
    axes[2].set(ylabel="accuracy", xlabel="step t")
    axes[2].legend(fontsize=9)
    if res.hess_steps.size:
        axes[3].plot(
            res.hess_steps,
            res.hess[0, :, 0],
            ".-",
            ms=3,
            lw=0.8,
            color="#d62728",
            label=r"$\lambda_{max}$",
        )
    axes[3].axhline(2 / lr, color=PAPER_COLOR, ls="--", lw=1.0, label=r"$2/\eta$")
    axes[3].set(ylabel="Hessian eigenvalue", xlabel="step t", yscale="log")
    axes[3].legend(fontsize=9)
    return fig
