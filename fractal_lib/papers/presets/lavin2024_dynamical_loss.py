"""Sizes of the chapter ``notebooks/lavin2024_dynamical_loss.md`` (Lavin 2024).

Seeds nest (a smaller scale uses the first seeds of a larger one) and so do the width,
learning rate and (A, T) grids. The ``paper`` scale reads the paper's numbers of runs,
periods and amplitude from :mod:`fractal_lib.papers.lavin2024`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.config import Scale, by_scale
from .. import lavin2024 as P
from . import admonition as _admonition
from . import rows

#: The chapter's file stem (in ``notebooks/``), the key of its rows on the
#: *Scales* page.
CHAPTER = "lavin2024_dynamical_loss"


@dataclass(frozen=True)
class Lavin2024Scale:
    """Sizes of the dynamical-loss chapter.

    Attributes
    ----------
    fig1_widths : tuple of int
        Fig. 1: hidden widths (the paper does not state its three).
    fig1_lrs : tuple of float
        Fig. 1: learning rates (the paper does not state its two).
    fig1_seeds : int
        Fig. 1: runs averaged per (width, learning rate); the paper uses 20.
    fig1_steps : int
        Fig. 1: GD steps.
    fig1_hessian_every : int
        Fig. 1: steps between Hessian evaluations.
    fig2_steps : int
        Fig. 2: steps of the single run (the paper shows 10 000 = two periods of 5000).
    fig2_hessian_every : int
        Fig. 2: steps between Hessian evaluations before ``fig2_dense_from``.
    fig2_dense_from, fig2_dense_every : int
        Fig. 2: from this step on, the Hessian every ``fig2_dense_every`` steps.
    slice_grid : int
        Fig. 2: grid points per axis of each loss slice.
    fig3_widths : tuple of int
        Fig. 3: hidden widths.
    fig3_seeds_ce, fig3_seeds_mse : int
        Fig. 3: runs per width for CE/DCE (paper: 50) and MSE/DMSE (paper: 10).
    fig3_T : int
        Fig. 3: period (the paper's Fig. 2 uses 5000).
    fig3_periods : int
        Fig. 3: periods trained, the last one static (the code trains 14).
    fig4_lrs : tuple of float
        Fig. 4: learning rates.
    fig4_seeds : int
        Fig. 4: runs per (loss, eta) (paper: 30 per condition, 6 conditions).
    fig4_T : int
        Fig. 4: period (paper: 5000 and 10 000).
    fig4_periods : int
        Fig. 4: first search window for the first instability, in periods (runs without
        one are extended by doubling, :func:`fractal_lib.papers.lavin2024.fig4`).
    fig4_max_periods : int or None
        Fig. 4: longest search window, in periods; ``None`` is the paper's protocol,
        ``10^5 / lr`` steps. Runs still without an instability are reported as censored.
    map_As, map_Ts : tuple
        (A, T) map: amplitudes (1 = static) and periods.
    map_width, map_seeds, map_periods : int
        (A, T) map: width, runs per cell, periods (the last one static).
    explorer_steps : int
        Default number of steps of the explorer.
    explorer_As : tuple of float
        Amplitudes A of the static explorer's frames: the static loss (A = 1),
        Fig. 4's and Fig. 2's amplitudes (Fig. 2's is never the last, so the
        slider can move right from where it starts).
    """

    fig1_widths: tuple[int, ...]
    fig1_lrs: tuple[float, ...]
    fig1_seeds: int
    fig1_steps: int
    fig1_hessian_every: int
    fig2_steps: int
    fig2_hessian_every: int
    fig2_dense_from: int
    fig2_dense_every: int
    slice_grid: int
    fig3_widths: tuple[int, ...]
    fig3_seeds_ce: int
    fig3_seeds_mse: int
    fig3_T: int
    fig3_periods: int
    fig4_lrs: tuple[float, ...]
    fig4_seeds: int
    fig4_T: int
    fig4_periods: int
    fig4_max_periods: int | None
    map_As: tuple[float, ...]
    map_Ts: tuple[int, ...]
    map_width: int
    map_seeds: int
    map_periods: int
    explorer_steps: int
    explorer_As: tuple[float, ...]


_SIZES = {
    "smoke": Lavin2024Scale(
        fig1_widths=(8, 32),
        fig1_lrs=(0.5, 1.0),
        fig1_seeds=2,
        fig1_steps=300,
        fig1_hessian_every=100,
        fig2_steps=1200,
        fig2_hessian_every=250,
        fig2_dense_from=1000,
        fig2_dense_every=50,
        slice_grid=9,
        fig3_widths=(4, 16),
        fig3_seeds_ce=2,
        fig3_seeds_mse=2,
        fig3_T=100,
        fig3_periods=2,
        fig4_lrs=(0.5, 1.0),
        fig4_seeds=2,
        fig4_T=200,
        fig4_periods=1,
        fig4_max_periods=8,
        map_As=(1.0, P.A),
        map_Ts=(100,),
        map_width=8,
        map_seeds=2,
        map_periods=2,
        explorer_steps=300,
        explorer_As=(1.0, P.A, P.FIG4_A[-1]),
    ),
    "book": Lavin2024Scale(
        fig1_widths=(8, 32, 128),
        fig1_lrs=(0.5, 1.0),
        fig1_seeds=4,
        fig1_steps=3000,
        fig1_hessian_every=100,
        fig2_steps=P.FIG2_STEPS,
        fig2_hessian_every=250,
        fig2_dense_from=8000,
        fig2_dense_every=25,
        slice_grid=31,
        fig3_widths=(4, 16, 64),
        fig3_seeds_ce=4,
        fig3_seeds_mse=2,
        fig3_T=1000,
        fig3_periods=6,
        fig4_lrs=(0.25, 0.5, 1.0),
        fig4_seeds=3,
        fig4_T=1000,
        fig4_periods=2,
        fig4_max_periods=32,
        map_As=(1.0, 10.0, P.A, 500.0),
        map_Ts=(100, 300, 1000, 3000),
        map_width=8,
        map_seeds=8,
        map_periods=4,
        explorer_steps=2000,
        explorer_As=tuple(sorted({1.0, *P.FIG4_A, P.A})),
    ),
    "paper": Lavin2024Scale(
        fig1_widths=P.FIG1_WIDTHS,
        fig1_lrs=P.FIG1_LRS,
        fig1_seeds=P.FIG1_SIMS,
        fig1_steps=20000,
        fig1_hessian_every=50,
        fig2_steps=P.FIG2_STEPS,
        fig2_hessian_every=25,
        fig2_dense_from=8000,
        fig2_dense_every=5,
        slice_grid=61,
        fig3_widths=P.FIG3_WIDTHS,
        fig3_seeds_ce=P.FIG3_SIMS_CE,
        fig3_seeds_mse=P.FIG3_SIMS_MSE,
        fig3_T=P.T,
        fig3_periods=P.CODE_PERIODS,
        fig4_lrs=P.FIG4_LRS,
        fig4_seeds=P.FIG4_SIMS,
        fig4_T=P.FIG4_T[0],
        fig4_periods=2,
        fig4_max_periods=None,
        map_As=(1.0, 3.0, 10.0, 30.0, P.A, 200.0, 500.0),
        map_Ts=(100, 300, 1000, 3000),
        map_width=8,
        map_seeds=20,
        map_periods=P.CODE_PERIODS,
        explorer_steps=5000,
        explorer_As=tuple(sorted({1.0, *P.FIG4_A, P.A})),
    ),
}


def sizes(scale: Scale | None = None) -> Lavin2024Scale:
    """The chapter's sizes at the current (or the given) scale.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        Default the scale set by ``FRACTAL_SCALE``
        (:func:`fractal_lib.core.config.get_scale`).

    Returns
    -------
    Lavin2024Scale
    """
    return by_scale(_SIZES["smoke"], _SIZES["book"], _SIZES["paper"], scale=scale)


def _join(v) -> str:
    return ", ".join(f"{x:g}" for x in v)


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
                "Fig. 1 widths × learning rates × runs, steps",
                lambda s: (
                    f"{_join(s.fig1_widths)} × {_join(s.fig1_lrs)} × {s.fig1_seeds}, "
                    f"{s.fig1_steps}"
                ),
            ),
            (
                f"Fig. 2 steps (T = {P.T}), Hessian every … / … near the end",
                lambda s: (
                    f"{s.fig2_steps}, {s.fig2_hessian_every} / {s.fig2_dense_every}"
                ),
            ),
            ("Fig. 2 loss-slice grid", lambda s: f"{s.slice_grid}²"),
            ("Fig. 3 widths", lambda s: _join(s.fig3_widths)),
            (
                "Fig. 3 runs per width (CE/DCE, MSE/DMSE)",
                lambda s: f"{s.fig3_seeds_ce}, {s.fig3_seeds_mse}",
            ),
            ("Fig. 3 period × periods", lambda s: f"{s.fig3_T} × {s.fig3_periods}"),
            (
                "Fig. 4 learning rates × runs, period, search window (periods)",
                lambda s: (
                    f"{_join(s.fig4_lrs)} × {s.fig4_seeds}, {s.fig4_T}, "
                    f"{s.fig4_periods} to "
                    + (f"{s.fig4_max_periods}" if s.fig4_max_periods else "10⁵/η steps")
                ),
            ),
            (
                "(A, T) map: A × T × runs (width)",
                lambda s: (
                    f"{_join(s.map_As)} × {_join(s.map_Ts)} × {s.map_seeds} "
                    f"({s.map_width})"
                ),
            ),
        ],
    )


def admonition(scale: Scale | None = None) -> str:
    """The chapter's scale note.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        Default the scale set by ``FRACTAL_SCALE``.

    Returns
    -------
    str
        Markdown of the admonition shown at the top of the chapter.
    """
    s = sizes(scale)
    return _admonition(
        f"Fig. 1 averages {s.fig1_seeds} runs per curve over {s.fig1_steps} steps; "
        f"Fig. 2 is one run of {s.fig2_steps} steps with the paper's settings; "
        f"Fig. 3 averages {s.fig3_seeds_ce} (CE/DCE) and {s.fig3_seeds_mse} (MSE/DMSE) "
        f"runs per width over {s.fig3_periods} periods of {s.fig3_T} steps; "
        f"Fig. 4 uses {s.fig4_seeds} runs per point.",
        book_note=f"The paper averages {P.FIG1_SIMS} (Fig. 1), "
        f"{P.FIG3_SIMS_CE} / {P.FIG3_SIMS_MSE} (Fig. 3) and {P.FIG4_SIMS} (Fig. 4) "
        f"runs and trains Fig. 3 for {P.CODE_PERIODS} periods of {P.T} steps; "
        "at the `book` scale we use fewer runs and shorter periods, so error bars are "
        "wider and Fig. 3 is trained for less time.",
        scale=scale,
    )
