"""Networks, data and curvature (torch, imported when a module here is first used).

:mod:`~fractal_lib.nets.torchtools`, :mod:`~fractal_lib.nets.models`,
:mod:`~fractal_lib.nets.data` (Fashion-MNIST), :mod:`~fractal_lib.nets.training`,
:mod:`~fractal_lib.nets.hessian` (Lanczos, power iteration, Hutchinson),
:mod:`~fractal_lib.nets.directions` (normalised directions, loss planes),
:mod:`~fractal_lib.nets.trajectory` (recording SGD trajectories).
"""

from ..core.exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    __file__,
    [
        "torchtools",
        "models",
        "data",
        "training",
        "hessian",
        "directions",
        "trajectory",
    ],
)
