"""Anomalous-diffusion statistics of trajectories (Chen, Qu & Gong 2022).

A trajectory is an array ``x`` of shape ``(T,)`` or ``(T, d)``: one row per time step
(an SGD step, or a step of a walker on a landscape). Everything here is plain NumPy and
works for any ``d``.

* :func:`tamsd` / :func:`tamsd_windows`: the time-averaged mean squared displacement
  (MSD) inside windows ``[t_w, t_w + T)``, summed over coordinates, computed with FFTs
  in ``O(T log T)`` per coordinate (:func:`tamsd_direct` is the ``O(T^2)`` definition,
  for tests).
* :func:`log_derivative`: the local exponent ``beta(tau)`` of Eq. 6 of the paper.
* :func:`fit_alpha`: the fit ``MSD ~ tau**alpha`` on ``[tau_0, tau_max]`` with the
  RMSE rule (``tau_0`` is the smallest lower end whose fit has RMSE below a given
  threshold), and
  :func:`crossover_time` for the waiting time ``t_0`` at which a single power law fits a
  whole window.
* :func:`power_law_fit`: the library's one power-law fitter ``y = a x^d`` (least squares
  in log-log space through :func:`fractal_lib.core.fits.line_fit`), used for path
  dimensions, lag-range exponents and the cluster counts ``N(R)`` of Ly & Gong.
* :func:`abs_loss_change`, :func:`moving_variance`: loss fluctuations (Fig. 5e/f).
* :func:`contour_vs_distance`, :func:`path_dimension`: contour length against end-to-end
  distance and the fractal dimension ``D_f = 2 / lambda`` of the path (Fig. 6b).
* :func:`msl_vs_distance`: the mean squared loss difference against distance (Eq. 9,
  Fig. 6c), as a mean of squares (the paper's formula) or as the square of the mean (the
  authors' code).
* :func:`transverse_scaling`: transverse excursion against end-to-end distance of path
  fragments (self-similar paths give slope 1, self-affine ones do not).
* :func:`fbm` / :func:`brownian`: synthetic trajectories with known exponents.

MSD conventions
---------------
Inside a window of ``n`` points ``x_0 .. x_{n-1}`` the MSD at lag ``tau`` is
``(1 / (n - tau)) * sum_t |x_{t+tau} - x_t|^2`` over the ``n - tau`` pairs inside the
window, as in the authors' code (all pairs ``i < j`` with ``j - i = tau``). The paper's
Eq. 3 writes the sum to ``t_w + T`` with points beyond the window; the difference is an
end effect at ``tau`` close to ``T``. The squared displacement is *summed* over
coordinates (Eq. 3), not averaged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.checks import as_float_array, warn_limit
from ..core.fits import line_fit

#: Default largest lag as a fraction of the window (time averages stay well sampled).
LAG_FRACTION = 0.1


# ----------------------------------------------------------------------------- helpers
def _as_traj(
    x: np.ndarray, name: str = "x", *, nonconstant: bool = False
) -> np.ndarray:
    a = as_float_array(
        x, name, ndim=(1, 2), min_size=2, axis=0, nonconstant=nonconstant
    )
    return a[:, None] if a.ndim == 1 else a


def default_max_lag(n: int) -> int:
    """Default largest lag of an ``n``-point window: ``n // 10``, >= ``min(n - 1, 5)``.

    At lag ``tau`` a window of ``n`` points holds ``n - tau`` overlapping pairs; for a
    random walk the relative standard deviation of the time average is about
    ``sqrt(4 tau / (3 n))``, so beyond ``n / 10`` the curve is dominated by noise
    (Michalet 2010; Kepten et al. 2015).

    Parameters
    ----------
    n : int
        Points in the window (>= 2).

    Returns
    -------
    int
        The largest lag (steps).

    Raises
    ------
    ValueError
        ``n < 2``.

    References
    ----------
    Michalet (2010), Phys. Rev. E 82, 041914; Kepten et al. (2015), PLoS ONE 10,
    e0117722.
    """
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    return int(max(int(n * LAG_FRACTION), min(n - 1, 5)))


def _check_lags(lags: np.ndarray | None, n: int) -> np.ndarray:
    if lags is None:
        return np.arange(1, default_max_lag(n) + 1, dtype=np.int64)
    lg = np.asarray(lags, dtype=np.int64).ravel()
    if lg.size == 0 or lg.min() < 1 or lg.max() > n - 1:
        raise ValueError(f"lags must lie in [1, {n - 1}] for a window of {n} points")
    return lg


def _msd_fft_block(seg: np.ndarray) -> np.ndarray:
    """MSD at all lags 0..n-1 of the trajectories ``seg`` (..., n, d), summed over d."""
    n = seg.shape[-2]
    seg = seg - seg.mean(
        axis=-2, keepdims=True
    )  # translation invariance; better conditioning
    # scaled to unit size so huge coordinates (up to ~1e150) do not overflow in the FFT
    # products
    scale = np.max(np.abs(seg), axis=(-2, -1), keepdims=True)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    seg = seg / scale
    nfft = 1 << int(math.ceil(math.log2(2 * n)))
    f = np.fft.rfft(seg, n=nfft, axis=-2)
    acf = np.fft.irfft((f * f.conj()).real, n=nfft, axis=-2)[..., :n, :].sum(axis=-1)
    sq = (seg**2).sum(axis=-1)  # (..., n)
    total = 2.0 * sq.sum(axis=-1, keepdims=True)
    # S1(tau) = sum_{t=0}^{n-1-tau} (|x_t|^2 + |x_{t+tau}|^2), built by removing the
    # end terms
    head = np.cumsum(sq, axis=-1)  # sum of the first k+1 terms
    tail = np.cumsum(sq[..., ::-1], axis=-1)  # sum of the last k+1 terms
    s1 = np.empty(sq.shape)
    s1[..., 0] = total[..., 0]
    s1[..., 1:] = total - tail[..., : n - 1] - head[..., : n - 1]
    counts = n - np.arange(n)
    msd = np.maximum((s1 - 2.0 * acf) / counts, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        msd = msd * scale[..., 0] ** 2
    if not np.all(np.isfinite(msd)):
        raise ValueError(
            "x: the MSD is not finite (overflow: squared displacements exceed the "
            "float64 "
            "range ~1e308); rescale the trajectory"
        )
    return msd


# ----------------------------------------------------------------------------- MSD
def tamsd(
    x: np.ndarray,
    *,
    lags: np.ndarray | None = None,
    t_w: int = 0,
    window: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Time-averaged MSD of the trajectory inside one window, by FFT.

    Parameters
    ----------
    x : array, shape (T,) or (T, d)
        The trajectory, one row per step.
    lags : array of int, optional
        Lags ``tau`` in ``[1, window - 1]``; default the consecutive lags ``1 ..``
        :func:`default_max_lag` ``(window)`` (a tenth of the window), where the time
        average is well sampled. Pass ``np.arange(1, window)`` for every lag (the
        paper's protocol).
    t_w : int
        First step of the window (the waiting time).
    window : int, optional
        Number of points in the window; default everything from ``t_w`` on.

    Returns
    -------
    lags : ndarray of int, shape (L,)
        The lags (steps).
    msd : ndarray of float, shape (L,)
        ``mean_t |x_{t+tau} - x_t|^2`` over the pairs inside the window, summed over
        coordinates (squared units of ``x``).

    Raises
    ------
    ValueError
        ``x`` empty, with fewer than 2 steps or non-finite values; ``t_w``, ``window``
        or ``lags`` outside the trajectory.

    References
    ----------
    Metzler, Jeon, Cherstvy & Barkai (2014), Phys. Chem. Chem. Phys. 16, 24128 (the
    time-averaged MSD); Chen, Qu & Gong (2022), Eq. 3.
    """
    a = _as_traj(x)
    if not 0 <= t_w < a.shape[0] - 1:
        raise ValueError(f"t_w must lie in [0, {a.shape[0] - 2}], got {t_w}")
    n = a.shape[0] - t_w if window is None else int(window)
    if n < 2 or t_w + n > a.shape[0]:
        raise ValueError(f"window must lie in [2, {a.shape[0] - t_w}], got {window}")
    lg = _check_lags(lags, n)
    msd = _msd_fft_block(a[t_w : t_w + n])
    return lg, msd[lg]


def tamsd_windows(
    x: np.ndarray,
    window: int,
    t_ws: np.ndarray | None = None,
    *,
    lags: np.ndarray | None = None,
    stride: int | None = None,
    max_block_bytes: int = 1 << 27,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time-averaged MSD in many windows ``[t_w, t_w + window)``.

    Parameters
    ----------
    x : array, shape (T,) or (T, d)
        The trajectory, one row per step.
    window : int
        Points per window (the paper's ``T``).
    t_ws : array of int, optional
        Window starts; default ``0, stride, 2 stride, ...`` while the window fits.
    lags : array of int, optional
        Lags in ``[1, window - 1]``; default ``1 ..`` :func:`default_max_lag`
        ``(window)`` (see :func:`tamsd`).
    stride : int, optional
        Spacing of the default ``t_ws`` (default ``window``, non-overlapping windows).
    max_block_bytes : int
        Windows are processed in blocks whose FFT buffers stay below this size.

    Returns
    -------
    t_ws : ndarray of int, shape (W,)
        Window starts (steps).
    lags : ndarray of int, shape (L,)
        Lags (steps).
    msd : ndarray, shape (W, L)
        Time-averaged MSD per window (squared units of ``x``).

    Raises
    ------
    ValueError
        Degenerate ``x`` (see :func:`tamsd`), ``window``, ``t_ws``, ``stride`` or
        ``lags`` out of range.

    References
    ----------
    Chen, Qu & Gong (2022), Eq. 3 (one window per waiting time ``t_w``).
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
        idx = tw[b0 : b0 + block, None] + np.arange(window)[None, :]
        out[b0 : b0 + block] = _msd_fft_block(a[idx])[:, lg]
    return tw, lg, out


def tamsd_direct(
    x: np.ndarray, lags: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``O(T^2)`` definition of :func:`tamsd` over the whole trajectory (for tests).

    Parameters
    ----------
    x : ndarray, shape ``(T,)`` or ``(T, d)``
        The trajectory, one row per step.
    lags : ndarray of int, optional
        Lags in ``[1, T - 1]``; default as in :func:`tamsd`.

    Returns
    -------
    lags : numpy.ndarray of int, shape ``(L,)``
        The lags.
    msd : numpy.ndarray, shape ``(L,)``
        ``mean_t |x_{t+tau} - x_t|^2``, summed over coordinates (squared units of
        ``x``).

    Raises
    ------
    ValueError
        Degenerate ``x`` or lags out of range.
    """
    a = _as_traj(x)
    lg = _check_lags(lags, a.shape[0])
    msd = np.array([np.mean(np.sum((a[k:] - a[:-k]) ** 2, axis=1)) for k in lg])
    return lg, msd


def log_derivative(
    lags: np.ndarray, msd: np.ndarray, dtau: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Local exponent ``beta(tau) = dlog MSD / dlog tau`` over the lag step ``dtau``.

    Parameters
    ----------
    lags : array of int, shape (L,)
        Consecutive integer lags ``1, 2, ...`` (as returned by default).
    msd : array, shape (L,) or (W, L)
        One MSD curve or several; every value must be finite and positive.
    dtau : int
        Lag step, in ``[1, L - 1]``.

    Returns
    -------
    tau : ndarray, shape (L - dtau,)
        Lower lag of each step (steps).
    beta : ndarray, shape (..., L - dtau)
        Local exponent per curve.

    Raises
    ------
    ValueError
        ``dtau`` out of range, lags not consecutive, or ``msd`` not finite and positive
        (a constant path has zero MSD and no exponent).

    References
    ----------
    Chen, Qu & Gong (2022), Eq. 6.
    """
    lg = np.asarray(lags)
    m = as_float_array(msd, "msd", ndim=(1, 2))
    if m.shape[-1] != lg.size:
        raise ValueError(
            f"msd must end in an axis of length {lg.size} (len(lags)), got {m.shape}"
        )
    if dtau < 1 or dtau >= lg.size:
        raise ValueError(f"dtau must lie in [1, {lg.size - 1}], got {dtau}")
    if np.any(np.diff(lg) != 1):
        raise ValueError("lags must be consecutive integers for the log-derivative")
    if np.any(m <= 0):
        raise ValueError(
            "msd must be positive at every lag (zero MSD: the path does not move)"
        )
    logm = np.log(m)
    tau = lg[:-dtau].astype(float)
    beta = (logm[..., dtau:] - logm[..., :-dtau]) / (np.log(tau + dtau) - np.log(tau))
    return tau, beta


# ------------------------------------------------------------------------ exponent fits
@dataclass(frozen=True)
class AlphaFit:
    """A power-law fit ``MSD ~ tau**alpha`` on ``[tau_lo, tau_hi]`` (log10 OLS).

    Attributes
    ----------
    alpha, stderr, intercept : float
        Slope, its standard error and intercept of ``log10 MSD`` against ``log10 tau``.
        ``stderr`` is the OLS fit error that treats the lags as independent points. The
        time-averaged MSD at neighbouring lags of one path is strongly correlated, so it
        understates the sampling spread of ``alpha`` by a large factor (Brownian,
        ``T = 300``, 60 seeds: spread 0.14 against a median ``stderr`` of 0.014, about
        10x; the nominal 95 % interval covers the truth 8 % of the time). It measures
        how straight the curve is, not how far ``alpha`` is from the truth. For an
        uncertainty use the spread of ``alpha`` over independent paths, windows or seeds
        (e.g. :func:`fractal_lib.core.fits.bootstrap_ci` over the per-path values),
        never ``stderr``.
    tau0 : float
        Lower end chosen by the paper's RMSE rule (the paper's ``tau_0``); NaN if the
        rule was not asked for (``rmse_max=None``) or no lower end passed it
        (``rule_met`` False).
    rmse : float
        Root-mean-square deviation (in ``log10 MSD``) of the fit.
    alpha_short : float
        Slope on ``[tau_first, tau_0]`` (the short-lag regime, ``alpha_1`` of Eq. 5);
        NaN if fewer than 3 lags lie there or the rule was not met.
    n_points : int
        Lags used in the main fit (also available as ``n_used``).
    rule_met : bool or None
        None: no rule asked for, one line over the whole range. True: a lower end passed
        the RMSE rule. False: none did, and the fit is the *fallback*, one line over the
        whole range ``[tau_lo, tau_hi]`` (an
        :class:`~fractal_lib.core.checks.EstimatorWarning` was issued).
    tau_lo, tau_hi : float
        Lag range of the main fit.
    """

    alpha: float
    stderr: float
    intercept: float
    tau0: float
    rmse: float
    alpha_short: float
    n_points: int
    rule_met: bool | None = None
    tau_lo: float = math.nan
    tau_hi: float = math.nan

    @property
    def n_used(self) -> int:
        """Lags used in the main fit."""
        return self.n_points

    @property
    def fallback(self) -> str | None:
        """``None`` when the RMSE rule was met, else which fallback fit was returned."""
        return "whole range" if self.rule_met is False else None


def _fit_alpha(
    lags: np.ndarray,
    msd: np.ndarray,
    rmse_max: float | None,
    tau_max: float | None,
    n_log: int | None,
    min_points: int,
    min_decades: float,
) -> AlphaFit:
    lg = as_float_array(lags, "lags", ndim=1, finite="none")
    m = as_float_array(msd, "msd", ndim=1, finite="none")
    if lg.shape != m.shape:
        raise ValueError(
            f"lags and msd must have the same length, got {lg.size} and {m.size}"
        )
    if int(min_points) < 3:
        raise ValueError(f"min_points must be >= 3, got {min_points}")
    keep = np.isfinite(m) & np.isfinite(lg) & (lg >= 1)
    keep[keep] &= m[keep] > 0
    if tau_max is not None:
        keep &= lg <= tau_max
    lg, m = lg[keep], m[keep]
    order = np.argsort(lg, kind="stable")
    lg, m = lg[order], m[order]
    if n_log is not None and lg.size > n_log:
        want = np.geomspace(lg[0], lg[-1], n_log)
        sel = np.unique(np.searchsorted(lg, want).clip(0, lg.size - 1))
        lg, m = lg[sel], m[sel]
    if lg.size < min_points:
        raise ValueError(
            f"msd needs at least {min_points} positive finite values at lags in "
            f"[1, tau_max], got {lg.size} (a constant path has zero MSD)"
        )
    x, y = np.log10(lg), np.log10(m)
    n = x.size
    if rmse_max is None:
        rule_met, k = None, 0
    else:
        # RMSE of the line on [j, n) for every lower end j that leaves min_points lags
        rmse = np.array(
            [
                line_fit(x[j:], y[j:]).rmse if np.ptp(x[j:]) > 0 else math.inf
                for j in range(n - min_points + 1)
            ]
        )
        # a lower end must leave min_decades of lags (or half the log range, if that is
        # shorter)
        span = x[-1] - x[: n - min_points + 1]
        ok = np.flatnonzero(
            (rmse < rmse_max) & (span >= min(min_decades, 0.5 * (x[-1] - x[0])) - 1e-12)
        )
        rule_met = bool(ok.size)
        k = int(ok[0]) if rule_met else 0
    fit = line_fit(x[k:], y[k:])
    tau0 = float(lg[k]) if rule_met else math.nan
    a_short = (
        line_fit(x[: k + 1], y[: k + 1]).slope if rule_met and k + 1 >= 3 else math.nan
    )
    return AlphaFit(
        fit.slope,
        fit.stderr,
        fit.intercept,
        tau0,
        fit.rmse,
        a_short,
        n - k,
        rule_met,
        float(lg[k]),
        float(lg[-1]),
    )


def fit_alpha(
    lags: np.ndarray,
    msd: np.ndarray,
    *,
    rmse_max: float | None = None,
    tau_max: float | None = None,
    n_log: int | None = 40,
    min_points: int = 5,
    min_decades: float = 1.0,
) -> AlphaFit:
    """Fit ``MSD ~ tau**alpha``: one line, or the paper's rule on ``[tau_0, tau_max]``.

    Default (``rmse_max=None``): the least-squares line through
    ``(log10 tau, log10 MSD)`` over every lag given (up to ``tau_max``). On the default
    lags of :func:`tamsd` (up to a tenth of the window) a Brownian path gives
    ``alpha = 1`` and fractional Brownian motion ``2 H`` at any length, with the spread
    over seeds that the covariance of the time-averaged MSD predicts (about
    ``0.16 / sqrt(d)`` at ``T = 100`` and ``0.05 / sqrt(d)`` at ``T = 10^4``; tested).

    The RMSE rule (``rmse_max`` given): ``tau_0`` is the smallest lower end
    ``tau'`` whose line on ``[tau', tau_max]`` has RMSE below ``rmse_max``, among lower
    ends that leave at least ``min_decades`` of lags (or half the log range, if that is
    shorter). If none passes, the fit falls back to one line over the whole range, with
    ``rule_met=False`` and ``tau0=nan``, and issues one
    :class:`~fractal_lib.core.checks.EstimatorWarning`. On a single power law with noise
    the rule may cut the range and so widens the spread of ``alpha``; it is meant to
    locate a crossover.

    Parameters
    ----------
    lags, msd : array, shape (L,)
        One MSD curve (lags in steps, MSD in squared units); non-positive or non-finite
        MSD values are skipped. Long lags, whose time averages hold few pairs, should
        not be given (the default lags of :func:`tamsd` stop at a tenth of the window),
        or cut with ``tau_max``.
    rmse_max : float or None
        None: no rule. Else the rule's threshold on the RMSE of ``log10 MSD`` (a
        paper's value lives in its ``papers`` module, e.g. ``chen2022.RMSE_RULE``).
    tau_max : float, optional
        Upper end of the fit (default the largest lag).
    n_log : int or None
        Fit on about ``n_log`` lags evenly spaced in ``log tau`` (so every decade weighs
        the same); ``None`` fits every lag (the long lags then dominate).
    min_points : int
        Fewest lags a fit may use (>= 3).
    min_decades : float
        Shortest range, in decades of ``tau``, that the rule may keep.

    Returns
    -------
    AlphaFit
        ``rule_met``, ``tau_lo``, ``tau_hi`` and ``n_points`` say which range was
        fitted.

    Raises
    ------
    ValueError
        Mismatched shapes, or fewer than ``min_points`` positive finite MSD values.

    References
    ----------
    Chen, Qu & Gong (2022), Eq. 5 and the RMSE rule for ``tau_0`` (Sec. III).
    """
    fit = _fit_alpha(lags, msd, rmse_max, tau_max, n_log, min_points, min_decades)
    if fit.rule_met is False:
        warn_limit(
            f"fit_alpha: no lower end passes the RMSE rule (< {rmse_max}); fitted the "
            "whole "
            f"range [{fit.tau_lo:g}, {fit.tau_hi:g}] instead (rule_met=False, tau0=nan)"
        )
    return fit


@dataclass(frozen=True)
class PowerLawFit:
    """``y = a x^d`` fitted by least squares in log-log space (:func:`power_law_fit`).

    Attributes
    ----------
    exponent, stderr : float
        ``d`` and its OLS standard error (NaN with 2 points). The error treats the
        points as independent; see :class:`fractal_lib.core.fits.LineFit` for why it
        understates the sampling spread of correlated log-log points.
    prefactor : float
        ``a`` (``base`` to the power of the intercept).
    x_min, x_max : float
        Smallest and largest ``x`` actually fitted (inside the requested range).
    n_used : int
        Points fitted.
    r2 : float
        Coefficient of determination of the log-log line.
    few_points : bool
        Fewer than ``min_points`` points: the exponent rests on too little data.
    """

    exponent: float
    stderr: float
    prefactor: float
    x_min: float
    x_max: float
    n_used: int = 0
    r2: float = float("nan")
    few_points: bool = False


_NO_FIT = PowerLawFit(math.nan, math.nan, math.nan, math.nan, math.nan, 0)


def power_law_fit(
    x: np.ndarray,
    y: np.ndarray,
    *,
    x_min: float | None = None,
    x_max: float | None = None,
    min_points: int = 5,
    base: float = 10.0,
    strict: bool = True,
) -> PowerLawFit:
    """Fit ``y = a x^d`` by least squares in log-log space on ``[x_min, x_max]``.

    The library's one power-law fitter (path dimensions, MSD exponents over lag ranges,
    the MSL exponent, transverse scaling, the cluster counts ``N(R)`` of Ly & Gong); the
    line is :func:`fractal_lib.core.fits.line_fit`. Only pairs with ``x, y > 0`` and
    both finite are used.

    Parameters
    ----------
    x, y : ndarray, shape ``(n,)``
        Abscissae (e.g. lags in steps, radii in pixels) and values (e.g. MSD, counts
        ``N(R)``); NaN marks missing points.
    x_min, x_max : float, optional
        Fit range in units of ``x`` (default: all of ``x``).
    min_points : int
        Fewer points than this in the range (but at least 3) still give a fit, flagged
        ``few_points`` with a warning.
    base : float
        Base of the logarithms (> 0, not 1). The exponent does not depend on it (up to
        rounding); it sets the intercept's units (10: decades, ``math.e``: natural log).
    strict : bool
        True: raise when no line can be fitted. False: return a fit of NaNs instead (for
        sweeps over many curves, where NaN marks a missing slope).

    Returns
    -------
    PowerLawFit
        Exponent, its OLS error, prefactor, fitted range, points used, ``r2``.

    Raises
    ------
    ValueError
        Shapes that differ, ``base`` out of range; with ``strict``, fewer than 3
        positive points in the range or a single ``x`` value.

    Warns
    -----
    EstimatorWarning
        Once, when ``few_points``.
    """
    xa = as_float_array(x, "x", ndim=1, finite="none")
    ya = as_float_array(y, "y", ndim=1, finite="none")
    if xa.shape != ya.shape:
        raise ValueError(
            f"x and y must have the same shape, got {xa.shape} and {ya.shape}"
        )
    if not (math.isfinite(base) and base > 0 and base != 1):
        raise ValueError(f"base must be a finite number > 0 other than 1, got {base}")
    ok = np.isfinite(xa) & np.isfinite(ya)
    ok[ok] &= (xa[ok] > 0) & (ya[ok] > 0)
    if x_min is not None:
        ok &= xa >= float(x_min)
    if x_max is not None:
        ok &= xa <= float(x_max)
    if ok.sum() < 3 or np.ptp(xa[ok]) == 0:
        if not strict:
            return _NO_FIT
        if ok.sum() < 3:
            raise ValueError(
                "power_law_fit needs at least 3 positive points in the range, got "
                f"{int(ok.sum())}"
            )
    if base == 10:
        lx, ly = np.log10(xa[ok]), np.log10(ya[ok])
    elif base == math.e:
        lx, ly = np.log(xa[ok]), np.log(ya[ok])
    else:
        lx, ly = np.log(xa[ok]) / math.log(base), np.log(ya[ok]) / math.log(base)
    fit = line_fit(lx, ly, min_points=3)
    few = fit.n < int(min_points)
    if few:
        warn_limit(
            f"power_law_fit: only {fit.n} points in the range (< min_points = "
            f"{min_points}); see PowerLawFit.few_points"
        )
    return PowerLawFit(
        float(fit.slope),
        float(fit.stderr),
        float(math.exp(fit.intercept) if base == math.e else base**fit.intercept),
        float(xa[ok].min()),
        float(xa[ok].max()),
        int(fit.n),
        float(fit.r2),
        bool(few),
    )


def window_fits(lags: np.ndarray, msds: np.ndarray, **kwargs) -> list[AlphaFit]:
    """:func:`fit_alpha` for every row of ``msds``.

    Parameters
    ----------
    lags : array, shape (L,)
        Lags (steps).
    msds : array, shape (W, L)
        One MSD curve per window.
    **kwargs
        Passed to :func:`fit_alpha`.

    Returns
    -------
    list of AlphaFit
        One per row; rows whose fit fell back have ``rule_met=False`` (one warning for
        all).
    """
    unknown = set(kwargs) - {
        "rmse_max",
        "tau_max",
        "n_log",
        "min_points",
        "min_decades",
    }
    if unknown:
        raise TypeError(f"window_fits got unexpected keyword(s) {sorted(unknown)}")
    out = [
        _fit_alpha(
            lags,
            row,
            kwargs.get("rmse_max"),
            kwargs.get("tau_max"),
            kwargs.get("n_log", 40),
            kwargs.get("min_points", 5),
            kwargs.get("min_decades", 1.0),
        )
        for row in np.atleast_2d(msds)
    ]
    bad = sum(f.rule_met is False for f in out)
    if bad:
        warn_limit(
            f"window_fits: {bad} of {len(out)} windows pass no RMSE rule; their fits "
            "are "
            "whole-range fallbacks (rule_met=False)"
        )
    return out


def crossover_time(
    t_ws: np.ndarray,
    lags: np.ndarray,
    msds: np.ndarray,
    *,
    rmse_max: float,
    n_log: int | None = 40,
    persistent: bool = False,
) -> float:
    """Waiting time ``t_0`` of the change from the first to the second regime.

    The paper shifts ``t_w`` and takes the first window whose *whole* MSD curve (every
    lag given) is fitted by a single power law with RMSE below ``rmse_max``.

    Parameters
    ----------
    t_ws : array of int, shape (W,)
        Window starts.
    lags : array, shape (L,)
        Lags (steps).
    msds : array, shape (W, L)
        One MSD curve per window.
    rmse_max : float
        Threshold on the RMSE of ``log10 MSD`` (a paper's value lives in its
        ``papers`` module, e.g. ``chen2022.RMSE_RULE``).
    n_log : int or None
        As in :func:`fit_alpha`.
    persistent : bool
        If True, require every later window to pass too (robust to one lucky early
        window).

    Returns
    -------
    float
        ``t_0``, or NaN if no window passes (then one
        :class:`~fractal_lib.core.checks.EstimatorWarning`).

    Raises
    ------
    ValueError
        ``t_ws`` and ``msds`` of different lengths, or a curve with too few positive
        values.

    References
    ----------
    Chen, Qu & Gong (2022), the waiting time ``t_0`` of the crossover (Sec. III).
    """
    m2 = np.atleast_2d(msds)
    tw = as_float_array(t_ws, "t_ws", ndim=1)
    if tw.size != m2.shape[0]:
        raise ValueError(f"t_ws has {tw.size} entries but msds has {m2.shape[0]} rows")
    ok_a = np.array(
        [_fit_alpha(lags, row, None, None, n_log, 5, 0.0).rmse < rmse_max for row in m2]
    )
    if persistent:
        ok_a = np.logical_and.accumulate(ok_a[::-1])[::-1]
    hit = np.flatnonzero(ok_a)
    if not hit.size:
        warn_limit(
            "crossover_time: no window is fitted by one power law with RMSE < "
            f"{rmse_max}; "
            "returned NaN"
        )
        return math.nan
    return float(np.asarray(t_ws)[hit[0]])


# -------------------------------------------------------------------- loss fluctuations
def abs_loss_change(loss: np.ndarray) -> np.ndarray:
    """``|L(t+1) - L(t)|`` for consecutive steps (Fig. 5e of Chen, Qu & Gong 2022).

    Parameters
    ----------
    loss : ndarray, shape ``(T,)``
        Loss per step (at least 2 finite values).

    Returns
    -------
    numpy.ndarray, shape ``(T - 1,)``
        Absolute changes, units of the loss.

    Raises
    ------
    ValueError
        Fewer than 2 values or non-finite values.
    """
    la = as_float_array(loss, "loss", min_size=2).ravel()
    return np.abs(np.diff(la))


def moving_variance(loss: np.ndarray, window: int = 100) -> np.ndarray:
    """Variance of the loss over a sliding window (Fig. 5f of Chen, Qu & Gong 2022).

    Parameters
    ----------
    loss : ndarray, shape ``(T,)``
        Loss per step (at least 2 finite values).
    window : int
        Window length in steps, in ``[2, T]`` (100 in the paper).

    Returns
    -------
    numpy.ndarray, shape ``(T - window + 1,)``
        Population variance (``ddof = 0``); entry ``k`` covers steps
        ``k .. k + window - 1``.

    Raises
    ------
    ValueError
        Bad ``loss`` or ``window`` out of range.
    """
    la = as_float_array(loss, "loss", min_size=2).ravel()
    if not 2 <= window <= la.size:
        raise ValueError(f"window must lie in [2, {la.size}], got {window}")
    la = la - la.mean()
    c1 = np.concatenate([[0.0], np.cumsum(la)])
    c2 = np.concatenate([[0.0], np.cumsum(la * la)])
    s1 = c1[window:] - c1[:-window]
    s2 = c2[window:] - c2[:-window]
    return np.maximum(s2 / window - (s1 / window) ** 2, 0.0)


# ------------------------------------------------------------------------ path geometry
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
        Bin centres of the contour length ``Delta s`` (geometric mean of the pairs in
        the bin).
    r2 : ndarray
        Mean squared end-to-end distance ``<Delta r^2>`` of the pairs in each bin.
    counts : ndarray
        Pairs per bin.
    """

    contour: np.ndarray
    r2: np.ndarray
    counts: np.ndarray


def contour_vs_distance(
    x: np.ndarray, *, n_bins: int = 40, max_points: int = 2000
) -> PathScaling:
    """Squared end-to-end distance against contour length of all point pairs (Fig. 6b).

    For points ``i < j`` the contour length is
    ``s_ij = sum_{k=i+1}^{j} |x_k - x_{k-1}|`` (the authors' code also adds the step
    into ``i``; we do not) and the end-to-end distance is ``|x_j - x_i|``. Pairs are
    binned in ``log s``.

    Parameters
    ----------
    x : ndarray, shape ``(T,)`` or ``(T, d)``
        One window of the path (at most ``max_points`` points: all pairs are formed);
        not constant.
    n_bins : int
        Logarithmic bins of ``s``.
    max_points : int
        Largest ``T`` accepted (memory grows as ``T^2``).

    Returns
    -------
    PathScaling
        ``contour``: bin centres of ``s`` (units of ``x``); ``r2``: mean
        ``|x_j - x_i|^2`` per bin (squared units); ``counts``: pairs per bin.

    Raises
    ------
    ValueError
        A constant or non-finite path, or more than ``max_points`` points.

    References
    ----------
    Chen, Qu & Gong (2022), Fig. 6b.
    """
    a = _as_traj(x, nonconstant=True)
    if a.shape[0] > max_points:
        raise ValueError(
            f"x has {a.shape[0]} points; at most max_points={max_points} (all pairs)"
        )
    steps = np.sqrt(np.sum(np.diff(a, axis=0) ** 2, axis=1))
    c = np.concatenate([[0.0], np.cumsum(steps)])
    iu = np.triu_indices(a.shape[0], k=1)
    s = (c[None, :] - c[:, None])[iu]
    r2 = _pair_sq_dist(a)[iu]
    return _bin_log(s, r2, n_bins)


def binned_means(
    keys: np.ndarray, edges: np.ndarray, *values: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Mean of each of ``values`` per bin of ``keys`` (the log-binning of the package).

    Bin ``k`` holds ``edges[k] <= key < edges[k + 1]``; keys outside the edges go to
    the first or last bin. Callers pass log-spaced edges of the key (or evenly spaced
    edges of its logarithm).

    Parameters
    ----------
    keys : ndarray, shape (N,)
        Values that pick the bin.
    edges : ndarray, shape (n_bins + 1,)
        Increasing bin edges, same units as ``keys``.
    *values : ndarray, shape (N,)
        Quantities averaged per bin.

    Returns
    -------
    counts : ndarray of int, shape (K,)
        Members of each non-empty bin (``K <= n_bins``).
    means : list of ndarray, shape (K,)
        Per array of ``values``, its mean over each non-empty bin.
    """
    n_bins = edges.size - 1
    idx = np.clip(np.searchsorted(edges, keys, side="right") - 1, 0, n_bins - 1)
    cnt = np.bincount(idx, minlength=n_bins)
    keep = cnt > 0
    means = [
        np.bincount(idx, weights=v, minlength=n_bins)[keep] / cnt[keep] for v in values
    ]
    return cnt[keep], means


def _bin_log(
    s: np.ndarray, v: np.ndarray, n_bins: int, *, square_of_mean: bool = False
) -> PathScaling:
    pos = s > 0
    s, v = s[pos], v[pos]
    if s.size == 0:
        raise ValueError("no pair with a positive separation")
    edges = np.geomspace(s.min(), s.max() * (1 + 1e-12), n_bins + 1)
    cnt, (mean_ls, mean_v) = binned_means(s, edges, np.log(s), v)
    if square_of_mean:
        mean_v = mean_v**2
    return PathScaling(np.exp(mean_ls), mean_v, cnt.astype(np.int64))


def path_dimension(
    scaling: PathScaling,
    *,
    s_min: float | None = None,
    s_max: float | None = None,
    min_count: int = 5,
) -> tuple[float, float, float]:
    """Fractal dimension ``D_f = 2 / lambda`` of a path, ``Delta r^2 ~ Delta s^lambda``.

    A straight line has ``lambda = 2`` (``D_f = 1``), a random walk ``lambda = 1``
    (``D_f = 2``).

    Parameters
    ----------
    scaling : PathScaling
        From :func:`contour_vs_distance`.
    s_min, s_max : float, optional
        Range of contour lengths to fit (units of ``x``).
    min_count : int
        Bins with fewer pairs are left out.

    Returns
    -------
    (D_f, lambda, stderr of lambda)
        ``D_f`` is NaN when ``lambda <= 0`` (no dimension).

    Raises
    ------
    ValueError
        Fewer than 3 bins with ``min_count`` pairs and positive values in
        ``[s_min, s_max]``.

    References
    ----------
    Chen, Qu & Gong (2022), Fig. 6b.
    """
    keep = scaling.counts >= min_count
    lam = se = math.nan
    if keep.any():
        fit = power_law_fit(
            scaling.contour[keep],
            scaling.r2[keep],
            x_min=s_min,
            x_max=s_max,
            min_points=3,
            strict=False,
        )
        lam, se = fit.exponent, fit.stderr
    if not np.isfinite(lam):
        raise ValueError(
            "scaling has fewer than 3 usable bins in [s_min, s_max] with at least "
            f"min_count={min_count} pairs: no slope"
        )
    return (2.0 / lam if lam > 0 else math.nan), lam, se


def msl_vs_distance(
    x: np.ndarray,
    loss: np.ndarray,
    *,
    n_bins: int = 40,
    max_points: int = 2000,
    mode: str = "mean_square",
) -> PathScaling:
    """Mean squared loss difference of point pairs against their distance (Eq. 9).

    Parameters
    ----------
    x : ndarray, shape ``(T,)`` or ``(T, d)``
        Positions of one window (not constant, at most ``max_points`` points).
    loss : ndarray, shape ``(T,)``
        The loss at each position.
    n_bins : int
        Logarithmic bins of the distance.
    max_points : int
        Largest ``T`` accepted (memory grows as ``T^2``).
    mode : {"mean_square", "square_of_mean"}
        ``"mean_square"``: ``MSL = <(L_j - L_i)^2>`` in each distance bin, the paper's
        Eq. 9. ``"square_of_mean"``: ``<L_j - L_i>^2``, what the authors' public code
        computes (signed differences, so it is much smaller and is not a structure
        function).

    Returns
    -------
    PathScaling
        ``contour`` holds the distance bin centres ``Delta r`` (units of ``x``) and
        ``r2`` the MSL (squared units of the loss).

    Raises
    ------
    ValueError
        A constant path, ``loss`` of another length, too many points or an unknown
        ``mode``.

    References
    ----------
    Chen, Qu & Gong (2022), Eq. 9.
    """
    a = _as_traj(x, nonconstant=True)
    la = as_float_array(loss, "loss").ravel()
    if la.size != a.shape[0]:
        raise ValueError(f"loss must have {a.shape[0]} values, got {la.size}")
    if a.shape[0] > max_points:
        raise ValueError(
            f"x has {a.shape[0]} points; at most max_points={max_points} (all pairs)"
        )
    if mode not in ("mean_square", "square_of_mean"):
        raise ValueError(
            f"mode must be 'mean_square' or 'square_of_mean', got {mode!r}"
        )
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
        Mean squared transverse distance (largest squared distance of an inner point
        from the chord) per length.
    slope, stderr : float
        Slope of ``log h2`` against ``log r2``: 1 for a self-similar path (the shape
        keeps its aspect ratio), different from 1 for a self-affine one.
    """

    lengths: np.ndarray
    r2: np.ndarray
    h2: np.ndarray
    slope: float
    stderr: float


def transverse_distances(
    x: np.ndarray, length: int, n_fragments: int = 50, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """End-to-end and largest transverse squared distances of random path fragments.

    Parameters
    ----------
    x : ndarray, shape ``(T,)`` or ``(T, d)``
        The path.
    length : int
        Fragment length in steps, in ``[2, T - 1]``.
    n_fragments : int
        Random fragments (the authors use 50 fragments of 100 steps).
    seed : int
        Seed of the fragment starts.

    Returns
    -------
    r2 : numpy.ndarray, shape ``(n_fragments,)``
        Squared end-to-end distance of each fragment (squared units of ``x``).
    h2 : numpy.ndarray, shape ``(n_fragments,)``
        Largest squared distance of a point of the fragment from its chord.

    Raises
    ------
    ValueError
        ``length`` out of range or a degenerate ``x``.
    """
    a = _as_traj(x)
    if not 2 <= length < a.shape[0]:
        raise ValueError(f"length must lie in [2, {a.shape[0] - 1}], got {length}")
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, a.shape[0] - length, size=n_fragments)
    r2 = np.empty(n_fragments)
    h2 = np.empty(n_fragments)
    for k, s0 in enumerate(starts):
        seg = a[s0 : s0 + length + 1] - a[s0]
        chord = seg[-1]
        c2 = float(chord @ chord)
        p2 = np.sum(seg * seg, axis=1)
        perp = p2 - (seg @ chord) ** 2 / c2 if c2 > 0 else p2
        r2[k], h2[k] = c2, float(np.max(np.maximum(perp, 0.0)))
    return r2, h2


def transverse_scaling(
    x: np.ndarray, lengths: np.ndarray, n_fragments: int = 50, *, seed: int = 0
) -> TransverseScaling:
    """Transverse against end-to-end squared distance of fragments of several lengths.

    :func:`transverse_distances` per length, and the slope of ``log <h^2>`` against
    ``log <r^2>`` (:func:`power_law_fit`).

    Parameters
    ----------
    x : array, shape (T,) or (T, d)
        The path (not constant).
    lengths : array of int, shape (K,)
        At least 3 distinct fragment lengths in ``[2, T - 1]``.
    n_fragments : int
        Random fragments per length.
    seed : int
        Seed of the fragment starts (length ``k`` uses ``seed + k``).

    Returns
    -------
    TransverseScaling
        Mean squared distances per length, the slope and its OLS error.

    Raises
    ------
    ValueError
        Constant path, fewer than 3 distinct lengths, or lengths out of range.

    References
    ----------
    Chen, Qu & Gong (2022), the self-affinity test of the SGD paths (Sec. IV).
    """
    _as_traj(x, nonconstant=True)
    lg = np.asarray(lengths, dtype=np.int64).ravel()
    if np.unique(lg).size < 3:
        raise ValueError(
            f"lengths needs at least 3 distinct fragment lengths, got {lg.tolist()}"
        )
    r2 = np.empty(lg.size)
    h2 = np.empty(lg.size)
    for k, n in enumerate(lg):
        a, b = transverse_distances(x, int(n), n_fragments, seed=seed + k)
        r2[k], h2[k] = a.mean(), b.mean()
    fit = power_law_fit(r2, h2, min_points=3, strict=False)
    slope, se = fit.exponent, fit.stderr
    if not np.isfinite(slope):
        raise ValueError(
            "x: fewer than 3 fragment lengths with a positive excursion (straight "
            "path?)"
        )
    return TransverseScaling(lg, r2, h2, slope, se)


# ---------------------------------------------------------------------- synthetic paths
def brownian(n: int, d: int = 1, *, seed: int = 0) -> np.ndarray:
    """A Gaussian random walk of ``n`` points in ``d`` dimensions (MSD exponent 1).

    Parameters
    ----------
    n : int
        Points (>= 1; the walk starts at 0 with unit-variance steps).
    d : int
        Independent coordinates (>= 1).
    seed : int
        Seed (same seed, same walk).

    Returns
    -------
    numpy.ndarray, shape ``(n, d)``
        The walk.

    Raises
    ------
    ValueError
        ``n < 1`` or ``d < 1`` (or either is not an integer).
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n}")
    if int(d) != d or d < 1:
        raise ValueError(f"d must be an integer >= 1, got {d}")
    n, d = int(n), int(d)
    rng = np.random.default_rng(seed)
    steps = rng.standard_normal((n - 1, d))
    return np.concatenate([np.zeros((1, d)), np.cumsum(steps, axis=0)])


def fbm(n: int, hurst: float, d: int = 1, *, seed: int = 0) -> np.ndarray:
    """Fractional Brownian motion of ``n`` points, ``Var B(t) = t^{2H}`` (exact).

    The library's one fBm generator (the noise of
    :func:`fractal_lib.surfaces.fractional_langevin.fle_integrate` comes from it).
    Davies-Harte circulant embedding of fractional Gaussian noise: the ``2(n - 1)``
    circulant has non-negative eigenvalues for every ``H`` in (0, 1), so the increments
    have exactly the fGn covariance (eigenvalues below zero by rounding only are set to
    0).

    Parameters
    ----------
    n : int
        Points (>= 2; the path starts at 0 and has ``n - 1`` unit time steps).
    hurst : float
        Hurst exponent in (0, 1).
    d : int
        Independent coordinates (>= 1).
    seed : int
        Seed (same seed, same path); coordinate ``j`` uses the ``j``-th block of the
        stream.

    Returns
    -------
    numpy.ndarray, shape ``(n, d)``
        The path, starting at 0.

    Raises
    ------
    ValueError
        ``hurst``, ``n`` or ``d`` out of range.

    References
    ----------
    Davies & Harte (1987), Biometrika 74, 95; Craigmile (2003), J. Time Ser. Anal. 24,
    505 (non-negative circulant eigenvalues of fGn).
    """
    hurst = float(hurst)
    if not 0.0 < hurst < 1.0:
        raise ValueError(f"hurst must lie in (0, 1), got {hurst}")
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n}")
    if int(d) != d or d < 1:
        raise ValueError(f"d must be an integer >= 1, got {d}")
    m, d = int(n) - 1, int(d)
    k = np.arange(m + 1, dtype=float)
    gamma = 0.5 * (
        (k + 1) ** (2 * hurst) - 2 * k ** (2 * hurst) + np.abs(k - 1) ** (2 * hurst)
    )
    row = np.concatenate([gamma, gamma[-2:0:-1]])
    lam = np.fft.fft(row).real
    if (
        lam.min() < -1e-8 * lam.max()
    ):  # pragma: no cover - impossible for fGn (Craigmile 2003)
        raise FloatingPointError("circulant embedding of fGn has a negative eigenvalue")
    lam = np.maximum(lam, 0.0)
    size = row.size
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((d, size)) + 1j * rng.standard_normal((d, size))
    w = np.fft.fft(np.sqrt(lam / size) * z, axis=1)[:, :m].real
    out = np.zeros((d, m + 1))
    out[:, 1:] = np.cumsum(w, axis=1)
    return out.T
