"""Tests of fractal_lib.diffusion.msd against trajectories with known answers."""

import math

import numpy as np
import pytest

from fractal_lib.diffusion import msd as D
from fractal_lib.papers import chen2022


def test_fft_msd_equals_direct_definition():
    x = (
        D.brownian(300, 4, seed=1) + 1e3
    )  # a large offset must not spoil the FFT formula
    lags, fast = D.tamsd(x)
    _, slow = D.tamsd_direct(x)
    np.testing.assert_allclose(fast, slow, rtol=1e-9)


def test_windows_equal_single_windows():
    x = D.brownian(500, 3, seed=2)
    tw, lags, msd = D.tamsd_windows(x, 120, stride=70, lags=np.arange(1, 60))
    for k, t in enumerate(tw):
        _, ref = D.tamsd_direct(x[t : t + 120], lags=lags)
        np.testing.assert_allclose(msd[k], ref, rtol=1e-9)


@pytest.mark.parametrize("hurst", [0.3, 0.5, 0.75])
def test_fbm_slope_is_two_h(hurst):
    x = D.fbm(4000, hurst, 32, seed=3)
    lags, msd = D.tamsd(x, lags=np.arange(1, 200))
    fit = D.fit_alpha(lags, msd, rmse_max=chen2022.RMSE_RULE)
    assert abs(fit.alpha - 2 * hurst) < 0.06
    assert (
        fit.rule_met and fit.tau0 == 1.0
    )  # a single power law: the rule accepts the whole range


def test_brownian_and_ballistic_slopes():
    lags, msd = D.tamsd(D.brownian(5000, 8, seed=4), lags=np.arange(1, 500))
    assert abs(D.fit_alpha(lags, msd).alpha - 1.0) < 0.05
    line = np.outer(np.arange(1000.0), [0.3, -0.2, 0.1])
    lags, msd = D.tamsd(line, lags=np.arange(1, 500))
    assert D.fit_alpha(lags, msd).alpha == pytest.approx(2.0, abs=1e-9)


def test_tau0_rule_finds_the_crossover():
    # MSD = tau^0.5 below tau = 50 and ~tau^1.6 above: tau_0 must land near the kink
    tau = np.arange(1, 1001, dtype=float)
    msd = np.where(tau < 50, tau**0.5, 50**0.5 * (tau / 50) ** 1.6)
    fit = D.fit_alpha(tau, msd, rmse_max=chen2022.RMSE_RULE)
    assert fit.rule_met and 30 <= fit.tau0 <= 80
    assert fit.alpha == pytest.approx(1.6, abs=0.03)
    assert fit.alpha_short < 1.0


def test_log_derivative_of_power_law():
    tau = np.arange(1, 200)
    t, beta = D.log_derivative(tau, tau**1.3, dtau=20)
    np.testing.assert_allclose(beta, 1.3, atol=1e-12)


def test_crossover_time_first_single_power_law_window():
    tau = np.arange(1, 300, dtype=float)
    kinked = np.where(tau < 30, tau**0.3, 30**0.3 * (tau / 30) ** 1.8)
    msds = np.stack([kinked, kinked, tau**0.7, tau**0.7])
    assert (
        D.crossover_time([0, 100, 200, 300], tau, msds, rmse_max=chen2022.RMSE_RULE)
        == 200
    )


def test_loss_fluctuations():
    loss = np.array([1.0, 3.0, 2.0, 2.0])
    np.testing.assert_allclose(D.abs_loss_change(loss), [2, 1, 0])
    x = np.random.default_rng(0).normal(size=300)
    mv = D.moving_variance(x, 50)
    np.testing.assert_allclose(mv[7], np.var(x[7:57]), rtol=1e-10)


def test_path_dimension_line_and_random_walk():
    line = np.outer(np.arange(300.0), [1.0, 2.0, -1.0])
    df, lam, _ = D.path_dimension(D.contour_vs_distance(line))
    assert df == pytest.approx(1.0, abs=1e-3)
    walk = D.brownian(1000, 20, seed=5)  # many coordinates: |x_j - x_i|^2 self-averages
    step = np.mean(np.linalg.norm(np.diff(walk, axis=0), axis=1))
    df, lam, _ = D.path_dimension(
        D.contour_vs_distance(walk), s_min=10 * step, s_max=300 * step
    )
    assert df == pytest.approx(2.0, abs=0.1)


def test_msl_mean_square_vs_square_of_mean():
    rng = np.random.default_rng(1)
    x = D.brownian(400, 2, seed=6)
    loss = rng.normal(
        size=400
    )  # loss independent of position: MSL = 2 var at every distance
    ms = D.msl_vs_distance(x, loss, n_bins=10)
    big = ms.counts > 500
    np.testing.assert_allclose(ms.r2[big], 2 * np.var(loss), rtol=0.15)
    sm = D.msl_vs_distance(x, loss, n_bins=10, mode="square_of_mean")
    assert np.all(sm.r2[big] < 0.2 * ms.r2[big])  # signed differences cancel


def test_transverse_self_similar_vs_self_affine():
    walk = D.brownian(20000, 2, seed=7)
    assert abs(D.transverse_scaling(walk, [10, 30, 100, 300], 300).slope - 1.0) < 0.15
    rng = np.random.default_rng(8)
    drift = np.cumsum(np.column_stack([np.ones(20000), rng.normal(size=20000)]), axis=0)
    # ballistic along x, diffusive across: h^2 ~ n, r^2 ~ n^2 -> slope 1/2 (self-affine)
    assert (
        abs(D.transverse_scaling(drift, [10, 30, 100, 300, 1000], 300).slope - 0.5)
        < 0.1
    )


def test_validation_and_determinism():
    with pytest.raises(ValueError, match="lags"):
        D.tamsd(np.zeros((10, 2)), lags=[0, 1])
    with pytest.raises(ValueError, match="window"):
        D.tamsd_windows(np.zeros((10, 2)), 11)
    with pytest.raises(ValueError, match="hurst"):
        D.fbm(10, 1.2)
    with pytest.raises(ValueError, match="x must be finite"):
        D.tamsd(np.array([0.0, math.nan, 1.0]))
    np.testing.assert_array_equal(
        D.fbm(100, 0.6, 2, seed=9), D.fbm(100, 0.6, 2, seed=9)
    )


def test_the_rmse_rule_threshold_belongs_to_the_paper():
    # defect: msd held the paper's RMSE_RULE = 0.03 (a duplicate of chen2022's) as
    # crossover_time's default; now the threshold is required and only chen2022 has it.
    assert not hasattr(D, "RMSE_RULE")
    assert chen2022.RMSE_RULE == 0.03
    tau = np.arange(1, 101, dtype=float)
    with pytest.raises(TypeError):
        D.crossover_time([0, 100], tau, np.stack([tau, tau]))
