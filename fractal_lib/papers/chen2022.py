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
def toy_run(
    land: ToyLandscape,
    n_trials: int,
    *,
    steps: int = TOY_STEPS,
    lr: float = TOY_LR,
    seed: int = 0,
    x0: np.ndarray | None = None,
) -> ToyRun:
    """The toy model with the authors' script parameters (:data:`TOY_LR`, ...).

    Parameters
    ----------
    land : ToyLandscape
        The landscape.
    n_trials : int
        Walkers, from uniform random starting points unless ``x0`` is given.
    steps : int
        Steps per walker (the script's :data:`TOY_STEPS`; scale studies run more).
    lr : float
        Learning rate (the script's :data:`TOY_LR`; the text gives a range).
    seed : int
        Seed of the starting points and the kicks.
    x0 : ndarray, shape (n_trials, 2), optional
        Starting points (the authors' scripts start every walker at
        :data:`TOY_CORNER`).

    Returns
    -------
    ToyRun

    References
    ----------
    Chen, Qu & Gong 2022, Eq. (10) (with the script's noise, see :data:`TOY_NOISE`).
    """
    from ..surfaces import toy_diffusion as TOY  # numba is imported only when needed

    return TOY.run_toy(
        land, lr=lr, noise=TOY_NOISE, steps=steps, n_trials=n_trials, seed=seed, x0=x0
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


# ------------------------------------ recipes: scale study of the network misses
def gradient_first_last(trajectory: Trajectory, sizes: Chen2022Scale) -> list[SaSFit]:
    """The chapter's Fig. 5b/c fits: ``α_dist`` of the first and the last window.

    The windows are those of the chapter's MSD (``sizes.window`` steps every
    ``sizes.stride``); window ``k`` is fitted by :func:`fit_gradients` with
    ``seed=k``, as the chapter does, so a study at the chapter's sizes reproduces the
    chapter's numbers.

    Parameters
    ----------
    trajectory : Trajectory
        A recorded run (at least ``sizes.window`` steps).
    sizes : Chen2022Scale
        The sizes (``window``, ``stride``).

    Returns
    -------
    list of SaSFit
        ``[first, last]``.
    """
    t_ws, _, _ = D.tamsd_windows(
        trajectory.positions, sizes.window, stride=sizes.stride, lags=np.array([1])
    )
    n_w = trajectory.grad.shape[0]
    return [
        fit_gradients(
            trajectory.grad[t_ws[k] : min(t_ws[k] + sizes.window, n_w)], seed=k
        )
        for k in (0, len(t_ws) - 1)
    ]


def hessian_train_mode(
    run: RecordedRun,
    k: int,
    *,
    n_batch: int,
    seed: int = 0,
    cifar_root: str | None = None,
) -> dict[str, np.ndarray]:
    """Top Hessian eigenvalues at every checkpoint with BatchNorm in *training* mode.

    The counterpart of :func:`fractal_lib.nets.trajectory.hessian_over_training`
    (same fixed batch of ``n_batch`` training images, float64, Lanczos with
    ``tol=1e-4``), except that BatchNorm normalises with the statistics of the batch,
    as in the loss SGD descends, instead of its running statistics. The checkpoint's
    model is a throwaway copy, so the running statistics it updates are discarded.

    Parameters
    ----------
    run : RecordedRun
        A run with saved checkpoints.
    k : int
        Number of eigenvalues (at least 1).
    n_batch : int
        Size of the fixed batch (at most the training subset).
    seed : int
        Seed of Lanczos's start vector.
    cifar_root : str, optional
        Folder of the CIFAR-10 binary version.

    Returns
    -------
    dict
        ``fractions`` (F,), ``values`` (F, k), descending per row, and ``converged``
        (F, k).

    Raises
    ------
    ValueError
        ``k`` or ``n_batch`` below 1, or a run without checkpoints.

    References
    ----------
    Chen, Qu & Gong 2022, Fig. 7 (the authors' power iteration runs the network as
    trained).
    """
    import torch

    from ..nets import hessian
    from ..nets import trajectory as TR

    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if n_batch < 1:
        raise ValueError(f"n_batch must be >= 1, got {n_batch}")
    fractions = sorted(run.spec.checkpoints)
    if not fractions:
        raise ValueError("run: has no checkpoints (RunSpec.checkpoints is empty)")
    spec = run.spec
    x, y = TR.image_data(
        spec.dataset, min(n_batch, spec.n_train), pool=spec.pool, cifar_root=cifar_root
    )
    x = x.double()

    def top(model: torch.nn.Module) -> Any:
        params = [p for p in model.parameters() if p.requires_grad]

        def loss_fn() -> torch.Tensor:
            return torch.nn.functional.cross_entropy(model(x), y)

        with warnings.catch_warnings():  # read from "converged"
            warnings.simplefilter("ignore", EstimatorWarning)
            return hessian.top_eigen(loss_fn, params, k=k, tol=1e-4, seed=seed)

    # a fresh model per checkpoint: its running statistics are thrown away
    eigs = [top(run.model(f).double().train()) for f in fractions]
    return {
        "fractions": np.asarray(fractions),
        "values": np.array([e.values for e in eigs]),
        "converged": np.array([e.converged for e in eigs]),
    }


def _mean_se(values: list[float]) -> list[float]:
    """``[mean, standard error]`` over seeds (SE NaN for one seed), json-able."""
    from ..core.fits import mean_sem

    m, se = mean_sem(np.asarray(values, dtype=float))
    return [float(m), float(se)]


def network_study_summary(rows: list[dict[str, Any]]) -> dict[str, list[dict]]:
    """Mean ± standard error over seeds of the network-miss quantities, per scale.

    Reads the rows of ``benchmarks/studies/study_chen2022_network.py``: ``kind ==
    "main"`` rows (a main run: ``alpha_first``, ``alpha_last``, ``hess_eval``,
    ``hess_train``, the top Hessian eigenvalue at each checkpoint) and ``kind ==
    "scan"`` rows (a Fig. 3 run: ``tau0`` of the first window).

    Parameters
    ----------
    rows : list of dict
        The study's rows.

    Returns
    -------
    dict
        ``"main"``: one dict per ``(width, epochs)``, sorted, with ``width``,
        ``epochs``, ``steps``, ``n_seeds`` and ``[mean, se]`` of ``alpha_first``,
        ``alpha_last``, ``hess_eval_log_ratio`` and ``hess_train_log_ratio``
        (``log10`` of the last over the first checkpoint's top eigenvalue: below 0
        when it falls, as in the paper), ``hess_eval_peak_end`` and
        ``hess_train_peak_end`` (``log10`` of the last over the largest: below 0 when
        it falls after a peak), ``hess_eval_end`` and ``hess_train_end``.
        ``"scan"``: one dict per ``(width, scan window)``, with ``width``, ``window``,
        ``n_seeds`` and, per depth (a string key), ``[mean, se]`` of ``tau0`` with
        (``short``) and without (``noshort``) shortcuts and of their difference
        ``noshort - short`` over seeds (the paper: > 0).

    Raises
    ------
    ValueError
        No row of either kind.
    """
    main = [r for r in rows if r.get("kind") == "main"]
    scan = [r for r in rows if r.get("kind") == "scan"]
    if not main and not scan:
        raise ValueError("rows: no 'main' or 'scan' row")

    def log_ratio(r: dict[str, Any], key: str) -> float:
        return float(np.log10(r[key][-1] / r[key][0]))

    def peak_end(r: dict[str, Any], key: str) -> float:
        return float(np.log10(r[key][-1] / max(r[key])))

    out: dict[str, list[dict]] = {"main": [], "scan": []}
    for w, e in sorted({(r["width"], r["epochs"]) for r in main}):
        rs = [r for r in main if (r["width"], r["epochs"]) == (w, e)]
        out["main"].append(
            {
                "width": w,
                "epochs": e,
                "steps": rs[0]["steps"],
                "n_seeds": len(rs),
                "alpha_first": _mean_se([r["alpha_first"] for r in rs]),
                "alpha_last": _mean_se([r["alpha_last"] for r in rs]),
                "hess_eval_log_ratio": _mean_se(
                    [log_ratio(r, "hess_eval") for r in rs]
                ),
                "hess_train_log_ratio": _mean_se(
                    [log_ratio(r, "hess_train") for r in rs]
                ),
                "hess_eval_peak_end": _mean_se([peak_end(r, "hess_eval") for r in rs]),
                "hess_train_peak_end": _mean_se(
                    [peak_end(r, "hess_train") for r in rs]
                ),
                "hess_eval_end": _mean_se([r["hess_eval"][-1] for r in rs]),
                "hess_train_end": _mean_se([r["hess_train"][-1] for r in rs]),
            }
        )
    for w, t in sorted({(r["width"], r["window"]) for r in scan}):
        rs = [r for r in scan if (r["width"], r["window"]) == (w, t)]
        point: dict[str, Any] = {"width": w, "window": t}
        seeds = sorted({r["seed"] for r in rs})
        point["n_seeds"] = len(seeds)
        for d in sorted({r["depth"] for r in rs}):
            tau = {
                sc: {
                    r["seed"]: r["tau0"]
                    for r in rs
                    if (r["depth"], r["shortcut"]) == (d, sc)
                }
                for sc in (True, False)
            }
            both = [s for s in seeds if s in tau[True] and s in tau[False]]
            point[str(d)] = {
                "short": _mean_se(list(tau[True].values())),
                "noshort": _mean_se(list(tau[False].values())),
                "diff": _mean_se([tau[False][s] - tau[True][s] for s in both]),
            }
        out["scan"].append(point)
    return out


# ------------------------------------------------ recipes: landscape scale studies
# The projected landscape (Sec. III D) and the toy model (Fig. 8) beyond the book's
# scale: benchmarks/studies/study_chen2022_landscape.py records them, the chapter reads
# the records.

if TYPE_CHECKING:
    from ..boundaries.boxcount import BoxFit
    from ..core.fits import DimensionFit

#: Quantiles of the plane's loss whose iso-loss contours are box-counted (the chapter
#: counts the median; the paper does not say which set it counts).
PLANE_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Start of every walker in the authors' toy scripts (``x_old = y_old = -1``).
TOY_CORNER = (-1.0, -1.0)
#: Steps of the convex run whose MSD Fig. 8f shows (``X{1}(1:144)`` in the authors'
#: ``plot_toy_model.m``).
TOY_CONVEX_STEPS = 144
#: Slope of the authors' "convex" landscape: the file their script loads,
#: ``toy_gaussian_landscape.mat``, holds the cone ``z = 1 - r / 2`` (checked to 1e-16),
#: so ``L = 10 - z`` has ``|grad L| = 0.5`` everywhere; the Gaussian bowl
#: ``10 - 10 exp(-r^2 / 2)`` appears only in a commented-out line of their script.
TOY_CONE_SLOPE = 0.5


def plane_box_sizes(n: int) -> np.ndarray:
    """Box sizes in pixels for a set on an ``n x n`` loss plane: 1, 2, 4, ....

    Parameters
    ----------
    n : int
        Points per side of the plane (>= 5).

    Returns
    -------
    ndarray of int
        Powers of two, at least three of them.

    Raises
    ------
    ValueError
        ``n < 5``.
    """
    if isinstance(n, bool) or int(n) != n or n < 5:
        raise ValueError(f"n must be an integer >= 5, got {n!r}")
    return 2 ** np.arange(max(int(np.log2(n - 1)) - 1, 3))


def contour_dimension(loss: np.ndarray, quantile: float = 0.5) -> BoxFit:
    """Box-counting dimension of the iso-loss contour of a plane at a loss quantile.

    The contour is :func:`fractal_lib.boundaries.boxcount.edges_2d` of the loss minus
    its ``quantile``-quantile; it is counted with boxes of :func:`plane_box_sizes`.

    Parameters
    ----------
    loss : ndarray, shape (n, n)
        The loss on the plane (``landscape_plane(...)["loss"]``).
    quantile : float
        Level of the contour, a quantile of the plane's loss in (0, 1).

    Returns
    -------
    BoxFit
        Between 1 (a smooth curve) and 2 (space-filling).

    Raises
    ------
    ValueError
        ``loss`` not a square 2-D array of at least 5 x 5 finite values, or
        ``quantile`` outside (0, 1).
    """
    from ..boundaries import boxcount

    a = _square_plane(loss)
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile}")
    edges = boxcount.edges_2d(a - np.quantile(a, quantile))
    return boxcount.box_dimension_2d(edges, plane_box_sizes(a.shape[0]))


def graph_dimension(loss: np.ndarray) -> DimensionFit:
    """Box-counting dimension of the graph surface of a plane's loss.

    Differential box counting: the heights are rescaled to span the plane's side
    (``n - 1`` pixels); for each box size ``s`` of :func:`plane_box_sizes`, every
    ``s x s`` cell of the grid (its corner nodes included) needs
    ``floor(max / s) - floor(min / s) + 1`` boxes of height ``s``. The dimension is the
    slope of ``log2 N`` against ``log2((n - 1) / s)``.

    Parameters
    ----------
    loss : ndarray, shape (n, n)
        The loss on the plane (or a transform of it, e.g. its logarithm).

    Returns
    -------
    DimensionFit
        Between 2 (a smooth surface) and 3; a constant plane gives 2 exactly.

    Raises
    ------
    ValueError
        ``loss`` not a square 2-D array of at least 5 x 5 finite values.

    References
    ----------
    Sarkar, N. & Chaudhuri, B. B. (1994). An efficient differential box-counting
    approach to compute fractal dimension of image. *IEEE Trans. Syst. Man Cybern.*
    24, 115-120.
    """
    from ..core import fits

    a = _square_plane(loss)
    side = a.shape[0] - 1
    z = (a - a.min()) / max(float(np.ptp(a)), 1e-300) * side
    sizes = plane_box_sizes(a.shape[0])
    counts = np.empty(sizes.size)
    for i, s in enumerate(sizes):
        m = side // s
        idx = np.minimum(np.arange(m + 1) * s, side)  # cell corners, shared
        hi = np.full((m, m), -np.inf)
        lo = np.full((m, m), np.inf)
        for dy in range(s + 1):
            for dx in range(s + 1):
                v = z[np.ix_(idx[:-1] + dy, idx[:-1] + dx)]
                hi, lo = np.maximum(hi, v), np.minimum(lo, v)
        counts[i] = np.sum(np.floor(hi / s) - np.floor(lo / s) + 1)
    levels = np.log2(side / sizes)
    slope, stderr, icpt, note = fits.fit_dimension(levels, counts)
    rule = f"differential box counting, boxes {int(sizes[0])}-{int(sizes[-1])} px"
    return fits.DimensionFit(slope, stderr, icpt, levels, counts, rule, note)


def _square_plane(loss: np.ndarray) -> np.ndarray:
    from ..core.checks import as_float_array

    a = as_float_array(loss, "loss", ndim=2)
    if a.shape[0] != a.shape[1] or a.shape[0] < 5:
        raise ValueError(f"loss must be square, at least 5 x 5, got shape {a.shape}")
    return a


def toy_cone_control(n_levels: int = TOY_N_LEVELS) -> ToyLandscape:
    """The authors' "convex" landscape as their script loads it: ``9 + r / 2``.

    ``10 - z`` with ``z = 1 - TOY_CONE_SLOPE * r`` (see :data:`TOY_CONE_SLOPE`), on the
    toy model's grid.

    Parameters
    ----------
    n_levels : int
        Grid of ``(2^n_levels + 1)^2`` points, ``n_levels`` in ``[4, 11]``.

    Returns
    -------
    ToyLandscape

    Raises
    ------
    ValueError
        ``n_levels`` outside ``[4, 11]``.
    """
    from ..surfaces import toy_diffusion as TOY

    c = TOY.convex_control(n_levels).coords()  # checks n_levels
    xx, yy = np.meshgrid(c, c)
    return TOY.ToyLandscape(9.0 + TOY_CONE_SLOPE * np.hypot(xx, yy), "cone")


def toy_alpha_fit(lags: np.ndarray, msd: np.ndarray, window: int) -> AlphaFit:
    """:func:`paper_fits` of one toy-model MSD curve, on lags up to half the window.

    Parameters
    ----------
    lags : ndarray of int, shape (L,)
        Lags in steps.
    msd : ndarray, shape (L,)
        One MSD curve (:func:`toy_msd`).
    window : int
        Length of the window in steps; lags beyond ``window // 2`` average only a few
        pairs of points per walker and are not fitted.

    Returns
    -------
    AlphaFit
    """
    return paper_fits(lags, np.asarray(msd)[None], tau_max=window // 2)[0]


def toy_trial_alphas(run: ToyRun, t_w: int, window: int) -> np.ndarray:
    """``α`` of every single walker's MSD in the window ``[t_w, t_w + window)``.

    The authors fit single trajectories (Fig. 8b, f); the chapter fits the trial
    average (:func:`toy_msd`). Lags ``1 .. window - 1``, fitted as
    :func:`toy_alpha_fit`.

    Parameters
    ----------
    run : ToyRun
        From :func:`toy_run` or :func:`fractal_lib.surfaces.toy_diffusion.run_toy`.
    t_w, window : int
        Start and length of the window in steps.

    Returns
    -------
    ndarray, shape (n_trials,)
    """
    lags = np.arange(1, window)
    msds = np.array(
        [D.tamsd(p, t_w=t_w, window=window, lags=lags)[1] for p in run.positions]
    )
    return np.array(
        [f.alpha for f in paper_fits(lags, msds, tau_max=window // 2)], dtype=float
    )
