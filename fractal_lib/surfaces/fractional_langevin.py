"""Fractional (generalised) Langevin dynamics: integrator and the harmonic-well TAMSD.

Ly & Gong (2025) model gradient descent in a basin of Hölder exponent ``H > 1/2`` by the
overdamped Langevin equation with a power-law memory kernel, ``alpha = 2 - 2H``:

.. math::  {}^{C}\\!D_t^{\\alpha} x = -\\eta_{\\rm eff} V'(x) + \\text{noise},

the Caputo derivative of order ``alpha`` on the left. Its integral (Volterra) form, discretised
with the product-rectangle rule, is

.. math::  x_n = x_0 - \\frac{\\eta_{\\rm eff}}{\\Gamma(1+\\alpha)} \\sum_{k<n}
          \\big[(n-k)^{\\alpha} - (n-k-1)^{\\alpha}\\big] V'(x_k) + \\sigma B_{\\alpha/2}(n),

with ``B_{alpha/2}`` a fractional Brownian motion of Hurst ``1 - H``. Two normalisations:

``"caputo"`` (default)
    ``eta_eff = eta`` and ``sigma = sqrt(2 eta T / Gamma(1 + alpha))``: at ``H = 1/2`` this *is*
    GD with Langevin noise, ``x_{n+1} = x_n - eta V' + sqrt(2 eta T) N(0, 1)``, and the
    stationary harmonic TAMSD is ``2 <x^2> [1 - E_alpha(-eta k tau^alpha)]``.
``"ly2025"``
    The authors' code: kernel ``(t-s)^{-alpha}`` without the ``1/Gamma(1-alpha)`` of the
    Caputo derivative, so ``eta_eff = eta / Gamma(2H - 1)`` (only for ``H > 1/2``) and
    ``sigma = eta sqrt(2 / (beta Gamma(3-2H) Gamma(2H-1)))``; the TAMSD argument carries the
    same ``1/Gamma(2H-1)``.

:func:`mittag_leffler` evaluates ``E_a(-x)`` with the maintained package ``pymittagleffler``
(Garrappa's algorithm); its accuracy is tested against mpmath and closed forms.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymittagleffler
from scipy import optimize, special

from ..core.checks import as_float_array, warn_limit
from ..diffusion import msd as _dif

__all__ = [
    "mittag_leffler", "harmonic_tamsd", "fbm_1d", "fle_integrate", "washboard_gradient",
    "HarmonicFit", "fit_harmonic_tamsd", "alpha_theory",
]



def _check_hurst_normalization(hurst: float, normalization: str) -> float:
    h = float(hurst)
    if not 0 < h < 1:
        raise ValueError(f"hurst must lie in (0, 1), got {hurst}")
    if normalization not in ("caputo", "ly2025"):
        raise ValueError(f"normalization must be 'caputo' or 'ly2025', got {normalization!r}")
    if normalization == "ly2025" and h <= 0.5:
        raise ValueError(f"normalization='ly2025' needs hurst > 1/2, got {hurst}")
    return h

def alpha_theory(h: np.ndarray | float) -> np.ndarray:
    """The fractional-diffusion prediction ``alpha = min(1, 2 - 2H)``."""
    return np.minimum(1.0, 2.0 - 2.0 * np.asarray(h, dtype=np.float64))


# ----------------------------------------------------------------------------- Mittag-Leffler
NEAR_ONE = 0.999
"""Above this order (and below 1) :func:`mittag_leffler` loses relative precision and warns."""


def mittag_leffler(x: np.ndarray | float, a: float) -> np.ndarray:
    """``E_a(-x)`` for real ``x >= 0``: the one-parameter Mittag-Leffler function on the negative axis.

    ``E_a(z) = sum_k z^k / Gamma(a k + 1)``; ``E_1(-x) = exp(-x)``, ``E_{1/2}(-x) = erfcx(x)``,
    ``E_2(-x) = cos(sqrt x)``. A thin, validating wrapper of
    ``pymittagleffler.mittag_leffler(-x, a, 1)`` (real part; the imaginary part of a real
    argument is zero).

    Accuracy (``tests/test_trust_dynamics.py``): relative error below ``1e-12`` for
    ``0 < a <= 0.999`` and for ``a = 1``, ``0 <= x <= 1e8``, against the power series summed in mpmath at high
    precision (moderate ``x``), the mpmath asymptotic series ``sum_k (-1)^{k+1} x^{-k} /
    Gamma(1 - a k)`` (large ``x``), ``exp`` and ``scipy.special.erfcx``; absolute error below
    ``1e-12`` for ``1 < a <= 2`` (mpmath series, ``cos``). For ``0 < a <= 1`` the function is
    completely monotone: it falls from 1 at ``x = 0`` and stays in ``(0, 1]``. Closer to 1
    (``0.999 < a < 1``) the relative error grows like ``3e-16 / (1 - a)`` (measured: ``2.5e-12``
    at ``a = 0.9999``, ``3.5e-8`` at ``1 - 1e-8``; at ``1 - 1e-16`` the algebraic tail
    ``~ (1 - a) / x`` is lost entirely); such orders warn once (:class:`EstimatorWarning`).

    Parameters
    ----------
    x : float or ndarray, any shape
        Non-negative, finite arguments (the function is evaluated at ``-x``).
    a : float
        Order, ``0 < a <= 2``.

    Returns
    -------
    numpy.ndarray
        ``E_a(-x)``, float64, shape of ``x``.

    Raises
    ------
    ValueError
        ``a`` outside ``(0, 2]``, ``x`` negative, non-finite or not numeric.
    """
    a = float(a)
    if not (math.isfinite(a) and 0 < a <= 2):
        raise ValueError(f"a must lie in (0, 2], got {a}")
    xa = as_float_array(x, "x")
    if np.any(xa < 0):
        raise ValueError("x must be >= 0 (the function is evaluated at -x)")
    if NEAR_ONE < a < 1:
        warn_limit("mittag_leffler: for 0.999 < a < 1 the relative error grows like 3e-16 / (1 - a) "
                   "(pymittagleffler); the tail of E_a(-x) at large x may be lost")
    flat = np.ascontiguousarray(-xa.ravel(), dtype=np.complex128)
    out = np.asarray(pymittagleffler.mittag_leffler(flat, a, 1.0))
    val = out.real.astype(np.float64)
    if not np.all(np.isfinite(val)):
        raise FloatingPointError(f"pymittagleffler returned a non-finite value for a = {a}")
    return val.reshape(xa.shape)


def harmonic_tamsd(tau: np.ndarray, *, hurst: float, eta: float, k: float, thermal: float,
                   normalization: str = "caputo") -> np.ndarray:
    """Stationary TAMSD in a harmonic well ``V = k x^2 / 2``.

    ``2 thermal [1 - E_alpha(-c eta k tau^alpha)]`` with ``alpha = min(1, 2 - 2H)``; ``c = 1``
    (``"caputo"``; for ``H = 1/2`` this is ``2 thermal (1 - exp(-eta k tau))``) or
    ``c = 1/Gamma(2H - 1)`` (``"ly2025"``, the authors' form, ``H > 1/2``). ``thermal`` is the
    stationary ``<x^2>``. The Mittag-Leffler function is :func:`mittag_leffler` (accurate at
    every lag: the curve approaches ``2 thermal`` without reaching it).

    Parameters
    ----------
    tau : ndarray, any shape
        Lags (steps, >= 0).
    hurst : float
        Hölder exponent in (0, 1).
    eta, k, thermal : float
        Learning rate, curvature of the well and stationary ``<x^2>`` (all > 0).
    normalization : {"caputo", "ly2025"}
        See the module docstring.

    Returns
    -------
    numpy.ndarray
        TAMSD, shape of ``tau``.

    Raises
    ------
    ValueError
        Parameters out of range, negative or non-finite lags.
    """
    h = _check_hurst_normalization(hurst, normalization)
    if not (eta > 0 and k > 0 and thermal > 0) or not all(map(math.isfinite, (eta, k, thermal))):
        raise ValueError(f"eta, k and thermal must be finite and > 0, got {eta}, {k}, {thermal}")
    a = float(alpha_theory(h))
    c = 1.0 if normalization == "caputo" else 1.0 / special.gamma(2 * h - 1)
    t = as_float_array(tau, "tau")
    if np.any(t < 0):
        raise ValueError("tau must be >= 0")
    return 2.0 * thermal * (1.0 - mittag_leffler(c * eta * k * t**a, a))


# ----------------------------------------------------------------------------- fBm in 1-D
def fbm_1d(n: int, hurst: float, *, seed: int, size: int = 1) -> np.ndarray:
    """Fractional Brownian motion at ``t = 0, 1, ..., n``, ``Var B(t) = t^{2H}`` (exact).

    The library's one fBm generator, :func:`fractal_lib.diffusion.msd.fbm` (Davies-Harte circulant
    embedding), laid out one path per row.

    Parameters
    ----------
    n : int
        Steps (>= 1).
    hurst : float
        Hurst exponent in (0, 1).
    seed : int
        Seed (same seed, same paths).
    size : int
        Independent paths (>= 1).

    Returns
    -------
    numpy.ndarray, shape ``(size, n + 1)``
        Paths starting at 0.

    Raises
    ------
    ValueError
        ``n``, ``hurst`` or ``size`` out of range.
    """
    if int(n) < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return _dif.fbm(int(n) + 1, hurst, int(size), seed=seed).T


# ----------------------------------------------------------------------------- integrator
def fle_integrate(
    gradient: Callable[[np.ndarray], np.ndarray],
    x0: float | np.ndarray,
    n_steps: int,
    *,
    eta: float,
    hurst: float,
    temperature: float = 0.0,
    beta: float | None = None,
    seed: int = 0,
    normalization: str = "caputo",
) -> np.ndarray:
    """Integrate the overdamped fractional Langevin equation (product-rectangle rule).

    Parameters
    ----------
    gradient : callable
        ``V'(x)``, vectorised over an array of positions.
    x0 : float or ndarray (m,)
        Starting positions (``m`` independent trajectories).
    n_steps : int
        Number of steps (the memory sum makes the cost ``O(m n_steps^2)``).
    eta : float
        Learning rate (> 0).
    hurst : float
        Hölder exponent of the basin: ``alpha = min(1, 2 - 2H)``.
    temperature : float
        ``T`` of the ``"caputo"`` noise (>= 0).
    beta : float, optional
        Inverse temperature of the ``"ly2025"`` noise (None: no noise).
    seed : int
        Seed of the fractional noise.
    normalization : {"caputo", "ly2025"}
        See the module docstring.

    Returns
    -------
    numpy.ndarray (m, n_steps + 1)
    """
    h = _check_hurst_normalization(hurst, normalization)
    if not eta > 0:
        raise ValueError(f"eta must be > 0, got {eta}")
    if int(n_steps) < 1 or int(n_steps) > 200_000:
        raise ValueError(f"n_steps must lie in [1, 200000], got {n_steps}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    n = int(n_steps)
    x_start = np.atleast_1d(as_float_array(x0, "x0"))
    m = x_start.size
    a = float(alpha_theory(h))
    if normalization == "caputo":
        drift = eta / special.gamma(1 + a)
        sigma = math.sqrt(2 * eta * temperature / special.gamma(1 + a))
    else:
        drift = eta / (special.gamma(2 * h - 1) * special.gamma(3 - 2 * h))
        sigma = 0.0 if beta is None else eta * math.sqrt(2 / (beta * special.gamma(3 - 2 * h)
                                                               * special.gamma(2 * h - 1)))
    if sigma > 0:
        noise = sigma * fbm_1d(n, 1 - h if a < 1 else 0.5, seed=seed, size=m)
    else:
        noise = np.zeros((m, n + 1))
    j = np.arange(n + 1, dtype=np.float64)
    w = j[1:] ** a - j[:-1] ** a  # w[i] = (i+1)^a - i^a, weight of the gradient i+1 steps back
    traj = np.empty((m, n + 1))
    traj[:, 0] = x_start
    grads = np.empty((m, n))
    for step in range(1, n + 1):
        g = np.asarray(gradient(traj[:, step - 1]), dtype=np.float64)
        grads[:, step - 1] = g
        mem = grads[:, :step] @ w[:step][::-1]
        traj[:, step] = x_start - drift * mem + noise[:, step]
        if not np.all(np.isfinite(traj[:, step])):
            raise FloatingPointError(f"the trajectory diverged at step {step}")
    return traj


def washboard_gradient(x: np.ndarray, *, amplitude: float = 0.1, period: float = 100.0,
                       bias: float = 0.01, radius: float = 200.0, k: float = 5e-4) -> np.ndarray:
    """``V'`` of the authors' demo: harmonic ``k x`` for ``|x| < R``, tilted washboard outside.

    ``V' = 2 pi A/P sin(2 pi x/P) - F`` for ``x < -R`` and its negative for ``x > R``: the
    particle slides down the washboard towards the smooth harmonic well.
    """
    xa = np.asarray(x, dtype=np.float64)
    wash = 2 * np.pi * amplitude / period * np.sin(2 * np.pi * xa / period) - bias
    return np.where(np.abs(xa) < radius, k * xa, np.where(xa < -radius, wash, -wash))


@dataclass(frozen=True)
class HarmonicFit:
    """Fit of :func:`harmonic_tamsd` to a measured TAMSD (log-space least squares).

    Attributes
    ----------
    hurst, thermal, k : float
        Fitted Hölder exponent, stationary ``<x^2>`` and curvature.
    rms_log10 : float
        RMS residual in decades.
    converged : bool
        The optimiser met a tolerance (False: it stopped at the evaluation limit).
    at_bound : bool
        ``hurst`` ended on a bound of its range (``hurst_bounds``): the optimum may lie beyond.
    hurst_bounds : tuple of float
        The range searched for ``hurst``.
    n_used : int
        Lags fitted.
    ill_posed : bool
        The fitted curve does not constrain ``k`` (and ``hurst``): it is already within 10 % of
        its plateau ``2 thermal`` at the first lag fitted (``k`` ran off to large values; the data
        look flat, e.g. noise), or still below 1 % of it at the last lag (``k`` and ``thermal``
        only enter as a product). The numbers are then not estimates; one warning is issued.
    """

    hurst: float
    thermal: float
    k: float
    rms_log10: float
    converged: bool = True
    at_bound: bool = False
    hurst_bounds: tuple[float, float] = (0.3, 0.99)
    n_used: int = 0
    ill_posed: bool = False


def fit_harmonic_tamsd(tau: np.ndarray, tamsd: np.ndarray, *, eta: float, hurst0: float = 0.6,
                       normalization: str = "caputo", n_points: int = 20,
                       max_nfev: int = 400) -> HarmonicFit:
    """Fit ``(H, thermal, k)`` of :func:`harmonic_tamsd` on ``n_points`` log-spaced lags.

    As the authors: least squares in log10 space, ``thermal`` started at half the mean of the
    upper half of the curve and ``k`` such that ``eta k tau`` is 1 at the geometric middle lag.

    Parameters
    ----------
    tau : ndarray, shape ``(n,)``
        Lags (steps); only lags ``>= 1`` with a positive TAMSD are used.
    tamsd : ndarray, shape ``(n,)``
        Measured TAMSD at ``tau``.
    eta : float
        Learning rate (> 0).
    hurst0 : float
        Starting Hölder exponent.
    normalization : {"caputo", "ly2025"}
        See the module docstring; ``"ly2025"`` restricts ``H`` to ``(1/2, 0.99]``.
    n_points : int
        Log-spaced lags fitted (>= 4).
    max_nfev : int
        Evaluation limit of the optimiser.

    Returns
    -------
    HarmonicFit
        With ``converged`` / ``at_bound`` flags.

    Raises
    ------
    ValueError
        Mismatched or non-numeric input, fewer than 4 usable lags, a constant TAMSD.

    Warns
    -----
    EstimatorWarning
        Once, when the fit did not converge, ``hurst`` ended on a bound, or the fit is ill-posed
        (``HarmonicFit.ill_posed``: the fitted curve is flat over the lags, saturated from the
        first one, or never bends).
    """
    t = as_float_array(tau, "tau", ndim=1, finite="none")
    y = as_float_array(tamsd, "tamsd", ndim=1, finite="none")
    if t.shape != y.shape:
        raise ValueError(f"tau and tamsd must have the same shape, got {t.shape} and {y.shape}")
    if not eta > 0:
        raise ValueError(f"eta must be > 0, got {eta}")
    if int(n_points) < 4:
        raise ValueError(f"n_points must be >= 4, got {n_points}")
    if normalization not in ("caputo", "ly2025") or not 0 < hurst0 < 1:
        raise ValueError(f"normalization must be 'caputo' or 'ly2025' and hurst0 in (0, 1), "
                         f"got {normalization!r}, {hurst0}")
    sel = np.isfinite(t) & np.isfinite(y) & (t >= 1) & (y > 0)
    t, y = t[sel], y[sel]
    if t.size < 4:
        raise ValueError(f"tamsd has {t.size} positive finite values at lags >= 1, at least 4 needed")
    as_float_array(y, "tamsd", nonconstant=True)
    idx = np.unique(np.round(np.logspace(0, np.log10(t.size), int(n_points))).astype(int) - 1)
    tt, yy = t[idx], y[idx]
    lo_h, hi_h = (0.5 + 1e-3 if normalization == "ly2025" else 0.3), 0.99
    th0 = float(np.mean(y[y.size // 2:]) / 2)
    k0 = 1.0 / (eta * np.sqrt(tt[0] * tt[-1]))
    lt, ly = np.log10(tt), np.log10(yy)

    def resid(p: np.ndarray) -> np.ndarray:
        val = harmonic_tamsd(10**lt, hurst=p[0], eta=eta, k=10 ** p[2], thermal=10 ** p[1],
                             normalization=normalization)
        return np.log10(np.maximum(val, 1e-300)) - ly

    p0 = [min(max(hurst0, lo_h + 0.01), 0.95), math.log10(th0), math.log10(k0)]
    res = optimize.least_squares(resid, p0, bounds=([lo_h, -300, -300], [hi_h, 300, 300]),
                                 max_nfev=int(max_nfev), method="trf")
    h = float(res.x[0])
    converged = bool(res.status > 0)
    at_bound = bool(min(h - lo_h, hi_h - h) <= 1e-3 * (hi_h - lo_h))
    th, kk = float(10 ** res.x[1]), float(10 ** res.x[2])
    # fraction of the plateau 2 thermal reached at the first and last lag fitted
    with np.errstate(all="ignore"):
        frac = harmonic_tamsd(np.array([tt[0], tt[-1]]), hurst=h, eta=eta, k=kk, thermal=th,
                              normalization=normalization) / (2.0 * th)
    ill = bool(not np.all(np.isfinite(frac)) or frac[0] > 0.9 or frac[1] < 0.01)
    fit = HarmonicFit(h, th, kk, float(np.sqrt(np.mean(res.fun**2))), converged, at_bound, (lo_h, hi_h),
                      int(tt.size), ill)
    if not converged or at_bound or ill:
        why = (f"; ill-posed: the fitted curve is at {frac[0]:.0%} of its plateau at the first lag and "
               f"{frac[1]:.0%} at the last (k = {kk:.3g} is not identified; ill_posed=True)") if ill else ""
        warn_limit(f"fit_harmonic_tamsd: converged={converged}, hurst={h:.4f} "
                   f"{'on a bound of' if at_bound else 'inside'} [{lo_h:.3f}, {hi_h:.2f}]{why}; "
                   "see HarmonicFit.converged / .at_bound / .ill_posed")
    return fit
