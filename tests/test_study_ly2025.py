"""Scale study of Ly & Gong 2025 (benchmarks/studies/study_ly2025.py): the script's
quick mode, the recorded rows the chapter reads, the warm-start Lyapunov option, and
the chapter's reading of the study (fractal_lib.papers.studies.ly2025_...)."""

from __future__ import annotations

import json
import math
import runpy
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from fractal_lib.core import studies as ST
from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.papers import ly2025 as P
from fractal_lib.papers.studies import ly2025_multifractal_landscape as scale_study

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "studies" / "study_ly2025.py"
PROVENANCE = {"command", "commit", "date", "machine", "versions", "source_hash"}


@pytest.fixture(scope="module")
def study_script() -> dict:
    """The study script's names (``main``, ``NAME``, the point lists)."""
    return runpy.run_path(str(SCRIPT), run_name="study_ly2025")


@pytest.mark.slow
def test_quick_mode_records_every_part_with_provenance(study_script, tmp_path):
    out = study_script["main"](["--quick", "--directory", str(tmp_path)])
    assert out.parent == tmp_path and out.stem == P.STUDY
    quick = json.loads(out.read_text())
    assert PROVENANCE <= quick.keys()
    assert quick["quick"] is True and quick["command"].endswith(
        "--directory " + str(tmp_path)
    )
    assert {r["part"] for r in quick["rows"]} == set(study_script["PARTS"])
    assert all(r["source_hash"] == quick["source_hash"] for r in quick["rows"])
    starts = [r["warm_start"] for r in quick["rows"] if r["part"] == "lyapunov"]
    assert sorted(starts) == [False, True]
    # --quick writes only where it is told, never to the recorded file
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_unknown_part_is_refused(study_script, tmp_path):
    with pytest.raises(SystemExit):
        study_script["main"](["--quick", "--directory", str(tmp_path), "--parts", "x"])


def test_recorded_study_has_the_rows_the_chapter_reads(study_script):
    mod = SimpleNamespace(**study_script)
    data = ST.load_study(P.STUDY)
    assert data["quick"] is False
    rows = data["rows"]
    tamsd = [r for r in rows if r["part"] == "tamsd"]
    for lv in mod.LEVELS:
        got = {r["seed"] for r in tamsd if r["levels"] == lv and r["amplitude"] == 1}
        assert got == set(mod.SEEDS)
    for amp in mod.AMPLITUDES:
        assert {r["seed"] for r in tamsd if math.isclose(r["amplitude"], amp)} == set(
            mod.SEEDS
        )
    for r in tamsd:
        assert r["steps"] == mod.T_LONG
        assert 0 <= r["wall_frac"] <= 1
        assert len(r["unfolded"]["short"]) == len(P.T_WAITS)
        for path in ("unfolded", "folded"):
            assert np.isfinite(r[path]["short_mean"]) and "long_late" in r[path]
        assert 0 <= r["confined_frac"] <= 1
    lyap = [r for r in rows if r["part"] == "lyapunov"]
    for warm in (False, True):
        sel = [r for r in lyap if r["warm_start"] is warm and r["levels"] == 16]
        assert {r["seed"] for r in sel} == set(mod.SEEDS)
        for r in sel:
            assert len(r["mean"]) == len(P.EOS_LRS)
            assert r["trials"] == P.LYAP_TRIALS
            assert r["first_positive"] is None or r["first_positive"] in r["lrs"]
    alpha = [r for r in rows if r["part"] == "alpha_h"]
    want = {(n, t, a) for n, t, a in mod.ALPHA_POINTS + mod.ALPHA_AMPLITUDE}
    assert {(r["n"], r["n_traj"], r["amplitude"]) for r in alpha} >= want
    for r in alpha:
        assert r["hs"] == list(mod.ALPHA_H)
        assert all(0 <= f <= 1 for f in r["trapped_frac"])
        assert len(r["trapped_se"]) == len(r["hs"])
        assert r["trapped"] == [round(f * r["n_traj"]) for f in r["trapped_frac"]]


def test_warm_start_refuses_non_bool():
    with pytest.raises(ValueError, match="warm_start"):
        P.lyapunov_sweep(32, 4, np.array([10.0]), trials=2, estimates=2, warm_start=1)


def test_warm_start_first_rate_equals_cold_start():
    # the smallest learning rate burns in from the maximum in both orders, so its
    # trials are the same; the next one starts from where the first ended
    lrs = np.array([30.0, 3.0])
    kw = {"trials": 3, "estimates": 4, "burn_in": 200, "n_boot": 50}
    with pytest.warns(EstimatorWarning, match="saturated"):  # d0 = 0.1 px saturates
        cold = P.lyapunov_sweep(64, 4, lrs, **kw)
    with pytest.warns(EstimatorWarning, match="saturated"):
        warm = P.lyapunov_sweep(64, 4, lrs, warm_start=True, **kw)
    np.testing.assert_array_equal(warm["last"][1], cold["last"][1])
    assert warm["last"].shape == cold["last"].shape == (2, 3)


def test_study_rows_series_and_text():
    study = {
        "study": P.STUDY,
        "rows": [
            {"part": "tamsd", "levels": 8, "amplitude": 1 / 3, "v": 1.0},
            {"part": "tamsd", "levels": 8, "amplitude": 1 / 3, "v": 3.0},
            {"part": "tamsd", "levels": 16, "amplitude": 1.0, "v": 2.0},
            {"part": "lyapunov", "levels": 8, "amplitude": 1 / 3, "v": 9.0},
        ],
    }
    rows = scale_study.study_rows(study, "tamsd", amplitude=1 / 3)
    assert [r["v"] for r in rows] == [1.0, 3.0]
    with pytest.raises(ValueError, match="no such row"):
        scale_study.study_rows(study, "tamsd", levels=32)
    xs, mean, sem = scale_study.study_series(
        scale_study.study_rows(study, "tamsd"), "levels", lambda r: r["v"]
    )
    np.testing.assert_allclose(xs, [8, 16])
    np.testing.assert_allclose(mean, [2.0, 2.0])
    assert sem[0] == pytest.approx(1.0) and np.isnan(sem[1])
    assert (
        scale_study.series_text(xs, mean, sem, "levels")
        == "levels 8: 2.00 ± 1.00; 16: 2.00"
    )
    with pytest.raises(ValueError):
        scale_study.series_text(xs, mean[:1], sem, "levels")


@pytest.fixture(scope="module")
def recorded_study() -> dict:
    """The committed study the chapter reads."""
    return ST.load_study(P.STUDY)


def test_misses_read_the_recorded_rows(recorded_study):
    misses = scale_study.misses(recorded_study)
    assert [m.cls for m in misses] == ["open", "open", "open", "open"]
    assert [m.paper for m in misses[:3]] == [
        P.REPORTED[k].text()
        for k in ("tamsd_short", "tamsd_confined", "mle_first_positive")
    ]
    for h in scale_study.TRAPPED_HS:
        assert P.REPORTED[f"alpha_vs_h[{h}]"].text() in misses[3].paper
    for m in misses:
        assert all((m.quantity, m.paper, m.scales, m.evidence, m.cause))
        assert "nan" not in m.scales + m.cause
    # ours at each scale comes from the rows: the book-level mean of the unfolded path
    tam = scale_study.study_rows(recorded_study, "tamsd", amplitude=1.0, levels=16)
    book_mean = np.mean([r["unfolded"]["short_mean"] for r in tam])
    assert f"16: {book_mean:.2f}" in misses[0].scales
    alp = scale_study.study_rows(recorded_study, "alpha_h", n=P.N, amplitude=1.0)
    for r in alp:
        k = r["trapped"][r["hs"].index(scale_study.TRAPPED_HS[0])]
        assert f"{r['n_traj']} runs {k}/{r['n_traj']}" in misses[3].scales
    assert len(ST.miss_table(misses).markdown().splitlines()) == 2 + len(misses)


def test_misses_refuse_a_study_without_the_rows():
    with pytest.raises(ValueError, match="no such row"):
        scale_study.misses(
            {"study": P.STUDY, "rows": [{"part": "tamsd", "amplitude": 1.0}]}
        )


def test_figure_has_the_six_panels(recorded_study):
    matplotlib.use("Agg")
    fig = scale_study.figure(recorded_study)
    try:
        assert isinstance(fig, Figure)
        assert len(fig.axes) == 6
        titles = [a.get_title(loc="left") for a in fig.axes]
        assert titles == [f"({c})" for c in "abcdef"]
        # (b): one point per realisation at amplitude 1
        n_tam = len(scale_study.study_rows(recorded_study, "tamsd", amplitude=1.0))
        assert fig.axes[1].collections[0].get_offsets().shape == (n_tam, 2)
    finally:
        matplotlib.pyplot.close(fig)
