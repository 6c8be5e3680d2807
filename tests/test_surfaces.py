"""Fractional and multifractional Brownian surfaces, diamond-square, S2 functions."""

import numpy as np
import pytest

from fractal_lib.surfaces import fields as S


@pytest.mark.parametrize("h", [0.3, 0.5, 0.7, 0.85])
def test_fbm_structure_function_exponent_is_2h(h):
    # ensemble-averaged S2(l) over 6 seeds: slope 2H within 0.04
    # (H = 0.85 uses the R = 2 embedding)
    lags = [1, 2, 4, 8]
    s2 = np.mean(
        [S.structure_function(S.fbm_surface(128, h, seed=s), lags) for s in range(6)],
        axis=0,
    )
    slope = np.polyfit(np.log(lags), np.log(s2), 1)[0]
    assert abs(slope / 2 - h) < 0.04


def test_fbm_variogram_has_unit_square_amplitude():
    # E[(B(u) - B(v))^2] = |u - v|^{2H}: one pixel of a 129 grid is 1/128
    h, n = 0.5, 129
    s1 = np.mean(
        [S.structure_function(S.fbm_surface(n, h, seed=s), [1])[0] for s in range(8)]
    )
    assert s1 == pytest.approx((1 / (n - 1)) ** (2 * h), rel=0.05)


def test_fbm_same_seed_same_surface_and_origin_zero():
    a = S.fbm_surface(64, 0.4, seed=3)
    assert np.array_equal(a, S.fbm_surface(64, 0.4, seed=3))
    assert not np.array_equal(a, S.fbm_surface(64, 0.4, seed=4))
    assert a[0, 0] == 0.0


def test_mbm_local_roughness_follows_the_map():
    n = 256
    hmap = np.where(np.arange(n)[None, :] < n // 2, 0.3, 0.7) * np.ones((n, 1))
    f = S.mbm_surface(n, hmap, seed=1, n_levels=8)
    rough = S.hurst_exponent(f[:, 8:112], (1, 2, 4)).hurst
    smooth = S.hurst_exponent(f[:, 144:248], (1, 2, 4)).hurst
    assert abs(rough - 0.3) < 0.06 and abs(smooth - 0.7) < 0.06


def test_mbm_sinusoidal_hurst_patches():
    n = 256
    hmap = S.sinusoidal_hurst(n, mean=0.5, amplitude=0.2)
    f = S.mbm_surface(n, hmap, seed=0, n_levels=12)
    # rough patch around x = 3n/4, y = 0 (H ~ 0.3) and smooth patch around
    # x = n/4, y = 0 (H ~ 0.7)
    rough = S.hurst_exponent(f[0:40, 172:212], (1, 2, 4)).hurst
    smooth = S.hurst_exponent(f[0:40, 44:84], (1, 2, 4)).hurst
    assert rough < 0.4 < 0.6 < smooth
    assert hmap.min() >= 0.3 - 1e-12 and hmap.max() <= 0.7 + 1e-12


def test_mbm_constant_map_equals_fbm():
    assert np.allclose(
        S.mbm_surface(64, lambda x, y: 0.4 + 0 * x, seed=2),
        S.fbm_surface(64, 0.4, seed=2),
    )


def test_diamond_square_shape_roughness_and_seed():
    z = S.diamond_square(7, 1.0, seed=0)
    assert z.shape == (129, 129)
    assert np.array_equal(z, S.diamond_square(7, 1.0, seed=0))
    rough = S.hurst_exponent(S.diamond_square(8, 0.4, seed=1), (1, 2, 4, 8)).hurst
    smooth = S.hurst_exponent(S.diamond_square(8, 1.0, seed=1), (1, 2, 4, 8)).hurst
    assert rough < smooth
    assert S.diamond_square(5, seed=0, water_level=-0.1).min() >= -0.1


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: S.fbm_surface(64, 1.2, seed=0), "hurst"),
        (lambda: S.fbm_surface(2, 0.5, seed=0), "n must"),
        (lambda: S.fbm_surface(64, 0.5, seed=-1), "seed"),
        (lambda: S.mbm_surface(32, np.full((32, 32), 1.5), seed=0), "hurst_map"),
        (lambda: S.mbm_surface(32, np.full((16, 16), 0.5), seed=0), "shape"),
        (lambda: S.diamond_square(0, seed=0), "n_levels"),
        (lambda: S.structure_function(np.zeros((8, 8)), [9]), "lags"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_sinusoidal_hurst_takes_its_mean_and_amplitude():
    # defect: the map hard-coded the paper's 0.5 + 0.2 (and its name); now both are
    # required arguments and the paper module passes its own constants.
    from fractal_lib.papers import ly2025

    n = 64
    h = S.sinusoidal_hurst(n, mean=0.6, amplitude=0.1)
    y, x = np.mgrid[0:n, 0:n]
    want = 0.6 + 0.1 * np.sin(2 * np.pi * x / n) * np.cos(3 * np.pi * y / (2 * n))
    np.testing.assert_allclose(h, want, rtol=0, atol=1e-15)
    assert h.min() >= 0.5 - 1e-12 and h.max() <= 0.7 + 1e-12 and np.ptp(h) > 0.15
    with pytest.raises(TypeError):
        S.sinusoidal_hurst(n)
    assert not hasattr(S, "ly_gong_hurst")
    paper = ly2025.hurst_map(n)
    np.testing.assert_array_equal(
        paper, S.sinusoidal_hurst(n, mean=ly2025.H_MEAN, amplitude=ly2025.H_AMP)
    )
    assert paper.min() == pytest.approx(0.3, abs=0.01)
    assert paper.max() == pytest.approx(0.7, abs=0.01)


def test_alpha_vs_h_window_starts_at_the_last_waiting_time():
    # defect: alpha_vs_h retyped 5000 instead of reading the module's waiting times.
    import inspect

    from fractal_lib.papers import ly2025

    default = inspect.signature(ly2025.alpha_vs_h).parameters["t_w"].default
    assert default is ly2025.ALPHA_TW
    assert ly2025.ALPHA_TW == int(ly2025.T_WAITS[-1]) == 5000
