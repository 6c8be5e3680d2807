"""The batched trainer's fused kernels against its torch backend and plain autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fractal_lib.dynamical import batched_mlp as B
from fractal_lib.dynamical import losses as DL
from fractal_lib.dynamical import spirals
from fractal_lib.nets.torchtools import num_threads


@pytest.fixture(autouse=True)
def _one_thread():
    with num_threads(1):
        yield


@pytest.fixture(scope="module")
def data():
    return spirals.spiral(40, 3, seed=0)


def _both(data, widths, seeds, **kw):
    kw = {"progress": False, **kw}
    a = B.train(widths, seeds, data.x, data.y, backend="torch", **kw)
    b = B.train(widths, seeds, data.x, data.y, backend="kernel", **kw)
    return a, b


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(a)))


@pytest.mark.parametrize("kind", DL.LOSSES)
def test_kernel_equals_torch_backend_every_loss(data, kind):
    sched = DL.Schedule(A=5, T=20)
    steps = 40
    a, b = _both(
        data,
        [3, 8, 17],
        [0, 1, 2],
        loss=kind,
        schedule=sched,
        lr=0.2,
        steps=steps,
        snap_steps=[steps],
    )
    for f in ("loss", "static_loss"):
        assert _rel(getattr(a, f), getattr(b, f)) < 1e-12, f
    np.testing.assert_array_equal(a.acc, b.acc)
    np.testing.assert_allclose(b.cos[:, 1:], a.cos[:, 1:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.ratio[:, 1:], a.ratio[:, 1:], rtol=1e-5, atol=1e-6)
    for n in B.PARAM_NAMES:
        assert _rel(a.snapshots[n], b.snapshots[n]) < 1e-12, n
    # padding stays exactly zero in the kernel too
    assert np.all(b.snapshots["W1"][0, 0, :, 3:] == 0)
    assert np.all(b.snapshots["W2"][0, 1, 8:] == 0)


def test_kernel_agrees_after_hundreds_of_steps(data):
    """The chapter's setting (dynamical CE, 300 steps): 1e-12 on losses and weights."""
    steps = 300
    a, b = _both(
        data,
        [8, 32],
        [0, 1],
        loss="dce",
        schedule=DL.Schedule(A=10, T=100),
        lr=0.5,
        steps=steps,
        snap_steps=[steps],
    )
    assert _rel(a.loss, b.loss) < 1e-12
    for n in B.PARAM_NAMES:
        assert _rel(a.snapshots[n], b.snapshots[n]) < 1e-12, n


def test_kernel_against_plain_autograd(data):
    """Independent reference: one network, torch autograd, plain GD."""
    w, seed, lr, steps = 6, 4, 0.3, 25
    sched = DL.Schedule(A=3, T=10)
    params = [p[0].clone().requires_grad_(True) for p in B.init_params([w], [seed])]
    ref = []
    for t in range(steps):
        W1, b1, W2, b2 = params
        out = torch.relu(data.x @ W1 + b1) @ W2 + b2
        loss = DL.loss_value("dce", out, data.onehot, torch.as_tensor(sched.weights(t)))
        ref.append(loss.item())
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= lr * g
    res = B.train(
        w,
        seed,
        data.x,
        data.y,
        loss="dce",
        schedule=sched,
        lr=lr,
        steps=steps,
        backend="kernel",
        snap_steps=[steps],
        progress=False,
    )
    np.testing.assert_allclose(res.loss[0, :steps], ref, rtol=1e-12)
    for n, p in zip(B.PARAM_NAMES, params, strict=True):
        np.testing.assert_allclose(
            res.snapshots[n][0, 0], p.detach().numpy(), rtol=1e-10, atol=1e-13
        )


def test_kernel_trains_nonzero_padding_like_torch(data):
    init = B.init_params([3, 5], [0, 1])
    init[0][0, :, 3:] = 0.1  # weights on model 0's padding: every unit is trained
    init[2][0, 3:, :] = -0.2
    a, b = _both(data, [3, 5], [0, 1], loss="ce", lr=0.3, steps=20, init=init)
    assert _rel(a.loss, b.loss) < 1e-12


def test_diverged_models_are_flagged_by_both(data):
    a, b = _both(data, [4, 4], [0, 1], loss="mse", lr=[0.1, 10.0], steps=150)
    np.testing.assert_array_equal(a.diverged, b.diverged)
    assert b.diverged.tolist() == [False, True]
    np.testing.assert_array_equal(np.isfinite(a.loss), np.isfinite(b.loss))


def test_same_seed_same_numbers_kernel(data):
    kw = dict(loss="dce", schedule=DL.Schedule(A=4, T=6), lr=0.4, steps=15)
    r1 = B.train([5, 9], [2, 3], data.x, data.y, progress=False, **kw)
    r2 = B.train([5, 9], [2, 3], data.x, data.y, progress=False, **kw)
    for k, v in r1.arrays().items():
        np.testing.assert_array_equal(v, r2.arrays()[k], err_msg=k)


def test_float32_torch_backend_agrees_with_float64(data):
    kw = dict(loss="dce", schedule=DL.Schedule(A=4, T=10), lr=0.3, steps=30)
    r64 = B.train([6, 12], [0, 1], data.x, data.y, progress=False, **kw)
    r32 = B.train(
        [6, 12], [0, 1], data.x.float(), data.y, progress=False, **kw
    )  # float32 points: the torch backend ("auto")
    np.testing.assert_allclose(r32.loss, r64.loss, rtol=1e-4)


def test_backend_choice_and_errors(data):
    assert B.kernel_applies(data.x, 3)
    assert not B.kernel_applies(data.x.float(), 3)
    assert not B.kernel_applies(data.x, 4)
    with pytest.raises(ValueError, match="backend"):
        B.train(3, 0, data.x, data.y, steps=2, backend="jax", progress=False)
    with pytest.raises(ValueError, match="backend='kernel'"):
        B.train(3, 0, data.x.float(), data.y, steps=2, backend="kernel", progress=False)


def test_step_flops():
    # 2 N (2 d w + 3 w C) per model: forward + backward of both layers
    assert B.step_flops([10, 100], 300) == 2 * 300 * (2 * 2 + 3 * 3) * 110
    assert B.step_flops([4], 10, d_in=5, n_out=2) == 2 * 10 * (2 * 5 + 3 * 2) * 4
    for kw, name in (
        ({"widths": [0]}, "width"),
        ({"n_points": 0}, "n_points"),
        ({"d_in": 0}, "d_in"),
    ):
        args = {"widths": [3], "n_points": 5} | kw
        with pytest.raises(ValueError, match=name):
            B.step_flops(**args)
