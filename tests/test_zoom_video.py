"""The zoom video (:mod:`fractal_lib.boundaries.zoom_video`): frame count, exponential
windows, magnification labels, colours from the keyframes, deterministic bytes, bad
input."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from PIL import Image

from fractal_lib.boundaries import network_trainability as NT
from fractal_lib.boundaries import zoom_video as ZV

RES = 4


@pytest.fixture(scope="module")
def base() -> NT.NetImage:
    prob = NT.NetworkProblem("tanh", width=4, n_data=8)
    return NT.render(prob, NT.Window(), log2_res=RES, steps=5, cache=False)


def _keyframes(base: NT.NetImage, n: int, zoom_log2: int = 1) -> list[NT.NetImage]:
    """``n`` nested keyframes toward the tile (0, 0) with a vertical boundary at
    x = x_min + 0.3 width of the root: converged left, diverged right."""
    out, win = [], NT.Window()
    x0, x1 = win.root[:2]
    for _ in range(n):
        xs, ys = win.coords(RES)
        m = np.where(xs < x0 + 0.3 * (x1 - x0), -1.0, 1.0) * (1.0 + ys[:, None] ** 2)
        out.append(dataclasses.replace(base, window=win, measure=m))
        win = win.child(0, 0, zoom_log2)
    return out


def test_frame_count_and_file(base, tmp_path):
    keys = _keyframes(base, 4)
    video = ZV.write_zoom_video(keys, tmp_path / "z.gif", frames_per_zoom=5, side=64)
    assert video.n_frames == 3 * 5 + 1 == len(video.labels)
    with Image.open(video.path) as im:
        assert im.format == "GIF" and im.n_frames == video.n_frames
        assert im.info["loop"] == 0
    webp = ZV.write_zoom_video(keys, tmp_path / "z.webp", frames_per_zoom=2, fmt="webp")
    with Image.open(webp.path) as im:
        assert im.format == "WEBP" and im.n_frames == 3 * 2 + 1


def test_windows_shrink_exponentially_and_nest(base):
    keys = _keyframes(base, 4, zoom_log2=2)
    bounds, keyframe, t = ZV.zoom_windows(keys, frames_per_zoom=6)
    width = bounds[:, 1] - bounds[:, 0]
    # 4x per side per zoom, spread evenly in log over 6 frames
    np.testing.assert_allclose(width[1:] / width[:-1], 4.0 ** (-1 / 6), rtol=1e-9)
    for k, img in enumerate(keys):  # keyframes sit at every 6th frame
        np.testing.assert_allclose(bounds[6 * k], img.window.bounds, rtol=0, atol=1e-12)
        assert keyframe[6 * k] == k and t[6 * k] == 0.0
    for a, b in zip(bounds, bounds[1:], strict=False):  # each frame inside the last
        assert a[0] <= b[0] + 1e-12 and b[1] <= a[1] + 1e-12
        assert a[2] <= b[2] + 1e-12 and b[3] <= a[3] + 1e-12
    for b, k in zip(bounds, keyframe, strict=True):  # cut from a covering keyframe
        kb = keys[k].window.bounds
        assert kb[0] <= b[0] + 1e-12 and b[1] <= kb[1] + 1e-12


def test_magnification_labels(base):
    keys = _keyframes(base, 3)
    zf = ZV.zoom_frames(keys, frames_per_zoom=4, side=32)
    assert np.all(np.diff(zf.magnification) > 0)
    np.testing.assert_allclose(zf.magnification[::4], [1, 2, 4])
    for label, mag in zip(zf.labels, zf.magnification, strict=True):
        e = float(re.match(r"x 2\^([\d.]+) per side", label).group(1))
        assert e == pytest.approx(np.log2(mag), abs=0.051)  # one decimal
    assert zf.labels[0].endswith(", 9 decades")  # the root is 9 decades tall


def test_colours_come_from_the_keyframe(base):
    keys = _keyframes(base, 2)
    zf = ZV.zoom_frames(keys, frames_per_zoom=3, side=100)
    first = zf.frames[0][40:]  # below the label
    # the boundary sits at 30% of the width: converged (blue, high indices) left
    assert np.all(first[:, :25] > ZV.N_COLOURS // 2)
    assert np.all(first[:, 35:] < ZV.N_COLOURS // 2)
    # the label box: white and black palette entries at the top left
    assert {ZV.N_COLOURS, ZV.N_COLOURS + 1} <= set(np.unique(zf.frames[0][:8, :40]))


def test_same_keyframes_same_bytes(base, tmp_path):
    keys = _keyframes(base, 3)
    a = ZV.write_zoom_video(keys, tmp_path / "a.gif", frames_per_zoom=3, side=48)
    b = ZV.write_zoom_video(keys, tmp_path / "b.gif", frames_per_zoom=3, side=48)
    assert a.path.read_bytes() == b.path.read_bytes()
    c = ZV.write_zoom_video(keys, frames_per_zoom=3, side=48)  # default path: digest
    assert c.path.read_bytes() == a.path.read_bytes() and c.path.name.startswith(
        "zoom-"
    )
    shown = c.display()
    assert shown.format == "gif" and shown.data == a.path.read_bytes()


@pytest.mark.parametrize(
    "change, name",
    [
        (lambda k: [], "images"),
        (lambda k: k[::-1], "nested"),
        (lambda k: [k[0], dataclasses.replace(k[1], plane="offset_vs_lr")], "plane"),
        (lambda k: [k[0], k[0]], "nested"),
    ],
)
def test_bad_keyframes_raise(base, change, name):
    with pytest.raises(ValueError, match=name):
        ZV.zoom_frames(change(_keyframes(base, 2)))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"frames_per_zoom": 0}, "frames_per_zoom"),
        ({"side": 4}, "side"),
        ({"fmt": "avi"}, "fmt"),
        ({"frame_ms": 1}, "frame_ms"),
    ],
)
def test_bad_arguments_raise(base, tmp_path, kwargs, name):
    with pytest.raises(ValueError, match=name):
        ZV.write_zoom_video(_keyframes(base, 2), tmp_path / "x.gif", **kwargs)


def test_bool_is_not_an_integer_argument(base):
    """``frames_per_zoom=True`` was taken as 1 (found by review); bools are refused
    like every other integer argument of the library (``core.checks.check_int``)."""
    with pytest.raises(ValueError, match="frames_per_zoom"):
        ZV.zoom_windows(_keyframes(base, 2), frames_per_zoom=True)
