"""Chapter presets (nesting across scales), the papers' reported facts and recipes."""

from __future__ import annotations

import dataclasses
import inspect
import warnings
from types import ModuleType

import numpy as np
import pytest

from fractal_lib.boundaries import landscapes as L
from fractal_lib.boundaries import trainability as T
from fractal_lib.core import report
from fractal_lib.core.config import SCALES
from fractal_lib.diffusion import msd as D
from fractal_lib.papers import (
    chen2022,
    lavin2024,
    liu2024,
    ly2025,
    presets,
    sohl_dickstein2024,
    torok_bartha,
)
from fractal_lib.papers.presets import chen2022_anomalous_diffusion as chen_presets
from fractal_lib.papers.presets import sohl_dickstein2024_network_boundary as sd_presets


@pytest.mark.parametrize(("small", "large"), [("smoke", "book"), ("book", "paper")])
def test_presets_nest(small: str, large: str) -> None:
    a, b = presets.liu2024(small), presets.liu2024(large)
    for f in dataclasses.fields(a):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if f.name.endswith("_stride"):
            assert vb <= va and va % vb == 0, (
                f.name
            )  # coarser parameter grid is a subset
        elif isinstance(va, tuple):
            assert set(va) <= set(vb), f.name
        else:
            assert va <= vb, f.name
    # the sub-sampled two-cosine grids are subsets of each other
    assert set(liu2024.two_cos_indices(a.two_cos_stride)) <= set(
        liu2024.two_cos_indices(b.two_cos_stride)
    )


def test_scale_table_has_every_scale() -> None:
    rows = presets.scale_table()
    assert rows and all({"chapter", "quantity", *SCALES} <= set(r) for r in rows)
    assert all(r[s] for r in rows for s in SCALES)


@pytest.mark.parametrize(
    "criterion", [T.Criterion("sum", 1e16), T.Criterion("max", 1e8)]
)
def test_quadratic_threshold_is_where_the_criterion_flips(
    criterion: T.Criterion,
) -> None:
    s = liu2024.quadratic_threshold(criterion, steps=1000)
    out = T.classify(
        L.quadratic(),
        [s * (1 - 1e-9), s * (1 + 1e-9)],
        steps=1000,
        criterion=criterion,
        method="reference",
    )
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
    a, b = (
        liu2024.redraw_per_lr(outcomes, seed=3),
        liu2024.redraw_per_lr(outcomes, seed=3),
    )
    np.testing.assert_array_equal(a, b)
    assert (
        0 < a.mean() < 1
    )  # each column now mixes outcomes of different starting points


def test_fit_nonunit_needs_enough_levels() -> None:
    assert liu2024.fit_nonunit(np.array([1, 1, 2, 4]), min_levels=3).alpha == 0.0
    fit = liu2024.fit_nonunit(np.array([1, 2, 4, 8, 16]), min_levels=3)
    assert fit.alpha == pytest.approx(1.0)


def test_ledger_renders_every_row() -> None:
    led = report.Ledger()
    row = led.compare(liu2024.REPORTED["alpha_additive"], (1.004, 0.010), quantity="α")
    assert str(row) == (
        "Fig. 2a, α: paper 0.996 ± 0.005, here 1.004 ± 0.010 (reproduced)"
    )
    assert led.markdown().count("\n") == 2 and "Fig. 2a" in led.markdown()


@pytest.mark.parametrize(
    "paper", [liu2024, sohl_dickstein2024, chen2022, lavin2024, ly2025, torok_bartha]
)
def test_reported_values_are_facts(paper: ModuleType) -> None:
    assert paper.REPORTED
    for key, fact in paper.REPORTED.items():
        assert isinstance(fact, report.Reported), key
        assert fact.figure and fact.quantity and fact.source and fact.text(), key


@pytest.mark.parametrize(
    ("key", "counts"), [("alpha_additive", "fig2a"), ("alpha_multiplicative", "fig2b")]
)
def test_authors_counts_give_the_reported_dimensions(key: str, counts: str) -> None:
    fact = liu2024.REPORTED[key]
    fit = T.box_dimension(liu2024.PAPER_COUNTS[counts])
    # the paper prints one digit of the error; fmt prints two (report.ERROR_DIGITS)
    assert (round(fit.alpha, 3), round(fit.stderr, 3)) == (fact.value, fact.error)
    deep = liu2024.at_depth(fact, liu2024.PAPER_COUNTS[counts], 31)
    assert deep.text() == f"{fact.text()}; {report.fmt(fit)} to 2^31"
    assert deep.value == fact.value and deep.error == fact.error


def test_every_two_cosine_stride_has_a_reported_count() -> None:
    for scale in SCALES:
        stride = presets.liu2024(scale).two_cos_stride
        fact = liu2024.REPORTED[f"fig4a_nonconvex_zero_stride{stride}"]
        zero, of = fact.text().split(" of ")
        assert int(zero) == fact.value < int(of)


def test_paper_scale_reads_the_paper_modules() -> None:
    liu = presets.liu2024("paper")
    assert liu.dims == liu2024.DIMS and liu.n_x0 == liu2024.N_X0
    assert liu.add_log2_n == liu2024.ADD_LOG2_N and liu.map_log2_n == liu2024.LOG2_N
    assert sd_presets.sizes("paper").steps == sohl_dickstein2024.STEPS_PAPER[0]
    assert sohl_dickstein2024.problem("tanh").data_size == sohl_dickstein2024.N_DATA
    note = sd_presets.admonition("book")
    assert f"{sohl_dickstein2024.KEYFRAME_SIDE} × " in note


def test_zoom_strips_nest_and_match_direct_sweeps() -> None:
    grid = T.LRGrid(0.0, 1.5, 8)
    ls = L.multiplicative(0.2, 0.1)
    strips = T.zoom_strips(
        ls, grid, 2, zoom_log2=2, x0=1.0, criterion=T.Criterion("max", 1e8), cache=False
    )
    assert [s.log2_n for s in strips] == [8, 10, 12]
    for outer, inner in zip(strips, strips[1:], strict=False):
        assert outer.window[0] <= inner.window[0] < inner.window[1] <= outer.window[1]
        assert inner.diverged.size == grid.n_points
    last = strips[-1]
    direct = T.classify(
        ls, last.lrs, x0=1.0, criterion=T.Criterion("max", 1e8), method="reference"
    )
    np.testing.assert_array_equal(last.diverged, direct.diverged)
    assert np.all(np.isfinite(last.intensity[~last.diverged]))
    with pytest.raises(ValueError, match="zoom_log2"):
        T.zoom_strips(ls, T.LRGrid(0.0, 1.5, 1), 1, zoom_log2=2)


# ----------------------------------------------------------------------------- Chen
# 2022
def test_chen_paper_scale_reads_the_paper_module() -> None:
    s = chen_presets.sizes("paper")
    assert (s.depth, s.width, s.batch_size, s.epochs) == (
        chen2022.DEPTH,
        chen2022.WIDTH,
        chen2022.BATCH_SIZE,
        chen2022.EPOCHS,
    )
    assert s.window == s.stride == chen2022.WINDOW and s.dtau == chen2022.BETA_DTAU
    assert s.scan_depths == chen2022.DEPTHS and s.scan_batches == chen2022.BATCH_SIZES
    assert s.lrs == chen2022.LRS and s.scan_seeds == chen2022.N_SEEDS
    assert s.hessian_k == chen2022.HESSIAN_TOP_K
    assert s.plane_n == chen2022.LANDSCAPE_GRID
    assert s.toy_levels == chen2022.TOY_N_LEVELS
    assert s.toy_trials == chen2022.TOY_TRIALS_FIG
    note = chen_presets.admonition("book")
    assert f"ResNet-{chen2022.DEPTH} (width {chen2022.WIDTH})" in note
    assert f"{chen2022.TOTAL_STEPS:,} steps with T = {chen2022.WINDOW}" in note


def test_chen_toy_defaults_are_the_authors_script() -> None:
    from fractal_lib.surfaces import toy_diffusion as TOY

    # the concept module holds no paper values: chen2022.toy_run passes them
    run = inspect.signature(TOY.run_toy).parameters
    for name in ("lr", "noise", "steps", "n_trials"):
        assert run[name].default is inspect.Parameter.empty
    src = inspect.getsource(chen2022.toy_run)
    assert "noise=TOY_NOISE" in src
    toy = inspect.signature(chen2022.toy_run).parameters  # scale studies change these
    assert toy["lr"].default == chen2022.TOY_LR
    assert toy["steps"].default == chen2022.TOY_STEPS
    land = inspect.signature(TOY.douillet_landscape).parameters
    assert land["roughness"].default == chen2022.TOY_ROUGHNESS


def test_chen_rows_read_the_reported_facts() -> None:
    led = report.Ledger()
    row = led.compare(chen2022.REPORTED["alpha_dist_first"], "1.29 [1.14, 1.45]")
    assert str(row) == (
        "Fig. 5b, α_dist, first window: paper 1.09 [1.05, 1.12], "
        "here 1.29 [1.14, 1.45] (not comparable)"
    )
    tau0 = chen2022.REPORTED["tau0_first_window"]
    assert tau0.text() == f"45–400 of {chen2022.WINDOW}"
    assert chen2022.REPORTED["t0_fraction"].number == 21_000 / chen2022.TOTAL_STEPS
    first = chen2022.alpha_vs_lr("first")
    assert tuple(first) == chen2022.LRS and first[chen2022.LR] == 1.39
    assert chen2022.REPORTED["alpha_first_vs_lr"].text() == ", ".join(
        f"{lr:g}: {a:g}" for lr, a in first.items()
    )
    with pytest.raises(ValueError, match="which"):
        chen2022.alpha_vs_lr("middle")


def test_chen_fit_recipes_match_the_library_calls() -> None:
    x = D.brownian(400, 3, seed=1)
    t_ws, lags, msd = D.tamsd_windows(x, 100, stride=50, lags=np.arange(1, 100))
    with warnings.catch_warnings():
        # the recipes silence their own fallback warnings
        warnings.simplefilter("error")
        fits = chen2022.paper_fits(lags, msd)
        t0 = chen2022.crossover_t0(t_ws, lags, msd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = D.window_fits(lags, msd, rmse_max=chen2022.RMSE_RULE, min_decades=0.0)
        t0_direct = D.crossover_time(t_ws, lags, msd, rmse_max=chen2022.RMSE_RULE)
    assert [f.alpha for f in fits] == [f.alpha for f in direct]
    assert t0 == t0_direct or (np.isnan(t0) and np.isnan(t0_direct))
    sc = D.contour_vs_distance(x[:100])
    lower, upper = chen2022.path_dimension_halves(sc)
    assert 1.0 < lower < 3.0 and 1.0 < upper < 3.0
    msl = D.msl_vs_distance(x[:100], np.linalg.norm(x[:100], axis=1))
    assert np.isfinite(chen2022.msl_exponent(msl))


def test_chen_gradient_recipes() -> None:
    from fractal_lib.diffusion import levy

    g = levy.sample_sas(1.5, 2000, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = chen2022.fit_gradients(g)
    assert fit.n == 2000 and chen2022.fit_gradients(g, max_samples=500).n == 500
    text = chen2022.sas_text(fit)
    assert text.startswith(f"{fit.alpha:.2f} [") and "bound" not in text


def test_chen_toy_and_run_recipes() -> None:
    from fractal_lib.surfaces import toy_diffusion as TOY

    land = TOY.add_wide_minimum(TOY.douillet_landscape(5, seed=0))
    run = chen2022.toy_run(land, 2)
    assert run.positions.shape == (2, chen2022.TOY_STEPS + 1, 2)
    assert (run.lr, run.noise) == (chen2022.TOY_LR, chen2022.TOY_NOISE)
    lags = np.arange(1, 50)
    m = chen2022.toy_msd(run, 10, lags, 50)
    direct = [D.tamsd(p, t_w=10, window=50, lags=lags)[1] for p in run.positions]
    np.testing.assert_array_equal(m, np.mean(direct, axis=0))
    g = chen2022.walk_gradients(run)
    assert g.size and np.all(g != 0)
    spec = chen2022.run_spec(chen_presets.sizes("smoke"), lr=0.5, seed=3)
    assert (spec.lr, spec.seed, spec.shortcut) == (0.5, 3, True)
    assert spec.depth == chen_presets.sizes("smoke").depth


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"value": 0.5, "error": (0.4, 0.6)}, "error"),
        ({"value": 0.5, "error": "x"}, "error"),
        ({"value": 0.5, "error": -0.1}, "error"),
        ({"value": 0.5, "error": float("nan")}, "error"),
        ({"value": ("a", "b"), "kind": "range"}, "value"),
        ({"value": (2.0, 1.0), "kind": "range"}, "value"),
        ({"value": (1.0, 2.0), "kind": "range", "error": 0.1}, "error"),
        ({"value": 1.5, "kind": "interval", "error": (1.6, 1.7)}, "error"),
        ({"value": True}, "value"),
        ({"value": "", "kind": "claim"}, "value"),
        ({"value": 1.0, "kind": "estimate"}, "kind"),
        ({"value": 1.0, "digits": -1}, "digits"),
        ({"value": 1.0, "digits": True}, "digits"),
        ({"value": float("nan")}, "value"),
        ({"value": (1.0, float("inf")), "kind": "range"}, "value"),
    ],
)
def test_reported_rejects_what_does_not_fit_its_kind(kwargs, param):
    with pytest.raises(ValueError, match=f"^{param}:"):
        report.Reported("Fig. 1", "q", **kwargs)


def test_reported_prints_numpy_scalars_and_the_papers_digits():
    f = report.Reported("Fig. 1", "q", np.float32(1.6), error=np.float64(0.05))
    assert f.text() == "1.6 ± 0.05"
    assert report.Reported("Fig. 1", "q", 1.6, digits=2).text() == "1.60"
    r = report.Reported("Fig. 1", "q", (0.8, 1.0), kind="range", digits=2)
    assert r.text() == "0.80–1.00"
    assert report.Reported("Fig. 1", "q", 0.1 + 0.2).text() == "0.3"
    led = report.Ledger()
    row = led.compare(report.Reported("Fig. 1", "q", 1.0), [0.98, 0.02], digits=2)
    assert row.here == "0.980 ± 0.020"  # the error to two significant digits


@pytest.mark.parametrize(
    "chapter, n_min",
    [("liu2024_fractal_boundary", 15), ("sohl_dickstein2024_network_boundary", 15)],
)
def test_explore_section_links_resolve_to_the_api_reference(chapter, n_min):
    import importlib
    import re
    from pathlib import Path

    text = (Path(__file__).parents[1] / "notebooks" / f"{chapter}.md").read_text()
    explore = text.split("\n## Explore\n", 1)[1].split("\n## References\n", 1)[0]
    targets = re.findall(r"\{py:(?:func|class|data|mod)\}`~?([\w.]+)`", explore)
    assert len(targets) >= n_min  # names are links, not plain code
    for target in targets:
        try:
            importlib.import_module(target)
        except ModuleNotFoundError:
            module, name = target.rsplit(".", 1)
            assert hasattr(importlib.import_module(module), name), target
        assert target.startswith("fractal_lib.")
