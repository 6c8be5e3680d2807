"""Issue 12, case 4: every function evaluating a user's model leaves it bit-identical.

A fresh CIFAR ResNet in train mode (BatchNorm) is measured by each public function;
afterwards the whole ``state_dict`` (parameters, running statistics,
``num_batches_tracked``), every submodule's ``training`` flag, every ``requires_grad``,
and the torch / numpy / ``random`` global states must be exactly what they were, also
when the measurement raises half-way.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.dynamical import loss_slices
from fractal_lib.multifractal import probing
from fractal_lib.nets import directions, hessian, models, training
from fractal_lib.nets.torchtools import preserved_state


def _resnet():
    torch.manual_seed(0)
    model = models.resnet_cifar(8, width=2, num_classes=3).double()
    model.train()
    model.stages[0].bn1.eval()  # a mixed-mode model: each flag must come back as it was
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(6, 3, 8, 8, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (6,), generator=gen)
    return model, x, y


def _snapshot(model):
    return (
        {k: v.detach().clone() for k, v in model.state_dict().items()},
        [(n, m.training) for n, m in model.named_modules()],
        [(n, p.requires_grad) for n, p in model.named_parameters()],
        torch.get_rng_state().clone(),
        np.random.get_state(),  # noqa: NPY002
        random.getstate(),
    )


def _assert_same(model, snap):
    sd, flags, req, trng, nrng, prng = snap
    now = model.state_dict()
    assert now.keys() == sd.keys()
    for k, v in sd.items():
        assert now[k].dtype == v.dtype and torch.equal(now[k], v), k  # bit-for-bit
    assert [(n, m.training) for n, m in model.named_modules()] == flags
    assert [(n, p.requires_grad) for n, p in model.named_parameters()] == req
    assert torch.equal(torch.get_rng_state(), trng)
    ns = np.random.get_state()  # noqa: NPY002
    assert ns[0] == nrng[0] and np.array_equal(ns[1], nrng[1]) and ns[2:] == nrng[2:]
    assert random.getstate() == prng


def _eval_logits(model, x):
    with preserved_state(model):
        return model(x).detach()


def test_issue_case_model_loss_fn_then_loss_plane_leaves_the_resnet_identical():
    model, x, y = _resnet()
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert n_bn >= 7
    snap = _snapshot(model)
    logits = _eval_logits(model, x)
    loss_fn, params = hessian.model_loss_fn(model, F.cross_entropy, x, y)
    d1, d2 = directions.random_directions(params, 2, normalize="filter", seed=3)
    plane = directions.loss_plane(
        loss_fn, params, d1, d2, [-0.5, 0.0, 0.5], [-0.5, 0.5]
    )
    _assert_same(model, snap)
    assert torch.equal(_eval_logits(model, x), logits)
    # the loss is the eval-mode loss (running statistics), a fixed function of the
    # weights
    with preserved_state(model):
        centre = float(F.cross_entropy(model(x), y).detach())
    assert float(loss_fn().detach()) == centre
    again = directions.loss_plane(
        loss_fn, params, d1, d2, [-0.5, 0.0, 0.5], [-0.5, 0.5]
    )
    np.testing.assert_array_equal(plane, again)
    _assert_same(model, snap)


def test_loss_plane_with_a_user_closure_and_model_argument():
    model, x, y = _resnet()
    snap = _snapshot(model)
    params = list(model.parameters())
    d1, d2 = directions.random_directions(params, 2, seed=4)
    directions.loss_plane(
        lambda: F.cross_entropy(model(x), y),
        params,
        d1,
        d2,
        [0.0, 0.3],
        [0.1],
        model=model,
    )
    _assert_same(model, snap)


def test_hessian_estimators_leave_the_model_identical():
    model, x, y = _resnet()
    snap = _snapshot(model)
    loss_fn, params = hessian.model_loss_fn(model, F.cross_entropy, x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        hessian.top_eigen(loss_fn, params, k=1, n_iter=6)
        hessian.lambda_max(loss_fn, params, n_iter=3)
    hessian.hutchinson_trace(loss_fn, params, n_samples=2)
    hessian.hvp(loss_fn, params, [torch.ones_like(p) for p in params])
    _assert_same(model, snap)


def test_training_evaluate_and_probing_leave_the_model_identical():
    model, x, y = _resnet()
    snap = _snapshot(model)
    training.evaluate(model, x, y, batch_size=4)
    eps = np.array([1e-3, 1e-2])
    probing.probe(model, x, y, eps, n_directions=2, progress=False)
    probing.probe(
        model,
        x,
        y,
        eps,
        n_directions=1,
        protocol="inplace",
        dtype="float32",
        progress=False,
    )
    probing.quadratic_form(model, x, y, n_directions=1)
    probing.curvature(model, x, y, n_iter=2, n_hutchinson=2, warn=False)
    _assert_same(model, snap)


def test_loss_slice_with_functional_call_and_model_leaves_buffers():
    model, x, y = _resnet()
    snap = _snapshot(model)
    names = [n for n, _ in model.named_parameters()]
    params = [p.detach() for p in model.parameters()]
    d1, d2 = directions.random_directions(params, 2, seed=5)

    def loss_fn(point):
        out = torch.func.functional_call(
            model, dict(zip(names, point, strict=True)), (x,)
        )
        return F.cross_entropy(out, y)

    z = loss_slices.loss_slice(loss_fn, params, d1, d2, [0.0, 0.2], [0.0], model=model)
    _assert_same(model, snap)
    with preserved_state(model):
        assert z[0, 0] == pytest.approx(
            float(F.cross_entropy(model(x), y).detach()), rel=1e-12
        )


def test_state_restored_when_the_measurement_raises_midway():
    model, x, y = _resnet()
    snap = _snapshot(model)
    loss_fn, params = hessian.model_loss_fn(model, F.cross_entropy, x, y)
    d1, d2 = directions.random_directions(params, 2, seed=6)
    calls = []

    def failing():
        calls.append(1)
        torch.rand(3)  # draws from the global generator
        model.train()  # and flips modes, as a careless closure could
        out = F.cross_entropy(
            model(x), y
        )  # train-mode BN: overwrites the running statistics
        if len(calls) == 3:
            raise RuntimeError("boom")
        return out

    with pytest.raises(RuntimeError, match="boom"):
        directions.loss_plane(
            failing, params, d1, d2, [0.0, 0.1], [0.0, 0.1], model=model
        )
    assert len(calls) == 3
    _assert_same(model, snap)
    with pytest.raises(RuntimeError, match="inside"):
        with preserved_state(model):
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(1.0)
            np.random.rand()  # noqa: NPY002
            random.random()
            raise RuntimeError("inside")
    _assert_same(model, snap)


def test_model_loss_fn_rejects_degenerate_models():
    with pytest.raises(ValueError, match="nn.Module"):
        hessian.model_loss_fn(
            lambda t: t, F.cross_entropy, torch.zeros(1), torch.zeros(1)
        )
    frozen = nn.Linear(2, 2)
    for p in frozen.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="trainable"):
        hessian.model_loss_fn(
            frozen, F.cross_entropy, torch.zeros(1, 2), torch.zeros(1, dtype=torch.long)
        )
    with pytest.raises(ValueError, match="nn.Module"):
        with preserved_state("not a model"):  # type: ignore[arg-type]
            pass
