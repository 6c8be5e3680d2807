"""Mittag-Leffler function, harmonic TAMSD and the fractional Langevin integrator."""

import numpy as np
import pytest
from scipy import special

from fractal_lib.diffusion import msd as D
from fractal_lib.surfaces import fractional_langevin as F


def test_mittag_leffler_known_closed_forms():
    x = np.array([0.0, 0.2, 0.9, 1.5, 4.0, 12.0])
    assert np.allclose(F.mittag_leffler(x, 1.0), np.exp(-x))
    assert np.allclose(
        F.mittag_leffler(x, 0.5), special.erfcx(x), rtol=1e-8, atol=1e-12
    )


def test_harmonic_tamsd_reduces_to_exponential_at_half():
    tau = np.logspace(0, 3, 30)
    got = F.harmonic_tamsd(tau, hurst=0.5, lr=1000.0, k=1e-5, thermal=3.0)
    assert np.allclose(got, 6.0 * (1 - np.exp(-1000.0 * 1e-5 * tau)))


def test_harmonic_tamsd_short_lags_are_subdiffusive_with_alpha():
    tau = np.array([1e-4, 2e-4])
    y = F.harmonic_tamsd(tau, hurst=0.7, lr=1.0, k=1.0, thermal=1.0)
    assert np.log(y[1] / y[0]) / np.log(2) == pytest.approx(0.6, abs=0.01)
    assert np.allclose(F.alpha_theory([0.2, 0.5, 0.7, 0.9]), [1, 1, 0.6, 0.2])


def test_fbm_variance():
    b = D.fbm(257, 0.3, 400, seed=0)
    assert b[100].var() == pytest.approx(100**0.6, rel=0.15)


def test_integrator_at_half_is_langevin_gd_and_equilibrates():
    # alpha = 1: x_{n+1} = x_n - eta k x_n + sqrt(2 eta T) xi
    #   ->  <x^2> = 2 eta T / (1 - (1 - eta k)^2)
    eta, k, temp = 0.1, 1.0, 0.5
    tr = F.fle_integrate(
        lambda x: k * x,
        np.zeros(300),
        400,
        lr=eta,
        hurst=0.5,
        temperature=temp,
        seed=1,
    )
    want = 2 * eta * temp / (1 - (1 - eta * k) ** 2)
    assert tr[:, 200:].var() == pytest.approx(want, rel=0.1)
    det = F.fle_integrate(lambda x: k * x, 1.0, 10, lr=eta, hurst=0.5)
    assert np.allclose(det[0], (1 - eta * k) ** np.arange(11))


def test_integrator_memory_slows_relaxation():
    fast = F.fle_integrate(lambda x: 0.01 * x, 1.0, 2000, lr=1.0, hurst=0.5)[0, -1]
    slow = F.fle_integrate(lambda x: 0.01 * x, 1.0, 2000, lr=1.0, hurst=0.7)[0, -1]
    assert 0 < fast < slow < 1


def test_fit_recovers_parameters():
    tau = np.arange(1, 1001)
    y = F.harmonic_tamsd(tau, hurst=0.65, lr=1000.0, k=2e-5, thermal=50.0)
    fit = F.fit_harmonic_tamsd(tau, y, lr=1000.0)
    assert fit.hurst == pytest.approx(0.65, abs=0.01) and fit.thermal == pytest.approx(
        50, rel=0.05
    )


def test_bad_input_raises():
    with pytest.raises(ValueError, match="a must"):
        F.mittag_leffler(1.0, 2.5)
    with pytest.raises(ValueError, match="hurst > 1/2"):
        F.harmonic_tamsd([1.0], hurst=0.4, lr=1, k=1, thermal=1, normalization="ly2025")
    with pytest.raises(ValueError, match="lr"):
        F.fle_integrate(lambda x: x, 0.0, 10, lr=0.0, hurst=0.6)


def test_washboard_gradient_takes_the_potential_from_the_caller():
    # defect: the paper's washboard was the default; now every parameter is required
    # and the Ly paper module passes its WASHBOARD.
    from fractal_lib.papers import ly2025

    with pytest.raises(TypeError):
        F.washboard_gradient(np.zeros(1))
    x = np.array([0.0, 100.0, -225.0, 225.0])
    got = F.washboard_gradient(x, **ly2025.WASHBOARD)
    wash = 2 * np.pi * 0.1 / 100.0  # 2 pi A / P with A = 0.1, P = 100; sin = -1, +1
    want = [0.0, 5e-4 * 100.0, -wash - 0.01, 0.01 - wash]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
