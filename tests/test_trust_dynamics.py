"""Issue 11, cases 1 and 3 and their kinds: Lyapunov exponents that cannot be lost to
rounding or saturation, the Mittag-Leffler function against independent references, one
fBm generator, and flags on the fits of the fractional-Langevin and grid-descent
modules."""

import warnings

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.diffusion import msd as D
from fractal_lib.surfaces import fractional_langevin as F
from fractal_lib.surfaces import grid_descent as G
from fractal_lib.surfaces import lyapunov as L


def _gd_quadratic(x, n, eta_k=2.5):
    for _ in range(n):
        x = x - eta_k * x
    return x


def _logistic(x, n, r=4.0):
    for _ in range(n):
        x = np.clip(r * x * (1.0 - x), 0.0, 1.0)
    return x


# -----------------------------------------------------------------------------
# Lyapunov, case 1
def test_growing_gd_orbit_gives_ln_1p5_not_minus_42():
    # issue case 1: GD on k x^2/2 with eta k = 2.5 multiplies x by -1.5; |x| reaches
    # 1e35
    res = L.max_lyapunov(
        _gd_quadratic, np.ones((1, 1)), d0=1e-3, interval=10, n_estimates=20
    )
    assert res.n_collapsed == 0 and res.n_used[0] == 20
    assert res.mean() == pytest.approx(np.log(1.5), abs=1e-6)  # was -41.9
    assert res.rescaled.any()  # d0 was raised once rounding would have absorbed it


def test_logistic_r4_default_is_ln2_without_warning():
    x0 = np.random.default_rng(0).random((20, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        res = L.max_lyapunov(_logistic, x0, n_estimates=100)
    assert res.mean() == pytest.approx(
        np.log(2), abs=0.02
    )  # the old default d0 = 0.1 gave 0.090
    assert res.n_saturated == 0 and res.n_collapsed == 0


def test_logistic_r4_large_d0_is_flagged_saturated():
    x0 = np.random.default_rng(0).random((20, 1))
    with pytest.warns(EstimatorWarning, match="saturated"):
        res = L.max_lyapunov(_logistic, x0, d0=0.1, n_estimates=100)
    assert res.n_saturated > 0.5 * res.estimates.size
    assert res.mean() < 0.3  # the biased number is still there, but flagged


def test_known_negative_exponent_logistic_r25():
    # fixed point x* = 0.6 with f'(x*) = 2 - r = -0.5: exponent ln 0.5
    x0 = _logistic(np.random.default_rng(1).random((8, 1)), 200, r=2.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        res = L.max_lyapunov(lambda x, n: _logistic(x, n, 2.5), x0, n_estimates=30)
    assert res.mean() == pytest.approx(np.log(0.5), abs=1e-4)
    assert (res.n_used == 30).all()


def test_collapse_is_excluded_and_warned():
    # a constant map: both copies land on the same float, the separation is gone
    with pytest.warns(EstimatorWarning, match="collapsed"):
        res = L.max_lyapunov(
            lambda x, n: np.zeros_like(x) + 0.3, np.full((3, 1), 0.5), n_estimates=4
        )
    assert res.collapsed.all() and np.isnan(res.estimates).all()
    assert (res.n_used == 0).all() and np.isnan(res.mean())


def test_same_seed_same_numbers():
    x0 = np.random.default_rng(3).random((5, 1))
    a = L.max_lyapunov(_logistic, x0, n_estimates=20, seed=7)
    b = L.max_lyapunov(_logistic, x0, n_estimates=20, seed=7)
    c = L.max_lyapunov(
        _logistic, np.random.default_rng(3).random((5, 2)), n_estimates=20, seed=7
    )
    np.testing.assert_array_equal(a.estimates, b.estimates)
    assert c.estimates.shape == (5, 20)
    with pytest.raises(ValueError, match="advance"):
        L.max_lyapunov(lambda x, n: x[:, :1], np.ones((2, 2)))


@settings(max_examples=15, deadline=None)
@given(shift=st.floats(-10.0, 10.0), log_scale=st.floats(-3.0, 3.0))
def test_exponent_invariant_under_affine_conjugation(shift, log_scale):
    # y = shift + s x conjugates the logistic map; the exponent does not change
    s = 10.0**log_scale
    x0 = np.random.default_rng(0).random((16, 1))

    def conj(y, n):
        x = np.clip((y - shift * s) / s, 0.0, 1.0)
        return shift * s + s * _logistic(x, n)

    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        res = L.max_lyapunov(conj, shift * s + s * x0, n_estimates=50)
    assert res.mean() == pytest.approx(np.log(2), abs=0.04)


def test_ly2025_sweep_reports_the_flags():
    from fractal_lib.papers import ly2025 as P

    with pytest.warns(
        EstimatorWarning, match=r"of 8 trials, [1-9]\d* last estimates are saturated"
    ):
        out = P.lyapunov_sweep(
            64, 4, np.array([1.0, 300.0]), trials=4, estimates=5, burn_in=50, n_boot=100
        )
    assert out["saturated"].sum() > 0
    assert set(out) >= {
        "mean",
        "lo",
        "hi",
        "n_used",
        "collapsed",
        "saturated",
        "saturated_frac",
    }
    assert np.all(out["n_used"] + out["collapsed"] == 4)
    assert np.array_equal(out["n_used"], np.isfinite(out["last"]).sum(axis=1))


# -----------------------------------------------------------------------------
# Mittag-Leffler, case 3
def _ml_series(x, a):
    with mp.workdps(40 + int(x ** (1 / a) / 2.3)):
        x, a = mp.mpf(x), mp.mpf(a)
        s, k = mp.mpf(0), 0
        while True:
            t = (-x) ** k * mp.rgamma(a * k + 1)
            s += t
            k += 1
            if k > 10 and abs(t) < mp.mpf(10) ** -25 * abs(s):
                return float(s)


def _ml_asymptotic(x, a, terms=12):
    with mp.workdps(40):
        x, a = mp.mpf(x), mp.mpf(a)
        return float(
            sum(
                (-1) ** (k + 1) * x ** (-k) * mp.rgamma(1 - a * k)
                for k in range(1, terms + 1)
            )
        )


def test_issue_values():
    assert F.mittag_leffler(300.0, 0.5) == pytest.approx(
        special.erfcx(300.0), rel=1e-12
    )  # was 1e-44
    assert F.mittag_leffler(300.0, 0.5) == pytest.approx(1.881e-3, rel=1e-3)
    assert F.mittag_leffler(2000.0, 0.7) == pytest.approx(
        _ml_asymptotic(2000.0, 0.7), rel=1e-12
    )
    assert F.mittag_leffler(2000.0, 0.7) == pytest.approx(
        1.672e-4, rel=1e-3
    )  # was 1.8e-27
    y = F.harmonic_tamsd(np.array([1e3, 1e4, 1e5]), hurst=0.85, lr=1, k=1, thermal=1)
    # alpha = 2 - 2H = 0.3; E_0.3(-31.6) from its asymptotic series (error ~ x^-13 ~
    # 1e-19)
    want = 2 * (1 - _ml_asymptotic(1e5**0.3, 0.3))
    assert y[2] == pytest.approx(1.952, abs=1e-3) and y[2] < 2.0  # was exactly 2.0
    assert y[2] == pytest.approx(want, rel=1e-12)
    assert np.all(np.diff(y) > 0)


@pytest.mark.parametrize("a", [0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0])
def test_docstring_accuracy_against_the_mpmath_series(a):
    xs = np.array([0.0, 1e-3, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0])
    xs = xs[xs ** (1 / a) <= 200]
    ref = np.array([_ml_series(x, a) for x in xs])
    np.testing.assert_allclose(F.mittag_leffler(xs, a), ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("a", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_docstring_accuracy_at_large_argument(a):
    xs = np.array([1e3, 2e3, 1e5, 1e8])
    ref = np.array([_ml_asymptotic(x, a) for x in xs])
    np.testing.assert_allclose(F.mittag_leffler(xs, a), ref, rtol=1e-12, atol=0)


def test_closed_forms():
    x = np.logspace(-3, 6, 60)
    np.testing.assert_allclose(
        F.mittag_leffler(x, 0.5), special.erfcx(x), rtol=1e-12, atol=0
    )
    xe = x[x < 700]
    np.testing.assert_allclose(
        F.mittag_leffler(xe, 1.0), np.exp(-xe), rtol=1e-12, atol=0
    )
    t = np.linspace(0, 30, 61)
    np.testing.assert_allclose(
        F.mittag_leffler(t**2, 2.0), np.cos(t), rtol=0, atol=1e-12
    )
    xs = np.array([0.5, 3.0, 12.0, 30.0])
    ref = [_ml_series(v, 1.5) for v in xs]
    np.testing.assert_allclose(F.mittag_leffler(xs, 1.5), ref, rtol=0, atol=1e-12)
    assert F.mittag_leffler(np.zeros((2, 3)), 0.4).shape == (2, 3)


@settings(max_examples=25, deadline=None)
@given(
    a=st.one_of(st.floats(0.05, F.NEAR_ONE), st.just(1.0)),
    x=st.floats(0.0, 1e6),
    factor=st.floats(1.01, 10.0),
)
def test_completely_monotone_on_the_negative_axis(a, x, factor):
    e0, e1 = F.mittag_leffler(np.array([x, x * factor + 1e-3]), a)
    assert 0 <= e1 <= e0 * (1 + 1e-12) and e0 <= 1.0
    assert e1 > 0 or a == 1.0  # only exp(-x) underflows; a < 1 has a power-law tail


@pytest.mark.parametrize("a, rtol", [(1 - 1e-4, 5e-12), (1 - 1e-8, 1e-7)])
def test_orders_just_below_one_warn_and_keep_the_stated_accuracy(a, rtol):
    # reference: the algebraic asymptotic series at the float value of a (exact for
    # large x)
    am, x = mp.mpf(a), 750.0
    ref = float(
        sum(
            (-1) ** (k + 1) * mp.mpf(x) ** (-k) * mp.rgamma(1 - am * k)
            for k in range(1, 10)
        )
    )
    with pytest.warns(EstimatorWarning, match="0.999 < a < 1"):
        val = F.mittag_leffler(x, a)
    assert val == pytest.approx(ref, rel=rtol)


@pytest.mark.parametrize(
    "a, x",
    [
        (0.0, 1.0),
        (2.5, 1.0),
        (float("nan"), 1.0),
        (0.5, -1.0),
        (0.5, float("nan")),
        (0.5, []),
    ],
)
def test_mittag_leffler_rejects_bad_input(a, x):
    with pytest.raises(ValueError):
        F.mittag_leffler(x, a)


# ----------------------------------------------------------------------------- one fBm
def test_one_fbm_generator():
    # without a force the integrator's path is its noise: sigma x D.fbm of Hurst 1 - H
    tr = F.fle_integrate(
        lambda x: 0 * x, np.zeros(3), 100, lr=1.0, hurst=0.7, temperature=0.5, seed=4
    )
    sigma = np.sqrt(2 * 0.5 / special.gamma(1 + float(F.alpha_theory(0.7))))
    np.testing.assert_allclose(
        tr, sigma * D.fbm(101, 1 - 0.7, 3, seed=4).T, rtol=1e-13, atol=0
    )


@pytest.mark.parametrize("h", [0.2, 0.8])
def test_fbm_increments_have_the_fgn_covariance(h):
    inc = np.diff(D.fbm(9, h, 20_000, seed=1).T, axis=1)
    k = np.arange(8.0)
    gam = 0.5 * (np.abs(k + 1) ** (2 * h) - 2 * k ** (2 * h) + np.abs(k - 1) ** (2 * h))
    cov = inc.T @ inc / inc.shape[0]
    want = gam[np.abs(np.subtract.outer(np.arange(8), np.arange(8)))]
    assert np.abs(cov - want).max() < 0.04  # 20000 paths: sampling error ~ 0.01


# -----------------------------------------------------------------------------
# fractional-Langevin fit
def test_harmonic_fit_flags():
    tau = np.arange(1, 1001)
    y = F.harmonic_tamsd(tau, hurst=0.65, lr=1000.0, k=2e-5, thermal=50.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        fit = F.fit_harmonic_tamsd(tau, y, lr=1000.0)
    assert fit.converged and not fit.at_bound and fit.n_used >= 10
    assert fit.hurst == pytest.approx(0.65, abs=0.01)
    with pytest.warns(EstimatorWarning, match="converged=False"):
        fit = F.fit_harmonic_tamsd(tau, y, lr=1000.0, max_nfev=1)
    assert not fit.converged
    # exponential relaxation (alpha = 1) fitted where H must exceed 1/2: H ends on its
    # bound
    y1 = 2 * 3.0 * (1 - np.exp(-1000.0 * 1e-5 * tau))
    with pytest.warns(EstimatorWarning, match="bound"):
        fit = F.fit_harmonic_tamsd(tau, y1, lr=1000.0, normalization="ly2025")
    assert fit.at_bound
    with pytest.raises(ValueError, match="constant"):
        F.fit_harmonic_tamsd(tau, np.ones(tau.size), lr=1.0)


# ----------------------------------------------------------------------------- grid
# descent estimators
def test_power_law_fit_exact_and_flagged():
    r = np.logspace(0, 2, 30)
    fit = D.power_law_fit(r, 3.0 * r**1.7, x_min=2.0, x_max=50.0)
    assert fit.exponent == pytest.approx(
        1.7, abs=1e-12
    ) and fit.prefactor == pytest.approx(3.0)
    assert (
        fit.r2 == pytest.approx(1.0)
        and 2.0 <= fit.x_min
        and fit.x_max <= 50.0
        and not fit.few_points
    )
    with pytest.warns(EstimatorWarning, match="min_points"):
        few = D.power_law_fit(r, r**1.7, x_min=1.0, x_max=1.4)
    assert few.few_points and few.n_used < 5
    with pytest.raises(ValueError, match="at least 3"):
        D.power_law_fit(r, -r)
    with pytest.raises(ValueError, match="constant"):
        D.power_law_fit(np.full(5, 2.0), np.arange(1.0, 6.0))
    with pytest.raises(ValueError, match="same shape"):
        D.power_law_fit(r, r[:-1])
    assert np.isnan(D.power_law_fit(r, -r, strict=False).exponent)
    assert np.isnan(D.power_law_fit(np.full(5, 2.0), r[:5], strict=False).exponent)
    ln = D.power_law_fit(r, 3.0 * r**1.7, base=np.e)
    assert ln.exponent == pytest.approx(1.7, abs=1e-12)
    assert ln.prefactor == pytest.approx(3.0)
    with pytest.raises(ValueError, match="base"):
        D.power_law_fit(r, r, base=1.0)


@settings(max_examples=20, deadline=None)
@given(scale=st.floats(1e-6, 1e6), d=st.floats(0.3, 3.0))
def test_power_law_exponent_invariant_under_amplitude(scale, d):
    r = np.logspace(0, 2, 20)
    y = r**d * (1 + 0.1 * np.sin(np.arange(20)))
    assert D.power_law_fit(r, scale * y).exponent == pytest.approx(
        D.power_law_fit(r, y).exponent, abs=1e-9
    )


def test_degenerate_landscapes_raise_or_flag():
    flat = np.zeros((32, 32))
    with pytest.raises(ValueError, match="curvature"):
        G.roughness_flatness(flat, np.full((32, 32), 0.5), n_points=100, n_bins=5)
    y, x = np.mgrid[0:32, 0:32].astype(float)
    bowl = 0.01 * ((x - 15.5) ** 2 + (y - 15.5) ** 2) + 0.001 * np.sin(x * y)
    with pytest.raises(ValueError, match="constant"):
        G.roughness_flatness(bowl, np.full((32, 32), 0.5), n_points=100, n_bins=5)
    with pytest.raises(ValueError, match="centres"):
        G.cluster_counts(np.empty((0, 2)), np.ones((3, 2)), np.array([1.0]))
    with pytest.warns(EstimatorWarning, match="n_flat"):
        e = G.eos_sweep(flat, np.array([1.0, 10.0]), n_seeds=2, steps=5, n_last=2)
    assert (e.n_flat == 4).all()


def test_ly2025_boot_gives_no_interval_from_one_value():
    from fractal_lib.papers import ly2025 as P

    m, lo, hi = P._boot(np.array([0.3, np.nan, np.nan]), 100)
    assert m == 0.3 and np.isnan(lo) and np.isnan(hi)  # before: [0.3, 0.3]
    m, lo, hi = P._boot(np.array([0.1, 0.2, 0.3, 0.4]), 200)
    assert lo < m < hi


def test_harmonic_fit_on_noise_is_flagged_ill_posed():
    tau = np.arange(1, 50)
    y = np.random.default_rng(0).random(49) + 1
    with pytest.warns(EstimatorWarning, match="ill-posed"):
        fit = F.fit_harmonic_tamsd(
            tau, y, lr=1.0
        )  # before: k = 2.7e8, no flag, no warning
    assert fit.ill_posed
    # a well-posed curve stays unflagged
    y = F.harmonic_tamsd(
        np.arange(1, 1001), hurst=0.65, lr=1000.0, k=2e-5, thermal=50.0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        assert not F.fit_harmonic_tamsd(np.arange(1, 1001), y, lr=1000.0).ill_posed
