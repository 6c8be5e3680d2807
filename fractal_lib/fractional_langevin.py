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

:func:`mittag_leffler` evaluates ``E_a(-x)`` for ``0 < a <= 1`` (series for small ``x``,
Gorenflo-Mainardi's completely-monotone integral otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special

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
def _ml_series(a: float, x: float) -> float:
    total, k = 0.0, 0
    while True:
        term = (-x) ** k / special.gamma(a * k + 1.0)
        total += term
        k += 1
        if (abs(term) < 1e-17 * max(1.0, abs(total)) and k > 5) or k > 400:
            return total


def _ml_integral(a: float, x: float) -> float:
    # E_a(-t^a) = int_0^inf exp(-r t) K_a(r) dr, K_a(r) = sin(a pi)/pi r^{a-1}/(r^{2a} + 2 r^a cos(a pi) + 1)
    t = x ** (1.0 / a)
    s, c = math.sin(a * math.pi), math.cos(a * math.pi)

    def k(r: float) -> float:
        ra = r**a
        return s / math.pi * ra / r / (ra * ra + 2.0 * ra * c + 1.0) * math.exp(-r * t)

    lo, _ = integrate.quad(k, 0.0, 1.0, limit=200)
    hi, _ = integrate.quad(k, 1.0, np.inf, limit=200)
    return lo + hi


def mittag_leffler(x: np.ndarray | float, a: float) -> np.ndarray:
    """``E_a(-x)`` for ``x >= 0`` and ``0 < a <= 1`` (one-parameter Mittag-Leffler function).

    ``E_1(-x) = exp(-x)``; ``E_{1/2}(-x) = exp(x^2) erfc(x)``. Accurate to ~1e-10.
    """
    a = float(a)
    if not 0 < a <= 1:
        raise ValueError(f"a must lie in (0, 1], got {a}")
    xa = np.asarray(x, dtype=np.float64)
    if np.any(xa < 0) or not np.all(np.isfinite(xa)):
        raise ValueError("x must be finite and >= 0")
    if a == 1.0:
        return np.exp(-xa)
    flat = xa.ravel()
    out = np.empty_like(flat)
    for i, v in enumerate(flat):
        out[i] = _ml_series(a, v) if v <= 1.0 else _ml_integral(a, v)
    return out.reshape(xa.shape)


def harmonic_tamsd(tau: np.ndarray, *, hurst: float, eta: float, k: float, thermal: float,
                   normalization: str = "caputo") -> np.ndarray:
    """Stationary TAMSD in a harmonic well ``V = k x^2 / 2``.

    ``2 thermal [1 - E_alpha(-c eta k tau^alpha)]`` with ``alpha = min(1, 2 - 2H)``; ``c = 1``
    (``"caputo"``; for ``H = 1/2`` this is ``2 thermal (1 - exp(-eta k tau))``) or
    ``c = 1/Gamma(2H - 1)`` (``"ly2025"``, the authors' form, ``H > 1/2``). ``thermal`` is the
    stationary ``<x^2>``.
    """
    h = _check_hurst_normalization(hurst, normalization)
    if eta <= 0 or k <= 0 or thermal <= 0:
        raise ValueError("eta, k and thermal must be > 0")
    a = float(alpha_theory(h))
    c = 1.0 if normalization == "caputo" else 1.0 / special.gamma(2 * h - 1)
    t = np.asarray(tau, dtype=np.float64)
    if np.any(t < 0):
        raise ValueError("tau must be >= 0")
    return 2.0 * thermal * (1.0 - mittag_leffler(c * eta * k * t**a, a))


# ----------------------------------------------------------------------------- fBm in 1-D
def fbm_1d(n: int, hurst: float, *, seed: int, size: int = 1) -> np.ndarray:
    """Fractional Brownian motion at ``t = 0, 1, ..., n`` (Davies-Harte), ``Var B(t) = t^{2H}``.

    Returns an array of shape ``(size, n + 1)`` starting at 0.
    """
    h = float(hurst)
    if not 0 < h < 1:
        raise ValueError(f"hurst must lie in (0, 1), got {hurst}")
    if int(n) < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    n = int(n)
    kk = np.arange(n + 1, dtype=np.float64)
    gam = 0.5 * ((kk + 1) ** (2 * h) - 2 * kk ** (2 * h) + np.abs(kk - 1) ** (2 * h))
    row = np.concatenate([gam[:n], gam[n:0:-1]])  # length 2n circulant
    lam = np.fft.fft(row).real
    lam = np.clip(lam, 0.0, None)
    rng = np.random.default_rng(seed)
    m = row.size
    z = rng.standard_normal((size, m)) + 1j * rng.standard_normal((size, m))
    w = np.fft.fft(np.sqrt(lam / m) * z, axis=1)[:, :n].real
    out = np.zeros((size, n + 1))
    out[:, 1:] = np.cumsum(w, axis=1)
    return out


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
    x_start = np.atleast_1d(np.asarray(x0, dtype=np.float64))
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
    """Fit of :func:`harmonic_tamsd` to a measured TAMSD (log-space least squares)."""

    hurst: float
    thermal: float
    k: float
    rms_log10: float


def fit_harmonic_tamsd(tau: np.ndarray, tamsd: np.ndarray, *, eta: float, hurst0: float = 0.6,
                       normalization: str = "caputo", n_points: int = 20) -> HarmonicFit:
    """Fit ``(H, thermal, k)`` of :func:`harmonic_tamsd` on ``n_points`` log-spaced lags.

    As the authors: ``curve_fit`` in log10 space, ``thermal`` started at half the mean of the
    upper half of the curve and ``k`` such that ``eta k tau`` is 1 at the middle lag.
    """
    t = np.asarray(tau, dtype=np.float64)
    y = np.asarray(tamsd, dtype=np.float64)
    sel = (t >= 1) & (y > 0)
    t, y = t[sel], y[sel]
    if t.size < 4:
        raise ValueError("need at least 4 positive lags >= 1")
    idx = np.unique(np.round(np.logspace(0, np.log10(t.size), n_points)).astype(int) - 1)
    tt, yy = t[idx], y[idx]
    lo_h = 0.5 + 1e-3 if normalization == "ly2025" else 0.3
    th0 = float(np.mean(y[y.size // 2:]) / 2)
    k0 = 1.0 / (eta * np.sqrt(tt[0] * tt[-1]))

    def model(lt: np.ndarray, h: float, lth: float, lk: float) -> np.ndarray:
        val = harmonic_tamsd(10**lt, hurst=h, eta=eta, k=10**lk, thermal=10**lth,
                             normalization=normalization)
        return np.log10(np.maximum(val, 1e-300))

    p0 = [min(max(hurst0, lo_h + 0.01), 0.95), math.log10(th0), math.log10(k0)]
    popt, _ = optimize.curve_fit(model, np.log10(tt), np.log10(yy), p0=p0,
                                 bounds=([lo_h, -300, -300], [0.99, 300, 300]), max_nfev=400)
    resid = model(np.log10(tt), *popt) - np.log10(yy)
    return HarmonicFit(float(popt[0]), float(10 ** popt[1]), float(10 ** popt[2]),
                       float(np.sqrt(np.mean(resid**2))))
