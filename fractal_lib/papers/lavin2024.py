"""Settings and protocols of Lavin & Ruiz-Garcia 2024, *Dynamical loss functions shape landscape
topography and improve learning in artificial neural networks* (arXiv:2410.10690), used by
``notebooks/lavin2024_dynamical_loss.md``.

Only what is specific to the paper lives here: its constants, the numbers and statements it
reports, and thin cached recipes that call the concept modules
(:mod:`fractal_lib.dynamical.spirals`, :mod:`fractal_lib.dynamical.losses`,
:mod:`fractal_lib.dynamical.batched_mlp`, :mod:`fractal_lib.nets.hessian`,
:mod:`fractal_lib.dynamical.loss_slices`). Sizes that change with ``FRACTAL_SCALE`` live in
:mod:`fractal_lib.papers.presets.lavin2024_dynamical_loss`. Every training run is cached on disk,
keyed by its parameters and the source of the modules it depends on.

Where the paper is silent (Fig. 1's widths and learning rates, Fig. 3's widths, amplitude and
period) the choices are ours and the chapter says so.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch

from ..core.cache import code_version_of, default_cache
from ..core.checks import warn_limit
from ..dynamical import batched_mlp as B
from ..dynamical import loss_slices, spirals
from ..dynamical import losses as DL
from ..nets import hessian
from ..nets.torchtools import num_threads

CODE_VERSION = code_version_of(__name__)

# ----------------------------------------------------------------------------- constants
N_PER_CLASS, N_CLASSES, NOISE, TURNS = 100, 3, 0.2, 2.0
"""Spiral of the authors' code: 3 arms x 100 points, 0.2 rad angle noise, 2 turns."""
TRAIN_SEED, VAL_SEED = 0, 1
A, T = 70.0, 5000
"""Amplitude and period of Fig. 2 (and the code's defaults)."""
ETA_FIG2, WIDTH_FIG2 = 1.0, 100
SLICE_TIMES = (8000, 9285, 9450, 9560, 9600)
"""Times of the loss slices of Fig. 2 (the end of the second period)."""
SLICE_STEPS = 20
"""Fig. 2: the slices show the next 20 positions."""
ETA_CE, ETA_MSE = 1.0, 0.075
"""Fig. 3 learning rates: CE vs DCE, and MSE vs DMSE1/DMSE2."""
FIG4_A, FIG4_T, FIG4_SIMS = (25.0, 50.0, 75.0), (5000, 10000), 30
FIG4_TOTAL = 100_000
"""Fig. 4: total training time 100 000 / eta steps (we stop at the first instability)."""
CODE_PERIODS = 14
"""The code trains 14 periods of 5000 steps (70 000), the last one static (A = 1)."""
LANCZOS_ITER = 10
"""Lanczos order of the code (google/spectral-density, order 10)."""

PAPER = {
    "fig1": "λmax quickly rises to slightly above 2/η (edge of stability) for every width and "
            "learning rate; the largest network escapes it; loss spikes during training",
    "fig2_first_half": "in the first half of each period the DCE loss and λ1, λ2 decrease; "
                       "the accuracy stays flat",
    "fig2_second_half": "in the second half the valley narrows and rises: the loss increases",
    "fig2_cascade": "a bifurcation when λ1 crosses 2/η, more when further eigenvalues do "
                    "(period-doubling cascade) near t = 10 000; accuracy keeps increasing",
    "fig3": "dynamical losses give higher validation accuracy than CE/MSE, most at small "
            "widths (they shift the under- to over-parameterised transition)",
    "fig4": "λmax at the first instability follows 2/η for DCE, DMSE1 and DMSE2",
    "map": "a region of (A, T) improves on the static loss; too large A and T deteriorate "
           "(catastrophic forgetting)",
}
"""What the paper states (its figures carry no tabulated numbers)."""


def data(*, dtype: torch.dtype = torch.float64) -> tuple[spirals.Spiral, spirals.Spiral]:
    """Training spiral (seed 0) and validation spiral (seed 1) of the chapter."""
    return spirals.train_val(N_PER_CLASS, N_CLASSES, noise=NOISE, turns=TURNS, seed=TRAIN_SEED,
                             val_seed=VAL_SEED, dtype=dtype)


def schedule(A: float = A, T: int = T, *, reading: str = "normalized",
             static_from: int | None = None) -> DL.Schedule:
    """The class-weight schedule (``A = 1`` gives the static loss)."""
    return DL.Schedule(A=float(A), T=int(T), n_classes=N_CLASSES, reading=reading,  # type: ignore[arg-type]
                       static_from=static_from)


# ----------------------------------------------------------------------------- cached runs
def run(widths, seeds, *, loss: str, schedules, eta, steps: int, val_every: int = 0,
        hessian_every: int = 0, hessian_steps=(), snap_steps=(), lanczos_iter: int = LANCZOS_ITER,
        progress: bool = True, cache=None) -> B.TrainResult:
    """:func:`fractal_lib.dynamical.batched_mlp.train` on the chapter's spirals, cached on disk.

    ``schedules`` is one :class:`~fractal_lib.dynamical.losses.Schedule` or one per model.
    """
    tr, va = data()
    sch = [schedules] if isinstance(schedules, DL.Schedule) else list(schedules)
    params = {"widths": np.atleast_1d(widths).tolist(), "seeds": np.atleast_1d(seeds).tolist(),
              "loss": loss, "schedules": [asdict(s) for s in sch], "eta": np.atleast_1d(eta).tolist(),
              "steps": int(steps), "val_every": int(val_every), "hessian_every": int(hessian_every),
              "hessian_steps": np.asarray(hessian_steps, dtype=int).tolist(),
              "snap_steps": np.asarray(snap_steps, dtype=int).tolist(), "lanczos_iter": int(lanczos_iter)}

    def compute() -> dict[str, np.ndarray]:
        res = B.train(widths, seeds, tr.x, tr.y, loss=loss, schedule=sch, eta=eta, steps=steps,
                      x_val=va.x, y_val=va.y, val_every=val_every, hessian_every=hessian_every,
                      hessian_steps=hessian_steps, snap_steps=snap_steps, lanczos_iter=lanczos_iter,
                      progress=progress)
        return res.arrays()

    c = default_cache() if cache is None else cache
    return B.TrainResult.from_arrays(c.cached("lavin2024-run", params, CODE_VERSION, compute))


def fig1(widths, etas, n_seeds: int, steps: int, hessian_every: int) -> dict[int, B.TrainResult]:
    """Static CE for each width (all learning rates and seeds of a width batched together).

    Model order inside each result: ``eta`` major, seed minor.
    """
    out = {}
    for w in widths:
        e = np.repeat(np.asarray(etas, dtype=float), n_seeds)
        s = np.tile(np.arange(n_seeds), len(etas))
        out[int(w)] = run(int(w), s, loss="ce", schedules=DL.STATIC, eta=e, steps=steps,
                          hessian_every=hessian_every)
    return out


def fig2(steps: int, hessian_every: int, dense_from: int, dense_every: int,
         slice_times=SLICE_TIMES, reading: str = "normalized") -> B.TrainResult:
    """The single Fig. 2 run (width 100, A = 70, T = 5000, eta = 1, DCE) with snapshots for the
    slices; the Hessian every ``hessian_every`` steps and every ``dense_every`` steps from
    ``dense_from`` on."""
    times = fig2_slice_times(steps, slice_times)
    snaps = sorted({t + k for t in times for k in range(SLICE_STEPS + 1)})
    dense = np.arange(dense_from, steps + 1, dense_every) if dense_from < steps else []
    return run(WIDTH_FIG2, 0, loss="dce", schedules=schedule(reading=reading), eta=ETA_FIG2,
               steps=steps, hessian_every=hessian_every, hessian_steps=dense, snap_steps=snaps,
               val_every=max(steps // 20, 1))


def fig2_slice_times(steps: int, slice_times=SLICE_TIMES) -> list[int]:
    """The slice times that fit into a run of ``steps`` steps (with their next 20 steps); when none
    does (``smoke`` scale), the last possible step."""
    times = [int(t) for t in slice_times if t + SLICE_STEPS <= steps]
    return times or [max(int(steps) - SLICE_STEPS, 0)]


def slice_at(res: B.TrainResult, t: int, n_grid: int, *, radius: float = 1.0,
             reading: str = "normalized") -> dict[str, np.ndarray]:
    """Fig. 2 slice at step ``t`` of :func:`fig2`'s run: the DCE loss (weights of step ``t``) on
    ``x_t + a v1 + b v2`` for ``a, b`` in ``[-radius, radius]``, with ``v1, v2`` the top-2 Hessian
    eigenvectors (:func:`fractal_lib.nets.hessian.top_eigen`; ``eig_converged`` holds its flags), and
    the next 20 positions projected."""
    tr, _ = data()
    y1 = tr.onehot
    gam = torch.as_tensor(schedule(reading=reading).weights(t))[None]
    params = [p.clone().requires_grad_(True) for p in res.params_at(t)]
    eig = hessian.top_eigen(lambda: DL.loss_value("dce", B.forward(params, tr.x), y1, gam).sum(),
                            params, k=2, seed=int(t))
    v1, v2 = eig.vectors
    grid = np.linspace(-radius, radius, int(n_grid))

    def batched(pts):
        flat = [p.reshape(-1, *p.shape[2:]) for p in pts]        # (G, 1, ...) -> (G, ...)
        return DL.loss_value("dce", B.forward(flat, tr.x), y1, gam)

    z = loss_slices.loss_slice(batched, params, v1, v2, grid, grid, batched=True, batch_size=64)
    traj = loss_slices.project([res.params_at(t + k) for k in range(SLICE_STEPS + 1)], params, v1, v2)
    return {"grid": grid, "loss": z, "traj": traj, "eig": eig.values, "eig_converged": eig.converged}


def cached_slice(res: B.TrainResult, t: int, n_grid: int, *, radius: float = 1.0) -> dict[str, np.ndarray]:
    """:func:`slice_at`, cached."""
    key = {"t": int(t), "n": int(n_grid), "r": float(radius),
           "w1": float(np.abs(res.snapshots["W1"]).sum()), "steps": int(res.loss.shape[1])}
    def compute() -> dict[str, np.ndarray]:
        with num_threads(1):
            return slice_at(res, t, n_grid, radius=radius)

    return default_cache().cached("lavin2024-slice", key, CODE_VERSION, compute)


def static_last_period(A_: float, T_: int, periods: int, *, reading: str = "normalized") -> DL.Schedule:
    """``periods`` periods of ``T_`` steps, the last one static (Fig. 3)."""
    return schedule(A_, T_, reading=reading, static_from=(periods - 1) * int(T_))


def fig3(widths, n_seeds: int, *, losses, eta: float, A_: float, T_: int, periods: int,
         ) -> dict[str, np.ndarray]:
    """Final validation accuracy (after ``periods`` periods, the last static) of each loss.

    Returns ``{loss: (len(widths), n_seeds)}``; ``ce``/``mse`` use the static schedule. All
    losses of a width run batched when they share a formula (CE with DCE, MSE with DMSE1).
    """
    steps = periods * int(T_)
    out = {}
    dyn = static_last_period(A_, T_, periods)
    for kind in losses:
        rows = []
        for w in widths:
            r = run(int(w), np.arange(n_seeds), loss=kind if kind != "ce" else "dce",
                    schedules=dyn if kind in DL.DYNAMICAL else DL.STATIC, eta=eta, steps=steps,
                    val_every=steps)
            rows.append(r.val_acc[:, -1])
        out[kind] = np.array(rows)
    return out


def fig4_max_steps(etas, T_: int, max_periods: int | None = None) -> np.ndarray:
    """Longest search window of :func:`fig4` for each learning rate, in steps: ``max_periods``
    periods when given, else the paper's protocol, a total training time of ``10^5 / eta`` steps
    (:data:`FIG4_TOTAL`), rounded up to whole periods."""
    e = np.atleast_1d(np.asarray(etas, dtype=float))
    if int(T_) < 1:
        raise ValueError(f"T_ (period) must be >= 1, got {T_}")
    if max_periods is not None:
        if int(max_periods) < 1:
            raise ValueError(f"max_periods must be >= 1 or None, got {max_periods}")
        return np.full(e.shape, int(max_periods) * int(T_), dtype=np.int64)
    return (np.ceil(FIG4_TOTAL / (e * int(T_))) * int(T_)).astype(np.int64)


def fig4(etas, losses, n_seeds: int, *, A_: float, T_: int, periods: int = 2, max_periods: int | None = None,
         width: int = WIDTH_FIG2, lanczos_iter: int = 20) -> dict[str, dict[str, np.ndarray]]:
    """``lambda_max`` at the first instability of each run, per loss and learning rate.

    Every learning rate and seed of a loss first runs in one batch for ``periods`` periods. The
    first instability is :func:`~fractal_lib.dynamical.losses.first_instability` of the update
    ratio, looked for from ``T/2`` on (the second half of the first period, where Fig. 2's cascade
    starts; this skips the initial transient). The curvature grows from period to period, and the
    smaller ``eta``, the more periods it takes to reach ``2/eta`` (on the chapter's spiral with
    ``T = 1000``: 1 period at ``eta = 1``, about 4 at 0.5, 10 to 13 at 0.25). So runs with no
    instability that did not diverge are run again, alone (a model's trajectory does not depend
    on its batch), with the window doubled, until they find one or the window reaches
    :func:`fig4_max_steps` (``max_periods`` periods, or the paper's ``10^5 / eta`` steps). A run
    still without an instability then is *censored*: the result says so, with its window, and one
    :class:`~fractal_lib.core.checks.EstimatorWarning` is issued. A second, cached pass re-runs each
    model up to its own first instability and computes ``lambda_max`` of the current loss exactly
    there (batched Lanczos; its ``converged`` flag is returned).

    Parameters
    ----------
    etas : sequence of float
        Learning rates.
    losses : sequence of str
        Dynamical losses (``"dce"``, ``"dmse1"``, ``"dmse2"``).
    n_seeds : int
        Runs per (loss, eta).
    A_, T_ : float, int
        Amplitude and period of the schedule.
    periods : int
        First search window, in periods (>= 1).
    max_periods : int, optional
        Longest window, in periods; default the paper's ``10^5 / eta`` steps.
    width : int
        Hidden width.
    lanczos_iter : int
        Krylov dimension of the ``lambda_max`` evaluation.

    Returns
    -------
    dict
        ``{loss: fields}``, each field shaped ``(n_eta, n_seeds)``: ``t`` (first unstable step, -1
        where none), ``lam`` (``lambda_max`` there, NaN where none), ``found``, ``diverged`` (the
        loss overflowed before an instability was found), ``censored`` (neither found nor
        diverged within the window), ``window`` (steps searched), ``at_cap`` (censored with the
        window at its maximum), ``at_start`` (found at the very first searched step ``T/2``: the
        run was already unstable, e.g. still in its initial transient, so ``t`` is not
        necessarily its *first* instability) and ``lam_converged`` (Lanczos flag; True where there
        is no ``lam``).

    Raises
    ------
    ValueError
        ``periods < 1``, ``max_periods < 1`` or ``n_seeds < 1``.
    """
    if int(periods) < 1:
        raise ValueError(f"periods must be >= 1, got {periods}")
    if int(n_seeds) < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds}")
    etas = np.asarray(etas, dtype=float)
    e = np.repeat(etas, n_seeds)
    s = np.tile(np.arange(n_seeds), etas.size)
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
            r = run(width, s[todo], loss=kind, schedules=sched, eta=e[todo], steps=steps)
            w = window[todo]
            ratio = np.where(np.arange(steps)[None, :] < w[:, None], r.ratio, np.nan)
            t_star[todo] = DL.first_instability(ratio, start=start)
            div[todo] = ~np.isfinite(r.static_loss[np.arange(todo.size), w]) & (t_star[todo] < 0)
            todo = todo[(t_star[todo] < 0) & ~div[todo] & (window[todo] < cap[todo])]
            window[todo] = np.minimum(2 * window[todo], cap[todo])
        found = t_star >= 0
        lam = np.full(t_star.shape, np.nan)
        conv = np.ones(t_star.shape, dtype=bool)
        if found.any():
            idx_f = np.flatnonzero(found)
            r2 = run(width, s[idx_f], loss=kind, schedules=sched, eta=e[idx_f],
                     steps=int(t_star[idx_f].max()), snap_steps=np.unique(t_star[idx_f]))
            snap = np.searchsorted(r2.snap_steps, t_star[idx_f])
            m = np.arange(idx_f.size)
            params = [torch.as_tensor(r2.snapshots[n][snap, m]) for n in B.PARAM_NAMES]
            gam = torch.as_tensor(sched.weights(t_star[idx_f]))
            with num_threads(1):
                eig = B.batched_top_eigen(params, tr.x, tr.onehot, kind, gam, k=1, n_iter=lanczos_iter)
            lam[idx_f] = eig.values[:, 0]
            conv[idx_f] = eig.converged[:, 0]
        censored = ~found & ~div
        at_cap = censored & (window >= cap)
        at_start = t_star == start         # already unstable when the search began (transient?)
        if censored.any():
            warn_limit(f"fig4 ({kind}): {int(censored.sum())} of {s.size} runs found no instability "
                       f"within their window (up to {int(window.max())} steps; at the cap: "
                       f"{int(at_cap.sum())}); see 'censored', 'window'")
        if not conv.all():
            warn_limit(f"fig4 ({kind}): lambda_max did not converge in {lanczos_iter} Lanczos steps for "
                       f"{int((~conv).sum())} runs; see 'lam_converged'")
        shape = (etas.size, int(n_seeds))
        out[kind] = {"t": t_star.reshape(shape), "lam": lam.reshape(shape), "found": found.reshape(shape),
                     "diverged": div.reshape(shape), "censored": censored.reshape(shape),
                     "window": window.reshape(shape), "at_cap": at_cap.reshape(shape),
                     "at_start": at_start.reshape(shape), "lam_converged": conv.reshape(shape)}
    return out


def at_map(As, Ts, n_seeds: int, *, width: int, periods: int, loss: str = "dce",
           eta: float = ETA_CE) -> np.ndarray:
    """Final validation accuracy over the (A, T) grid, ``(len(As), len(Ts), n_seeds)``; all
    amplitudes of one period run in one batch (``A = 1`` is the static loss)."""
    out = np.empty((len(As), len(Ts), n_seeds))
    for j, t_ in enumerate(Ts):
        sch = [static_last_period(a, t_, periods) if a != 1 else DL.STATIC
               for a in As for _ in range(n_seeds)]
        seeds = np.tile(np.arange(n_seeds), len(As))
        r = run(width, seeds, loss=loss, schedules=sch, eta=eta, steps=periods * int(t_),
                val_every=periods * int(t_))
        out[:, j] = r.val_acc[:, -1].reshape(len(As), n_seeds)
    return out


def mean_sem(a: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and error of the mean over the finite entries along ``axis``:
    :func:`fractal_lib.core.fits.mean_sem` (kept here for the chapter's ``P.mean_sem``)."""
    from ..core.fits import mean_sem as _mean_sem

    return _mean_sem(a, axis)
