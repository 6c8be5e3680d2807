"""Settings, reported statements and recipes of Lavin & Ruiz-Garcia 2024.

*Dynamical loss functions shape landscape topography and improve learning in artificial
neural networks* (arXiv:2410.10690), the chapter
``notebooks/lavin2024_dynamical_loss.md``.

Only what is specific to the paper lives here: its constants, the statements the chapter
compares with (:data:`REPORTED`), and thin cached recipes that call the concept modules
(:mod:`fractal_lib.dynamical.spirals`, :mod:`fractal_lib.dynamical.losses`,
:mod:`fractal_lib.dynamical.batched_mlp`, :mod:`fractal_lib.nets.hessian`,
:mod:`fractal_lib.dynamical.loss_slices`). Sizes that change with ``FRACTAL_SCALE`` live
in :mod:`fractal_lib.papers.presets.lavin2024_dynamical_loss`. Every training run is
cached on disk, keyed by its parameters and the source of the modules it depends on.

Where the paper is silent (Fig. 1's widths and learning rates, Fig. 3's widths,
amplitude and period) the choices are ours and the chapter says so.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch

from ..core import fits
from ..core.cache import code_version_of, default_cache
from ..core.checks import warn_limit
from ..core.report import Reported
from ..dynamical import batched_mlp as B
from ..dynamical import loss_slices, spirals
from ..dynamical import losses as DL
from ..nets import hessian
from ..nets.torchtools import num_threads

#: Version of this module's code, part of every cache key of its recipes.
CODE_VERSION = code_version_of(__name__)

# ------------------------------------------------------------------------- constants
N_PER_CLASS, N_CLASSES, NOISE, TURNS = 100, 3, 0.2, 2.0
"""Spiral of the authors' code: 3 arms x 100 points, 0.2 rad angle noise, 2 turns."""
TRAIN_SEED, VAL_SEED = 0, 1
"""Seeds of the training and the validation spiral (:func:`data`)."""
A, T = 70.0, 5000
"""Amplitude and period of Fig. 2 (and the code's defaults)."""
LR_FIG2, WIDTH_FIG2 = 1.0, 100
"""Fig. 2: learning rate and hidden width of the single run."""
FIG2_STEPS = 2 * T
"""Fig. 2 shows two periods, 10 000 steps."""
SLICE_TIMES = (8000, 9285, 9450, 9560, 9600)
"""Times of the loss slices of Fig. 2 (the end of the second period)."""
SLICE_STEPS = 20
"""Fig. 2: the slices show the next 20 positions."""
FIG1_SIMS = 20
"""Fig. 1: runs averaged per curve."""
FIG1_WIDTHS, FIG1_LRS = (8, 32, 128), (0.5, 1.0)
"""Fig. 1: three widths and two learning rates. The paper's Fig. 1 uses three widths
and two learning rates but does not state which; these values are our choice."""
FIG3_WIDTHS = (2, 4, 8, 16, 32, 64, 128, 256)
"""Fig. 3: hidden widths, powers of two. The paper does not state them; our choice."""
FIG4_LRS = (0.1, 0.25, 0.5, 1.0)
"""Fig. 4: learning rates of the sweep. Not listed in the paper's text or code; our
choice, spanning the range of its Fig. 4."""
LR_CE, LR_MSE = 1.0, 0.075
"""Fig. 3 learning rates: CE vs DCE, and MSE vs DMSE1/DMSE2."""
FIG3_SIMS_CE, FIG3_SIMS_MSE = 50, 10
"""Fig. 3: runs per width for CE/DCE and for MSE/DMSE1/DMSE2."""
FIG4_A, FIG4_T, FIG4_SIMS = (25.0, 50.0, 75.0), (5000, 10000), 30
"""Fig. 4: amplitudes, periods and runs per condition (6 conditions)."""
FIG4_TOTAL = 100_000
"""Fig. 4: total training time 100 000 / lr steps (we stop at the first
instability)."""
CODE_PERIODS = 14
"""The code trains 14 periods of 5000 steps (70 000), the last one static (A = 1)."""
LANCZOS_ITER = 10
"""Lanczos order of the code (google/spectral-density, order 10)."""

# -------------------------------------------------------------------------- reported
_CASCADE = (
    "a bifurcation when λ1 crosses 2/η, more when further eigenvalues do "
    "(period-doubling cascade) near t = 10 000; accuracy keeps increasing"
)
_FIG4 = (
    f"Fig. 4: λmax at the first instability follows 2/η for DCE, DMSE1 and DMSE2 "
    f"(A = {', '.join(f'{a:g}' for a in FIG4_A)}; T = {FIG4_T[0]}, {FIG4_T[1]}; "
    f"{FIG4_SIMS} runs per condition; width {WIDTH_FIG2})"
)


def _claim(figure: str, quantity: str, value: str, source: str) -> Reported:
    return Reported(figure, quantity, value, kind="claim", source=source)


REPORTED: dict[str, Reported] = {
    "peak_weight": Reported(
        "Schedule",
        f"peak weight at A = {A:g}",
        A,
        source="Fig. 2 text: A = 70; the public code rescales the weights to sum to 3 "
        "(peak 2.92)",
        display=f"A = {A:g} (text); code: normalised",
    ),
    "fig1_plateau": _claim(
        "Fig. 1b",
        "λmax plateau / (2/η)",
        "slightly above 1",
        "Fig. 1 text: λmax quickly rises to slightly above 2/η (edge of stability) "
        "for every width and learning rate; the largest network escapes it",
    ),
    "fig1_loss": _claim(
        "Fig. 1a",
        "final mean loss",
        "falls with width and with η",
        "Fig. 1a (curves; loss spikes during training)",
    ),
    "fig2_first_half": _claim(
        "Fig. 2b/d",
        "first half of a period",
        "in the first half of each period the DCE loss and λ1, λ2 decrease; "
        "the accuracy stays flat",
        "Fig. 2 text; in the second half the valley narrows and rises: the loss "
        "increases",
    ),
    "fig2_instability": _claim(
        "Fig. 2d",
        "first instability",
        f"when λ1 crosses 2/η = {2 / LR_FIG2:g}",
        f"Fig. 2 text: {_CASCADE}",
    ),
    "literal_reading": _claim(
        "Reading of A",
        f"literal reading (peak weight {A:g}), same run",
        "(not the paper's behaviour, see text)",
        "Γ_i(t) is in the Supplementary Materials; the public code normalises it",
    ),
    "fig2_cascade": _claim(
        "Fig. 2c",
        "period-doubling cascade (first period)",
        "1 → 2 → 4 … when eigenvalues cross 2/η",
        f"Fig. 2 text: {_CASCADE}",
    ),
    "fig2_walls": _claim(
        "Fig. 2c",
        "period of the loss at the slice times",
        "2, 4, … walls near t = 10 000",
        "Fig. 2 text: as time approaches t = 10 000 the system bounces between two "
        "walls, four, etc.",
    ),
    "fig2_accuracy": _claim(
        "Fig. 2c",
        "training accuracy across the cascade",
        "keeps increasing",
        f"Fig. 2 text: {_CASCADE}",
    ),
    "fig2_slices": _claim(
        "Fig. 2 slices",
        f"motion along v1 over {SLICE_STEPS} steps",
        "bouncing between 2, 4, … walls",
        "Fig. 2, right panels (slices along the top two Hessian eigenvectors)",
    ),
    "fig3_ce": _claim(
        "Fig. 3a",
        "DCE − CE validation accuracy",
        "dynamical losses give higher validation accuracy than CE/MSE, most at small "
        "widths (they shift the under- to over-parameterised transition)",
        f"Fig. 3a and text ({FIG3_SIMS_CE} runs per width, η = {LR_CE:g})",
    ),
    "fig3_mse": _claim(
        "Fig. 3b",
        "DMSE − MSE validation accuracy",
        "positive, largest at small widths",
        f"Fig. 3b and text ({FIG3_SIMS_MSE} runs per width, η = {LR_MSE:g})",
    ),
    "fig1_loss_order": Reported(
        "Fig. 1a",
        "share of the pairwise orderings of the final loss that follow the text "
        "(wider lower at each η, larger η lower at each width)",
        1.0,
        source="Fig. 1 text: 'learning improves as the network size increases' and "
        "'learning also improves when learning rate increases'; the share (1 = every "
        "ordering holds) is our reading of that claim, for the scale study",
        display="1 (loss falls with width and with η)",
    ),
    "fig3_ce_gain": Reported(
        "Fig. 3a",
        "DCE − CE validation accuracy",
        (0.0, 1.0),
        kind="range",
        source="Fig. 3a and text: dynamical losses improve validation accuracy at "
        "every width, most at small ones; any positive gain is read as agreement (the "
        "figure has no tabulated numbers), for the scale study",
        display="> 0 (largest at small widths)",
    ),
    "fig3_mse_gain": Reported(
        "Fig. 3b",
        "DMSE − MSE validation accuracy",
        (0.0, 1.0),
        kind="range",
        source="Fig. 3b and text, read as for Fig. 3a, for the scale study",
        display="> 0 (largest at small widths)",
    ),
    "fig4": _claim(
        "Fig. 4",
        "λmax at first instability / (2/η)",
        "≈ 1 for every η",
        _FIG4,
    ),
    "at_map": _claim(
        "(A, T) map",
        "best and worst cell",
        "a region of (A, T) improves on the static loss; too large A and T deteriorate "
        "(catastrophic forgetting)",
        "text on Fig. 3 and the Supplementary Materials",
    ),
}
"""What the chapter compares with: the paper's statements (its figures carry no
tabulated numbers) and, for the schedule, its amplitude."""


def data(
    *, dtype: torch.dtype = torch.float64
) -> tuple[spirals.Spiral, spirals.Spiral]:
    """Training spiral (seed 0) and validation spiral (seed 1) of the chapter.

    Parameters
    ----------
    dtype : torch.dtype
        Floating-point type of the points.

    Returns
    -------
    (Spiral, Spiral)
        The authors' spiral (3 arms of 100 points, angle noise 0.2 rad, 2 turns) with
        the training and the validation seed.
    """
    return spirals.train_val(
        N_PER_CLASS,
        N_CLASSES,
        noise=NOISE,
        turns=TURNS,
        seed=TRAIN_SEED,
        val_seed=VAL_SEED,
        dtype=dtype,
    )


def schedule(
    A: float = A,
    T: int = T,
    *,
    reading: str = "normalized",
    static_from: int | None = None,
) -> DL.Schedule:
    """The class-weight schedule ``Gamma_i(t)`` (``A = 1`` gives the static loss).

    Parameters
    ----------
    A : float
        Amplitude (default the paper's 70).
    T : int
        Period in steps (default 5000).
    reading : {"normalized", "literal"}
        How ``A`` enters (:class:`~fractal_lib.dynamical.losses.Schedule`).
    static_from : int, optional
        From this step on every weight is 1.

    Returns
    -------
    Schedule
        For the paper's three classes.
    """
    return DL.Schedule(
        A=float(A),
        T=int(T),
        n_classes=N_CLASSES,
        reading=reading,  # type: ignore[arg-type]
        static_from=static_from,
    )


# ----------------------------------------------------------------------- cached runs
def run(
    widths,
    seeds,
    *,
    loss: str,
    schedules,
    lr,
    steps: int,
    val_every: int = 0,
    hessian_every: int = 0,
    hessian_steps=(),
    snap_steps=(),
    lanczos_iter: int = LANCZOS_ITER,
    progress: bool = True,
    cache=None,
) -> B.TrainResult:
    """:func:`fractal_lib.dynamical.batched_mlp.train` on the chapter's spirals, cached.

    Parameters
    ----------
    widths, seeds : int or sequence of int
        Hidden width and initialisation seed of each model (a single value is
        broadcast).
    loss : {"ce", "dce", "mse", "dmse1", "dmse2"}
        The loss.
    schedules : Schedule or sequence of Schedule
        One :class:`~fractal_lib.dynamical.losses.Schedule` for all models or one per
        model.
    lr : float or sequence of float
        Learning rate(s).
    steps : int
        Full-batch GD steps.
    val_every, hessian_every : int
        Steps between validation / Hessian evaluations (0: never).
    hessian_steps, snap_steps : sequence of int
        Extra steps with a Hessian evaluation; steps whose parameters are stored.
    lanczos_iter : int
        Krylov dimension of each Hessian evaluation.
    progress : bool
        Show a progress bar.
    cache : Cache, optional
        Default :func:`fractal_lib.core.cache.default_cache`.

    Returns
    -------
    TrainResult
        The trainer's record, read from disk when the same run was made before.
    """
    tr, va = data()
    sch = [schedules] if isinstance(schedules, DL.Schedule) else list(schedules)
    params = {
        "widths": np.atleast_1d(widths).tolist(),
        "seeds": np.atleast_1d(seeds).tolist(),
        "loss": loss,
        "schedules": [asdict(s) for s in sch],
        "lr": np.atleast_1d(lr).tolist(),
        "steps": int(steps),
        "val_every": int(val_every),
        "hessian_every": int(hessian_every),
        "hessian_steps": np.asarray(hessian_steps, dtype=int).tolist(),
        "snap_steps": np.asarray(snap_steps, dtype=int).tolist(),
        "lanczos_iter": int(lanczos_iter),
    }

    def compute() -> dict[str, np.ndarray]:
        res = B.train(
            widths,
            seeds,
            tr.x,
            tr.y,
            loss=loss,
            schedule=sch,
            lr=lr,
            steps=steps,
            x_val=va.x,
            y_val=va.y,
            val_every=val_every,
            hessian_every=hessian_every,
            hessian_steps=hessian_steps,
            snap_steps=snap_steps,
            lanczos_iter=lanczos_iter,
            progress=progress,
        )
        return res.arrays()

    c = default_cache() if cache is None else cache
    return B.TrainResult.from_arrays(
        c.cached("lavin2024-run", params, CODE_VERSION, compute)
    )


def fig1(
    widths, lrs, n_seeds: int, steps: int, hessian_every: int
) -> dict[int, B.TrainResult]:
    """Fig. 1: static CE for each width (its learning rates and seeds in one batch).

    Parameters
    ----------
    widths : sequence of int
        Hidden widths.
    lrs : sequence of float
        Learning rates.
    n_seeds : int
        Runs per (width, learning rate).
    steps, hessian_every : int
        GD steps; steps between Hessian evaluations.

    Returns
    -------
    dict of int to TrainResult
        One batched result per width; model order ``lr`` major, seed minor.
    """
    out = {}
    for w in widths:
        e = np.repeat(np.asarray(lrs, dtype=float), n_seeds)
        s = np.tile(np.arange(n_seeds), len(lrs))
        out[int(w)] = run(
            int(w),
            s,
            loss="ce",
            schedules=DL.STATIC,
            lr=e,
            steps=steps,
            hessian_every=hessian_every,
        )
    return out


def fig2(
    steps: int,
    hessian_every: int,
    dense_from: int,
    dense_every: int,
    slice_times=SLICE_TIMES,
    reading: str = "normalized",
) -> B.TrainResult:
    """The single Fig. 2 run (width 100, A = 70, T = 5000, lr = 1, DCE).

    Parameters
    ----------
    steps : int
        GD steps.
    hessian_every : int
        Steps between Hessian evaluations.
    dense_from, dense_every : int
        From step ``dense_from`` on, also a Hessian every ``dense_every`` steps.
    slice_times : sequence of int
        Times of the loss slices (:func:`fig2_slice_times`); the parameters of each and
        of the next :data:`SLICE_STEPS` steps are stored.
    reading : {"normalized", "literal"}
        Reading of ``A``.

    Returns
    -------
    TrainResult
        The run, with validation accuracy every ``steps // 20`` steps.
    """
    times = fig2_slice_times(steps, slice_times)
    snaps = sorted({t + k for t in times for k in range(SLICE_STEPS + 1)})
    dense = np.arange(dense_from, steps + 1, dense_every) if dense_from < steps else []
    return run(
        WIDTH_FIG2,
        0,
        loss="dce",
        schedules=schedule(reading=reading),
        lr=LR_FIG2,
        steps=steps,
        hessian_every=hessian_every,
        hessian_steps=dense,
        snap_steps=snaps,
        val_every=max(steps // 20, 1),
    )


def fig2_slice_times(steps: int, slice_times=SLICE_TIMES) -> list[int]:
    """The slice times that fit into a run of ``steps`` steps, with their next 20 steps.

    Parameters
    ----------
    steps : int
        Length of the run.
    slice_times : sequence of int
        Wanted times (default the paper's).

    Returns
    -------
    list of int
        The times ``t`` with ``t + 20 <= steps``; when none fits (``smoke`` scale), the
        last possible step.
    """
    times = [int(t) for t in slice_times if t + SLICE_STEPS <= steps]
    return times or [max(int(steps) - SLICE_STEPS, 0)]


def slice_at(
    res: B.TrainResult,
    t: int,
    n_grid: int,
    *,
    radius: float = 1.0,
    reading: str = "normalized",
) -> dict[str, np.ndarray]:
    """Fig. 2 slice at step ``t`` of :func:`fig2`'s run, and the next 20 positions.

    Parameters
    ----------
    res : TrainResult
        :func:`fig2`'s run, with the parameters of steps ``t .. t + 20`` stored.
    t : int
        Step of the slice.
    n_grid : int
        Grid points per axis.
    radius : float
        Half-width of the grid in both directions.
    reading : {"normalized", "literal"}
        Reading of ``A`` for the class weights of step ``t``.

    Returns
    -------
    dict
        ``grid`` (n_grid,); ``loss`` (n_grid, n_grid), the DCE loss (weights of step
        ``t``) on ``x_t + a v1 + b v2`` for ``a, b`` on the grid, with ``v1, v2`` the
        top-2 Hessian eigenvectors (:func:`fractal_lib.nets.hessian.top_eigen`);
        ``traj`` (21, 2), the positions ``x_t .. x_{t+20}`` projected on the plane;
        ``eig`` and ``eig_converged``, the two eigenvalues and their convergence flags.
    """
    tr, _ = data()
    y1 = tr.onehot
    gam = torch.as_tensor(schedule(reading=reading).weights(t))[None]
    params = [p.clone().requires_grad_(True) for p in res.params_at(t)]
    eig = hessian.top_eigen(
        lambda: DL.loss_value("dce", B.forward(params, tr.x), y1, gam).sum(),
        params,
        k=2,
        seed=int(t),
    )
    v1, v2 = eig.vectors
    grid = np.linspace(-radius, radius, int(n_grid))

    def batched(pts):
        flat = [p.reshape(-1, *p.shape[2:]) for p in pts]  # (G, 1, ...) -> (G, ...)
        return DL.loss_value("dce", B.forward(flat, tr.x), y1, gam)

    z = loss_slices.loss_slice(
        batched, params, v1, v2, grid, grid, batched=True, batch_size=64
    )
    traj = loss_slices.project(
        [res.params_at(t + k) for k in range(SLICE_STEPS + 1)], params, v1, v2
    )
    return {
        "grid": grid,
        "loss": z,
        "traj": traj,
        "eig": eig.values,
        "eig_converged": eig.converged,
    }


def cached_slice(
    res: B.TrainResult, t: int, n_grid: int, *, radius: float = 1.0
) -> dict[str, np.ndarray]:
    """:func:`slice_at` (normalised reading), cached on disk.

    Parameters
    ----------
    res : TrainResult
        :func:`fig2`'s run.
    t, n_grid : int
        Step of the slice and grid points per axis.
    radius : float
        Half-width of the grid.

    Returns
    -------
    dict
        As :func:`slice_at`.
    """
    key = {
        "t": int(t),
        "n": int(n_grid),
        "r": float(radius),
        "w1": float(np.abs(res.snapshots["W1"]).sum()),
        "steps": int(res.loss.shape[1]),
    }

    def compute() -> dict[str, np.ndarray]:
        with num_threads(1):
            return slice_at(res, t, n_grid, radius=radius)

    return default_cache().cached("lavin2024-slice", key, CODE_VERSION, compute)


def static_last_period(
    A_: float, T_: int, periods: int, *, reading: str = "normalized"
) -> DL.Schedule:
    """Fig. 3's schedule: ``periods`` periods of ``T_`` steps, the last one static.

    Parameters
    ----------
    A_ : float
        Amplitude.
    T_ : int
        Period in steps.
    periods : int
        Number of periods; from step ``(periods - 1) T_`` on every weight is 1.
    reading : {"normalized", "literal"}
        Reading of ``A``.

    Returns
    -------
    Schedule
    """
    return schedule(A_, T_, reading=reading, static_from=(periods - 1) * int(T_))


def fig3(
    widths,
    n_seeds: int,
    *,
    losses,
    lr: float,
    A_: float,
    T_: int,
    periods: int,
) -> dict[str, np.ndarray]:
    """Fig. 3: final validation accuracy of each loss against the width.

    Parameters
    ----------
    widths : sequence of int
        Hidden widths.
    n_seeds : int
        Runs per width (the same seeds for every loss, so differences are paired).
    losses : sequence of str
        Losses; ``"ce"`` and ``"mse"`` use the static schedule (CE runs as DCE with it).
    lr : float
        Learning rate.
    A_, T_ : float, int
        Amplitude and period of the dynamical losses.
    periods : int
        Periods trained, the last one static (:func:`static_last_period`).

    Returns
    -------
    dict of str to ndarray
        ``{loss: accuracy}``, each ``(len(widths), n_seeds)``, measured after the last
        step.
    """
    steps = periods * int(T_)
    out = {}
    dyn = static_last_period(A_, T_, periods)
    for kind in losses:
        rows = []
        for w in widths:
            r = run(
                int(w),
                np.arange(n_seeds),
                loss=kind if kind != "ce" else "dce",
                schedules=dyn if kind in DL.DYNAMICAL else DL.STATIC,
                lr=lr,
                steps=steps,
                val_every=steps,
            )
            rows.append(r.val_acc[:, -1])
        out[kind] = np.array(rows)
    return out


def fig4_max_steps(lrs, T_: int, max_periods: int | None = None) -> np.ndarray:
    """Longest search window of :func:`fig4` for each learning rate, in steps.

    Parameters
    ----------
    lrs : float or sequence of float
        Learning rates.
    T_ : int
        Period in steps (>= 1).
    max_periods : int, optional
        The window in periods (>= 1); default the paper's protocol, a total training
        time of ``10^5 / lr`` steps (:data:`FIG4_TOTAL`), rounded up to whole periods.

    Returns
    -------
    ndarray of int64
        One window per learning rate.

    Raises
    ------
    ValueError
        ``T_ < 1`` or ``max_periods < 1``.
    """
    e = np.atleast_1d(np.asarray(lrs, dtype=float))
    if int(T_) < 1:
        raise ValueError(f"T_ (period) must be >= 1, got {T_}")
    if max_periods is not None:
        if int(max_periods) < 1:
            raise ValueError(f"max_periods must be >= 1 or None, got {max_periods}")
        return np.full(e.shape, int(max_periods) * int(T_), dtype=np.int64)
    return (np.ceil(FIG4_TOTAL / (e * int(T_))) * int(T_)).astype(np.int64)


def fig4(
    lrs,
    losses,
    n_seeds: int,
    *,
    A_: float,
    T_: int,
    periods: int = 2,
    max_periods: int | None = None,
    width: int = WIDTH_FIG2,
    lanczos_iter: int = 20,
) -> dict[str, dict[str, np.ndarray]]:
    """``lambda_max`` at the first instability of each run, per loss and learning rate.

    Every learning rate and seed of a loss first runs in one batch for ``periods``
    periods. The first instability is
    :func:`~fractal_lib.dynamical.losses.first_instability` of the update ratio, looked
    for from ``T/2`` on (the second half of the first period, where Fig. 2's cascade
    starts; this skips the initial transient). The curvature grows from period to
    period, and the smaller ``lr``, the more periods it takes to reach ``2/lr`` (on the
    chapter's spiral with ``T = 1000``: 1 period at ``lr = 1``, about 4 at 0.5, 10 to 13
    at 0.25). So runs with no instability that did not diverge are run again, alone (a
    model's trajectory does not depend on its batch), with the window doubled, until
    they find one or the window reaches :func:`fig4_max_steps` (``max_periods`` periods,
    or the paper's ``10^5 / lr`` steps). A run still without an instability then is
    *censored*: the result says so, with its window, and one
    :class:`~fractal_lib.core.checks.EstimatorWarning` is issued. A second, cached pass
    re-runs each model up to its own first instability and computes ``lambda_max`` of
    the current loss exactly there (batched Lanczos; its ``converged`` flag is
    returned).

    Parameters
    ----------
    lrs : sequence of float
        Learning rates.
    losses : sequence of str
        Dynamical losses (``"dce"``, ``"dmse1"``, ``"dmse2"``).
    n_seeds : int
        Runs per (loss, lr).
    A_, T_ : float, int
        Amplitude and period of the schedule.
    periods : int
        First search window, in periods (>= 1).
    max_periods : int, optional
        Longest window, in periods; default the paper's ``10^5 / lr`` steps.
    width : int
        Hidden width.
    lanczos_iter : int
        Krylov dimension of the ``lambda_max`` evaluation.

    Returns
    -------
    dict
        ``{loss: fields}``, each field shaped ``(n_lr, n_seeds)``: ``t`` (first unstable
        step, -1 where none), ``lam`` (``lambda_max`` there, NaN where none), ``found``,
        ``diverged`` (the loss overflowed before an instability was found), ``censored``
        (neither found nor diverged within the window), ``window`` (steps searched),
        ``at_cap`` (censored with the window at its maximum), ``at_start`` (found at the
        very first searched step ``T/2``: the run was already unstable, e.g. still in
        its initial transient, so ``t`` is not necessarily its *first* instability) and
        ``lam_converged`` (Lanczos flag; True where there is no ``lam``).

    Raises
    ------
    ValueError
        ``periods < 1``, ``max_periods < 1`` or ``n_seeds < 1``.
    """
    if int(periods) < 1:
        raise ValueError(f"periods must be >= 1, got {periods}")
    if int(n_seeds) < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds}")
    lrs = np.asarray(lrs, dtype=float)
    e = np.repeat(lrs, n_seeds)
    s = np.tile(np.arange(n_seeds), lrs.size)
    cap = fig4_max_steps(e, T_, max_periods)
    sched = schedule(A_, T_)
    tr, _ = data()
    start = int(T_) // 2
    out = {}
    for kind in losses:
        window = np.minimum(int(periods) * int(T_), cap)
        t_star = np.full(s.size, -1, dtype=np.int64)
        div = np.zeros(s.size, dtype=bool)
        todo = np.arange(s.size)
        while todo.size:
            steps = int(window[todo].max())
            r = run(width, s[todo], loss=kind, schedules=sched, lr=e[todo], steps=steps)
            w = window[todo]
            ratio = np.where(np.arange(steps)[None, :] < w[:, None], r.ratio, np.nan)
            t_star[todo] = DL.first_instability(ratio, start=start)
            div[todo] = ~np.isfinite(r.static_loss[np.arange(todo.size), w]) & (
                t_star[todo] < 0
            )
            todo = todo[(t_star[todo] < 0) & ~div[todo] & (window[todo] < cap[todo])]
            window[todo] = np.minimum(2 * window[todo], cap[todo])
        found = t_star >= 0
        lam = np.full(t_star.shape, np.nan)
        conv = np.ones(t_star.shape, dtype=bool)
        if found.any():
            idx_f = np.flatnonzero(found)
            r2 = run(
                width,
                s[idx_f],
                loss=kind,
                schedules=sched,
                lr=e[idx_f],
                steps=int(t_star[idx_f].max()),
                snap_steps=np.unique(t_star[idx_f]),
            )
            snap = np.searchsorted(r2.snap_steps, t_star[idx_f])
            m = np.arange(idx_f.size)
            params = [torch.as_tensor(r2.snapshots[n][snap, m]) for n in B.PARAM_NAMES]
            gam = torch.as_tensor(sched.weights(t_star[idx_f]))
            with num_threads(1):
                eig = B.batched_top_eigen(
                    params, tr.x, tr.onehot, kind, gam, k=1, n_iter=lanczos_iter
                )
            lam[idx_f] = eig.values[:, 0]
            conv[idx_f] = eig.converged[:, 0]
        censored = ~found & ~div
        at_cap = censored & (window >= cap)
        at_start = (
            t_star == start
        )  # already unstable when the search began (transient?)
        if censored.any():
            warn_limit(
                f"fig4 ({kind}): {int(censored.sum())} of {s.size} runs found no "
                f"instability within their window (up to {int(window.max())} steps; "
                f"at the cap: {int(at_cap.sum())}); see 'censored', 'window'"
            )
        if not conv.all():
            warn_limit(
                f"fig4 ({kind}): lambda_max did not converge in {lanczos_iter} Lanczos "
                f"steps for {int((~conv).sum())} runs; see 'lam_converged'"
            )
        shape = (lrs.size, int(n_seeds))
        out[kind] = {
            "t": t_star.reshape(shape),
            "lam": lam.reshape(shape),
            "found": found.reshape(shape),
            "diverged": div.reshape(shape),
            "censored": censored.reshape(shape),
            "window": window.reshape(shape),
            "at_cap": at_cap.reshape(shape),
            "at_start": at_start.reshape(shape),
            "lam_converged": conv.reshape(shape),
        }
    return out


def at_map(
    As,
    Ts,
    n_seeds: int,
    *,
    width: int,
    periods: int,
    loss: str = "dce",
    lr: float = LR_CE,
) -> np.ndarray:
    """The (A, T) map: final validation accuracy over a grid of amplitudes and periods.

    Parameters
    ----------
    As : sequence of float
        Amplitudes; ``A = 1`` is the static loss.
    Ts : sequence of int
        Periods in steps.
    n_seeds : int
        Runs per cell (the same seeds in every cell).
    width : int
        Hidden width.
    periods : int
        Periods trained, the last one static.
    loss : str
        Dynamical loss.
    lr : float
        Learning rate.

    Returns
    -------
    ndarray
        ``(len(As), len(Ts), n_seeds)``; all amplitudes of one period run in one batch.
    """
    out = np.empty((len(As), len(Ts), n_seeds))
    for j, t_ in enumerate(Ts):
        sch = [
            static_last_period(a, t_, periods) if a != 1 else DL.STATIC
            for a in As
            for _ in range(n_seeds)
        ]
        seeds = np.tile(np.arange(n_seeds), len(As))
        r = run(
            width,
            seeds,
            loss=loss,
            schedules=sch,
            lr=lr,
            steps=periods * int(t_),
            val_every=periods * int(t_),
        )
        out[:, j] = r.val_acc[:, -1].reshape(len(As), n_seeds)
    return out


# -------------------------------------------------------------------------- readings
def fig1_plateau(
    fig1: dict[int, B.TrainResult], lrs, n_seeds: int
) -> dict[tuple[int, float], float]:
    """Fig. 1b: the ``lambda_max`` plateau of each (width, lr), over ``2/lr``.

    Parameters
    ----------
    fig1 : dict of int to TrainResult
        :func:`fig1`'s runs, keyed by width (models ``lr`` major, seed minor).
    lrs : sequence of float
        The learning rates of :func:`fig1`.
    n_seeds : int
        Runs per learning rate.

    Returns
    -------
    dict
        ``{(width, lr): plateau}``: the median over the second half of the run of the
        seed-mean ``lambda_max``, times ``lr / 2`` (1 is the edge of stability).
    """
    out = {}
    for w, r in fig1.items():
        half = r.hess_steps >= r.hess_steps[-1] / 2
        for j, lr in enumerate(lrs):
            lam = r.hess[j * n_seeds : (j + 1) * n_seeds, half, 0]
            out[w, lr] = np.nanmedian(np.nanmean(lam, axis=0)) * lr / 2
    return out


def fig1_unconverged(fig1: dict[int, B.TrainResult]) -> int:
    """Fig. 1b: the number of finite ``lambda_max`` that did not converge (Lanczos).

    Parameters
    ----------
    fig1 : dict of int to TrainResult
        :func:`fig1`'s runs.

    Returns
    -------
    int
        Evaluations, over all widths, models and steps, with a finite value and no
        convergence.
    """
    return sum(
        int((~r.hess_converged[..., 0] & np.isfinite(r.hess[..., 0])).sum())
        for r in fig1.values()
    )


def fig1_final_loss(
    fig1: dict[int, B.TrainResult], lrs, n_seeds: int
) -> dict[tuple[int, float], float]:
    """Fig. 1a: the seed-mean static loss at the last step.

    Parameters
    ----------
    fig1 : dict of int to TrainResult
        :func:`fig1`'s runs, keyed by width (models ``lr`` major, seed minor).
    lrs : sequence of float
        The learning rates of :func:`fig1`.
    n_seeds : int
        Runs per learning rate.

    Returns
    -------
    dict
        ``{(width, lr): loss}`` (the mean over the finite values).
    """
    return {
        (w, lr): np.nanmean(r.static_loss[j * n_seeds : (j + 1) * n_seeds, -1])
        for w, r in fig1.items()
        for j, lr in enumerate(lrs)
    }


def fig1_orderings(loss) -> np.ndarray:
    """Fig. 1a: which of the text's orderings of the final loss hold.

    Parameters
    ----------
    loss : array_like, shape ``(n_widths, n_lrs)``
        Mean final loss per width (ascending) and learning rate (ascending).

    Returns
    -------
    ndarray of bool
        For each learning rate, every pair of widths (the wider has the lower loss),
        then for each width, every pair of learning rates (the larger has the lower
        loss): ``n_lrs * C(n_widths, 2) + n_widths * C(n_lrs, 2)`` entries.

    Raises
    ------
    ValueError
        ``loss`` not two-dimensional, with no pair to compare, or not finite.
    """
    a = np.asarray(loss, dtype=float)
    if a.ndim != 2 or a.size < 2:
        raise ValueError(f"loss: expected (n_widths, n_lrs) with a pair, got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError("loss: must be finite (a diverged run has no place)")
    nw, ne = a.shape
    by_width = [
        a[j, e] < a[i, e]
        for e in range(ne)
        for i in range(nw)
        for j in range(i + 1, nw)
    ]
    by_lr = [
        a[w, j] < a[w, i]
        for w in range(nw)
        for i in range(ne)
        for j in range(i + 1, ne)
    ]
    return np.array(by_width + by_lr, dtype=bool)


def fig1_order_share(final, *, n_boot: int = 2000, seed: int = 0) -> fits.BootstrapCI:
    """Fig. 1a: the share of :func:`fig1_orderings` that hold, with a seed bootstrap.

    Parameters
    ----------
    final : array_like, shape ``(n_seeds, n_widths, n_lrs)``
        Final loss of each run (widths and learning rates ascending, the seeds
        resampled together).
    n_boot : int
        Bootstrap resamples (:func:`fractal_lib.core.fits.bootstrap_ci`).
    seed : int
        Seed of the resampling.

    Returns
    -------
    BootstrapCI
        The share for the seed means, its 95 % interval and replicates.

    Raises
    ------
    ValueError
        ``final`` not three-dimensional, fewer than two seeds, or not finite.
    """
    a = np.asarray(final, dtype=float)
    if a.ndim != 3 or a.shape[0] < 2:
        raise ValueError(
            f"final: expected (n_seeds >= 2, n_widths, n_lrs), got {a.shape}"
        )
    fig1_orderings(a.mean(axis=0))  # checks the shape and finiteness

    def share(x: np.ndarray) -> float:
        return float(fig1_orderings(x.mean(axis=0)).mean())

    return fits.bootstrap_ci(a, share, n_boot=n_boot, seed=seed)


#: How far from 1 the mean ``lambda_max lr / 2`` at the first instability may lie for
#: the paper's "≈ 1" to hold at one learning rate (a reading of "≈", not the paper's).
FIG4_TOLERANCE = 0.1


def fig4_status(res: dict[str, np.ndarray], lrs) -> str:
    """Fig. 4's status for one loss, from the runs: does "≈ 1 for every η" hold?

    At one learning rate the claim holds when some run found the instability and the
    mean ratio ``lambda_max lr / 2`` over those runs is within :data:`FIG4_TOLERANCE`
    of 1, or within two standard errors of the mean of it.

    Parameters
    ----------
    res : dict
        One loss's entry of :func:`fig4` (fields shaped ``(n_lr, n_seeds)``).
    lrs : sequence of float
        The learning rates of :func:`fig4`.

    Returns
    -------
    str
        ``"reproduced"`` when it holds at every learning rate, ``"partial"`` at some,
        ``"missed"`` at none.
    """
    m, e = fits.mean_sem(res["lam"] * np.asarray(lrs)[:, None] / 2, axis=1)
    found = res["found"].sum(axis=1) > 0
    e = np.where(np.isfinite(e), e, 0.0)
    ok = found & (np.abs(m - 1.0) <= np.maximum(FIG4_TOLERANCE, 2 * e))
    return "reproduced" if ok.all() else "partial" if ok.any() else "missed"


def fig4_text(res: dict[str, np.ndarray], lrs, n_seeds: int, T_: int) -> str:
    """Fig. 4: one loss's ``lambda_max lr / 2`` at the first instability, as text.

    Parameters
    ----------
    res : dict
        One loss's entry of :func:`fig4` (fields shaped ``(n_lr, n_seeds)``).
    lrs : sequence of float
        The learning rates of :func:`fig4`.
    n_seeds : int
        Runs per learning rate.
    T_ : int
        The period (the search windows are printed in periods).

    Returns
    -------
    str
        Per learning rate: mean ± error of the mean over the runs that found an
        instability, with the counts of runs found, diverged, cut off (and after how
        many periods) and already unstable at ``T/2``; a note when Lanczos did not
        converge.
    """
    m, e = fits.mean_sem(res["lam"] * np.asarray(lrs)[:, None] / 2, axis=1)
    n, nd = res["found"].sum(axis=1), res["diverged"].sum(axis=1)
    nc, n0 = res["censored"].sum(axis=1), res["at_start"].sum(axis=1)
    win = res["window"].max(axis=1) // T_
    parts = []
    for lr, a, b, c, d, x, w, z in zip(lrs, m, e, n, nd, nc, win, n0, strict=True):
        parts.append(
            f"η={lr:g}: "
            + (f"{a:.2f}±{b:.2f}" if c else "none")
            + f" ({c} of {n_seeds} found, {d} diverged"
            + (f", {x} cut off after {w} periods" if x else "")
            + (f", {z} already unstable at T/2" if z else "")
            + ")"
        )
    tail = "" if res["lam_converged"].all() else "; Lanczos not converged for some"
    return ", ".join(parts) + tail
