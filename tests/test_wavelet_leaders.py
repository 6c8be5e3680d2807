"""Wavelet-leader multifractal spectrum: monofractal fBm and a cascade with a known spectrum."""

import numpy as np
import pytest

from fractal_lib import surfaces as S
from fractal_lib import wavelet_leaders as W

Q = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])


@pytest.mark.parametrize("h", [0.5, 0.7])
def test_fbm_spectrum_is_narrow_at_h(h):
    s = W.leader_spectrum(S.fbm_surface(256, h, seed=0), Q)
    assert s.width < 0.06
    assert abs(s.peak - h) < 0.08
    assert np.all(np.abs(s.D - 2) < 0.05) and s.valid.all()
    assert abs(s.c2) < 0.02


def test_lognormal_cascade_recovers_known_spectrum():
    c1, c2 = 0.5, -0.04
    f = W.lognormal_wavelet_cascade(8, c1=c1, c2=c2, seed=1)
    s = W.leader_spectrum(f, Q, j1=1, boundary="periodic")
    h_true, d_true = W.lognormal_cascade_spectrum(Q, c1=c1, c2=c2)
    assert np.allclose(s.h, h_true, atol=0.03)
    assert np.allclose(s.D, d_true, atol=0.05)
    assert s.c2 == pytest.approx(c2, abs=0.015)
    assert s.width > 0.1  # broad, unlike fBm


def test_multifractional_surface_is_broader_than_fbm():
    n = 256
    m = S.mbm_surface(n, S.ly_gong_hurst(n), seed=0, n_levels=8)
    f = S.fbm_surface(n, 0.5, seed=0)
    assert W.leader_spectrum(m, Q).width > 3 * W.leader_spectrum(f, Q).width


def test_leaders_dominate_coefficients_and_bad_input():
    lead = W.wavelet_leaders(S.fbm_surface(64, 0.5, seed=0))
    assert [x.shape[0] for x in lead[:3]] == [32, 16, 8]
    with pytest.raises(ValueError, match="square"):
        W.leader_spectrum(np.zeros((32, 64)))
    with pytest.raises(ValueError, match="j1"):
        W.leader_spectrum(np.random.default_rng(0).random((64, 64)), j1=4, j2=3)
    with pytest.raises(ValueError, match="boundary"):
        W.wavelet_leaders(np.zeros((32, 32)), boundary="zero")
