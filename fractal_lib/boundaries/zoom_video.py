"""Zoom videos of the network-trainability boundary, built from cached keyframes.

Sohl-Dickstein's videos zoom into the boundary through about 50 keyframes, each a
window magnified 2x; between two keyframes the window shrinks *exponentially*, and each
video frame is cut out of the finest keyframe that covers it. This module does the same
with the keyframes of
:func:`~fractal_lib.boundaries.network_trainability.zoom_sequence` (a list of
:class:`~fractal_lib.boundaries.network_trainability.NetImage`), so a video costs no
training at all:

* :func:`zoom_windows`: the window of every frame. Between nested keyframes ``k`` and
  ``k + 1`` the window is ``p + (W_k - p) * r**t``, ``t`` in ``[0, 1)``, where ``r`` is
  the ratio of their widths and ``p`` the fixed point of the similarity that maps
  ``W_k`` onto ``W_{k+1}``: the width falls geometrically and every point of the
  picture moves along a straight line toward ``p``, as in a camera zoom.
* :func:`zoom_frames`: the frames as palette images (nearest-neighbour resampling of
  the finest covering keyframe), coloured like the chapter's images
  (:func:`~fractal_lib.boundaries.network_trainability.colour_values`, ``Spectral``),
  the colour stretch cross-faded from keyframe to keyframe, and each frame labelled
  with its magnification per side and the window's height in decades.
* :func:`write_zoom_video`: an animated GIF (plays in the static HTML book, where
  Jupyter Book embeds ``image/gif`` outputs) or WebP, written with Pillow. The same
  keyframes give the same bytes.

Source: Sohl-Dickstein 2024 (arXiv:2402.06184), its zoom videos; the author's notebook
(``interpolate_history``) interpolates the zoom exponentially between keyframes.
"""

from __future__ import annotations

import hashlib
import io
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..core.checks import check_int
from .network_trainability import NetImage, colour_values

#: Colour map of the frames (the chapter's images use the same).
CMAP = "Spectral"
#: Palette entries used for colour values; index ``N_COLOURS`` is white, the next black.
N_COLOURS = 254
#: Video formats :func:`write_zoom_video` writes.
FORMATS = ("gif", "webp")


@dataclass(frozen=True)
class ZoomFrames:
    """The frames of a zoom video, before encoding.

    Attributes
    ----------
    frames : ndarray(uint8), shape ``(n, side, side)``
        Palette indices, top row first (largest y at the top).
    palette : ndarray(uint8), shape ``(256, 3)``
        RGB of each index: ``0 .. N_COLOURS - 1`` the ``Spectral`` colours of values
        ``-1 .. 1``, then white and black (the labels).
    bounds : ndarray(float), shape ``(n, 4)``
        ``(x_min, x_max, y_min, y_max)`` of every frame, in plane units.
    magnification : ndarray(float), shape ``(n,)``
        Zoom per side relative to the keyframes' root window (``2**level`` at a
        keyframe), increasing.
    keyframe : ndarray(int), shape ``(n,)``
        Index of the keyframe each frame is cut from.
    labels : list of str
        The text drawn on each frame.
    """

    frames: np.ndarray
    palette: np.ndarray
    bounds: np.ndarray
    magnification: np.ndarray
    keyframe: np.ndarray
    labels: list[str]


@dataclass(frozen=True)
class ZoomVideo:
    """A written zoom video.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    n_frames : int
        Number of frames.
    format : {"gif", "webp"}
        The file format.
    magnification : ndarray(float), shape ``(n_frames,)``
        Zoom per side of every frame, relative to the root window.
    labels : list of str
        The label of every frame.
    """

    path: Path
    n_frames: int
    format: str
    magnification: np.ndarray
    labels: list[str]

    def display(self) -> Any:
        """The video as an IPython image (embedded in the notebook, and in the book).

        Returns
        -------
        IPython.display.Image
            The file's bytes, with its format.
        """
        from IPython.display import Image

        return Image(data=self.path.read_bytes(), format=self.format)


def _check_keyframes(images: Sequence[NetImage]) -> list[NetImage]:
    imgs = list(images) if not isinstance(images, NetImage) else [images]
    if not imgs:
        raise ValueError("images must hold at least one keyframe (a NetImage)")
    bad = [k for k, im in enumerate(imgs) if not isinstance(im, NetImage)]
    if bad:
        raise ValueError(f"images must be NetImage keyframes; entries {bad} are not")
    first = imgs[0]
    for k, im in enumerate(imgs[1:], 1):
        if im.plane != first.plane or im.window.root != first.window.root:
            raise ValueError(
                f"images must share one plane and root window; keyframe {k} differs"
            )
        a, b = imgs[k - 1].window.bounds, im.window.bounds
        wa, wb = a[1] - a[0], b[1] - b[0]
        inside = a[0] <= b[0] and b[1] <= a[1] and a[2] <= b[2] and b[3] <= a[3]
        if not (inside and wb < wa):
            raise ValueError(
                f"images must be nested zoom keyframes: keyframe {k}'s window is not a "
                f"strictly smaller window inside keyframe {k - 1}'s"
            )
    for k, im in enumerate(imgs):
        if im.measure.ndim != 2 or min(im.measure.shape) < 2:
            raise ValueError(f"images: keyframe {k} has no 2-D measure")
        if not np.all(np.isfinite(im.measure)):
            raise ValueError(f"images: keyframe {k} has non-finite measures")
    return imgs


def zoom_windows(
    images: Sequence[NetImage], frames_per_zoom: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows of the frames of an exponential zoom through nested keyframes.

    Parameters
    ----------
    images : sequence of NetImage
        Keyframes, each window strictly inside the previous one, one plane and root
        (:func:`~fractal_lib.boundaries.network_trainability.zoom_sequence`).
    frames_per_zoom : int
        Frames from one keyframe to the next, ``1 .. 1000``.

    Returns
    -------
    bounds : ndarray(float), shape ``(n, 4)``
        ``(x_min, x_max, y_min, y_max)`` of each frame, ``n = (len(images) - 1) *
        frames_per_zoom + 1``; frame ``k * frames_per_zoom`` is keyframe ``k``.
    keyframe : ndarray(int), shape ``(n,)``
        The finest keyframe whose window covers each frame.
    t : ndarray(float), shape ``(n,)``
        Position between that keyframe and the next, in ``[0, 1)`` (0 at keyframes).

    Raises
    ------
    ValueError
        No keyframes, keyframes that are not nested, of different planes or roots, or
        ``frames_per_zoom`` out of range.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184): zoom videos interpolated exponentially
    between keyframes.
    """
    imgs = _check_keyframes(images)
    fpz = check_int(frames_per_zoom, "frames_per_zoom", 1, 1000)
    win = np.array([im.window.bounds for im in imgs], dtype=np.float64)
    rows, keys, ts = [win[0]], [0], [0.0]
    for k in range(len(imgs) - 1):
        a, b = win[k], win[k + 1]
        r = np.array([(b[1] - b[0]) / (a[1] - a[0]), (b[3] - b[2]) / (a[3] - a[2])])
        # fixed point of the similarity W_k -> W_{k+1}, per axis
        p = np.array([b[0] - r[0] * a[0], b[2] - r[1] * a[2]]) / (1.0 - r)
        p4 = np.repeat(p, 2)
        r4 = np.repeat(r, 2)
        for j in range(1, fpz + 1):
            t = j / fpz
            rows.append(b if j == fpz else p4 + (a - p4) * r4**t)
            keys.append(k + 1 if j == fpz else k)
            ts.append(0.0 if j == fpz else t)
    return np.array(rows), np.array(keys, dtype=np.int64), np.array(ts)


def _palette() -> np.ndarray:
    import matplotlib

    cmap = matplotlib.colormaps[CMAP]
    rgb = cmap(np.linspace(0.0, 1.0, N_COLOURS))[:, :3]
    pal = np.zeros((256, 3), dtype=np.uint8)
    pal[:N_COLOURS] = np.round(rgb * 255).astype(np.uint8)
    pal[N_COLOURS] = 255  # white
    pal[N_COLOURS + 1] = 0  # black
    return pal


def _label(magnification: float, height: float) -> str:
    return f"x 2^{math.log2(magnification):.1f} per side, {height:.2g} decades"


def _font(side: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=max(8, side // 20))
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def zoom_frames(
    images: Sequence[NetImage], *, frames_per_zoom: int = 10, side: int = 256
) -> ZoomFrames:
    """The frames of the zoom video through ``images``, as palette images.

    Each frame's window comes from :func:`zoom_windows`; its pixels take the colour of
    the nearest grid point of the finest keyframe that covers it (a crop, resampled).
    Colours are :func:`~fractal_lib.boundaries.network_trainability.colour_values` of
    that keyframe's measure, the stretch blended from the keyframe's own distribution
    (at the keyframe) to the next keyframe's (on arrival there), so the colours do not
    jump between keyframes. A white box at the top left gives the magnification per
    side and the window's height in decades (log10 learning rate, the y axis of both
    planes).

    Parameters
    ----------
    images : sequence of NetImage
        Nested keyframes (see :func:`zoom_windows`).
    frames_per_zoom : int
        Frames from one keyframe to the next, ``1 .. 1000``.
    side : int
        Pixels per side of a frame, ``16 .. 4096``.

    Returns
    -------
    ZoomFrames
        ``(len(images) - 1) * frames_per_zoom + 1`` frames.

    Raises
    ------
    ValueError
        As :func:`zoom_windows`, or ``side`` out of range.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), its zoom videos and colouring.
    """
    from PIL import Image, ImageDraw

    imgs = _check_keyframes(images)
    side = check_int(side, "side", 16, 4096)
    bounds, keys, ts = zoom_windows(imgs, frames_per_zoom)
    own = [im.colours() for im in imgs]
    nxt = [
        colour_values(im.measure, imgs[k + 1].measure) if k + 1 < len(imgs) else own[k]
        for k, im in enumerate(imgs)
    ]
    root = imgs[0].window.root
    root_w = root[1] - root[0]
    centres = (np.arange(side) + 0.5) / side
    font = _font(side)
    frames = np.empty((len(bounds), side, side), dtype=np.uint8)
    mags, labels = np.empty(len(bounds)), []
    for f, (b, k, t) in enumerate(zip(bounds, keys, ts, strict=True)):
        im = imgs[k]
        xs, ys = im.xs, im.ys
        gx = b[0] + (b[1] - b[0]) * centres
        gy = b[3] - (b[3] - b[2]) * centres  # top row = largest y
        ix = np.clip(np.rint((gx - xs[0]) / (xs[1] - xs[0])), 0, xs.size - 1)
        iy = np.clip(np.rint((gy - ys[0]) / (ys[1] - ys[0])), 0, ys.size - 1)
        sel = np.ix_(iy.astype(np.intp), ix.astype(np.intp))
        v = (1.0 - t) * own[k][sel] + t * nxt[k][sel]
        idx = np.rint((v + 1.0) / 2.0 * (N_COLOURS - 1))
        pil = Image.fromarray(np.clip(idx, 0, N_COLOURS - 1).astype(np.uint8), "P")
        mags[f] = root_w / (b[1] - b[0])
        labels.append(_label(mags[f], b[3] - b[2]))
        draw = ImageDraw.Draw(pil)
        box = draw.textbbox((4, 3), labels[-1], font=font)
        draw.rectangle((0, 0, box[2] + 4, box[3] + 3), fill=N_COLOURS)
        draw.text((4, 3), labels[-1], fill=N_COLOURS + 1, font=font)
        frames[f] = np.asarray(pil)
    return ZoomFrames(frames, _palette(), bounds, mags, keys, labels)


def _encode(zf: ZoomFrames, fmt: str, frame_ms: int, hold_ms: int) -> bytes:
    from PIL import Image

    pal = zf.palette.ravel().tolist()
    pics = []
    for fr in zf.frames:
        pic = Image.fromarray(fr, "P")
        pic.putpalette(pal)
        pics.append(pic if fmt == "gif" else pic.convert("RGB"))
    durations = [frame_ms] * len(pics)
    durations[-1] = max(frame_ms, hold_ms)
    out = io.BytesIO()
    opts: dict[str, Any] = {"save_all": True, "append_images": pics[1:], "loop": 0}
    if fmt == "gif":
        opts |= {"duration": durations, "optimize": False, "disposal": 1}
    else:
        opts |= {"duration": durations, "lossless": False, "quality": 85, "method": 4}
    pics[0].save(out, format=fmt.upper(), **opts)
    return out.getvalue()


def write_zoom_video(
    images: Sequence[NetImage],
    path: str | Path | None = None,
    *,
    frames_per_zoom: int = 10,
    side: int = 256,
    frame_ms: int = 80,
    hold_ms: int = 1500,
    fmt: Literal["gif", "webp"] = "gif",
) -> ZoomVideo:
    """Write the zoom video through nested keyframes as an animated image.

    The frames are those of :func:`zoom_frames`; the last one is held for ``hold_ms``
    before the video loops. No training happens here: pass the cached keyframes of
    :func:`~fractal_lib.boundaries.network_trainability.zoom_sequence`. The same
    keyframes and arguments give the same bytes.

    Parameters
    ----------
    images : sequence of NetImage
        Nested keyframes, the widest first.
    path : str or Path, optional
        Output file; by default ``zoom-<digest>.<fmt>`` in the folder
        ``fractal_lib_videos`` of the system's temporary directory, the digest taken
        from the frames (same frames, same file).
    frames_per_zoom : int
        Frames from one keyframe to the next, ``1 .. 1000``.
    side : int
        Pixels per side, ``16 .. 4096``.
    frame_ms : int
        Display time of a frame in milliseconds, ``20 .. 10000`` (GIF counts in
        hundredths of a second).
    hold_ms : int
        Display time of the last frame, ``0 .. 60000`` (at least ``frame_ms``).
    fmt : {"gif", "webp"}
        GIF plays in the static book (Jupyter Book embeds ``image/gif``); WebP is
        smaller and full-colour but is not embedded by Jupyter Book.

    Returns
    -------
    ZoomVideo
        The path, the number of frames and each frame's magnification and label.

    Raises
    ------
    ValueError
        As :func:`zoom_frames`, an unknown ``fmt`` or a duration out of range.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), its zoom videos.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    frame_ms = check_int(frame_ms, "frame_ms", 20, 10_000)
    hold_ms = check_int(hold_ms, "hold_ms", 0, 60_000)
    zf = zoom_frames(images, frames_per_zoom=frames_per_zoom, side=side)
    data = _encode(zf, fmt, frame_ms, hold_ms)
    if path is None:
        digest = hashlib.sha256(data).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / "fractal_lib_videos"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"zoom-{digest}.{fmt}"
    path = Path(path)
    path.write_bytes(data)
    return ZoomVideo(path, len(zf.frames), fmt, zf.magnification, zf.labels)
