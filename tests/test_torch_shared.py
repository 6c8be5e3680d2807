"""Tests of the shared torch modules: hessian, directions, training, models, data."""

import numpy as np
import pytest
import torch

from fractal_lib.nets import data, directions, hessian, models, training
from fractal_lib.nets.torchtools import flat, seed_everything, unflat_like


def _quadratic(n=12, seed=3):
    """Loss 0.5 x^T A x + sin-free cubic term with a known Hessian at the origin."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    eig = np.linspace(-2.0, 5.0, n)
    a = torch.tensor(q @ np.diag(eig) @ q.T)
    x = torch.zeros(n, dtype=torch.float64, requires_grad=True)
    return (lambda: 0.5 * x @ a @ x + (x**3).sum()), [x], np.sort(eig)[::-1], a


def test_top_eigen_matches_explicit_hessian():
    loss_fn, params, eig, _ = _quadratic()
    res = hessian.top_eigen(loss_fn, params, k=3, tol=1e-10)
    np.testing.assert_allclose(res.values, eig[:3], rtol=1e-8)
    assert np.all(res.residuals < 1e-6)
    v = res.vectors[0][0]
    assert abs(float(v.norm()) - 1.0) < 1e-10


def test_hvp_and_power_iteration_and_trace():
    loss_fn, params, eig, a = _quadratic()
    v = torch.arange(12, dtype=torch.float64)
    np.testing.assert_allclose(
        hessian.hvp(loss_fn, params, [v])[0].numpy(), (a @ v).numpy(), rtol=1e-12
    )
    pw = hessian.lambda_max(loss_fn, params, n_iter=2000, tol=1e-12)
    assert pw.converged and float(pw) == pytest.approx(eig[0], rel=1e-6)
    est, err, n = hessian.hutchinson_trace(loss_fn, params, n_samples=400, seed=1)
    assert n == 400
    assert abs(est - eig.sum()) < 4 * err + 1e-9


def test_top_eigen_on_a_network_agrees_with_dense_hessian():
    seed_everything(0)
    net = models.mlp([3, 5, 2], "tanh").double()
    x = torch.randn(20, 3, dtype=torch.float64)
    y = torch.randint(0, 2, (20,))
    loss_fn, params = hessian.model_loss_fn(
        net, torch.nn.functional.cross_entropy, x, y
    )
    w0 = flat(params)

    def f(w):
        return torch.func.functional_call(
            net,
            dict(
                zip(
                    [n for n, _ in net.named_parameters()],
                    unflat_like(w, params),
                    strict=True,
                )
            ),
            (x,),
        )

    dense = torch.autograd.functional.hessian(
        lambda w: torch.nn.functional.cross_entropy(f(w), y), w0
    )
    exact = np.sort(np.linalg.eigvalsh(dense.numpy()))[::-1]
    res = hessian.top_eigen(loss_fn, params, k=2, tol=1e-10)
    np.testing.assert_allclose(res.values, exact[:2], rtol=1e-6)


def test_hessian_bad_input():
    loss_fn, params, _, _ = _quadratic()
    with pytest.raises(ValueError, match="k"):
        hessian.top_eigen(loss_fn, params, k=0)
    with pytest.raises(ValueError, match="params"):
        hessian.top_eigen(loss_fn, [torch.zeros(3)], k=1)


def test_filter_directions_and_plane_restores_weights():
    seed_everything(1)
    net = models.small_cnn(width=4)
    d = directions.random_directions(net, 2, normalize="filter", seed=5)
    conv = list(net.parameters())[0]
    ratio = d[0][0].reshape(4, -1).norm(dim=1) / conv.detach().reshape(4, -1).norm(
        dim=1
    )
    np.testing.assert_allclose(ratio.numpy(), 1.0, rtol=1e-5)
    again = directions.random_directions(net, 2, normalize="filter", seed=5)
    assert all(torch.equal(a, b) for a, b in zip(d[1], again[1], strict=True))
    unit = directions.random_directions(
        net, 1, normalize="tensor", seed=5, unit_norm=True
    )[0]
    assert float(
        torch.sqrt(sum((u.double() ** 2).sum() for u in unit))
    ) == pytest.approx(1.0, rel=1e-5)
    x = torch.randn(8, 1, 28, 28)
    y = torch.arange(8) % 10
    before = [p.detach().clone() for p in net.parameters()]
    net.eval()
    plane = directions.loss_plane(
        lambda: torch.nn.functional.cross_entropy(net(x), y),
        list(net.parameters()),
        d[0],
        d[1],
        [-0.5, 0.0, 0.5],
        [0.0, 0.25],
    )
    assert plane.shape == (3, 2)
    centre = float(torch.nn.functional.cross_entropy(net(x), y).detach())
    assert plane[1, 0] == pytest.approx(centre, rel=1e-6)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))


def test_training_is_reproducible_and_learns():
    x = torch.randn(256, 4)
    y = (x[:, 0] > 0).long()

    def run():
        seed_everything(0)
        net = models.mlp([4, 16, 2], "relu")
        seen = []
        res = training.train(
            net,
            x,
            y,
            epochs=5,
            batch_size=32,
            lr=0.1,
            momentum=0.9,
            nesterov=True,
            schedule="cosine",
            seed=3,
            checkpoint_at=(0.0, 0.5, 1.0),
            on_step=lambda s, m, loss, xb, yb: seen.append(s),
            x_val=x,
            y_val=y,
            progress=False,
        )
        return res, seen

    a, seen = run()
    b, _ = run()
    np.testing.assert_array_equal(a.step_loss, b.step_loss)
    assert seen == list(range(1, 41))
    assert sorted(a.checkpoints) == [0.0, 0.5, 1.0]
    assert a.epoch_val_acc[-1] > 0.9 > a.epoch_val_acc[0] - 0.5
    assert a.lrs[0] == pytest.approx(0.1) and a.lrs[-1] < 0.001
    with pytest.raises(ValueError, match="batch_size"):
        training.train(models.mlp([4, 2]), x, y, epochs=1, batch_size=0, lr=0.1)


def test_training_divergence_is_an_outcome():
    x = torch.randn(64, 4)
    y = (x[:, 0] > 0).long()
    seed_everything(0)
    res = training.train(
        models.mlp([4, 64, 2], "relu"),
        x * 1e3,
        y,
        epochs=3,
        batch_size=16,
        lr=1e6,
        progress=False,
    )
    assert res.diverged


@pytest.mark.parametrize("depth,shortcut", [(8, True), (14, False)])
def test_resnets_shapes(depth, shortcut):
    net = models.resnet_cifar(depth, shortcut=shortcut, in_channels=1, width=4)
    assert net(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    n_conv = sum(
        isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)
        for m in net.modules()
    )
    assert n_conv == depth - 1
    with pytest.raises(ValueError, match="depth"):
        models.resnet_cifar(10)
    assert models.resnet18(in_channels=1, width=4)(torch.randn(2, 1, 28, 28)).shape == (
        2,
        10,
    )


def test_fashion_mnist_and_cifar_readers(tmp_path):
    try:
        x, y = data.load_fashion_mnist("test", n=50)
    except data.DataNotFoundError:
        pytest.skip("Fashion-MNIST not installed")
    assert x.shape == (50, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [5] * 10
    x2, _ = data.load_fashion_mnist("test", n=20)
    assert set(map(bytes, x2)) <= set(map(bytes, x))  # smaller subsets nest
    with pytest.raises(data.DataNotFoundError, match="dataset-fashion-mnist"):
        data.load_fashion_mnist("train", root=tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "t10k-images-idx3-ubyte").write_bytes(b"0" * 100)
    (bad / "t10k-labels-idx1-ubyte").write_bytes(b"0" * 100)
    with pytest.raises(data.DataNotFoundError, match="corrupt"):
        data.load_fashion_mnist("test", root=bad)
    # CIFAR-10 binary format: write one tiny fake file set and read it back.
    rng = np.random.default_rng(0)
    recs = rng.integers(0, 256, size=(10000, 3073), dtype=np.uint8)
    recs[:, 0] = np.arange(10000) % 10
    recs.tofile(tmp_path / "test_batch.bin")
    imgs, labels = data.load_cifar10(tmp_path, "test")
    assert imgs.shape == (10000, 32, 32, 3)
    np.testing.assert_array_equal(
        imgs[7, :, :, 1].ravel(), recs[7, 1 + 1024 : 1 + 2048]
    )
    assert labels[:3].tolist() == [0, 1, 2]
    with pytest.raises(data.DataNotFoundError, match="binary version"):
        data.load_cifar10(tmp_path, "train")
    with pytest.raises(ValueError, match="split"):
        data.load_cifar10(tmp_path, "val")


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: models.resnet18(width=0), "width"),
        (lambda: models.resnet_cifar(8, num_classes=0), "num_classes"),
        (lambda: models.small_cnn(in_channels=0), "in_channels"),
        (lambda: models.mlp([3, 0, 2]), r"sizes\[1\]"),
    ],
)
def test_model_size_checks_name_the_parameter(build, name):
    with pytest.raises(ValueError, match=name + " must be >= 1"):
        build()
