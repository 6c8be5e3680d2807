"""The two experiments of the synthesis chapter (papers.synthesis_experiments).

The boundary fits are checked on outcomes of known dimension (one threshold: 0;
independent coin flips: 1), the escape criterion on a quadratic bowl (GD escapes
exactly above ``lr = 1 / c``), and both recipes end to end at tiny sizes.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.core.config import SCALES
from fractal_lib.papers import ly2025 as LY
from fractal_lib.papers import synthesis_experiments as X
from fractal_lib.papers.presets import synthesis_experiments as PX


def test_lr_grid_is_dyadic_and_nested() -> None:
    a, b = X.lr_grid((1.0, 100.0), 3), X.lr_grid((1.0, 100.0), 5)
    assert a.size == 9 and b.size == 33
    np.testing.assert_allclose(b[::4], a)
    assert a[0] == 1.0 and math.isclose(a[-1], 100.0)


@pytest.mark.parametrize(
    ("lr_range", "log2_n", "name"),
    [
        ((0.0, 1.0), 3, "lr_range"),
        ((2.0, 1.0), 3, "lr_range"),
        ((1.0, 2.0), 0, "log2_n"),
    ],
)
def test_lr_grid_rejects_bad_input(lr_range, log2_n, name) -> None:
    with pytest.raises(ValueError, match=name):
        X.lr_grid(lr_range, log2_n)


def test_single_threshold_has_dimension_zero() -> None:
    d = np.zeros((2, 2**10 + 1), dtype=bool)
    d[0, 300:] = True
    d[1, 700:] = True
    f = X.fit_boundaries(d, 5)
    np.testing.assert_array_equal(f.alpha, 0.0)
    assert not f.fractal.any() and f.below_one.all()
    assert f.levels == (6, 10)


def test_coin_flip_boundary_has_dimension_one() -> None:
    rng = np.random.default_rng(1)
    d = rng.random((4, 2**12 + 1)) < 0.5
    f = X.fit_boundaries(d, 6)
    np.testing.assert_allclose(f.alpha, 1.0, atol=0.05)
    assert f.fractal.all()
    # the OLS error is too small: "below 1" fires on some coin flips, which is why
    # the chapter compares with coin_flip_reference
    ref = X.coin_flip_reference(12, 6, n=100)
    assert 0.0 < ref.below_one.mean() < 0.3
    assert abs(ref.alpha.mean() - 1.0) < 0.01


def test_fit_boundaries_flags_an_empty_boundary() -> None:
    d = np.zeros((3, 2**6 + 1), dtype=bool)
    d[1, 10:] = True
    with pytest.warns(EstimatorWarning, match="2 of 3"):
        f = X.fit_boundaries(d, 4)
    assert f.notes[0] and not f.notes[1] and f.notes[2]
    assert not f.fractal.any()


@pytest.mark.parametrize(
    ("shape", "fit_levels", "name"),
    [((5,), 3, "diverged"), ((2, 17), 2, "fit_levels"), ((2, 17), 6, "fit_levels")],
)
def test_fit_boundaries_rejects_bad_input(shape, fit_levels, name) -> None:
    with pytest.raises(ValueError, match=name):
        X.fit_boundaries(np.zeros(shape, dtype=bool), fit_levels)


def test_escape_on_a_quadratic_bowl_starts_at_one_over_c() -> None:
    # just above 1/c the one-sided edge gradient (curvature halved in the last cell)
    # can trap the growing oscillation in a 2-cycle at the walls: 1.1/c escapes
    n, c = 65, 0.01
    y, x = np.mgrid[0:n, 0:n].astype(float)
    z = c * ((x - 32.0) ** 2 + (y - 32.0) ** 2)
    lrs = np.array([0.5, 0.9, 0.99, 1.1, 1.2, 2.0]) / c
    out = X.escapes(z, np.array([37.0, 30.0]), lrs, 400)
    np.testing.assert_array_equal(out, [False, False, False, True, True, True])
    with pytest.raises(ValueError, match="steps"):
        X.escapes(z, np.array([37.0, 30.0]), lrs, 0)


def test_hurst_starts_span_the_map_inside_the_margin() -> None:
    n = 128
    starts, hs = X.hurst_starts(n, 5)
    hmap = LY.hurst_map(n)
    m = n // X.MF_MARGIN
    assert np.all(starts >= m) and np.all(starts <= n - 1 - m)
    np.testing.assert_array_equal(
        hmap[starts[:, 1].astype(int), starts[:, 0].astype(int)], hs
    )
    assert np.all(np.diff(hs) > 0)
    half = X.MF_H_SPAN * LY.H_AMP
    assert (
        abs(hs[0] - (LY.H_MEAN - half)) < 0.01
        and abs(hs[-1] - (LY.H_MEAN + half)) < 0.01
    )
    with pytest.raises(ValueError, match="n_starts"):
        X.hurst_starts(n, 0)


def test_correlation_of_a_line_is_one_and_checks_input() -> None:
    x = np.arange(6.0)
    ci = X.correlation(x, 2 * x + 1)
    assert math.isclose(ci.estimate, 1.0) and ci.low > 0.99
    with pytest.raises(ValueError, match="paired"):
        X.correlation(x[:2], x[:2])


def test_hurst_boundary_end_to_end() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        hb = X.hurst_boundary(
            n=64, n_levels=4, n_seeds=2, n_starts=2, log2_n=7, fit_levels=4, steps=60
        )
    assert hb.escaped.shape == (2, 2, 129)
    assert hb.alpha.shape == hb.critical_lr.shape == (2, 2)
    # the smallest escaping rate is where the outcome first flips
    for s in range(2):
        for k in range(2):
            row = hb.escaped[s, k]
            if row.any():
                assert hb.critical_lr[s, k] == hb.lrs[np.argmax(row)]
                assert not row[: np.argmax(row)].any()
    p, se = hb.fraction_fractal
    assert 0 <= p <= 1 and se >= 0
    fine, coarse = hb.lr_range_of_fit()
    assert fine < coarse
    # cached: the same call again gives the same outcomes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        again = X.hurst_boundary(
            n=64, n_levels=4, n_seeds=2, n_starts=2, log2_n=7, fit_levels=4, steps=60
        )
    np.testing.assert_array_equal(again.escaped, hb.escaped)
    with pytest.raises(ValueError, match="n_seeds"):
        X.hurst_boundary(
            n=64, n_levels=4, n_seeds=1, n_starts=2, log2_n=7, fit_levels=4, steps=60
        )


def test_partial_correlation_removes_a_shared_driver() -> None:
    rng = np.random.default_rng(0)
    g = rng.standard_normal(200)
    h = g + 0.1 * rng.standard_normal(200)
    y = g + 0.1 * rng.standard_normal(200)
    assert X._pearson(np.column_stack([h, y])) > 0.9
    assert abs(X._partial(h, y, g)) < 0.2
    assert X._partial(h, h + 0.01 * g, g) > 0.99


def test_hurst_controls_resample_starts() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        hb = X.hurst_boundary(
            n=64, n_levels=4, n_seeds=2, n_starts=4, log2_n=7, fit_levels=4, steps=60
        )
        if np.isfinite(hb.critical_lr).any(axis=0).sum() < 3:
            with pytest.raises(ValueError, match="three starts"):
                X.hurst_controls(hb, 64, 4)
            return
        hc = X.hurst_controls(hb, 64, 4)
    assert hc.log_gradient.shape == (2, 4) and np.isfinite(hc.log_gradient).all()
    for ci in (hc.lr_vs_hurst, hc.partial):
        assert -1 <= ci.low <= ci.high <= 1
    with pytest.raises(ValueError, match="side"):
        X.hurst_controls(hb, 16, 4)


def test_dynamical_boundary_end_to_end() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        lb = X.dynamical_boundary(
            width=4,
            n_seeds=2,
            log2_n=4,
            fit_levels=3,
            period=10,
            periods=2,
            zoom_log2_n=4,
        )
    assert lb.steps == 20 and lb.schedule.static_from == 10
    # the zoom window (0.02 decades) is narrower than this sweep's spacing
    assert "zoom half-width" in lb.note
    for k in ("static", "dynamical"):
        assert lb.failed[k].shape == (2, 17)
        assert lb.zoom_failed[k].shape == lb.zoom_lrs[k].shape == (2, 17)
        # the zoom window is centred (geometrically) on the critical rate
        ok = np.isfinite(lb.critical_lr[k])
        np.testing.assert_allclose(lb.zoom_lrs[k][ok, 8], lb.critical_lr[k][ok])
        m, se = lb.critical_mean(k)
        assert math.isnan(m) or np.isfinite(se)
    if lb.position_shift is not None:
        diff = np.log10(lb.critical_lr["dynamical"]) - np.log10(
            lb.critical_lr["static"]
        )
        assert math.isclose(lb.position_shift.estimate, float(np.nanmean(diff)))
        assert math.isclose(lb.shift_mean()[0], float(np.mean(diff)))
    with pytest.raises(ValueError, match="periods"):
        X.dynamical_boundary(
            width=4,
            n_seeds=2,
            log2_n=4,
            fit_levels=3,
            period=10,
            periods=1,
            zoom_log2_n=4,
        )
    with pytest.raises(ValueError, match="zoom_decades"):
        X.dynamical_boundary(
            width=4,
            n_seeds=2,
            log2_n=4,
            fit_levels=3,
            period=10,
            periods=2,
            zoom_log2_n=4,
            zoom_decades=0.0,
        )
    with pytest.raises(ValueError, match="which"):
        lb.critical_mean("other")


@pytest.mark.parametrize(("small", "large"), [("smoke", "book"), ("book", "paper")])
def test_presets_nest(small: str, large: str) -> None:
    a, b = PX.sizes(small), PX.sizes(large)
    for f in dataclasses.fields(a):
        assert getattr(a, f.name) <= getattr(b, f.name), f.name


def test_presets_rows_and_admonition() -> None:
    rows = PX.table_rows()
    assert rows and all(r[s] for r in rows for s in SCALES)
    assert all(r["chapter"] == "synthesis_five_lenses" for r in rows)
    assert "Built at scale `book`" in PX.admonition("book")


def test_figures_draw_both_experiments() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        hb = X.hurst_boundary(
            n=64, n_levels=4, n_seeds=2, n_starts=2, log2_n=7, fit_levels=4, steps=60
        )
        lb = X.dynamical_boundary(
            width=4,
            n_seeds=2,
            log2_n=4,
            fit_levels=3,
            period=10,
            periods=2,
            zoom_log2_n=4,
        )
    for fig in (X.hurst_figure(hb), X.loss_figure(lb)):
        assert len(fig.axes) == 2 and fig.get_size_inches()[0] <= 9
        plt.close(fig)
