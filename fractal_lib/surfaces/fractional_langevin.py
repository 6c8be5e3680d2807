"""Fractional (generalised) Langevin dynamics: integrator and the harmonic-well TAMSD.

Ly & Gong (2025) model gradient descent in a basin of Hölder exponent ``H > 1/2`` by the
overdamped Langevin equation with a power-law memory kernel, ``alpha = 2 - 2H``:

.. math::  {}^{C}\\!D_t^{\\alpha} x = -\\eta_{\\rm eff} V'(x) + \\text{noise},

the Caputo derivative of order ``alpha`` on the left. Its integral (Volterra) form,
discretised with the product-rectangle rule, is

.. math::  x_n = x_0 - \\frac{\\eta_{\\rm eff}}{\\Gamma(1+\\alpha)} \\sum_{k<n}
          \\big[(n-k)^{\\alpha} - (n-k-1)^{\\alpha}\\big] V'(x_k) + \\sigma
          B_{\\alpha/2}(n),

with ``B_{alpha/2}`` a fractional Brownian motion of Hurst ``1 - H`` and ``eta`` the
learning rate (argument ``lr``). Two normalisations:

``"caputo"`` (default)
    ``eta_eff = eta`` and ``sigma = sqrt(2 eta T / Gamma(1 + alpha))``: at ``H = 1/2``
    this *is* GD with Langevin noise,
    ``x_{n+1} = x_n - eta V' + sqrt(2 eta T) N(0, 1)``, and the stationary harmonic
    TAMSD is ``2 <x^2> [1 - E_alpha(-eta k tau^alpha)]``.
``"ly2025"``
    The authors' code: kernel ``(t-s)^{-alpha}`` without the ``1/Gamma(1-alpha)`` of the
    Caputo derivative, so ``eta_eff = eta / Gamma(2H - 1)`` (only for ``H > 1/2``) and
    ``sigma = eta sqrt(2 / (beta Gamma(3-2H) Gamma(2H-1)))``; the TAMSD argument carries
    the same ``1/Gamma(2H-1)``.

:func:`mittag_leffler` evaluates ``E_a(-x)`` with the maintained package
``pymittagleffler`` (Garrappa's algorithm); its accuracy is tested against mpmath and
closed forms.
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
    "mittag_leffler",
    "harmonic_tamsd",
    "fle_integrate",
    "washboard_gradient",
    "HarmonicFit",
    "fit_harmonic_tamsd",
    "alpha_theory",
]


def _check_hurst_normalization(hurst: float, normalization: str) -> float:
    h = float(hurst)
    if not 0 < h < 1:
        raise ValueError(f"hurst must lie in (0, 1), got {hurst}")
    if normalization not in ("caputo", "ly2025"):
        raise ValueError(
            f"normalization must be 'caputo' or 'ly2025', got {normalization!r}"
        )
    if normalization == "ly2025" and h <= 0.5:
        raise ValueError(f"normalization='ly2025' needs hurst > 1/2, got {hurst}")
    return h


def alpha_theory(hurst: np.ndarray | float) -> np.ndarray:
    """The fractional-diffusion prediction ``alpha = min(1, 2 - 2H)``.

    Parameters
    ----------
    hurst : float or ndarray, any shape
        Hölder exponent(s) of the basin.

    Returns
    -------
    numpy.ndarray
        Diffusion exponent(s), shape of ``hurst``.

    References
    ----------
    Ly & Gong (2025): GD in a basin of Hölder exponent ``H`` diffuses with exponent
    ``2 - 2H`` for ``H > 1/2`` and normally below.
    """
    return np.minimum(1.0, 2.0 - 2.0 * np.asarray(hurst, dtype=np.float64))


# ----------------------------------------------------------------------- Mittag-Leffler
NEAR_ONE = 0.999
"""Above this order (and below 1) :func:`mittag_leffler` loses precision and warns."""


def mittag_leffler(x: np.ndarray | float, a: float) -> np.ndarray:
    """``E_a(-x)`` for real ``x >= 0``: the one-parameter Mittag-Leffler function.

    ``E_a(z) = sum_k z^k / Gamma(a k + 1)``; ``E_1(-x) = exp(-x)``,
    ``E_{1/2}(-x) = erfcx(x)``, ``E_2(-x) = cos(sqrt x)``. A thin, validating wrapper of
    ``pymittagleffler.mittag_leffler(-x, a, 1)`` (real part; the imaginary part of a
    real argument is zero).

    Accuracy (``tests/test_trust_dynamics.py``): relative error below ``1e-12`` for
    ``0 < a <= 0.999`` and for ``a = 1``, ``0 <= x <= 1e8``, against the power series
    summed in mpmath at high precision (moderate ``x``), the mpmath asymptotic series
    ``sum_k (-1)^{k+1} x^{-k} / Gamma(1 - a k)`` (large ``x``), ``exp`` and
    ``scipy.special.erfcx``; absolute error below ``1e-12`` for ``1 < a <= 2`` (mpmath
    series, ``cos``). For ``0 < a <= 1`` the function is completely monotone: it falls
    from 1 at ``x = 0`` and stays in ``(0, 1]``. Closer to 1 (``0.999 < a < 1``) the
    relative error grows like ``3e-16 / (1 - a)`` (measured: ``2.5e-12`` at
    ``a = 0.9999``, ``3.5e-8`` at ``1 - 1e-8``; at ``1 - 1e-16`` the algebraic tail
    ``~ (1 - a) / x`` is lost entirely); such orders warn once
    (:class:`~fractal_lib.core.checks.EstimatorWarning`).

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

    References
    ----------
    Garrappa (2015), SIAM J. Numer. Anal. 53, 1350 (the algorithm of
    ``pymittagleffler``).
    """
    a = float(a)
    if not (math.isfinite(a) and 0 < a <= 2):
        raise ValueError(f"a must lie in (0, 2], got {a}")
    xa = as_float_array(x, "x")
    if np.any(xa < 0):
        raise ValueError("x must be >= 0 (the function is evaluated at -x)")
    if NEAR_ONE < a < 1:
        warn_limit(
            "mittag_leffler: for 0.999 < a < 1 the relative error grows like 3e-16 / "
            "(1 - a) "
            "(pymittagleffler); the tail of E_a(-x) at large x may be lost"
        )
    flat = np.ascontiguousarray(-xa.ravel(), dtype=np.complex128)
    out = np.asarray(pymittagleffler.mittag_leffler(flat, a, 1.0))
    val = out.real.astype(np.float64)
    if not np.all(np.isfinite(val)):
        raise FloatingPointError(
            f"pymittagleffler returned a non-finite value for a = {a}"
        )
    return val.reshape(xa.shape)


def harmonic_tamsd(
    tau: np.ndarray,
    *,
    hurst: float,
    lr: float,
    k: float,
    thermal: float,
    normalization: str = "caputo",
) -> np.ndarray:
    """Stationary TAMSD in a harmonic well ``V = k x^2 / 2``.

    ``2 thermal [1 - E_alpha(-c lr k tau^alpha)]`` with ``alpha = min(1, 2 - 2H)``;
    ``c = 1`` (``"caputo"``; for ``H = 1/2`` this is
    ``2 thermal (1 - exp(-lr k tau))``) or ``c = 1/Gamma(2H - 1)`` (``"ly2025"``, the
    authors' form, ``H > 1/2``). ``thermal`` is the stationary ``<x^2>``. The
    Mittag-Leffler function is :func:`mittag_leffler` (accurate at every lag: the curve
    approaches ``2 thermal`` without reaching it).

    Parameters
    ----------
    tau : ndarray, any shape
        Lags (steps, >= 0).
    hurst : float
        Hölder exponent in (0, 1).
    lr, k, thermal : float
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

    References
    ----------
    Jeon & Metzler (2010), Phys. Rev. E 81, 021103 (fractional Langevin motion in a
    harmonic well, Mittag-Leffler relaxation of the MSD); Ly & Gong (2025), the
    fractional Langevin model of GD in a basin (``"ly2025"`` normalisation, from the
    authors' code).
    """
    h = _check_hurst_normalization(hurst, normalization)
    if not (lr > 0 and k > 0 and thermal > 0) or not all(
        map(math.isfinite, (lr, k, thermal))
    ):
        raise ValueError(
            f"lr, k and thermal must be finite and > 0, got {lr}, {k}, {thermal}"
        )
    a = float(alpha_theory(h))
    c = 1.0 if normalization == "caputo" else 1.0 / special.gamma(2 * h - 1)
    t = as_float_array(tau, "tau")
    if np.any(t < 0):
        raise ValueError("tau must be >= 0")
    return 2.0 * thermal * (1.0 - mittag_leffler(c * lr * k * t**a, a))


# --------------------------------------------------------------------------- integrator
def fle_integrate(
    gradient: Callable[[np.ndarray], np.ndarray],
    x0: float | np.ndarray,
    steps: int,
    *,
    lr: float,
    hurst: float,
    temperature: float = 0.0,
    beta: float | None = None,
    seed: int = 0,
    normalization: str = "caputo",
) -> np.ndarray:
    """Integrate the overdamped fractional Langevin equation (product-rectangle rule).

    ``x_n = x_0 - d sum_{k<n} [(n-k)^alpha - (n-k-1)^alpha] V'(x_k) + sigma B(n)`` with
    ``alpha = min(1, 2 - 2H)`` and ``B`` a fractional Brownian motion of Hurst ``1 - H``
    (``1/2`` when ``alpha = 1``), from :func:`fractal_lib.diffusion.msd.fbm`; ``d`` and
    ``sigma`` depend on ``normalization`` (module docstring).

    Parameters
    ----------
    gradient : callable
        ``V'(x)``, vectorised over an array of positions of shape ``(m,)``.
    x0 : float or ndarray, shape ``(m,)``
        Starting positions (``m`` independent trajectories).
    steps : int
        Number of steps, 1 to 200000 (the memory sum makes the cost ``O(m steps^2)``).
    lr : float
        Learning rate ``eta`` (> 0).
    hurst : float
        Hölder exponent of the basin in (0, 1): ``alpha = min(1, 2 - 2H)``.
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
    numpy.ndarray, shape ``(m, steps + 1)``
        Trajectories, starting at ``x0``.

    Raises
    ------
    ValueError
        ``hurst``, ``normalization``, ``lr``, ``steps`` or ``temperature`` out of range.
    FloatingPointError
        The trajectory diverged (a non-finite position).

    References
    ----------
    Jeon & Metzler (2010), Phys. Rev. E 81, 021103 (the fractional Langevin equation);
    Ly & Gong (2025) (its use for GD, ``"ly2025"`` normalisation from the authors'
    code).
    """
    h = _check_hurst_normalization(hurst, normalization)
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if int(steps) < 1 or int(steps) > 200_000:
        raise ValueError(f"steps must lie in [1, 200000], got {steps}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    n = int(steps)
    x_start = np.atleast_1d(as_float_array(x0, "x0"))
    m = x_start.size
    a = float(alpha_theory(h))
    if normalization == "caputo":
        drift = lr / special.gamma(1 + a)
        sigma = math.sqrt(2 * lr * temperature / special.gamma(1 + a))
    else:
        drift = lr / (special.gamma(2 * h - 1) * special.gamma(3 - 2 * h))
        sigma = (
            0.0
            if beta is None
            else lr
            * math.sqrt(
                2 / (beta * special.gamma(3 - 2 * h) * special.gamma(2 * h - 1))
            )
        )
    if sigma > 0:
        # fBm of Hurst 1 - H at t = 0 .. n, one path per row
        noise = sigma * _dif.fbm(n + 1, 1 - h if a < 1 else 0.5, m, seed=seed).T
    else:
        noise = np.zeros((m, n + 1))
    j = np.arange(n + 1, dtype=np.float64)
    w = (
        j[1:] ** a - j[:-1] ** a
    )  # w[i] = (i+1)^a - i^a, weight of the gradient i+1 steps back
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


def washboard_gradient(
    x: np.ndarray,
    *,
    amplitude: float,
    period: float,
    bias: float,
    radius: float,
    k: float,
) -> np.ndarray:
    """``V'`` of the authors' demo: harmonic well inside ``|x| < R``, washboard outside.

    ``V' = 2 pi A/P sin(2 pi x/P) - F`` for ``x < -R`` and its negative for ``x > R``:
    the particle slides down the washboard towards the smooth harmonic well.

    Parameters
    ----------
    x : ndarray, any shape
        Positions.
    amplitude : float
        Washboard amplitude ``A``.
    period : float
        Washboard period ``P`` (units of ``x``).
    bias : float
        Tilt ``F``.
    radius : float
        Half-width ``R`` of the harmonic well.
    k : float
        Curvature of the well.

    Returns
    -------
    numpy.ndarray
        ``V'(x)``, shape of ``x``.

    References
    ----------
    Ly & Gong (2025), the washboard demonstration of the authors' code.
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
        ``hurst`` ended on a bound of its range (``hurst_bounds``): the optimum may lie
        beyond.
    hurst_bounds : tuple of float
        The range searched for ``hurst``.
    n_used : int
        Lags fitted.
    ill_posed : bool
        The fitted curve does not constrain ``k`` (and ``hurst``): it is already within
        10 % of its plateau ``2 thermal`` at the first lag fitted (``k`` ran off to
        large values; the data look flat, e.g. noise), or still below 1 % of it at the
        last lag (``k`` and ``thermal`` only enter as a product). The numbers are then
        not estimates; one warning is issued.
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


def fit_harmonic_tamsd(
    tau: np.ndarray,
    tamsd: np.ndarray,
    *,
    lr: float,
    hurst0: float = 0.6,
    normalization: str = "caputo",
    n_points: int = 20,
    max_nfev: int = 400,
) -> HarmonicFit:
    """Fit ``(H, thermal, k)`` of :func:`harmonic_tamsd` on log-spaced lags.

    As the authors: least squares in log10 space, ``thermal`` started at half the mean
    of the upper half of the curve and ``k`` such that ``lr k tau`` is 1 at the
    geometric middle lag.

    Parameters
    ----------
    tau : ndarray, shape ``(n,)``
        Lags (steps); only lags ``>= 1`` with a positive TAMSD are used.
    tamsd : ndarray, shape ``(n,)``
        Measured TAMSD at ``tau``.
    lr : float
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
        Once, when the fit did not converge, ``hurst`` ended on a bound, or the fit is
        ill-posed (``HarmonicFit.ill_posed``: the fitted curve is flat over the lags,
        saturated from the first one, or never bends).

    References
    ----------
    Ly & Gong (2025), the harmonic-well fit of the late-window TAMSD (authors' code).
    """
    t = as_float_array(tau, "tau", ndim=1, finite="none")
    y = as_float_array(tamsd, "tamsd", ndim=1, finite="none")
    if t.shape != y.shape:
        raise ValueError(
            f"tau and tamsd must have the same shape, got {t.shape} and {y.shape}"
        )
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if int(n_points) < 4:
        raise ValueError(f"n_points must be >= 4, got {n_points}")
    if normalization not in ("caputo", "ly2025") or not 0 < hurst0 < 1:
        raise ValueError(
            f"normalization must be 'caputo' or 'ly2025' and hurst0 in (0, 1), "
            f"got {normalization!r}, {hurst0}"
        )
    sel = np.isfinite(t) & np.isfinite(y) & (t >= 1) & (y > 0)
    t, y = t[sel], y[sel]
    if t.size < 4:
        raise ValueError(
            f"tamsd has {t.size} positive finite values at lags >= 1, at least 4 needed"
        )
    as_float_array(y, "tamsd", nonconstant=True)
    idx = np.unique(
        np.round(np.logspace(0, np.log10(t.size), int(n_points))).astype(int) - 1
    )
    tt, yy = t[idx], y[idx]
    lo_h, hi_h = (0.5 + 1e-3 if normalization == "ly2025" else 0.3), 0.99
    th0 = float(np.mean(y[y.size // 2 :]) / 2)
    k0 = 1.0 / (lr * np.sqrt(tt[0] * tt[-1]))
    lt, ly = np.log10(tt), np.log10(yy)

    def resid(p: np.ndarray) -> np.ndarray:
        val = harmonic_tamsd(
            10**lt,
            hurst=p[0],
            lr=lr,
            k=10 ** p[2],
            thermal=10 ** p[1],
            normalization=normalization,
        )
        return np.log10(np.maximum(val, 1e-300)) - ly

    p0 = [min(max(hurst0, lo_h + 0.01), 0.95), math.log10(th0), math.log10(k0)]
    res = optimize.least_squares(
        resid,
        p0,
        bounds=([lo_h, -300, -300], [hi_h, 300, 300]),
        max_nfev=int(max_nfev),
        method="trf",
    )
    h = float(res.x[0])
    converged = bool(res.status > 0)
    at_bound = bool(min(h - lo_h, hi_h - h) <= 1e-3 * (hi_h - lo_h))
    th, kk = float(10 ** res.x[1]), float(10 ** res.x[2])
    # fraction of the plateau 2 thermal reached at the first and last lag fitted
    with np.errstate(all="ignore"):
        frac = harmonic_tamsd(
            np.array([tt[0], tt[-1]]),
            hurst=h,
            lr=lr,
            k=kk,
            thermal=th,
            normalization=normalization,
        ) / (2.0 * th)
    ill = bool(not np.all(np.isfinite(frac)) or frac[0] > 0.9 or frac[1] < 0.01)
    fit = HarmonicFit(
        h,
        th,
        kk,
        float(np.sqrt(np.mean(res.fun**2))),
        converged,
        at_bound,
        (lo_h, hi_h),
        int(tt.size),
        ill,
    )
    if not converged or at_bound or ill:
        why = (
            (
                f"; ill-posed: the fitted curve is at {frac[0]:.0%} of its plateau at "
                "the first lag and "
                f"{frac[1]:.0%} at the last (k = {kk:.3g} is not identified; "
                "ill_posed=True)"
            )
            if ill
            else ""
        )
        warn_limit(
            f"fit_harmonic_tamsd: converged={converged}, hurst={h:.4f} "
            f"{'on a bound of' if at_bound else 'inside'} [{lo_h:.3f}, "
            f"{hi_h:.2f}]{why}; "
            "see HarmonicFit.converged / .at_bound / .ill_posed"
        )
    return fit
