"""Anomalous-diffusion statistics of trajectories (Chen, Qu & Gong 2022 and the physics behind it).

A trajectory is an array ``x`` of shape ``(T,)`` or ``(T, d)``: one row per time step (an SGD
step, or a step of a walker on a landscape). Everything here is plain NumPy and works for any ``d``.

* :func:`tamsd` / :func:`tamsd_windows`: the time-averaged mean squared displacement (MSD) inside
  windows ``[t_w, t_w + T)``, summed over coordinates, computed with FFTs in ``O(T log T)`` per
  coordinate (:func:`tamsd_direct` is the ``O(T^2)`` definition, for tests).
* :func:`log_derivative`: the local exponent ``beta(tau)`` of Eq. 6 of the paper.
* :func:`fit_alpha`: the fit ``MSD ~ tau**alpha`` on ``[tau_0, tau_max]`` with the paper's rule
  (``tau_0`` is the smallest lower end whose fit has RMSE below 0.03), and
  :func:`crossover_time` for the waiting time ``t_0`` at which a single power law fits a whole window.
* :func:`abs_loss_change`, :func:`moving_variance`: loss fluctuations (Fig. 5e/f).
* :func:`contour_vs_distance`, :func:`path_dimension`: contour length against end-to-end distance
  and the fractal dimension ``D_f = 2 / lambda`` of the path (Fig. 6b).
* :func:`msl_vs_distance`: the mean squared loss difference against distance (Eq. 9, Fig. 6c),
  as a mean of squares (the paper's formula) or as the square of the mean (the authors' code).
* :func:`transverse_scaling`: transverse excursion against end-to-end distance of path fragments
  (self-similar paths give slope 1, self-affine ones do not).
* :func:`fbm` / :func:`brownian`: synthetic trajectories with known exponents.

Conventions
-----------
Inside a window of ``n`` points ``x_0 .. x_{n-1}`` the MSD at lag ``tau`` is
``(1 / (n - tau)) * sum_t |x_{t+tau} - x_t|^2`` over the ``n - tau`` pairs inside the window, as in
the authors' code (all pairs ``i < j`` with ``j - i = tau``). The paper's Eq. 3 writes the sum to
``t_w + T`` with points beyond the window; the difference is an end effect at ``tau`` close to ``T``.
The squared displacement is *summed* over coordinates (Eq. 3), not averaged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RMSE_RULE = 0.03  # the paper's goodness-of-fit threshold for tau_0 and t_0


# ----------------------------------------------------------------------------- helpers
def _as_traj(x: np.ndarray, name: str = "x") -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{name} must have shape (T,) or (T, d), got {np.shape(x)}")
    if a.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 time steps, got {a.shape[0]}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


def _check_lags(lags: np.ndarray | None, n: int) -> np.ndarray:
    if lags is None:
        return np.arange(1, n, dtype=np.int64)
    lg = np.asarray(lags, dtype=np.int64).ravel()
    if lg.size == 0 or lg.min() < 1 or lg.max() > n - 1:
        raise ValueError(f"lags must lie in [1, {n - 1}] for a window of {n} points")
    return lg


def log_lags(n_max: int, n: int = 40) -> np.ndarray:
    """About ``n`` distinct integer lags, evenly spaced in ``log tau`` on ``[1, n_max]``."""
    if n_max < 1:
        raise ValueError(f"n_max must be >= 1, got {n_max}")
    return np.unique(np.round(np.geomspace(1, n_max, n)).astype(np.int64))


def _msd_fft_block(seg: np.ndarray) -> np.ndarray:
    """MSD for all lags 0..n-1 of the trajectories ``seg`` (..., n, d), summed over d."""
    n = seg.shape[-2]
    seg = seg - seg.mean(axis=-2, keepdims=True)  # translation invariance; better conditioning
    nfft = 1 << int(math.ceil(math.log2(2 * n)))
    f = np.fft.rfft(seg, n=nfft, axis=-2)
    acf = np.fft.irfft((f * f.conj()).real, n=nfft, axis=-2)[..., :n, :].sum(axis=-1)
    sq = (seg**2).sum(axis=-1)  # (..., n)
    total = 2.0 * sq.sum(axis=-1, keepdims=True)
    # S1(tau) = sum_{t=0}^{n-1-tau} (|x_t|^2 + |x_{t+tau}|^2), built by removing the end terms
    head = np.cumsum(sq, axis=-1)  # sum of the first k+1 terms
    tail = np.cumsum(sq[..., ::-1], axis=-1)  # sum of the last k+1 terms
    s1 = np.empty(sq.shape)
    s1[..., 0] = total[..., 0]
    s1[..., 1:] = total - tail[..., : n - 1] - head[..., : n - 1]
    counts = n - np.arange(n)
    msd = (s1 - 2.0 * acf) / counts
    return np.maximum(msd, 0.0)


# ----------------------------------------------------------------------------- MSD
def tamsd(x: np.ndarray, *, lags: np.ndarray | None = None, t_w: int = 0,
          window: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Time-averaged MSD of the trajectory inside one window, by FFT.

    Parameters
    ----------
    x : array, shape (T,) or (T, d)
        The trajectory, one row per step.
    lags : array of int, optional
        Lags ``tau`` in ``[1, window - 1]``; default every lag.
    t_w : int
        First step of the window (the waiting time).
    window : int, optional
        Number of points in the window; default everything from ``t_w`` on.

    Returns
    -------
    lags : ndarray of int
    msd : ndarray of float
        ``mean_t |x_{t+tau} - x_t|^2`` over the pairs inside the window, summed over coordinates.
    """
    a = _as_traj(x)
    if not 0 <= t_w < a.shape[0] - 1:
        raise ValueError(f"t_w must lie in [0, {a.shape[0] - 2}], got {t_w}")
    n = a.shape[0] - t_w if window is None else int(window)
    if n < 2 or t_w + n > a.shape[0]:
        raise ValueError(f"window must lie in [2, {a.shape[0] - t_w}], got {window}")
    lg = _check_lags(lags, n)
    msd = _msd_fft_block(a[t_w:t_w + n])
    return lg, msd[lg]


def tamsd_windows(x: np.ndarray, window: int, t_ws: np.ndarray | None = None, *,
                  lags: np.ndarray | None = None, stride: int | None = None,
                  max_block_bytes: int = 1 << 27) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time-averaged MSD in many windows ``[t_w, t_w + window)``.

    Parameters
    ----------
    x : array, shape (T,) or (T, d)
    window : int
        Points per window (the paper's ``T``).
    t_ws : array of int, optional
        Window starts; default ``0, stride, 2 stride, ...`` while the window fits.
    lags : array of int, optional
        Lags in ``[1, window - 1]``; default every lag.
    stride : int, optional
        Spacing of the default ``t_ws`` (default ``window``, non-overlapping windows).
    max_block_bytes : int
        Windows are processed in blocks whose FFT buffers stay below this size.

    Returns
    -------
    t_ws : ndarray of int, shape (W,)
    lags : ndarray of int, shape (L,)
    msd : ndarray, shape (W, L)
    """
    a = _as_traj(x)
    n_total, d = a.shape
    if not 2 <= window <= n_total:
        raise ValueError(f"window must lie in [2, {n_total}], got {window}")
    if t_ws is None:
        step = window if stride is None else int(stride)
        if step < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        t_ws = np.arange(0, n_total - window + 1, step)
    tw = np.asarray(t_ws, dtype=np.int64).ravel()
    if tw.size == 0 or tw.min() < 0 or tw.max() + window > n_total:
        raise ValueError(f"every t_w must lie in [0, {n_total - window}]")
    lg = _check_lags(lags, window)
    nfft = 1 << int(math.ceil(math.log2(2 * window)))
    per_window = 16 * nfft * d + 8 * window * d * 3
    block = max(1, int(max_block_bytes // max(per_window, 1)))
    out = np.empty((tw.size, lg.size))
    for b0 in range(0, tw.size, block):
        idx = tw[b0:b0 + block, None] + np.arange(window)[None, :]
        out[b0:b0 + block] = _msd_fft_block(a[idx])[:, lg]
    return tw, lg, out


def tamsd_direct(x: np.ndarray, lags: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``O(T^2)`` definition of :func:`tamsd` over the whole trajectory (reference for tests)."""
    a = _as_traj(x)
    lg = _check_lags(lags, a.shape[0])
    msd = np.array([np.mean(np.sum((a[k:] - a[:-k]) ** 2, axis=1)) for k in lg])
    return lg, msd


def msd_no_average(x: np.ndarray, *, t_w: int = 0, lags: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 4 of the paper: ``(1/d) |x_{t_w + tau} - x_{t_w}|^2`` (no time average; noisy)."""
    a = _as_traj(x)
    lg = _check_lags(lags, a.shape[0] - t_w)
    return lg, np.sum((a[t_w + lg] - a[t_w]) ** 2, axis=1) / a.shape[1]


def log_derivative(lags: np.ndarray, msd: np.ndarray, dtau: int = 20
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Local exponent (Eq. 6): ``beta(tau) = dlog MSD / dlog tau`` over the lag step ``dtau``.

    ``lags`` must be the consecutive integers ``1, 2, ...`` (as returned by default); ``msd`` may
    be one curve ``(L,)`` or several ``(W, L)``.

    Returns
    -------
    tau : ndarray, shape (L - dtau,)
    beta : ndarray, shape (..., L - dtau)
    """
    lg = np.asarray(lags)
    m = np.asarray(msd, dtype=np.float64)
    if dtau < 1 or dtau >= lg.size:
        raise ValueError(f"dtau must lie in [1, {lg.size - 1}], got {dtau}")
    if np.any(np.diff(lg) != 1):
        raise ValueError("lags must be consecutive integers for the log-derivative")
    logm = np.log(np.maximum(m, np.finfo(float).tiny))
    tau = lg[:-dtau].astype(float)
    beta = (logm[..., dtau:] - logm[..., :-dtau]) / (np.log(tau + dtau) - np.log(tau))
    return tau, beta


# ----------------------------------------------------------------------------- exponent fits
@dataclass(frozen=True)
class AlphaFit:
    """A power-law fit ``MSD ~ tau**alpha`` on ``[tau_0, tau_max]`` (log10 least squares).

    Attributes
    ----------
    alpha, stderr, intercept : float
        Slope, its standard error and intercept of ``log10 MSD`` against ``log10 tau``.
    tau0 : float
        Lower end of the fitted range (the paper's ``tau_0``); NaN if no range passed the rule.
    rmse : float
        Root-mean-square deviation (in ``log10 MSD``) of the fit.
    alpha_short : float
        Slope on ``[1, tau_0]`` (the short-lag regime, ``alpha_1`` of Eq. 5), NaN if too short.
    n_points : int
        Lags used in the main fit.
    """

    alpha: float
    stderr: float
    intercept: float
    tau0: float
    rmse: float
    alpha_short: float
    n_points: int


def _linfit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    n = x.size
    xm, ym = x.mean(), y.mean()
    sxx = np.sum((x - xm) ** 2)
    slope = float(np.sum((x - xm) * (y - ym)) / sxx)
    icpt = float(ym - slope * xm)
    res = y - (icpt + slope * x)
    rmse = float(np.sqrt(np.mean(res**2)))
    se = float(np.sqrt(np.sum(res**2) / (n - 2) / sxx)) if n > 2 else math.nan
    return slope, se, icpt, rmse


def fit_alpha(lags: np.ndarray, msd: np.ndarray, *, rmse_max: float = RMSE_RULE,
              tau_max: float | None = None, n_log: int | None = 40,
              min_points: int = 5) -> AlphaFit:
    """Fit ``MSD ~ tau**alpha`` on ``[tau_0, tau_max]`` with the paper's rule for ``tau_0``.

    ``tau_0`` is the smallest lower end ``tau'`` for which the least-squares line through
    ``(log10 tau, log10 MSD)``, ``tau in [tau', tau_max]``, has RMSE below ``rmse_max``.

    Parameters
    ----------
    lags, msd : arrays
        One MSD curve.
    rmse_max : float
        The threshold (0.03 in the paper; the paper does not say which logarithm: we use log10).
    tau_max : float, optional
        Upper end of the fit (default the largest lag).
    n_log : int or None
        Fit on about ``n_log`` lags evenly spaced in ``log tau`` (so every decade weighs the same);
        ``None`` fits every lag (the long lags then dominate).
    min_points : int
        Fewest lags a fit may use.

    Returns
    -------
    AlphaFit
        If no range passes the rule, the fit on the last ``min_points`` lags with ``tau0 = nan``.
    """
    lg = np.asarray(lags, dtype=np.float64).ravel()
    m = np.asarray(msd, dtype=np.float64).ravel()
    if lg.shape != m.shape:
        raise ValueError("lags and msd must have the same length")
    keep = (m > 0) & np.isfinite(m) & (lg >= 1)
    if tau_max is not None:
        keep &= lg <= tau_max
    lg, m = lg[keep], m[keep]
    if n_log is not None and lg.size > n_log:
        want = np.geomspace(lg[0], lg[-1], n_log)
        sel = np.unique(np.searchsorted(lg, want).clip(0, lg.size - 1))
        lg, m = lg[sel], m[sel]
    if lg.size < max(min_points, 3):
        raise ValueError(f"need at least {max(min_points, 3)} positive MSD values, got {lg.size}")
    x, y = np.log10(lg), np.log10(m)
    n = x.size
    # suffix sums: fits on [k, n) for every k in O(n)
    cs = lambda v: np.cumsum(v[::-1])[::-1]  # noqa: E731
    sn = np.arange(n, 0, -1).astype(float)
    sx, sy, sxx, sxy, syy = cs(x), cs(y), cs(x * x), cs(x * y), cs(y * y)
    with np.errstate(divide="ignore", invalid="ignore"):
        vxx = sxx - sx**2 / sn
        slope = (sxy - sx * sy / sn) / vxx
        icpt = (sy - slope * sx) / sn
        sse = syy - 2 * icpt * sy - 2 * slope * sxy + sn * icpt**2 + 2 * icpt * slope * sx + slope**2 * sxx
        rmse = np.sqrt(np.maximum(sse, 0.0) / sn)
    valid = np.arange(n) <= n - min_points
    ok = np.flatnonzero(valid & (rmse < rmse_max))
    if ok.size:
        k, tau0 = int(ok[0]), float(lg[ok[0]])
    else:
        k, tau0 = n - min_points, math.nan
    slope_k, se_k, icpt_k, rmse_k = _linfit(x[k:], y[k:])
    a_short = _linfit(x[:k + 1], y[:k + 1])[0] if k + 1 >= 3 else math.nan
    return AlphaFit(slope_k, se_k, icpt_k, tau0, rmse_k, a_short, n - k)


def fit_power(x: np.ndarray, y: np.ndarray, *, x_min: float | None = None,
              x_max: float | None = None) -> tuple[float, float, float]:
    """Least-squares slope of ``log10 y`` against ``log10 x`` on ``[x_min, x_max]``.

    Returns ``(slope, stderr, intercept)``; NaNs if fewer than 3 usable points.
    """
    xa, ya = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    keep = (xa > 0) & (ya > 0) & np.isfinite(xa) & np.isfinite(ya)
    if x_min is not None:
        keep &= xa >= x_min
    if x_max is not None:
        keep &= xa <= x_max
    if keep.sum() < 3:
        return math.nan, math.nan, math.nan
    s, se, c, _ = _linfit(np.log10(xa[keep]), np.log10(ya[keep]))
    return s, se, c


def window_fits(lags: np.ndarray, msds: np.ndarray, **kwargs) -> list[AlphaFit]:
    """:func:`fit_alpha` for every row of ``msds`` (shape (W, L))."""
    return [fit_alpha(lags, row, **kwargs) for row in np.atleast_2d(msds)]


def crossover_time(t_ws: np.ndarray, lags: np.ndarray, msds: np.ndarray, *,
                   rmse_max: float = RMSE_RULE, n_log: int | None = 40,
                   persistent: bool = False) -> float:
    """Waiting time ``t_0`` of the change from the first to the second regime.

    The paper shifts ``t_w`` and takes the first window whose *whole* MSD curve (every lag) is
    fitted by a single power law with RMSE below ``rmse_max``.

    Parameters
    ----------
    persistent : bool
        If True, require every later window to pass too (robust to one lucky early window).

    Returns
    -------
    float
        ``t_0``, or NaN if no window passes.
    """
    ok = []
    for row in np.atleast_2d(msds):
        f = fit_alpha(lags, row, rmse_max=np.inf, n_log=n_log)
        ok.append(f.rmse < rmse_max)
    ok_a = np.asarray(ok)
    tw = np.asarray(t_ws)
    if persistent:
        ok_a = np.logical_and.accumulate(ok_a[::-1])[::-1]
    hit = np.flatnonzero(ok_a)
    return float(tw[hit[0]]) if hit.size else math.nan


# ----------------------------------------------------------------------------- loss fluctuations
def abs_loss_change(loss: np.ndarray) -> np.ndarray:
    """``|L(t+1) - L(t)|`` for consecutive steps (Fig. 5e)."""
    la = np.asarray(loss, dtype=float).ravel()
    if la.size < 2:
        raise ValueError("loss needs at least 2 values")
    return np.abs(np.diff(la))


def moving_variance(loss: np.ndarray, window: int = 100) -> np.ndarray:
    """Variance of the loss over a sliding window of ``window`` steps (Fig. 5f; 100 in the paper).

    Returns an array of length ``len(loss) - window + 1`` (entry ``k`` covers ``k .. k+window-1``).
    """
    la = np.asarray(loss, dtype=float).ravel()
    if not 2 <= window <= la.size:
        raise ValueError(f"window must lie in [2, {la.size}], got {window}")
    la = la - la.mean()
    c1 = np.concatenate([[0.0], np.cumsum(la)])
    c2 = np.concatenate([[0.0], np.cumsum(la * la)])
    s1 = c1[window:] - c1[:-window]
    s2 = c2[window:] - c2[:-window]
    return np.maximum(s2 / window - (s1 / window) ** 2, 0.0)


# ----------------------------------------------------------------------------- path geometry
def _pair_sq_dist(a: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=0)
    sq = np.sum(a * a, axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (a @ a.T)
    return np.maximum(d2, 0.0)


@dataclass(frozen=True)
class PathScaling:
    """Binned pair statistics of a path window.

    Attributes
    ----------
    contour : ndarray
        Bin centres of the contour length ``Delta s`` (geometric mean of the pairs in the bin).
    r2 : ndarray
        Mean squared end-to-end distance ``<Delta r^2>`` of the pairs in each bin.
    counts : ndarray
        Pairs per bin.
    """

    contour: np.ndarray
    r2: np.ndarray
    counts: np.ndarray


def contour_vs_distance(x: np.ndarray, *, n_bins: int = 40, max_points: int = 2000) -> PathScaling:
    """Squared end-to-end distance against contour length for all pairs of points (Fig. 6b).

    For points ``i < j`` the contour length is ``s_ij = sum_{k=i+1}^{j} |x_k - x_{k-1}|`` (the
    authors' code also adds the step into ``i``; we do not) and the end-to-end distance is
    ``|x_j - x_i|``. Pairs are binned in ``log s``.

    Parameters
    ----------
    x : array (T,) or (T, d)
        One window of the path (at most ``max_points`` points: all pairs are formed).
    n_bins : int
        Logarithmic bins of ``s``.
    """
    a = _as_traj(x)
    if a.shape[0] > max_points:
        raise ValueError(f"x has {a.shape[0]} points; at most max_points={max_points} (all pairs)")
    steps = np.sqrt(np.sum(np.diff(a, axis=0) ** 2, axis=1))
    c = np.concatenate([[0.0], np.cumsum(steps)])
    iu = np.triu_indices(a.shape[0], k=1)
    s = (c[None, :] - c[:, None])[iu]
    r2 = _pair_sq_dist(a)[iu]
    return _bin_log(s, r2, n_bins)


def _bin_log(s: np.ndarray, v: np.ndarray, n_bins: int, *, square_of_mean: bool = False
             ) -> PathScaling:
    pos = s > 0
    s, v = s[pos], v[pos]
    if s.size == 0:
        raise ValueError("no pair with a positive separation")
    edges = np.geomspace(s.min(), s.max() * (1 + 1e-12), n_bins + 1)
    idx = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, n_bins - 1)
    cnt = np.bincount(idx, minlength=n_bins).astype(float)
    sum_v = np.bincount(idx, weights=v, minlength=n_bins)
    sum_ls = np.bincount(idx, weights=np.log(s), minlength=n_bins)
    keep = cnt > 0
    mean_v = sum_v[keep] / cnt[keep]
    if square_of_mean:
        mean_v = mean_v**2
    return PathScaling(np.exp(sum_ls[keep] / cnt[keep]), mean_v, cnt[keep].astype(np.int64))


def path_dimension(scaling: PathScaling, *, s_min: float | None = None, s_max: float | None = None,
                   min_count: int = 5) -> tuple[float, float, float]:
    """Fractal dimension of a path from ``Delta r^2 ~ Delta s^lambda``: ``D_f = 2 / lambda``.

    A straight line has ``lambda = 2`` (``D_f = 1``), a random walk ``lambda = 1`` (``D_f = 2``).

    Returns
    -------
    (D_f, lambda, stderr of lambda)
    """
    keep = scaling.counts >= min_count
    lam, se, _ = fit_power(scaling.contour[keep], scaling.r2[keep], x_min=s_min, x_max=s_max)
    return (2.0 / lam if lam and np.isfinite(lam) else math.nan), lam, se


def msl_vs_distance(x: np.ndarray, loss: np.ndarray, *, n_bins: int = 40, max_points: int = 2000,
                    mode: str = "mean_square") -> PathScaling:
    """Mean squared loss difference of point pairs against their distance (Eq. 9, Fig. 6c).

    Parameters
    ----------
    x : array (T,) or (T, d)
        Positions of one window.
    loss : array (T,)
        The loss at each position.
    mode : {"mean_square", "square_of_mean"}
        ``"mean_square"``: ``MSL = <(L_j - L_i)^2>`` in each distance bin, the paper's Eq. 9.
        ``"square_of_mean"``: ``<L_j - L_i>^2``, what the authors' public code computes
        (signed differences, so it is much smaller and is not a structure function).

    Returns
    -------
    PathScaling
        ``contour`` holds the distance bin centres ``Delta r`` and ``r2`` the MSL.
    """
    a = _as_traj(x)
    la = np.asarray(loss, dtype=float).ravel()
    if la.size != a.shape[0]:
        raise ValueError(f"loss must have {a.shape[0]} values, got {la.size}")
    if a.shape[0] > max_points:
        raise ValueError(f"x has {a.shape[0]} points; at most max_points={max_points} (all pairs)")
    if mode not in ("mean_square", "square_of_mean"):
        raise ValueError(f"mode must be 'mean_square' or 'square_of_mean', got {mode!r}")
    iu = np.triu_indices(a.shape[0], k=1)
    r = np.sqrt(_pair_sq_dist(a)[iu])
    dl = (la[None, :] - la[:, None])[iu]
    if mode == "mean_square":
        return _bin_log(r, dl**2, n_bins)
    return _bin_log(r, dl, n_bins, square_of_mean=True)


@dataclass(frozen=True)
class TransverseScaling:
    """Transverse excursion against end-to-end distance of path fragments.

    Attributes
    ----------
    lengths : ndarray
        Fragment lengths (steps).
    r2 : ndarray
        Mean squared end-to-end distance per length.
    h2 : ndarray
        Mean squared transverse distance (largest squared distance of an inner point from the
        chord) per length.
    slope, stderr : float
        Slope of ``log h2`` against ``log r2``: 1 for a self-similar path (the shape keeps its
        aspect ratio), different from 1 for a self-affine one.
    """

    lengths: np.ndarray
    r2: np.ndarray
    h2: np.ndarray
    slope: float
    stderr: float


def transverse_distances(x: np.ndarray, length: int, n_fragments: int = 50, *, seed: int = 0
                         ) -> tuple[np.ndarray, np.ndarray]:
    """End-to-end and largest transverse squared distances of random fragments of ``length`` steps.

    Returns ``(r2, h2)``, each of shape ``(n_fragments,)`` (the authors use 50 fragments of 100 steps).
    """
    a = _as_traj(x)
    if not 2 <= length < a.shape[0]:
        raise ValueError(f"length must lie in [2, {a.shape[0] - 1}], got {length}")
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, a.shape[0] - length, size=n_fragments)
    r2 = np.empty(n_fragments)
    h2 = np.empty(n_fragments)
    for k, s0 in enumerate(starts):
        seg = a[s0:s0 + length + 1] - a[s0]
        chord = seg[-1]
        c2 = float(chord @ chord)
        p2 = np.sum(seg * seg, axis=1)
        perp = p2 - (seg @ chord) ** 2 / c2 if c2 > 0 else p2
        r2[k], h2[k] = c2, float(np.max(np.maximum(perp, 0.0)))
    return r2, h2


def transverse_scaling(x: np.ndarray, lengths: np.ndarray, n_fragments: int = 50, *,
                       seed: int = 0) -> TransverseScaling:
    """:func:`transverse_distances` for several fragment lengths, and the slope of
    ``log <h^2>`` against ``log <r^2>``."""
    lg = np.asarray(lengths, dtype=np.int64)
    r2 = np.empty(lg.size)
    h2 = np.empty(lg.size)
    for k, n in enumerate(lg):
        a, b = transverse_distances(x, int(n), n_fragments, seed=seed + k)
        r2[k], h2[k] = a.mean(), b.mean()
    slope, se, _ = fit_power(r2, h2)
    return TransverseScaling(lg, r2, h2, slope, se)


# ----------------------------------------------------------------------------- synthetic paths
def brownian(n: int, d: int = 1, *, seed: int = 0) -> np.ndarray:
    """A Gaussian random walk of ``n`` points in ``d`` dimensions (MSD exponent 1)."""
    rng = np.random.default_rng(seed)
    steps = rng.standard_normal((n - 1, d))
    return np.concatenate([np.zeros((1, d)), np.cumsum(steps, axis=0)])


def fbm(n: int, hurst: float, d: int = 1, *, seed: int = 0) -> np.ndarray:
    """Fractional Brownian motion of ``n`` points (Davies-Harte circulant embedding), MSD ~ tau^(2H).

    Parameters
    ----------
    n : int
        Points (the path starts at 0).
    hurst : float
        Hurst exponent in (0, 1).
    d : int
        Independent coordinates.
    """
    if not 0.0 < hurst < 1.0:
        raise ValueError(f"hurst must lie in (0, 1), got {hurst}")
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    m = n - 1
    k = np.arange(m + 1, dtype=float)
    gamma = 0.5 * ((k + 1) ** (2 * hurst) - 2 * k ** (2 * hurst) + np.abs(k - 1) ** (2 * hurst))
    row = np.concatenate([gamma, gamma[-2:0:-1]])
    lam = np.fft.fft(row).real
    lam = np.maximum(lam, 0.0)
    size = row.size
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((size, d)) + 1j * rng.standard_normal((size, d))
    w = np.fft.fft(np.sqrt(lam / size)[:, None] * z, axis=0).real[:m]
    return np.concatenate([np.zeros((1, d)), np.cumsum(w, axis=0)])
