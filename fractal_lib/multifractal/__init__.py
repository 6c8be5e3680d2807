"""Multifractal measures and spectra (Török & Bartha; Ly & Gong 2025).

:mod:`~fractal_lib.multifractal.measures` (partition functions, tau(q), Chhabra-Jensen
spectra), :mod:`~fractal_lib.multifractal.wavelet_leaders` (spectra of 2-D fields),
:mod:`~fractal_lib.multifractal.probing` (directional probing of a network's loss,
torch), their figures (:mod:`~fractal_lib.multifractal.plotting`) and explorer
(:mod:`~fractal_lib.multifractal.widgets`).
"""

from ..core.exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    __file__,
    [
        "measures",
        "wavelet_leaders",
        "probing",
        "plotting",
        "widgets",
    ],
)
