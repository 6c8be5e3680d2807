"""Maximal Lyapunov exponent of a map by the two-trajectory renormalisation method.

Sprott's (and Benettin's) procedure, as used by Ly & Gong (2025) for gradient descent: a
reference state and a copy displaced by ``d0`` are advanced ``interval`` steps; the separation
``d1`` gives the estimate ``ln(d1/d0)/interval``; the copy is then put back at distance ``d0``
from the reference along the current separation, and the reference carries on. Trials (many
starting points) run in parallel as the rows of one array, so ``advance`` is called once per
renormalisation for all of them.

* :func:`max_lyapunov` returns every estimate of every trial.
* :func:`bootstrap_mean` is the percentile bootstrap of a mean (the paper: 10^4 resamples of
  the last estimate of each of 100 trials).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["LyapunovResult", "max_lyapunov", "bootstrap_mean"]

Advance = Callable[[np.ndarray, int], np.ndarray]


@dataclass(frozen=True)
class LyapunovResult:
    """Estimates of the maximal Lyapunov exponent.

    Attributes
    ----------
    estimates : ndarray (trials, n_estimates)
        ``ln(d1/d0)/interval`` after each renormalisation interval.
    collapsed : ndarray of bool (trials, n_estimates)
        Where the two copies met exactly (``d1 = 0``; the estimate is set to ``-inf``-free
        ``ln(tiny/d0)/interval`` and a fresh random direction is used).
    d0, interval : float, int
    """

    estimates: np.ndarray
    collapsed: np.ndarray
    d0: float
    interval: int

    @property
    def last(self) -> np.ndarray:
        """The last estimate of each trial (the paper's statistic)."""
        return self.estimates[:, -1]

    @property
    def running(self) -> np.ndarray:
        """Running mean over estimates of each trial (converges to the exponent)."""
        k = np.arange(1, self.estimates.shape[1] + 1)
        return np.cumsum(self.estimates, axis=1) / k

    def mean(self) -> float:
        """Mean over trials of each trial's mean estimate."""
        return float(self.estimates.mean())


def _random_unit(rng: np.random.Generator, m: int, d: int) -> np.ndarray:
    u = rng.standard_normal((m, d))
    n = np.linalg.norm(u, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return u / n


def max_lyapunov(
    advance: Advance,
    x0: np.ndarray,
    *,
    d0: float = 0.1,
    interval: int = 10,
    n_estimates: int = 100,
    seed: int = 0,
) -> LyapunovResult:
    """Two-trajectory estimate of the maximal Lyapunov exponent for many trials at once.

    Parameters
    ----------
    advance : callable
        ``advance(x, n)`` maps states ``x`` of shape ``(m, d)`` to the states ``n`` steps later.
        It must act row by row (trial ``i`` depends only on row ``i``).
    x0 : ndarray (trials, d)
        Starting states of the trials (already past any burn-in).
    d0 : float
        Separation after each renormalisation (> 0).
    interval : int
        Steps between renormalisations (>= 1).
    n_estimates : int
        Renormalisations per trial (>= 1).
    seed : int
        Seed of the initial perturbation directions.

    Returns
    -------
    LyapunovResult
    """
    x = np.array(x0, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 1 or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be a finite array of shape (trials, d), got shape {np.shape(x0)}")
    if not (math.isfinite(d0) and d0 > 0):
        raise ValueError(f"d0 must be a finite number > 0, got {d0}")
    if isinstance(interval, bool) or int(interval) != interval or interval < 1:
        raise ValueError(f"interval must be an integer >= 1, got {interval!r}")
    if isinstance(n_estimates, bool) or int(n_estimates) != n_estimates or n_estimates < 1:
        raise ValueError(f"n_estimates must be an integer >= 1, got {n_estimates!r}")
    rng = np.random.default_rng(seed)
    m, d = x.shape
    pert = x + d0 * _random_unit(rng, m, d)
    est = np.empty((m, int(n_estimates)))
    coll = np.zeros((m, int(n_estimates)), dtype=bool)
    tiny = np.finfo(float).tiny
    for k in range(int(n_estimates)):
        xr = advance(x, int(interval))
        xp = advance(pert, int(interval))
        sep = xp - xr
        d1 = np.linalg.norm(sep, axis=1)
        bad = ~np.isfinite(d1)
        if np.any(bad):
            raise FloatingPointError("the map produced non-finite states; restrict it to a bounded domain")
        zero = d1 <= 0
        coll[:, k] = zero
        est[:, k] = np.log(np.maximum(d1, tiny) / d0) / interval
        direction = np.where(zero[:, None], _random_unit(rng, m, d), sep / np.where(zero, 1.0, d1)[:, None])
        x = xr
        pert = xr + d0 * direction
    return LyapunovResult(est, coll, float(d0), int(interval))


def bootstrap_mean(values: np.ndarray, *, n_boot: int = 10_000, level: float = 0.95,
                   seed: int = 0) -> tuple[float, float, float]:
    """Percentile bootstrap of the mean.

    Returns
    -------
    (mean, low, high)
        Mean of the bootstrap means and the ``level`` percentile interval.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size < 2 or not np.all(np.isfinite(v)):
        raise ValueError("values must hold at least two finite numbers")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if int(n_boot) < 10:
        raise ValueError(f"n_boot must be >= 10, got {n_boot}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, v.size, (int(n_boot), v.size))
    means = v[idx].mean(axis=1)
    a = (1 - level) / 2 * 100
    lo, hi = np.percentile(means, [a, 100 - a])
    return float(means.mean()), float(lo), float(hi)
