"""Scale study of the Sohl-Dickstein chapter: script, recorded rows, readings."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fractal_lib.boundaries import boxcount
from fractal_lib.boundaries import network_trainability as NT
from fractal_lib.core import report
from fractal_lib.core import studies as ST
from fractal_lib.papers import sohl_dickstein2024 as P
from fractal_lib.papers.studies import sohl_dickstein2024_network_boundary as SS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "studies" / "study_sohl_dickstein2024.py"


def _script():
    spec = importlib.util.spec_from_file_location("study_sohl_dickstein2024", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks its module up
    spec.loader.exec_module(mod)
    return mod


def test_quick_mode_writes_a_file_with_provenance(tmp_path):
    env = {**os.environ, "FRACTAL_CACHE_DIR": str(tmp_path / "cache")}
    env["FRACTAL_PROGRESS"] = "0"
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--directory", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    data = json.loads((out / "sohl_dickstein2024_scale.json").read_text())
    for k in ("command", "commit", "date", "machine", "versions", "source_hash"):
        assert k in data, k
    assert "--quick" in data["command"]
    mod = _script()
    assert [r["key"] for r in data["rows"]] == [
        mod.key(q, d) for q in mod.quick_plan() for d in q.depths
    ]
    for r in data["rows"]:
        assert r["source_hash"] == data["source_hash"] and r["seconds"] >= 0
        assert r["n_frames"] == r["depth"] + 1 == len(r["frame_boundary"])
    axis = data["depth_axis"]
    assert axis["seeds"] == [0, 1] and axis["depths"] == [1, 2]
    assert set(data["verdict"]) == {"text", "toward", "reached"}


def test_quick_mode_without_directory_writes_to_a_temporary_folder(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("FRACTAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FRACTAL_PROGRESS", "0")
    path = _script().main(["--quick"])
    assert path.is_file() and path.parent != ROOT / "benchmarks" / "recorded"


def test_row_reads_a_prefix_of_one_zoom_as_the_shorter_zoom():
    """A shallower zoom is a prefix of a deeper one (the study reads depths so)."""
    mod = _script()
    prob, plane, win = P.configuration(mod.MISS)
    kw = {"window": win, "plane": plane, "zoom_log2": 1, "log2_res": 4, "steps": 20}
    deep = NT.zoom_sequence(prob, 3, cache=False, **kw)
    short = NT.zoom_sequence(prob, 1, cache=False, **kw)
    seq = mod.Sequence(mod.MISS, 0, 20, 4, 1, (1, 3))
    a, b = mod.row(seq, deep, 1), mod.row(seq, short, 1)
    a.pop("train_seconds"), b.pop("train_seconds")  # timings differ run to run
    assert a == b
    fit = boxcount.pooled_box_dimension([img.edges() for img in deep])
    r3 = mod.row(seq, deep, 3)
    assert r3["D"] == pytest.approx(fit.slope) and r3["n_frames"] == 4
    assert r3["magnification"] == 8 and r3["frame_boundary"][:2] == a["frame_boundary"]


def test_plan_keys_are_unique_and_start_at_the_book_scale():
    mod = _script()
    seqs = mod.plan(extend=True)
    keys = [mod.key(q, d) for q in seqs for d in q.depths]
    assert len(keys) == len(set(keys))
    first = seqs[0]
    assert (first.steps, first.log2_res, first.depths[0]) == (200, 7, 5)


# ------------------------------------------------------------ the recorded study
@pytest.fixture(scope="module")
def study():
    return ST.load_study("sohl_dickstein2024_scale")


def _rows(study, **kw):
    return [r for r in study["rows"] if all(r[k] == v for k, v in kw.items())]


def test_recorded_study_has_the_rows_the_chapter_reads(study):
    mod = _script()
    keys = {r["key"] for r in study["rows"]}
    missing = [mod.key(q, d) for q in mod.plan() for d in q.depths]
    assert [k for k in missing if k not in keys] == []
    for r in study["rows"]:
        for k in ("D", "D_se", "median_local", "frame_D", "frame_boundary", "commit"):
            assert k in r, (r["key"], k)
        assert len(r["frame_D"]) == r["n_frames"] == r["depth"] + 1
    axis = study["depth_axis"]
    assert axis["depths"] == list(mod.DEPTHS) and axis["seeds"] == list(mod.SEEDS)
    assert len(axis["D_mean"]) == len(axis["D_sem"]) == len(mod.DEPTHS)


def test_recorded_book_point_is_the_chapters_setting(study):
    """The first point of every axis is the chapter's book zoom."""
    from fractal_lib.papers.presets import sohl_dickstein2024_network_boundary as pr

    S = pr.sizes("book")
    book = study["book"]
    assert book == {
        "steps": S.steps,
        "side": 2**S.zoom_log2_res + 1,
        "depth": S.n_zooms,
        "magnification": 2 ** (S.zoom_log2 * S.n_zooms),
    }
    (r,) = _rows(study, config="single data point", seed=0, steps=S.steps, side=129,
                 zoom_factor=2, depth=S.n_zooms)  # fmt: skip
    assert r["D"] < P.REPORTED["dimension_range"].value[0]


def test_recorded_depth_axis_matches_its_rows(study):
    axis = study["depth_axis"]
    for i, d in enumerate(axis["depths"]):
        vals = [
            _rows(study, config=axis["config"], seed=s, steps=axis["steps"],
                  side=axis["side"], zoom_factor=2, depth=d)[0]["D"]
            for s in axis["seeds"]
        ]  # fmt: skip
        assert axis["D_mean"][i] == pytest.approx(np.mean(vals))
        assert axis["D_sem"][i] == pytest.approx(
            np.std(vals, ddof=1) / np.sqrt(len(vals))
        )


# ------------------------------------------------------------ SS.scale_series
_ROWS = [
    {"config": "a", "steps": 500, "D": 1.2, "D_se": 0.1},
    {"config": "a", "steps": 200, "D": 1.0, "D_se": 0.2},
    {"config": "b", "steps": 200, "D": 1.5},
]


def test_scale_series_sorts_and_reads_the_rows_error():
    xs, d, e = SS.scale_series(_ROWS, "steps", "D", config="a")
    assert xs.tolist() == [200, 500] and d.tolist() == [1.0, 1.2]
    assert e.tolist() == [0.2, 0.1]
    _, _, e = SS.scale_series(_ROWS, "steps", "D", config="b")
    assert np.isnan(e).all()


def test_scale_series_refuses_no_match_and_ambiguous_points():
    with pytest.raises(ValueError, match="match"):
        SS.scale_series(_ROWS, "steps", "D", config="c")
    with pytest.raises(ValueError, match="several rows"):
        SS.scale_series(_ROWS, "steps", "D")


def test_study_row_wants_exactly_one_match():
    assert SS.study_row(_ROWS, config="a", steps=500)["D"] == 1.2
    with pytest.raises(ValueError, match="2 rows"):
        SS.study_row(_ROWS, config="a")
    with pytest.raises(ValueError, match="0 rows"):
        SS.study_row(_ROWS, config="z")


# ------------------------------------------------------------ the chapter's readings
def test_misses_are_the_recorded_classes_with_the_papers_text(study):
    misses = SS.misses(study)
    assert [m.quantity for m in misses] == [
        "box dimension, single data point (pooled over the zoom)",
        "zoom depth",
    ]
    assert [m.cls for m in misses] == ["scale", "scale"]
    assert [m.paper for m in misses] == [
        P.REPORTED["dimension_range"].text(),
        P.REPORTED["zoom_depth"].text(),
    ]
    for m in misses:
        assert all(getattr(m, f) for f in ("scales", "evidence", "cause"))
        assert "fig-sd2024-scale" in m.evidence
    # the numbers come from the rows: every depth of the axis, its mean ± SE rounded
    # to the SE (report.fmt)
    axis = study["depth_axis"]
    for d, mean, se in zip(axis["depths"], axis["D_mean"], axis["D_sem"], strict=True):
        assert f"×2^{d}: {report.fmt((mean, se))}" in misses[0].scales
    one, tanh = SS.deepest(study)
    assert f"×2^{one['depth']} (boundary in " in misses[1].scales
    assert f"×{study['book']['magnification']};" in misses[1].scales


def test_misses_follow_the_rows_not_fixed_text(study):
    """A changed row changes the table: nothing in it is typed in."""
    import copy

    changed = copy.deepcopy(study)
    changed["depth_axis"]["D_mean"][0] = 1.234
    assert "×2^5: 1.23" in SS.misses(changed)[0].scales
    assert "×2^5: 1.23" not in SS.misses(study)[0].scales


def test_trend_text_has_one_line_per_series(study):
    lines = SS.trend_text(study).splitlines()
    assert len(lines) == 1 + len(SS.BY_STEPS) + len(SS.BY_SIDE) + 2
    assert lines[0].startswith("one data point, pooled D against zoom depth")
    assert P.REPORTED["dimension_range"].text() in lines[0]


def test_figure_has_the_four_panels(study):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = SS.figure(study)
    try:
        assert isinstance(fig, Figure)
        assert [a.get_title(loc="left") for a in fig.axes] == [
            "(a)", "(b)", "(c)", "(d)"
        ]  # fmt: skip
        # (b) one series per BY_STEPS entry, (c) one per BY_SIDE entry
        labels_b = fig.axes[1].get_legend_handles_labels()[1]
        labels_c = fig.axes[2].get_legend_handles_labels()[1]
        assert set(SS.BY_STEPS) <= set(labels_b) and set(SS.BY_SIDE) <= set(labels_c)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
