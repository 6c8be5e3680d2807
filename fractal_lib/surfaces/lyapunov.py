"""Maximal Lyapunov exponent of a map by the two-trajectory renormalisation method.

Sprott's (and Benettin's) procedure, as used by Ly & Gong (2025) for gradient descent: a
reference state and a copy displaced by ``delta`` are advanced ``interval`` steps; the
separation ``d1`` gives the estimate ``ln(d1/delta)/interval``; the copy is then put
back at distance ``delta`` from the reference along the current separation, and the
reference carries on. Trials (many starting points) run in parallel as the rows of one
array, so ``advance`` is called once per renormalisation for all of them.

Two ways this estimate goes silently wrong are guarded against and reported:

* **Rounding.** When ``|x|`` is large, ``x + d0`` may round to ``x`` (or to a copy at a
  distance quite different from ``d0``). The separation is therefore never smaller than
  ``2^-32 |x|`` (about 20 significant bits of the difference survive), the *realised*
  separation of the stored copies is measured after rounding and used as the
  denominator, and an estimate whose final separation is not resolved above rounding
  (the copies met, ``collapsed``) is excluded (NaN), never averaged.
* **Saturation.** The method measures the *linear* growth rate only while the separation
  stays small compared to the orbit. An estimate whose separation grew beyond
  ``saturation`` times the trial's orbit size is flagged ``saturated`` (choose a smaller
  ``d0`` or ``interval``).

Both warn once per call (:class:`fractal_lib.core.checks.EstimatorWarning`). Confidence
intervals of the trial statistics come from :func:`fractal_lib.core.fits.bootstrap_ci`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.checks import as_float_array, warn_limit

__all__ = ["LyapunovResult", "max_lyapunov", "DEFAULT_REL_D0", "REL_FLOOR"]

DEFAULT_REL_D0 = 1e-8
"""Default separation relative to the spread of the starting states."""
REL_FLOOR = 2.0**-32
"""Smallest separation relative to ``|x|`` (below it too few bits survive)."""
_RESOLUTION = 64.0
"""A final separation below ``64 eps |x|`` is rounding noise: the copies collapsed."""

Advance = Callable[[np.ndarray, int], np.ndarray]


@dataclass(frozen=True)
class LyapunovResult:
    """Estimates of the maximal Lyapunov exponent, with what limited them.

    Attributes
    ----------
    estimates : ndarray, shape ``(trials, n_estimates)``
        ``ln(d1/delta)/interval`` after each renormalisation interval (per step, natural
        log); NaN where the estimate ``collapsed``.
    collapsed : ndarray of bool, shape ``(trials, n_estimates)``
        The separation was lost to rounding: the copies met (``d1`` not resolved above
        ``64 eps |x|``) or the perturbed copy did not differ from the reference by about
        ``delta``. These estimates are excluded (NaN); a fresh random direction is used
        next.
    saturated : ndarray of bool, shape ``(trials, n_estimates)``
        The separation grew to more than ``saturation`` times the trial's orbit size
        (RMS spread of its reference states): the copies left the linear regime and the
        estimate is biased low. Kept in ``estimates``, but flagged.
    rescaled : ndarray of bool, shape ``(trials, n_estimates)``
        The separation was raised from ``d0`` to ``2^-32 |x|`` so that rounding cannot
        absorb it.
    delta : ndarray, shape ``(trials, n_estimates)``
        Realised separation of the stored copies at the start of each interval.
    d0 : float
        Requested separation.
    interval : int
        Steps between renormalisations.
    saturation : float
        Saturation threshold (fraction of the orbit size).
    """

    estimates: np.ndarray
    collapsed: np.ndarray
    saturated: np.ndarray
    rescaled: np.ndarray
    delta: np.ndarray
    d0: float
    interval: int
    saturation: float

    @property
    def n_used(self) -> np.ndarray:
        """Usable (not collapsed) estimates per trial, shape ``(trials,)``."""
        return np.isfinite(self.estimates).sum(axis=1)

    @property
    def n_collapsed(self) -> int:
        """Number of estimates lost to rounding (excluded)."""
        return int(self.collapsed.sum())

    @property
    def n_saturated(self) -> int:
        """Number of estimates in the nonlinear (saturated) regime (kept, flagged)."""
        return int(self.saturated.sum())

    @property
    def last(self) -> np.ndarray:
        """The last estimate of each trial (the paper's statistic); NaN if collapsed."""
        return self.estimates[:, -1]

    @property
    def running(self) -> np.ndarray:
        """Running mean of the usable estimates of each trial (NaN before the first)."""
        ok = np.isfinite(self.estimates)
        num = np.cumsum(np.where(ok, self.estimates, 0.0), axis=1)
        cnt = np.cumsum(ok, axis=1)
        return np.divide(num, cnt, out=np.full(num.shape, np.nan), where=cnt > 0)

    def mean(self) -> float:
        """Mean of all usable estimates over trials and renormalisations.

        Returns
        -------
        float
            Per step, natural log; NaN when every estimate collapsed.
        """
        ok = np.isfinite(self.estimates)
        return float(self.estimates[ok].mean()) if ok.any() else float("nan")


def _random_unit(rng: np.random.Generator, m: int, d: int) -> np.ndarray:
    u = rng.standard_normal((m, d))
    n = np.linalg.norm(u, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return u / n


def max_lyapunov(
    advance: Advance,
    x0: np.ndarray,
    *,
    d0: float | None = None,
    interval: int = 10,
    n_estimates: int = 100,
    seed: int = 0,
    saturation: float = 0.1,
) -> LyapunovResult:
    """Two-trajectory estimate of the maximal Lyapunov exponent for many trials at once.

    Parameters
    ----------
    advance : callable
        ``advance(x, n)`` maps states ``x`` of shape ``(m, d)`` to the states ``n``
        steps later. It must act row by row (trial ``i`` depends only on row ``i``).
    x0 : ndarray, shape ``(trials, d)`` or ``(trials,)``
        Starting states of the trials (already past any burn-in).
    d0 : float, optional
        Separation after each renormalisation (> 0, units of the state). Default
        ``1e-8`` times the RMS spread of the starting states over trials (``max |x0|``
        when the spread is below ``1e-3 max |x0|``; 1 when ``x0`` is zero), so it
        follows translations and rescalings of the coordinate and stays linear over
        ``interval`` steps of a map with exponent up to about ``1.5`` per step. In every
        interval the separation is at least ``2^-32 |x|`` (``rescaled``), so that
        rounding cannot absorb it.
    interval : int
        Steps between renormalisations (>= 1).
    n_estimates : int
        Renormalisations per trial (>= 1).
    seed : int
        Seed of the initial (and post-collapse) perturbation directions: same seed, same
        numbers.
    saturation : float
        An estimate whose final separation exceeds both its initial one and
        ``saturation`` times the RMS spread of the trial's reference states is flagged
        ``saturated`` (in (0, inf)).

    Returns
    -------
    LyapunovResult
        Estimates per trial and renormalisation, with the ``collapsed`` / ``saturated``
        / ``rescaled`` masks and ``n_used``.

    Raises
    ------
    ValueError
        ``x0`` empty, non-finite or not 1-D/2-D; ``d0``, ``interval``, ``n_estimates``
        or ``saturation`` out of range; ``advance`` returning the wrong shape.
    FloatingPointError
        The map produced non-finite states.

    Warns
    -----
    EstimatorWarning
        Once, when any estimate collapsed (excluded) or saturated (flagged).

    References
    ----------
    Benettin, Galgani, Giorgilli & Strelcyn (1980), Meccanica 15, 9; Sprott (2003),
    *Chaos and Time-Series Analysis* (the two-trajectory method); Ly & Gong (2025), the
    Lyapunov exponent of GD against the learning rate.
    """
    x = np.array(as_float_array(x0, "x0", ndim=(1, 2)), dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if d0 is None:
        spread = float(np.sqrt(x.var(axis=0).sum())) if x.shape[0] > 1 else 0.0
        top = float(np.max(np.abs(x)))
        ref = (
            spread if spread > 1e-3 * top else top
        )  # a spread at rounding level is no scale
        d0 = DEFAULT_REL_D0 * (ref if ref > 0 else 1.0)
    d0 = float(d0)
    if not (math.isfinite(d0) and d0 > 0):
        raise ValueError(f"d0 must be a finite number > 0, got {d0}")
    if isinstance(interval, bool) or int(interval) != interval or interval < 1:
        raise ValueError(f"interval must be an integer >= 1, got {interval!r}")
    if (
        isinstance(n_estimates, bool)
        or int(n_estimates) != n_estimates
        or n_estimates < 1
    ):
        raise ValueError(f"n_estimates must be an integer >= 1, got {n_estimates!r}")
    if not (math.isfinite(saturation) and saturation > 0):
        raise ValueError(f"saturation must be a finite number > 0, got {saturation}")
    interval, n_est = int(interval), int(n_estimates)
    rng = np.random.default_rng(seed)
    m, d = x.shape
    eps = np.finfo(np.float64).eps
    shape = (m, n_est)
    est, real_d, final_d = np.full(shape, np.nan), np.empty(shape), np.empty(shape)
    coll, resc = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    refs = np.empty((m, n_est, d))
    direction = _random_unit(rng, m, d)
    for k in range(n_est):
        delta = np.maximum(d0, REL_FLOOR * np.linalg.norm(x, axis=1))
        resc[:, k] = delta > d0
        pert = x + delta[:, None] * direction
        real = np.linalg.norm(pert - x, axis=1)  # the separation rounding left of delta
        xr, xp = (
            _advance(advance, x, interval, m, d),
            _advance(advance, pert, interval, m, d),
        )
        sep = xp - xr
        d1 = np.linalg.norm(sep, axis=1)
        noise = (
            _RESOLUTION
            * eps
            * np.maximum(np.linalg.norm(xr, axis=1), np.linalg.norm(xp, axis=1))
        )
        lost = (np.abs(real - delta) > 1e-3 * delta) | (d1 <= noise)
        coll[:, k] = lost
        ok = ~lost
        est[ok, k] = np.log(d1[ok] / real[ok]) / interval
        real_d[:, k], final_d[:, k], refs[:, k] = real, d1, xr
        fresh = _random_unit(rng, m, d)
        direction = np.where(
            lost[:, None], fresh, sep / np.where(lost, 1.0, d1)[:, None]
        )
        x = xr
    top = np.max(np.abs(refs), axis=(1, 2))
    top = np.where(top > 0, top, 1.0)
    size = top * np.sqrt(
        (refs / top[:, None, None]).var(axis=1).sum(axis=1)
    )  # RMS spread of each orbit
    sat = ~coll & (final_d > real_d) & (final_d > saturation * size[:, None])
    res = LyapunovResult(est, coll, sat, resc, real_d, d0, interval, float(saturation))
    if res.n_collapsed or res.n_saturated:
        total = m * n_est
        warn_limit(
            f"max_lyapunov: {res.n_collapsed} of {total} estimates collapsed "
            "(separation lost to "
            f"rounding; excluded, see .collapsed), {res.n_saturated} saturated "
            "(separation beyond "
            f"{saturation:g} x the orbit size; biased low, see .saturated: lower d0 or "
            "interval)"
        )
    return res


def _advance(advance: Advance, x: np.ndarray, n: int, m: int, d: int) -> np.ndarray:
    out = np.asarray(advance(x, n), dtype=np.float64)
    if out.shape != (m, d):
        raise ValueError(f"advance must return shape {(m, d)}, got {out.shape}")
    if not np.all(np.isfinite(out)):
        raise FloatingPointError(
            "the map produced non-finite states; restrict it to a bounded domain"
        )
    return out
