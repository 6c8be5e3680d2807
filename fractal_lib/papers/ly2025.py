"""Settings, reported numbers and cached recipes of Ly & Gong (2025), *Optimization on multifractal
loss landscapes explains a diverse range of geometrical and dynamical properties of deep learning*
(Nat. Commun. 16, doi:10.1038/s41467-025-58532-9), used by
``notebooks/ly2025_multifractal_landscape.md``.

Only the abstract of the paper is public here; the protocols below are read from the authors'
code (``github.com/anly2178/GD-multifractal-landscape``) and the numbers labelled ``PAPER`` were
recomputed from their committed result files (see ``shared/research/abstract_papers.md``,
Paper 1). The machinery is generic and lives in :mod:`fractal_lib.surfaces.fields`,
:mod:`fractal_lib.surfaces.grid_descent`, :mod:`fractal_lib.surfaces.lyapunov`,
:mod:`fractal_lib.multifractal.wavelet_leaders`, :mod:`fractal_lib.surfaces.fractional_langevin`
and :mod:`fractal_lib.diffusion.msd`; the recipes here only fix the authors' protocols and cache
every result on disk.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..core.cache import code_version_of, default_cache
from ..core.checks import EstimatorWarning, warn_limit
from ..core.fits import bootstrap_ci
from ..core.report import fmt  # noqa: F401  (re-exported for the chapter)
from ..diffusion import msd as Dif
from ..multifractal import wavelet_leaders as W
from ..surfaces import fields as S
from ..surfaces import fractional_langevin as FL
from ..surfaces import grid_descent as G
from ..surfaces import lyapunov as Ly

CODE_VERSION = code_version_of(__name__)

# ----------------------------------------------------------------------------- the paper's settings
N = 1024
"""Grid side of the landscape (pixels; GD runs in pixel units)."""
H_MEAN, H_AMP = 0.5, 0.2
"""``H(x, y) = 0.5 + 0.2 sin(2 pi x/1024) cos(3 pi y/2048)``, in [0.3, 0.7]."""
FRACLAB_LEVELS = 25
"""Quantised H levels of FracLab's documented example (the authors' value is not recorded)."""

LR_MAIN, T_MAIN = 1000.0, 10_000
"""Main trajectory: eta = 1000, 10^4 iterations from the global maximum + N(0, 1) jitter."""
TAMSD_WINDOW = 3000
T_WAITS = np.array([0, 500, 1000, 1500, 2000, 2500, 3000, 3200, 3400, 3600, 3800, 4000, 4500, 5000])
TAU_MAX = 999

EOS_LRS = np.logspace(0, 4, 40)
EOS_SEEDS, EOS_STEPS, EOS_LAST = 10, 5000, 100
EOS_BAND = (25.0, 1000.0)

LYAP_BURN_IN, LYAP_TRIALS, LYAP_ESTIMATES, LYAP_INTERVAL, LYAP_D0 = 5000, 100, 100, 10, 0.1
LYAP_BOOT = 10_000

N_LOWEST = 3000
SMOOTH_BOX = {"cols": (670, 810), "rows": (700, 950)}
ROUGH_BOX = {"cols": (200, 300), "rows": (710, 860)}
"""The authors' cluster boxes on the 1024 grid (their smooth basin has H ~ 0.65, the rough ~ 0.32)."""
NR_FIT = (3.0, 30.0)
"""Our fit range of N(R) in pixels of the 1024 grid (the authors' is not recorded)."""
RF_POINTS, RF_BINS = 10_000, 99

FBS_H = np.round(np.arange(0.1, 1.0, 0.1), 1)
ALPHA_TRAJ = 5
FLE_H = (0.4, 0.5, 0.6, 0.7)

WASHBOARD = {"amplitude": 0.1, "period": 100.0, "bias": 0.01, "radius": 200.0, "k": 5e-4}
WASHBOARD_RUN = {"x0": -700.0, "n_steps": 10_000, "eta": 1000.0, "hurst": 0.7, "beta": 5e3}

CNN = {"batch_size": 64, "lr": 0.01, "span": 1.0}
"""Real-network slice: SGD without momentum, one 64-image training batch, filter-normalised
directions over [-span, span]^2 (the authors: VGG-16 on CIFAR-10, lr 1e-3, 20 epochs)."""

# ----------------------------------------------------------------------------- reported numbers
PAPER: dict[str, Any] = {
    "mbs_alpha_range": (0.16, 0.79),
    "mbs_alpha_peak": 0.46,
    "fbs05_alpha_range": (0.424, 0.440),
    "vgg_alpha_range": {1: (0.12, 0.64), 10: (0.13, 0.92), 20: (0.14, 1.72)},
    "nr_smooth": (0.515, 1.72),
    "nr_rough": (0.746, 1.60),
    "tamsd_short": (0.57, 0.69),
    "tamsd_super": (1.0, 1.3),
    "tamsd_confined_from": 3600,
    "eos_table": {1: 0.120, 10.6: 0.112, 27: 0.070, 55: 0.065, 113: 0.040, 289: 0.024, 744: 0.0072,
                  1194: 0.0076, 3070: 0.0063, 10_000: 0.011},
    "eos_stable_below": 25.0,
    "mle_negative_below": 22.0,
    "mle_plateau": (0.35, 0.06),
    "mle_eta1000": (0.478, 0.464, 0.491),
    "alpha_vs_h": {0.1: 0.98, 0.2: 1.01, 0.3: 0.98, 0.4: 0.98, 0.5: 0.99, 0.6: 0.80, 0.7: 0.62,
                   0.8: 0.44, 0.9: 0.20},
    "washboard_exponents": (1.2, 0.6, 0.35),
}
"""Numbers of the paper, recomputed from the authors' committed data (methods dossier, §1.5)."""


def box(n: int, which: str) -> dict[str, tuple[int, int]]:
    """The authors' cluster box scaled to an ``n`` grid."""
    b = SMOOTH_BOX if which == "smooth" else ROUGH_BOX
    f = n / N
    return {k: (int(round(v[0] * f)), int(round(v[1] * f))) for k, v in b.items()}


# ----------------------------------------------------------------------------- cached recipes
def _cached(name: str, params: dict[str, Any], compute) -> dict[str, np.ndarray]:
    return default_cache().cached(name, params, CODE_VERSION, compute)


def landscape(n: int, n_levels: int, seed: int = 0) -> np.ndarray:
    """The multifractional Brownian surface with the paper's H map (cached)."""
    return _cached("ly2025-mbs", {"n": n, "levels": n_levels, "seed": seed}, lambda: {
        "z": S.mbm_surface(n, S.ly_gong_hurst(n), seed=seed, n_levels=n_levels)})["z"]


def fbs(n: int, hurst: float, seed: int = 0) -> np.ndarray:
    """A fractional Brownian surface (cached)."""
    return _cached("ly2025-fbs", {"n": n, "h": float(hurst), "seed": seed},
                   lambda: {"z": S.fbm_surface(n, float(hurst), seed=seed)})["z"]


def spectrum(z: np.ndarray, q: np.ndarray = W.DEFAULT_Q, *, finest: bool = False) -> W.MFSpectrum:
    """Wavelet-leader spectrum of a landscape.

    Parameters
    ----------
    z : ndarray, shape ``(n, n)``
        The landscape.
    q : ndarray
        Moment orders.
    finest : bool
        False (default): the library's defaults (leaders from ``j = 2``, fit over
        ``j = 3 .. log2(n) - 3``), which give ``h(q) = H`` on fBm within the stated bias.
        True: leaders from the finest scale and a fit over ``j = 2 .. log2(n) - 3``
        (``j = 1, 2`` below 64 x 64), the range a PLBMF user gets when every scale enters the
        leaders; the sampling distorts the finest scale, so ``h`` is biased low by 0.05-0.1 on
        fBm (see :func:`fractal_lib.multifractal.wavelet_leaders.leader_spectrum`). The authors' range is not
        recorded; the chapter shows both.

    Returns
    -------
    MFSpectrum
        The chapter reads :attr:`~fractal_lib.multifractal.wavelet_leaders.MFSpectrum.valid`,
        ``short_range`` and ``n_excluded`` itself, so the estimator's warnings are silenced here.
    """
    kw: dict[str, int] = {}
    if finest:
        n = 2 ** int(np.floor(np.log2(z.shape[0])))
        kw = {"j0": 1, "j1": 1, "j2": 2} if n < 64 else {"j0": 1, "j1": 2, "j2": int(np.log2(n)) - 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        return W.leader_spectrum(z, q, **kw)


def _auto_cluster(mins: G.Minima, hmap: np.ndarray, which: str, radius: float) -> np.ndarray:
    """Members of the densest group of low minima in the smooth (H >= 0.6) or rough (H <= 0.4) part."""
    h = hmap[mins.rows, mins.cols]
    side = h >= 0.6 if which == "smooth" else h <= 0.4
    if side.sum() == 0:
        return side
    xy = mins.xy
    d = np.sqrt(((xy[side][:, None, :] - xy[side][None, :, :]) ** 2).sum(-1))
    centre = xy[side][np.argmax((d < radius).sum(axis=1))]
    return side & (np.hypot(*(xy - centre).T) < radius)


def minima_clusters(z: np.ndarray, n_lowest: int, *, min_members: int = 10) -> dict[str, Any]:
    """Lowest minima, and N(R) around the minima of a smooth and a rough cluster.

    A cluster is the authors' box (scaled to the grid) when it holds at least ``min_members``
    of the ``n_lowest`` lowest minima. Otherwise (another realisation puts its deep basins
    elsewhere) it is the densest group, within ``75 n/1024`` pixels, of those lowest minima on
    the smooth (H >= 0.6) or rough (H <= 0.4) side; and if that side holds fewer than
    ``min_members`` of them, the densest group of the ``n_lowest`` lowest minima *of that side*,
    which then also serve as the points counted by N(R). ``out[which + "_source"]`` says which.
    """
    n = z.shape[0]
    every = G.local_minima(z)
    k = min(int(n_lowest), len(every))
    mins = G.Minima(every.rows[:k], every.cols[:k], every.values[:k], every.flatness[:k])
    hmap = S.ly_gong_hurst(n)
    radii = np.logspace(0, np.log10(n * np.sqrt(2)), 100)
    out: dict[str, Any] = {"minima": mins, "radii": radii}
    lo, hi = NR_FIT[0] * n / N, NR_FIT[1] * n / N
    for which in ("smooth", "rough"):
        b = box(n, which)
        pool = mins
        sel = ((mins.cols > b["cols"][0]) & (mins.cols < b["cols"][1])
               & (mins.rows > b["rows"][0]) & (mins.rows < b["rows"][1]))
        source = "authors' box"
        if sel.sum() < min_members:
            sel = _auto_cluster(mins, hmap, which, 75.0 * n / N)
            source = "densest group of the lowest minima"
        if sel.sum() < min_members:
            h_all = hmap[every.rows, every.cols]
            side = np.flatnonzero(h_all >= 0.6 if which == "smooth" else h_all <= 0.4)[:k]
            pool = G.Minima(every.rows[side], every.cols[side], every.values[side], every.flatness[side])
            sel = _auto_cluster(pool, hmap, which, 75.0 * n / N)
            source = f"densest group of the {which} side's {side.size} lowest minima"
        out[f"{which}_source"] = source
        out[f"{which}_xy"] = pool.xy[sel]
        out[f"{which}_n"] = int(sel.sum())
        out[f"{which}_H"] = float(hmap[pool.rows[sel], pool.cols[sel]].mean()) if sel.any() else float("nan")
        out[which] = G.cluster_counts(pool.xy[sel], pool.xy, radii) if sel.any() else None
        try:
            with warnings.catch_warnings():  # the ledger reads fit.few_points
                warnings.simplefilter("ignore", EstimatorWarning)
                fit = G.power_law_fit(radii, out[which], x_min=max(lo, 1.0), x_max=max(hi, 3.0))
        except (ValueError, TypeError):
            fit = None
        out[f"{which}_fit"] = fit
    return out


def trajectory(n: int, n_levels: int, *, lr: float = LR_MAIN, n_steps: int = T_MAIN, seed: int = 0,
               start_seed: int = 0) -> dict[str, np.ndarray]:
    """GD from the global maximum + N(0, 1) jitter on the landscape (cached)."""
    def compute():
        z = landscape(n, n_levels, seed)
        res = G.descend(z, G.start_near_max(z, 1, seed=start_seed), lr, n_steps)
        return {"positions": res.positions[0], "folded": res.folded[0], "losses": res.losses[0]}
    return _cached("ly2025-traj", {"n": n, "levels": n_levels, "seed": seed, "lr": lr, "T": n_steps,
                                   "start": start_seed}, compute)


def tamsd_family(positions: np.ndarray, t_waits: np.ndarray = T_WAITS, window: int = TAMSD_WINDOW,
                 tau_max: int = TAU_MAX) -> dict[str, np.ndarray]:
    """TAMSD per waiting time, with short-lag (1-10) and long-lag (100-tau_max) exponents."""
    tw = np.asarray(t_waits)
    tw = tw[tw + window <= positions.shape[0]]
    lags = np.arange(1, tau_max + 1)
    tws, lg, msd = Dif.tamsd_windows(positions, window, tw, lags=lags)
    short = np.array([Dif.fit_power(lg, m, x_min=1, x_max=10)[0] for m in msd])
    mid = np.array([Dif.fit_power(lg, m, x_min=10, x_max=100)[0] for m in msd])
    long = np.array([Dif.fit_power(lg, m, x_min=100, x_max=tau_max)[0] for m in msd])
    return {"t_w": tws, "lags": lg, "msd": msd, "short": short, "mid": mid, "long": long}


def eos(n: int, n_levels: int, lrs: np.ndarray, n_seeds: int, n_steps: int, n_last: int,
        seed: int = 0) -> G.EoSSweep:
    """Leading eigenvalue over the last iterations per (lr, seed) (cached)."""
    lrs = np.asarray(lrs, dtype=float)

    def compute():
        z = landscape(n, n_levels, seed)
        with warnings.catch_warnings():  # the chapter reads EoSSweep.n_flat
            warnings.simplefilter("ignore", EstimatorWarning)
            return {"lambda1": G.eos_sweep(z, lrs, n_seeds=n_seeds, n_steps=n_steps, n_last=n_last).lambda1}
    out = _cached("ly2025-eos", {"n": n, "levels": n_levels, "seed": seed, "lrs": lrs, "seeds": n_seeds,
                                 "T": n_steps, "last": n_last}, compute)
    return G.EoSSweep(lrs, out["lambda1"])


def _boot(v: np.ndarray, n_boot: int, seed: int = 0) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap 95 % CI of the finite entries of ``v``: all NaN when none is
    finite; the mean with a NaN interval when only one is (one value has no spread to resample, so
    no interval, never a zero-width one); a zero-width interval only when two or more are all equal."""
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    if v.size < 2:
        return float(v[0]), float("nan"), float("nan")
    if np.ptp(v) == 0:
        return float(v.mean()), float(v.mean()), float(v.mean())
    return tuple(bootstrap_ci(v, n_boot=n_boot, seed=seed))


def lyapunov_sweep(n: int, n_levels: int, lrs: np.ndarray, *, trials: int, estimates: int,
                   burn_in: int = LYAP_BURN_IN, interval: int = LYAP_INTERVAL, d0: float = LYAP_D0,
                   n_boot: int = LYAP_BOOT, seed: int = 0) -> dict[str, np.ndarray]:
    """Maximal Lyapunov exponent per learning rate (the authors' protocol, cached).

    Per eta: burn in from the maximum, then ``trials`` trials (all but the first start from the
    burn-in end plus an N(0, I) kick), ``estimates`` renormalisations of ``interval`` steps
    each, ``d0`` separation; the bootstrap mean and 95 % CI of the last estimate of each trial.
    The authors carried the start over from the previous eta (warm start); here every eta
    burns in from the maximum, so all run in parallel.

    Returns
    -------
    dict
        ``last`` (lrs, trials) with NaN where the last estimate collapsed; ``mean``, ``lo``,
        ``hi`` over the usable trials; per eta ``n_used`` (usable last estimates),
        ``collapsed`` (last estimates lost to rounding, excluded), ``saturated`` (last
        estimates in the nonlinear regime, kept) and ``saturated_frac`` (fraction of all
        estimates saturated). See :func:`fractal_lib.surfaces.lyapunov.max_lyapunov`. One
        :class:`~fractal_lib.core.checks.EstimatorWarning` per call when any trial is saturated
        or collapsed.
    """
    lrs = np.asarray(lrs, dtype=float)

    def compute():
        z = landscape(n, n_levels, seed)
        k = lrs.size
        start = G.start_near_max(z, 1, seed=seed)
        burnt = G.gd_map(z, lrs)(np.repeat(start, k, axis=0), burn_in)
        rng = np.random.default_rng(seed)
        kicks = rng.standard_normal((k, trials, 2))
        kicks[:, 0] = 0.0
        x0 = (burnt[:, None, :] + kicks).reshape(-1, 2)
        x0[:, 0] = np.clip(x0[:, 0], 0, z.shape[1] - 1)
        x0[:, 1] = np.clip(x0[:, 1], 0, z.shape[0] - 1)
        adv = G.gd_map(z, np.repeat(lrs, trials))
        with warnings.catch_warnings():  # the flags are returned and shown by the chapter
            warnings.simplefilter("ignore", EstimatorWarning)
            res = Ly.max_lyapunov(adv, x0, d0=d0, interval=interval, n_estimates=estimates, seed=seed)
        last = res.last.reshape(k, trials)
        stats = np.array([_boot(v, n_boot, seed) for v in last])
        return {"last": last, "mean": stats[:, 0], "lo": stats[:, 1], "hi": stats[:, 2],
                "n_used": np.isfinite(last).sum(axis=1),
                "collapsed": res.collapsed[:, -1].reshape(k, trials).sum(axis=1),
                "saturated": res.saturated[:, -1].reshape(k, trials).sum(axis=1),
                "saturated_frac": res.saturated.reshape(k, -1).mean(axis=1)}
    out = _cached("ly2025-mle", {"n": n, "levels": n_levels, "seed": seed, "lrs": lrs, "trials": trials,
                                 "est": estimates, "burn": burn_in, "int": interval, "d0": d0,
                                 "boot": n_boot}, compute)
    n_sat, n_col = int(np.sum(out["saturated"])), int(np.sum(out["collapsed"]))
    if n_sat or n_col:
        warn_limit(f"lyapunov_sweep: of {lrs.size * trials} trials, {n_sat} last estimates are saturated "
                   f"(nonlinear regime, kept) and {n_col} collapsed (lost to rounding, left out); "
                   "see the 'saturated' and 'collapsed' fields")
    return out


def alpha_vs_h(n: int, hs: np.ndarray, *, n_traj: int, lr: float = LR_MAIN, n_steps: int = T_MAIN,
               t_w: int = 5000, window: int = TAMSD_WINDOW, seed: int = 0) -> dict[str, np.ndarray]:
    """Diffusion exponent (TAMSD slope over lags 1-10, late window) of GD on fBs, per H (cached).

    ``n_traj`` trajectories per H start at uniformly random points of one surface.
    """
    hs = np.asarray(hs, dtype=float)

    def compute():
        alphas = np.empty((hs.size, n_traj))
        curves = np.empty((hs.size, n_traj, TAU_MAX))
        rng = np.random.default_rng(seed)
        for i, h in enumerate(hs):
            z = fbs(n, h, seed)
            x0 = rng.uniform(0, n - 1, (n_traj, 2))
            res = G.descend(z, x0, lr, n_steps)
            for k in range(n_traj):
                fam = tamsd_family(res.positions[k], np.array([t_w]), window)
                alphas[i, k] = fam["short"][0]
                curves[i, k] = fam["msd"][0]
        return {"alpha": alphas, "tamsd": curves}
    return _cached("ly2025-alpha-h", {"n": n, "hs": hs, "traj": n_traj, "lr": lr, "T": n_steps,
                                      "tw": t_w, "W": window, "seed": seed}, compute)


def washboard_demo(n_steps: int = WASHBOARD_RUN["n_steps"], seed: int = 0) -> np.ndarray:
    """The authors' FLE run in the harmonic + tilted-washboard potential (cached)."""
    r = WASHBOARD_RUN

    def compute():
        tr = FL.fle_integrate(lambda x: FL.washboard_gradient(x, **WASHBOARD), r["x0"], n_steps,
                              eta=r["eta"], hurst=r["hurst"], beta=r["beta"], seed=seed,
                              normalization="ly2025")
        return {"x": tr[0]}
    return _cached("ly2025-washboard", {"T": n_steps, "seed": seed, **r}, compute)["x"]


def cnn_slices(n_train: int, epochs: int, grid: int, fractions: tuple[float, ...], *, width: int = 16,
               seed: int = 0) -> dict[str, np.ndarray]:
    """Loss slices of a small CNN on Fashion-MNIST at training checkpoints (cached).

    SGD (``CNN["lr"]``, batch ``CNN["batch_size"]``); at each checkpoint fraction, two
    filter-normalised Gaussian directions (Li et al. 2018; biases and other 1-D tensors zeroed)
    and the loss on one fixed 64-image training batch over a ``grid x grid`` square
    ``[-span, span]^2``.
    """
    def compute():
        import torch

        from ..nets import data, directions, models, training
        from ..nets.torchtools import num_threads, seed_everything

        with num_threads(1):  # small convolutions: one thread is fastest and never oversubscribes
            return _cnn_compute(torch, data, directions, models, training, seed_everything)

    def _cnn_compute(torch, data, directions, models, training, seed_everything):
        x, y = data.fashion_mnist_tensors("train", n=n_train)
        seed_everything(seed)
        model = models.small_cnn(width=width)
        res = training.train(model, x, y, epochs=epochs, batch_size=CNN["batch_size"], lr=CNN["lr"],
                             seed=seed, checkpoint_at=fractions, progress=False)
        xb, yb = x[: CNN["batch_size"]], y[: CNN["batch_size"]]
        coords = np.linspace(-CNN["span"], CNN["span"], grid)
        planes = []
        loss = torch.nn.CrossEntropyLoss()
        for f in fractions:
            model.load_state_dict(res.checkpoints[f])
            model.eval()
            params = [p for p in model.parameters() if p.requires_grad]
            d1, d2 = directions.random_directions(params, 2, normalize="filter", seed=seed, include_bn=False)
            planes.append(directions.loss_plane(lambda: loss(model(xb), yb), params, d1, d2, coords, coords))
        return {"planes": np.array(planes), "coords": coords, "fractions": np.array(fractions),
                "epoch_train_loss": res.epoch_train_loss, "epoch_train_acc": res.epoch_train_acc}
    return _cached("ly2025-cnn", {"n": n_train, "epochs": epochs, "grid": grid, "fr": fractions,
                                  "width": width, "seed": seed, **CNN}, compute)


TRAPPED = 10.0
"""Largest TAMSD over all lags (pixels^2) below which a trajectory sits in one point or a period-2
cycle (it never moves more than ~3 pixels): it does not diffuse and has no exponent."""


def _moving(tamsd: np.ndarray) -> np.ndarray:
    return tamsd.max(axis=-1) > TRAPPED


def alpha_table(result: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per H: mean alpha over the moving trajectories, bootstrap 95 % CI, and how many are trapped."""
    alpha = np.where(_moving(result["tamsd"]), result["alpha"], np.nan)
    mean, lo, hi, trapped = [], [], [], []
    for row in alpha:
        trapped.append(int(row.size - np.isfinite(row).sum()))
        m, a, b = _boot(row, 10_000)
        mean.append(m)
        lo.append(a)
        hi.append(b)
    return {"mean": np.array(mean), "lo": np.array(lo), "hi": np.array(hi), "trapped": np.array(trapped)}


def fle_fits(result: dict[str, np.ndarray], hs: np.ndarray, which: tuple[float, ...] = FLE_H,
             eta: float = LR_MAIN) -> dict[float, tuple[np.ndarray, Any, Any]]:
    """Fit the harmonic-well TAMSD (Caputo normalisation, free H, thermal and k) to the late-window
    TAMSD of the first moving trajectory on each fBs in ``which``."""
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
            with warnings.catch_warnings():  # the chapter reads fit.converged / fit.at_bound
                warnings.simplefilter("ignore", EstimatorWarning)
                fit = FL.fit_harmonic_tamsd(lags, y, eta=eta, hurst0=max(h, 0.51))
            pred = FL.harmonic_tamsd(lags, hurst=fit.hurst, eta=eta, k=fit.k, thermal=fit.thermal)
        except ValueError:
            fit, pred = None, None
        out[h] = (y, fit, pred)
    return out
