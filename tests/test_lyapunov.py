"""Two-trajectory maximal Lyapunov exponent on maps with known exponents."""

import numpy as np
import pytest

from fractal_lib.core import fits
from fractal_lib.surfaces import lyapunov as L


def _logistic(x, n):
    for _ in range(n):
        x = 4.0 * x * (1.0 - x)
    return x


def test_logistic_map_r4_gives_ln2():
    x0 = np.random.default_rng(1).random((40, 1))
    res = L.max_lyapunov(_logistic, x0, d0=1e-9, interval=5, n_estimates=100)
    mean, lo, hi = fits.bootstrap_ci(res.estimates.mean(axis=1), n_boot=2000)
    assert abs(mean - np.log(2)) < 0.02 and lo < mean < hi


def test_linear_contraction_gives_log_of_largest_eigenvalue():
    a = np.array([[0.5, 0.2], [0.0, 0.8]])

    def adv(x, n):
        for _ in range(n):
            x = x @ a.T
        return x

    res = L.max_lyapunov(adv, np.ones((4, 2)), d0=0.1, interval=10, n_estimates=30)
    assert res.last == pytest.approx(np.log(0.8), abs=1e-3)


def test_seeded_and_validated():
    x0 = np.full((3, 1), 0.3)
    a = L.max_lyapunov(_logistic, x0, d0=1e-9, interval=3, n_estimates=5, seed=2)
    b = L.max_lyapunov(_logistic, x0, d0=1e-9, interval=3, n_estimates=5, seed=2)
    assert np.array_equal(a.estimates, b.estimates)
    with pytest.raises(ValueError, match="d0"):
        L.max_lyapunov(_logistic, x0, d0=0.0)
    with pytest.raises(ValueError, match="interval"):
        L.max_lyapunov(_logistic, x0, interval=0)
    with pytest.raises(ValueError, match="x0"):
        L.max_lyapunov(_logistic, np.full((3, 1), np.nan))
    with pytest.raises(ValueError, match="saturation"):
        L.max_lyapunov(_logistic, x0, saturation=0.0)
