"""Dynamical loss functions (Lavin et al. 2024); torch.

:mod:`~fractal_lib.dynamical.losses` (oscillating class weights, DCE/DMSE),
:mod:`~fractal_lib.dynamical.batched_mlp` (many tiny networks trained at once),
:mod:`~fractal_lib.dynamical.spirals` (the data),
:mod:`~fractal_lib.dynamical.loss_slices`, their figures
(:mod:`~fractal_lib.dynamical.plotting`) and explorer
(:mod:`~fractal_lib.dynamical.widgets`).
"""

from ..core.exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    __file__,
    [
        "losses",
        "batched_mlp",
        "spirals",
        "loss_slices",
        "plotting",
        "widgets",
    ],
)
