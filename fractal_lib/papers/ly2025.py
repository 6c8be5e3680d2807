"""Settings, reported numbers and cached recipes of Ly & Gong (2025), *Optimization on
multifractal loss landscapes explains a diverse range of geometrical and dynamical
properties of deep learning* (Nat. Commun. 16, doi:10.1038/s41467-025-58532-9), used by
``notebooks/ly2025_multifractal_landscape.md``.

Only the abstract of the paper is public here; the protocols below are read from the
authors' code (``github.com/anly2178/GD-multifractal-landscape``) and the numbers in
:data:`REPORTED` were recomputed from their committed result files (see
``shared/research/abstract_papers.md``, Paper 1). The machinery is generic and lives in
:mod:`fractal_lib.surfaces.fields`, :mod:`fractal_lib.surfaces.grid_descent`,
:mod:`fractal_lib.surfaces.lyapunov`, :mod:`fractal_lib.multifractal.wavelet_leaders`,
:mod:`fractal_lib.surfaces.fractional_langevin` and :mod:`fractal_lib.diffusion.msd`;
the recipes here only fix the authors' protocols and cache every result on disk. The
helpers at the end format our side of the chapter's comparison rows.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.cache import code_version_of, default_cache
from ..core.checks import EstimatorWarning, warn_limit
from ..core.fits import bootstrap_ci
from ..core.report import Reported
from ..diffusion import msd as Dif
from ..multifractal import wavelet_leaders as W
from ..surfaces import fields as S
from ..surfaces import fractional_langevin as FL
from ..surfaces import grid_descent as G
from ..surfaces import lyapunov as Ly

#: Version of this module's code, part of every cache key of its recipes.
CODE_VERSION = code_version_of(__name__)

# ----------------------------------------------------------------- the paper's settings
N = 1024
"""Grid side of the landscape (pixels; GD runs in pixel units)."""
H_MEAN, H_AMP = 0.5, 0.2
"""``H(x, y) = 0.5 + 0.2 sin(2 pi x/1024) cos(3 pi y/2048)``, in [0.3, 0.7]."""

LR_MAIN, T_MAIN = 1000.0, 10_000
"""Main trajectory: lr = 1000, 10^4 steps from the global maximum + N(0, 1) jitter."""
#: Length of each TAMSD window, steps (:func:`tamsd_family`, :func:`alpha_vs_h`).
TAMSD_WINDOW = 3000
#: Waiting times at which the TAMSD windows start, steps (:func:`tamsd_family`).
T_WAITS = np.array(
    [0, 500, 1000, 1500, 2000, 2500, 3000, 3200, 3400, 3600, 3800, 4000, 4500, 5000]
)
#: Largest TAMSD lag, steps.
TAU_MAX = 999

#: The 40 learning rates of the edge-of-stability sweep, 1 to 10^4 (pixel units).
EOS_LRS = np.logspace(0, 4, 40)
#: Edge-of-stability sweep: seeds per learning rate, GD steps, last steps averaged.
EOS_SEEDS, EOS_STEPS, EOS_LAST = 10, 5000, 100
EOS_BAND = (25.0, 1000.0)
"""The authors' edge-of-stability band of learning rates (stable below, EoS inside)."""
EOS_LARGE_LR = 3000.0
"""Learning rates from here on are where the authors' sharpness stops falling."""
MLE_PLATEAU_MAX = 744
"""Largest learning rate of the authors' Lyapunov plateau (their grid value rounded)."""

#: Lyapunov protocol: burn-in steps, trials, estimates per trial, steps between
#: renormalisations, initial separation d0 (pixels).
LYAP_BURN_IN, LYAP_TRIALS, LYAP_ESTIMATES, LYAP_INTERVAL, LYAP_D0 = (
    5000,
    100,
    100,
    10,
    0.1,
)
#: Bootstrap resamples of the Lyapunov exponent's mean (:func:`lyapunov_sweep`).
LYAP_BOOT = 10_000

#: Lowest local minima kept for the clusters (:func:`minima_clusters`).
N_LOWEST = 3000
#: The authors' smooth-cluster box on the 1024 grid (columns, rows; see ROUGH_BOX).
SMOOTH_BOX = {"cols": (670, 810), "rows": (700, 950)}
ROUGH_BOX = {"cols": (200, 300), "rows": (710, 860)}
"""The authors' cluster boxes on the 1024 grid (smooth basin H ~ 0.65, rough ~ 0.32)."""
NR_FIT = (3.0, 30.0)
"""Our fit range of N(R) in pixels of the 1024 grid (the authors' is not recorded)."""
#: Roughness-flatness law: random pixels sampled and log-spaced bins of the predictor.
RF_POINTS, RF_BINS = 10_000, 99

#: Hurst exponents of the fBs surfaces, 0.1 to 0.9 (:func:`alpha_vs_h`).
FBS_H = np.round(np.arange(0.1, 1.0, 0.1), 1)
#: Trajectories per fBs surface (``n_traj`` of :func:`alpha_vs_h`).
ALPHA_TRAJ = 5
#: Waiting time of the TAMSD window of :func:`alpha_vs_h`: the last of :data:`T_WAITS`.
ALPHA_TW = int(T_WAITS[-1])
#: Hurst exponents of the fBs surfaces whose TAMSD is fitted (:func:`fle_fits`).
FLE_H = (0.4, 0.5, 0.6, 0.7)

#: Harmonic + tilted-washboard potential of Fig. 4c, keywords of
#: :func:`fractal_lib.surfaces.fractional_langevin.washboard_gradient`.
WASHBOARD = {
    "amplitude": 0.1,
    "period": 100.0,
    "bias": 0.01,
    "radius": 200.0,
    "k": 5e-4,
}
#: The authors' FLE run in :data:`WASHBOARD` (start, steps, lr, H, beta).
WASHBOARD_RUN = {
    "x0": -700.0,
    "steps": 10_000,
    "lr": 1000.0,
    "hurst": 0.7,
    "beta": 5e3,
}

CNN = {"batch_size": 64, "lr": 0.01, "span": 1.0}
"""Real-network slice: SGD without momentum, one 64-image training batch,
filter-normalised directions over [-span, span]^2 (the authors: VGG-16 on CIFAR-10, lr
1e-3, 20 epochs)."""
VGG_EPOCHS = 20
"""Epochs of the authors' VGG-16 training (slices at epochs 1, 10 and 20)."""
SLICE_GRID = 257
"""Side of the authors' loss slices (points per direction)."""

# --------------------------------------------------------------------- reported numbers
_DATA = (
    "the authors' committed result files, recomputed in the methods dossier "
    "(shared/research/abstract_papers.md, Paper 1, Sec. 1.5)"
)
_CODE = "the authors' code and demo notebook (methods dossier, Paper 1)"


def _number(
    figure: str,
    quantity: str,
    value: float,
    digits: int | None,
    *,
    template: str = "{}",
    source: str = _DATA,
) -> Reported:
    """A reported number, printed with ``digits`` decimals (None: ``g``) in
    ``template``."""
    text = f"{value:g}" if digits is None else f"{value:.{digits}f}"
    return Reported(
        figure, quantity, value, source=source, display=template.format(text)
    )


def _range(
    figure: str,
    quantity: str,
    lo: float,
    hi: float,
    digits: int | None,
    *,
    bracket: bool = True,
    tail: str = "",
    source: str = _DATA,
) -> Reported:
    """A reported range, printed ``[lo, hi]`` or ``lo-hi`` (``digits``: see
    ``_number``)."""
    a, b = (f"{v:g}" if digits is None else f"{v:.{digits}f}" for v in (lo, hi))
    text = f"[{a}, {b}]" if bracket else f"{a}-{b}"
    return Reported(
        figure,
        quantity,
        (lo, hi),
        kind="range",
        source=source,
        display=text + tail,
    )


def _with_tail(fact: Reported, tail: str) -> Reported:
    """``fact`` with ``tail`` (a qualifier of the paper's) after its printed value."""
    return replace(fact, display=fact.text() + tail)


def _curve(
    name: str,
    figure: str,
    label: str,
    points: dict[float, float],
    digits: int | None,
) -> dict[str, Reported]:
    """One fact per point of a curve of the paper, named ``name[x]``."""
    return {
        f"{name}[{x:g}]": _number(figure, label.format(x=x), y, digits)
        for x, y in points.items()
    }


REPORTED: dict[str, Reported] = {
    "mbs_alpha_peak": _number(
        "Landscape (b)",
        "f(alpha) of the multifractional surface: position of the peak",
        0.46,
        2,
    ),
    "fbs05_alpha_range": _range(
        "Landscape (b)", "f(alpha) of fBs H = 0.5: alpha range", 0.424, 0.440, 3
    ),
    **{
        f"vgg_alpha_range[{epoch}]": _range(
            "Real network",
            f"alpha range of the VGG-16 slice at epoch {epoch}",
            *lo_hi,
            2,
        )
        for epoch, lo_hi in {
            1: (0.12, 0.64),
            10: (0.13, 0.92),
            20: (0.14, 1.72),
        }.items()
    },
    "nr_smooth": _number("Landscape (d)", "N(R) exponent, smooth basin", 1.72, 2),
    "nr_rough": _number("Landscape (d)", "N(R) exponent, rough basin", 1.60, 2),
    "nr_smooth_prefactor": _number(
        "Landscape (d)", "N(R) prefactor, smooth basin", 0.515, 3
    ),
    "nr_rough_prefactor": _number(
        "Landscape (d)", "N(R) prefactor, rough basin", 0.746, 3
    ),
    "roughness_flatness": Reported(
        "Landscape (f)",
        "||H||_F^2 against r(H) chi^(2H-2)",
        "proportional (log-log line of slope 1)",
        kind="claim",
        source=_CODE,
    ),
    "tamsd_short": _range(
        "Dynamics (b)",
        "TAMSD exponent, lags 1-10",
        0.57,
        0.69,
        2,
        bracket=False,
        tail=" (t_w >= 500)",
    ),
    "tamsd_super": _range(
        "Dynamics (b)",
        "TAMSD exponent, lags 100-999, t_w <= 3400",
        1.0,
        1.3,
        1,
        bracket=False,
    ),
    "tamsd_confined_from": _number(
        "Dynamics (b)", "waiting time from which GD is confined (steps)", 3600, 0
    ),
    "tamsd_confined": _number(
        "Dynamics (b)",
        "TAMSD exponent, lags 100-999, t_w >= 3600",
        0.0,
        0,
        template="about {} (confined)",
    ),
    **_curve(
        "eos_lambda1",
        "Dynamics (c)",
        "geometric-mean lambda_1 over the last 100 steps at eta = {x:g}",
        {
            1: 0.120,
            10.6: 0.112,
            27: 0.070,
            55: 0.065,
            113: 0.040,
            289: 0.024,
            744: 0.0072,
            1194: 0.0076,
            3070: 0.0063,
            10_000: 0.011,
        },
        None,
    ),
    "eos_edge": _number(
        "Dynamics (c)",
        "largest eta with lambda_1 < 2/eta",
        EOS_BAND[0],
        0,
        template="about {}",
    ),
    "eos_ratio": _range(
        "Dynamics (c)",
        "lambda_1 eta / 2 inside the EoS band (above the edge)",
        1.0,
        3.7,
        None,
        bracket=False,
    ),
    "eos_large_lr": _range(
        "Dynamics (c)",
        f"lambda_1 at eta >= {EOS_LARGE_LR:g}",
        0.006,
        0.011,
        None,
        bracket=False,
    ),
    "mle_first_positive": _range(
        "Dynamics (d)",
        "first eta with a positive exponent",
        22.0,
        27.0,
        None,
        bracket=False,
    ),
    "mle_plateau": Reported(
        "Dynamics (d)",
        "mean exponent for 27 <= eta <= 744",
        0.35,
        error=0.06,
        source=_DATA,
    ),
    "mle_at_main_lr": _with_tail(
        Reported(
            "Dynamics (d)",
            f"exponent at eta = {LR_MAIN:g}",
            0.478,
            kind="interval",
            error=(0.464, 0.491),
            source=_DATA,
        ),
        f" (eta = {LR_MAIN:g})",
    ),
    "mle_linear": Reported(
        "Dynamics (d)",
        "linear-regime exponent (d0 = 1e-4 px, 1 step)",
        "not measured",
        kind="claim",
        source=_CODE,
    ),
    **_curve(
        "alpha_vs_h",
        "Theory (a)",
        "alpha at H = {x:g}",
        {
            0.1: 0.98,
            0.2: 1.01,
            0.3: 0.98,
            0.4: 0.98,
            0.5: 0.99,
            0.6: 0.80,
            0.7: 0.62,
            0.8: 0.44,
            0.9: 0.20,
        },
        2,
    ),
    "fle_fit": Reported(
        "Theory (b)",
        "fractional-Langevin fit on fBs: fitted H",
        "fits by eye (no number)",
        kind="claim",
        source=_CODE,
    ),
    "washboard_slide": _number(
        "Theory (c)",
        "washboard TAMSD exponent, t_w = 0, lags 100-999",
        1.2,
        1,
        template="about {}",
        source=_CODE,
    ),
    "washboard_well_late": _number(
        "Theory (c)",
        "TAMSD exponent in the well, lags 10-100",
        0.35,
        2,
        source=_CODE,
    ),
}
"""The numbers and claims of the paper the chapter compares with, each written once.

Only the abstract is public, so every value was recomputed from the authors' committed
result files or read from their code (``source``). Curves are one fact per point,
``name[x]``: read them back with :func:`reported_curve`.
"""
REPORTED["mbs_alpha_range"] = _range(
    "Landscape (b)",
    "f(alpha) of the multifractional surface: alpha range",
    0.16,
    0.79,
    2,
    tail=f", peak {REPORTED['mbs_alpha_peak']}",
)
REPORTED["vgg_alpha_widens"] = Reported(
    "Real network",
    "alpha range of the slice early -> late",
    "the alpha range widens during training",
    kind="claim",
    source=_DATA,
    display="VGG-16: "
    + ", ".join(str(REPORTED[f"vgg_alpha_range[{e}]"]) for e in (1, 10, 20))
    + " (widens)",
)
REPORTED["washboard_well"] = _number(
    "Theory (c)",
    "in the well (t_w >= 1500): lags 1-10, then 10-100",
    0.6,
    1,
    template=f"about {{}}, then {REPORTED['washboard_well_late']}",
    source=_CODE,
)


def reported_curve(name: str) -> dict[float, float]:
    """A curve of the paper, ``{x: y}``, from its facts ``REPORTED[f"{name}[{x:g}]"]``.

    Parameters
    ----------
    name : str
        ``"eos_lambda1"`` (geometric-mean leading eigenvalue against the learning rate)
        or ``"alpha_vs_h"`` (diffusion exponent against the Hurst exponent of the fBs).

    Returns
    -------
    dict of float to float
        The points in the order they were reported.
    """
    head = f"{name}["
    return {
        float(key[len(head) : -1]): float(fact.value)  # type: ignore[arg-type]
        for key, fact in REPORTED.items()
        if key.startswith(head)
    }


def reported_nr_lines() -> dict[str, tuple[float, float]]:
    """The authors' fits ``N(R) = a R^d`` per basin, from :data:`REPORTED`.

    Returns
    -------
    dict
        ``{"smooth": (a, d), "rough": (a, d)}``: prefactor and exponent (``R`` in pixels
        of the 1024 grid).
    """
    return {
        w: (REPORTED[f"nr_{w}_prefactor"].number, REPORTED[f"nr_{w}"].number)
        for w in ("smooth", "rough")
    }


def box(n: int, which: str) -> dict[str, tuple[int, int]]:
    """The authors' cluster box scaled to an ``n x n`` grid.

    Parameters
    ----------
    n : int
        Side of the grid, pixels.
    which : {"smooth", "rough"}
        The cluster (:data:`SMOOTH_BOX` or :data:`ROUGH_BOX`, given on the 1024 grid).

    Returns
    -------
    dict
        ``{"cols": (lo, hi), "rows": (lo, hi)}`` in pixels of the ``n`` grid.
    """
    b = SMOOTH_BOX if which == "smooth" else ROUGH_BOX
    f = n / N
    return {k: (int(round(v[0] * f)), int(round(v[1] * f))) for k, v in b.items()}


# ----------------------------------------------------------------------- cached recipes
def _cached(name: str, params: dict[str, Any], compute) -> dict[str, np.ndarray]:
    return default_cache().cached(name, params, CODE_VERSION, compute)


def hurst_map(n: int) -> np.ndarray:
    """The authors' Hölder map :data:`H_MEAN` + :data:`H_AMP` ``sin cos`` on an n-grid.

    Parameters
    ----------
    n : int
        Grid side (pixels); the period scales with ``n`` (the paper's 1024 on 1024).

    Returns
    -------
    ndarray, shape ``(n, n)``
        ``H(x=col, y=row)``, in [0.3, 0.7].

    References
    ----------
    Ly & Gong 2025, ``H(x, y) = 0.5 + 0.2 sin(2 pi x/1024) cos(3 pi y/2048)``
    (:func:`fractal_lib.surfaces.fields.sinusoidal_hurst`).
    """
    return S.sinusoidal_hurst(n, mean=H_MEAN, amplitude=H_AMP)


def landscape(n: int, n_levels: int, seed: int = 0) -> np.ndarray:
    """The multifractional Brownian surface with the paper's H map (cached).

    Parameters
    ----------
    n : int
        Side of the grid, pixels.
    n_levels : int
        Quantised Hurst levels the field is blended from.
    seed : int
        Seed of the shared white noise.

    Returns
    -------
    ndarray, shape ``(n, n)``
        The surface, ``z[row, col] = L(x=col, y=row)``.

    References
    ----------
    Ly & Gong 2025, the landscape's ``H(x, y) = 0.5 + 0.2 sin(2 pi x/1024) cos(3 pi
    y/2048)`` (:func:`hurst_map`).
    """
    return _cached(
        "ly2025-mbs",
        {"n": n, "levels": n_levels, "seed": seed},
        lambda: {"z": S.mbm_surface(n, hurst_map(n), seed=seed, n_levels=n_levels)},
    )["z"]


def fbs(n: int, hurst: float, seed: int = 0) -> np.ndarray:
    """A fractional Brownian surface (cached).

    Parameters
    ----------
    n : int
        Side of the grid, pixels.
    hurst : float
        Hurst exponent, in (0, 1).
    seed : int
        Seed of the white noise.

    Returns
    -------
    ndarray, shape ``(n, n)``
    """
    return _cached(
        "ly2025-fbs",
        {"n": n, "h": float(hurst), "seed": seed},
        lambda: {"z": S.fbm_surface(n, float(hurst), seed=seed)},
    )["z"]


def spectrum(
    z: np.ndarray, q: np.ndarray = W.DEFAULT_Q, *, finest: bool = False
) -> W.MFSpectrum:
    """Wavelet-leader spectrum of a landscape.

    Parameters
    ----------
    z : ndarray, shape ``(n, n)``
        The landscape.
    q : ndarray
        Moment orders.
    finest : bool
        False (default): the library's defaults (leaders from ``j = 2``, fit over
        ``j = 3 .. log2(n) - 3``), which give ``h(q) = H`` on fBm within the stated
        bias. True: leaders from the finest scale and a fit over
        ``j = 2 .. log2(n) - 3`` (``j = 1, 2`` below 64 x 64), the range a PLBMF user
        gets when every scale enters the leaders; the sampling distorts the finest
        scale, so ``h`` is biased low by 0.05-0.1 on fBm (see
        :func:`fractal_lib.multifractal.wavelet_leaders.leader_spectrum`). The authors'
        range is not recorded; the chapter shows both.

    Returns
    -------
    MFSpectrum
        The chapter reads
        :attr:`~fractal_lib.multifractal.wavelet_leaders.MFSpectrum.valid`,
        ``short_range`` and ``n_excluded`` itself, so the estimator's warnings are
        silenced here.
    """
    kw: dict[str, int] = {}
    if finest:
        n = 2 ** int(np.floor(np.log2(z.shape[0])))
        kw = (
            {"j0": 1, "j1": 1, "j2": 2}
            if n < 64
            else {"j0": 1, "j1": 2, "j2": int(np.log2(n)) - 3}
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        return W.leader_spectrum(z, q, **kw)


def _auto_cluster(
    mins: G.Minima, hmap: np.ndarray, which: str, radius: float
) -> np.ndarray:
    """Densest group of low minima in the smooth (H >= 0.6) or rough (H <= 0.4) part."""
    h = hmap[mins.rows, mins.cols]
    side = h >= 0.6 if which == "smooth" else h <= 0.4
    if side.sum() == 0:
        return side
    xy = mins.xy
    d = np.sqrt(((xy[side][:, None, :] - xy[side][None, :, :]) ** 2).sum(-1))
    centre = xy[side][np.argmax((d < radius).sum(axis=1))]
    return side & (np.hypot(*(xy - centre).T) < radius)


def minima_clusters(
    z: np.ndarray, n_lowest: int, *, min_members: int = 10
) -> dict[str, Any]:
    """Lowest minima, and N(R) around the minima of a smooth and a rough cluster.

    A cluster is the authors' box (scaled to the grid) when it holds at least
    ``min_members`` of the ``n_lowest`` lowest minima. Otherwise (another realisation
    puts its deep basins elsewhere) it is the densest group, within ``75 n/1024``
    pixels, of those lowest minima on the smooth (H >= 0.6) or rough (H <= 0.4) side;
    and if that side holds fewer than ``min_members`` of them, the densest group of the
    ``n_lowest`` lowest minima *of that side*, which then also serve as the points
    counted by N(R). ``out[which + "_source"]`` says which.

    Parameters
    ----------
    z : ndarray, shape ``(n, n)``
        The landscape (:func:`landscape`).
    n_lowest : int
        Lowest local minima kept.
    min_members : int
        Fewest members a cluster may have before the next rule is tried.

    Returns
    -------
    dict
        ``minima`` (:class:`~fractal_lib.surfaces.grid_descent.Minima`), ``radii``
        (pixels), and per ``which`` in ``("smooth", "rough")``: ``which`` (N(R) or
        None), ``which_fit`` (:class:`~fractal_lib.diffusion.msd.PowerLawFit`
        over :data:`NR_FIT` scaled to the grid, or None), ``which_xy``, ``which_n``,
        ``which_H`` (mean H of the members) and ``which_source``.
    """
    n = z.shape[0]
    every = G.local_minima(z)
    k = min(int(n_lowest), len(every))
    mins = G.Minima(
        every.rows[:k], every.cols[:k], every.values[:k], every.flatness[:k]
    )
    hmap = hurst_map(n)
    radii = np.logspace(0, np.log10(n * np.sqrt(2)), 100)
    out: dict[str, Any] = {"minima": mins, "radii": radii}
    lo, hi = NR_FIT[0] * n / N, NR_FIT[1] * n / N
    for which in ("smooth", "rough"):
        b = box(n, which)
        pool = mins
        sel = (
            (mins.cols > b["cols"][0])
            & (mins.cols < b["cols"][1])
            & (mins.rows > b["rows"][0])
            & (mins.rows < b["rows"][1])
        )
        source = "authors' box"
        if sel.sum() < min_members:
            sel = _auto_cluster(mins, hmap, which, 75.0 * n / N)
            source = "densest group of the lowest minima"
        if sel.sum() < min_members:
            h_all = hmap[every.rows, every.cols]
            side = np.flatnonzero(h_all >= 0.6 if which == "smooth" else h_all <= 0.4)[
                :k
            ]
            pool = G.Minima(
                every.rows[side],
                every.cols[side],
                every.values[side],
                every.flatness[side],
            )
            sel = _auto_cluster(pool, hmap, which, 75.0 * n / N)
            source = f"densest group of the {which} side's {side.size} lowest minima"
        out[f"{which}_source"] = source
        out[f"{which}_xy"] = pool.xy[sel]
        out[f"{which}_n"] = int(sel.sum())
        out[f"{which}_H"] = (
            float(hmap[pool.rows[sel], pool.cols[sel]].mean())
            if sel.any()
            else float("nan")
        )
        out[which] = (
            G.cluster_counts(pool.xy[sel], pool.xy, radii) if sel.any() else None
        )
        try:
            with warnings.catch_warnings():  # the ledger reads fit.few_points
                warnings.simplefilter("ignore", EstimatorWarning)
                fit = Dif.power_law_fit(
                    radii,
                    out[which],
                    x_min=max(lo, 1.0),
                    x_max=max(hi, 3.0),
                    base=np.e,
                )
        except (ValueError, TypeError):
            fit = None
        out[f"{which}_fit"] = fit
    return out


def trajectory(
    n: int,
    n_levels: int,
    *,
    lr: float = LR_MAIN,
    steps: int = T_MAIN,
    seed: int = 0,
    start_seed: int = 0,
) -> dict[str, np.ndarray]:
    """GD from the global maximum + N(0, 1) jitter on the landscape (cached).

    Parameters
    ----------
    n, n_levels, seed : int
        The landscape (:func:`landscape`).
    lr : float
        Learning rate (pixel units).
    steps : int
        GD steps.
    start_seed : int
        Seed of the jitter of the starting point.

    Returns
    -------
    dict
        ``positions`` (unfolded) and ``folded`` (on the grid), shape ``(steps + 1, 2)``,
        pixels; ``losses``, shape ``(steps + 1,)``.
    """

    def compute():
        z = landscape(n, n_levels, seed)
        res = G.descend(z, G.start_near_max(z, 1, seed=start_seed), lr, steps)
        return {
            "positions": res.positions[0],
            "folded": res.folded[0],
            "losses": res.losses[0],
        }

    return _cached(
        "ly2025-traj",
        {
            "n": n,
            "levels": n_levels,
            "seed": seed,
            "lr": lr,
            "T": steps,
            "start": start_seed,
        },
        compute,
    )


def tamsd_family(
    positions: np.ndarray,
    t_waits: np.ndarray = T_WAITS,
    window: int = TAMSD_WINDOW,
    tau_max: int = TAU_MAX,
) -> dict[str, np.ndarray]:
    """TAMSD per waiting time, with short-, mid- and long-lag exponents.

    Parameters
    ----------
    positions : ndarray, shape ``(T, d)``
        A trajectory (unfolded), pixels.
    t_waits : ndarray of int
        Waiting times (steps); those whose window does not fit in the trajectory are
        dropped.
    window : int
        Length of each window (steps).
    tau_max : int
        Largest lag (steps).

    Returns
    -------
    dict
        ``t_w`` (kept waiting times), ``lags``, ``msd`` (one TAMSD per waiting time,
        pixels^2) and the power-law exponents ``short`` (lags 1-10), ``mid`` (10-100)
        and ``long`` (100-``tau_max``).
    """
    tw = np.asarray(t_waits)
    tw = tw[tw + window <= positions.shape[0]]
    lags = np.arange(1, tau_max + 1)
    tws, lg, msd = Dif.tamsd_windows(positions, window, tw, lags=lags)

    def slope(m: np.ndarray, lo: float, hi: float) -> float:
        fit = Dif.power_law_fit(lg, m, x_min=lo, x_max=hi, min_points=3, strict=False)
        return fit.exponent

    short = np.array([slope(m, 1, 10) for m in msd])
    mid = np.array([slope(m, 10, 100) for m in msd])
    long = np.array([slope(m, 100, tau_max) for m in msd])
    return {
        "t_w": tws,
        "lags": lg,
        "msd": msd,
        "short": short,
        "mid": mid,
        "long": long,
    }


def eos(
    n: int,
    n_levels: int,
    lrs: np.ndarray,
    n_seeds: int,
    steps: int,
    n_last: int,
    seed: int = 0,
) -> G.EoSSweep:
    """Leading Hessian eigenvalue over the last steps per learning rate and seed
    (cached).

    Parameters
    ----------
    n, n_levels : int
        The landscape (:func:`landscape`).
    lrs : ndarray
        Learning rates (pixel units).
    n_seeds : int
        Starting points near the maximum per learning rate.
    steps : int
        GD steps per run.
    n_last : int
        Last steps whose sharpness is recorded.
    seed : int
        Seed of the landscape.

    Returns
    -------
    EoSSweep
        See :func:`fractal_lib.surfaces.grid_descent.eos_sweep`.
    """
    lrs = np.asarray(lrs, dtype=float)

    def compute():
        z = landscape(n, n_levels, seed)
        with warnings.catch_warnings():  # the chapter reads EoSSweep.n_flat
            warnings.simplefilter("ignore", EstimatorWarning)
            return {
                "lambda1": G.eos_sweep(
                    z, lrs, n_seeds=n_seeds, steps=steps, n_last=n_last
                ).lambda1
            }

    out = _cached(
        "ly2025-eos",
        {
            "n": n,
            "levels": n_levels,
            "seed": seed,
            "lrs": lrs,
            "seeds": n_seeds,
            "T": steps,
            "last": n_last,
        },
        compute,
    )
    return G.EoSSweep(lrs, out["lambda1"])


def _boot(v: np.ndarray, n_boot: int, seed: int = 0) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap 95 % CI of the finite entries of ``v``.

    All NaN when none is finite; the mean with a NaN interval when only one is (one
    value has no spread to resample, so no interval, never a zero-width one); a
    zero-width interval only when two or more are all equal.
    """
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    if v.size < 2:
        return float(v[0]), float("nan"), float("nan")
    if np.ptp(v) == 0:
        return float(v.mean()), float(v.mean()), float(v.mean())
    return tuple(bootstrap_ci(v, n_boot=n_boot, seed=seed))


def lyapunov_sweep(
    n: int,
    n_levels: int,
    lrs: np.ndarray,
    *,
    trials: int,
    estimates: int,
    burn_in: int = LYAP_BURN_IN,
    interval: int = LYAP_INTERVAL,
    d0: float = LYAP_D0,
    n_boot: int = LYAP_BOOT,
    seed: int = 0,
    warm_start: bool = False,
) -> dict[str, np.ndarray]:
    """Maximal Lyapunov exponent per learning rate (the authors' protocol, cached).

    Per learning rate: burn in, then ``trials`` trials (all but the first start from
    the burn-in end plus an N(0, I) kick), ``estimates`` renormalisations of
    ``interval`` steps each, ``d0`` separation; the bootstrap mean and 95 % CI of the
    last estimate of each trial. By default every learning rate burns in from the
    maximum, so all run in parallel; ``warm_start=True`` is the authors' order: the
    learning rates in increasing order, each burning in from the end point of the
    previous one's burn-in (the first from the maximum).

    Parameters
    ----------
    n, n_levels : int
        The landscape (:func:`landscape`).
    lrs : ndarray
        Learning rates (pixel units).
    trials : int
        Trials per learning rate.
    estimates : int
        Renormalisations per trial.
    burn_in : int
        GD steps before the first trial.
    interval : int
        Steps between renormalisations.
    d0 : float
        Separation of the two copies after each renormalisation, pixels.
    n_boot : int
        Bootstrap resamples of the 95 % interval.
    seed : int
        Seed of the landscape, the start, the kicks and the bootstrap.
    warm_start : bool
        Carry the burn-in end point from one learning rate to the next (increasing
        order), as the authors' code does.

    Returns
    -------
    dict
        ``last`` (lrs, trials) with NaN where the last estimate collapsed; ``mean``,
        ``lo``, ``hi`` over the usable trials; per learning rate ``n_used`` (usable last
        estimates), ``collapsed`` (last estimates lost to rounding, excluded),
        ``saturated`` (last estimates in the nonlinear regime, kept) and
        ``saturated_frac`` (fraction of all estimates saturated). See
        :func:`fractal_lib.surfaces.lyapunov.max_lyapunov`. One
        :class:`~fractal_lib.core.checks.EstimatorWarning` per call when any trial is
        saturated or collapsed.

    Raises
    ------
    ValueError
        ``warm_start`` not a bool.

    References
    ----------
    Ly & Gong 2025, dynamics figure (d); Sprott's two-trajectory method (Sprott 2003).
    """
    lrs = np.asarray(lrs, dtype=float)
    if not isinstance(warm_start, (bool, np.bool_)):
        raise ValueError(f"warm_start must be a bool, got {warm_start!r}")

    def compute():
        z = landscape(n, n_levels, seed)
        k = lrs.size
        start = G.start_near_max(z, 1, seed=seed)
        if warm_start:
            burnt = np.empty((k, 2))
            x = start
            for i in np.argsort(lrs, kind="stable"):
                x = G.gd_map(z, lrs[i])(x, burn_in)
                burnt[i] = x[0]
        else:
            burnt = G.gd_map(z, lrs)(np.repeat(start, k, axis=0), burn_in)
        rng = np.random.default_rng(seed)
        kicks = rng.standard_normal((k, trials, 2))
        kicks[:, 0] = 0.0
        x0 = (burnt[:, None, :] + kicks).reshape(-1, 2)
        x0[:, 0] = np.clip(x0[:, 0], 0, z.shape[1] - 1)
        x0[:, 1] = np.clip(x0[:, 1], 0, z.shape[0] - 1)
        adv = G.gd_map(z, np.repeat(lrs, trials))
        with (
            warnings.catch_warnings()
        ):  # the flags are returned and shown by the chapter
            warnings.simplefilter("ignore", EstimatorWarning)
            res = Ly.max_lyapunov(
                adv, x0, d0=d0, interval=interval, n_estimates=estimates, seed=seed
            )
        last = res.last.reshape(k, trials)
        stats = np.array([_boot(v, n_boot, seed) for v in last])
        return {
            "last": last,
            "mean": stats[:, 0],
            "lo": stats[:, 1],
            "hi": stats[:, 2],
            "n_used": np.isfinite(last).sum(axis=1),
            "collapsed": res.collapsed[:, -1].reshape(k, trials).sum(axis=1),
            "saturated": res.saturated[:, -1].reshape(k, trials).sum(axis=1),
            "saturated_frac": res.saturated.reshape(k, -1).mean(axis=1),
        }

    out = _cached(
        "ly2025-mle",
        {
            "n": n,
            "levels": n_levels,
            "seed": seed,
            "lrs": lrs,
            "trials": trials,
            "est": estimates,
            "burn": burn_in,
            "int": interval,
            "d0": d0,
            "boot": n_boot,
            "warm": bool(warm_start),
        },
        compute,
    )
    n_sat, n_col = int(np.sum(out["saturated"])), int(np.sum(out["collapsed"]))
    if n_sat or n_col:
        warn_limit(
            f"lyapunov_sweep: of {lrs.size * trials} trials, {n_sat} last estimates "
            f"are saturated (nonlinear regime, kept) and {n_col} collapsed (lost to "
            "rounding, left out); see the 'saturated' and 'collapsed' fields"
        )
    return out


def alpha_vs_h(
    n: int,
    hs: np.ndarray,
    *,
    n_traj: int,
    lr: float = LR_MAIN,
    steps: int = T_MAIN,
    t_w: int = ALPHA_TW,
    window: int = TAMSD_WINDOW,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Diffusion exponent of GD on fBs per H (cached).

    The exponent is the TAMSD slope over lags 1-10 in the window starting at ``t_w``.
    ``n_traj`` trajectories per H start at uniformly random points of one surface.

    Parameters
    ----------
    n : int
        Side of the surfaces, pixels.
    hs : ndarray
        Hurst exponents of the surfaces.
    n_traj : int
        Trajectories per surface.
    lr : float
        Learning rate (pixel units).
    steps : int
        GD steps.
    t_w : int
        Waiting time of the window (steps).
    window : int
        Window length (steps).
    seed : int
        Seed of the surfaces and the starting points.

    Returns
    -------
    dict
        ``alpha``, shape ``(len(hs), n_traj)``, and ``tamsd``, shape
        ``(len(hs), n_traj, TAU_MAX)`` (pixels^2).
    """
    hs = np.asarray(hs, dtype=float)

    def compute():
        alphas = np.empty((hs.size, n_traj))
        curves = np.empty((hs.size, n_traj, TAU_MAX))
        rng = np.random.default_rng(seed)
        for i, h in enumerate(hs):
            z = fbs(n, h, seed)
            x0 = rng.uniform(0, n - 1, (n_traj, 2))
            res = G.descend(z, x0, lr, steps)
            for k in range(n_traj):
                fam = tamsd_family(res.positions[k], np.array([t_w]), window)
                alphas[i, k] = fam["short"][0]
                curves[i, k] = fam["msd"][0]
        return {"alpha": alphas, "tamsd": curves}

    return _cached(
        "ly2025-alpha-h",
        {
            "n": n,
            "hs": hs,
            "traj": n_traj,
            "lr": lr,
            "T": steps,
            "tw": t_w,
            "W": window,
            "seed": seed,
        },
        compute,
    )


def washboard_demo(steps: int = WASHBOARD_RUN["steps"], seed: int = 0) -> np.ndarray:
    """The authors' FLE run in the harmonic + tilted-washboard potential (cached).

    Parameters
    ----------
    steps : int
        Integration steps.
    seed : int
        Seed of the fractional noise.

    Returns
    -------
    ndarray, shape ``(steps + 1,)``
        The position.

    References
    ----------
    Ly & Gong 2025, Fig. 4c (potential :data:`WASHBOARD`, run :data:`WASHBOARD_RUN`, the
    authors' normalisation of the fractional Langevin equation).
    """
    r = WASHBOARD_RUN

    def compute():
        tr = FL.fle_integrate(
            lambda x: FL.washboard_gradient(x, **WASHBOARD),
            r["x0"],
            steps,
            lr=r["lr"],
            hurst=r["hurst"],
            beta=r["beta"],
            seed=seed,
            normalization="ly2025",
        )
        return {"x": tr[0]}

    return _cached("ly2025-washboard", {"T": steps, "seed": seed, **r}, compute)["x"]


def cnn_slices(
    n_train: int,
    epochs: int,
    grid: int,
    fractions: tuple[float, ...],
    *,
    width: int = 16,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Loss slices of a small CNN on Fashion-MNIST at training checkpoints (cached).

    SGD (``CNN["lr"]``, batch ``CNN["batch_size"]``); at each checkpoint fraction, two
    filter-normalised Gaussian directions (Li et al. 2018; biases and other 1-D tensors
    zeroed) and the loss on one fixed 64-image training batch over a ``grid x grid``
    square ``[-span, span]^2``.

    Parameters
    ----------
    n_train : int
        Training images.
    epochs : int
        Training epochs.
    grid : int
        Points per direction of each slice.
    fractions : tuple of float
        Checkpoints, as fractions of the training.
    width : int
        Channels of the first convolution.
    seed : int
        Seed of the data order, the initialisation and the directions.

    Returns
    -------
    dict
        ``planes``, shape ``(len(fractions), grid, grid)``; ``coords``, shape
        ``(grid,)``; ``fractions``; ``epoch_train_loss`` and ``epoch_train_acc``.
    """

    def compute():
        import torch

        from ..nets import data, directions, models, training
        from ..nets.torchtools import num_threads, seed_everything

        with num_threads(
            1
        ):  # small convolutions: one thread is fastest and never oversubscribes
            return _cnn_compute(
                torch, data, directions, models, training, seed_everything
            )

    def _cnn_compute(torch, data, directions, models, training, seed_everything):
        x, y = data.fashion_mnist_tensors("train", n=n_train)
        seed_everything(seed)
        model = models.small_cnn(width=width)
        res = training.train(
            model,
            x,
            y,
            epochs=epochs,
            batch_size=CNN["batch_size"],
            lr=CNN["lr"],
            seed=seed,
            checkpoint_at=fractions,
            progress=False,
        )
        xb, yb = x[: CNN["batch_size"]], y[: CNN["batch_size"]]
        coords = np.linspace(-CNN["span"], CNN["span"], grid)
        planes = []
        loss = torch.nn.CrossEntropyLoss()
        for f in fractions:
            model.load_state_dict(res.checkpoints[f])
            model.eval()
            params = [p for p in model.parameters() if p.requires_grad]
            d1, d2 = directions.random_directions(
                params, 2, normalize="filter", seed=seed, include_bn=False
            )
            planes.append(
                directions.loss_plane(
                    lambda: loss(model(xb), yb), params, d1, d2, coords, coords
                )
            )
        return {
            "planes": np.array(planes),
            "coords": coords,
            "fractions": np.array(fractions),
            "epoch_train_loss": res.epoch_train_loss,
            "epoch_train_acc": res.epoch_train_acc,
        }

    return _cached(
        "ly2025-cnn",
        {
            "n": n_train,
            "epochs": epochs,
            "grid": grid,
            "fr": fractions,
            "width": width,
            "seed": seed,
            **CNN,
        },
        compute,
    )


TRAPPED = 10.0
"""Largest TAMSD over all lags (pixels^2) below which a trajectory sits in one point or
a period-2 cycle (it never moves more than ~3 pixels): it does not diffuse and has no
exponent."""


def _moving(tamsd: np.ndarray) -> np.ndarray:
    return tamsd.max(axis=-1) > TRAPPED


def alpha_table(result: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per H: mean alpha of the moving trajectories, its 95 % CI and the trapped count.

    Trajectories whose TAMSD never exceeds :data:`TRAPPED` are trapped and have no
    exponent.

    Parameters
    ----------
    result : dict
        The result of :func:`alpha_vs_h`.

    Returns
    -------
    dict
        ``mean``, ``lo``, ``hi`` (NaN where every trajectory is trapped) and
        ``trapped``, each of shape ``(len(hs),)``.
    """
    alpha = np.where(_moving(result["tamsd"]), result["alpha"], np.nan)
    mean, lo, hi, trapped = [], [], [], []
    for row in alpha:
        trapped.append(int(row.size - np.isfinite(row).sum()))
        m, a, b = _boot(row, 10_000)
        mean.append(m)
        lo.append(a)
        hi.append(b)
    return {
        "mean": np.array(mean),
        "lo": np.array(lo),
        "hi": np.array(hi),
        "trapped": np.array(trapped),
    }


def fle_fits(
    result: dict[str, np.ndarray],
    hs: np.ndarray,
    which: tuple[float, ...] = FLE_H,
    lr: float = LR_MAIN,
) -> dict[float, tuple[np.ndarray, Any, Any]]:
    """Fit the harmonic-well TAMSD to late-window TAMSDs on fBs.

    The fit (Caputo normalisation; free H, thermal and k) is made to the late-window
    TAMSD of the first moving trajectory on each fBs in ``which``.

    Parameters
    ----------
    result : dict
        The result of :func:`alpha_vs_h`.
    hs : ndarray
        The Hurst exponents of ``result``.
    which : tuple of float
        The H of the surfaces to fit.
    lr : float
        Learning rate of the runs (pixel units).

    Returns
    -------
    dict
        Per H: ``(tamsd, fit, prediction)``; ``fit`` is a
        :class:`~fractal_lib.surfaces.fractional_langevin.HarmonicFit` and
        ``prediction`` the fitted TAMSD, both None when no trajectory moves or the fit
        fails.

    References
    ----------
    Ly & Gong 2025, Fig. 4b (TAMSD in a harmonic well with a Mittag-Leffler relaxation).
    """
    out = {}
    lags = np.arange(1, result["tamsd"].shape[2] + 1)
    for h in which:
        i = int(np.argmin(np.abs(np.asarray(hs) - h)))
        moving = np.flatnonzero(_moving(result["tamsd"][i]))
        if moving.size == 0:
            out[h] = (result["tamsd"][i, 0], None, None)
            continue
        y = result["tamsd"][i, moving[0]]
        try:
            with (
                warnings.catch_warnings()
            ):  # the chapter reads fit.converged / fit.at_bound
                warnings.simplefilter("ignore", EstimatorWarning)
                fit = FL.fit_harmonic_tamsd(lags, y, lr=lr, hurst0=max(h, 0.51))
            pred = FL.harmonic_tamsd(
                lags, hurst=fit.hurst, lr=lr, k=fit.k, thermal=fit.thermal
            )
        except ValueError:
            fit, pred = None, None
        out[h] = (y, fit, pred)
    return out


# ----------------------------------------------------------------- our side of the rows
def alpha_range_text(spec: W.MFSpectrum, digits: int, *, peak: bool = False) -> str:
    """``"[lo, hi]"`` of a spectrum over its valid orders (``", peak p"`` appended).

    Parameters
    ----------
    spec : MFSpectrum
        A wavelet-leader spectrum (:func:`spectrum`).
    digits : int
        Decimals.
    peak : bool
        Append the position of the spectrum's maximum.

    Returns
    -------
    str
    """
    lo, hi = spec.alpha_range_valid
    text = f"[{lo:.{digits}f}, {hi:.{digits}f}]"
    return f"{text}, peak {spec.peak:.{digits}f}" if peak else text


def valid_orders(spec: W.MFSpectrum) -> str:
    """``"k of m orders valid"``: how many moment orders passed the estimator's checks.

    Parameters
    ----------
    spec : MFSpectrum
        A wavelet-leader spectrum (:func:`spectrum`).

    Returns
    -------
    str
    """
    return f"{spec.valid.sum()} of {spec.q.size} orders valid"


def widens(specs: list[W.MFSpectrum]) -> bool:
    """Whether the valid alpha range of the last spectrum is wider than that of the
    first.

    Parameters
    ----------
    specs : list of MFSpectrum
        Spectra in training order.

    Returns
    -------
    bool
    """
    first, last = specs[0].alpha_range_valid, specs[-1].alpha_range_valid
    return np.diff(last)[0] > np.diff(first)[0]


def cluster_exponent(mc: dict[str, Any], which: str) -> tuple[float, float] | str:
    """``(d, stderr)`` of the N(R) fit of a cluster (:func:`minima_clusters`), or a
    reason.

    Parameters
    ----------
    mc : dict
        The result of :func:`minima_clusters`.
    which : {"smooth", "rough"}
        The cluster.

    Returns
    -------
    tuple of float or str
        The exponent and its fit error, or ``"no cluster"``.
    """
    fit = mc[f"{which}_fit"]
    return (fit.exponent, fit.stderr) if fit else "no cluster"


def cluster_note(mc: dict[str, Any], which: str) -> str:
    """Members, mean H and source of a cluster, and a warning when the fit had few
    radii.

    Parameters
    ----------
    mc : dict
        The result of :func:`minima_clusters`.
    which : {"smooth", "rough"}
        The cluster.

    Returns
    -------
    str
    """
    fit = mc[f"{which}_fit"]
    few = (
        f"; only {fit.n_used} radii in the fit range" if fit and fit.few_points else ""
    )
    return (
        f"{mc[which + '_n']} members, mean H {mc[which + '_H']:.2f}; "
        f"{mc[which + '_source']}{few}"
    )


def roughness_text(rf: G.RoughnessFlatness) -> str:
    """How well the proportional roughness-flatness law holds, on bins and on pixels.

    Parameters
    ----------
    rf : RoughnessFlatness
        The result of :func:`fractal_lib.surfaces.grid_descent.roughness_flatness`.

    Returns
    -------
    str
    """
    return (
        f"log R^2 of y = m x on bins {rf.log_r2:.2f}, "
        f"pixel log-log Pearson {rf.pearson_log:.2f}"
    )


def span_text(values: np.ndarray, digits: int = 2) -> str:
    """``"min-max"`` of ``values`` with ``digits`` decimals.

    Parameters
    ----------
    values : ndarray
        Non-empty.
    digits : int
        Decimals.

    Returns
    -------
    str
    """
    return f"{np.min(values):.{digits}f}-{np.max(values):.{digits}f}"


def stable_edge(eos: G.EoSSweep) -> float:
    """Largest learning rate whose mean sharpness is below ``2/lr`` (NaN when none is).

    Parameters
    ----------
    eos : EoSSweep
        The result of :func:`eos`.

    Returns
    -------
    float
    """
    stable = eos.lrs[eos.ratio() < 1]
    return stable.max() if stable.size else float("nan")


def band_ratio_text(eos: G.EoSSweep) -> str:
    """``"min-max"`` of ``lambda_1 lr / 2`` in the EoS band above the edge, or
    ``"none"``.

    Parameters
    ----------
    eos : EoSSweep
        The result of :func:`eos`.

    Returns
    -------
    str
    """
    ratio = eos.ratio()
    in_band = (eos.lrs >= EOS_BAND[0]) & (eos.lrs <= EOS_BAND[1]) & (ratio >= 1)
    return span_text(ratio[in_band], 1) if in_band.any() else "none"


def flat_note(eos: G.EoSSweep) -> str:
    """How many sharpness samples fell on flat patches (``lambda_1 = 0``), if any.

    Parameters
    ----------
    eos : EoSSweep
        The result of :func:`eos`.

    Returns
    -------
    str
        Empty when there are none.
    """
    return (
        f"{eos.n_flat.sum()} samples on flat patches (lambda_1 = 0)"
        if eos.n_flat.any()
        else ""
    )


def first_positive(mle: dict[str, np.ndarray], lrs: np.ndarray) -> float:
    """Smallest learning rate with a positive mean exponent (NaN when none is).

    Parameters
    ----------
    mle : dict
        The result of :func:`lyapunov_sweep`.
    lrs : ndarray
        Its learning rates.

    Returns
    -------
    float
    """
    pos = mle["mean"] > 0
    return lrs[np.argmax(pos)] if np.any(pos) else float("nan")


def plateau(mle: dict[str, np.ndarray], lrs: np.ndarray) -> np.ndarray:
    """The learning rates of the authors' plateau, ``EOS_BAND[0]`` to
    :data:`MLE_PLATEAU_MAX`.

    Parameters
    ----------
    mle : dict
        The result of :func:`lyapunov_sweep`.
    lrs : ndarray
        Its learning rates.

    Returns
    -------
    ndarray of bool
        True where the learning rate is in the plateau and the mean exponent is finite.
    """
    return (lrs >= EOS_BAND[0]) & (lrs <= MLE_PLATEAU_MAX) & np.isfinite(mle["mean"])


def saturated_note(mle: dict[str, np.ndarray], sel: Any) -> str:
    """``"k of m trials saturated"`` over some learning rates of a Lyapunov sweep.

    Parameters
    ----------
    mle : dict
        The result of :func:`lyapunov_sweep`.
    sel : mask, slice or int
        The learning rates.

    Returns
    -------
    str
    """
    return (
        f"{mle['saturated'][sel].sum()} of {mle['n_used'][sel].sum()} trials saturated"
    )


def collapsed_note(mle: dict[str, np.ndarray]) -> str:
    """``"; k collapsed trials left out"`` when any trial collapsed, else empty.

    Parameters
    ----------
    mle : dict
        The result of :func:`lyapunov_sweep`.

    Returns
    -------
    str
    """
    n = mle["collapsed"].sum()
    return f"; {n} collapsed trials left out" if mle["collapsed"].any() else ""


def interval_text(mle: dict[str, np.ndarray], i: int, digits: int) -> str:
    """``"mean [lo, hi]"`` of the exponent at the ``i``-th learning rate.

    Parameters
    ----------
    mle : dict
        The result of :func:`lyapunov_sweep`.
    i : int
        Index of the learning rate.
    digits : int
        Decimals.

    Returns
    -------
    str
    """
    m, lo, hi = (mle[k][i] for k in ("mean", "lo", "hi"))
    return f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def alpha_text(alpha: float) -> str:
    """A diffusion exponent with two decimals, or ``"all trapped"`` for NaN.

    Parameters
    ----------
    alpha : float
        A mean exponent of :func:`alpha_table`.

    Returns
    -------
    str
    """
    return "all trapped" if not np.isfinite(alpha) else f"{alpha:.2f}"


def fle_fit_text(fit: FL.HarmonicFit | None) -> str:
    """Fitted H and log10 rms of a harmonic-well fit, or ``"no moving trajectory"``.

    Parameters
    ----------
    fit : HarmonicFit or None
        A fit of :func:`fle_fits`.

    Returns
    -------
    str
    """
    return (
        f"{fit.hurst:.2f} (rms {fit.rms_log10:.2f} dex)"
        if fit
        else "no moving trajectory"
    )


def fle_fit_note(fit: FL.HarmonicFit | None) -> str:
    """The fit's limit (H on a bound, ill-posed, not converged), or empty when it has
    none.

    Parameters
    ----------
    fit : HarmonicFit or None
        A fit of :func:`fle_fits`.

    Returns
    -------
    str
    """
    if fit is None or (fit.converged and not fit.at_bound and not fit.ill_posed):
        return ""
    if fit.at_bound:
        return "fitted H on a bound of its range"
    if fit.ill_posed:
        return "ill-posed fit: k not identified by the lags"
    return "fit did not converge"


# ------------------------------------------------------------------ the scale study
#: Stem of the recorded scale study (``benchmarks/studies/study_ly2025.py``).
STUDY = "ly2025_scale"
#: A TAMSD window of the scale study counts as confined when its long-lag exponent
#: (lags 100-999) is below this.
CONFINED_EXPONENT = 0.3
