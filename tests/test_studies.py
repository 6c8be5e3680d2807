"""Scale-study recording (core.studies): provenance, resume, trends, misses."""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from fractal_lib.core import studies as ST
from fractal_lib.core.report import Reported


def test_recorder_writes_resumes_and_keys_on_source(tmp_path):
    script = tmp_path / "study_x.py"
    script.write_text("# a study\n")
    rec = ST.StudyRecorder(
        "x",
        script=script,
        argv=["--n", "2"],
        description="d",
        scale_axis="steps",
        directory=tmp_path,
    )
    assert rec.stored("a") is None
    rec.add("a", {"steps": 10, "value": 1.5}, seconds=0.5)
    data = json.loads((tmp_path / "x.json").read_text())
    assert data["command"].endswith("study_x.py --n 2")
    for k in ("commit", "date", "machine", "versions", "source_hash"):
        assert k in data
    assert data["rows"][0]["value"] == 1.5 and data["rows"][0]["key"] == "a"
    # a new recorder with the same source reuses the row
    rec2 = ST.StudyRecorder(
        "x",
        script=script,
        argv=[],
        description="d",
        scale_axis="steps",
        directory=tmp_path,
    )
    assert rec2.stored("a")["value"] == 1.5
    rec2.add("a", {"steps": 10, "value": 2.0}, seconds=0.1)  # replaces, not appends
    assert len(json.loads((tmp_path / "x.json").read_text())["rows"]) == 1
    calls = []
    row = rec2.point("b", lambda: calls.append(1) or {"value": 3.0})
    assert row["value"] == 3.0
    assert rec2.point("b", lambda: {"value": 9.0})["value"] == 3.0
    assert calls == [1]
    # a changed study script changes the source hash: the row is stale
    script.write_text("# a study, edited\n")
    rec3 = ST.StudyRecorder(
        "x",
        script=script,
        argv=[],
        description="d",
        scale_axis="steps",
        directory=tmp_path,
    )
    assert rec3.source != rec2.source and rec3.stored("a") is None


def test_recorder_refuses_bad_names(tmp_path):
    with pytest.raises(ValueError, match="name"):
        ST.StudyRecorder(
            "../x",
            script=__file__,
            argv=[],
            description="d",
            scale_axis="s",
            directory=tmp_path,
        )


def test_toward_paper_value_range_and_errors():
    paper = Reported("Fig. 1", "D", 1.8)
    t = ST.toward_paper([1.0, 1.3, 1.6], paper, [0.05, 0.05, 0.05])
    assert t.toward and not t.reached
    assert t.distances == pytest.approx((0.8, 0.5, 0.2))
    # within the noise: not "toward"
    assert not ST.toward_paper([1.0, 1.05], paper, [0.1, 0.1]).toward
    # moving away at one step beyond its error breaks monotonicity
    assert not ST.toward_paper([1.0, 0.7, 1.7], paper, [0.01] * 3).toward
    band = Reported("Fig. 1", "D", (1.17, 1.98), kind="range")
    t = ST.toward_paper([1.0, 1.2], band, [0.01, 0.01])
    assert t.reached and t.distances[-1] == 0.0
    with pytest.raises(ValueError, match="values"):
        ST.toward_paper([1.0], paper)
    with pytest.raises(ValueError, match="claim"):
        ST.toward_paper([1.0, 2.0], Reported("F", "q", "falls", kind="claim"))
    with pytest.raises(ValueError, match="finite"):
        ST.toward_paper([1.0, float("nan")], paper)


def test_miss_table_and_plot():
    m = ST.Miss("D", "1.8", "book 1.0; x4 1.2", "scale", "Fig. 3", "grid too coarse")
    tab = ST.miss_table([m])
    assert "**scale**" in tab.markdown() and tab.counts()["scale"] == 1
    with pytest.raises(ValueError, match="cls"):
        ST.Miss("D", "1.8", "x", "tuned", "Fig", "c")
    with pytest.raises(ValueError, match="misses"):
        ST.miss_table([])
    fig = ST.plot_scale_trend(
        [1, 2, 4],
        [1.0, 1.2, 1.4],
        [0.1, 0.1, 0.1],
        paper=Reported("F", "D", (1.17, 1.98), kind="range"),
        book=1,
    )
    ax = fig.axes[0]
    assert len(ax.get_legend().get_texts()) == 3
    with pytest.raises(ValueError):
        ST.plot_scale_trend([1, 2], [1.0])


def test_recorded_studies_are_complete():
    """Every committed study file carries its provenance and rows."""
    from fractal_lib.core.report import RECORDED_DIR

    for path in sorted(RECORDED_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        for k in ("command", "commit", "date", "machine", "rows"):
            assert k in data, f"{path.name} lacks {k}"
        assert data["rows"], f"{path.name} has no rows"


def test_describe_names_command_commits_and_machine(tmp_path):
    rec = ST.StudyRecorder(
        "y",
        script=__file__,
        argv=["--a"],
        description="d",
        scale_axis="s",
        directory=tmp_path,
    )
    rec.add("k", {"v": 1}, seconds=1.0)
    text = ST.describe(rec.data)
    assert "--a" in text and "1 rows" in text and rec.data["commit"] in text
    assert str(rec.data["machine"]["cores"]) in text


def test_reached_needs_a_resolved_last_point_and_no_step_away():
    neg = Reported("F", "r", (-1.0, 0.0), kind="range")
    # a series moving away from the claim, ending within its noise: not "reached"
    t = ST.toward_paper([0.1, 0.5], neg, [0.3, 0.3])
    assert not t.reached and "consistent" in t.text and "reaches" not in t.text
    # a series ending inside the range but not beyond twice its error: not "reached"
    t = ST.toward_paper([0.5, -0.1], neg, [0.1, 0.1])
    assert t.toward and not t.reached and "moves toward" in t.text
    # resolved inside: reached
    assert ST.toward_paper([0.5, -0.5], neg, [0.1, 0.1]).reached
    # a single value: within two errors and no farther than the first point
    val = Reported("F", "D", 1.8)
    assert ST.toward_paper([1.0, 1.75], val, [0.05, 0.05]).reached
    assert not ST.toward_paper([1.8, 1.7], val, [0.05, 0.06]).reached
    with pytest.raises(ValueError, match="bools"):
        ST.toward_paper([True, False], val)
    with pytest.raises(ValueError, match="numbers"):
        ST.toward_paper([1.0, None], val)


def test_add_refuses_rows_that_are_not_json_and_keeps_the_file(tmp_path):
    rec = ST.StudyRecorder(
        "z",
        script=__file__,
        argv=["--q"],
        description="d",
        scale_axis="s",
        directory=tmp_path,
    )
    rec.add("a", {"v": 1.0}, seconds=0.1)
    with pytest.raises(ValueError, match="json"):
        rec.add("b", {"v": object()}, seconds=0.1)
    rows = json.loads((tmp_path / "z.json").read_text())["rows"]
    assert [r["key"] for r in rows] == ["a"] and rec.data["rows"] == rows
    assert rows[0]["argv"] == ["--q"] and rows[0]["cores"] >= 1 and rows[0]["cpu"]
    rec.add("c", {"v": 2.0}, seconds=0.1)  # the recorder still works


def test_study_rows_refuses_another_study():
    assert ST.study_rows({"study": "a", "rows": [1]}, "a") == [1]
    with pytest.raises(ValueError, match="expected the recorded study 'b'"):
        ST.study_rows({"study": "a", "rows": []}, "b")
    with pytest.raises(ValueError, match="study"):
        ST.study_rows([], "b")


def test_describe_flags_uncommitted_code_and_several_versions():
    study = {
        "command": "python s.py",
        "commit": "abc+dirty",
        "date": "d",
        "machine": {"cpu": "x", "cores": 2},
        "rows": [
            {"commit": "abc+dirty", "date": "d1", "source_hash": "1"},
            {"commit": "abc+dirty", "date": "d2", "source_hash": "2"},
        ],
    }
    text = ST.describe(study)
    assert "uncommitted" in text and "2 versions of the code" in text


def test_every_chapter_reader_refuses_another_study():
    """Each chapter's study reader checks that it was given its own study."""
    from fractal_lib.papers.studies import chen2022_anomalous_diffusion as chen
    from fractal_lib.papers.studies import lavin2024_dynamical_loss as lavin
    from fractal_lib.papers.studies import ly2025_multifractal_landscape as ly
    from fractal_lib.papers.studies import sohl_dickstein2024_network_boundary as sd
    from fractal_lib.papers.studies import torok_multifractal_probing as torok

    other = ST.load_study("lavin2024_steps")
    wrong = ST.load_study("ly2025_scale")
    calls = [
        lambda: chen.network_misses(wrong),
        lambda: lavin.misses(wrong),
        lambda: ly.misses(other),
        lambda: sd.misses(wrong),
        lambda: torok.misses(wrong, wrong),
        lambda: torok.figure(other),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="expected the recorded study"):
            call()


def test_select_and_series_against_hand_computed_means():
    rows = [
        {"x": 1, "a": 0.1, "v": 1.0},
        {"x": 1, "a": 0.1, "v": 3.0},
        {"x": 2, "a": 0.1 + 1e-12, "v": 5.0},
        {"x": 2, "a": 0.2, "v": 9.0},
    ]
    assert len(ST.select(rows, a=0.1)) == 3  # floats to 1e-9 relative
    xs, mean, se = ST.series(rows, "x", "v", a=0.1)
    assert list(xs) == [1, 2] and list(mean) == [2.0, 5.0]
    assert se[0] == pytest.approx(1.0) and math.isnan(se[1])  # SEM of (1, 3); one row
    _, m, _ = ST.series(rows, "x", lambda r: None if r["v"] > 4 else r["v"])
    assert m[0] == 2.0 and math.isnan(m[1])
    with pytest.raises(ValueError, match="no row"):
        ST.select(rows, a=0.3)


def test_toward_paper_refuses_numpy_bools_and_strings():
    val = Reported("F", "D", 1.8)
    with pytest.raises(ValueError, match="bools or strings"):
        ST.toward_paper([np.True_, np.False_], val)
    with pytest.raises(ValueError, match="bools or strings"):
        ST.toward_paper(["1.0", 1.2], val)
