"""Figures of multifractal landscapes and of GD on them (the Ly & Gong 2025 chapter).

Every function accepts ``ax=`` (or ``axes=``), returns the Figure and sets no title. The
paper's numbers are drawn in grey (``PAPER_COLOR``), dashed or as open markers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.style import PAPER_COLOR, fig_ax
from ..diffusion.msd import PowerLawFit
from ..multifractal.wavelet_leaders import MFSpectrum
from .grid_descent import EoSSweep, Minima, RoughnessFlatness

#: Colour map of loss surfaces.
SURFACE_CMAP = "BrBG_r"


def _panels(
    axes: Sequence[Axes] | None,
    n: int,
    figsize: tuple[float, float],
    ncols: int | None = None,
) -> tuple[Figure, Sequence[Axes]]:
    """The figure of ``axes``, or, if ``axes`` is None, ``n`` new panels in rows of
    ``ncols`` (default: one row), row by row."""
    if axes is None:
        ncols = n if ncols is None else ncols
        _, grid = plt.subplots(
            -(-n // ncols),
            ncols,
            figsize=figsize,
            constrained_layout=True,
            squeeze=False,
        )
        flat = list(grid.flat)
        for ax in flat[n:]:
            ax.remove()
        axes = flat[:n]
    return axes[0].figure, axes


def plot_surface_and_hurst(
    z: np.ndarray, hurst_map: np.ndarray, *, axes: Sequence[Axes] | None = None
) -> Figure:
    """The landscape (left) and its Hölder map ``H(x, y)`` (right).

    Parameters
    ----------
    z : ndarray, shape ``(n_rows, n_cols)``
        The landscape, ``z[row, col]``.
    hurst_map : ndarray, shape ``(n_rows, n_cols)``
        Hölder exponent per pixel (colour scale 0.3 to 0.7).
    axes : sequence of matplotlib.axes.Axes, optional
        The panels to draw on (default: a new figure).
        Two panels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, axes = _panels(axes, 2, (8.4, 3.8))
    im = axes[0].imshow(z, origin="lower", cmap=SURFACE_CMAP, rasterized=True)
    fig.colorbar(im, ax=axes[0], label="loss $L(x, y)$", shrink=0.85)
    im2 = axes[1].imshow(
        hurst_map, origin="lower", cmap="coolwarm_r", vmin=0.3, vmax=0.7
    )
    fig.colorbar(im2, ax=axes[1], label="Hölder exponent $H(x, y)$", shrink=0.85)
    for ax in axes:
        ax.set(xlabel="$x$ (pixels)", ylabel="$y$ (pixels)")
    return fig


def plot_spectra(
    spectra: Mapping[str, MFSpectrum],
    *,
    paper: Mapping[str, tuple[float, float]] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """``f(alpha)`` curves (``D(q)`` against ``h(q)``), one per spectrum.

    Parameters
    ----------
    spectra : mapping of str to MFSpectrum
        Label -> :class:`~fractal_lib.multifractal.wavelet_leaders.MFSpectrum`.
    paper : mapping of str to (float, float), optional
        Label -> the authors' range of ``alpha``, drawn as a grey bar near ``f = 2``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    for i, (label, s) in enumerate(spectra.items()):
        order = np.argsort(s.q)
        ax.plot(s.h[order], s.D[order], "o-", ms=3, lw=1.2, color=f"C{i}", label=label)
        if paper and label in paper:
            lo, hi = paper[label]
            ax.plot(
                [lo, hi],
                [2.03 + 0.03 * i] * 2,
                color=f"C{i}",
                lw=4,
                alpha=0.35,
                solid_capstyle="butt",
            )
    if paper:
        ax.plot(
            [],
            [],
            color=PAPER_COLOR,
            lw=4,
            alpha=0.35,
            label="paper's range of $\\alpha$",
        )
    ax.set(xlabel=r"$\alpha = h(q)$", ylabel=r"$f(\alpha) = D(q)$")
    ax.legend(loc="lower center", fontsize="small")
    return fig


def plot_minima(
    z: np.ndarray,
    minima: Minima,
    *,
    vmax: float = 20.0,
    boxes: Sequence[Mapping[str, Any]] = (),
    ax: Axes | None = None,
) -> Figure:
    """The lowest minima on the landscape, coloured by flatness ``F``.

    Parameters
    ----------
    z : ndarray, shape ``(n_rows, n_cols)``
        The landscape, ``z[row, col]``.
    minima : Minima
        From :func:`~fractal_lib.surfaces.grid_descent.local_minima`.
    vmax : float
        Top of the flatness colour scale.
    boxes : sequence of mapping
        Rectangles outlining clusters: ``{"cols": (c0, c1), "rows": (r0, r1)}`` in
        pixels, optionally with ``"color"``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax, figsize=(4.6, 4.0))
    ax.imshow(z, origin="lower", cmap="Greys", alpha=0.35, rasterized=True)
    sc = ax.scatter(
        minima.cols,
        minima.rows,
        c=minima.flatness,
        s=3,
        cmap="viridis",
        vmin=0,
        vmax=vmax,
    )
    fig.colorbar(sc, ax=ax, label="flatness $F$", extend="max", shrink=0.85)
    for b in boxes:
        (c0, c1), (r0, r1) = b["cols"], b["rows"]
        ax.add_patch(
            plt.Rectangle(
                (c0, r0), c1 - c0, r1 - r0, fill=False, ec=b.get("color", "k"), lw=1.2
            )
        )
    ax.set(
        xlabel="$x$ (pixels)",
        ylabel="$y$ (pixels)",
        xlim=(0, z.shape[1]),
        ylim=(0, z.shape[0]),
    )
    return fig


def plot_cluster_counts(
    radii: np.ndarray,
    curves: Mapping[str, np.ndarray | None],
    fits: Mapping[str, PowerLawFit | None],
    *,
    paper: Mapping[str, tuple[float, float]] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """``N(R)`` per cluster of minima with the fitted power law.

    Parameters
    ----------
    radii : ndarray, shape ``(r,)``
        Radii (pixels).
    curves : mapping of str to ndarray or None
        Label -> ``N(R)`` at ``radii`` (None: no cluster, skipped).
    fits : mapping of str to PowerLawFit or None
        Label -> :class:`~fractal_lib.diffusion.msd.PowerLawFit`, drawn over its fitted
        range.
    paper : mapping of str to (float, float), optional
        Label -> the authors' ``(prefactor, exponent)``, drawn dashed.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    for i, (label, n_r) in enumerate(curves.items()):
        if n_r is None:
            continue
        ax.loglog(radii, n_r, "o", ms=2.5, color=f"C{i}", alpha=0.7)
        fit = fits.get(label)
        if fit is not None:
            r = np.array([fit.x_min, fit.x_max])
            ax.loglog(
                r,
                fit.prefactor * r**fit.exponent,
                "-",
                color=f"C{i}",
                lw=2,
                label=f"{label}: here $R^{{{fit.exponent:.2f}}}$",
            )
        if paper and label in paper:
            a, d = paper[label]
            r = np.logspace(0, np.log10(radii.max()), 20)
            ax.loglog(
                r,
                a * r**d,
                "--",
                color=f"C{i}",
                lw=1,
                alpha=0.8,
                label=f"{label}: paper $R^{{{d:.2f}}}$",
            )
    ax.set(xlabel="radius $R$ (pixels)", ylabel="minima within $R$, $N(R)$")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_roughness_flatness(rf: RoughnessFlatness, *, ax: Axes | None = None) -> Figure:
    """``||H||_F^2`` against ``r(H) chi^{2H-2}``: pixels, bin means and the fit.

    Parameters
    ----------
    rf : RoughnessFlatness
        From :func:`~fractal_lib.surfaces.grid_descent.roughness_flatness`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    ax.loglog(rf.x, rf.y, ".", ms=1, color="0.7", rasterized=True)
    ax.loglog(rf.bin_x, rf.bin_y, "o", ms=3, color="C0", label="bin means (geometric)")
    x = np.array([rf.bin_x.min(), rf.bin_x.max()])
    ax.loglog(
        x,
        rf.slope * x,
        "-",
        color="C3",
        lw=1.5,
        label=f"$y = m x$, $R^2$ = {rf.log_r2:.2f}",
    )
    ax.set(xlabel=r"$r(H)\,\chi^{2H-2}$", ylabel=r"$\|\mathbf{H}\|_F^2$")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_trajectory(
    z: np.ndarray, folded: np.ndarray, *, ax: Axes | None = None
) -> Figure:
    """A GD trajectory (folded positions) over the landscape, start and end marked.

    Parameters
    ----------
    z : ndarray, shape ``(n_rows, n_cols)``
        The landscape, ``z[row, col]``.
    folded : ndarray, shape ``(T, 2)``
        On-grid positions ``(x, y)`` in pixels (``Descent.folded`` of one run); jumps
        longer than half the grid (reflections) are not joined.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax, figsize=(4.6, 4.0))
    ax.imshow(z, origin="lower", cmap=SURFACE_CMAP, rasterized=True)
    p = np.asarray(folded)
    jumps = np.flatnonzero(np.abs(np.diff(p, axis=0)).max(axis=1) > 0.5 * min(z.shape))
    for seg in np.split(np.arange(p.shape[0]), jumps + 1):
        ax.plot(p[seg, 0], p[seg, 1], "-", color="k", lw=0.5)
    ax.plot(*p[0], "^", color="C3", ms=7, label="start")
    ax.plot(*p[-1], "v", color="C1", ms=7, label="end")
    ax.set(
        xlabel="$x$ (pixels)",
        ylabel="$y$ (pixels)",
        xlim=(0, z.shape[1]),
        ylim=(0, z.shape[0]),
    )
    ax.legend(
        loc="upper center",
        ncol=2,
        fontsize="small",
        bbox_to_anchor=(0.5, 1.12),
        frameon=False,
    )
    return fig


def plot_tamsd_family(
    fam: Mapping[str, np.ndarray],
    *,
    guides: Sequence[tuple[float, float]] = ((0.6, 0.3), (1.1, 3.0)),
    ax: Axes | None = None,
    cmap: str = "viridis",
) -> Figure:
    """TAMSD curves coloured by waiting time, with dashed guide power laws.

    Parameters
    ----------
    fam : mapping
        ``"t_w"`` (waiting times, shape ``(W,)``), ``"lags"`` (shape ``(L,)``) and
        ``"msd"`` (shape ``(W, L)``, pixels squared).
    guides : sequence of (float, float)
        ``(exponent, value at tau = 1)`` of each guide line.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    cmap : str
        Colour map of the waiting times.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    tw = fam["t_w"]
    cm = plt.get_cmap(cmap)
    for i, m in enumerate(fam["msd"]):
        ax.loglog(fam["lags"], m, color=cm(i / max(len(tw) - 1, 1)), lw=1.2)
    sm = plt.cm.ScalarMappable(cmap=cm, norm=plt.Normalize(tw.min(), tw.max()))
    fig.colorbar(sm, ax=ax, label="waiting time $t_w$")
    tau = np.array([1.0, float(fam["lags"].max())])
    for expo, y0 in guides:
        ax.loglog(tau, y0 * tau**expo, "--", color=PAPER_COLOR, lw=1)
        ax.annotate(
            rf"$\tau^{{{expo:g}}}$",
            (tau[1], y0 * tau[1] ** expo),
            fontsize="small",
            color=PAPER_COLOR,
            ha="right",
            va="bottom",
        )
    ax.set(xlabel=r"lag $\tau$ (iterations)", ylabel="TAMSD (pixels$^2$)")
    return fig


def plot_eos(
    sweep: EoSSweep,
    *,
    band: tuple[float, float] | None = None,
    paper: Mapping[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Leading eigenvalue against the learning rate, with ``2/eta`` and the EoS band.

    The geometric mean over seeds and iterations is drawn with the paper's error band
    (:meth:`~fractal_lib.surfaces.grid_descent.EoSSweep.error_band`).

    Parameters
    ----------
    sweep : EoSSweep
        From :func:`~fractal_lib.surfaces.grid_descent.eos_sweep`.
    band : (float, float), optional
        The paper's edge-of-stability range of learning rates, shaded.
    paper : mapping of float to float, optional
        Learning rate -> the authors' ``lambda_1``, open squares.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    gm = sweep.geometric_mean()
    lo, hi = sweep.error_band()
    ax.fill_between(sweep.lrs, lo, hi, color="C0", alpha=0.2, lw=0)
    ax.loglog(
        sweep.lrs,
        gm,
        "o-",
        ms=3,
        color="C0",
        label=r"here: $\lambda_1$ (geometric mean)",
    )
    ax.loglog(sweep.lrs, 2 / sweep.lrs, "k-", lw=1, label=r"$2/\eta$")
    if paper:
        e = np.array(sorted(paper))
        ax.loglog(
            e,
            [paper[k] for k in e],
            "s",
            mfc="none",
            color=PAPER_COLOR,
            label=r"paper: $\lambda_1$",
        )
    if band:
        ax.axvspan(*band, color="C1", alpha=0.12, lw=0, label="paper's EoS band")
    ax.set(xlabel=r"learning rate $\eta$", ylabel=r"leading eigenvalue $\lambda_1$")
    ax.legend(loc="lower left", fontsize="small")
    return fig


def plot_mle(
    lrs: np.ndarray,
    mean: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    band: tuple[float, float] | None = None,
    paper_plateau: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Maximal Lyapunov exponent against the learning rate, with its 95 % interval.

    Parameters
    ----------
    lrs : ndarray, shape ``(k,)``
        Learning rates.
    mean, lo, hi : ndarray, shape ``(k,)``
        Exponent (per step, natural log) and its interval.
    band : (float, float), optional
        The paper's edge-of-stability range of learning rates, shaded.
    paper_plateau : (float, float), optional
        The authors' plateau ``(mean, spread)``, drawn over ``band``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    ax.fill_between(lrs, lo, hi, color="C2", alpha=0.25, lw=0)
    ax.semilogx(lrs, mean, "o-", ms=3, color="C2", label="here (95 % CI)")
    ax.axhline(0, color="k", lw=0.8)
    if band:
        ax.axvspan(*band, color="C1", alpha=0.12, lw=0, label="paper's EoS band")
    if paper_plateau:
        m, s = paper_plateau
        ax.fill_between(
            band or (lrs.min(), lrs.max()),
            m - s,
            m + s,
            color=PAPER_COLOR,
            alpha=0.3,
            lw=0,
            label=f"paper's plateau {m:.2f} ± {s:.2f}",
        )
    ax.set(xlabel=r"learning rate $\eta$", ylabel="maximal Lyapunov exponent")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_alpha_vs_h(
    hursts: np.ndarray,
    alphas: np.ndarray,
    err: np.ndarray | None = None,
    *,
    paper: Mapping[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Diffusion exponent against ``H`` with the theory ``alpha = min(1, 2 - 2H)``.

    Parameters
    ----------
    hursts : ndarray, shape ``(k,)``
        Hurst exponents of the surfaces.
    alphas : ndarray, shape ``(k,)``
        Measured diffusion exponents.
    err : ndarray, shape ``(k,)`` or ``(2, k)``, optional
        Error bars (as :meth:`matplotlib.axes.Axes.errorbar`).
    paper : mapping of float to float, optional
        ``H`` -> the authors' exponent, open squares.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    h = np.linspace(0, 1, 101)
    ax.plot(
        h,
        np.minimum(1, 2 - 2 * h),
        ":",
        color="C0",
        lw=2,
        label=r"theory $\min(1, 2-2H)$",
    )
    ax.errorbar(
        hursts,
        alphas,
        yerr=err,
        fmt="o",
        color="C0",
        capsize=0,
        label="here: GD on fBs",
    )
    if paper:
        k = np.array(sorted(paper))
        ax.plot(
            k, [paper[v] for v in k], "s", mfc="none", color=PAPER_COLOR, label="paper"
        )
    ax.set(
        xlabel="Hölder exponent $H$",
        ylabel=r"diffusion exponent $\alpha$",
        xlim=(0, 1),
        ylim=(0, None),
    )
    ax.legend(loc="lower left", fontsize="small")
    return fig


def plot_fle_fits(
    lags: np.ndarray,
    curves: Mapping[str, np.ndarray],
    fits: Mapping[str, np.ndarray],
    *,
    ax: Axes | None = None,
) -> Figure:
    """Measured TAMSDs (markers) with fitted fractional-Langevin predictions (lines).

    Parameters
    ----------
    lags : ndarray, shape ``(L,)``
        Lags (steps).
    curves : mapping of str to ndarray
        Label -> measured TAMSD, shape ``(L,)`` (25 log-spaced lags are drawn).
    fits : mapping of str to ndarray
        Label -> predicted TAMSD at ``lags`` (e.g.
        :func:`~fractal_lib.surfaces.fractional_langevin.harmonic_tamsd`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, ax = fig_ax(ax)
    for i, (label, y) in enumerate(curves.items()):
        sel = np.unique(
            np.round(np.logspace(0, np.log10(len(lags)), 25)).astype(int) - 1
        )
        ax.loglog(lags[sel], y[sel], "o", mfc="none", ms=4, color=f"C{i}", label=label)
        if label in fits:
            ax.loglog(lags, fits[label], "-", color=f"C{i}", lw=1.2)
    ax.set(xlabel=r"lag $\tau$", ylabel="TAMSD")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_washboard(
    x: np.ndarray, fam: Mapping[str, np.ndarray], *, axes: Sequence[Axes] | None = None
) -> Figure:
    """FLE run in the harmonic + washboard potential: position and TAMSD family.

    Parameters
    ----------
    x : ndarray, shape ``(T,)``
        Position per iteration.
    fam : mapping
        TAMSD family as in :func:`plot_tamsd_family`.
    axes : sequence of matplotlib.axes.Axes, optional
        The panels to draw on (default: a new figure).
        Two panels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    fig, axes = _panels(axes, 2, (8.4, 3.4))
    axes[0].plot(x, lw=0.7)
    axes[0].set(xlabel="iteration", ylabel="position $x$")
    plot_tamsd_family(fam, guides=((1.2, 5.0), (0.6, 0.5), (0.35, 0.05)), ax=axes[1])
    return fig


def plot_cnn_slices(
    coords: np.ndarray,
    planes: np.ndarray,
    labels: Sequence[str],
    spectra: Sequence[MFSpectrum],
    *,
    clip: float = 10.0,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Loss slices at training checkpoints and their ``f(alpha)`` spectra (last panel).

    Parameters
    ----------
    coords : ndarray, shape ``(n,)``
        Coordinates along both directions of the slices.
    planes : ndarray, shape ``(k, n, n)``
        Loss on each slice, indexed ``[i, j]`` for ``(coords[i], coords[j])``.
    labels : sequence of str
        One label per slice.
    spectra : sequence of MFSpectrum
        One spectrum per slice.
    clip : float
        Loss values above this are clipped in the images.
    axes : sequence of matplotlib.axes.Axes, optional
        The panels to draw on (default: a new figure).
        ``k + 1`` panels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes.
    """
    k = len(planes)
    # At most three panels a row: four would shrink the labels below 9 px in the column.
    ncols = k + 1 if k + 1 <= 3 else 2
    nrows = -(-(k + 1) // ncols)
    fig, axes = _panels(axes, k + 1, (3.4 * ncols, 3.0 * nrows), ncols)
    ext = (coords[0], coords[-1], coords[0], coords[-1])
    for ax, p, lab in zip(axes[:k], planes, labels, strict=True):
        ax.imshow(np.minimum(p.T, clip), origin="lower", extent=ext, cmap=SURFACE_CMAP)
        ax.contour(
            coords, coords, np.minimum(p.T, clip), levels=12, colors="k", linewidths=0.3
        )
        ax.set(xlabel=r"$\delta_1$", ylabel=r"$\delta_2$")
        ax.text(
            0.03,
            0.95,
            lab,
            transform=ax.transAxes,
            va="top",
            fontsize="small",
            bbox={"fc": "w", "alpha": 0.7, "lw": 0},
        )
    plot_spectra(dict(zip(labels, spectra, strict=True)), ax=axes[k])
    return fig
