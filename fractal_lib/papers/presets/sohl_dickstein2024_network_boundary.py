"""Sizes of the chapter ``notebooks/sohl_dickstein2024_network_boundary.md``
(Sohl-Dickstein 2024).

Grids nest: every scale renders the same root window with ``2**log2_res + 1`` points per
side, so a smaller scale's points are points of a larger one; zoom windows are dyadic
tiles of it. The number of GD steps grows with the scale (the paper uses 500 or 1000;
the ``paper`` scale takes the first of
:data:`fractal_lib.papers.sohl_dickstein2024.STEPS_PAPER`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...core.config import Scale, by_scale
from .. import sohl_dickstein2024 as _paper
from . import admonition as _admonition
from . import rows

#: The chapter's file stem (in ``notebooks/``), the key of its rows on the
#: *Scales* page.
CHAPTER = "sohl_dickstein2024_network_boundary"


@dataclass(frozen=True)
class SohlDickstein2024Scale:
    """Sizes of the network-trainability chapter.

    Every one of the six configurations
    (:data:`fractal_lib.papers.sohl_dickstein2024.CONFIGURATIONS`) gets a main plane
    and a zoom sequence of these sizes.

    Attributes
    ----------
    steps : int
        GD steps per network (paper: 500 or 1000).
    log2_res : int
        Main planes: ``2**log2_res + 1`` points per side (paper: 4096 per side).
    zoom_log2_res : int
        Resolution of each frame of a zoom sequence; with ``2**zoom_log2_res`` boundary
        pixels per side the box counts span sizes 2 .. ``2**zoom_log2_res / 4``.
    n_zooms : int
        Zooms after the first frame (paper: about 50 keyframes, each 2x).
    zoom_log2 : int
        Each zoom magnifies ``2**zoom_log2`` times per side.
    offset_log2_res : int
        Main plane of the (weight offset, learning rate) configuration.
    slice_log2_n : int
        Points of the 1-D slice: ``2**slice_log2_n + 1``.
    explorer_log2_res : int
        Initial resolution of the explorer.
    adaptive : bool
        Render with adaptive refinement (only cells whose corners disagree).
    frames_per_zoom : int
        Frames of the zoom video between two keyframes.
    video_side : int
        Pixels per side of the zoom video.
    """

    steps: int
    log2_res: int
    zoom_log2_res: int
    n_zooms: int
    zoom_log2: int
    offset_log2_res: int
    slice_log2_n: int
    explorer_log2_res: int
    adaptive: bool
    frames_per_zoom: int
    video_side: int

    def render_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of every render of the chapter.

        Returns
        -------
        dict
            ``steps`` and ``adaptive``, for
            :func:`~fractal_lib.boundaries.network_trainability.render` and
            :func:`~fractal_lib.boundaries.network_trainability.zoom_sequence`.
        """
        return {"steps": self.steps, "adaptive": self.adaptive}

    def plane_log2_res(self, plane: str) -> int:
        """Resolution level of a configuration's main plane.

        Parameters
        ----------
        plane : {"lr_vs_lr", "offset_vs_lr"}
            The configuration's plane.

        Returns
        -------
        int
            :attr:`offset_log2_res` for the offset plane, else :attr:`log2_res`.
        """
        return self.offset_log2_res if plane == "offset_vs_lr" else self.log2_res


_SIZES = {
    "smoke": SohlDickstein2024Scale(
        steps=40,
        log2_res=4,
        zoom_log2_res=4,
        n_zooms=1,
        zoom_log2=1,
        offset_log2_res=4,
        slice_log2_n=7,
        explorer_log2_res=3,
        adaptive=True,
        frames_per_zoom=2,
        video_side=64,
    ),
    # Book: main planes 513^2, zoom frames 129^2 (box sizes 2..32 px: five sizes), six
    # frames at 2x (the paper's keyframe step), adaptive rendering.
    "book": SohlDickstein2024Scale(
        steps=200,
        log2_res=9,
        zoom_log2_res=7,
        n_zooms=5,
        zoom_log2=1,
        offset_log2_res=9,
        slice_log2_n=11,
        explorer_log2_res=5,
        adaptive=True,
        frames_per_zoom=10,
        video_side=256,
    ),
    # Paper: 4097^2 keyframes, 2x per zoom, 41 keyframes (windows stop at level 40,
    # 2**40 ~ 1e12 per side; the paper's videos have 35-50 keyframes).
    "paper": SohlDickstein2024Scale(
        steps=_paper.STEPS_PAPER[0],
        log2_res=12,
        zoom_log2_res=12,
        n_zooms=40,
        zoom_log2=1,
        offset_log2_res=12,
        slice_log2_n=16,
        explorer_log2_res=6,
        adaptive=True,
        frames_per_zoom=12,
        video_side=384,
    ),
}


def sizes(scale: Scale | None = None) -> SohlDickstein2024Scale:
    """The chapter's sizes at the current (or the given) scale.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        The scale; by default the one read from ``FRACTAL_SCALE``.

    Returns
    -------
    SohlDickstein2024Scale
        The sizes.
    """
    return by_scale(_SIZES["smoke"], _SIZES["book"], _SIZES["paper"], scale=scale)


def _side(k: int) -> str:
    return f"{2**k + 1}²"


def table_rows() -> list[dict[str, str]]:
    """Rows of the book's *Scales* page.

    Returns
    -------
    list of dict
        Rows ``{chapter, quantity, smoke, book, paper}`` (see
        :func:`fractal_lib.papers.presets.rows`).
    """
    return rows(
        CHAPTER,
        sizes,
        [
            ("GD steps per network", "steps"),
            (
                f"main planes, {len(_paper.CONFIGURATIONS)} configurations (points)",
                lambda s: _side(s.log2_res),
            ),
            (
                "zoom sequences: frames × points, magnification per zoom",
                lambda s: (
                    f"{s.n_zooms + 1} × {_side(s.zoom_log2_res)}, ×{2**s.zoom_log2}"
                ),
            ),
            ("offset vs learning-rate plane", lambda s: _side(s.offset_log2_res)),
            ("adaptive rendering", lambda s: "yes" if s.adaptive else "no"),
            (
                "zoom video: frames, pixels per side",
                lambda s: f"{s.n_zooms * s.frames_per_zoom + 1}, {s.video_side}",
            ),
            ("1-D slice (learning rates)", lambda s: f"2^{s.slice_log2_n} + 1"),
        ],
    )


def admonition(scale: Scale | None = None) -> str:
    """The chapter's scale note.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        The scale; by default the one read from ``FRACTAL_SCALE``.

    Returns
    -------
    str
        A MyST admonition (see :func:`fractal_lib.papers.presets.admonition`); its
        ``book`` note quotes the paper's sizes from
        :mod:`fractal_lib.papers.sohl_dickstein2024`.
    """
    s = sizes(scale)
    side, zoom_side = 2**s.log2_res + 1, 2**s.zoom_log2_res + 1
    paper_steps = " or ".join(map(str, _paper.STEPS_PAPER))
    keyframe = f"{_paper.KEYFRAME_SIDE} × {_paper.KEYFRAME_SIDE}"
    how = "adaptively (refined where the outcome changes)" if s.adaptive else "in full"
    return _admonition(
        f"Every network is trained for {s.steps} GD steps; each of the "
        f"{len(_paper.CONFIGURATIONS)} configurations gets a main image of {side} × "
        f"{side} networks and a zoom sequence of {s.n_zooms + 1} frames of "
        f"{zoom_side} × {zoom_side}, each {2**s.zoom_log2} times magnified per side, "
        f"rendered {how}.",
        book_note=f"The paper trains for {paper_steps} steps and renders {keyframe} "
        f"keyframes over about {_paper.N_KEYFRAMES} zooms; at the `book` scale a "
        "2-core laptop renders far fewer networks, so the box counts span fewer sizes "
        f"and the zoom reaches a magnification of {2 ** (s.zoom_log2 * s.n_zooms)} per "
        "side instead of the paper's more than ten decades of scale.",
        scale=scale,
    )
