"""The training loop's fast paths (nets.training.train): bitwise equal to a plain
PyTorch loop by default; channels-last agrees to float32 rounding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from fractal_lib.nets import models, training
from fractal_lib.nets.torchtools import num_threads, seed_everything, torch_threads


@pytest.fixture(autouse=True)
def _one_thread():
    with num_threads(1):
        yield


def _data(n=96, side=8, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, side, side, generator=gen)
    y = torch.randint(0, 10, (n,), generator=gen)
    return x, y


def _net():
    seed_everything(3)
    return models.resnet_cifar(8, in_channels=1, width=2)


def _plain_loop(model, x, y, *, epochs, batch_size, lr, momentum, nesterov, wd, seed):
    """Reference: the textbook PyTorch loop (per-parameter SGD, cosine rate)."""
    opt = torch.optim.SGD(
        model.parameters(),
        lr=lr,
        momentum=momentum,
        nesterov=nesterov,
        weight_decay=wd,
        foreach=False,
    )
    gen = torch.Generator().manual_seed(seed)
    total = epochs * math.ceil(len(x) / batch_size)
    losses, step = [], 0
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch_size):
            idx = perm[i : i + batch_size]
            for g in opt.param_groups:
                g["lr"] = 0.5 * lr * (1.0 + math.cos(math.pi * step / total))
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            losses.append(loss.item())
            loss.backward()
            opt.step()
            step += 1
    return np.array(losses)


KW = dict(epochs=2, batch_size=32, lr=0.1, momentum=0.9, nesterov=True, seed=5)


def test_train_is_bitwise_the_plain_loop():
    x, y = _data()
    ref = _net()
    losses = _plain_loop(ref, x, y, wd=5e-4, **KW)
    net = _net()
    res = training.train(
        net, x, y, weight_decay=5e-4, schedule="cosine", progress=False, **KW
    )
    np.testing.assert_array_equal(res.step_loss, losses)
    for (k, a), b in zip(
        net.state_dict().items(), ref.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), k
    # the epoch accuracy is summed on the device: same as counting per step
    assert res.epoch_train_acc.shape == (2,) and 0 <= res.epoch_train_acc.min()


def test_channels_last_agrees_and_restores_the_format():
    x, y = _data(side=12)
    kw = dict(epochs=1, batch_size=32, lr=0.05, seed=1, progress=False)
    a_net, b_net = _net(), _net()
    a = training.train(a_net, x, y, **kw)
    b = training.train(b_net, x, y, channels_last=True, **kw)
    np.testing.assert_allclose(b.step_loss, a.step_loss, rtol=1e-4)
    for (k, p), q in zip(
        a_net.state_dict().items(), b_net.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(q, p, rtol=1e-3, atol=1e-4, msg=k)
        assert q.is_contiguous(), k  # returned in the contiguous format
    # same seed, same numbers, also channels-last
    c_net = _net()
    c = training.train(c_net, x, y, channels_last=True, **kw)
    np.testing.assert_array_equal(c.step_loss, b.step_loss)


def test_threads_argument_and_environment(monkeypatch):
    x, y = _data(n=32)
    before = torch.get_num_threads()
    training.train(
        _net(), x, y, epochs=1, batch_size=16, lr=0.1, threads=1, progress=False
    )
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads"):
        training.train(_net(), x, y, epochs=1, batch_size=16, lr=0.1, threads=0)
    monkeypatch.setenv("FRACTAL_TORCH_THREADS", "3")
    assert torch_threads() == 3
    monkeypatch.setenv("FRACTAL_TORCH_THREADS", "0")
    with pytest.raises(ValueError, match="FRACTAL_TORCH_THREADS"):
        torch_threads()
    monkeypatch.delenv("FRACTAL_TORCH_THREADS")
    assert torch_threads() == 1


@pytest.mark.parametrize("bad", [True, 1.7, "x", 0])
def test_threads_must_be_a_positive_integer(bad):
    """``threads`` is checked, not truncated (1.7 was taken as 1, True as 1)."""
    from fractal_lib.dynamical import batched_mlp as B
    from fractal_lib.nets import training as T

    x, y = torch.zeros(4, 2, dtype=torch.float64), torch.zeros(4, dtype=torch.long)
    with pytest.raises(ValueError, match="threads"):
        T.train(
            torch.nn.Linear(2, 2),
            x.float(),
            y,
            lr=0.1,
            epochs=1,
            batch_size=2,
            threads=bad,
        )
    with pytest.raises(ValueError, match="threads"):
        B.train(2, 0, x, y, steps=1, threads=bad)
