"""Sizes of the two experiments of ``notebooks/synthesis_five_lenses.md`` no paper ran.

Section "Two experiments no paper ran" of the synthesis chapter: (1) the learning-rate
trainability boundary of GD on the Ly & Gong multifractional surface, per starting
point, against the local Hurst exponent there; (2) the trainability boundary of the
spiral network of Lavin & Ruiz-Garcia under the static and the dynamical loss.

Every learning-rate grid is dyadic (``2**log2_n + 1`` log-spaced rates on a fixed
interval), so a smaller scale's full-sweep rates are rates of the larger ones (the zoom
windows follow each scale's critical rate and do not nest); seeds and
starting points of a smaller scale are the first ones of a larger scale. Timings
(2 shared cores, warm numba cache, empty result cache): ``smoke`` about 6 s for both
experiments; ``book`` about 30 s for experiment 1 and 45 s for experiment 2. The
``paper`` scale has no paper to follow: it is a larger run of the same protocol.

To merge with :mod:`fractal_lib.papers.presets.synthesis_five_lenses` later, copy the
fields of :class:`SynthesisExperimentsScale` into that module's dataclass (the names
carry the prefixes ``mf_`` and ``dl_``) and drop this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.config import Scale, by_scale
from . import admonition as _admonition
from . import rows

#: The chapter's file stem (in ``notebooks/``), the key of its rows on the
#: *Scales* page.
CHAPTER = "synthesis_five_lenses"


@dataclass(frozen=True)
class SynthesisExperimentsScale:
    """Sizes of the two experiments.

    Attributes
    ----------
    mf_n : int
        Experiment 1: side of the multifractional surface (pixels).
    mf_n_levels : int
        Experiment 1: quantised Hurst levels of the surface.
    mf_n_seeds : int
        Experiment 1: surfaces (noise seeds 0 .. n_seeds - 1).
    mf_n_starts : int
        Experiment 1: starting points per surface, chosen at evenly spaced local
        Hurst exponents.
    mf_log2_n : int
        Experiment 1: ``2**mf_log2_n + 1`` learning rates per starting point.
    mf_fit_levels : int
        Experiment 1: the box dimension is fitted over the finest ``mf_fit_levels``
        dyadic levels.
    mf_steps : int
        Experiment 1: GD steps per run.
    dl_width : int
        Experiment 2: hidden width of the spiral network.
    dl_n_seeds : int
        Experiment 2: initialisations (seeds 0 .. n_seeds - 1), the same for both
        losses.
    dl_log2_n : int
        Experiment 2: ``2**dl_log2_n + 1`` learning rates.
    dl_fit_levels : int
        Experiment 2: finest levels of the box-dimension fit.
    dl_zoom_log2_n : int
        Experiment 2: ``2**dl_zoom_log2_n + 1`` rates in the zoom window around
        each seed's critical learning rate.
    dl_period : int
        Experiment 2: period ``T`` of the class weights (steps).
    dl_periods : int
        Experiment 2: periods trained, the last one static (``steps = periods T``).
    """

    mf_n: int
    mf_n_levels: int
    mf_n_seeds: int
    mf_n_starts: int
    mf_log2_n: int
    mf_fit_levels: int
    mf_steps: int
    dl_width: int
    dl_n_seeds: int
    dl_log2_n: int
    dl_fit_levels: int
    dl_zoom_log2_n: int
    dl_period: int
    dl_periods: int


_SMOKE = SynthesisExperimentsScale(
    mf_n=128,
    mf_n_levels=8,
    mf_n_seeds=2,
    mf_n_starts=3,
    mf_log2_n=10,
    mf_fit_levels=4,
    mf_steps=200,
    dl_width=8,
    dl_n_seeds=2,
    dl_log2_n=7,
    dl_fit_levels=3,
    dl_zoom_log2_n=5,
    dl_period=50,
    dl_periods=3,
)
_BOOK = SynthesisExperimentsScale(
    mf_n=512,
    mf_n_levels=16,
    mf_n_seeds=6,
    mf_n_starts=9,
    mf_log2_n=14,
    mf_fit_levels=6,
    mf_steps=300,
    dl_width=16,
    dl_n_seeds=4,
    dl_log2_n=9,
    dl_fit_levels=5,
    dl_zoom_log2_n=9,
    dl_period=100,
    dl_periods=4,
)
_PAPER = SynthesisExperimentsScale(
    mf_n=1024,
    mf_n_levels=32,
    mf_n_seeds=16,
    mf_n_starts=15,
    mf_log2_n=16,
    mf_fit_levels=8,
    mf_steps=500,
    dl_width=32,
    dl_n_seeds=8,
    dl_log2_n=12,
    dl_fit_levels=6,
    dl_zoom_log2_n=11,
    dl_period=200,
    dl_periods=5,
)


def sizes(scale: Scale | None = None) -> SynthesisExperimentsScale:
    """Sizes at the current (or the given) scale.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        Default the scale set by ``FRACTAL_SCALE``
        (:func:`fractal_lib.core.config.get_scale`).

    Returns
    -------
    SynthesisExperimentsScale
    """
    return by_scale(_SMOKE, _BOOK, _PAPER, scale=scale)


def table_rows() -> list[dict[str, str]]:
    """Rows of the book's *Scales* page.

    Returns
    -------
    list of dict
        Rows ``{chapter, quantity, smoke, book, paper}`` of strings.
    """
    return rows(
        CHAPTER,
        sizes,
        [
            (
                "Exp. 1 surface (side, H levels, seeds)",
                lambda s: f"{s.mf_n}, {s.mf_n_levels}, {s.mf_n_seeds}",
            ),
            (
                "Exp. 1 starts x learning rates x steps",
                lambda s: f"{s.mf_n_starts} x 2^{s.mf_log2_n} x {s.mf_steps}",
            ),
            (
                "Exp. 2 width, seeds, learning rates",
                lambda s: f"{s.dl_width}, {s.dl_n_seeds}, 2^{s.dl_log2_n}",
            ),
            (
                "Exp. 2 zoom window (learning rates)",
                lambda s: f"2^{s.dl_zoom_log2_n}",
            ),
            (
                "Exp. 2 period x periods (steps)",
                lambda s: f"{s.dl_period} x {s.dl_periods}",
            ),
        ],
    )


def admonition(scale: Scale | None = None) -> str:
    """The scale admonition of the two experiments.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        Default the scale set by ``FRACTAL_SCALE``.

    Returns
    -------
    str
        MyST Markdown of the admonition.
    """
    s = sizes(scale)
    summary = (
        f"Experiment 1 runs GD from {s.mf_n_starts} starting points on "
        f"{s.mf_n_seeds} surfaces of {s.mf_n} x {s.mf_n} pixels at "
        f"$2^{{{s.mf_log2_n}}} + 1$ learning rates; experiment 2 trains "
        f"{s.dl_n_seeds} spiral networks of width {s.dl_width} at "
        f"$2^{{{s.dl_log2_n}}} + 1$ learning rates per loss."
    )
    return _admonition(summary, scale=scale)
