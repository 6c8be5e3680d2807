"""Chen, Qu & Gong (2022): protocol constants, reported values, chapter recipes.

The paper, "Anomalous diffusion dynamics of learning in deep neural networks": its
protocol constants, the values it reports (:data:`REPORTED`) and the recipes of the
chapter ``notebooks/chen2022_anomalous_diffusion.md``.

Values are quoted from the paper's text (arXiv 2009.10588v3 / Neural Networks 2022) and,
where marked, from the authors' public repository
``ifgovh/Anomalous-diffusion-dynamics-of-SGD`` (hard-coded in its plotting scripts). The
recipes put the library's estimators together the way the paper does (its ``tau_0``
rule, its windows, its gradient samples); the sizes they run at come from
:mod:`fractal_lib.papers.presets.chen2022_anomalous_diffusion`.

References
----------
Chen, G., Qu, C. K. & Gong, P. (2022). Anomalous diffusion dynamics of learning in deep
neural networks. *Neural Networks*; arXiv:2009.10588.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.checks import EstimatorWarning
from ..core.report import Reported
from ..diffusion import levy
from ..diffusion import msd as D

if TYPE_CHECKING:
    from ..diffusion.levy import SaSFit
    from ..diffusion.msd import AlphaFit, PathScaling
    from ..nets.trajectory import RecordedRun, RunSpec, Trajectory
    from ..surfaces.toy_diffusion import ToyLandscape, ToyRun
    from .presets.chen2022_anomalous_diffusion import Chen2022Scale

# ---------------------------------------------------------------------------- protocol
#: Learning rate of the main run: vanilla SGD, no momentum, no weight decay.
LR = 0.1
#: Batch size of the main model (ResNet-14, CIFAR-10, cross-entropy).
BATCH_SIZE = 1024
#: Depth of the main ResNet.
DEPTH = 14
#: First-stage channels of the CIFAR ResNets.
WIDTH = 16
#: Epochs of the main run: 24,000 steps at batch 1024 (49 steps per epoch).
EPOCHS = 500
#: SGD steps of the main run.
TOTAL_STEPS = 24_000
#: ``T``, steps per MSD window; windows start at ``t_w = 1, 1001, ..., 23001``.
WINDOW = 1000
#: Lag step of the log-derivative ``beta(tau)``, Eq. 6.
BETA_DTAU = 20
#: Goodness-of-fit threshold (RMSE in log10 units) for ``tau_0`` and ``t_0``.
RMSE_RULE = 0.03
#: Steps of the moving variance of the loss, Fig. 5f.
LOSS_VAR_WINDOW = 100
#: Gradient components fitted per window (authors' code).
GRAD_SAMPLES = 5000
#: Random fragments (of 100 steps each) for the transverse distance (authors' code).
TRANSVERSE_FRAGMENTS = 50
#: Fig. 7: top 20 Hessian eigenvalues, every 5 epochs (authors' code).
HESSIAN_TOP_K = 20
#: Points per side of the 2-D filter-normalised plane on ``[-1, 1]^2`` (authors' code).
LANDSCAPE_GRID = 51
#: Fig. 3 depths (also 110 in Fig. 2f).
DEPTHS = (14, 20, 56)
#: Fig. 3 batch sizes.
BATCH_SIZES = (128, 512, 1024)
#: Fig. 3: seeds per configuration (mean and spread).
N_SEEDS = 10
#: Fig. 4 learning rates.
LRS = (0.001, 0.01, 0.05, 0.1, 0.5)

# toy model (Fig. 8; authors' script simplified_SGD_model.m)
#: Toy model learning rate ``eta`` (authors' script).
TOY_LR = 0.02
#: Toy model kick: ``eta2`` of the script, added as is (Eq. 10 writes ``eta * sigma``).
TOY_NOISE = 0.01
#: Toy model steps per trial (authors' script).
TOY_STEPS = 1000
#: Toy model trials in the authors' script.
TOY_TRIALS_SCRIPT = 5
#: Trials averaged in Fig. 8b.
TOY_TRIALS_FIG = 10
#: Levels of the diamond-square grid: ``1025 x 1025``.
TOY_N_LEVELS = 10
#: Initial displacement amplitude of the diamond-square generator.
TOY_ROUGHNESS = 3.0

# --------------------------------------------------------------------- reported values
_SUPP = (
    "Supp. Figs. 3/4: the authors' spreadsheet values, hard-coded in the plotting "
    "scripts of their repository"
)


def _lr_scan(which: str, alphas: dict[float, float]) -> dict[str, Reported]:
    """One fact per learning rate of the Fig. 4 scan (``which``: "first" or "last")."""
    return {
        f"alpha_{which}_lr{lr:g}": Reported(
            "Fig. 4a", f"α in the {which} window at η = {lr:g}", a, source=_SUPP
        )
        for lr, a in alphas.items()
    }


REPORTED: dict[str, Reported] = {
    # Fig. 2 (ResNet-14, bs 1024, lr 0.1, CIFAR-10)
    "alpha_first_window": Reported(
        "Fig. 2a",
        "α on [τ0, T] in the first window",
        (1.01, 1.42),
        kind="range",
        source=_SUPP,
        display="1.01–1.42 (Supp. Figs. 3/4)",
    ),
    "alpha_late_range": Reported(
        "Fig. 2a",
        "α in the second regime, over depths and batch sizes",
        (0.60, 0.88),
        kind="range",
        source=_SUPP,
    ),
    "tau0_first_window": Reported(
        "Fig. 2a",
        "τ0 in the first window, as a fraction of T",
        (45, 400),
        kind="range",
        source=_SUPP + f" (steps, with T = {WINDOW})",
        display=f"45–400 of {WINDOW}",
    ),
    "alpha_short": Reported(
        "Fig. 2a",
        "α below τ0 (α1 of Eq. 5)",
        "in (0, 1)",
        kind="claim",
        source="Eq. 5 and the text on Fig. 2a: subdiffusive below τ0",
    ),
    "alpha_regime2": Reported(
        "Fig. 2a",
        "α in the second regime",
        0.78,
        source="text on Fig. 2: the MSD exponent for t_w > t0",
    ),
    "t0_fraction": Reported(
        "Fig. 2",
        "t0 / training length",
        21_000 / TOTAL_STEPS,
        source=f"text on Fig. 2: t0 = 21,000 of {TOTAL_STEPS:,} steps",
    ),
    "beta_regime2_super_above": Reported(
        "Fig. 2c",
        "lag above which β > 1 in the second regime (steps)",
        532,
        source="text on Fig. 2c",
    ),
    # Fig. 3
    "tau0_shortcuts": Reported(
        "Fig. 3c/f",
        "τ0 with vs without shortcuts (per depth)",
        "smaller with shortcuts",
        kind="claim",
        source="text on Fig. 3",
    ),
    "alpha_batch_spread": Reported(
        "Fig. 3a",
        "spread of α over batch sizes (with shortcuts)",
        0.15,
        source="text on Fig. 3: α of the first regime varies by ±15 % over batch "
        "128-1024",
        display="±15 %",
    ),
    "tau0_depth": Reported(
        "Fig. 3f",
        "τ0 against depth (with shortcuts)",
        "grows with depth",
        kind="claim",
        source="text on Fig. 3",
    ),
    # Fig. 4 (per learning rate; the row of the chapter is "alpha_first_vs_lr" below)
    **_lr_scan("first", {0.001: 2.0, 0.01: 1.83, 0.05: 1.7, 0.1: 1.39, 0.5: 1.4}),
    **_lr_scan("last", {0.001: 2.0, 0.01: 1.7, 0.05: 0.68, 0.1: 0.69, 0.5: 0.73}),
    # Fig. 5
    "alpha_dist_first": Reported(
        "Fig. 5b",
        "α_dist, first window",
        1.09,
        kind="interval",
        error=(1.05, 1.12),
        source="Fig. 5b: window t_w = 1, with its confidence interval",
    ),
    "alpha_dist_last": Reported(
        "Fig. 5c",
        "α_dist, last window",
        1.58,
        kind="interval",
        error=(1.54, 1.63),
        source="Fig. 5c: window t_w = 23001, with its confidence interval",
    ),
    "alpha_dist_pooled": Reported(
        "Fig. 5a",
        "α_dist pooled over the first regime",
        1.46528,
        kind="interval",
        error=(1.46509, 1.46546),
        source="Fig. 5a: all minibatch gradients of the first regime, with its "
        "confidence interval",
    ),
    "llr_pooled": Reported(
        "Fig. 5a",
        "log-likelihood ratio vs Gaussian",
        1.52e9,
        source="Fig. 5a: stable law against Gaussian (> 0 favours the stable law)",
        display="1.52e+09 (>0)",
    ),
    "loss_variance": Reported(
        "Fig. 5f",
        "moving variance of the loss, first vs last fifth",
        "decreases",
        kind="claim",
        source=f"Fig. 5f: moving variance over {LOSS_VAR_WINDOW} steps",
    ),
    # Fig. 6 and Sec. III C
    "path_dimension": Reported(
        "Fig. 6b",
        "path dimension D_f (range over windows and halves)",
        (1.32, 2.67),
        kind="range",
        source="text on Fig. 6b: D_f of the two scaling regimes over the windows",
    ),
    "msl_exponent_early": Reported(
        "Fig. 6c",
        "MSL exponent, first window (upper half of Δr)",
        1.8,
        source="text on Fig. 6c: power law on Δr in [0.4, 10], first regime",
    ),
    "msl_exponent_late": Reported(
        "Fig. 6c",
        "MSL exponent, last window",
        "≈ 0 (flat)",
        kind="claim",
        source="text on Fig. 6c: the MSL is about constant in the second regime",
    ),
    "path_late_exponent": Reported(
        "Fig. 6b",
        "exponent of the collapsed MSL curves, second regime",
        0.75,
        source='text on Fig. 6b: "MSL collapse to a power law with exponent 0.75"',
    ),
    "transverse_slope": Reported(
        "Sec. III C",
        "slope of log h² against log Δr² of path fragments",
        "≠ 1 (self-affine)",
        kind="claim",
        source="Sec. III C: the paths are self-affine",
    ),
    # Fig. 7 and Sec. III D
    "hessian_top": Reported(
        "Fig. 7",
        "top eigenvalue, start → peak → end",
        "decreases over training",
        kind="claim",
        source=f"Fig. 7: top {HESSIAN_TOP_K} Hessian eigenvalues every 5 epochs",
    ),
    "landscape_box_dimension": Reported(
        "Sec. III D",
        "box-counting dimension of the projected landscape",
        1.8,
        source="Sec. III D: about 1.8 for the 2-D projected landscape",
        display="≈ 1.8",
    ),
    # Fig. 8 and Sec. IV (toy model)
    "toy_t0": Reported(
        "Fig. 8a/b",
        "entry step into the final minimum (t0)",
        139,
        source="Fig. 8b",
    ),
    "toy_alpha": Reported(
        "Fig. 8b",
        "α fractal landscape, first → last window",
        "> 1 → < 1",
        kind="claim",
        source="Fig. 8b: superdiffusive before t0, subdiffusive after",
    ),
    "toy_alpha_dist": Reported(
        "Fig. 8c",
        "α_dist of gradients, fractal landscape",
        1.9,
        kind="interval",
        error=(1.88749, 1.91298),
        source="Fig. 8c, with its confidence interval",
    ),
    "toy_llr": Reported(
        "Fig. 8c",
        "log-likelihood ratio vs Gaussian",
        39.37,
        source="Fig. 8c",
    ),
    "toy_controls": Reported(
        "Fig. 8f",
        "α shuffled control / convex control (first window)",
        "subdiffusive / close to 2",
        kind="claim",
        source="Fig. 8f",
    ),
    "toy_lr_range": Reported(
        "Fig. 8 (text)",
        "toy model learning rate η",
        (0.002, 0.01),
        kind="range",
        source=f"the text on the toy model (the authors' script uses {TOY_LR})",
    ),
    "toy_sigma_range": Reported(
        "Fig. 8 (text)",
        "toy model noise σ",
        (0.005, 0.05),
        kind="range",
        source="the text on the toy model",
    ),
}
"""The paper's reported values by name, as
:class:`~fractal_lib.core.report.Reported` facts; the chapter's rows read them."""

REPORTED["alpha_first_vs_lr"] = Reported(
    "Fig. 4a",
    "first-window α against η",
    ", ".join(f"{lr:g}: {REPORTED[f'alpha_first_lr{lr:g}'].value:g}" for lr in LRS),
    kind="claim",
    source=_SUPP,
)


def alpha_vs_lr(which: str = "first") -> dict[float, float]:
    """The paper's first- or last-window exponent at each learning rate of Fig. 4a.

    Parameters
    ----------
    which : {"first", "last"}
        Window of the run.

    Returns
    -------
    dict of float to float
        Learning rate ``η`` to ``α``, in the order of :data:`LRS`.

    Raises
    ------
    ValueError
        If ``which`` is neither "first" nor "last".
    """
    if which not in ("first", "last"):
        raise ValueError(f"which must be 'first' or 'last', got {which!r}")
    return {lr: REPORTED[f"alpha_{which}_lr{lr:g}"].number for lr in LRS}


# ----------------------------------------------------------------------- recipes: runs
def run_spec(sizes: Chen2022Scale, **changes: Any) -> RunSpec:
    """The recorded ResNet run of the chapter: the main run, changed by ``changes``.

    Plain SGD at the paper's learning rate :data:`LR`, with shortcut connections, at the
    depth, width, batch size, epochs and data of ``sizes``.

    Parameters
    ----------
    sizes : Chen2022Scale
        The chapter's sizes, from ``sizes()`` of
        :mod:`fractal_lib.papers.presets.chen2022_anomalous_diffusion`.
    **changes
        Fields of :class:`fractal_lib.nets.trajectory.RunSpec` to override (``lr``,
        ``depth``, ``batch_size``, ``shortcut``, ``seed``, ``epochs``, ``checkpoints``,
        ...).

    Returns
    -------
    RunSpec
    """
    from ..nets import (
        trajectory as TR,
    )  # torch is imported only when a run is asked for

    base = dict(
        depth=sizes.depth,
        width=sizes.width,
        shortcut=True,
        batch_size=sizes.batch_size,
        lr=LR,
        epochs=sizes.epochs,
        n_train=sizes.n_train,
        dataset=sizes.dataset,
        pool=sizes.pool,
        n_proj=sizes.n_proj,
        n_grad=sizes.n_grad,
    )
    return TR.RunSpec(**{**base, **changes})


def record(spec: RunSpec, *, cifar_root: str | None = None) -> RecordedRun:
    """Record (or load from the cache) one run without a progress bar.

    Parameters
    ----------
    spec : RunSpec
        From :func:`run_spec`.
    cifar_root : str, optional
        Folder of the CIFAR-10 binaries, needed when ``spec.dataset == "cifar10"``.

    Returns
    -------
    RecordedRun
    """
    from ..nets import trajectory as TR

    return TR.record_run(spec, cifar_root=cifar_root, progress=False)


# ------------------------------------------------------------------ recipes: Figs. 2-4
def paper_fits(lags: np.ndarray, msds: np.ndarray, **kwargs: Any) -> list[AlphaFit]:
    """Fit ``α`` in every window with the paper's ``τ0`` rule, up to the largest lag.

    :func:`fractal_lib.diffusion.msd.window_fits` with ``rmse_max=RMSE_RULE`` and
    ``min_decades=0``. Windows where no lower end passes the rule fall back to one line
    over the whole range (``rule_met=False``); their warning is silenced here, since the
    chapter reads and counts ``rule_met``.

    Parameters
    ----------
    lags : ndarray, shape (L,)
        Lags in steps.
    msds : ndarray, shape (W, L)
        One time-averaged MSD curve per window.
    **kwargs
        Further options of :func:`fractal_lib.diffusion.msd.fit_alpha` (``tau_max``,
        ...).

    Returns
    -------
    list of AlphaFit
        One fit per window.

    References
    ----------
    Chen, Qu & Gong 2022, Eq. (5) and its rule for τ0 (fit RMSE below 0.03).
    """
    with warnings.catch_warnings():  # fallbacks are read from rule_met and counted
        warnings.simplefilter("ignore", EstimatorWarning)
        return D.window_fits(lags, msds, rmse_max=RMSE_RULE, min_decades=0.0, **kwargs)


def crossover_t0(t_ws: np.ndarray, lags: np.ndarray, msds: np.ndarray) -> float:
    """The paper's ``t0``: the first window whose whole MSD curve is one power law.

    :func:`fractal_lib.diffusion.msd.crossover_time` with ``rmse_max=RMSE_RULE``, its
    warning silenced (NaN already says that no window passes).

    Parameters
    ----------
    t_ws : ndarray of int, shape (W,)
        Window starts in steps.
    lags : ndarray, shape (L,)
        Lags in steps.
    msds : ndarray, shape (W, L)
        One MSD curve per window.

    Returns
    -------
    float
        ``t0`` in steps, NaN if no window passes.
    """
    with warnings.catch_warnings():  # NaN when no window passes, handled by the caller
        warnings.simplefilter("ignore", EstimatorWarning)
        return D.crossover_time(t_ws, lags, msds, rmse_max=RMSE_RULE)


def first_window(run: RecordedRun, window: int) -> AlphaFit:
    """:func:`paper_fits` of the window ``t_w = 0`` of a recorded run (Fig. 3).

    Parameters
    ----------
    run : RecordedRun
        The run (at least ``window`` steps).
    window : int
        ``T`` in steps; every lag ``1 .. T - 1`` is used.

    Returns
    -------
    AlphaFit
    """
    lags = np.arange(1, window)
    _, lg, m = D.tamsd_windows(run.trajectory.positions, window, [0], lags=lags)
    return paper_fits(lg, m)[0]


def scan_run(
    sizes: Chen2022Scale,
    depth: int,
    batch_size: int,
    shortcut: bool,
    seed: int,
    *,
    cifar_root: str | None = None,
) -> RecordedRun:
    """One run of the Fig. 3 scan, whole epochs and at least ``sizes.scan_steps`` steps.

    Parameters
    ----------
    sizes : Chen2022Scale
        The chapter's sizes.
    depth, batch_size : int
        ResNet depth and batch size of the run.
    shortcut : bool
        With (ResNet) or without ("noshort") shortcut connections.
    seed : int
        Seed of the initialisation and the shuffling.
    cifar_root : str, optional
        Folder of the CIFAR-10 binaries.

    Returns
    -------
    RecordedRun
    """
    epochs = math.ceil(sizes.scan_steps * batch_size / sizes.n_train)
    spec = run_spec(
        sizes,
        depth=depth,
        batch_size=batch_size,
        shortcut=shortcut,
        seed=seed,
        epochs=epochs,
    )
    return record(spec, cifar_root=cifar_root)


def depth_batch_scan(
    sizes: Chen2022Scale, *, cifar_root: str | None = None
) -> dict[tuple[int, int, bool], list[AlphaFit]]:
    """First-window fits of the Fig. 3 scan over depth, batch size and shortcuts.

    The depths are run at batch ``sizes.scan_batch``, the batch sizes at depth
    ``sizes.scan_depths[0]``; each configuration with and without shortcuts, over
    ``sizes.scan_seeds`` seeds.

    Parameters
    ----------
    sizes : Chen2022Scale
        The chapter's sizes.
    cifar_root : str, optional
        Folder of the CIFAR-10 binaries.

    Returns
    -------
    dict
        ``(depth, batch_size, shortcut)`` to the list of
        :class:`~fractal_lib.diffusion.msd.AlphaFit` over seeds.
    """
    configs = sorted(
        {(d, sizes.scan_batch) for d in sizes.scan_depths}
        | {(sizes.scan_depths[0], b) for b in sizes.scan_batches}
    )
    return {
        (d, b, sc): [
            first_window(
                scan_run(sizes, d, b, sc, seed, cifar_root=cifar_root), sizes.window
            )
            for seed in range(sizes.scan_seeds)
        ]
        for d, b in configs
        for sc in (True, False)
    }


def scan_groups(
    sizes: Chen2022Scale,
) -> dict[str, dict[str, list[tuple[int, int, bool]]]]:
    """The keys of :func:`depth_batch_scan` along each axis, with and without shortcuts.

    Parameters
    ----------
    sizes : Chen2022Scale
        The chapter's sizes.

    Returns
    -------
    dict
        ``{"with shortcuts" | "without shortcuts": {"depth": keys, "batch": keys}}``.
    """
    return {
        name: {
            "depth": [(d, sizes.scan_batch, sc) for d in sizes.scan_depths],
            "batch": [(sizes.scan_depths[0], b, sc) for b in sizes.scan_batches],
        }
        for name, sc in (("with shortcuts", True), ("without shortcuts", False))
    }


def scan_stats(
    scan: dict[tuple[int, int, bool], list[AlphaFit]],
    keys: list[tuple[int, int, bool]],
    attr: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over seeds of one field of the scan's fits.

    Parameters
    ----------
    scan : dict
        From :func:`depth_batch_scan`.
    keys : list of (depth, batch_size, shortcut)
        Configurations, in plotting order.
    attr : str
        Field of :class:`~fractal_lib.diffusion.msd.AlphaFit` (``"alpha"``, ``"tau0"``).

    Returns
    -------
    mean, std : ndarray, shape (len(keys),)
        NaN-ignoring mean and standard deviation per configuration.
    """
    vals = [np.array([getattr(f, attr) for f in scan[k]], dtype=float) for k in keys]
    return np.array([np.nanmean(v) for v in vals]), np.array(
        [np.nanstd(v) for v in vals]
    )


def lr_runs(
    sizes: Chen2022Scale, main: Trajectory, *, cifar_root: str | None = None
) -> dict[float, Trajectory]:
    """Trajectories of the Fig. 4 learning-rate scan.

    At :data:`LR` the main run is reused (the first steps of a longer run with the same
    seed are identical); the other rates train ``sizes.lr_epochs`` epochs.

    Parameters
    ----------
    sizes : Chen2022Scale
        The chapter's sizes (``sizes.lrs``).
    main : Trajectory
        The main run's trajectory.
    cifar_root : str, optional
        Folder of the CIFAR-10 binaries.

    Returns
    -------
    dict of float to Trajectory
    """
    return {
        lr: (
            main
            if lr == LR
            else record(
                run_spec(sizes, lr=lr, epochs=sizes.lr_epochs), cifar_root=cifar_root
            ).trajectory
        )
        for lr in sizes.lrs
    }


def first_last_fits(
    trajectory: Trajectory, sizes: Chen2022Scale, steps: int
) -> tuple[AlphaFit, AlphaFit]:
    """:func:`paper_fits` of the first and the last window in the first ``steps`` steps.

    Parameters
    ----------
    trajectory : Trajectory
        A recorded run.
    sizes : Chen2022Scale
        The chapter's sizes (``window``, ``stride``).
    steps : int
        Steps of the run to use.

    Returns
    -------
    first, last : AlphaFit
    """
    _, lg, m = D.tamsd_windows(
        trajectory.positions[: steps + 1],
        sizes.window,
        stride=sizes.stride,
        lags=np.arange(1, sizes.window),
    )
    fits = paper_fits(lg, m)
    return fits[0], fits[-1]


# --------------------------------------------------------------------- recipes: Fig. 5
def fit_gradients(
    samples: np.ndarray, *, max_samples: int = GRAD_SAMPLES, seed: int = 0
) -> SaSFit:
    """Symmetric α-stable fit of gradient components, as the authors sample them.

    :func:`fractal_lib.diffusion.levy.fit_sas` on a seeded random subset of
    ``max_samples`` components; its warning for an estimate on a bound is silenced,
    since the chapter reads and counts ``at_bound``.

    Parameters
    ----------
    samples : ndarray
        Gradient components (any shape; all of them are pooled).
    max_samples : int
        Size of the fitted subset (the authors fit :data:`GRAD_SAMPLES`).
    seed : int
        Seed of the subset.

    Returns
    -------
    SaSFit
    """
    with warnings.catch_warnings():  # estimates on a bound are flagged (at_bound)
        warnings.simplefilter("ignore", EstimatorWarning)
        return levy.fit_sas(samples, max_samples=max_samples, seed=seed)


def sas_text(fit: SaSFit) -> str:
    """``"1.29 [1.14, 1.45]"``: a fitted ``α_dist`` and its 95 % interval, as text.

    Parameters
    ----------
    fit : SaSFit
        From :func:`fit_gradients`.

    Returns
    -------
    str
        The estimate and its interval, marked when it lies on a bound of the fit.
    """
    bound = " (on the bound of the fit: one-sided interval)" if fit.at_bound else ""
    return f"{fit.alpha:.2f} [{fit.alpha_ci[0]:.2f}, {fit.alpha_ci[1]:.2f}]{bound}"


# --------------------------------------------------------------------- recipes: Fig. 6
def window_of(
    trajectory: Trajectory, t_w: int, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions and minibatch losses of the window ``[t_w, t_w + window)``.

    Parameters
    ----------
    trajectory : Trajectory
        A recorded run.
    t_w, window : int
        Start and length of the window in steps.

    Returns
    -------
    positions : ndarray, shape (window, dim)
    loss : ndarray, shape (window,)
    """
    return (
        trajectory.positions[t_w : t_w + window],
        trajectory.loss[t_w : t_w + window],
    )


def path_dimension_halves(scaling: PathScaling) -> tuple[float, float]:
    """Path dimension ``D_f`` on the lower and the upper half of the ``log Δs`` range.

    Parameters
    ----------
    scaling : PathScaling
        From :func:`fractal_lib.diffusion.msd.contour_vs_distance`.

    Returns
    -------
    lower, upper : float
        ``D_f = 2 / λ`` below and above the geometric middle of the contour lengths.

    References
    ----------
    Chen, Qu & Gong 2022, Fig. 6b (``Δr² ∝ Δs^λ``, ``D_f = 2/λ``).
    """
    mid = np.sqrt(scaling.contour[0] * scaling.contour[-1])
    return (
        D.path_dimension(scaling, s_max=mid)[0],
        D.path_dimension(scaling, s_min=mid)[0],
    )


def msl_exponent(scaling: PathScaling) -> float:
    """Exponent of the MSL over the upper half of the ``log Δr`` range.

    Only distance bins holding at least 5 pairs are used.

    Parameters
    ----------
    scaling : PathScaling
        From :func:`fractal_lib.diffusion.msd.msl_vs_distance`.

    Returns
    -------
    float
        Log-log slope of the MSL against ``Δr`` (``2H`` of Eq. 8); NaN if fewer than 3
        bins remain.

    References
    ----------
    Chen, Qu & Gong 2022, Eqs. (8) and (9), Fig. 6c.
    """
    big = scaling.counts >= 5
    mid = np.sqrt(scaling.contour[big][0] * scaling.contour[big][-1])
    fit = D.power_law_fit(
        scaling.contour[big], scaling.r2[big], x_min=mid, min_points=3, strict=False
    )
    return fit.exponent


# --------------------------------------------------------------------- recipes: Fig. 8
def toy_run(land: ToyLandscape, n_trials: int) -> ToyRun:
    """The toy model with the authors' script parameters (:data:`TOY_LR`, ...).

    Parameters
    ----------
    land : ToyLandscape
        The landscape.
    n_trials : int
        Walkers, from uniform random starting points.

    Returns
    -------
    ToyRun

    References
    ----------
    Chen, Qu & Gong 2022, Eq. (10) (with the script's noise, see :data:`TOY_NOISE`).
    """
    from ..surfaces import toy_diffusion as TOY  # numba is imported only when needed

    return TOY.run_toy(
        land, lr=TOY_LR, noise=TOY_NOISE, steps=TOY_STEPS, n_trials=n_trials
    )


def toy_msd(run: ToyRun, t_w: int, lags: np.ndarray, window: int) -> np.ndarray:
    """Trial average of the time-averaged MSD in the window ``[t_w, t_w + window)``.

    Parameters
    ----------
    run : ToyRun
        From :func:`toy_run`.
    t_w, window : int
        Start and length of the window in steps.
    lags : ndarray of int, shape (L,)
        Lags in steps, below ``window``.

    Returns
    -------
    ndarray, shape (L,)
        :func:`fractal_lib.surfaces.toy_diffusion.window_msd`.
    """
    from ..surfaces import toy_diffusion as TOY

    return TOY.window_msd(run, t_w, lags, window)


def walk_gradients(run: ToyRun) -> np.ndarray:
    """Gradient components met before entering the minimum, exact zeros left out.

    Steps on the flat "lakes" of the diamond-square recipe have an exactly zero
    gradient; a point mass at zero is not part of any stable law.

    Parameters
    ----------
    run : ToyRun
        From :func:`toy_run`.

    Returns
    -------
    ndarray, shape (n,)
    """
    from ..surfaces import toy_diffusion as TOY

    return TOY.nonzero_gradients(run, "before")
