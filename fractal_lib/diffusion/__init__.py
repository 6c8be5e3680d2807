"""Statistics of trajectories (Chen et al. 2022, Ly & Gong 2025).

:mod:`~fractal_lib.diffusion.msd` (time-averaged MSD, exponents, path statistics, fBm
paths), :mod:`~fractal_lib.diffusion.levy` (symmetric alpha-stable fits) and their
figures (:mod:`~fractal_lib.diffusion.plotting`).
"""

from ..core.exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    __file__,
    [
        "msd",
        "levy",
        "plotting",
    ],
)
