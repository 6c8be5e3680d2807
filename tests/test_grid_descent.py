"""GD on gridded landscapes: quadratic dynamics, walls, minima, clustering, EoS."""

import numpy as np
import pytest

from fractal_lib.diffusion import msd as D
from fractal_lib.surfaces import grid_descent as G


def _bowl(n=65, a=0.01, b=0.02):
    y, x = np.mgrid[0:n, 0:n].astype(float)
    c = (n - 1) / 2
    return 0.5 * a * (x - c) ** 2 + 0.5 * b * (y - c) ** 2, c


def test_gd_on_a_quadratic_matches_the_linear_map():
    # central differences are exact for a quadratic and bilinear interpolation of a
    # linear
    # gradient is exact, so x_t - c = (1 - lr a)^t (x_0 - c)
    s, c = _bowl()
    lr = np.array([10.0, 50.0, 90.0])
    res = G.descend(s, np.tile([c + 5.3, c - 4.1], (3, 1)), lr, 20, walls="clip")
    t = np.arange(21)
    for k, eta in enumerate(lr):
        assert np.allclose(
            res.positions[k, :, 0] - c, (1 - eta * 0.01) ** t * 5.3, atol=1e-9
        )
        assert np.allclose(
            res.positions[k, :, 1] - c, (1 - eta * 0.02) ** t * -4.1, atol=1e-9
        )


def test_spacing_rescales_consistently():
    s, c = _bowl()
    a = G.descend(s, [c + 3.0, c + 2.0], 20.0, 15)
    b = G.descend(s * 4.0, [2 * (c + 3.0), 2 * (c + 2.0)], 20.0, 15, spacing=2.0)
    assert np.allclose(b.positions, 2 * a.positions)


def test_reflecting_walls_keep_inside_and_unfolded_accumulates():
    s = (
        np.tile(np.arange(32.0), (32, 1)) * 0.1
    )  # slope along +x: GD walks towards x = 0
    res = G.descend(s, [5.0, 10.0], 7.0, 30)
    assert res.folded[..., 0].min() >= 0 and res.folded[..., 0].max() <= 31
    # the unfolded x keeps going: 30 steps of -0.7 (one-sided edge differences are the
    # same slope)
    assert res.positions[0, -1, 0] == pytest.approx(5.0 - 0.7 * 30)


def test_noise_is_seeded():
    s, c = _bowl()
    a = G.descend(s, [c, c], 1.0, 50, noise=0.5, seed=3)
    b = G.descend(s, [c, c], 1.0, 50, noise=0.5, seed=3)
    d = G.descend(s, [c, c], 1.0, 50, noise=0.5, seed=4)
    assert np.array_equal(a.positions, b.positions) and not np.array_equal(
        a.positions, d.positions
    )


def test_hessian_and_minima_of_a_quadratic():
    s, c = _bowl(a=0.01, b=0.04)
    hi, lo = G.hessian_eigenvalues(s)
    assert np.allclose(hi[5:-5, 5:-5], 0.04) and np.allclose(lo[5:-5, 5:-5], 0.01)
    m = G.local_minima(s)
    assert len(m) == 1 and m.rows[0] == c and m.cols[0] == c
    assert m.flatness[0] == pytest.approx(1 / np.sqrt(np.hypot(0.01, 0.04)))


def test_cluster_counts_on_a_lattice_give_dimension_two():
    g = np.stack(np.meshgrid(np.arange(200.0), np.arange(200.0)), -1).reshape(-1, 2)
    centres = g[(np.abs(g[:, 0] - 100) < 3) & (np.abs(g[:, 1] - 100) < 3)]
    r = np.logspace(0.3, 1.7, 20)
    fit = D.power_law_fit(r, G.cluster_counts(centres, g, r))
    assert abs(fit.exponent - 2.0) < 0.05


def test_eos_on_a_quadratic_follows_two_over_eta():
    # on x^2 bowls GD converges for lr a < 2 and bounces between the walls above:
    # lambda_1 = 0.04
    s, _ = _bowl(a=0.04, b=0.04)
    e = G.eos_sweep(s, np.array([5.0, 80.0]), n_seeds=2, steps=200, n_last=10)
    assert e.geometric_mean()[0] == pytest.approx(0.04, rel=1e-6)
    assert e.ratio()[0] == pytest.approx(0.1) and e.ratio()[1] > 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(lr=-1.0), "lr"),
        (dict(steps=-1), "steps"),
        (dict(walls="wrap"), "walls"),
        (dict(noise=-0.1), "noise"),
        (dict(spacing=0.0), "spacing"),
        (dict(x0=[[1, 2, 3]]), "x0"),
    ],
)
def test_bad_input_raises(kwargs, match):
    s, c = _bowl(n=9)
    args = dict(x0=[4.0, 4.0], lr=1.0, steps=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        G.descend(s, args.pop("x0"), args.pop("lr"), args.pop("steps"), **args)


def test_lyapunov_of_gd_on_a_quadratic_is_log_of_the_contraction():
    from fractal_lib.surfaces import lyapunov as L

    s, c = _bowl(a=0.01, b=0.04)
    lr = 10.0  # multipliers 1 - lr a = 0.9 and 1 - lr b = 0.6: the exponent is ln 0.9
    res = L.max_lyapunov(
        G.gd_map(s, lr), np.full((4, 2), c + 3.0), d0=0.1, interval=10, n_estimates=20
    )
    assert res.last == pytest.approx(np.log(0.9), abs=1e-6)


def test_roughness_flatness_is_proportional_on_fbm():
    from fractal_lib.surfaces import fields as S

    n = 128
    hmap = np.where(np.arange(n)[None, :] < n // 2, 0.3, 0.7) * np.ones((n, 1))
    z = S.mbm_surface(n, hmap, seed=0, n_levels=4)
    rf = G.roughness_flatness(z, hmap, n_points=4000, n_bins=20)
    mid = np.sqrt(rf.x.min() * rf.x.max())
    rough, smooth = rf.y[rf.x > mid].mean(), rf.y[rf.x < mid].mean()
    assert rough > 5 * smooth  # rougher (smaller H) is sharper


def test_roughness_flatness_slope_is_the_proportionality_factor():
    # defects: the paper's n_points = 10^4 and 99 bins were defaults (now required),
    # and the docstring named the fitted factor ``m`` while the field is ``slope``.
    from fractal_lib.surfaces import fields as S

    n = 64
    hmap = np.where(np.arange(n)[None, :] < n // 2, 0.3, 0.7) * np.ones((n, 1))
    z = S.mbm_surface(n, hmap, seed=0, n_levels=4)
    with pytest.raises(TypeError):
        G.roughness_flatness(z, hmap)
    rf = G.roughness_flatness(z, hmap, n_points=500, n_bins=7)
    want = np.exp(np.mean(np.log(rf.bin_y) - np.log(rf.bin_x)))
    assert rf.slope == pytest.approx(want, rel=1e-12)
    assert "``slope``" in G.roughness_flatness.__doc__
    assert "``m``" not in G.roughness_flatness.__doc__


def test_binned_means_is_the_one_log_binning():
    # defect: the log-binning was written twice (msd and grid_descent); both now call
    # ``binned_means``, which bins ``edges[k] <= key < edges[k + 1]`` (ends clipped).
    keys = np.array([1.0, 2.0, 3.0, 10.0, 20.0])
    counts, (m1, m2) = D.binned_means(keys, np.array([1.0, 5.0, 20.0]), keys, keys**2)
    np.testing.assert_array_equal(counts, [3, 2])
    np.testing.assert_allclose(m1, [2.0, 15.0])
    np.testing.assert_allclose(m2, [14.0 / 3.0, 250.0])
    counts, (m,) = D.binned_means(keys, np.array([0.0, 0.5, 1.0, 30.0]), keys)
    np.testing.assert_array_equal(counts, [5])  # empty bins are dropped
    assert m[0] == pytest.approx(7.2)
    import inspect

    assert "bincount" not in inspect.getsource(G.roughness_flatness)
    assert "bincount" not in inspect.getsource(D._bin_log)


def test_roughness_prefactor_is_neutrally_named():
    # the concept module named r(H) after the paper (ly_gong_r)
    assert not hasattr(G, "ly_gong_r")
    assert G.roughness_prefactor(0.5) == pytest.approx(10 - np.sqrt(2), rel=1e-14)
