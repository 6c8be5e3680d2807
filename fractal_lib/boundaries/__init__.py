"""Trainability boundaries (Liu et al. 2024, Sohl-Dickstein 2024).

:mod:`~fractal_lib.boundaries.landscapes` (cosine-perturbed quadratics),
:mod:`~fractal_lib.boundaries.trainability` (learning-rate sweeps on numba kernels,
boundary counting, box dimensions, zooms),
:mod:`~fractal_lib.boundaries.network_trainability` (grids of tiny networks over 2-D
hyperparameter planes), :mod:`~fractal_lib.boundaries.boxcount` (2-D edges and box
counting), :mod:`~fractal_lib.boundaries.adaptive` (refinement of a sign field near its
boundary), their figures (:mod:`~fractal_lib.boundaries.plotting`,
:mod:`~fractal_lib.boundaries.plotting_networks`) and explorers
(:mod:`~fractal_lib.boundaries.widgets`,
:mod:`~fractal_lib.boundaries.widgets_networks`) and zoom videos
(:mod:`~fractal_lib.boundaries.zoom_video`).
"""

from ..core.exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    __file__,
    [
        "landscapes",
        "trainability",
        "network_trainability",
        "adaptive",
        "boxcount",
        "plotting",
        "plotting_networks",
        "widgets",
        "widgets_networks",
        "zoom_video",
    ],
)
