"""One module per paper (constants, reported values, protocols) and the chapters' sizes.

:mod:`~fractal_lib.papers.liu2024`, :mod:`~fractal_lib.papers.sohl_dickstein2024`,
:mod:`~fractal_lib.papers.lavin2024`, :mod:`~fractal_lib.papers.chen2022`,
:mod:`~fractal_lib.papers.ly2025`, :mod:`~fractal_lib.papers.torok_bartha`;
:mod:`~fractal_lib.papers.presets` holds each chapter's sizes at each scale. Names
defined by several paper modules (``CODE_VERSION``, ``fmt``, ...) are reached through
their module.
"""

from ..core.exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    __file__,
    [
        "liu2024",
        "sohl_dickstein2024",
        "lavin2024",
        "chen2022",
        "ly2025",
        "torok_bartha",
        "presets",
    ],
)
