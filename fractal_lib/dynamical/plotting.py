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

from ..core.style import PAPER_COLOR
from .batched_mlp import TrainResult
from .losses import Schedule

CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")
LOSS_COLORS = {"ce": "0.3", "dce": "#d62728", "mse": "0.3", "dmse1": "#1f77b4", "dmse2": "#9467bd"}
LOSS_LABELS = {"ce": "CE", "dce": "DCE", "mse": "MSE", "dmse1": "DMSE1", "dmse2": "DMSE2"}


def fig_ax(ax: Axes | None, **kw) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(**kw)
        return fig, ax
    return ax.figure, ax


def _sem(a: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=float)
    ok = np.isfinite(a)
    n = ok.sum(axis)
    m = np.divide(np.where(ok, a, 0).sum(axis), n, out=np.full(n.shape, np.nan), where=n > 0)
    d = np.where(ok, a - np.expand_dims(np.nan_to_num(m), axis), 0.0)
    v = np.divide((d**2).sum(axis), n - 1, out=np.zeros(n.shape), where=n > 1)
    return m, np.sqrt(v / np.maximum(n, 1))


def plot_spiral(x: np.ndarray, y: np.ndarray, *, ax: Axes | None = None, s: float = 6) -> Figure:
    """The spiral data set, coloured by class (Fig. 1a inset)."""
    fig, ax = fig_ax(ax, figsize=(3, 3))
    x, y = np.asarray(x), np.asarray(y)
    for c in np.unique(y):
        ax.scatter(*x[y == c].T, s=s, color=CLASS_COLORS[int(c) % 3], label=f"class {c}")
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def plot_fig1(results: Mapping[int, TrainResult], etas: Sequence[float], n_seeds: int, *,
              axes: Sequence[Axes] | None = None) -> Figure:
    """Mean static loss (left) and mean top Hessian eigenvalue (right) against the step, for each
    width (colour) and learning rate (line style), with ``2/eta`` dashed (Fig. 1a, b)."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    fig = axes[0].figure
    styles = ["-", "--", ":", "-."]
    cmap = plt.get_cmap("viridis")
    widths = sorted(results)
    for i, w in enumerate(widths):
        r = results[w]
        color = cmap(0.1 + 0.75 * i / max(len(widths) - 1, 1))
        for j, eta in enumerate(etas):
            sl = slice(j * n_seeds, (j + 1) * n_seeds)
            steps = np.arange(r.static_loss.shape[1])
            axes[0].plot(steps, _sem(r.static_loss[sl], axis=0)[0], ls=styles[j % 4], color=color, lw=1.0,
                         label=f"width {w}, η = {eta:g}")
            lam, _ = _sem(r.hess[sl, :, 0])
            axes[1].plot(r.hess_steps, lam, ls=styles[j % 4], color=color, lw=1.0)
    for j, eta in enumerate(etas):
        axes[1].axhline(2 / eta, color=PAPER_COLOR, ls=styles[j % 4], lw=0.8)
        axes[1].annotate(f"2/η = {2 / eta:g}", (1.0, 2 / eta), xycoords=("axes fraction", "data"),
                         xytext=(-2, 2), textcoords="offset points", ha="right", va="bottom", fontsize=7)
    axes[0].set(xlabel="step t", ylabel="mean loss (CE)")
    axes[1].set(xlabel="step t", ylabel=r"mean $\lambda_{max}$")
    axes[0].legend(fontsize=7, ncol=1, loc="lower left")
    return fig


def plot_fig2(res: TrainResult, schedule: Schedule, eta: float, *, axes: Sequence[Axes] | None = None,
              model: int = 0) -> Figure:
    """Gamma_i(t), DCE loss, training accuracy and lambda_1, lambda_2 with ``2/eta`` (Fig. 2a-d)."""
    if axes is None:
        fig, axes = plt.subplots(4, 1, figsize=(7, 7.5), sharex=True)
    fig = axes[0].figure
    steps = np.arange(res.loss.shape[1])
    g = schedule.weights(steps)
    for c in range(g.shape[1]):
        axes[0].plot(steps, g[:, c], color=CLASS_COLORS[c % 3], lw=1.0, label=rf"$\Gamma_{c}$")
    axes[0].set_ylabel(r"$\Gamma_i(t)$")
    axes[0].legend(ncol=3, fontsize=7, loc="upper right")
    axes[1].plot(steps, res.loss[model], lw=0.4, color="k")
    axes[1].set(ylabel=r"$\mathcal{F}_{DCE}$", yscale="log")
    axes[2].plot(steps, res.acc[model], lw=0.4, color="k")
    axes[2].set_ylabel("training accuracy")
    for k, c in ((0, "#d62728"), (1, "#1f77b4")):
        axes[3].plot(res.hess_steps, res.hess[model, :, k], ".-", ms=2, lw=0.6, color=c,
                     label=rf"$\lambda_{k + 1}$")
    axes[3].axhline(2 / eta, color=PAPER_COLOR, ls="--", lw=1.0, label=r"$2/\eta$")
    axes[3].set(xlabel="step t", ylabel="Hessian eigenvalues", yscale="log")
    axes[3].legend(ncol=3, fontsize=7, loc="upper left")
    return fig


def plot_slices(slices: Sequence[Mapping[str, np.ndarray]], times: Sequence[int], *,
                axes: Sequence[Axes] | None = None) -> Figure:
    """Loss on the plane of the top-2 Hessian eigenvectors around ``x_t`` (red cross), with the
    next 20 positions (green dots and arrows) (Fig. 2, right)."""
    if axes is None:
        fig, axes = plt.subplots(1, len(slices), figsize=(2.3 * len(slices), 2.5), squeeze=False)
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
        ax.set(xlabel=r"$a$ (along $v_1$)", xlim=(grid[0], grid[-1]), ylim=(grid[0], grid[-1]))
        ax.text(0.03, 0.97, f"t = {t}", transform=ax.transAxes, va="top", ha="left", color="w", fontsize=8)
        ax.set_aspect("equal")
    axes[0].set_ylabel(r"$b$ (along $v_2$)")
    return fig


def plot_fig3(widths: Sequence[int], accs: Mapping[str, np.ndarray], *, ax: Axes | None = None) -> Figure:
    """Mean validation accuracy against width with error-of-the-mean bars (Fig. 3);
    ``accs[loss]`` has shape ``(len(widths), runs)``."""
    fig, ax = fig_ax(ax, figsize=(4.5, 3.4))
    for kind, a in accs.items():
        m, e = _sem(a, axis=1)
        ax.errorbar(widths, m, yerr=e, fmt="o-", ms=4, lw=1.2, capsize=2, color=LOSS_COLORS.get(kind),
                    label=LOSS_LABELS.get(kind, kind))
    ax.set_xscale("log", base=2)
    ax.set(xlabel="hidden width", ylabel="validation accuracy")
    ax.legend(loc="lower right")
    return fig


def plot_fig4(etas: Sequence[float], lams: Mapping[str, np.ndarray], *, ax: Axes | None = None) -> Figure:
    """``lambda_max`` at the first instability against ``eta`` (mean ± error of the mean) with the
    edge-of-stability prediction ``2/eta`` (Fig. 4); ``lams[loss]`` is ``(len(etas), runs)``."""
    fig, ax = fig_ax(ax, figsize=(4.5, 3.4))
    e = np.asarray(etas, dtype=float)
    grid = np.geomspace(e.min() * 0.8, e.max() * 1.25, 50)
    ax.plot(grid, 2 / grid, "--", color=PAPER_COLOR, label=r"$2/\eta$")
    for i, (kind, lam) in enumerate(lams.items()):
        m, s = _sem(lam, axis=1)
        ax.errorbar(e * (1 + 0.03 * (i - 1)), m, yerr=s, fmt="o", ms=4, capsize=2,
                    color=LOSS_COLORS.get(kind), label=LOSS_LABELS.get(kind, kind))
    ax.set(xscale="log", yscale="log", xlabel=r"learning rate $\eta$",
           ylabel=r"$\lambda_{max}$ at the first instability")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(e, [f"{v:g}" for v in e])
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.legend(loc="upper right")
    return fig


def plot_at_map(As: Sequence[float], Ts: Sequence[int], delta: np.ndarray, err: np.ndarray | None = None, *,
                ax: Axes | None = None) -> Figure:
    """Validation accuracy of the dynamical loss minus the static one over the (A, T) grid;
    ``delta`` has shape ``(len(As), len(Ts))`` (red: dynamical helps, blue: hurts)."""
    fig, ax = fig_ax(ax, figsize=(4.6, 3.4))
    d = np.asarray(delta, dtype=float)
    lim = max(float(np.nanmax(np.abs(d))), 1e-3)
    mesh = ax.pcolormesh(np.arange(len(Ts) + 1), np.arange(len(As) + 1), d, cmap="RdBu_r",
                         norm=TwoSlopeNorm(0.0, -lim, lim))
    for i in range(len(As)):
        for j in range(len(Ts)):
            txt = f"{d[i, j]:+.3f}" if err is None else f"{d[i, j]:+.3f}\n±{err[i, j]:.3f}"
            ax.text(j + 0.5, i + 0.5, txt, ha="center", va="center", fontsize=7,
                    color="w" if abs(d[i, j]) > 0.6 * lim else "k")
    ax.set_xticks(np.arange(len(Ts)) + 0.5, [f"{t:g}" for t in Ts])
    ax.set_yticks(np.arange(len(As)) + 0.5, [f"{a:g}" for a in As])
    ax.set(xlabel="period T (steps)", ylabel="amplitude A")
    fig.colorbar(mesh, ax=ax, label="Δ validation accuracy")
    return fig


def plot_explorer(res: TrainResult, schedule: Schedule, eta: float, *, axes: Sequence[Axes] | None = None
                  ) -> Figure:
    """Gamma, loss, accuracy (training and validation) and lambda_max of one run (the explorer)."""
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
    axes[1].plot(steps, res.static_loss[0], lw=0.5, color="#d62728", alpha=0.7, label="static")
    axes[1].set(ylabel="loss", yscale="log")
    axes[1].legend(fontsize=7)
    axes[2].plot(steps, res.acc[0], lw=0.5, color="k", label="training")
    if res.val_steps.size:
        axes[2].plot(res.val_steps, res.val_acc[0], "o-", ms=3, color="#2ca02c", label="validation")
    axes[2].set(ylabel="accuracy", xlabel="step t")
    axes[2].legend(fontsize=7)
    if res.hess_steps.size:
        axes[3].plot(res.hess_steps, res.hess[0, :, 0], ".-", ms=3, lw=0.8, color="#d62728",
                     label=r"$\lambda_{max}$")
    axes[3].axhline(2 / eta, color=PAPER_COLOR, ls="--", lw=1.0, label=r"$2/\eta$")
    axes[3].set(ylabel="Hessian eigenvalue", xlabel="step t", yscale="log")
    axes[3].legend(fontsize=7)
    return fig
