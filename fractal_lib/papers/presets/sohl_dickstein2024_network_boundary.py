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

    Attributes
    ----------
    steps : int
        GD steps per network (paper: 500 or 1000).
    log2_res : int
        Full-window images: ``2**log2_res + 1`` points per side (paper: 4096 per side).
    zoom_log2_res : int
        Resolution of each frame of a zoom sequence.
    n_zooms : int
        Zooms after the full window (paper: about 50 keyframes, each 2x).
    zoom_log2 : int
        Each zoom magnifies ``2**zoom_log2`` times per side.
    offset_log2_res : int
        The (weight offset, learning rate) plane.
    slice_log2_n : int
        Points of the 1-D slice: ``2**slice_log2_n + 1``.
    explorer_log2_res : int
        Initial resolution of the explorer.
    """

    steps: int
    log2_res: int
    zoom_log2_res: int
    n_zooms: int
    zoom_log2: int
    offset_log2_res: int
    slice_log2_n: int
    explorer_log2_res: int


_SIZES = {
    "smoke": SohlDickstein2024Scale(
        steps=40,
        log2_res=4,
        zoom_log2_res=4,
        n_zooms=1,
        zoom_log2=2,
        offset_log2_res=4,
        slice_log2_n=7,
        explorer_log2_res=3,
    ),
    "book": SohlDickstein2024Scale(
        steps=200,
        log2_res=6,
        zoom_log2_res=6,
        n_zooms=2,
        zoom_log2=3,
        offset_log2_res=5,
        slice_log2_n=11,
        explorer_log2_res=5,
    ),
    "paper": SohlDickstein2024Scale(
        steps=_paper.STEPS_PAPER[0],
        log2_res=10,
        zoom_log2_res=9,
        n_zooms=8,
        zoom_log2=3,
        offset_log2_res=9,
        slice_log2_n=16,
        explorer_log2_res=6,
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
            ("full-window images (points)", lambda s: _side(s.log2_res)),
            (
                "zoom sequence: frames × points, magnification per zoom",
                lambda s: (
                    f"{s.n_zooms + 1} × {_side(s.zoom_log2_res)}, ×{2**s.zoom_log2}"
                ),
            ),
            ("offset vs learning-rate plane", lambda s: _side(s.offset_log2_res)),
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
    return _admonition(
        f"Every network is trained for {s.steps} full-batch GD steps; the full-window "
        f"images have {side} × {side} networks, and the zoom sequences "
        f"{s.n_zooms + 1} frames of {zoom_side} × {zoom_side}, each "
        f"{2**s.zoom_log2} times magnified per side.",
        book_note=f"The paper trains for {paper_steps} steps and renders {keyframe} "
        f"keyframes over about {_paper.N_KEYFRAMES} zooms; at the `book` scale a "
        "2-core laptop renders far fewer networks, so the box counts span fewer sizes "
        "and the zoom reaches a magnification of about 10^2 per side instead of "
        "10^10.",
        scale=scale,
    )
