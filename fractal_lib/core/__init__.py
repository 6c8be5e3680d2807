"""The base every other subpackage stands on; it imports neither numba nor torch.

:mod:`~fractal_lib.core.config` (the scale switch, cache folder, progress bars),
:mod:`~fractal_lib.core.cache` (results on disk, keyed by code version),
:mod:`~fractal_lib.core.checks` (input checks,
:class:`~fractal_lib.core.checks.EstimatorWarning`), :mod:`~fractal_lib.core.fits`
(least-squares lines, box-counting fits and their result type
:class:`~fractal_lib.core.fits.DimensionFit`, bootstrap, mean and SEM),
:mod:`~fractal_lib.core.report` (the paper-versus-here ledger),
:mod:`~fractal_lib.core.studies` (scale studies kept in git and the class of each miss),
:mod:`~fractal_lib.core.executors` (the chunk runner of every grid computation),
:mod:`~fractal_lib.core.style` (house style of the figures and layout of the explorers),
:mod:`~fractal_lib.core.explorer` (explorers for the static page: precomputed frames),
:mod:`~fractal_lib.core.exports` (the lazy re-exports of the subpackages).
"""

from .exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    __file__,
    [
        "config",
        "cache",
        "checks",
        "fits",
        "report",
        "studies",
        "executors",
        "style",
        "explorer",
        "exports",
    ],
)
