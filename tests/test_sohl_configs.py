"""The six configurations of Sohl-Dickstein 2024's Fig. 1 as data
(:mod:`fractal_lib.papers.sohl_dickstein2024`) and the chapter's sizes per scale
(issue 14: book-scale planes, zooms deep enough for five box sizes)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fractal_lib.boundaries import boxcount
from fractal_lib.boundaries import network_trainability as NT
from fractal_lib.papers import sohl_dickstein2024 as P
from fractal_lib.papers.presets import sohl_dickstein2024_network_boundary as PR

NAMES = ["tanh", "relu", "identity", "minibatch", "single data point", "offset vs lr"]


def test_six_configurations_in_the_papers_order():
    assert list(P.CONFIGURATIONS) == NAMES
    for name, c in P.CONFIGURATIONS.items():
        assert c.name == name and c.description and c.reported in P.REPORTED
        assert name in P.REPORTED[c.reported].source  # the range names all six
    assert len({c.figure for c in P.CONFIGURATIONS.values()}) == 6


def test_configurations_are_read_only():
    c = P.CONFIGURATIONS["tanh"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.plane = "offset_vs_lr"  # type: ignore[misc]
    with pytest.raises(TypeError):
        c.problem_kwargs["activation"] = "relu"  # type: ignore[index]
    assert hash(c) == hash(P.CONFIGURATIONS["tanh"])


def test_each_configuration_builds_the_notebooks_network():
    nets = {name: P.configuration(name) for name in NAMES}
    for name, (prob, plane, window) in nets.items():
        assert isinstance(prob, NT.NetworkProblem) and prob.width == P.WIDTH
        assert plane == ("offset_vs_lr" if name == "offset vs lr" else "lr_vs_lr")
        assert window == (P.OFFSET_ROOT if name == "offset vs lr" else P.ROOT)
    assert nets["relu"][0].activation == "relu"
    assert nets["identity"][0].activation == "identity"
    assert nets["identity"][0].data_size == P.WIDTH  # the notebook's n = width
    assert nets["tanh"][0].data_size == P.N_DATA
    assert nets["single data point"][0].data_size == 1
    mb = nets["minibatch"][0]
    assert mb.data_size == P.N_DATA and mb.batch_size == P.BATCH_SIZE
    assert mb.batch_seed == P.BATCH_SEED
    batches = mb.batches(7)
    assert batches.shape == (7, P.BATCH_SIZE) and batches.max() < P.N_DATA
    assert nets["tanh"][0].batches(7).shape[0] == 0  # full batch


def test_unknown_configuration_raises():
    with pytest.raises(ValueError, match="name"):
        P.configuration("sigmoid")


def test_every_configuration_renders_and_minibatches_change_the_outcome():
    out = {}
    for name in NAMES:
        prob, plane, window = P.configuration(name)
        img = NT.render(prob, window, plane=plane, log2_res=3, steps=12, cache=False)
        assert img.measure.shape == (9, 9) and np.all(np.isfinite(img.measure))
        out[name] = img.measure
    assert not np.array_equal(out["minibatch"], out["tanh"])


def test_book_scale_meets_the_issue():
    s = PR.sizes("book")
    assert s.log2_res >= 9 and s.offset_log2_res >= 9  # main planes 513^2 or more
    assert s.n_zooms + 1 >= 6 and s.zoom_log2 in (1, 2)
    edge_side = 2**s.zoom_log2_res  # boundary pixels per side of a zoom frame
    sizes = boxcount.default_sizes((edge_side, edge_side))
    assert len(sizes) >= 5 and sizes[0] == 2
    assert s.adaptive
    assert s.render_kwargs() == {"steps": s.steps, "adaptive": True}
    assert s.plane_log2_res("offset_vs_lr") == s.offset_log2_res


def test_paper_scale_follows_the_paper_and_smoke_stays_small():
    s = PR.sizes("paper")
    assert 2**s.log2_res >= P.KEYFRAME_SIDE and 2**s.zoom_log2_res >= P.KEYFRAME_SIDE
    assert s.steps in P.STEPS_PAPER and s.zoom_log2 == 1  # keyframes 2x apart
    assert 35 <= s.n_zooms + 1 <= P.N_KEYFRAMES  # the notebook's 35-50 keyframes
    assert s.n_zooms * s.zoom_log2 <= 40  # Window's deepest level
    smoke = PR.sizes("smoke")
    networks = 6 * ((2**smoke.log2_res + 1) ** 2)
    networks += 6 * (smoke.n_zooms + 1) * (2**smoke.zoom_log2_res + 1) ** 2
    assert networks * smoke.steps < 10**6  # a few seconds of training in CI


def test_scale_note_names_the_configurations():
    note = PR.admonition("book")
    assert f"each of the {len(P.CONFIGURATIONS)} configurations" in note
    rows = PR.table_rows()
    assert any(r["quantity"].startswith("zoom video") for r in rows)


# ------------------------------------------------------------------ the figures
@pytest.fixture(scope="module")
def small_images():
    import matplotlib

    matplotlib.use("Agg")
    out = {}
    for name in ("tanh", "offset vs lr"):
        prob, plane, window = P.configuration(name)
        out[name] = NT.render(prob, window, plane=plane, log2_res=5, steps=10)
    return out


def test_outcome_flips_count_only_points_computed_in_both(small_images):
    from fractal_lib.boundaries import plotting_networks as PN

    a = small_images["tanh"]
    m = a.measure.copy()
    m[0, 0], m[1, 1] = -m[0, 0], -m[1, 1]  # two outcomes flipped
    exact = np.ones(m.shape, bool)
    exact[1, 1] = False  # one of them filled, not computed
    b = dataclasses.replace(a, measure=m, exact=exact)
    flips, compared = PN.outcome_flips(a, b)
    assert flips.sum() == 1 and flips[0, 0] and compared.sum() == m.size - 1
    with pytest.raises(ValueError, match="same plane"):
        PN.outcome_flips(a, small_images["offset vs lr"])


def test_figures_return_and_draw_what_they_label(small_images):
    import matplotlib.pyplot as plt

    from fractal_lib.boundaries import plotting_networks as PN

    fig = PN.plot_configurations(small_images)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2
    fits = {
        k: boxcount.pooled_box_dimension([v.edges()]) for k, v in small_images.items()
    }
    fig = PN.plot_box_fits(fits, paper=P.REPORTED["dimension_range"])
    ax_d = fig.axes[1]
    labels = [t.get_text() for t in ax_d.get_legend().get_texts()]
    assert labels == [f"paper: {P.REPORTED['dimension_range'].text()}"]
    band = ax_d.patches[0]  # the band spans the range, in data units
    lo_hi = (band.get_y(), band.get_y() + band.get_height())
    assert lo_hi == pytest.approx(P.REPORTED["dimension_range"].value)
    with pytest.raises(ValueError, match="range"):
        PN.plot_box_fits(fits, paper=P.REPORTED["zoom_depth"])
    a = small_images["tanh"]
    assert isinstance(PN.plot_precision(a, a), plt.Figure)
    fig = PN.plot_computed(a)
    assert "points computed" in fig.axes[0].texts[0].get_text()
    plt.close("all")


def test_explorer_offers_the_configurations(monkeypatch):
    pytest.importorskip("ipywidgets")
    import matplotlib.pyplot as plt

    from fractal_lib.boundaries import widgets_networks as NW

    seen, real = [], NW.explore
    monkeypatch.setattr(NW, "explore", lambda **kw: seen.append(kw) or plt.figure())
    nets = {name: c.problem_kwargs for name, c in P.CONFIGURATIONS.items()}
    NW.network_explorer(4, steps=20, window=P.ROOT, width=P.WIDTH, networks=nets)
    assert seen[-1]["network"] == "tanh" and seen[-1]["networks"] is nets
    with pytest.raises(ValueError, match="network"):
        real("tanh", "lr_vs_lr", (0, 1), (0, 1), 3, 5, network="x", width=4)
    plt.close("all")
