"""Class-weight schedule, dynamical losses, instability detection and spiral data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fractal_lib.dynamical import losses as DL
from fractal_lib.dynamical import spirals


# --------------------------------------------------------------------------- schedule
@pytest.mark.parametrize("A", [1.0, 5.0, 70.0])
def test_normalized_weights_sum_to_class_count(A):
    s = DL.Schedule(A=A, T=100, n_classes=3)
    g = s.weights(np.arange(1000))
    np.testing.assert_allclose(g.sum(-1), 3.0, rtol=0, atol=1e-12)


def test_code_peak_at_A70_is_2p92_and_literal_peak_is_A():
    norm = DL.Schedule(A=70, T=5000)
    lit = DL.Schedule(A=70, T=5000, reading="literal")
    g = norm.weights(np.arange(5000))
    assert norm.peak == pytest.approx(210 / 72)
    assert g.max() == pytest.approx(210 / 72)
    assert g[2500, 0] == pytest.approx(210 / 72)  # peak at T/2, class 0 emphasised
    assert g[2500, 1] == pytest.approx(3 / 72)  # others drop to 0.042
    gl = lit.weights(np.arange(5000))
    assert gl.max() == pytest.approx(70.0)
    assert gl[2500].tolist() == pytest.approx([70.0, 1.0, 1.0])
    assert lit.peak == 70.0 and lit.trough == 1.0


def test_schedule_period_cycle_and_static_points():
    s = DL.Schedule(A=10, T=40, n_classes=3)
    t = np.arange(0, 400)
    g = s.weights(t)
    np.testing.assert_allclose(
        g[t % 40 == 0], 1.0
    )  # all weights 1 at each period start
    np.testing.assert_allclose(s.weights(t + 120), g)  # a full cycle lasts C T
    assert s.emphasised([0, 39, 40, 80, 120]).tolist() == [0, 0, 1, 2, 0]
    # the emphasised class rises linearly to the peak at T/2 and falls back
    # symmetrically
    w = DL.triangle(np.arange(40), 10, 40)
    np.testing.assert_allclose(w[:21], 1 + 9 * np.arange(21) / 20)
    np.testing.assert_allclose(w[1:20], w[39:20:-1])


def test_static_from_switches_to_ones():
    s = DL.Schedule(A=50, T=10, static_from=25)
    g = s.weights(np.arange(40))
    assert np.any(g[:25] != 1.0)
    np.testing.assert_array_equal(g[25:], 1.0)


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"A": 0.5}, "A"),
        ({"T": 0}, "T"),
        ({"n_classes": 1}, "n_classes"),
        ({"reading": "sine"}, "reading"),
        ({"T": 2.5}, "T"),
    ],
)
def test_schedule_bad_input(kw, name):
    with pytest.raises(ValueError, match=name):
        DL.Schedule(**{"A": 70.0, "T": 5000, **kw})


# --------------------------------------------------------------------------- losses
def _data(seed=0, p=12, c=3):
    gen = torch.Generator().manual_seed(seed)
    out = torch.randn(4, p, c, generator=gen, dtype=torch.float64)
    y = torch.nn.functional.one_hot(torch.arange(p) % c, c).double()
    return out, y


def test_A1_dynamical_equals_static():
    out, y = _data()
    g = torch.as_tensor(DL.Schedule(A=1, T=7).weights(np.arange(4)))
    ce = torch.nn.functional.cross_entropy(
        out.reshape(-1, 3), y.argmax(1).repeat(4), reduction="none"
    )
    np.testing.assert_allclose(
        DL.loss_value("ce", out, y), ce.reshape(4, -1).mean(1), rtol=1e-13
    )
    np.testing.assert_allclose(
        DL.loss_value("dce", out, y, g), DL.loss_value("ce", out, y), rtol=1e-13
    )
    mse = ((out - y) ** 2).sum((1, 2)) / 12
    for k in ("dmse1", "dmse2"):
        np.testing.assert_allclose(DL.loss_value(k, out, y, g), mse, rtol=1e-13)


def test_weights_act_as_in_eqs_2_to_4():
    out, y = _data(1)
    g = torch.tensor([2.0, 0.5, 1.5], dtype=torch.float64)
    nll = -(torch.log_softmax(out, -1) * y).sum(-1)
    np.testing.assert_allclose(
        DL.loss_value("dce", out, y, g), (nll * (y @ g)).mean(-1), rtol=1e-13
    )
    np.testing.assert_allclose(
        DL.loss_value("dmse1", out, y, g),
        ((out - y) ** 2 * g).sum((1, 2)) / 12,
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        DL.loss_value("dmse2", out, y, g),
        ((out - y * g) ** 2).sum((1, 2)) / 12,
        rtol=1e-13,
    )


def test_global_minima_unchanged_by_gamma():
    _, y = _data()
    perfect = 60.0 * (2 * y - 1)  # huge margin for the right class
    for t in (0, 1250, 2500, 4000):
        g = torch.as_tensor(DL.Schedule(A=70, T=5000, reading="literal").weights(t))
        assert float(DL.loss_value("dce", perfect, y, g)) < 1e-20
        assert float(DL.loss_value("dmse1", y.clone(), y, g)) == 0.0
    # DMSE2 moves the target instead: y itself is no longer a minimum when Gamma != 1
    g = torch.tensor([2.0, 0.5, 1.0], dtype=torch.float64)
    assert float(DL.loss_value("dmse2", y.clone(), y, g)) > 0.0
    assert float(DL.loss_value("dmse2", y * g, y, g)) == 0.0


@pytest.mark.parametrize("kind", DL.LOSSES)
def test_analytic_output_gradient_matches_autograd(kind):
    out, y = _data(2)
    g = torch.tensor(
        [[2.0, 0.5, 0.5], [1, 1, 1], [0.1, 2.8, 0.1], [1, 2, 3]], dtype=torch.float64
    )
    o = out.clone().requires_grad_(True)
    val = DL.loss_value(kind, o, y, g)
    (auto,) = torch.autograd.grad(val.sum(), o)
    loss, grad = DL.loss_and_grad(kind, out, y, g)
    np.testing.assert_allclose(loss, val.detach(), rtol=1e-13)
    np.testing.assert_allclose(grad, auto, rtol=1e-12, atol=1e-15)


def test_unknown_loss_raises():
    out, y = _data()
    with pytest.raises(ValueError, match="loss"):
        DL.loss_value("hinge", out, y)


# ---------------------------------------------------------------------------
# instabilities
def test_first_instability_on_a_quadratic_crossing_2_over_lr():
    # GD on L = lam(t) x^2 / 2 with lam rising through 2/lr: the updates flip sign at
    # the crossing
    lr, x, steps = 1.0, 1.0, 400
    lam = np.linspace(1.05, 3.0, steps)
    upd = np.empty(steps)
    for t in range(steps):
        upd[t] = -lr * lam[t] * x
        x += upd[t]
    ratio = np.r_[np.nan, upd[1:] * upd[:-1] / upd[:-1] ** 2]
    t_star = int(DL.first_instability(ratio))
    # a negative cosine alone fires already at lam = 1/lr (stable overshooting)
    cos = np.r_[np.nan, np.sign(upd[1:] * upd[:-1])]
    assert lam[int(DL.first_instability(cos, threshold=-0.5))] < 1.1 / lr
    assert abs(lam[t_star] - 2.0 / lr) < 0.02
    lam_there = float(DL.value_at(np.arange(0, steps, 10), lam[::10], t_star))
    assert lam_there == pytest.approx(lam[t_star], abs=0.06)
    assert DL.first_instability(np.ones(50)) == -1
    with pytest.raises(ValueError, match="run"):
        DL.first_instability(ratio, run=0)


def test_period_of_detects_cascade():
    t = np.arange(200)
    assert DL.period_of(1.0 + 1e-4 * t) == 1
    assert DL.period_of(1.0 + 0.1 * (-1.0) ** t) == 2
    assert DL.period_of(1.0 + 0.1 * np.array([0, 1, 0.3, 0.8])[t % 4]) == 4


# --------------------------------------------------------------------------- spirals
def test_spiral_shape_noise_and_seeds():
    x, y = spirals.spiral_numpy(100, 3, noise=0.0, seed=0)
    assert x.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(
        r[:100], np.linspace(0, 1, 100), atol=1e-12
    )  # angle noise keeps radii
    xn, _ = spirals.spiral_numpy(100, 3, noise=0.2, seed=0)
    np.testing.assert_allclose(np.hypot(xn[:, 0], xn[:, 1]), r, atol=1e-12)
    a, b = spirals.train_val(seed=3)
    a2, _ = spirals.train_val(seed=3)
    assert torch.equal(a.x, a2.x)
    assert not torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    with pytest.raises(ValueError, match="val_seed"):
        spirals.train_val(seed=2, val_seed=2)
    with pytest.raises(ValueError, match="noise"):
        spirals.spiral_numpy(noise=-1)


def test_chapter_presets_nest():
    import dataclasses

    from fractal_lib.papers.presets import lavin2024_dynamical_loss as pre

    for small, large in (("smoke", "book"), ("book", "paper")):
        a, b = pre.sizes(small), pre.sizes(large)
        for f in dataclasses.fields(a):
            va, vb = getattr(a, f.name), getattr(b, f.name)
            if isinstance(va, tuple):
                assert set(va) <= set(vb), f.name  # grids and seed sets are subsets
            elif f.name.endswith("_seeds") or f.name.startswith("fig3_seeds"):
                assert va <= vb, f.name
            elif f.name.endswith("_every"):
                assert va % vb == 0, f.name  # finer Hessian sampling contains coarser
    assert "Built at scale `smoke`" in pre.admonition("smoke")
    assert all(r["smoke"] and r["paper"] for r in pre.table_rows())


def test_period_of_separates_diverged_and_too_short_from_irregular():
    t = np.arange(80)
    diverged = 1.0 + 0.1 * (-1.0) ** t
    diverged[-3:] = np.inf
    assert DL.period_of(diverged) == -1
    chaotic = np.random.default_rng(0).uniform(size=80)
    assert DL.period_of(chaotic) == 0
    np.testing.assert_array_equal(
        DL.period_scan(1.0 + 0.1 * (-1.0) ** t, [10, 79]), [-1, 2]
    )


def test_first_instability_degenerate_input():
    with pytest.raises(ValueError, match="ratio has no finite value"):
        DL.first_instability(np.full(100, np.nan))  # before: -1 ("no instability")
    with pytest.raises(ValueError, match="start must lie in"):
        DL.first_instability(np.full(100, -2.0), start=500)
    r = np.full(100, 0.5)
    r[0] = np.nan
    r[40:45] = -2.0
    assert DL.first_instability(r, start=10) == 40


def test_schedule_amplitude_and_period_are_required():
    from fractal_lib.papers import lavin2024

    with pytest.raises(TypeError, match="A"):
        DL.Schedule()  # no paper amplitude or period hidden in the concept module
    with pytest.raises(TypeError, match="T"):
        DL.Schedule(A=70.0)
    s = lavin2024.schedule(70.0, 5000)
    assert (s.A, s.T, s.n_classes) == (70.0, 5000, 3)


def test_fig4_status_is_measured_from_the_runs():
    """Fig. 4's row status comes from the ratios: 1 +- 0.1 at every rate reproduces the
    paper's "≈ 1 for every η", at some rates is partial, at none (or never found) is a
    miss."""
    from fractal_lib.papers import lavin2024 as P

    lrs = [0.5, 1.0]

    def res(ratios, found=True):
        r = np.asarray(ratios, dtype=float)[:, None] * np.ones((1, 3))
        lam = np.where(found, r * 2 / np.asarray(lrs)[:, None], np.nan)
        return {"lam": lam, "found": np.full(r.shape, found)}

    assert P.fig4_status(res([1.05, 0.97]), lrs) == "reproduced"
    assert P.fig4_status(res([1.05, 1.49]), lrs) == "partial"
    assert P.fig4_status(res([1.6, 1.49]), lrs) == "missed"
    assert P.fig4_status(res([1.0, 1.0], found=False), lrs) == "missed"
