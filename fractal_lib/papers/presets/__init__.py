"""Per-chapter sizes at each scale (``smoke``, ``book``, ``paper``).

Chapters never read ``FRACTAL_SCALE`` themselves: they ask this module for their sizes,
which are picked with :func:`fractal_lib.core.config.by_scale`. Every size nests: a
smaller scale uses a coarser dyadic level of the same learning-rate interval and a
subset of the same parameter grid, so its points are exactly points of the larger
scales. Where the ``paper`` scale uses the paper's own sizes, it reads them from the
paper's module.

The Liu 2024 chapter's sizes live here; every other chapter has a submodule
``fractal_lib.papers.presets.<chapter>`` with a frozen dataclass of its sizes, a
``sizes(scale=None)`` accessor built on :func:`~fractal_lib.core.config.by_scale`, a
``table_rows()`` function (built with :func:`rows`) for the book's *Scales* page and an
``admonition()`` (built with :func:`admonition`). Submodules are discovered
automatically, so adding a chapter never edits this file.

Timings quoted below were measured on a 2-core laptop with a warm numba cache (see the
chapter's "Differences from the paper" section for what each size costs and what it can
resolve).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from types import ModuleType
from typing import Any

from ...core.config import SCALES, Scale, by_scale, get_scale
from .. import liu2024 as _liu


@dataclass(frozen=True)
class Liu2024Scale:
    """Sizes of the Liu 2024 chapter (``notebooks/liu2024_fractal_boundary.md``).

    All ``*_log2_n`` fields are dyadic levels: ``2**log2_n`` segments (``2**log2_n + 1``
    learning rates) on ``[0, 1.5]``.

    Attributes
    ----------
    strip_log2_n : int
        Fig. 1d: points per colour strip (the full strip and each zoomed strip).
    strip_zooms : int
        Fig. 1d: nested zoom strips under the full one, each 16 times narrower.
    add_log2_n : int
        Fig. 2a: depth of the additive zoom sweep, paper-text criterion (sum >= 1e16).
    add_max_log2_n : int
        Fig. 2a: depth with the authors' committed criterion (some loss > 1e8).
    zoom_base_log2 : int
        Fig. 2a: level of the full sweep the zoom starts from.
    zoom_check_log2 : int
        Level of a second zoom started lower, compared with the full sweep at
        ``zoom_base_log2`` to test what the zoom can miss.
    mult_log2_n : int
        Fig. 2b: full multiplicative sweep (no zoom: its boundaries fill ``[0, 1]``).
    map_log2_n : int
        Figs. 2c/2d/3: level of each cell of the 10 x 10 (eps, lam) maps.
    map_stride : int
        Figs. 2c/2d: use every ``map_stride``-th eps and lam of the paper's 10 x 10
        grid.
    two_cos_log2_n : int
        Fig. 4a: level of each cell of the two-cosine map.
    two_cos_stride : int
        Fig. 4a: use every ``two_cos_stride``-th point of the paper's 20 x 20 grid,
        counted from the largest amplitude down (so the grid always contains the corner
        0.008, 0.02).
    dims : tuple of int
        Figs. 4b/4c: parameter dimensions d (computed through the exact 1-D reduction).
    dims_add_log2_n : int
        Fig. 4b: depth of the additive zoom sweep per d.
    dims_zoom_base_log2 : int
        Fig. 4b: level of the full sweep that zoom starts from.
    dims_mult_log2_n : int
        Fig. 4c: level of the full multiplicative sweep per d (and of the re-run with
        the authors' divergence test).
    dims_check : tuple of int
        Dimensions for which the d-dimensional kernel is run to verify the reduction.
    dims_check_log2_n : int
        Level of that verification.
    quadratic_log2_n : int
        Fig. S2: level of the sweep on ``x**2``.
    fmax_log2_n : int
        Fig. S3: level of each cell of the four 10 x 10 maps (f_max = 1e3 ... 1e6).
    n_x0 : int
        Figs. S4/S5: number of random starting points (the first ``n_x0`` of one seeded
        draw).
    x0_log2_n : int
        Figs. S4/S5: level per starting point.
    rescale_check_log2_n : int
        Level of the exact renormalisation check (Fig. 3).
    explorer_log2_n : int
        Default resolution of the interactive explorer (at most 14).
    explorer_eps : tuple of float
        Amplitudes ε of the static explorer's frames (multiples of the paper's
        ``EPS``; the other values stay at the paper's).
    """

    strip_log2_n: int
    strip_zooms: int
    add_log2_n: int
    add_max_log2_n: int
    zoom_base_log2: int
    zoom_check_log2: int
    mult_log2_n: int
    map_log2_n: int
    map_stride: int
    two_cos_log2_n: int
    two_cos_stride: int
    dims: tuple[int, ...]
    dims_add_log2_n: int
    dims_zoom_base_log2: int
    dims_mult_log2_n: int
    dims_check: tuple[int, ...]
    dims_check_log2_n: int
    quadratic_log2_n: int
    fmax_log2_n: int
    n_x0: int
    x0_log2_n: int
    rescale_check_log2_n: int
    explorer_log2_n: int
    explorer_eps: tuple[float, ...]


def _eps_grid(*factors: float) -> tuple[float, ...]:
    """Multiples of the paper's ``EPS``, on the explorer slider's 0.005 grid."""
    return tuple(round(f * _liu.EPS, 3) for f in factors)


_LIU2024 = {
    "smoke": Liu2024Scale(
        strip_log2_n=12,
        strip_zooms=2,
        add_log2_n=16,
        add_max_log2_n=16,
        zoom_base_log2=16,
        zoom_check_log2=12,
        mult_log2_n=14,
        map_log2_n=10,
        map_stride=1,
        two_cos_log2_n=10,
        two_cos_stride=4,
        dims=(1, 2, 5, 10),
        dims_add_log2_n=12,
        dims_zoom_base_log2=12,
        dims_mult_log2_n=12,
        dims_check=(3,),
        dims_check_log2_n=8,
        quadratic_log2_n=10,
        fmax_log2_n=8,
        n_x0=8,
        x0_log2_n=12,
        rescale_check_log2_n=12,
        explorer_log2_n=12,
        explorer_eps=_eps_grid(0.5, 1.0, 1.5),
    ),
    "book": Liu2024Scale(
        strip_log2_n=18,
        strip_zooms=3,
        add_log2_n=32,
        add_max_log2_n=28,
        zoom_base_log2=20,
        zoom_check_log2=16,
        mult_log2_n=20,
        map_log2_n=16,
        map_stride=1,
        two_cos_log2_n=14,
        two_cos_stride=2,
        dims=(1, 2, 3, 5, 10, 20, 50, 100),
        dims_add_log2_n=24,
        dims_zoom_base_log2=18,
        dims_mult_log2_n=16,
        dims_check=(3, 10),
        dims_check_log2_n=12,
        quadratic_log2_n=16,
        fmax_log2_n=13,
        n_x0=32,
        x0_log2_n=16,
        rescale_check_log2_n=16,
        explorer_log2_n=14,
        explorer_eps=_eps_grid(0, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5),
    ),
    "paper": Liu2024Scale(
        strip_log2_n=_liu.LOG2_N,
        strip_zooms=3,
        add_log2_n=_liu.ADD_LOG2_N,
        add_max_log2_n=_liu.ADD_LOG2_N,
        zoom_base_log2=24,
        zoom_check_log2=20,
        mult_log2_n=24,
        map_log2_n=_liu.LOG2_N,
        map_stride=1,
        two_cos_log2_n=_liu.LOG2_N,
        two_cos_stride=1,
        dims=_liu.DIMS,
        dims_add_log2_n=28,
        dims_zoom_base_log2=20,
        dims_mult_log2_n=_liu.LOG2_N,
        dims_check=(3, 10, 100),
        dims_check_log2_n=16,
        quadratic_log2_n=_liu.LOG2_N,
        fmax_log2_n=_liu.LOG2_N,
        n_x0=_liu.N_X0,
        x0_log2_n=_liu.LOG2_N,
        rescale_check_log2_n=20,
        explorer_log2_n=14,
        explorer_eps=_eps_grid(0, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5),
    ),
}


def liu2024(scale: Scale | None = None) -> Liu2024Scale:
    """Sizes of the Liu 2024 chapter at the current (or the given) scale.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        The scale; by default the one read from ``FRACTAL_SCALE``.

    Returns
    -------
    Liu2024Scale
        The sizes; at ``paper`` scale the paper's own sizes come from
        :mod:`fractal_lib.papers.liu2024`.
    """
    return by_scale(_LIU2024["smoke"], _LIU2024["book"], _LIU2024["paper"], scale=scale)


# -------------------------------------------------------------------------- scale table
_LIU2024_ROWS: list[tuple[str, str]] = [
    ("Fig. 1d colour strip (points per strip, nested zooms)", "strip"),
    ("Fig. 2a additive zoom depth, sum of losses >= 1e16", "add_log2_n"),
    ("Fig. 2a additive zoom depth, some loss > 1e8", "add_max_log2_n"),
    ("Fig. 2b multiplicative full sweep", "mult_log2_n"),
    ("Figs. 2c/2d/3 (eps, lam) maps", "maps"),
    ("Fig. 4a two-cosine map", "two_cos"),
    ("Figs. 4b/4c dimensions d", "dims"),
    ("Fig. S2 sweep on x^2", "quadratic_log2_n"),
    ("Fig. S3 f_max maps (4 bounds)", "fmax"),
    ("Figs. S4/S5 random starting points", "x0"),
    ("Fig. 3 renormalisation check", "rescale_check_log2_n"),
]


def _pow(n: int) -> str:
    return f"2^{n}"


def _describe(s: Liu2024Scale, what: str) -> str:
    if what == "strip":
        return f"{_pow(s.strip_log2_n)} + {s.strip_zooms} zooms"
    if what == "maps":
        k = len(range(0, 10, s.map_stride))
        return f"{k}x{k} cells x {_pow(s.map_log2_n)}"
    if what == "two_cos":
        k = len(range(19, -1, -s.two_cos_stride))
        return f"{k}x{k} cells x {_pow(s.two_cos_log2_n)}"
    if what == "dims":
        d = s.dims
        ds = (
            f"1..{d[-1]}"
            if d == tuple(range(1, d[-1] + 1)) and len(d) > 10
            else ", ".join(map(str, d))
        )
        return (
            f"{ds}; additive zoom {_pow(s.dims_zoom_base_log2)} to "
            f"{_pow(s.dims_add_log2_n)}, multiplicative {_pow(s.dims_mult_log2_n)}"
        )
    if what == "fmax":
        return f"10x10 cells x {_pow(s.fmax_log2_n)}"
    if what == "x0":
        return f"{s.n_x0} x {_pow(s.x0_log2_n)}"
    return _pow(getattr(s, what))


def rows(
    chapter: str,
    sizes: Callable[[Scale], Any],
    quantities: Sequence[tuple[str, str | Callable[[Any], object]]],
) -> list[dict[str, str]]:
    """Scale-table rows for one chapter.

    Parameters
    ----------
    chapter : str
        The chapter's file stem (e.g. ``"lavin2024_dynamical_loss"``).
    sizes : callable
        ``sizes(scale)`` returns the chapter's size dataclass at that scale.
    quantities : sequence of (str, str or callable)
        ``(description, what)``: ``what`` is a field name of the dataclass, or a
        function of the dataclass returning the value to show.

    Returns
    -------
    list of dict
        Rows ``{chapter, quantity, smoke, book, paper}`` of strings.
    """
    per_scale = {sc: sizes(sc) for sc in SCALES}
    out = []
    for quantity, what in quantities:
        row = {"chapter": chapter, "quantity": quantity}
        for sc in SCALES:
            value = (
                getattr(per_scale[sc], what)
                if isinstance(what, str)
                else what(per_scale[sc])
            )
            row[sc] = str(value)
        out.append(row)
    return out


def chapter_modules() -> list[ModuleType]:
    """The per-chapter preset submodules, in file-name order.

    Returns
    -------
    list of module
        Every submodule of this package whose name does not start with ``_``.
    """
    names = sorted(
        m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")
    )
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def scale_table() -> list[dict[str, str]]:
    """Rows ``{chapter, quantity, smoke, book, paper}`` for the book's *Scales* page.

    Returns
    -------
    list of dict
        The Liu 2024 rows, then each submodule's ``table_rows()``.
    """
    per_scale = {sc: liu2024(sc) for sc in SCALES}
    out = []
    for quantity, what in _LIU2024_ROWS:
        row = {"chapter": "liu2024_fractal_boundary", "quantity": quantity}
        row.update({sc: _describe(per_scale[sc], what) for sc in SCALES})
        out.append(row)
    for module in chapter_modules():
        out.extend(module.table_rows())
    return out


def admonition(
    summary: str,
    *,
    smoke_note: str | None = None,
    book_note: str | None = None,
    scale: Scale | None = None,
) -> str:
    """A MyST admonition stating the scale a chapter was executed at.

    Parameters
    ----------
    summary : str
        One or two sentences (MyST Markdown) naming the sizes that matter for the
        chapter.
    smoke_note, book_note : str, optional
        Extra sentence shown at ``smoke`` / ``book`` scale. ``smoke`` defaults to a
        warning that its numbers are not meant to be read.
    scale : str, optional
        Override the scale read from ``FRACTAL_SCALE``.

    Returns
    -------
    str
        MyST Markdown of the admonition (a ``note`` titled with the scale).
    """
    sc = get_scale() if scale is None else scale
    lines = [
        f":::{{admonition}} Built at scale `{sc}`",
        ":class: note",
        f"This page was executed with `FRACTAL_SCALE={sc}`. {summary}",
    ]
    if sc == "smoke":
        lines.append(
            smoke_note
            or (
                "At this scale the sizes only exercise the code: "
                "**the numbers are not meant to be read**."
            )
        )
    elif sc == "book" and book_note:
        lines.append(book_note)
    lines.append(
        "See [the scales page](../book/scales.md) for every size at every scale."
    )
    lines.append(":::")
    return "\n".join(lines)


def scale_admonition() -> str:
    """A MyST admonition stating the scale the Liu 2024 chapter was executed at.

    Returns
    -------
    str
        MyST Markdown (for ``IPython.display.Markdown``) with the chapter's main sizes
        at the scale read from ``FRACTAL_SCALE``.
    """
    scale = get_scale()
    s = liu2024(scale)
    lines = [
        f":::{{admonition}} Built at scale `{scale}`",
        ":class: note",
        f"This page was executed with `FRACTAL_SCALE={scale}`. The additive zoom "
        f"reaches $N = 2^{{{s.add_log2_n}}}$, the multiplicative sweep "
        f"$N = 2^{{{s.mult_log2_n}}}$ and each cell of the "
        f"$(\\epsilon, \\lambda)$ maps $N = 2^{{{s.map_log2_n}}}$ learning rates; "
        f"{s.n_x0} random starting points are used for Figs. S4/S5.",
    ]
    if scale == "smoke":
        lines.append(
            "At this scale the grids only exercise the code: the fits use very few "
            "levels and **the numbers are not meant to be read**."
        )
    elif scale == "book":
        lines.append(
            "The paper's own sizes are larger for Figs. 1d, 2b, 2c/2d, 4, S3-S5 "
            f"(usually $2^{{{_liu.LOG2_N}}}$ learning rates); at the `book` sizes the "
            "fits use fewer levels, so single cells are noisier, but every phenomenon "
            "is visible."
        )
    lines.append(
        "See [the scales page](../book/scales.md) for every size at every scale."
    )
    lines.append(":::")
    return "\n".join(lines)


def _check() -> None:
    """Every scale defines every field (guards against typos in ``_LIU2024``)."""
    names = {f.name for f in fields(Liu2024Scale)}
    for sc in SCALES:
        assert names == set(vars(_LIU2024[sc])), sc


_check()
