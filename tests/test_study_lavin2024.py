"""Scale study of the Lavin & Ruiz-Garcia chapter: script, recorded rows, readings."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fractal_lib.core import studies as ST
from fractal_lib.dynamical import batched_mlp as B
from fractal_lib.papers import lavin2024 as P
from fractal_lib.papers.presets import lavin2024_dynamical_loss as presets
from fractal_lib.papers.studies import lavin2024_dynamical_loss as scale_study

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "studies" / "study_lavin2024_steps.py"


def _script():
    spec = importlib.util.spec_from_file_location("study_lavin2024_steps", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_quick_mode_writes_a_file_with_provenance(tmp_path):
    env = {**os.environ, "FRACTAL_CACHE_DIR": str(tmp_path / "cache")}
    env["FRACTAL_PROGRESS"] = "0"
    out = tmp_path / "out"
    subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--directory",
            str(out),
            "--parts",
            "fig3_ce,fig1,fig3_mse",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    data = json.loads((out / "lavin2024_steps.json").read_text())
    for k in ("command", "commit", "date", "machine", "versions", "source_hash"):
        assert k in data, k
    assert "--quick" in data["command"] and data["scale_axis"] == "steps"
    parts = {r["part"] for r in data["rows"]}
    assert parts == {"fig1", "fig3_ce", "fig3_mse"}
    for r in data["rows"]:
        assert r["source_hash"] == data["source_hash"] and r["seconds"] >= 0


def test_quick_mode_without_directory_writes_to_a_temporary_folder(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("FRACTAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FRACTAL_PROGRESS", "0")
    path = _script().main(["--quick", "--parts", "fig1"])
    assert path.is_file() and path.parent != ROOT / "benchmarks" / "recorded"
    rows = json.loads(path.read_text())["rows"]
    assert [r["steps"] for r in rows] == [20, 40]


def test_unknown_part_is_refused(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--parts", "fig9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and "fig9" in proc.stderr


def test_recorded_study_has_the_rows_the_chapter_reads():
    mod = _script()
    study = ST.load_study(mod.NAME)
    for part, n in (("fig3_ce", mod.FIG3_SEEDS_CE), ("fig3_mse", mod.FIG3_SEEDS_MSE)):
        rows = scale_study.part_rows(study, part, T_=mod.FIG3_POINTS[0][0])
        assert [r["periods"] for r in rows] == [p for _, p in mod.FIG3_POINTS]
        static = "ce" if part == "fig3_ce" else "mse"
        for r in rows:
            assert r["n_seeds"] == n and r["steps"] == r["T"] * r["periods"]
            acc = {k: np.array(v) for k, v in r["acc"].items()}
            assert acc[static].shape == (len(r["widths"]), n)
            for k, g in r["gain"].items():  # the stored gains are the paired ones
                d = acc[k] - acc[static]
                np.testing.assert_allclose(g["mean"], d.mean(axis=1))
                assert g["all_mean"] == pytest.approx(d.mean())
        steps, m, e = scale_study.gain_series(
            rows, "dce" if part == "fig3_ce" else "dmse1"
        )
        assert steps.tolist() == sorted(steps) and np.isfinite(m).all()
        assert (e > 0).all()
    (paper,) = scale_study.part_rows(study, "fig3_ce_paper")
    assert (paper["T"], paper["periods"]) == mod.FIG3_PAPER
    assert paper["widths"] == list(presets.sizes("book").fig3_widths)
    (wide,) = scale_study.part_rows(study, "fig3_ce_wide")
    assert wide["widths"] == list(mod.FIG3_WIDE)
    assert (wide["T"], wide["periods"]) == mod.FIG3_POINTS[-1]
    rows = scale_study.part_rows(study, "fig1")
    assert [r["steps"] for r in rows] == list(mod.FIG1_STEPS)
    for r in rows:
        loss = np.array(r["loss"])
        assert loss.shape == (mod.FIG1_SEEDS, len(r["widths"]), len(r["lrs"]))
        if r["n_diverged"] == 0:
            share = P.fig1_orderings(loss.mean(axis=0)).mean()
            assert r["order_share"] == pytest.approx(share)


def test_loss_at_a_step_of_a_longer_run_is_that_of_a_shorter_run():
    # the study reads Fig. 1 at several steps of one run
    tr, _ = P.data()
    kw = dict(loss="ce", lr=np.array([0.5, 1.0]), progress=False)
    long = B.train(4, [0, 1], tr.x, tr.y, steps=60, **kw)
    short = B.train(4, [0, 1], tr.x, tr.y, steps=25, **kw)
    np.testing.assert_array_equal(long.static_loss[:, 25], short.static_loss[:, -1])


def test_fig1_orderings_counts_width_and_lr_pairs():
    loss = np.array([[1.0, 0.9], [0.8, 0.7], [0.5, 0.6]])  # widths down, lrs across
    got = P.fig1_orderings(loss)
    # 2 lrs x 3 width pairs, then 3 widths x 1 lr pair; only w3's lr pair fails
    assert got.tolist() == [True] * 8 + [False]
    assert P.fig1_orderings(loss[::-1]).sum() == 2  # widths reversed: only lr pairs
    for bad in (np.ones(3), np.ones((1, 1)), np.array([[1.0, np.nan]])):
        with pytest.raises(ValueError, match="loss"):
            P.fig1_orderings(bad)


def test_fig1_order_share_bootstraps_over_seeds():
    rng = np.random.default_rng(0)
    base = np.array([[1.0, 0.9], [0.8, 0.7], [0.5, 0.6]])
    final = base[None] + 0.01 * rng.standard_normal((8, 3, 2))
    ci = P.fig1_order_share(final)
    assert ci.estimate == pytest.approx(8 / 9) and ci.low <= ci.estimate <= ci.high
    assert P.fig1_order_share(final).replicates.tolist() == ci.replicates.tolist()
    tied = base[None] + 0.2 * rng.standard_normal((8, 3, 2))  # noisy: spread > 0
    assert np.std(P.fig1_order_share(tied).replicates) > 0
    with pytest.raises(ValueError, match="final"):
        P.fig1_order_share(final[:1])


def test_study_readings_refuse_what_is_not_recorded():
    row = {
        "part": "fig3_ce",
        "T": 10,
        "steps": 20,
        "widths": [4],
        "gain": {
            "dce": {"mean": [0.1], "sem": [0.05], "all_mean": 0.1, "all_sem": 0.05}
        },
    }
    study = {"study": "lavin2024_steps", "rows": [row, {**row, "steps": 10}]}
    rows = scale_study.part_rows(study, "fig3_ce")
    assert [r["steps"] for r in rows] == [10, 20]
    assert scale_study.gain_series(rows, "dce", 4)[1].tolist() == [0.1, 0.1]
    with pytest.raises(ValueError, match="part"):
        scale_study.part_rows(study, "fig1")
    with pytest.raises(ValueError, match="loss"):
        scale_study.gain_series(rows, "dmse1")
    with pytest.raises(ValueError, match="width"):
        scale_study.gain_series(rows, "dce", 16)
    assert scale_study.series_text([10], [0.1], [0.05]) == "10: +0.100±0.050"
    with pytest.raises(ValueError, match="length"):
        scale_study.series_text([10, 20], [0.1], [0.05])


def test_misses_read_the_recorded_rows_with_the_papers_text():
    study = ST.load_study(_script().NAME)
    misses = scale_study.misses(study)
    assert [m.cls for m in misses] == ["scale", "scale", "open", "scale"]
    facts = ("fig1_loss", "fig3_ce", "fig3_ce", "fig3_mse")
    assert [m.paper for m in misses] == [P.REPORTED[f].text() for f in facts]
    for m in misses:
        for f in ("quantity", "paper", "scales", "evidence", "cause"):
            assert getattr(m, f).strip(), f
        assert m.evidence.startswith(scale_study.FIGURE_REF)
    # ours at each scale: one entry per recorded run length, formatted from the rows
    book = presets.sizes("book")
    ce = scale_study.part_rows(study, "fig3_ce", T_=book.fig3_T)
    steps, gain, sem = scale_study.gain_series(ce, "dce")
    assert misses[1].scales.startswith(scale_study.series_text(steps, gain, sem))
    assert misses[1].scales.count(";") == len(steps)  # + the code's protocol
    widths = scale_study.width_profile(study)[0]
    assert misses[2].scales.count("±") == len(widths) == len(set(widths))
    table = ST.miss_table(misses)
    assert table.counts() == {"scale": 3, "protocol": 0, "open": 1}


def test_trends_has_one_line_per_series():
    text = scale_study.trends(ST.load_study(_script().NAME))
    lines = text.splitlines()
    assert [ln.split(":")[0] for ln in lines] == [
        "Fig. 1a orderings",
        "DCE gain",
        "DMSE1 gain",
        "DMSE2 gain",
    ]
    assert all("paper" in ln for ln in lines)


def test_figure_has_the_four_panels():
    import matplotlib.pyplot as plt

    fig = scale_study.figure(ST.load_study(_script().NAME))
    try:
        assert len(fig.axes) == 4
        a, b, c, d = fig.axes
        assert a.get_ylabel() == "share of orderings"
        assert c.get_xlabel() == "hidden width"
        assert {t.get_text() for t in d.get_legend().get_texts()} >= {"DMSE1", "DMSE2"}
    finally:
        plt.close(fig)
