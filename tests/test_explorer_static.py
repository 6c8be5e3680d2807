"""Explorers on the static page: precomputed PNG frames switched by jslinked selectors.

``FRACTAL_EXPLORERS=static`` makes :func:`fractal_lib.core.style.explorer_box` render
the explorer's figure over a grid into an ``ipywidgets.Stack`` of ``Image`` frames; the
selectors drive the stack in the browser (``jslink``), the frames come from the cache.
"""

from __future__ import annotations

import hashlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

w = pytest.importorskip("ipywidgets")

from fractal_lib.boundaries import widgets as BW  # noqa: E402
from fractal_lib.boundaries import widgets_networks as NW  # noqa: E402
from fractal_lib.core import explorer as EX  # noqa: E402
from fractal_lib.core.config import get_explorer_mode  # noqa: E402
from fractal_lib.core.style import control_factory, explorer_box  # noqa: E402
from fractal_lib.dynamical import widgets as DW  # noqa: E402
from fractal_lib.multifractal import widgets as MW  # noqa: E402
from fractal_lib.papers import (  # noqa: E402
    chen2022,
    lavin2024,
    liu2024,
    ly2025,
    presets,
    sohl_dickstein2024,
)
from fractal_lib.papers import torok_bartha as TB  # noqa: E402
from fractal_lib.papers.presets import chen2022_anomalous_diffusion as chen_pre  # noqa: E402
from fractal_lib.papers.presets import lavin2024_dynamical_loss as lavin_pre  # noqa: E402
from fractal_lib.papers.presets import ly2025_multifractal_landscape as ly_pre  # noqa: E402
from fractal_lib.surfaces import widgets as SW  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def static(monkeypatch, tmp_path):
    """Static mode with a fresh cache folder and no progress bars."""
    monkeypatch.setenv("FRACTAL_EXPLORERS", "static")
    monkeypatch.setenv("FRACTAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FRACTAL_PROGRESS", "0")
    yield
    plt.close("all")


CALLS: list[dict] = []


def toy_figure(a: float, b: int, kind: str) -> plt.Figure:
    """A figure that shows its arguments (so frames of different settings differ)."""
    CALLS.append({"a": a, "b": b, "kind": kind})
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, a * b])
    ax.set_title(f"{kind} {a:g} {b}")
    return fig


def toy_controls() -> dict:
    make = control_factory()
    return {
        "a": make(w.FloatSlider, "a", value=1.0, min=0.0, max=2.0, step=0.5),
        "b": make(w.IntSlider, "b", value=2, min=0, max=5),
        "kind": make(w.Dropdown, "kind", options=["x", "y"], value="x"),
    }


def stacks(box) -> list:
    return [c for c in box.children if isinstance(c, w.Stack)]


def selectors(box) -> list:
    return [c for c in box.children if isinstance(c, w.SelectionSlider | w.Dropdown)]


def test_one_parameter_gives_one_png_frame_per_value(static):
    CALLS.clear()
    box = explorer_box(toy_figure, toy_controls(), frames={"a": [0.5, 1.0, 1.5]})
    assert EX.EXPLORER_CLASS in box._dom_classes
    (stack,), (sel,) = stacks(box), selectors(box)
    assert isinstance(sel, w.SelectionSlider) and sel.description == "a"
    assert sel.options == ("0.50", "1.00", "1.50")  # the live slider's readout
    assert sel.index == stack.selected_index == 1  # starts at the initial a = 1.0
    frames = [bytes(img.value) for img in stack.children]
    assert all(isinstance(i, w.Image) for i in stack.children) and len(frames) == 3
    assert all(f.startswith(PNG) for f in frames)
    assert len(set(frames)) == 3
    # every other argument at its control's initial value
    assert CALLS == [{"a": a, "b": 2, "kind": "x"} for a in (0.5, 1.0, 1.5)]
    (link,) = box.links
    assert link.source == (sel, "index") and link.target == (stack, "selected_index")
    text = box.children[0].value
    assert "3 precomputed settings of a" in text and "make lab" in text
    assert "b = 2" in text and "kind = x" in text


def test_two_parameters_give_a_stack_of_stacks(static):
    box = explorer_box(
        toy_figure, toy_controls(), frames={"kind": ["x", "y"], "b": [1, 2, 3]}
    )
    (outer,), (first, second) = stacks(box), selectors(box)
    assert isinstance(first, w.Dropdown)  # the live control is a Dropdown
    assert isinstance(second, w.SelectionSlider) and second.options == ("1", "2", "3")
    assert outer.selected_index == 0 and first.index == 0
    assert len(outer.children) == 2
    assert all(len(s.children) == 3 for s in outer.children)
    assert all(s.selected_index == 1 for s in outer.children) and second.index == 1
    pngs = [bytes(img.value) for s in outer.children for img in s.children]
    assert len(set(pngs)) == 6
    sources = [(link.source, link.target) for link in box.links]
    assert sources[0] == ((first, "index"), (outer, "selected_index"))
    assert sources[1:] == [
        ((second, "index"), (s, "selected_index")) for s in outer.children
    ]


def test_frames_carry_no_tooltip(static):
    """A tooltip on an Image stops the site's widget manager (html-manager 1.0.15)
    from drawing it: no frame may carry one."""
    box = explorer_box(toy_figure, toy_controls(), frames={"a": [0.5, 1.0]})
    (stack,) = stacks(box)
    assert all(not i.tooltip for i in stack.children)


def test_grids_accept_integral_floats_and_arrays(static):
    CALLS.clear()
    box = explorer_box(toy_figure, toy_controls(), frames={"b": [1.0, np.float64(3)]})
    (sel,) = selectors(box)
    assert sel.options == ("1", "3")
    assert [c["b"] for c in CALLS] == [1, 3]
    assert all(type(c["b"]) is int for c in CALLS)
    axes = EX.frame_axes(toy_controls(), {"a": np.array([0.5, 1.5])})
    assert axes == [(("a",), ["0.50", "1.50"], [0.5, 1.5])]
    ((_, _, values),) = EX.frame_axes(
        toy_controls(), {("a", "b"): np.array([[0.5, 1.0], [2.0, 4.0]])}
    )
    assert values == [(0.5, 1), (2.0, 4)]


def test_joint_axis_moves_two_controls_together(static):
    CALLS.clear()
    grid = {("a", "b"): {"small": (0.5, 1), "large": (2.0, 5)}}
    box = explorer_box(toy_figure, toy_controls(), frames=grid)
    (sel,) = selectors(box)
    assert sel.options == ("small", "large") and sel.description == "a / b"
    assert [(c["a"], c["b"]) for c in CALLS] == [(0.5, 1), (2.0, 5)]


def test_frames_are_cached(static):
    CALLS.clear()
    explorer_box(toy_figure, toy_controls(), frames={"a": [0.5, 1.0]})
    assert len(CALLS) == 2
    box = explorer_box(toy_figure, toy_controls(), frames={"a": [0.5, 1.0, 1.5]})
    assert len(CALLS) == 3  # only the new frame is drawn
    again = explorer_box(toy_figure, toy_controls(), frames={"a": [0.5, 1.0, 1.5]})
    assert len(CALLS) == 3
    assert [bytes(i.value) for i in stacks(box)[0].children] == [
        bytes(i.value) for i in stacks(again)[0].children
    ]


def test_bound_arguments_enter_the_cache_key(static):
    import functools

    CALLS.clear()
    for kind in ("x", "y"):
        fig = functools.partial(toy_figure, kind=kind)
        c = toy_controls()
        del c["kind"]
        explorer_box(fig, c, frames={"a": [1.0]})
    assert [c["kind"] for c in CALLS] == ["x", "y"]


def test_live_mode_is_unchanged(monkeypatch):
    monkeypatch.delenv("FRACTAL_EXPLORERS", raising=False)
    assert get_explorer_mode() == "live"
    CALLS.clear()
    box = explorer_box(toy_figure, toy_controls(), frames={"a": [0.5, 1.0]})
    assert EX.EXPLORER_CLASS not in box._dom_classes
    assert isinstance(box.children[0], w.HBox)
    assert isinstance(box.children[1], w.Output)
    assert CALLS == [{"a": 1.0, "b": 2, "kind": "x"}]  # drawn once, live
    plt.close("all")


def test_live_mode_checks_the_grid_too(monkeypatch):
    monkeypatch.delenv("FRACTAL_EXPLORERS", raising=False)
    with pytest.raises(ValueError, match="a = 3.0 is outside"):
        explorer_box(toy_figure, toy_controls(), frames={"a": [1.0, 3.0]})


def test_unknown_mode_raises(monkeypatch):
    monkeypatch.setenv("FRACTAL_EXPLORERS", "animated")
    with pytest.raises(ValueError, match="FRACTAL_EXPLORERS"):
        get_explorer_mode()


@pytest.mark.parametrize(
    ("frames", "match"),
    [
        ({}, "one or two"),
        ({"a": [0.5], "b": [1], "kind": ["x"]}, "one or two"),
        ({"a": []}, "a has no values"),
        ({"c": [1.0]}, "'c' is not a control"),
        ({"a": [0.5, 2.5]}, r"a = 2.5 is outside \[0.0, 2.0\]"),
        ({"a": [float("nan")]}, "a needs finite numbers"),
        ({"b": [1.5]}, "b needs integers"),
        ({"kind": ["z"]}, "kind = 'z' is not an option"),
        ({"a": [0.5, 0.5]}, "a repeats a value"),
        ({"a": [0.5], ("a", "b"): [(1.0, 1)]}, "'a' is in two axes"),
        ({("a", "b"): [(1.0,)]}, "one value per name"),
        ({("a", "b"): [1.0]}, "a\\+b needs one value per name"),
        ({"b": [1.0, 2.5]}, "b needs integers"),
        ({"a": np.zeros((2, 2))}, "a needs a sequence of values"),
        ({"b": ["1"]}, "b needs finite numbers"),
        ({"a": np.linspace(0, 2, 26).tolist()}, "26 frames, more than MAX_FRAMES"),
        ({"a": [0.5, 1.0], "b": list(range(6))}, None),
    ],
)
def test_invalid_grids_raise(static, frames, match):
    if match is None:  # 12 frames: valid
        EX.frame_axes(toy_controls(), frames)
        return
    with pytest.raises(ValueError, match=match):
        explorer_box(toy_figure, toy_controls(), frames=frames)


def test_fingerprint_follows_the_values():
    a = np.arange(6.0)
    assert EX.fingerprint(a) == EX.fingerprint(a.copy())
    assert EX.fingerprint(a) != EX.fingerprint(a + 1)
    assert EX.fingerprint({"x": (1, a)}) == EX.fingerprint({"x": [1, a.copy()]})
    crit = liu2024.SUM_1E16
    assert EX.fingerprint(crit) != EX.fingerprint(liu2024.MAX_1E8)
    f = EX.fingerprint(lavin2024.schedule)
    assert f["code"].endswith("lavin2024.schedule") and f["version"].startswith("src-")
    with pytest.raises(TypeError):
        EX.fingerprint(object())


# ------------------------------------------------ the book's explorers, figures stubbed
@pytest.fixture
def calls(monkeypatch, static):
    """Replace every explorer's figure function by one that records its arguments."""
    seen: list[dict] = []

    def stub(*args, **kw):
        seen.append(kw)
        fig = plt.figure(figsize=(1, 1))
        fig.text(
            0.1,
            0.5,
            hashlib.sha256(repr(sorted(kw.items(), key=str)).encode()).hexdigest()[:8],
        )
        return fig

    for mod, name in [
        (BW, "explore"),
        (NW, "explore"),
        (DW, "explore"),
        (MW, "explore_probing"),
        (SW, "explore"),
        (SW, "explore_toy"),
    ]:
        monkeypatch.setattr(mod, name, stub)
    return seen


@pytest.mark.parametrize("scale", ["smoke", "book", "paper"])
def test_the_chapters_grids_fit_their_explorers(calls, scale):
    """Each chapter's grid at every scale is valid for its explorer (<= 25 frames)."""
    liu = presets.liu2024(scale)
    boxes = [
        BW.trainability_explorer(
            liu.explorer_log2_n,
            eps=liu2024.EPS,
            lam=liu2024.LAM,
            x0=liu2024.X0,
            lr_window=(liu2024.LR_MIN, liu2024.LR_MAX),
            criteria=(liu2024.SUM_1E16, liu2024.MAX_1E8),
            frames={"eps": liu.explorer_eps},
        ),
        DW.dynamical_loss_explorer(
            300,
            data=None,
            schedule=lavin2024.schedule,
            lanczos_iter=1,
            A=lavin2024.A,
            lr=lavin2024.LR_FIG2,
            width=lavin2024.WIDTH_FIG2,
            frames={"A": lavin_pre.sizes(scale).explorer_As},
        ),
        SW.landscape_explorer(
            n=32,
            hurst_range=(ly2025.H_MEAN - ly2025.H_AMP, ly2025.H_MEAN + ly2025.H_AMP),
            lr=ly2025.LR_MAIN,
            frames={"hurst_range": ly_pre.sizes(scale).explorer_hurst_ranges},
        ),
        SW.toy_explorer(
            5,
            lr=chen2022.TOY_LR,
            noise=chen2022.TOY_NOISE,
            steps=10,
            n_trials=1,
            frames={"hurst": chen_pre.sizes(scale).explorer_roughness},
        ),
    ]
    for box in boxes:
        (stack,), (sel,) = stacks(box), selectors(box)
        assert isinstance(sel, w.SelectionSlider)  # the browser test moves a slider
        assert sel.index < len(sel.options) - 1  # ... to the right: never the last
        assert 3 <= len(stack.children) <= 9
        assert len(set(bytes(i.value) for i in stack.children)) == len(stack.children)
    assert liu2024.EPS in liu.explorer_eps and lavin2024.A in (
        lavin_pre.sizes(scale).explorer_As
    )


def test_static_amplitude_slider_reads_the_value_of_its_frame(calls):
    # defect (issue 15): a slider read A = 70.8 for a figure computed at A = 70
    box = DW.dynamical_loss_explorer(
        300,
        data=None,
        schedule=lavin2024.schedule,
        lanczos_iter=1,
        A=lavin2024.A,
        lr=lavin2024.LR_FIG2,
        width=lavin2024.WIDTH_FIG2,
        frames={"A": (1.0, *lavin2024.FIG4_A, lavin2024.A)},
    )
    (sel,) = selectors(box)
    assert sel.options == ("1", "25", "50", "75", "70")
    assert [c["A"] for c in calls] == [1.0, 25.0, 50.0, 75.0, 70.0]
    assert sel.options[sel.index] == "70" and calls[sel.index]["A"] == 70.0
    assert all(c["lr"] == lavin2024.LR_FIG2 for c in calls)


def test_network_explorer_zooms_through_the_windows_of_a_zoom_sequence(calls):
    from types import SimpleNamespace

    root = sohl_dickstein2024.ROOT
    wins = [root, root.child(0, 1), root.child(0, 1).child(1, 0)]
    images = [SimpleNamespace(window=win) for win in wins]  # zoom_frames reads .window
    frames = NW.zoom_frames(images)
    assert list(frames[("x_range", "y_range")]) == ["×1", "×2", "×4"]
    box = NW.network_explorer(
        3, steps=20, window=root, width=sohl_dickstein2024.WIDTH, frames=frames
    )
    (sel,) = selectors(box)
    assert sel.options == ("×1", "×2", "×4") and sel.index == 0
    for c, win in zip(calls, wins, strict=True):
        x0, x1, y0, y1 = win.bounds
        assert c["x_range"] == (x0, x1) and c["y_range"] == (y0, y1)
    assert len(NW.zoom_frames(images * 5, most=4)[("x_range", "y_range")]) <= 4
    with pytest.raises(ValueError, match="most"):
        NW.zoom_frames(images, most=1)


def test_probing_explorer_shows_each_checkpoint_by_default(calls):
    scales = TB.SCALES[5:]
    responses = {f: np.ones((4, scales.size)) for f in (0.1, 0.5, 0.9)}
    box = MW.probing_explorer(responses, scales, TB.Q, window=(0, 3))
    (sel,) = selectors(box)
    assert sel.options == ("0.1", "0.5", "0.9") and sel.index == 1
    assert [c["fraction"] for c in calls] == [0.1, 0.5, 0.9]
