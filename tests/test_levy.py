"""Tests of the symmetric alpha-stable density and fits (fractal_lib.diffusion.levy)."""

import numpy as np
import pytest
from scipy import stats

from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.diffusion import levy


@pytest.mark.parametrize("alpha", [0.7, 1.0, 1.5, 1.95])
def test_density_matches_scipy(alpha):
    z = np.array([0.0, 0.4, 1.5, 4.0, 12.0, 19.0, 25.0, 80.0])
    ref = stats.levy_stable.pdf(z, alpha, 0.0)
    np.testing.assert_allclose(levy.sas_pdf(z, alpha), ref, rtol=2e-3)


def test_gaussian_limit_and_normalisation():
    z = np.linspace(-6, 6, 13)
    np.testing.assert_allclose(
        levy.sas_pdf(z, 2.0, gamma=0.5),
        stats.norm.pdf(z, 0, 0.5 * np.sqrt(2)),
        rtol=1e-6,
        atol=1e-12,
    )
    x = np.linspace(-400, 400, 400_001)
    assert np.trapezoid(levy.sas_pdf(x, 1.3), x) == pytest.approx(1.0, abs=2e-3)


def test_sampler_matches_cauchy():
    x = levy.sample_sas(1.0, 20000, gamma=2.0, seed=1)
    assert stats.kstest(x, stats.cauchy(scale=2.0).cdf).pvalue > 0.01


@pytest.mark.parametrize("alpha", [1.1, 1.7])
def test_ml_fit_covers_true_alpha(alpha):
    hits = 0
    for seed in range(3):
        x = levy.sample_sas(alpha, 5000, gamma=0.3, delta=0.1, seed=seed)
        fit = levy.fit_sas(x)
        lo, hi = fit.alpha_ci
        hits += lo <= alpha <= hi
        assert abs(fit.alpha - alpha) < 0.08
        assert fit.gamma == pytest.approx(0.3, rel=0.1)
        assert fit.llr_gaussian > 0
    assert hits >= 2  # 95 % intervals: at most one miss in three


def test_cf_estimator_and_gaussian_data():
    x = levy.sample_sas(1.3, 5000, seed=11)
    assert abs(levy.fit_sas(x, method="cf").alpha - 1.3) < 0.08
    g = np.random.default_rng(2).normal(size=5000)
    with pytest.warns(EstimatorWarning, match="Gaussian end"):
        fit = levy.fit_sas(g)
    assert fit.alpha > 1.9
    assert (
        fit.at_bound and fit.alpha_ci[1] == 2.0
    )  # one-sided interval, closed at alpha = 2
    assert (
        fit.vuong_p > 0.01 or fit.llr_gaussian < 5
    )  # no evidence against the Gaussian


def test_validation_and_determinism():
    with pytest.raises(ValueError, match="alpha"):
        levy.sas_logpdf(np.zeros(3), 0.2)
    with pytest.raises(ValueError, match="method"):
        levy.fit_sas(np.ones(100), method="x")
    with pytest.raises(ValueError, match="all-NaN"):
        levy.fit_sas(np.full(100, np.nan))
    np.testing.assert_array_equal(
        levy.sample_sas(1.2, 10, seed=3), levy.sample_sas(1.2, 10, seed=3)
    )
