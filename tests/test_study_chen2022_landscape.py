"""Scale study of the Chen, Qu & Gong landscape misses
(benchmarks/studies/study_chen2022_landscape.py): the script's quick mode, the recorded
rows the chapter reads, and the landscape-study recipes of
:mod:`fractal_lib.papers.chen2022`."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from fractal_lib.core import studies as ST
from fractal_lib.papers import chen2022 as P
from fractal_lib.papers.studies import chen2022_anomalous_diffusion as SS
from fractal_lib.surfaces import fields
from fractal_lib.surfaces import toy_diffusion as TOY

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "studies" / "study_chen2022_landscape.py"
NAMES = ("chen2022_landscape_plane", "chen2022_landscape_toy")


def _script():
    spec = importlib.util.spec_from_file_location("study_chen2022_landscape", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_quick_run_writes_rows_with_provenance(tmp_path):
    mod = _script()
    paths = mod.main(["--quick", "--out", str(tmp_path)])
    assert sorted(p.name for p in paths) == sorted(f"{n}.json" for n in NAMES)
    # --quick writes only where it is told, never to the recorded files
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    for p in paths:
        data = json.loads(p.read_text())
        for k in ("command", "commit", "date", "machine", "versions", "source_hash"):
            assert k in data, k
        assert "--quick" in data["command"]
        assert data["rows"]
        for r in data["rows"]:
            assert r["source_hash"] == data["source_hash"] and r["seconds"] >= 0
    plane = json.loads((tmp_path / f"{NAMES[0]}.json").read_text())
    nets = [r for r in plane["rows"] if r["set"] == "network"]
    assert sorted({r["n"] for r in nets}) == [9, 11]
    for r in nets:
        # coarse smoke planes: only sanity bounds (a curve, a surface)
        assert 0.8 <= r["contour_q0.5"] <= 2.0 and 1.6 <= r["graph"] <= 3.0
    toy = json.loads((tmp_path / f"{NAMES[1]}.json").read_text())
    for r in toy["rows"]:
        assert len(r["trial_alpha_first"]) == r["n_trials"]
        assert np.isfinite(r["alpha_first"]) and np.isfinite(r["alpha_last"])


def test_recorded_plane_study_has_the_rows_the_chapter_reads():
    mod = _script()
    data = ST.load_study(NAMES[0])
    rows = data["rows"]
    for n, seed in mod.PLANE_POINTS:
        for kind in ("network", "fbm"):
            (r,) = [r for r in rows if (r["set"], r["n"], r["seed"]) == (kind, n, seed)]
            for q in P.PLANE_QUANTILES:
                assert np.isfinite(r[f"contour_q{q:g}"])
            assert np.isfinite(r["graph"]) and np.isfinite(r["graph_log"])
            assert np.isfinite(r["hurst"])
    assert data["book_n"] == 33 and data["paper_n"] == P.LANDSCAPE_GRID
    assert data["verdict"]


def test_recorded_toy_study_has_the_rows_the_chapter_reads():
    mod = _script()
    data = ST.load_study(NAMES[1])
    rows = data["rows"]
    for pt in mod.toy_points(quick=False, extend=False):
        for seed in mod.TOY_SEEDS:
            key = mod.toy_key(pt, seed)
            (r,) = [r for r in rows if r["key"] == key]
            assert r["group"] == pt["group"]
            assert len(r["trial_alpha_first"]) == pt["n_trials"]
            assert np.isfinite(r["alpha_first"]) and np.isfinite(r["alpha_last"])
    assert data["seeds"] == list(mod.TOY_SEEDS)


# ------------------------------------------------------------------ library recipes
def test_plane_box_sizes_and_bad_input():
    assert P.plane_box_sizes(33).tolist() == [1, 2, 4, 8]
    assert P.plane_box_sizes(101).tolist() == [1, 2, 4, 8, 16]
    assert P.plane_box_sizes(9).tolist() == [1, 2, 4]
    for bad in (4, 10.5, True):
        with pytest.raises(ValueError, match="n must"):
            P.plane_box_sizes(bad)
    with pytest.raises(ValueError, match="loss must be square"):
        P.graph_dimension(np.ones((9, 10)))
    with pytest.raises(ValueError, match="quantile"):
        P.contour_dimension(np.random.default_rng(0).random((9, 9)), 1.0)


def test_dimensions_of_smooth_and_rough_surfaces():
    c = np.linspace(-1, 1, 65)
    xx, yy = np.meshgrid(c, c)
    bowl = xx**2 + yy**2
    assert P.graph_dimension(np.zeros((33, 33))).alpha == pytest.approx(2.0)
    assert P.graph_dimension(bowl).alpha == pytest.approx(2.0, abs=0.05)
    assert P.contour_dimension(bowl).alpha == pytest.approx(1.0, abs=0.1)
    # an fBm surface: contours near 2 - H, the graph above 2 and rougher for lower H
    rough = fields.fbm_surface(129, 0.2, seed=1)
    smooth = fields.fbm_surface(129, 0.8, seed=1)
    assert P.contour_dimension(rough).alpha == pytest.approx(1.8, abs=0.12)
    assert P.contour_dimension(smooth).alpha == pytest.approx(1.2, abs=0.15)
    assert P.graph_dimension(rough).alpha > P.graph_dimension(smooth).alpha > 2.0


def test_cone_control_is_the_authors_file_landscape():
    land = P.toy_cone_control(7)
    c = land.coords()
    xx, yy = np.meshgrid(c, c)
    z = 1 - np.hypot(xx, yy) / 2  # toy_gaussian_landscape.mat, checked to 1e-16
    np.testing.assert_allclose(land.loss, 10 - z, atol=1e-12)
    gy, gx = np.gradient(land.loss, land.spacing)
    far = np.hypot(xx, yy) > 0.2
    np.testing.assert_allclose(np.hypot(gx, gy)[far], P.TOY_CONE_SLOPE, atol=0.01)
    with pytest.raises(ValueError, match="n_levels"):
        P.toy_cone_control(3)


def test_toy_run_options_and_trial_alphas():
    land = P.toy_cone_control(6)
    x0 = np.tile(P.TOY_CORNER, (4, 1))
    a = P.toy_run(land, 4, steps=150, seed=3, x0=x0)
    b = P.toy_run(land, 4, steps=150, seed=3, x0=x0)
    np.testing.assert_array_equal(a.positions, b.positions)  # same seed, same path
    np.testing.assert_array_equal(a.positions[:, 0], x0)
    assert a.positions.shape == (4, 151, 2)
    # from the corner the walkers slide down the cone at 0.01 per step: ballistic
    alphas = P.toy_trial_alphas(a, 0, P.TOY_CONVEX_STEPS)
    assert alphas.shape == (4,) and np.all(alphas > 1.6)
    # pure noise (a flat landscape): about 1 on average
    flat = TOY.ToyLandscape(np.ones((65, 65)), "flat")
    free = P.toy_run(flat, 40, steps=400, x0=np.zeros((40, 2)))
    assert np.mean(P.toy_trial_alphas(free, 0, 200)) == pytest.approx(1.0, abs=0.15)
    fit = P.toy_alpha_fit(
        np.arange(1, 200), P.toy_msd(free, 0, np.arange(1, 200), 200), 200
    )
    assert fit.alpha == pytest.approx(1.0, abs=0.1)


# ------------------------------------------------- the chapter's reading of the study
@pytest.mark.parametrize(
    ("name", "figure", "n_axes"),
    [(NAMES[0], "plane_figure", 2), (NAMES[1], "toy_figure", 3)],
)
def test_figures_from_the_record(name, figure, n_axes):
    import matplotlib.pyplot as plt

    fig = getattr(SS, figure)(ST.load_study(name))
    assert len(fig.axes) == n_axes
    plt.close(fig)


def test_texts_from_the_record():
    plane = SS.plane_text(ST.load_study(NAMES[0])).splitlines()
    assert plane[0].startswith("median contour: ")
    assert [ln.split(":")[0] for ln in plane[1:]] == [
        "graph",
        "graph_log",
        "hurst1",
        "hurst_log",
    ]
    toy = SS.toy_text(ST.load_study(NAMES[1])).splitlines()
    assert len(toy) == 2 and "%" in toy[0] and "nan" not in toy[1]


def test_study_series_means_errors_and_match():
    rows = [
        {"n": 2, "v": 1.0, "set": "a"},
        {"n": 2, "v": 3.0, "set": "a"},
        {"n": 1, "v": 5.0, "set": "a"},
        {"n": 1, "v": 9.0, "set": "b"},
    ]
    xs, m, se = SS.study_series(rows, "n", "v", set="a")
    assert xs.tolist() == [1, 2] and m.tolist() == [5.0, 2.0]
    assert np.isnan(se[0]) and se[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no row"):
        SS.study_series(rows, "n", "v", set="c")
