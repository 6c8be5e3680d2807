"""The recipes of the synthesis chapter (``fractal_lib.papers.synthesis``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from fractal_lib.diffusion import msd as Dif
from fractal_lib.papers import synthesis as SY
from fractal_lib.papers.presets import synthesis_five_lenses as PS


def test_threshold_is_the_convexity_edge():
    assert SY.min_curvature(1.0) == pytest.approx(0.0, abs=1e-12)
    assert SY.min_curvature(0.5) > 0 > SY.min_curvature(1.01)
    for ratio in (0.5, 1.0):
        assert SY.additive_at(ratio, 2).is_convex
    assert not SY.additive_at(1.05, 2).is_convex
    assert SY.LIU_RATIO == pytest.approx(20.0 * 2 * math.pi**2)


def test_curvatures_match_finite_differences():
    land = SY.additive_at(8.0, 2)
    x = np.array([[0.31, -0.77], [1.2, 0.05]])
    h = 1e-6
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        fd = (land.grad(x + e)[:, i] - land.grad(x - e)[:, i]) / (2 * h)
        np.testing.assert_allclose(SY.curvatures(8.0, x)[:, i], fd, rtol=1e-5)


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ValueError, match="ratio"):
        SY.additive_at(-1.0)
    with pytest.raises(ValueError, match="n_x0"):
        SY.boundary_dimension(2.0, 8, 1)
    with pytest.raises(ValueError, match="window"):
        SY.msd_cells("a", 1.0, np.zeros((2, 30, 2)), 40)
    with pytest.raises(ValueError, match="paths"):
        SY.msd_cells("a", 1.0, np.zeros((30, 2)), 20)
    with pytest.raises(ValueError, match="family"):
        SY.series([], "z", "msd")
    with pytest.raises(ValueError, match="diagnostic"):
        SY.series([], "a", "nope")
    with pytest.raises(ValueError, match="signals"):
        SY.leader_cells("a", 1.0, np.zeros(1024))


def test_boundary_is_a_point_below_threshold_and_fractal_above():
    smooth = SY.boundary_dimension(0.5, 10, 2)
    assert smooth.value == 0.0 and smooth.error == 0.0
    rough = SY.boundary_dimension(8.0, 14, 3)
    assert rough.value > 0.3 and rough.n == 3 and np.isfinite(rough.error)


def test_msd_exponent_of_brownian_paths_is_one():
    paths = np.stack([Dif.brownian(4000, 2, seed=s) for s in range(6)])
    msd, cross = SY.msd_cells("a", 1.0, paths, 1000)
    assert msd.value == pytest.approx(1.0, abs=0.1)
    assert msd.n == 6 and msd.error > 0
    # a single power law from the first window on: the crossover is at t_w = 0
    assert cross.value == pytest.approx(0.0, abs=300)


def test_leaders_of_fbm_slices_give_c1_near_hurst():
    sig = np.stack([Dif.fbm(4096, 0.3, seed=s)[:, 0] for s in range(4)])
    c1, c2, width = SY.leader_cells("a", 1.0, sig)
    assert c1.value == pytest.approx(0.3, abs=0.08)
    assert abs(c2.value) < 0.05
    assert width.diagnostic == "width" and np.isfinite(width.value)


def test_eos_cell_share_and_all_diverged():
    mean, share = SY.eos_cells("a", 2.0, np.array([0.5, 1.5, np.nan, 2.0]))
    assert mean.value == pytest.approx(4 / 3) and mean.n == 3
    assert share.value == pytest.approx(2 / 3) and share.n == 3
    assert share.error == pytest.approx(math.sqrt(2 / 9 / 3))
    for gone in SY.eos_cells("a", 2.0, np.full(4, np.nan)):
        assert math.isnan(gone.value) and gone.text().startswith("n/a")


def test_eos_runs_convex_landscape_stays_below_the_edge():
    out = SY.eos_runs(0.5, 6, 2)
    bounded = np.isfinite(out["ratio"])
    # convex: GD converges only where lr * max f'' / 2 < 1 at the minimum
    assert np.all(out["ratio"][bounded] < 1.0)
    assert (~bounded).any()  # the largest learning rates diverge


def test_probe_of_the_analytic_landscape_is_finite():
    model = SY._Additive(8.0, [1.0, 1.0])
    z = torch.zeros(1, dtype=torch.float64)
    cell = SY.m_tau_cell("a", 8.0, model, z, z, bank_size=4, n_banks=2, loss=SY._value)
    assert np.isfinite(cell.value) and cell.n == 2


def test_table_markdown_marks_missing_cells():
    cells = [
        SY.Cell("a", 2.0, "msd", 1.1, 0.01, 4),
        SY._na("a", 2.0, "levy", SY.NA_NO_NOISE),
    ]
    md = SY.table_markdown(cells)
    assert "1.100 ± 0.010" in md
    assert SY.NA_NO_NOISE in md
    assert "n/a: not computed" in md  # every other diagnostic of the row
    assert SY.series(cells, "a", "levy").shape == (1, 3)


def test_presets_nest_and_describe_themselves():
    smoke, book = PS.sizes("smoke"), PS.sizes("book")
    assert set(smoke.add_ratios) <= set(book.add_ratios)
    assert set(smoke.hursts) <= set(book.hursts)
    assert set(smoke.checkpoints) <= set(book.checkpoints)
    assert min(book.add_ratios) < 1.0 < max(book.add_ratios)
    assert 3 <= len(book.add_ratios) <= 5 and 2 <= len(smoke.add_ratios) <= 3
    assert PS.sizes("paper") == book
    rows = PS.table_rows()
    assert rows and all(r["chapter"] == PS.CHAPTER for r in rows)
    assert "`smoke`" in PS.admonition("smoke")


def test_smoke_table_is_complete_and_every_gap_says_why():
    s = PS.sizes("smoke")
    cells = SY.table(s)
    n_rows = len(s.add_ratios) + len(s.hursts) + len(s.checkpoints)
    assert len(cells) == n_rows * len(SY.DIAGNOSTICS)
    for c in cells:
        if not math.isfinite(c.value):
            assert c.note.startswith("n/a: "), c
    levy = SY.series(cells, "c", "levy")
    assert np.all((levy[:, 1] >= 0.5) & (levy[:, 1] <= 2.0))
    assert "n/a:" in SY.table_markdown(cells)


def _cells(values, errors, diag="msd"):
    return [
        SY.Cell("b", h, diag, v, e, 4)
        for h, v, e in zip((0.2, 0.4, 0.6, 0.8), values, errors, strict=True)
    ]


def test_trend_verdicts():
    up = SY.trend(_cells([0.1, 0.2, 0.3, 0.4], [0.01] * 4), "b", "msd")
    assert up.verdict == "rises" and up.slope == pytest.approx(0.5)
    flat = SY.trend(_cells([0.1, 0.3, 0.1, 0.3], [0.2] * 4), "b", "msd")
    assert flat.verdict == "no clear trend"
    few = SY.trend(_cells([0.1, 0.2, np.nan, np.nan], [0.01] * 4), "b", "msd")
    assert few.verdict == "too few values"
    none = SY.trend(_cells([np.nan] * 4, [np.nan] * 4), "b", "msd")
    assert none.verdict == "does not apply"
    assert "rises" in SY.trends_markdown(_cells([0.1, 0.2, 0.3, 0.4], [0.01] * 4))


def test_trend_error_grows_with_the_scatter_about_the_line():
    # A zig-zag with tiny error bars: the unscaled weighted error (0.11) would
    # call it a rise; chi2/dof ~ 97 widens it to ~1.1.
    zigzag = SY.trend(_cells([0.2, 1.0, 0.3, 1.2], [0.05] * 4), "b", "msd")
    assert zigzag.slope == pytest.approx(1.15)
    assert zigzag.stderr > 0.9 and zigzag.verdict == "no clear trend"
    # A series on its line keeps the unscaled error (chi2/dof < 1).
    line = SY.trend(_cells([0.1, 0.2, 0.3, 0.4], [0.01] * 4), "b", "msd")
    assert line.stderr == pytest.approx(0.01 / math.sqrt(0.2))
    # A zero error (a share of 0) keeps the weighted fit.
    zero = SY.trend(_cells([0.1, 0.2, 0.3, 0.4], [0.0, 0.01, 0.01, 0.01]), "b", "msd")
    assert zero.verdict == "rises" and zero.stderr == pytest.approx(line.stderr)


def test_lens_figure_has_a_panel_per_family_and_row():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = _cells([0.1, 0.2, 0.3, 0.4], [0.01] * 4) + [
        SY._na("a", 2.0, "msd", "n/a: test reason")
    ]
    fig = SY.lens_figure(cells, ["msd", "eos"], ref={"msd": 1.0})
    assert len(fig.axes) == 6 and fig.get_size_inches()[0] <= 9.0
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("test reason" in t for t in texts)
    plt.close(fig)


def test_fbm_reference_and_its_table():
    c1, c2, width = SY.fbm_reference(0.5, 4)
    assert (c1.diagnostic, c2.diagnostic, c1.n) == ("c1", "c2", 4)
    assert abs(c1.value - 0.5) < 0.2 and abs(c2.value) < 0.1
    cells = [
        SY.Cell("b", 0.5, "c1", c1.value, c1.error, 4),
        SY.Cell("b", 0.5, "c2", c2.value + 0.01, 0.0, 4),
    ]
    md = SY.leaders_vs_fbm(cells, [0.5])
    assert md.count("\n") == 2 and "| 0.5 |" in md and md.count(" SE)") == 2
