"""Batched trainer, batched Hessian eigenvalues and loss slices."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fractal_lib.dynamical import batched_mlp as B
from fractal_lib.dynamical import loss_slices, spirals
from fractal_lib.dynamical import losses as DL
from fractal_lib.nets import hessian
from fractal_lib.nets.torchtools import num_threads


@pytest.fixture(autouse=True)
def _one_thread():
    with num_threads(1):  # tiny tensors: more threads only add contention
        yield


@pytest.fixture(scope="module")
def small():
    return spirals.spiral(20, 3, seed=0)


def _plain_loop(width, seed, data, kind, sched, lr, steps):
    """Reference: one network, autograd, plain GD."""
    params = [p[0].clone().requires_grad_(True) for p in B.init_params([width], [seed])]
    y1 = data.onehot
    losses = []
    for t in range(steps):
        W1, b1, W2, b2 = params
        out = torch.relu(data.x @ W1 + b1) @ W2 + b2
        loss = DL.loss_value(kind, out, y1, torch.as_tensor(sched.weights(t)))
        grads = torch.autograd.grad(loss, params)
        losses.append(loss.detach().item())
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= lr * g
    return np.array(losses)


@pytest.mark.parametrize("kind", ["dce", "dmse1", "dmse2"])
def test_batched_equals_per_run_loop(small, kind):
    sched = DL.Schedule(A=20, T=10)
    widths, seeds = [3, 7, 12], [0, 1, 2]
    res = B.train(
        widths,
        seeds,
        small.x,
        small.y,
        loss=kind,
        schedule=sched,
        lr=0.3,
        steps=20,
        progress=False,
    )
    for m, (w, s) in enumerate(zip(widths, seeds, strict=True)):
        alone = B.train(
            w,
            s,
            small.x,
            small.y,
            loss=kind,
            schedule=sched,
            lr=0.3,
            steps=20,
            progress=False,
        )
        np.testing.assert_allclose(res.loss[m], alone.loss[0], rtol=1e-12)
        np.testing.assert_allclose(
            res.loss[m, :20], _plain_loop(w, s, small, kind, sched, 0.3, 20), rtol=1e-10
        )


def test_same_seed_same_numbers_and_ce_is_dce_at_A1(small):
    kw = dict(
        loss="dce",
        schedule=DL.Schedule(A=5, T=4),
        lr=0.5,
        steps=15,
        progress=False,
        hessian_every=5,
    )
    a = B.train([4, 6], [3, 4], small.x, small.y, **kw)
    b = B.train([4, 6], [3, 4], small.x, small.y, **kw)
    for k, v in a.arrays().items():
        np.testing.assert_array_equal(v, b.arrays()[k], err_msg=k)
    c = B.train([4, 6], [5, 4], small.x, small.y, **kw)
    assert not np.array_equal(a.loss[0], c.loss[0]) and np.array_equal(
        a.loss[1], c.loss[1]
    )
    ce = B.train(5, 0, small.x, small.y, loss="ce", lr=0.5, steps=10, progress=False)
    dce1 = B.train(
        5,
        0,
        small.x,
        small.y,
        loss="dce",
        schedule=DL.Schedule(A=1, T=3),
        lr=0.5,
        steps=10,
        progress=False,
    )
    np.testing.assert_array_equal(ce.loss, dce1.loss)
    np.testing.assert_allclose(ce.loss, ce.static_loss, rtol=1e-14)


def _explicit_hessian(params, data, kind, gam):
    flat0 = B.flatten(params)[0].clone()

    def f(v):
        ps = B.unflatten(v[None], params)
        return DL.loss_value(kind, B.forward(ps, data.x), data.onehot, gam).sum()

    return torch.autograd.functional.hessian(f, flat0)


@pytest.mark.parametrize("kind", ["dce", "dmse2"])
def test_batched_hessian_matches_explicit_and_top_eigen(small, kind):
    gam = torch.tensor([[2.0, 0.5, 0.5], [0.2, 0.2, 2.6]], dtype=torch.float64)
    # model 0 has width 3, padded to 5 by model 1
    params = B.init_params([3, 5], [0, 1])
    with torch.no_grad():
        params[1] += 0.1  # move off the zero-bias start
        params[1][0, 3:] = 0.0  # keep model 0's padding zero
    mask = B.param_mask([3, 5], params)
    vals, vecs, resid, conv = B.batched_top_eigen(
        params,
        small.x,
        small.onehot,
        kind,
        gam,
        k=2,
        n_iter=40,
        mask=mask,
        return_vectors=True,
    )
    assert conv.all() and resid.max() < 1e-4
    for m, w in enumerate([3, 5]):
        pm = [
            p[m : m + 1, ..., :w] if i == 1 else p[m : m + 1]
            for i, p in enumerate(params)
        ]
        pm = [pm[0][..., :w], pm[1], pm[2][:, :w], pm[3]]
        H = _explicit_hessian(pm, small, kind, gam[m : m + 1])
        exact = np.sort(np.linalg.eigvalsh(H.numpy()))[::-1][:2]
        np.testing.assert_allclose(vals[m], exact, rtol=1e-8)
        leaf = [p.clone().requires_grad_(True) for p in pm]
        ref = hessian.top_eigen(
            lambda leaf=leaf, m=m: DL.loss_value(
                kind, B.forward(leaf, small.x), small.onehot, gam[m : m + 1]
            ).sum(),
            leaf,
            k=2,
            tol=1e-10,
        )
        np.testing.assert_allclose(vals[m], ref.values, rtol=1e-7)
    # Ritz vectors are unit eigenvectors: |H v - lam v| small (model 1, no padding)
    H1 = _explicit_hessian([p[1:2] for p in params], small, kind, gam[1:2])
    v = vecs[1, 0]
    np.testing.assert_allclose(
        (H1 @ v).numpy(), vals[1, 0] * v.numpy(), atol=1e-6 * abs(vals[1, 0])
    )


def test_trainer_records_hessian_on_schedule(small):
    res = B.train(
        [4],
        [0],
        small.x,
        small.y,
        loss="dce",
        schedule=DL.Schedule(A=3, T=6),
        lr=0.5,
        steps=12,
        hessian_every=5,
        hessian_steps=[7],
        snap_steps=[0, 12],
        progress=False,
        lanczos_iter=30,
    )
    assert res.hess_steps.tolist() == [0, 5, 7, 10]
    p7 = B.train(
        [4],
        [0],
        small.x,
        small.y,
        loss="dce",
        schedule=DL.Schedule(A=3, T=6),
        lr=0.5,
        steps=7,
        snap_steps=[7],
        progress=False,
    ).params_at(7)
    gam = torch.as_tensor(DL.Schedule(A=3, T=6).weights(7))[None]
    H = _explicit_hessian(p7, small, "dce", gam)
    np.testing.assert_allclose(
        res.hess[0, 2], np.sort(np.linalg.eigvalsh(H.numpy()))[::-1][:2], rtol=1e-8
    )
    assert len(res.params_at(12)) == 4
    with pytest.raises(ValueError, match="snapshot"):
        res.params_at(3)


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"widths": 0}, "width"),
        ({"lr": 0.0}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"loss": "hinge"}, "loss"),
        ({"steps": 0}, "steps"),
        ({"snap_steps": [99]}, "snap_steps"),
    ],
)
def test_bad_input(small, kw, name):
    args = {"widths": 3, "lr": 0.1, "loss": "dce", "steps": 5} | kw
    w = args.pop("widths")
    with pytest.raises(ValueError, match=name):
        B.train(w, 0, small.x, small.y, progress=False, **args)


def test_loss_slice_of_a_quadratic():
    gen = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(6, 6, generator=gen, dtype=torch.float64))
    lam = torch.tensor([5.0, 2.0, 1.0, 0.5, 0.1, 0.0], dtype=torch.float64)
    H = q @ torch.diag(lam) @ q.T
    centre = [torch.zeros(2, 3, dtype=torch.float64)]
    d1, d2 = [q[:, 0].reshape(2, 3)], [q[:, 1].reshape(2, 3)]
    a = np.linspace(-1, 1, 5)
    z = loss_slices.loss_slice(
        lambda p: 0.5 * p[0].reshape(-1) @ H @ p[0].reshape(-1), centre, d1, d2, a, a
    )
    np.testing.assert_allclose(
        z, 0.5 * (5 * a[:, None] ** 2 + 2 * a[None, :] ** 2), atol=1e-12
    )
    zb = loss_slices.loss_slice(
        lambda p: (
            0.5
            * torch.einsum(
                "bi,ij,bj->b",
                p[0].reshape(len(p[0]), -1),
                H,
                p[0].reshape(len(p[0]), -1),
            )
        ),
        centre,
        d1,
        d2,
        a,
        a,
        batched=True,
        batch_size=7,
    )
    np.testing.assert_allclose(zb, z, atol=1e-12)
    pts = [[0.3 * d1[0] - 0.7 * d2[0]], [d2[0]]]
    coords = loss_slices.project(pts, centre, d1, d2)
    np.testing.assert_allclose(coords, [[0.3, -0.7], [0.0, 1.0]], atol=1e-12)
    with pytest.raises(ValueError, match="direction"):
        loss_slices.loss_slice(lambda p: p[0].sum(), centre, [torch.zeros(3)], d2, a, a)
