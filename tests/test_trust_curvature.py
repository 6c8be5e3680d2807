"""Issue 11: curvature and instability estimators report their limits (converged flags,
censored searches) and reject degenerate input; values checked against explicit Hessians
(numpy)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.dynamical import batched_mlp as B
from fractal_lib.dynamical import losses as DL
from fractal_lib.nets import hessian
from fractal_lib.papers import lavin2024 as P


def _quadratic(eigs, seed=0):
    """``0.5 x^T A x``, spectrum ``eigs`` in a random orthonormal basis (Hessian A)."""
    eigs = np.asarray(eigs, dtype=float)
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(eigs.size, eigs.size)))
    a = q @ np.diag(eigs) @ q.T
    a = 0.5 * (a + a.T)
    at = torch.tensor(a)
    x = torch.zeros(eigs.size, dtype=torch.float64, requires_grad=True)
    return (lambda: 0.5 * x @ at @ x), [x], np.sort(np.linalg.eigvalsh(a))[::-1]


def _no_warning():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error", EstimatorWarning)
    return ctx


# ------------------------------------------------------------------ Lanczos (top_eigen)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(8, 40), k=st.integers(1, 3))
def test_top_eigen_matches_eigvalsh_and_reports_convergence(seed, n, k):
    eigs = np.random.default_rng(seed).uniform(-3.0, 5.0, n)
    loss_fn, params, ref = _quadratic(eigs, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        res = hessian.top_eigen(loss_fn, params, k=k, n_iter=n, tol=1e-8, seed=seed)
    # a full Krylov space is exact; converged means the residual bound holds
    assert res.converged.all() and res.n_iter <= n
    np.testing.assert_allclose(res.values, ref[:k], atol=1e-7 * max(1.0, abs(ref[0])))
    assert np.all(np.abs(res.values - ref[:k]) <= res.residuals + 1e-9)


def test_top_eigen_tiny_gap_with_few_iterations_is_flagged():
    eigs = np.r_[1.0, 1.0 - 1e-3, np.linspace(-1.0, 0.9, 60)]
    loss_fn, params, ref = _quadratic(eigs, 1)
    with pytest.warns(EstimatorWarning, match="did not converge") as rec:
        res = hessian.top_eigen(loss_fn, params, k=2, n_iter=6, tol=1e-8)
    assert (
        len([w for w in rec if issubclass(w.category, EstimatorWarning)]) == 1
    )  # warned once
    assert not res.converged.any() and not res.all_converged and res.n_iter == 6
    assert np.all(res.residuals > 1e-8)
    ctx = _no_warning()
    try:
        ok = hessian.top_eigen(loss_fn, params, k=2, n_iter=62, tol=1e-8)
    finally:
        ctx.__exit__(None, None, None)
    assert ok.converged.all()
    np.testing.assert_allclose(ok.values, ref[:2], atol=1e-9)


def test_top_eigen_finds_repeated_eigenvalues_by_restarting():
    # single-vector Lanczos closes its Krylov space after one copy of each eigenvalue:
    # it used to report [1, 0.5, 0.1], all converged, without a warning
    a = torch.diag(torch.tensor([1.0, 1.0, 1.0, 0.5, 0.1], dtype=torch.float64))
    w = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    ctx = _no_warning()
    try:
        res = hessian.top_eigen(lambda: 0.5 * w @ (a @ w), [w], k=3)
    finally:
        ctx.__exit__(None, None, None)
    np.testing.assert_allclose(res.values, [1.0, 1.0, 1.0], atol=1e-12)
    assert res.converged.all() and res.restarts == 2
    vecs = torch.stack([v[0] for v in res.vectors])
    np.testing.assert_allclose(
        (vecs @ vecs.T).numpy(), np.eye(3), atol=1e-10
    )  # three directions


@pytest.mark.parametrize("n, k, tol", [(12, 3, 1e-6), (20, 4, 1e-8), (30, 5, 1e-6)])
def test_top_eigen_triple_eigenvalue_of_a_random_matrix(n, k, tol):
    rng = np.random.default_rng(n)
    # ref: numpy.linalg.eigvalsh of the explicit matrix (see _quadratic)
    loss_fn, params, ref = _quadratic(
        np.r_[2.0, 2.0, 2.0, rng.uniform(-1.0, 1.5, n - 3)], n
    )
    np.testing.assert_allclose(ref[:3], 2.0, atol=1e-12)
    ctx = _no_warning()
    try:
        res = hessian.top_eigen(loss_fn, params, k=k, tol=tol)
    finally:
        ctx.__exit__(None, None, None)
    np.testing.assert_allclose(res.values, ref[:k], atol=1e-9)
    assert res.restarts >= 1 and res.converged.all()


# ---------------------------------------------------------------------- power iteration
def test_lambda_max_tiny_gap_is_not_converged_after_few_iterations():
    # changes of the Rayleigh quotient shrink by (0.999)^2 per step: small changes,
    # large error
    eigs = np.r_[1.0, 0.999, np.linspace(0.0, 0.5, 30)]
    loss_fn, params, ref = _quadratic(eigs, 2)
    with pytest.warns(EstimatorWarning, match="did not converge"):
        res = hessian.lambda_max(loss_fn, params, n_iter=60, tol=1e-6)
    assert not res.converged and res.n_iter == 60
    assert res.rel_change < 1e-3  # the change alone would have looked converged-ish
    ctx = _no_warning()
    try:
        good = hessian.lambda_max(loss_fn, params, n_iter=20_000, tol=1e-6)
    finally:
        ctx.__exit__(None, None, None)
    assert good.converged and good.n_iter < 20_000
    assert float(good) == pytest.approx(ref[0], rel=1e-5)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), gap=st.floats(1e-3, 0.5))
def test_lambda_max_converged_means_accurate(seed, gap):
    rng = np.random.default_rng(seed)
    top = rng.uniform(0.5, 10.0)
    eigs = np.r_[top, top * (1 - gap), rng.uniform(-0.4, 0.9, 20) * top * (1 - gap)]
    loss_fn, params, ref = _quadratic(eigs, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        res = hessian.lambda_max(loss_fn, params, n_iter=3000, tol=1e-6, seed=seed)
    if res.converged:
        assert abs(res.value - ref[0]) <= 20e-6 * abs(ref[0])
    assert res.residual >= 0 and res.n_iter <= 3000


def test_lambda_max_is_the_largest_algebraic_eigenvalue_not_the_largest_magnitude():
    # power iteration alone converges to -5 (largest magnitude) and used to report it
    # converged
    loss_fn, params, ref = _quadratic([-5.0, 1.0, 0.5, 0.2], 4)
    ctx = _no_warning()
    try:
        res = hessian.lambda_max(loss_fn, params, n_iter=500, tol=1e-8)
    finally:
        ctx.__exit__(None, None, None)
    assert ref[0] == pytest.approx(1.0)
    assert res.shifted and res.converged
    assert float(res) == pytest.approx(1.0, abs=1e-6)
    # an all-negative spectrum: the top is the least negative one
    loss_fn, params, _ = _quadratic([-5.0, -2.0, -1.0], 5)
    neg = hessian.lambda_max(loss_fn, params, n_iter=500, tol=1e-8)
    assert neg.shifted and neg.converged and float(neg) == pytest.approx(-1.0, abs=1e-6)
    # a positive dominant eigenvalue needs no shift
    loss_fn, params, _ = _quadratic([3.0, -1.0, 2.0], 6)
    pos = hessian.lambda_max(loss_fn, params, n_iter=500, tol=1e-8)
    assert not pos.shifted and float(pos) == pytest.approx(3.0, abs=1e-6)


def test_lambda_max_plus_minus_pair_is_not_reported_converged():
    # eigenvalues 5 and -5 dominate: the Rayleigh quotient stands still between them
    # (4.48 here)
    loss_fn, params, _ = _quadratic([5.0, -5.0, 1.0], 0)
    with pytest.warns(EstimatorWarning, match="did not converge"):
        res = hessian.lambda_max(loss_fn, params, n_iter=200)
    assert not res.converged and res.residual > 0.1


# --------------------------------------------------------------------------- Hutchinson
def test_hutchinson_reports_samples_and_matches_trace():
    eigs = np.linspace(-1.0, 3.0, 15)
    loss_fn, params, _ = _quadratic(eigs, 3)
    est = hessian.hutchinson_trace(loss_fn, params, n_samples=300, seed=4)
    assert est.n_samples == 300
    assert abs(est.value - eigs.sum()) < 4 * est.stderr
    with pytest.raises(ValueError, match="n_samples"):
        hessian.hutchinson_trace(loss_fn, params, n_samples=1)


# --------------------------------------------------------------------- degenerate input
def test_degenerate_inputs_raise():
    x = torch.zeros(3, requires_grad=True)
    for fn in (hessian.top_eigen, hessian.lambda_max, hessian.hutchinson_trace):
        with pytest.raises(ValueError, match="params"):
            fn(lambda: (x**2).sum(), [])
        empty = torch.zeros(0, requires_grad=True)
        with pytest.raises(ValueError, match="zero-size"):
            fn(lambda e=empty: (e**2).sum(), [empty])
        with pytest.raises(ValueError, match="scalar"):
            fn(lambda: x**2, [x])
        with pytest.raises(ValueError, match="non-finite"):
            fn(lambda: (x**2).sum() + float("inf"), [x])
    with pytest.raises(ValueError, match="tol"):
        hessian.lambda_max(lambda: (x**2).sum(), [x], tol=0.0)
    with pytest.raises(ValueError, match="n_iter"):
        hessian.lambda_max(lambda: (x**2).sum(), [x], n_iter=1)


# ---------------------------------------------------------------------- batched Lanczos
def _explicit(params, x, y, kind):
    flat = B.flatten([p.detach() for p in params])[0]

    def f(v):
        return DL.loss_value(kind, B.forward(B.unflatten(v[None], params), x), y).sum()

    return torch.autograd.functional.hessian(f, flat).numpy()


def test_batched_lanczos_converged_flags_per_model():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(30, 2, generator=gen, dtype=torch.float64)
    y = torch.nn.functional.one_hot(torch.arange(30) % 3, 3).to(torch.float64)
    params = B.init_params([6, 6], [0, 1])
    full = B.batched_top_eigen(params, x, y, "ce", k=1, n_iter=45)  # 45 params: exact
    assert full.converged.all()
    for m in range(2):
        ref = np.linalg.eigvalsh(_explicit([p[m : m + 1] for p in params], x, y, "ce"))[
            -1
        ]
        assert full.values[m, 0] == pytest.approx(ref, rel=1e-9)
    short = B.batched_top_eigen(params, x, y, "ce", k=1, n_iter=2, tol=1e-10)
    assert short.converged.shape == (2, 1) and not short.converged.any()
    assert np.all(short.residuals[:, 0] > 1e-10)
    # the residual bounds the error of the Ritz value
    for m in range(2):
        ref = np.linalg.eigvalsh(_explicit([p[m : m + 1] for p in params], x, y, "ce"))
        assert np.min(np.abs(ref - short.values[m, 0])) <= short.residuals[m, 0] + 1e-12
    with pytest.raises(ValueError, match="tol"):
        B.batched_top_eigen(params, x, y, "ce", k=1, n_iter=4, tol=0.0)


def test_batched_lanczos_finds_repeated_eigenvalues_of_identical_hidden_units():
    # six identical hidden units: permuting them leaves the loss unchanged, so
    # eigenvalues of the "difference" sector repeat 5 times; the closed Krylov space
    # used to see one copy and report the next eigenvalue (0.212) as the 4th, converged
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(30, 2, generator=gen, dtype=torch.float64)
    y = torch.nn.functional.one_hot(torch.arange(30) % 3, 3).to(torch.float64)
    w1, b1, w2, b2 = [p.clone() for p in B.init_params([6], [0])]
    w1[..., :] = w1[..., :1]
    b1[..., :] = b1[..., :1]
    w2[:, :, :] = w2[:, :1, :]
    params = [w1, b1, w2, b2]
    ref = np.sort(np.linalg.eigvalsh(_explicit(params, x, y, "ce")))[::-1]
    assert ref[2] == pytest.approx(
        ref[3], abs=1e-10
    )  # a repeated eigenvalue among the top 4
    res = B.batched_top_eigen(params, x, y, "ce", k=4, n_iter=20, tol=1e-8)
    np.testing.assert_allclose(res.values[0], ref[:4], atol=1e-8)
    assert res.converged.all()


# ------------------------------------------------------------------- instability search
def test_first_instability_on_a_synthetic_ratio_series_and_bad_input():
    ratio = np.full(100, 0.5)
    ratio[60:] = -1.3  # 1 - eta lam < -1 from step 60
    ratio[30] = -2.0  # a stray kink is not an instability
    assert int(DL.first_instability(ratio)) == 60
    assert int(DL.first_instability(ratio[:60])) == -1
    with pytest.raises(ValueError, match="ratio"):
        DL.first_instability(np.zeros(0))
    with pytest.raises(ValueError, match="start"):
        DL.first_instability(ratio, start=-1)


def test_fig4_default_window_cap_follows_the_protocol():
    # the paper trains 10^5 / eta steps; in whole periods
    np.testing.assert_array_equal(
        P.fig4_max_steps([1.0, 0.25], 1000), [100_000, 400_000]
    )
    np.testing.assert_array_equal(P.fig4_max_steps([0.3], 5000), [335_000])
    np.testing.assert_array_equal(
        P.fig4_max_steps([1.0, 0.1], 200, max_periods=8), [1600, 1600]
    )
    with pytest.raises(ValueError, match="max_periods"):
        P.fig4_max_steps([1.0], 100, max_periods=0)


def test_fig4_short_window_is_censored_not_a_miss():
    # issue 11 case 8: eta = 0.25 needs about 10 periods of 1000 steps; one period finds
    # nothing, and the result must say that the search was cut off (not report a miss)
    with pytest.warns(EstimatorWarning, match="censored"):
        r = P.fig4((0.25,), ("dce",), 1, A_=70, T_=1000, periods=1, max_periods=1)[
            "dce"
        ]
    assert r["censored"].all() and r["at_cap"].all() and not r["found"].any()
    assert not r["diverged"].any() and r["window"][0, 0] == 1000 and r["t"][0, 0] == -1


def test_fig4_finds_the_instability_at_the_edge_of_stability():
    r = P.fig4((1.0,), ("dce",), 1, A_=70, T_=1000, periods=2)["dce"]
    assert r["found"].all() and not r["censored"].any() and r["lam_converged"].all()
    assert not r["at_start"].any() and r["window"][0, 0] == 2000
    assert 1.0 <= r["lam"][0, 0] * 1.0 / 2 <= 1.15
