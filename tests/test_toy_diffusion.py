"""Tests of the toy model of SGD on a fractal landscape (surfaces.toy_diffusion)."""

import numpy as np
import pytest

from fractal_lib.diffusion import msd as D
from fractal_lib.surfaces import toy_diffusion as T


def test_landscapes_shapes_and_recipe():
    ds = T.douillet_landscape(6, seed=1)
    assert ds.loss.shape == (65, 65)
    assert ds.loss.max() == pytest.approx(10.1)  # water level -0.1 -> plateau at 10.1
    assert np.all(ds.loss[0] >= 10.0)  # border clamped to z <= 0
    fb = T.fbm_landscape(6, 0.3, seed=1)
    assert fb.loss.std() == pytest.approx(
        T.fields.diamond_square(6, 1.0, seed=1).std(), rel=1e-9
    )
    conv = T.convex_control(6)
    assert conv.loss[32, 32] == pytest.approx(0.0) and conv.loss.max() < 10.0


def test_wide_minimum_is_the_global_minimum_and_flat():
    land = T.add_wide_minimum(
        T.douillet_landscape(7, seed=2), center=(0.3, -0.2), width=0.2
    )
    i, j = np.unravel_index(np.argmin(land.loss), land.loss.shape)
    c = land.coords()
    assert abs(c[j] - 0.3) < 0.03 and abs(c[i] + 0.2) < 0.03
    d2 = np.abs(np.diff(land.loss, 2, axis=1))[:, :]  # pixel-scale roughness
    r = np.hypot(*np.meshgrid(c[1:-1] - 0.3, c + 0.2))
    rough = (r > 0.6) & (
        land.loss[:, 1:-1] < 10.09
    )  # outside the basin, off the water plateau
    assert np.mean(d2[r < 0.05]) < 0.3 * np.mean(d2[rough])


def test_noise_only_walker_is_brownian():
    flat = T.ToyLandscape(np.zeros((129, 129)), "flat")
    run = T.run_toy(
        flat,
        lr=0.02,
        noise=0.002,
        steps=1500,
        n_trials=8,
        seed=3,
        x0=np.zeros((8, 2)),
    )
    lags, msd, n = T.segment_msd(run, "all", max_lag=100)
    assert n == 8
    assert D.fit_alpha(lags, msd).alpha == pytest.approx(1.0, abs=0.1)
    np.testing.assert_allclose(msd[0], 2 * 0.002**2, rtol=0.1)


def test_gd_on_convex_bowl_converges_and_controls_differ():
    bowl = T.convex_control(7)
    run = T.run_toy(bowl, lr=0.05, noise=0.0, steps=300, n_trials=4, seed=4)
    assert np.all(np.hypot(*run.positions[:, -1].T) < 0.02)
    ds = T.douillet_landscape(9, seed=5)
    sh = T.shuffled_control(ds, seed=5)
    assert sh.loss.min() == pytest.approx(
        ds.loss.min()
    ) and sh.loss.max() == pytest.approx(ds.loss.max())
    raw = T.shuffled_control(
        ds, seed=5, sigma_px=1e-9, power=1.0
    )  # shuffled, not smoothed

    def lag1(f):
        return np.corrcoef(f[:, :-1].ravel(), f[:, 1:].ravel())[0, 1]

    assert (
        abs(lag1(raw.loss)) < 0.05 and lag1(sh.loss) > 0.9
    )  # smooth on the 8-pixel scale


def test_same_seed_same_run():
    land = T.douillet_landscape(6, seed=6)
    a = T.run_toy(land, lr=0.02, noise=0.01, steps=50, n_trials=2, seed=7)
    b = T.run_toy(land, lr=0.02, noise=0.01, steps=50, n_trials=2, seed=7)
    np.testing.assert_array_equal(a.positions, b.positions)
    with pytest.raises(ValueError, match="n_levels"):
        T.douillet_landscape(2)


def test_run_toy_takes_its_settings_from_the_caller():
    # defect: Chen's script values (lr 0.02, noise 0.01, 1000 steps, 5 trials) were
    # defaults of the concept module; now they are required and chen2022 passes them.
    from fractal_lib.papers import chen2022

    land = T.convex_control(5)
    with pytest.raises(TypeError):
        T.run_toy(land, steps=10, n_trials=2)
    paper = chen2022.toy_run(land, 2)
    direct = T.run_toy(
        land,
        lr=chen2022.TOY_LR,
        noise=chen2022.TOY_NOISE,
        steps=chen2022.TOY_STEPS,
        n_trials=2,
    )
    np.testing.assert_array_equal(paper.positions, direct.positions)
    assert (paper.lr, paper.noise) == (0.02, 0.01)
    assert paper.positions.shape == (2, 1001, 2)
