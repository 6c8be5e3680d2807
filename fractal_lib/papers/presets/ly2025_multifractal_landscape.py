"""Sizes of the chapter *Gradient descent on a multifractal landscape* (Ly & Gong 2025).

``notebooks/ly2025_multifractal_landscape.md``. Learning-rate grids nest: smaller scales
take every ``lr_stride``-th value of the paper's ``logspace(0, 4, 40)``
(:data:`fractal_lib.papers.ly2025.EOS_LRS`); the fBs exponents are always the paper's
nine. The authors' sizes are read from :mod:`fractal_lib.papers.ly2025`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.config import Scale, by_scale
from .. import ly2025 as P
from . import admonition as _admonition
from . import rows

#: The chapter's file stem (in ``notebooks/``), the key of its rows on the
#: *Scales* page.
CHAPTER = "ly2025_multifractal_landscape"


@dataclass(frozen=True)
class Ly2025Scale:
    """Sizes of the Ly & Gong 2025 chapter.

    Attributes
    ----------
    n : int
        Side of the landscapes (multifractional and fractional Brownian surfaces),
        pixels.
    n_levels : int
        Quantised Hurst levels of the multifractional surface.
    n_lowest : int
        Lowest local minima kept (the paper: 3000 on 1024 x 1024).
    lr_stride : int
        Every ``lr_stride``-th learning rate of ``logspace(0, 4, 40)`` (EoS and Lyapunov
        sweeps).
    eos_seeds : int
        Starting points per learning rate in the edge-of-stability sweep.
    eos_steps : int
        GD steps per run of that sweep.
    lyap_trials : int
        Trials per learning rate of the Lyapunov estimate.
    lyap_estimates : int
        Renormalisations per trial.
    alpha_traj : int
        GD trajectories per fBs in the alpha-versus-H test.
    cnn_train : int
        Fashion-MNIST training images of the real-network slice.
    cnn_epochs : int
        Training epochs.
    cnn_grid : int
        Side of each loss slice (``2^k + 1`` points).
    cnn_width : int
        Channels of the first convolution of the small CNN.
    explorer_n : int
        Side of the explorer's landscapes.
    explorer_hurst_ranges : tuple of (float, float)
        Hölder ranges of the static explorer's frames, centred on the paper's
        ``H_MEAN`` (half-width 0 is an fBs; the paper's is ``H_AMP``).
    """

    n: int
    n_levels: int
    n_lowest: int
    lr_stride: int
    eos_seeds: int
    eos_steps: int
    lyap_trials: int
    lyap_estimates: int
    alpha_traj: int
    cnn_train: int
    cnn_epochs: int
    cnn_grid: int
    cnn_width: int
    explorer_n: int
    explorer_hurst_ranges: tuple[tuple[float, float], ...]


def _h_ranges(*half_widths: float) -> tuple[tuple[float, float], ...]:
    """Hölder ranges ``H_MEAN -/+ w`` on the explorer slider's 0.05 grid."""
    return tuple((round(P.H_MEAN - w, 2), round(P.H_MEAN + w, 2)) for w in half_widths)


_SIZES = {
    "smoke": Ly2025Scale(
        n=256,
        n_levels=8,
        n_lowest=400,
        lr_stride=4,
        eos_seeds=3,
        eos_steps=2000,
        lyap_trials=16,
        lyap_estimates=20,
        alpha_traj=2,
        cnn_train=512,
        cnn_epochs=1,
        cnn_grid=17,
        cnn_width=8,
        explorer_n=256,
        explorer_hurst_ranges=_h_ranges(0.0, P.H_AMP, 2 * P.H_AMP),
    ),
    "book": Ly2025Scale(
        n=P.N,
        n_levels=16,
        n_lowest=P.N_LOWEST,
        lr_stride=1,
        eos_seeds=P.EOS_SEEDS,
        eos_steps=P.EOS_STEPS,
        lyap_trials=P.LYAP_TRIALS,
        lyap_estimates=P.LYAP_ESTIMATES,
        alpha_traj=P.ALPHA_TRAJ,
        cnn_train=5000,
        cnn_epochs=8,
        cnn_grid=65,
        cnn_width=8,
        explorer_n=512,
        explorer_hurst_ranges=_h_ranges(0.0, 0.1, P.H_AMP, 0.3, 2 * P.H_AMP),
    ),
    "paper": Ly2025Scale(
        n=P.N,
        n_levels=32,
        n_lowest=P.N_LOWEST,
        lr_stride=1,
        eos_seeds=P.EOS_SEEDS,
        eos_steps=P.EOS_STEPS,
        lyap_trials=P.LYAP_TRIALS,
        lyap_estimates=P.LYAP_ESTIMATES,
        alpha_traj=P.ALPHA_TRAJ,
        cnn_train=60_000,
        cnn_epochs=P.VGG_EPOCHS,
        cnn_grid=P.SLICE_GRID,
        cnn_width=16,
        explorer_n=P.N,
        explorer_hurst_ranges=_h_ranges(0.0, 0.1, P.H_AMP, 0.3, 2 * P.H_AMP),
    ),
}


def sizes(scale: Scale | None = None) -> Ly2025Scale:
    """The chapter's sizes at the current (or the given) scale.

    Parameters
    ----------
    scale : {"smoke", "book", "paper"}, optional
        Default the scale set by ``FRACTAL_SCALE``
        (:func:`fractal_lib.core.config.get_scale`).

    Returns
    -------
    Ly2025Scale
        The sizes of that scale.
    """
    return by_scale(_SIZES["smoke"], _SIZES["book"], _SIZES["paper"], scale=scale)


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
            ("Landscape side (pixels)", "n"),
            ("Quantised H levels of the multifractional surface", "n_levels"),
            ("Lowest minima kept", "n_lowest"),
            (
                "Learning rates in the EoS / Lyapunov sweeps",
                lambda s: len(P.EOS_LRS[:: s.lr_stride]),
            ),
            ("EoS sweep: seeds x steps", lambda s: f"{s.eos_seeds} x {s.eos_steps}"),
            (
                "Lyapunov: trials x renormalisations",
                lambda s: f"{s.lyap_trials} x {s.lyap_estimates}",
            ),
            ("alpha vs H: trajectories per H", "alpha_traj"),
            (
                "CNN slice: images, epochs, grid, width",
                lambda s: (
                    f"{s.cnn_train}, {s.cnn_epochs}, {s.cnn_grid}^2, {s.cnn_width}"
                ),
            ),
        ],
    )


def admonition(scale: Scale | None = None) -> str:
    """The chapter's scale admonition.

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
        f"Landscapes are {s.n} x {s.n} pixels ({s.n_levels} quantised H levels); the "
        f"learning-rate sweeps use {len(P.EOS_LRS[:: s.lr_stride])} values of eta with "
        f"{s.eos_seeds} seeds and {s.lyap_trials} Lyapunov trials; the CNN slice is "
        f"{s.cnn_grid} x {s.cnn_grid} after {s.cnn_epochs} epochs on {s.cnn_train} "
        "images.",
        book_note=(
            f"The synthetic landscape runs at the authors' size ({P.N} x {P.N}); the "
            "real-network slice is a small CNN on Fashion-MNIST instead of VGG-16 on "
            "CIFAR-10."
        ),
        scale=scale,
    )
