"""The batched two-layer network grid: gradients, equivalence with single runs, windows,
validation and reproducibility."""

from __future__ import annotations

import concurrent.futures as cf
import math

import numpy as np
import pytest
import torch

from fractal_lib.boundaries import landscapes as L
from fractal_lib.boundaries import network_trainability as NT
from fractal_lib.boundaries import trainability as T
from fractal_lib.boundaries._net_kernels import LANES
from fractal_lib.core.cache import ResultCache

SMALL = dict(width=6, n_data=20)


def _torch_loss(act, X, y, W1, W2):
    z = X @ W1 / math.sqrt(X.shape[1])
    if act == "tanh":
        h = torch.tanh(math.sqrt(2.0) * z)
    elif act == "relu":
        h = math.sqrt(2.0) * torch.relu(z)
    else:
        h = z
    f = h @ W2 / W2.shape[0]
    return torch.mean((f - y) ** 2)


@pytest.mark.parametrize("act", ["tanh", "relu", "identity"])
def test_kernel_gradients_match_autograd(act):
    prob = NT.NetworkProblem(act, width=16, seed=3)
    X, y, W1, W2 = prob.arrays()
    W1 = W1 + 0.3  # move off the initialisation
    loss, g1, g2 = NT.loss_and_grad(prob, W1, W2)
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)
    t1 = torch.tensor(W1, requires_grad=True)
    t2 = torch.tensor(W2, requires_grad=True)
    tl = _torch_loss(act, tX, ty, t1, t2)
    tl.backward()
    assert loss == pytest.approx(tl.item(), rel=1e-13)
    np.testing.assert_allclose(g1, t1.grad.numpy(), rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(g2, t2.grad.numpy(), rtol=1e-11, atol=1e-15)


def test_kernel_tanh_is_accurate():
    prob = NT.NetworkProblem("tanh", width=16, seed=1)
    X, y, W1, W2 = prob.arrays()
    for scale in (1e-8, 1.0, 30.0):  # tiny, ordinary and saturated pre-activations
        loss, _, _ = NT.loss_and_grad(prob, W1 * scale, W2)
        assert loss == pytest.approx(
            NT.forward_loss("tanh", X, y, W1 * scale, W2), rel=1e-13
        )


def test_grid_point_equals_single_network_run():
    prob = NT.NetworkProblem("tanh", **SMALL)
    img = NT.render(prob, log2_res=3, steps=30, cache=False)
    xs, ys = img.xs, img.ys
    for i, j in [(0, 0), (2, 7), (5, 5), (8, 1), (8, 8), (4, 6)]:
        single = NT.train_single(prob, 10 ** xs[j], 10 ** ys[i], steps=30)
        assert single == img.measure[i, j]  # bit for bit: lanes never mix
    assert 0 < img.converged_fraction < 1


def test_kernel_agrees_with_plain_numpy_reference():
    prob = NT.NetworkProblem("relu", **SMALL)
    lr1 = np.array([0.01, 1.0, 30.0, 1e3, 1e5, 0.5])
    lr2 = np.array([0.01, 3.0, 0.1, 1e4, 1e-2, 50.0])
    m, steps = NT.run_points(prob, lr1, lr2, steps=25, parallel=False)
    ref = [
        NT.reference_run(prob, a, b, steps=25) for a, b in zip(lr1, lr2, strict=True)
    ]
    np.testing.assert_allclose(m, ref, rtol=1e-9)
    assert np.all(np.sign(m) == np.sign(ref))
    assert np.all(steps <= 25) and np.any(steps < 25)  # divergent runs stop early


def test_measure_matches_trajectory_definition():
    prob = NT.NetworkProblem("tanh", **SMALL)
    for lr1, lr2 in [(0.1, 0.1), (1e4, 1e4)]:
        m, losses = NT.reference_run(prob, lr1, lr2, steps=40, return_losses=True)
        assert m == NT.convergence_measure(losses)
        assert (m < 0) == (np.mean(np.minimum(losses[-20:] / losses[0], 1e6)) < 1)
    assert NT.convergence_measure(np.array([2.0, 1.0, 0.5])) == pytest.approx(-1.75)
    # diverged: sum of the inverses, non-finite losses count as 1e6 (then divided by v0
    # = 1)
    assert NT.convergence_measure(np.array([1.0, 4.0, np.inf])) == pytest.approx(
        1 + 0.25 + 1e-6
    )


def test_offset_plane_modes():
    prob = NT.NetworkProblem("tanh", **SMALL)
    every = NT.NetworkProblem("tanh", offset_mode="every_step", **SMALL)
    # offset 0: both modes are plain GD with one learning rate
    a = NT.run_points(prob, [0.3], [0.3], offset=[0.0], steps=20, parallel=False)[0]
    b = NT.run_points(every, [0.3], [0.3], offset=[0.0], steps=20, parallel=False)[0]
    assert a[0] == b[0]
    for mode in (prob, every):
        m = NT.run_points(mode, [0.3], [0.3], offset=[0.05], steps=20, parallel=False)[
            0
        ][0]
        assert m == pytest.approx(
            NT.reference_run(mode, 0.3, 0.3, offset=0.05, steps=20), rel=1e-9
        )


def test_windows_nest():
    root = NT.Window((-3.0, 6.0, -3.0, 6.0))
    xs, ys = root.coords(5)
    child = root.child(2, 1, zoom_log2=2)
    cx, cy = child.coords(5)
    fine_x, fine_y = root.coords(
        7
    )  # the child's points are points of the 4x finer root grid
    assert np.all(np.isin(cx, fine_x)) and np.all(np.isin(cy, fine_y))
    assert np.all(np.isin(xs, fine_x))
    x0, x1, y0, y1 = child.bounds
    assert (x1 - x0) == pytest.approx(9 / 4) and x0 == pytest.approx(-3 + 2 * 9 / 4)
    assert y0 == pytest.approx(-3 + 9 / 4)


def test_executor_chunks_and_cache_give_the_same_image(tmp_path):
    prob = NT.NetworkProblem("tanh", **SMALL)
    kw = dict(log2_res=3, steps=15)
    plain = NT.render(prob, cache=False, **kw)
    store = ResultCache(tmp_path)
    with cf.ThreadPoolExecutor(2) as ex:
        chunked = NT.render(prob, cache=store, executor=ex, chunk_rows=2, **kw)
    again = NT.render(prob, cache=store, chunk_rows=2, **kw)
    assert np.array_equal(plain.measure, chunked.measure)
    assert np.array_equal(plain.measure, again.measure) and again.seconds == 0.0


def test_zoom_sequence_and_slice_connect_to_1d_tools():
    prob = NT.NetworkProblem("tanh", **SMALL)
    seq = NT.zoom_sequence(prob, 1, log2_res=3, steps=15, zoom_log2=1, cache=False)
    assert len(seq) == 2 and seq[1].window.level == 1
    assert seq[0].window.bounds[0] <= seq[1].window.bounds[0]
    sl = NT.line_slice(prob, 1.0, (-3.0, 6.0), log2_n=5, steps=15, cache=False)
    assert sl.measure.size == 33
    counts = T.boundary_counts(sl.diverged)
    assert counts.shape == (6,) and counts[-1] >= 1  # the slice crosses the boundary


def test_colour_values_per_sign_equalisation():
    m = np.array([-5.0, -1.0, -3.0, 2.0, 0.5, 10.0])
    c = NT.colour_values(m)
    assert np.all(c[m < 0] >= 0.25) and np.all(c[m > 0] <= -0.25)
    assert (
        c[0] == 1.0 and c[5] == -1.0
    )  # slowest convergence / slowest divergence darkest


def test_same_seed_same_numbers_different_seed_different():
    a = NT.NetworkProblem("tanh", seed=5, **SMALL)
    b = NT.NetworkProblem("tanh", seed=5, **SMALL)
    c = NT.NetworkProblem("tanh", seed=6, **SMALL)
    kw = dict(log2_res=2, steps=10, cache=False)
    assert np.array_equal(NT.render(a, **kw).measure, NT.render(b, **kw).measure)
    assert not np.array_equal(NT.render(a, **kw).measure, NT.render(c, **kw).measure)


def test_lanes_refill_with_many_points():
    prob = NT.NetworkProblem("relu", **SMALL)
    rng = np.random.default_rng(0)
    lr = 10 ** rng.uniform(-3, 5, size=(2, 3 * LANES + 5))
    par, _ = NT.run_points(prob, lr[0], lr[1], steps=12, parallel=True)
    ser = np.array([NT.train_single(prob, a, b, steps=12) for a, b in lr.T])
    assert np.array_equal(par, ser)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda p: NT.render(p, log2_res=0, cache=False), "log2_res"),
        (lambda p: NT.render(p, log2_res=-2, cache=False), "log2_res"),
        (lambda p: NT.Window((1.0, 0.0, 0.0, 1.0)), "x_max > x_min"),
        (lambda p: NT.Window.from_bounds(0.0, 1.0, 2.0, 2.0), "y_max > y_min"),
        (lambda p: NT.Window((0.0, np.inf, 0.0, 1.0)), "finite"),
        (lambda p: NT.run_points(p, [np.nan], [1.0]), "lr1"),
        (lambda p: NT.run_points(p, [1.0], [np.inf]), "lr2"),
        (lambda p: NT.train_single(p, -1.0, 1.0), "lr1"),
        (lambda p: NT.run_points(p, [1.0], [1.0], steps=0), "steps"),
        (lambda p: NT.NetworkProblem("sigmoid", width=16), "activation"),
        (lambda p: NT.NetworkProblem(width=0), "width"),
        (lambda p: NT.render(p, plane="nope", log2_res=2, cache=False), "plane"),
        (lambda p: NT.line_slice(p, 0.0, (1.0, 0.0), cache=False), "x_range"),
    ],
)
def test_bad_input_raises_naming_the_parameter(call, name):
    prob = NT.NetworkProblem("tanh", **SMALL)
    with pytest.raises(ValueError, match=name):
        call(prob)


def test_chapter_presets_nest_and_fit_the_box_counter():
    import dataclasses

    from fractal_lib.papers.presets import sohl_dickstein2024_network_boundary as PR

    scales = [PR.sizes(s) for s in ("smoke", "book", "paper")]
    for a, b in zip(scales, scales[1:], strict=False):
        for f in dataclasses.fields(a):
            assert getattr(a, f.name) <= getattr(b, f.name), f.name
    for s in scales:  # every image is large enough for two box sizes and the zoom split
        assert (
            s.zoom_log2 <= s.zoom_log2_res and min(s.log2_res, s.offset_log2_res) >= 4
        )


def test_network_problem_width_is_required_and_the_paper_module_supplies_it():
    from fractal_lib.papers import sohl_dickstein2024 as SD

    with pytest.raises(TypeError, match="width"):
        NT.NetworkProblem("tanh")  # no paper width hidden in the concept module
    assert SD.problem("tanh").width == SD.WIDTH == 16


def test_zoom_sequence_follows_the_busiest_child_each_time():
    prob = NT.NetworkProblem("tanh", **SMALL)
    seq = NT.zoom_sequence(prob, 2, log2_res=3, steps=15, zoom_log2=1, cache=False)
    assert [img.window.level for img in seq] == [0, 1, 2]
    for prev, nxt in zip(seq, seq[1:], strict=False):
        cx, cy = NT.best_child(prev, 1)
        assert nxt.window == prev.window.child(cx, cy, 1)


def test_zoom_figures_share_one_label_box():
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from fractal_lib.boundaries import plotting, plotting_networks

    prob = NT.NetworkProblem("tanh", **SMALL)
    seq = NT.zoom_sequence(prob, 1, log2_res=3, steps=15, zoom_log2=1, cache=False)
    fig_net = plotting_networks.plot_zoom_sequence(seq)
    strips = T.zoom_strips(
        L.additive(0.2, 0.1), T.LRGrid(0.0, 1.5, 6), 1, zoom_log2=2, cache=False
    )
    fig_1d = plotting.plot_zoom_strips(strips)
    for fig in (fig_net, fig_1d):
        boxes = [
            t.get_bbox_patch()
            for ax in fig.axes
            for t in ax.texts
            if t.get_bbox_patch() is not None
        ]
        assert len(boxes) == 2  # one label per panel
        for b in boxes:
            assert b.get_facecolor() == to_rgba("white", 0.8)
            assert b.get_edgecolor()[3] == 0.0  # no border
    plt.close("all")
