"""Chapter presets (nesting across scales) and the Liu 2024 recipes behind the chapter."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fractal_lib.boundaries import landscapes as L
from fractal_lib.boundaries import trainability as T
from fractal_lib.core import report
from fractal_lib.core.config import SCALES
from fractal_lib.papers import liu2024, presets


@pytest.mark.parametrize(("small", "large"), [("smoke", "book"), ("book", "paper")])
def test_presets_nest(small: str, large: str) -> None:
    a, b = presets.liu2024(small), presets.liu2024(large)
    for f in dataclasses.fields(a):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if f.name.endswith("_stride"):
            assert vb <= va and va % vb == 0, f.name  # coarser parameter grid is a subset
        elif isinstance(va, tuple):
            assert set(va) <= set(vb), f.name
        else:
            assert va <= vb, f.name
    # the sub-sampled two-cosine grids are subsets of each other
    assert set(liu2024.two_cos_indices(a.two_cos_stride)) <= set(liu2024.two_cos_indices(b.two_cos_stride))


def test_scale_table_has_every_scale() -> None:
    rows = presets.scale_table()
    assert rows and all({"chapter", "quantity", *SCALES} <= set(r) for r in rows)
    assert all(r[s] for r in rows for s in SCALES)


@pytest.mark.parametrize("criterion", [T.Criterion("sum", 1e16), T.Criterion("max", 1e8)])
def test_quadratic_threshold_is_where_the_criterion_flips(criterion: T.Criterion) -> None:
    s = liu2024.quadratic_threshold(criterion, steps=1000)
    out = T.classify(L.quadratic(), [s * (1 - 1e-9), s * (1 + 1e-9)], steps=1000,
                     criterion=criterion, method="reference")
    assert out.diverged.tolist() == [False, True]
    assert 1.0 < s < 1.01  # tends to the paper's s = 1 as steps grow


@pytest.mark.parametrize("kind", ["additive", "multiplicative"])
def test_reduction_matches_the_d_dimensional_problem(kind: str) -> None:
    res = liu2024.reduction_agreement(kind, 2, 8)
    assert res["agree"] == res["n"]
    ls, x0, crit = liu2024.reduced(kind, 4)
    assert x0 == 0.25 and crit.kind == "max"
    assert ls.eps == pytest.approx(0.2 * (4 if kind == "multiplicative" else 1))


def test_redraw_per_lr_mixes_columns_deterministically() -> None:
    outcomes = np.zeros((33, 4), dtype=bool)
    outcomes[:, 1] = True
    a, b = liu2024.redraw_per_lr(outcomes, seed=3), liu2024.redraw_per_lr(outcomes, seed=3)
    np.testing.assert_array_equal(a, b)
    assert 0 < a.mean() < 1  # each column now mixes outcomes of different starting points


def test_fit_nonunit_needs_enough_levels() -> None:
    assert liu2024.fit_nonunit(np.array([1, 1, 2, 4]), min_levels=3).alpha == 0.0
    fit = liu2024.fit_nonunit(np.array([1, 2, 4, 8, 16]), min_levels=3)
    assert fit.alpha == pytest.approx(1.0)


def test_ledger_renders_every_row() -> None:
    led = report.Ledger()
    row = led.add("Fig. 2a", "alpha", paper="0.996 ± 0.005", here="1.004 ± 0.010")
    assert "paper 0.996 ± 0.005, here 1.004 ± 0.010" in str(row)
    assert led.markdown().count("\n") == 2 and "Fig. 2a" in led.markdown()


def test_zoom_strips_nest_and_match_direct_sweeps() -> None:
    grid = T.LRGrid(0.0, 1.5, 8)
    ls = L.multiplicative(0.2, 0.1)
    strips = T.zoom_strips(ls, grid, 2, zoom_log2=2, x0=1.0, criterion=T.Criterion("max", 1e8),
                           cache=False)
    assert [s.log2_n for s in strips] == [8, 10, 12]
    for outer, inner in zip(strips, strips[1:], strict=False):
        assert outer.window[0] <= inner.window[0] < inner.window[1] <= outer.window[1]
        assert inner.diverged.size == grid.n_points
    last = strips[-1]
    direct = T.classify(ls, last.lrs, x0=1.0, criterion=T.Criterion("max", 1e8),
                        method="reference")
    np.testing.assert_array_equal(last.diverged, direct.diverged)
    assert np.all(np.isfinite(last.intensity[~last.diverged]))
    with pytest.raises(ValueError, match="zoom_log2"):
        T.zoom_strips(ls, T.LRGrid(0.0, 1.5, 1), 1, zoom_log2=2)
