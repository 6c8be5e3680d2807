"""Multifractal toolkit against closed forms: binomial cascade, uniform and quadratic
measures."""

from __future__ import annotations

import numpy as np
import pytest

from fractal_lib.core.fits import bootstrap_ci
from fractal_lib.multifractal import measures as mf

Q = np.array([-3, -2, -1.5, -1, -0.5, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4])
LEVELS = 12
EPS = 2.0 ** -np.arange(1, LEVELS + 1)


@pytest.mark.parametrize("p", [0.3, 0.2])
def test_binomial_cascade_tau_exact(p):
    # Z(q, 2^-n) = (p^q + (1-p)^q)^n exactly, so the fit recovers tau to rounding (tol
    # 1e-9)
    mu = mf.binomial_cascade(p, LEVELS)
    fit = mf.mass_exponents(mu, EPS, Q, window=(2, LEVELS))
    np.testing.assert_allclose(fit.tau, mf.binomial_tau(Q, p), atol=1e-9)
    assert np.all(fit.r2[Q != 1] > 1 - 1e-12)  # at q = 1, ln Z = 0 up to rounding
    assert abs(fit.tau[Q == 1][0]) < 1e-12  # tau(1) = 0 always


def test_binomial_cascade_spectra():
    p = 0.3
    mu = mf.binomial_cascade(p, LEVELS)
    alpha, f = mf.binomial_spectrum(Q, p)
    for form in (
        "slope",
        "ratio",
    ):  # boxes of size eps: both forms are exact for the cascade
        cj = mf.chhabra_jensen(mu, EPS, Q, window=(2, LEVELS), form=form)
        np.testing.assert_allclose(cj.alpha, alpha, atol=1e-9)
        np.testing.assert_allclose(cj.f, f, atol=1e-9)
    # Legendre transform of the fitted tau on a fine q grid (finite-difference error
    # O(dq^2))
    qf = np.linspace(-3, 4, 281)
    leg = mf.legendre_spectrum(qf, mf.mass_exponents(mu, EPS, qf).tau)
    a_ex, f_ex = mf.binomial_spectrum(qf, p)
    np.testing.assert_allclose(leg.alpha[1:-1], a_ex[1:-1], atol=1e-3)
    np.testing.assert_allclose(leg.f[1:-1], f_ex[1:-1], atol=1e-3)
    # f(alpha) peaks at the support dimension 1 (q = 0) and is tangent to f = alpha at q
    # = 1
    assert leg.f.max() == pytest.approx(1.0, abs=1e-6)
    i1 = np.argmin(abs(qf - 1))
    assert leg.f[i1] == pytest.approx(leg.alpha[i1], abs=1e-6)


def test_sampled_cascade_tau_within_tolerance():
    # An empirical histogram of 2e5 points drawn from the cascade: tau(q) for q in [0.5,
    # 3] within 0.05 of the closed form over levels 3..9 (sampling noise, no exact
    # identity)
    p, n_lev, n_pts = 0.3, 9, 200_000
    rng = np.random.default_rng(1)
    bits = rng.random((n_pts, n_lev)) >= p  # right with probability 1-p
    idx = np.zeros(n_pts, dtype=np.int64)
    hists = []
    for k in range(n_lev):
        idx = 2 * idx + bits[:, k]
        hists.append(np.bincount(idx, minlength=2 ** (k + 1)).astype(float))
    q = np.array([0.5, 1.0, 1.5, 2.0, 3.0])
    fit = mf.mass_exponents(
        hists, 2.0 ** -np.arange(1, n_lev + 1), q, window=(2, n_lev)
    )
    np.testing.assert_allclose(fit.tau, mf.binomial_tau(q, p), atol=0.05)


def test_uniform_measure_linear_tau_and_zero_m_tau():
    # uniform on 2^n boxes of size 2^-n: tau(q) = q - 1, M_tau = 0
    mu = [np.full(2**n, 1.0) for n in range(1, LEVELS + 1)]
    fit = mf.mass_exponents(mu, EPS, Q)
    np.testing.assert_allclose(fit.tau, Q - 1, atol=1e-10)
    assert mf.tau_nonlinearity(Q, fit.tau) == pytest.approx(0.0, abs=1e-10)
    # uniform on a fixed set of N boxes (directions): tau = 0; slope-form CJ gives 0,
    # the ratio form the offset ln N / ln(1/eps) explained in the docstring
    N = 64
    eps = np.logspace(-4, -2, 6)
    R = np.ones((N, eps.size))
    mu_fixed = mf.response_measure(R)
    assert mf.tau_nonlinearity(
        Q, mf.mass_exponents(mu_fixed, eps, Q).tau
    ) == pytest.approx(0, abs=1e-12)
    s = mf.chhabra_jensen(mu_fixed, eps, Q, form="slope")
    r = mf.chhabra_jensen(mu_fixed, eps, Q, form="ratio")
    np.testing.assert_allclose(s.alpha, 0, atol=1e-10)
    np.testing.assert_allclose(
        r.alpha, np.mean(np.log(N) / np.log(1 / eps)), rtol=1e-10
    )


def test_m_tau_of_a_multifractal_is_positive_and_of_a_line_zero():
    assert mf.tau_nonlinearity(Q, 2.0 * Q - 1.0) == pytest.approx(0.0, abs=1e-12)
    assert mf.tau_nonlinearity(Q, mf.binomial_tau(Q, 0.3)) > 0.05
    batch = mf.tau_nonlinearity(Q, np.stack([Q, Q**2]))
    assert batch.shape == (2,) and batch[0] < 1e-12 < batch[1]


def test_quadratic_responses_give_exponent_two_and_zero_m_tau():
    rng = np.random.default_rng(0)
    c = rng.lognormal(size=50)
    eps = np.logspace(-6.5, -1.9, 12)
    R = c[:, None] * eps[None, :] ** 2
    ex = mf.direction_exponents(R, eps, window=(5, 12))
    np.testing.assert_allclose(ex.slope, 2.0, atol=1e-10)
    rec = mf.analyze(R, eps, Q, [(5, 9), (6, 10), (5, 12)])
    np.testing.assert_allclose(rec.tau, 0.0, atol=1e-10)
    np.testing.assert_allclose(rec.m_tau, 0.0, atol=1e-10)
    assert rec.exponent_std < 1e-10


def test_heterogeneous_exponents_give_positive_m_tau():
    # R_i = eps^a_i with a_i in {2, 3}: tau(q) -> min(0, q (a_max - a_min)) as eps -> 0
    eps = np.logspace(-5, -3, 5)
    a = np.repeat([2.0, 3.0], 10)
    R = eps[None, :] ** a[:, None]
    rec = mf.analyze(R, eps, Q, [(0, 5)], mu_floor=None, log_floor=None)
    assert rec.m_tau[0] > 0.1
    np.testing.assert_allclose(
        rec.tau[0][Q > 1], 0.0, atol=0.02
    )  # the top-exponent boxes vanish
    np.testing.assert_allclose(rec.tau[0][Q < 0], Q[Q < 0] * 1.0, atol=0.3)


def test_banks_and_bootstrap_are_seeded():
    rng = np.random.default_rng(3)
    eps = np.logspace(-4, -1, 8)
    R = rng.lognormal(size=(64, 1)) * eps ** rng.uniform(1.5, 2.5, size=(64, 1))
    bs = mf.analyze_banks(R, eps, Q, [(0, 5), (3, 8)], n_banks=4)
    assert bs.m_tau.shape == (4,) and bs.tau.shape == (4, Q.size)
    m, se = bs.mean_se("m_tau")
    assert m > 0 and se > 0
    b1 = bootstrap_ci(bs.m_tau, np.mean, n_boot=50, seed=7).replicates
    b2 = bootstrap_ci(bs.m_tau, np.mean, n_boot=50, seed=7).replicates
    np.testing.assert_array_equal(b1, b2)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: mf.mass_exponents(np.ones((4, 3)), [1e-3, 0.0, 1e-1], [1.0]), "eps"),
        (lambda: mf.mass_exponents(np.ones((4, 3)), [1e-3, -1e-2, 1e-1], [1.0]), "eps"),
        (lambda: mf.mass_exponents(np.ones((4, 3)), [1e-3, 1e-2, 1e-1], []), "q"),
        (lambda: mf.partition_function(np.ones((4, 3)), []), "q"),
        (
            lambda: mf.mass_exponents(
                np.ones((4, 3)), [1e-3, 1e-2, 1e-1], [1.0], window=(1, 2)
            ),
            "window",
        ),
        (lambda: mf.response_measure(np.ones((0, 3))), "R"),
        (lambda: mf.response_measure(-np.ones((2, 3))), "R"),
        (lambda: mf.direction_exponents(np.ones((2, 3)), [1e-3, 1e-2]), "eps"),
        (lambda: mf.analyze(np.ones((4, 3)), [1e-3, 1e-2, 1e-1], [1.0], []), "windows"),
        (lambda: mf.binomial_cascade(1.2, 4), "p"),
        (
            lambda: mf.chhabra_jensen(
                np.ones((4, 3)), [1e-3, 1e-2, 1e-1], [1.0], form="x"
            ),
            "form",
        ),
    ],
)
def test_bad_input_raises_naming_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bank_trend_detects_a_clear_decrease_and_not_noise():
    rng = np.random.default_rng(0)
    x = np.linspace(0.5, 0.9, 6)
    down = (1.0 - x)[:, None] + 0.01 * rng.standard_normal((6, 4))
    t = mf.bank_trend(x, down, n_boot=300, seed=1)
    assert t.verdict(-1) == "holds" and t.r < -0.9 and t.change < 0
    noise = rng.standard_normal((6, 4))
    tn = mf.bank_trend(x, noise, n_boot=300, seed=1)
    assert tn.hi - tn.lo > t.hi - t.lo  # noise gives a much wider interval
    assert mf.bank_trend(x, down, n_boot=300, seed=1) == t  # seeded


def test_trend_verdicts():
    assert (
        mf.Trend(-0.5, -0.8, -0.1, -0.01, 0.1).verdict(-1) == "weak (correlation only)"
    )
    assert mf.Trend(-0.5, -0.8, -0.1, -0.5, 0.1).verdict(-1) == "holds"
    assert mf.Trend(0.5, 0.1, 0.8, 0.5, 0.1).verdict(-1) == "reversed"
    assert mf.Trend(0.1, -0.3, 0.6, 0.5, 0.1).verdict(-1) == "not resolved"
    assert mf.Trend(0.1, np.nan, np.nan, 0.5, np.nan).verdict(-1) == "not resolved"


def _bank_summary(m_tau, tau):
    """A BankSummary with the given ``m_tau`` (n_banks,) and ``tau`` (n_banks, n_q)."""
    m_tau, tau = np.asarray(m_tau, float), np.asarray(tau, float)
    q, row = np.arange(1.0, tau.shape[1] + 1), np.zeros_like(tau)
    return mf.BankSummary(q, tau, *[row] * 4, *[m_tau] * 4, row)


def test_bank_mean_se_leaves_nan_banks_out_of_the_count():
    # Two banks without a valid window (NaN): the mean and its SE are those of the two
    # finite banks, std([1, 2], ddof=1) / sqrt(2) = 0.5 (was 0.354: n counted all 4)
    bs = _bank_summary(
        [1.0, 2.0, np.nan, np.nan], [[1, 4], [2, 6], [np.nan] * 2, [3, 8]]
    )
    m, se = bs.mean_se("m_tau")
    assert isinstance(m, float) and isinstance(se, float)
    assert m == pytest.approx(1.5) and se == pytest.approx(0.5)
    m, se = bs.mean_se("tau")  # three finite banks: std([1,2,3]) / sqrt(3)
    np.testing.assert_allclose(m, [2.0, 6.0])
    np.testing.assert_allclose(se, [1 / np.sqrt(3), 2 / np.sqrt(3)])
    assert np.isnan(_bank_summary([1.0, np.nan], [[1.0], [2.0]]).mean_se("m_tau")[1])


def test_bank_trend_leaves_nan_banks_out():
    # The first checkpoint has a NaN bank: its mean is that of its two finite banks (2),
    # the change is 8 - 2 = 6 and its SE hypot(std([6, 8, 10]) / sqrt(3), 1); it was NaN
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([[1.0, 3.0, np.nan], [3.0, 4.0, 5.0], [5.0, 6.0, 7.0], [6, 8, 10]])
    t = mf.bank_trend(x, y, n_boot=200, seed=0)
    assert t.change == pytest.approx(6.0)
    assert t.change_se == pytest.approx(np.hypot(2 / np.sqrt(3), 1.0))
    assert t.r == pytest.approx(np.corrcoef(x, [2.0, 4.0, 6.0, 8.0])[0, 1])
    assert np.isfinite(t.lo) and t.lo <= t.hi
