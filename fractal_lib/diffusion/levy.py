"""Symmetric Lévy alpha-stable laws: sampling, density, fits, test against a Gaussian.

Fits come with confidence intervals and the likelihood-ratio (Vuong) test against a
Gaussian.

Parametrisation (Nolan's S1 with skewness 0, as in Eq. 7 of Chen et al. 2022 and scipy's
``levy_stable`` with ``beta = 0``): the characteristic function is
``phi(u) = exp(i u delta - |gamma u|**alpha)``, ``0 < alpha <= 2``. ``alpha = 2`` is the
normal law with variance ``2 gamma**2``; smaller ``alpha`` gives power-law tails
``|x|**(-alpha-1)``.

Fitting (:func:`fit_sas`)
    1. Start: location at the median, scale from the inter-quartile range, then a
       regression of ``log(-log |phi_hat(u)|^2)`` on ``log u`` over the ``u`` where
       the empirical characteristic function lies in ``[0.1, 0.9]``
       (Koutrouvelis-style). Consistent and takes milliseconds.
    2. Refine by maximum likelihood (``method="ml"``) with the density computed by one
       FFT of the characteristic function per ``alpha`` on a fine grid, and the
       convergent-at-infinity series for the tails. The 95 % confidence interval comes
       from the observed information (numerical Hessian of the log-likelihood).
    3. Limits: fits are restricted to ``0.5 <= alpha <= 2`` (the density below 0.5 is
       not accurate enough). An estimate on a bound sets ``at_bound=True``, its
       interval becomes one-sided and open at that bound (``(0, upper]`` at 0.5: the
       truth may lie anywhere below; ``[lower, 2]`` at the Gaussian end), and one
       ``EstimatorWarning`` is issued; so does an optimiser that did not converge
       (``converged=False``).

``scipy.stats.levy_stable.fit`` fits the same model (plus skewness) by numerical
integration of the density at every sample, which is orders of magnitude slower (see
``benchmarks/bench_levy_fit.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize, special, stats

from ..core.checks import as_float_array, warn_limit
from ..core.fits import line_fit

#: Smallest stability index fitted: fits are restricted to ``[ALPHA_MIN, 2]``.
ALPHA_MIN = 0.5
_H = 0.01  # grid step of the FFT density (standardised units)
_N = 1 << 15  # FFT size: grid covers |z| < 163
_Z_SWITCH = 20.0  # beyond this |z| the tail series is used
_N_SERIES = 8


# ----------------------------------------------------------------------------- sampling
def sample_sas(
    alpha: float, n: int, *, gamma: float = 1.0, delta: float = 0.0, seed: int = 0
) -> np.ndarray:
    """``n`` draws of a symmetric alpha-stable law (Chambers-Mallows-Stuck).

    Parameters
    ----------
    alpha : float
        Stability index in (0, 2].
    n : int
        Number of samples (>= 1).
    gamma : float
        Scale (> 0), units of the samples.
    delta : float
        Location, units of the samples.
    seed : int
        Seed of the generator (same seed, same numbers).

    Returns
    -------
    numpy.ndarray, shape ``(n,)``
        Samples of the law with characteristic function
        ``exp(i u delta - |gamma u|^alpha)``.

    Raises
    ------
    ValueError
        ``alpha`` outside (0, 2], ``gamma <= 0`` or ``n`` not a positive integer.

    References
    ----------
    Chambers, Mallows & Stuck (1976), J. Am. Stat. Assoc. 71, 340; the parametrisation
    is Eq. 7 of Chen, Qu & Gong (2022).
    """
    if not 0.0 < alpha <= 2.0:
        raise ValueError(f"alpha must lie in (0, 2], got {alpha}")
    if gamma <= 0:
        raise ValueError(f"gamma must be > 0, got {gamma}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    n = int(n)
    rng = np.random.default_rng(seed)
    v = rng.uniform(-np.pi / 2, np.pi / 2, n)
    w = rng.exponential(1.0, n)
    if alpha == 1.0:
        x = np.tan(v)
    else:
        x = (
            np.sin(alpha * v)
            / np.cos(v) ** (1.0 / alpha)
            * (np.cos(v - alpha * v) / w) ** ((1.0 - alpha) / alpha)
        )
    return delta + gamma * x


# ----------------------------------------------------------------------------- density
@lru_cache(maxsize=256)
def _grid_density(alpha: float) -> np.ndarray:
    """Standard SaS density on z = k * _H up to _Z_SWITCH (FFT of exp(-|u|^alpha))."""
    du = 2.0 * np.pi / (_N * _H)
    k = np.fft.fftfreq(_N, d=1.0 / _N)  # 0, 1, ..., -1
    phi = np.exp(-(np.abs(k * du) ** alpha))
    n_in = int(_Z_SWITCH / _H) + 2  # only |z| < _Z_SWITCH is read from the grid
    f = np.fft.fft(phi).real[:n_in] * du / (2.0 * np.pi)
    if alpha < 2.0:  # remove the periodic images (aliasing) with the tail series
        # sum over images m >= 1 of the tail series at m L -+ z, by Hurwitz zeta
        # functions
        q = np.arange(n_in) * _H / (_N * _H)
        for k in range(1, 4):
            p = alpha * k + 1
            f -= (
                _series_coef(alpha, k)
                * (_N * _H) ** (-p)
                * (special.zeta(p, 1.0 - q) + special.zeta(p, 1.0 + q))
            )
    return np.maximum(f, 0.0)


def _tail_series(alpha: float, z: np.ndarray) -> np.ndarray:
    """Asymptotic series of the standard SaS density for large |z| (alpha < 2)."""
    az = np.abs(z)
    out = np.zeros_like(az)
    for k in range(1, _N_SERIES + 1):
        out += _series_coef(alpha, k) * az ** (-alpha * k - 1)
    return out


def _series_coef(alpha: float, k: int) -> float:
    return (
        (-1) ** (k + 1)
        * math.exp(special.gammaln(alpha * k + 1) - special.gammaln(k + 1))
        * math.sin(k * math.pi * alpha / 2)
        / math.pi
    )


def sas_logpdf(
    x: np.ndarray, alpha: float, gamma: float = 1.0, delta: float = 0.0
) -> np.ndarray:
    """Log-density of the symmetric alpha-stable law, ``alpha`` in ``[0.5, 2]``.

    Accurate to about 1e-4 relative in the bulk (checked against
    ``scipy.stats.levy_stable``). The bulk (``|z| < 20`` in standardised units) is one
    FFT of the characteristic function, interpolated linearly; the tails use the
    convergent-at-infinity series.

    Parameters
    ----------
    x : ndarray, any shape
        Points (units of the samples).
    alpha : float
        Stability index in ``[0.5, 2]``.
    gamma : float
        Scale (> 0).
    delta : float
        Location.

    Returns
    -------
    numpy.ndarray
        ``log f(x)``, shape of ``x``.

    Raises
    ------
    ValueError
        ``alpha`` outside ``[0.5, 2]`` or ``gamma <= 0``.
    """
    if not ALPHA_MIN <= alpha <= 2.0:
        raise ValueError(f"alpha must lie in [{ALPHA_MIN}, 2], got {alpha}")
    if gamma <= 0:
        raise ValueError(f"gamma must be > 0, got {gamma}")
    z = np.abs((np.asarray(x, dtype=float) - delta) / gamma)
    out = np.empty_like(z)
    inner = z < _Z_SWITCH
    grid = _grid_density(round(float(alpha), 12))
    zi = z[inner] / _H
    i0 = np.floor(zi).astype(np.int64)
    t = zi - i0
    f_in = (1 - t) * grid[i0] + t * grid[i0 + 1]
    out[inner] = np.log(np.maximum(f_in, 1e-300))
    if np.any(~inner):
        zo = z[~inner]
        if alpha >= 2.0:
            out[~inner] = -0.25 * zo**2 - math.log(2 * math.sqrt(math.pi))
        else:
            tail = _tail_series(alpha, zo)
            gauss = (
                np.exp(-0.25 * zo**2) / (2 * math.sqrt(math.pi))
                if alpha > 1.98
                else 0.0
            )
            out[~inner] = np.log(np.maximum(tail + gauss, 1e-300))
    return out - math.log(gamma)


def sas_pdf(
    x: np.ndarray, alpha: float, gamma: float = 1.0, delta: float = 0.0
) -> np.ndarray:
    """Density of the symmetric alpha-stable law (``exp`` of :func:`sas_logpdf`).

    Parameters
    ----------
    x : ndarray, any shape
        Points (units of the samples).
    alpha : float
        Stability index in ``[0.5, 2]``.
    gamma : float
        Scale (> 0).
    delta : float
        Location.

    Returns
    -------
    numpy.ndarray
        ``f(x)``, shape of ``x``.

    Raises
    ------
    ValueError
        As :func:`sas_logpdf`.
    """
    return np.exp(sas_logpdf(x, alpha, gamma, delta))


# ----------------------------------------------------------------------------- fits
@dataclass(frozen=True)
class SaSFit:
    """A symmetric alpha-stable fit.

    Attributes
    ----------
    alpha, gamma, delta : float
        Stability index, scale and location.
    alpha_ci : tuple of float
        95 % confidence interval of ``alpha`` (observed information for ``"ml"``;
        asymptotic regression error for ``"cf"``), clipped to ``[0.5, 2]``. When
        ``at_bound``, one-sided: ``(0, upper]`` at the lower bound 0.5 (``alpha`` may
        lie anywhere below it) and ``[lower, 2]`` at the Gaussian end.
    loglik : float
        Log-likelihood of the data under the fit (sum over samples).
    llr_gaussian : float
        ``loglik`` minus the log-likelihood of the best Gaussian (positive favours the
        stable law).
    vuong_z, vuong_p : float
        Vuong's normalised statistic for that ratio and its two-sided p-value.
    n : int
        Number of samples.
    method : str
        ``"cf"`` or ``"ml"``.
    at_bound : bool
        The estimate sits on a bound of the fitted range ``[0.5, 2]`` (see
        ``alpha_ci``).
    converged : bool
        The optimiser (``"ml"``) reported success; always True for ``"cf"``.
    """

    alpha: float
    gamma: float
    delta: float
    alpha_ci: tuple[float, float]
    loglik: float
    llr_gaussian: float
    vuong_z: float
    vuong_p: float
    n: int
    method: str
    at_bound: bool = False
    converged: bool = True

    def __str__(self) -> str:
        lo, hi = self.alpha_ci
        flag = " (at bound)" if self.at_bound else ""
        return (
            f"alpha = {self.alpha:.3f} [{lo:.3f}, {hi:.3f}]{flag}, "
            f"gamma = {self.gamma:.3g}"
        )


def _cf_estimate(x: np.ndarray) -> tuple[float, float, float, float]:
    """(alpha, gamma, delta, se_alpha) by regression on the empirical char. function.

    Raises ``ValueError`` when the empirical characteristic function has fewer than 3
    usable points (e.g. a sample concentrated on very few values)."""
    delta = float(np.median(x))
    q75, q25 = np.percentile(x, [75, 25])
    s0 = float(q75 - q25) / 2.0
    if s0 <= 0:
        s0 = float(np.std(x)) or 1.0
    y = (x - delta) / s0
    alpha, lg = 1.5, 0.0
    se = math.nan
    for _ in range(2):  # second pass on a range adapted to the first estimate
        u = np.geomspace(0.02, 20.0, 60) / math.exp(lg)
        phi = np.abs(np.mean(np.cos(np.outer(u, y)), axis=1))
        ok = (phi > 0.1) & (phi < 0.9)
        if ok.sum() < 4:
            ok = (phi > 0.02) & (phi < 0.98)
        if ok.sum() < 3:
            raise ValueError(
                "x: the empirical characteristic function has fewer than 3 points in "
                "(0.02, 0.98); the sample is too concentrated for a stable fit"
            )
        fit = line_fit(np.log(u[ok]), np.log(-np.log(phi[ok] ** 2)))
        alpha = float(np.clip(fit.slope, ALPHA_MIN, 2.0))
        # log(2 gamma^alpha) = intercept
        lg = (fit.intercept - math.log(2.0)) / max(alpha, 1e-6)
        se = float(fit.stderr) * math.sqrt(
            max(ok.sum() / 2.0, 1.0)
        )  # neighbouring u correlate
    return alpha, s0 * math.exp(lg), delta, se


def _gauss_ll(x: np.ndarray) -> np.ndarray:
    m = (
        float(np.max(np.abs(x))) or 1.0
    )  # scaled moments: no overflow on samples near 1e308
    mu, sd = m * float(np.mean(x / m)), m * float(np.std(x / m))
    return stats.norm.logpdf(x, mu, sd if sd > 0 else 1e-300)


def _finish(
    x: np.ndarray,
    alpha: float,
    gamma: float,
    delta: float,
    ci: tuple[float, float],
    method: str,
    at_bound: bool = False,
    converged: bool = True,
) -> SaSFit:
    ll_s = sas_logpdf(x, alpha, gamma, delta)
    ll_g = _gauss_ll(x)
    d = ll_s - ll_g
    n = x.size
    sd = float(np.std(d))
    vz = float(d.sum() / (math.sqrt(n) * sd)) if sd > 0 else 0.0
    vp = float(2 * stats.norm.sf(abs(vz)))
    return SaSFit(
        float(alpha),
        float(gamma),
        float(delta),
        (float(ci[0]), float(ci[1])),
        float(ll_s.sum()),
        float(d.sum()),
        vz,
        vp,
        n,
        method,
        bool(at_bound),
        bool(converged),
    )


_BOUND_TOL = 1e-3  # an estimate this close to 0.5 or 2 counts as on the bound


def _interval(alpha: float, se: float) -> tuple[tuple[float, float], bool]:
    """95 % interval of alpha, and whether alpha sits on a bound (then one-sided)."""
    if alpha - ALPHA_MIN < _BOUND_TOL:
        hi = alpha + 1.645 * se if np.isfinite(se) else 2.0
        return (0.0, min(2.0, hi)), True
    if 2.0 - alpha < _BOUND_TOL:
        lo = alpha - 1.645 * se if np.isfinite(se) else ALPHA_MIN
        return (max(ALPHA_MIN, lo), 2.0), True
    half = 1.96 * se if np.isfinite(se) else math.nan
    return (max(ALPHA_MIN, alpha - half), min(2.0, alpha + half)), False


def _fit_sas(x: np.ndarray, method: str, max_samples: int | None, seed: int) -> SaSFit:
    if method not in ("ml", "cf"):
        raise ValueError(f"method must be 'ml' or 'cf', got {method!r}")
    a = as_float_array(x, "x", min_size=20, nonconstant=True).ravel()
    if max_samples is not None and a.size > max_samples:
        # sorted first, so the subset (and the fit) does not depend on the order of the
        # samples
        a = np.random.default_rng(seed).choice(
            np.sort(a), size=max_samples, replace=False
        )
        as_float_array(a, "x (subsample)", nonconstant=True)
    scale = float(np.percentile(a, 75) - np.percentile(a, 25)) or float(np.std(a))
    loc = float(np.median(a))
    z = (
        a - loc
    ) / scale  # standardised units (shift/scale invariance); mapped back at the end
    alpha0, gamma0, delta0, se0 = _cf_estimate(z)
    if method == "cf":
        ci, at_bound = _interval(alpha0, se0)
        return _finish(
            a, alpha0, gamma0 * scale, loc + delta0 * scale, ci, "cf", at_bound
        )

    def nll(p: np.ndarray) -> float:
        al = float(np.clip(p[0], ALPHA_MIN, 2.0))
        return -float(np.sum(sas_logpdf(z, al, math.exp(p[1]), p[2])))

    p0 = np.array([min(alpha0, 1.999), math.log(gamma0), delta0])
    res = optimize.minimize(
        nll,
        p0,
        method="L-BFGS-B",
        bounds=[(ALPHA_MIN, 2.0), (None, None), (None, None)],
        options={"maxiter": 200},
    )
    al, lgam, dl = float(res.x[0]), float(res.x[1]), float(res.x[2])
    se = _alpha_se(nll, np.array([al, lgam, dl]))
    ci, at_bound = _interval(al, se)
    return _finish(
        a,
        al,
        math.exp(lgam) * scale,
        loc + dl * scale,
        ci,
        "ml",
        at_bound,
        bool(res.success),
    )


def _limit_message(fit: SaSFit) -> str:
    parts = []
    if fit.at_bound:
        side = (
            "lower bound 0.5 (the true alpha may be smaller)"
            if fit.alpha < 1
            else "Gaussian end 2"
        )
        parts.append(
            f"alpha = {fit.alpha:.3f} sits on the {side}; alpha_ci is one-sided "
            f"[{fit.alpha_ci[0]:.3f}, {fit.alpha_ci[1]:.3f}] (at_bound=True)"
        )
    if not fit.converged:
        parts.append("the likelihood optimiser did not converge (converged=False)")
    return "; ".join(parts)


def fit_sas(
    x: np.ndarray, *, method: str = "ml", max_samples: int | None = None, seed: int = 0
) -> SaSFit:
    """Fit a symmetric alpha-stable law to samples.

    Parameters
    ----------
    x : array, shape (n,)
        Samples, ``n >= 20``, finite and not all equal.
    method : {"ml", "cf"}
        ``"cf"``: characteristic-function regression only (fast, consistent, wider
        intervals); ``"ml"``: that start refined by maximum likelihood.
    max_samples : int, optional
        Fit a seeded random subset of this size (the authors fit 5000 sampled
        components). The subset is drawn from the sorted sample, so the fit is invariant
        under a permutation of ``x``.
    seed : int
        Seed of that subset (same seed, same subset).

    Returns
    -------
    SaSFit
        ``alpha`` is restricted to ``[0.5, 2]``; an estimate on a bound has
        ``at_bound=True`` and a one-sided interval open at that bound, and one
        :class:`~fractal_lib.core.checks.EstimatorWarning` is issued (also when
        ``converged`` is False). ``alpha`` is invariant under a shift and a positive
        rescaling of ``x`` (``gamma`` scales, ``delta`` shifts).

    Raises
    ------
    ValueError
        Fewer than 20 samples, non-finite or constant samples, an unknown ``method``, or
        a sample too concentrated for the characteristic-function start.

    References
    ----------
    Koutrouvelis (1980), J. Am. Stat. Assoc. 75, 918 (regression on the empirical
    characteristic function); Vuong (1989), Econometrica 57, 307 (the likelihood-ratio
    test); Chen, Qu & Gong (2022), Eq. 7 and Fig. 5 (stable fits of SGD gradients).
    """
    fit = _fit_sas(x, method, max_samples, seed)
    if fit.at_bound or not fit.converged:
        warn_limit(f"fit_sas: {_limit_message(fit)}")
    return fit


def _alpha_se(nll, p: np.ndarray) -> float:
    """Standard error of alpha from a central-difference Hessian of ``nll`` at ``p``."""
    steps = np.array([2e-3, 2e-3, 2e-3 * max(1.0, abs(p[2]))])
    pc = p.copy()
    pc[0] = min(pc[0], 2.0 - steps[0])  # keep the stencil inside alpha <= 2
    pc[0] = max(pc[0], ALPHA_MIN + steps[0])
    k = p.size
    hess = np.empty((k, k))
    f0 = nll(pc)
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.zeros(k), np.zeros(k)
            ei[i], ej[j] = steps[i], steps[j]
            if i == j:
                v = (nll(pc + ei) - 2 * f0 + nll(pc - ei)) / steps[i] ** 2
            else:
                v = (
                    nll(pc + ei + ej)
                    - nll(pc + ei - ej)
                    - nll(pc - ei + ej)
                    + nll(pc - ei - ej)
                ) / (4 * steps[i] * steps[j])
            hess[i, j] = hess[j, i] = v
    try:
        cov = np.linalg.inv(hess)
        var = float(cov[0, 0])
    except np.linalg.LinAlgError:
        return math.nan
    return math.sqrt(var) if var > 0 else math.nan


def fit_windows(
    samples: list[np.ndarray],
    *,
    method: str = "ml",
    max_samples: int | None = None,
    seed: int = 0,
) -> list[SaSFit]:
    """:func:`fit_sas` on each array of ``samples`` (e.g. gradients per window).

    Parameters
    ----------
    samples : list of ndarray
        One sample per window (each as :func:`fit_sas` requires).
    method : {"ml", "cf"}
        As in :func:`fit_sas`.
    max_samples : int, optional
        As in :func:`fit_sas`.
    seed : int
        As in :func:`fit_sas` (the same seed for every window).

    Returns
    -------
    list of SaSFit
        One per window.

    Raises
    ------
    ValueError
        ``samples`` empty, or one sample degenerate (the message names its index).

    Warns
    -----
    EstimatorWarning
        Once in all, when some fits sit on a bound or did not converge (see their
        flags).
    """
    if len(samples) == 0:
        raise ValueError("samples is empty")
    out = []
    for k, smp in enumerate(samples):
        try:
            out.append(_fit_sas(smp, method, max_samples, seed))
        except ValueError as err:
            raise ValueError(f"samples[{k}]: {err}") from None
    bad = [k for k, f in enumerate(out) if f.at_bound or not f.converged]
    if bad:
        warn_limit(
            f"fit_windows: {len(bad)} of {len(out)} fits sit on a bound of alpha or "
            "did not "
            f"converge (windows {bad[:10]}; see at_bound / converged)"
        )
    return out
