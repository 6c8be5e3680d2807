"""Rough surfaces and gradient descent on them (Ly & Gong 2025; Chen et al. 2022).

:mod:`~fractal_lib.surfaces.fields` (fBm, multifractional and diamond-square surfaces),
:mod:`~fractal_lib.surfaces.grid_descent` (gradient descent on gridded surfaces),
:mod:`~fractal_lib.surfaces.lyapunov` (Lyapunov exponents),
:mod:`~fractal_lib.surfaces.fractional_langevin` (the fractional Langevin model),
:mod:`~fractal_lib.surfaces.toy_diffusion` (SGD on a fractal landscape, the toy model),
their figures (:mod:`~fractal_lib.surfaces.plotting`) and explorers
(:mod:`~fractal_lib.surfaces.widgets`).
"""

from ..core.exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    __file__,
    [
        "fields",
        "grid_descent",
        "lyapunov",
        "fractional_langevin",
        "toy_diffusion",
        "plotting",
        "widgets",
    ],
)
