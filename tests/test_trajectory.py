"""Tests of the trajectory recorder (fractal_lib.nets.trajectory)."""

import numpy as np
import pytest
import torch

from fractal_lib.nets import models, training
from fractal_lib.nets import trajectory as TR


def _data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 6, generator=g), torch.randint(0, 3, (n,), generator=g)


def _net(seed=0):
    torch.manual_seed(seed)
    return models.mlp([6, 8, 3])


def test_projection_preserves_squared_distances_on_average():
    n, k = 2000, 256
    proj = TR.SparseProjection(n, k, seed=1)
    rng = np.random.default_rng(2)
    ratios = []
    for _ in range(120):
        v = torch.from_numpy(rng.standard_normal(n) * rng.exponential(1.0, n))
        ratios.append(np.sum(proj(v) ** 2) / float(v @ v))
    ratios = np.asarray(ratios)
    assert abs(ratios.mean() - 1.0) < 0.02  # unbiased
    assert ratios.std() <= TR.jl_relative_error(k) * 1.2  # within the stated error


def test_full_recording_is_exact_and_chunked(tmp_path):
    x, y = _data()
    net = _net()
    w0 = torch.cat([p.detach().reshape(-1) for p in net.parameters()]).double().numpy()
    rec = TR.TrajectoryRecorder(
        net, tmp_path / "r", full_max=10_000, n_grad=5, chunk_steps=7
    )
    res = training.train(
        net, x, y, epochs=3, batch_size=16, lr=0.1, on_step=rec, progress=False
    )
    rec.flush()
    tr = TR.load_trajectory(tmp_path / "r")
    assert tr.positions.shape == (13, w0.size)
    np.testing.assert_array_equal(tr.positions[0], w0)
    w_end = (
        torch.cat([p.detach().reshape(-1) for p in net.parameters()]).double().numpy()
    )
    np.testing.assert_array_equal(tr.positions[-1], w_end)
    np.testing.assert_allclose(tr.loss, res.step_loss)
    assert tr.grad.shape == (12, 5)
    assert len(list((tmp_path / "r").glob("chunk-*.npz"))) == 2  # 7 + 5 steps


def test_resume_skips_stored_steps_and_matches(tmp_path):
    x, y = _data()
    # full run
    net = _net()
    rec = TR.TrajectoryRecorder(
        net, tmp_path / "a", full_max=0, n_proj=16, chunk_steps=4
    )
    training.train(
        net, x, y, epochs=2, batch_size=16, lr=0.1, on_step=rec, progress=False
    )
    rec.flush()
    full = TR.load_trajectory(tmp_path / "a")
    # interrupted run: only the first chunk reaches the disk, then a replay resumes
    net = _net()
    rec = TR.TrajectoryRecorder(
        net, tmp_path / "b", full_max=0, n_proj=16, chunk_steps=4
    )
    training.train(
        net, x, y, epochs=1, batch_size=16, lr=0.1, on_step=rec, progress=False
    )
    assert TR.stored_steps(tmp_path / "b") == 4
    net = _net()
    rec = TR.TrajectoryRecorder(
        net, tmp_path / "b", full_max=0, n_proj=16, chunk_steps=4
    )
    assert rec.n_stored == 4
    training.train(
        net, x, y, epochs=2, batch_size=16, lr=0.1, on_step=rec, progress=False
    )
    rec.flush()
    again = TR.load_trajectory(tmp_path / "b")
    np.testing.assert_allclose(again.positions, full.positions)
    np.testing.assert_array_equal(again.grad, full.grad)


def test_settings_mismatch_is_rejected(tmp_path):
    TR.TrajectoryRecorder(_net(), tmp_path / "c", n_proj=16, full_max=0)
    with pytest.raises(ValueError, match="other settings"):
        TR.TrajectoryRecorder(_net(), tmp_path / "c", n_proj=32, full_max=0)
    with pytest.raises(ValueError, match="sparsity"):
        TR.SparseProjection(10, 10, sparsity=3)
