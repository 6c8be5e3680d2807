"""Scale study of the Chen, Qu & Gong network misses
(benchmarks/studies/study_chen2022_network.py): the script's quick mode, the recorded
rows the chapter reads, and the study recipes of :mod:`fractal_lib.papers.chen2022`."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from fractal_lib.core import studies as ST
from fractal_lib.papers import chen2022 as P
from fractal_lib.papers.presets import chen2022_anomalous_diffusion as presets
from fractal_lib.papers.studies import chen2022_anomalous_diffusion as SS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "studies" / "study_chen2022_network.py"
BOOK = presets.sizes("book")


def _script():
    spec = importlib.util.spec_from_file_location("study_chen2022_network", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_quick_run_writes_rows_with_provenance(tmp_path):
    mod = _script()
    path = mod.main(["--quick", "--directory", str(tmp_path)])
    data = json.loads(path.read_text())
    assert path.parent == tmp_path and path.stem == mod.NAME
    need = {"command", "commit", "date", "machine", "versions", "source_hash"}
    assert need <= set(data), need - set(data)
    assert data["quick"] is True
    assert data["command"].endswith(f"--quick --directory {tmp_path}")
    kinds = sorted(r["kind"] for r in data["rows"])
    assert kinds == ["main", "scan", "scan"]
    for r in data["rows"]:
        assert r["source_hash"] == data["source_hash"] and r["seconds"] >= 0
    main = next(r for r in data["rows"] if r["kind"] == "main")
    assert main["hess_fractions"] == [0.0, 0.5, 1.0]
    assert len(main["hess_eval"]) == len(main["hess_train"]) == 3
    assert all(np.isfinite(main["hess_train"])) and all(np.isfinite(main["hess_eval"]))
    # --quick writes only where it is told, never to the recorded file
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_recorded_study_has_the_rows_the_chapter_reads():
    mod = _script()
    data = ST.load_study(mod.NAME)
    assert data["quick"] is False
    rows = data["rows"]
    main = [r for r in rows if r["kind"] == "main"]
    scan = [r for r in rows if r["kind"] == "scan"]
    for w in mod.WIDTHS:
        got = {
            r["seed"] for r in main if r["width"] == w and r["epochs"] == BOOK.epochs
        }
        assert got == set(mod.MAIN_SEEDS)
        for d in BOOK.scan_depths[-1:]:
            for sc in (True, False):
                sel = [
                    r
                    for r in scan
                    if (r["width"], r["depth"], r["shortcut"]) == (w, d, sc)
                ]
                assert {r["seed"] for r in sel} == set(mod.SCAN_SEEDS)
    for r in main:
        assert r["hess_fractions"][0] == 0.0 and r["hess_fractions"][-1] == 1.0
        assert r["hess_eval_converged"] and r["hess_train_converged"]
        assert 0.5 <= r["alpha_first"] <= 2 and 0.5 <= r["alpha_last"] <= 2
    summary = P.network_study_summary(rows)  # what the chapter computes from the rows
    assert [p["width"] for p in summary["main"] if p["epochs"] == BOOK.epochs] == list(
        mod.WIDTHS
    )
    for p in summary["main"]:
        assert p["n_seeds"] >= 2 and math.isfinite(p["alpha_first"][1])


def _row(kind, **kw):
    return {"kind": kind, **kw}


def test_network_study_summary_means_and_errors():
    rows = [
        _row(
            "main",
            width=4,
            epochs=60,
            steps=1920,
            seed=s,
            alpha_first=a,
            alpha_last=b,
            hess_eval=[1.0, 10.0 * (s + 1)],
            hess_train=[10.0, 1.0],
        )
        for s, (a, b) in enumerate([(1.2, 1.0), (1.4, 1.2)])
    ]
    rows += [
        _row("scan", width=4, window=200, depth=8, shortcut=sc, seed=s, tau0=t)
        for s, (t_sc, t_ns) in enumerate([(10.0, 20.0), (30.0, 20.0)])
        for sc, t in ((True, t_sc), (False, t_ns))
    ]
    out = P.network_study_summary(rows)
    (m,) = out["main"]
    assert m["n_seeds"] == 2 and m["steps"] == 1920
    assert m["alpha_first"][0] == pytest.approx(1.3)
    assert m["alpha_first"][1] == pytest.approx(0.1)  # std(ddof=1) / sqrt(2)
    assert m["hess_eval_log_ratio"][0] == pytest.approx((1 + np.log10(20)) / 2)
    assert m["hess_train_log_ratio"] == pytest.approx([-1.0, 0.0])
    assert m["hess_train_peak_end"] == pytest.approx([-1.0, 0.0])
    assert m["hess_eval_peak_end"] == pytest.approx([0.0, 0.0])
    (s,) = out["scan"]
    assert s["8"]["short"][0] == pytest.approx(20.0)
    assert s["8"]["noshort"] == pytest.approx([20.0, 0.0])
    assert s["8"]["diff"] == pytest.approx([0.0, 10.0])  # +10 and -10
    one = P.network_study_summary(rows[:1])["main"][0]
    assert math.isnan(one["alpha_first"][1])  # one seed: no error, never 0


def test_network_study_summary_refuses_rows_of_no_kind():
    with pytest.raises(ValueError, match="rows"):
        P.network_study_summary([{"kind": "other"}])


def test_hessian_train_mode_refuses_degenerate_settings():
    with pytest.raises(ValueError, match="k must"):
        P.hessian_train_mode(None, 0, n_batch=8)
    with pytest.raises(ValueError, match="n_batch"):
        P.hessian_train_mode(None, 1, n_batch=0)


# ------------------------------------------------- the chapter's reading of the study
def _studies():
    return [ST.load_study(name) for name in SS.STUDIES]


def test_misses_are_the_six_recorded_rows_with_the_papers_text():
    misses = SS.misses(*_studies())
    assert [m.cls for m in misses] == [
        "open",
        "scale",
        "open",
        "open",
        "protocol",
        "protocol",
    ]
    paper = [
        f"{P.REPORTED['alpha_dist_first'].text()} → "
        f"{P.REPORTED['alpha_dist_last'].text()}",
        P.REPORTED["hessian_top"].text(),
        P.REPORTED["tau0_shortcuts"].text(),
        P.REPORTED["landscape_box_dimension"].text(),
        P.REPORTED["toy_alpha"].text(),
        P.REPORTED["toy_controls"].text(),
    ]
    assert [m.paper for m in misses] == paper
    for m in misses:
        for cell in (m.quantity, m.paper, m.scales, m.evidence, m.cause):
            assert cell.strip()
        assert "nan" not in m.scales
    widths = [str(w) for w in SS.study_width_series(_summary(), "alpha_first")[0]]
    assert all(f"width {w}:" in misses[0].scales for w in widths)
    assert "21²" in misses[3].scales and "51²" in misses[3].scales
    table = ST.miss_table(misses).markdown().splitlines()
    assert len(table) == 2 + 6


def _summary():
    return P.network_study_summary(ST.load_study(SS.STUDIES[0])["rows"])


def test_network_figure_and_text_from_the_record():
    import matplotlib.pyplot as plt

    net = ST.load_study(SS.STUDIES[0])
    fig = SS.network_figure(net)
    assert len(fig.axes) == 4
    plt.close(fig)
    lines = SS.network_text(net).splitlines()
    assert [ln.split(":")[0] for ln in lines] == [
        "α_dist, first window",
        "α_dist, last window",
    ]


def test_study_readers_refuse_another_study():
    net, plane, toy = _studies()
    with pytest.raises(ValueError, match="study"):
        SS.network_figure(plane)
    with pytest.raises(ValueError, match="study"):
        SS.misses(net, toy, plane)


def test_width_series_and_text():
    summary = {
        "main": [
            {"width": 8, "epochs": 2, "a": [1.0, 0.5]},
            {"width": 4, "epochs": 2, "a": [2.0, float("nan")]},
            {"width": 4, "epochs": 6, "a": [3.0, 0.1]},
        ],
        "scan": [{"width": 4, "14": {"diff": [-3.0, 1.0]}}],
    }
    w, m, se = SS.study_width_series(summary, "a")
    assert w.tolist() == [4, 8] and m.tolist() == [2.0, 1.0]
    assert math.isnan(se[0]) and se[1] == 0.5
    assert SS.study_width_series(summary, "a", epochs=6)[1].tolist() == [3.0]
    assert SS.study_text(summary, "14.diff") == "width 4: -3.0 ± 1.0"
    with pytest.raises(ValueError, match="quantity"):
        SS.study_width_series(summary, "b")
