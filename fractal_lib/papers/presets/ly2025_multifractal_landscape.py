"""Sizes of the chapter *Gradient descent on a multifractal landscape* (Ly & Gong 2025).

``notebooks/ly2025_multifractal_landscape.md``. Learning-rate grids nest: smaller scales take
every ``lr_stride``-th value of the paper's ``logspace(0, 4, 40)``; the fBs exponents are always
the paper's nine.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.config import Scale, by_scale
from . import admonition as _admonition
from . import rows

CHAPTER = "ly2025_multifractal_landscape"


@dataclass(frozen=True)
class Ly2025Scale:
    """Sizes of the Ly & Gong 2025 chapter.

    Attributes
    ----------
    n : int
        Side of the landscapes (multifractional and fractional Brownian surfaces), pixels.
    n_levels : int
        Quantised Hurst levels of the multifractional surface.
    n_lowest : int
        Lowest local minima kept (the paper: 3000 on 1024 x 1024).
    lr_stride : int
        Every ``lr_stride``-th learning rate of ``logspace(0, 4, 40)`` (EoS and Lyapunov sweeps).
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


_SIZES = {
    "smoke": Ly2025Scale(n=256, n_levels=8, n_lowest=400, lr_stride=4, eos_seeds=3, eos_steps=2000,
                         lyap_trials=16, lyap_estimates=20, alpha_traj=2, cnn_train=512, cnn_epochs=1,
                         cnn_grid=17, cnn_width=8, explorer_n=256),
    "book": Ly2025Scale(n=1024, n_levels=16, n_lowest=3000, lr_stride=1, eos_seeds=10, eos_steps=5000,
                        lyap_trials=100, lyap_estimates=100, alpha_traj=5, cnn_train=5000,
                        cnn_epochs=8, cnn_grid=65, cnn_width=8, explorer_n=512),
    "paper": Ly2025Scale(n=1024, n_levels=32, n_lowest=3000, lr_stride=1, eos_seeds=10, eos_steps=5000,
                         lyap_trials=100, lyap_estimates=100, alpha_traj=5, cnn_train=60_000,
                         cnn_epochs=20, cnn_grid=257, cnn_width=16, explorer_n=1024),
}


def sizes(scale: Scale | None = None) -> Ly2025Scale:
    """The chapter's sizes at the current (or the given) scale."""
    return by_scale(_SIZES["smoke"], _SIZES["book"], _SIZES["paper"], scale=scale)


def table_rows() -> list[dict[str, str]]:
    """Rows for the book's *Scales* page."""
    return rows(CHAPTER, sizes, [
        ("Landscape side (pixels)", "n"),
        ("Quantised H levels of the multifractional surface", "n_levels"),
        ("Lowest minima kept", "n_lowest"),
        ("Learning rates in the EoS / Lyapunov sweeps", lambda s: len(range(0, 40, s.lr_stride))),
        ("EoS sweep: seeds x steps", lambda s: f"{s.eos_seeds} x {s.eos_steps}"),
        ("Lyapunov: trials x renormalisations", lambda s: f"{s.lyap_trials} x {s.lyap_estimates}"),
        ("alpha vs H: trajectories per H", "alpha_traj"),
        ("CNN slice: images, epochs, grid, width",
         lambda s: f"{s.cnn_train}, {s.cnn_epochs}, {s.cnn_grid}^2, {s.cnn_width}"),
    ])


def admonition(scale: Scale | None = None) -> str:
    """The chapter's scale admonition."""
    s = sizes(scale)
    return _admonition(
        f"Landscapes are {s.n} x {s.n} pixels ({s.n_levels} quantised H levels); the learning-rate "
        f"sweeps use {len(range(0, 40, s.lr_stride))} values of eta with {s.eos_seeds} seeds and "
        f"{s.lyap_trials} Lyapunov trials; the CNN slice is {s.cnn_grid} x {s.cnn_grid} after "
        f"{s.cnn_epochs} epochs on {s.cnn_train} images.",
        book_note=("The synthetic landscape runs at the authors' size (1024 x 1024); the "
                   "real-network slice is a small CNN on Fashion-MNIST instead of VGG-16 on "
                   "CIFAR-10."),
        scale=scale)
