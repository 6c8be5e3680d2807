"""The grid kernel of the network-trainability images (``_net_kernels``): layer scales,
minibatch GD against a plain NumPy loop, lane independence, loss and gradients, tanh."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from fractal_lib.boundaries import _net_kernels as K

NO_BATCHES = np.zeros((0, 0), dtype=np.int64)
ACTS = {"tanh": K.TANH, "relu": K.RELU, "identity": K.IDENTITY}


def _problem(width: int, n_data: int, d: int | None = None, seed: int = 0):
    rng = np.random.default_rng(seed)
    d = width if d is None else d
    W1 = rng.standard_normal((d, width))
    W2 = rng.standard_normal(width)
    X = rng.standard_normal((n_data, d))
    y = rng.standard_normal(n_data)
    return X, y, W1, W2


def _kernel_tanh(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    return K.tanh_row(a.ravel()).reshape(a.shape)


def _np_phi(act: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if act == "tanh":  # the kernel's tanh (checked against mpmath below): np.tanh
        # differs by an ulp here and there, and near the boundary GD amplifies that
        h = _kernel_tanh(math.sqrt(2.0) * z)
        return h, math.sqrt(2.0) * (1.0 - h * h)
    if act == "relu":
        return math.sqrt(2.0) * np.maximum(z, 0.0), math.sqrt(2.0) * (z > 0.0)
    return z, np.ones_like(z)


def _np_loss_grad(act, X, y, W1, W2, s_in, s_out):
    """Plain NumPy loss and gradients (chain rule by hand)."""
    z = s_in * (X @ W1)
    h, hp = _np_phi(act, z)
    e = s_out * (h @ W2) - y
    c = 2.0 / X.shape[0]
    q = c * s_out * np.outer(e, W2) * hp
    return np.mean(e * e), s_in * (X.T @ q), c * s_out * (h.T @ e)


def _np_measure(losses: list[float], steps: int) -> float:
    v = np.full(steps, K.NONFINITE)
    v[: len(losses)] = losses
    v = np.minimum(v / v[0], K.CLIP)
    return -v.sum() if v[-min(K.LAST, steps) :].mean() < 1.0 else (1.0 / v).sum()


def _np_run(act, X, y, W1, W2, lr1, lr2, off, every, steps, s_in, s_out, batches):
    """One run, plain NumPy: the reference for :func:`K.run_grid`."""
    with np.errstate(all="ignore"):
        return _np_run_quiet(
            act, X, y, W1, W2, lr1, lr2, off, every, steps, s_in, s_out, batches
        )


def _np_run_quiet(act, X, y, W1, W2, lr1, lr2, off, every, steps, s_in, s_out, batches):
    W1 = W1 + (0.0 if every else off)
    losses: list[float] = []
    for t in range(steps):
        if every:
            W1 = W1 + off
        loss = _np_loss_grad(act, X, y, W1, W2, s_in, s_out)[0]
        if not (np.all(np.isfinite(W1)) and np.all(np.isfinite(W2))):
            break
        if not math.isfinite(loss):
            break
        losses.append(loss)
        rows = batches[t] if batches.shape[0] else slice(None)
        _, g1, g2 = _np_loss_grad(act, X[rows], y[rows], W1, W2, s_in, s_out)
        W1 = W1 - lr1 * g1
        W2 = W2 - lr2 * g2
    return _np_measure(losses, steps), len(losses)


def _rates(rng, size, lo=-3.0, hi=6.0):
    return 10 ** rng.uniform(lo, hi, size), 10 ** rng.uniform(lo, hi, size)


CASES = [  # (activation, width, n_data, d, s_in, s_out)
    ("tanh", 16, 272, None, 0.25, 1 / 16),  # the paper's problem, mean field
    ("relu", 16, 272, None, 0.3, 0.2),
    ("identity", 16, 16, None, 0.25, 1.0 / math.sqrt(16)),  # NTK-like output scale
    ("tanh", 5, 30, 3, 1.0 / math.sqrt(3), 0.2),  # d != n
]


@pytest.mark.parametrize("act, width, n_data, d, s_in, s_out", CASES)
@pytest.mark.parametrize("minibatch", [False, True])
def test_run_grid_matches_a_plain_numpy_loop(
    act, width, n_data, d, s_in, s_out, minibatch
):
    X, y, W1, W2 = _problem(width, n_data, d, seed=4)
    rng = np.random.default_rng(7)
    steps, B = 30, 48
    lr1, lr2 = _rates(rng, B, -3.0, 3.0)
    off = rng.uniform(-0.3, 0.3, B)
    batches = (
        np.stack([rng.permutation(n_data)[: max(1, n_data // 4)] for _ in range(steps)])
        if minibatch
        else NO_BATCHES
    )
    for every in (False, True):
        m, done = K.run_grid(
            ACTS[act], X, y, W1, W2, lr1, lr2, off, every, steps, s_in, s_out,
            batches, False,
        )  # fmt: skip
        ref = [
            _np_run(act, X, y, W1, W2, a, b, o, every, steps, s_in, s_out, batches)
            for a, b, o in zip(lr1, lr2, off, strict=True)
        ]
        ref_m = np.array([r[0] for r in ref])
        assert np.array_equal(np.sign(m), np.sign(ref_m))
        # near the boundary GD is chaotic: a rounding difference (BLAS sums vs the
        # kernel's sequential ones) can grow 1e10-fold in 30 steps. So: 1e-9 in >= 90%
        # of the runs, and elsewhere within 100x of how far the reference itself moves
        # when W1 moves by one ulp
        close = np.abs(m - ref_m) <= 1e-9 * np.abs(ref_m)
        assert np.mean(close) >= 0.9
        for i in np.flatnonzero(~close):
            moved = _np_run(
                act, X, y, W1 * (1 + 2**-52), W2, lr1[i], lr2[i], off[i], every,
                steps, s_in, s_out, batches,
            )[0]  # fmt: skip
            assert abs(m[i] - ref_m[i]) <= 100 * abs(moved - ref_m[i])
        assert np.array_equal(done, [r[1] for r in ref])
        assert 0 < np.mean(m < 0) < 1  # both outcomes occur: the test can fail
        assert act == "tanh" or np.any(done < steps)  # bounded h: no overflow


@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("minibatch", [False, True])
def test_numbers_do_not_depend_on_lane_group_or_threads(act, minibatch):
    X, y, W1, W2 = _problem(16, 272, seed=1)
    rng = np.random.default_rng(2)
    B, steps = 3 * K.LANES + 5, 25
    lr1, lr2 = _rates(rng, B, -2.0, 6.0)
    off = np.zeros(B)
    batches = rng.integers(0, 272, size=(steps, 40)) if minibatch else NO_BATCHES
    args = (0.25, 1 / 16, batches)
    ser = K.run_grid(ACTS[act], X, y, W1, W2, lr1, lr2, off, False, steps, *args, False)
    par = K.run_grid(ACTS[act], X, y, W1, W2, lr1, lr2, off, False, steps, *args, True)
    perm = rng.permutation(B)
    sh = K.run_grid(
        ACTS[act], X, y, W1, W2, lr1[perm], lr2[perm], off, False, steps, *args, True
    )
    one = [
        K.run_grid(
            ACTS[act], X, y, W1, W2, lr1[i : i + 1], lr2[i : i + 1], off[:1], False,
            steps, *args, False,
        )[0][0]
        for i in range(0, B, 7)
    ]  # fmt: skip
    assert np.array_equal(ser[0], par[0]) and np.array_equal(ser[1], par[1])
    assert np.array_equal(sh[0], ser[0][perm]) and np.array_equal(sh[1], ser[1][perm])
    assert np.array_equal(one, ser[0][::7])
    assert 0 < np.mean(ser[0] < 0) < 1
    assert act == "tanh" or np.any(ser[1] < steps)


@pytest.mark.parametrize("act", ["tanh", "relu", "identity"])
def test_loss_grad_one_matches_numpy(act):
    X, y, W1, W2 = _problem(7, 40, 4, seed=3)
    W1 = W1 + 0.2
    loss, g1, g2 = K.loss_grad_one(ACTS[act], X, y, W1, W2, 0.7, 0.3)
    ref = _np_loss_grad(act, X, y, W1, W2, 0.7, 0.3)
    assert loss == pytest.approx(ref[0], rel=1e-13)
    np.testing.assert_allclose(g1, ref[1], rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(g2, ref[2], rtol=1e-11, atol=1e-15)
    assert g1.shape == (4, 7) and g2.shape == (7,)


def test_tanh_is_within_a_few_ulp_of_mpmath():
    rng = np.random.default_rng(0)
    a = np.concatenate(
        [
            rng.uniform(-1.0, 1.0, 40_000),
            rng.uniform(-25.0, 25.0, 40_000),
            10.0 ** rng.uniform(-300, 2, 19_980) * rng.choice([-1.0, 1.0], 19_980),
            [0.0, -0.0, 1e-310, -1e-310, 19.0, 19.1, 20.0, 1e300, np.inf, -np.inf],
            np.nextafter(0.5 * np.log(3.0), [0.0, 1.0]),  # tanh = 1/2 at ln(3)/2
        ]
    )
    t = K.tanh_row(a)
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.tanh(mpmath.mpf(float(v)))) for v in a])
    ulp = np.abs(t - ref) / np.spacing(np.abs(ref))
    assert ulp.max() <= 4.0, (ulp.max(), a[np.argmax(ulp)])
    assert np.array_equal(np.signbit(t), np.signbit(np.tanh(a)))  # -0 stays -0
    assert np.all(np.abs(t) <= 1.0)
    assert np.isnan(K.tanh_row(np.array([np.nan]))[0])


def test_float32_tanh_is_within_a_few_ulp():
    rng = np.random.default_rng(1)
    a = np.concatenate(
        [rng.uniform(-12.0, 12.0, 50_000), rng.uniform(-1e-3, 1e-3, 10_000)]
    ).astype(np.float32)
    a = np.concatenate([a, np.float32([0.0, -0.0, 9.0, 10.0, 1e30, -np.inf])])
    t = K.tanh_row(a)
    assert t.dtype == np.float32
    ref = np.tanh(a.astype(np.float64))  # float64 is exact enough for float32 ulps
    ulp = np.abs(t - ref) / np.spacing(np.abs(ref).astype(np.float32))
    assert ulp.max() <= 4.0, (ulp.max(), a[np.argmax(ulp)])
    assert np.array_equal(np.signbit(t), np.signbit(a))


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_float32_kernel_matches_float64_on_smooth_runs(act):
    """float32: the same networks in single precision; far from the boundary the
    measure agrees with float64 to float32 accuracy, and lanes still never mix."""
    X, y, W1, W2 = _problem(16, 272, seed=5)
    lr = np.array([1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0] * 5)
    off = np.zeros(lr.size)
    args = (off, False, 40, 0.25, 1 / 16, NO_BATCHES)
    m64, d64 = K.run_grid(ACTS[act], X, y, W1, W2, lr, lr, *args, False)
    a32 = [a.astype(np.float32) for a in (X, y, W1, W2)]
    m32, d32 = K.run_grid(ACTS[act], *a32, lr, lr, *args, True)
    assert m32.dtype == np.float64 and np.all(m64 < 0)  # converged: smooth runs
    np.testing.assert_allclose(m32, m64, rtol=1e-4)
    assert not np.array_equal(m32, m64)  # it really ran in single precision
    perm = np.random.default_rng(0).permutation(lr.size)
    p32, _ = K.run_grid(ACTS[act], *a32, lr[perm], lr[perm], *args, False)
    assert np.array_equal(p32, m32[perm])


def test_bad_arguments_raise_naming_the_parameter():
    X, y, W1, W2 = _problem(4, 10)
    r = np.ones(3)
    base = (K.TANH, X, y, W1, W2, r, r, r, False, 5, 0.5, 0.25, NO_BATCHES, False)

    def call(**kw):
        names = "act X Y W1_0 W2_0 lr1 lr2 offset every steps s_in s_out batches par"
        args = dict(zip(names.split(), base, strict=True)) | kw
        return K.run_grid(*args.values())

    with pytest.raises(ValueError, match="s_in"):
        call(s_in=0.0)
    with pytest.raises(ValueError, match="s_out"):
        call(s_out=np.nan)
    with pytest.raises(ValueError, match="W1_0"):
        call(W1_0=W1.astype(np.float32))
    with pytest.raises(ValueError, match="batches"):
        call(batches=np.zeros((2, 3), dtype=np.int64))  # fewer rows than steps
    with pytest.raises(ValueError, match="batches"):
        call(batches=np.full((5, 3), 10))  # row out of range
    with pytest.raises(ValueError, match="steps"):
        call(steps=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("width", [16, 5, 1])
def test_head4_is_four_single_row_heads_bit_for_bit(dtype, width):
    """The four-row output layer (per-row pairwise sums and copies) gives exactly the
    numbers of the one-row output layer applied row after row."""
    rng = np.random.default_rng(width)
    L = K.LANES if dtype == np.float64 else K.LANES32
    nl = width * L
    H = rng.standard_normal((4, nl)).astype(dtype)
    HP = rng.random((4, nl)).astype(dtype)
    W2 = rng.standard_normal(nl).astype(dtype)
    y = rng.standard_normal(4).astype(dtype)
    s_out = dtype(1.0 / width)
    loss4, dW2_4 = np.full(L, 0.5, dtype), np.linspace(-1, 1, nl).astype(dtype)
    Q4, P4 = np.empty((4, nl), dtype), np.empty((4, nl), dtype)
    loss1, dW2_1 = loss4.copy(), dW2_4.copy()
    Q1, P1 = np.empty((4, nl), dtype), np.empty(nl, dtype)
    K._head4(H, HP, W2, y, s_out, True, L, loss4, dW2_4, Q4, P4)
    for r in range(4):
        K._head(H[r], HP[r], W2, y[r], s_out, True, L, loss1, dW2_1, Q1[r], P1)
    np.testing.assert_array_equal(loss4, loss1)
    np.testing.assert_array_equal(dW2_4, dW2_1)
    np.testing.assert_array_equal(Q4, Q1)
    assert np.all(np.isfinite(Q4)) and np.any(Q4 != 0.0)
