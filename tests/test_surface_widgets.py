"""The surfaces explorers start at the paper modules' values and show them exactly.

Also the toy-model helpers the explorer shares with ``papers.chen2022``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("ipywidgets")

from widget_tools import controls, on_grid  # noqa: E402

from fractal_lib.diffusion import msd as Dif  # noqa: E402
from fractal_lib.papers import chen2022, ly2025  # noqa: E402
from fractal_lib.surfaces import toy_diffusion as T  # noqa: E402
from fractal_lib.surfaces import widgets as SW  # noqa: E402


@pytest.fixture
def calls(monkeypatch):
    """Replace the explorers' figure functions by a recorder."""
    seen: list[dict] = []

    def stub(*args, **kw):
        seen.append(kw)
        return plt.figure()

    monkeypatch.setattr(SW, "explore", stub)
    monkeypatch.setattr(SW, "explore_toy", stub)
    yield seen
    plt.close("all")


def _float_sliders(c: dict) -> list:
    import ipywidgets as w

    return [s for s in c.values() if isinstance(s, w.FloatSlider | w.FloatRangeSlider)]


def test_landscape_explorer_starts_at_the_papers_values(calls):
    h_range = (ly2025.H_MEAN - ly2025.H_AMP, ly2025.H_MEAN + ly2025.H_AMP)
    # defect: the explorer started at lr = 300, not the paper's main learning rate
    box = SW.landscape_explorer(n=64, hurst_range=h_range, lr=ly2025.LR_MAIN)
    c = controls(box)
    assert c["H range"].value == h_range == (0.3, 0.7)
    assert c["η"].value == 1000.0 and c["η"].label == "1000"
    assert all(on_grid(s) for s in _float_sliders(c))
    assert calls[-1]["hurst_range"] == h_range and calls[-1]["lr"] == 1000.0
    with pytest.raises(TypeError):
        SW.landscape_explorer(n=64, hurst_range=h_range)


def test_landscape_explorer_surface_uses_the_map_of_its_range():
    # defect: the explorer undid the paper's 0.5 + 0.2 map by retyping 0.5 and 0.2;
    # it now builds the map from the range's mid-point and half-width.
    from fractal_lib.surfaces import fields

    SW._surface.cache_clear()
    z, _ = SW._surface(32, 0.2, 0.8)
    want = fields.mbm_surface(
        32,
        fields.sinusoidal_hurst(32, mean=0.5, amplitude=(0.8 - 0.2) / 2),
        seed=0,
        n_levels=12,
    )
    np.testing.assert_array_equal(z, want)


def test_chapters_print_rows_and_list_their_aliases():
    # defects: the Ly chapter rendered rows with display() / bare expressions and its
    # alias table lacked Markdown and Ledger; Chen's lacked math and os and showed
    # run_spec instead of the SGD step; the Ly explorer started at lr = 300.
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    ly = (root / "notebooks/ly2025_multifractal_landscape.md").read_text()
    assert "display(" not in ly
    # (issue 15: rows are now the cell's value, rendered as a wrapping table, so no
    # print() around them)
    assert ly.count("ledger.compare(") >= 20
    for alias in ("Markdown", "Ledger", "fields", "P"):
        assert f"| `{alias}` |" in ly
    assert "lr=P.LR_MAIN" in ly
    chen = (root / "notebooks/chen2022_anomalous_diffusion.md").read_text()
    for alias in ("math", "os"):
        assert f"| `{alias}` |" in chen
    assert ":start-after: sgd-step begin" in chen
    src = (root / "fractal_lib/nets/training.py").read_text()
    step = src.split("# sgd-step begin")[1].split("# sgd-step end")[0]
    assert "opt.step()" in step and "loss.backward()" in step


@pytest.mark.parametrize("h_range", [(0.33, 0.7), (0.3, 1.0)])
def test_landscape_explorer_rejects_a_range_off_the_grid(calls, h_range):
    with pytest.raises(ValueError, match="slider grid"):
        SW.landscape_explorer(n=64, hurst_range=h_range, lr=ly2025.LR_MAIN)


def test_toy_explorer_starts_at_the_papers_values(calls):
    box = SW.toy_explorer(
        6,
        lr=chen2022.TOY_LR,
        noise=chen2022.TOY_NOISE,
        steps=chen2022.TOY_STEPS,
        n_trials=chen2022.TOY_TRIALS_SCRIPT,
    )
    c = controls(box)
    assert c["η (lr)"].value == chen2022.TOY_LR and c["η (lr)"].label == "0.02"
    assert c["noise std"].value == chen2022.TOY_NOISE
    assert c["noise std"].label == "0.01"
    assert all(on_grid(s) for s in _float_sliders(c))
    last = calls[-1]
    assert last["lr"] == chen2022.TOY_LR and last["noise"] == chen2022.TOY_NOISE
    assert last["steps"] == chen2022.TOY_STEPS
    assert last["n_trials"] == chen2022.TOY_TRIALS_SCRIPT
    assert last["n_levels"] == 6


@pytest.fixture(scope="module")
def toy_run():
    land = T.add_wide_minimum(T.douillet_landscape(5, 1.0, seed=0))
    return T.run_toy(land, lr=0.02, noise=0.01, steps=120, n_trials=3, seed=0)


def test_window_msd_is_the_trial_average(toy_run):
    lags = np.arange(1, 11)
    want = np.mean(
        [Dif.tamsd(p, t_w=5, window=40, lags=lags)[1] for p in toy_run.positions],
        axis=0,
    )
    got = T.window_msd(toy_run, 5, lags, 40)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(chen2022.toy_msd(toy_run, 5, lags, 40), want)


def test_nonzero_gradients(toy_run):
    g = toy_run.grads.ravel()
    np.testing.assert_array_equal(T.nonzero_gradients(toy_run, "all"), g[g != 0])
    before = T.pooled_gradients(toy_run, "before")
    np.testing.assert_array_equal(chen2022.walk_gradients(toy_run), before[before != 0])


def test_explore_toy_draws_three_panels():
    fig = SW.explore_toy(
        lr=chen2022.TOY_LR, noise=chen2022.TOY_NOISE, steps=100, n_trials=2, n_levels=5
    )
    assert len(fig.axes) >= 3
    plt.close(fig)


def test_explore_draws_path_tamsd_and_sharpness():
    fig = SW.explore((0.3, 0.7), 300.0, 0.5, 0.5, n=64)
    assert len(fig.axes) >= 3
    plt.close(fig)


def test_family_plots_share_one_drawing():
    from fractal_lib.diffusion import plotting as DP

    t_ws, lags = np.array([0, 10, 20]), np.arange(1, 6)
    rows = np.outer([1.0, 2.0, 3.0], lags.astype(float))
    fig = DP.plot_msd_family(t_ws, lags, rows)
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and len(fig.axes) == 2  # curves and the colour bar
    assert ax.get_xscale() == ax.get_yscale() == "log"
    fig = DP.plot_beta_family(t_ws, lags, rows, colorbar=False)
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and len(fig.axes) == 1  # curves and beta = 1
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert ax.get_ylabel() == r"$\beta(\tau)$"
    plt.close("all")


def test_two_panel_figures():
    from fractal_lib.surfaces import plotting as PM

    z = np.random.default_rng(0).normal(size=(16, 16))
    fig = PM.plot_surface_and_hurst(z, np.full((16, 16), 0.5))
    assert len(fig.axes) == 4  # two panels and their colour bars
    fig, axes = plt.subplots(1, 2)
    assert PM.plot_surface_and_hurst(z, z, axes=axes) is fig
    plt.close("all")
