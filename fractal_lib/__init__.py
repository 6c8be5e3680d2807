"""fractal_lib: fractal and multifractal loss landscapes and gradient descent on them.

The library behind the *Fractal Landscapes* book. Modules are organised by concept:

* :mod:`fractal_lib.landscapes`: cosine-perturbed quadratics (Liu 2024).
* :mod:`fractal_lib.trainability`: learning-rate sweeps, boundary counting, box dimensions.
* :mod:`fractal_lib.plotting`, :mod:`fractal_lib.widgets`: figures and interactive explorers.
* :mod:`fractal_lib.liu2024`, :mod:`fractal_lib.report`: one paper's settings and recipes, and
  paper-versus-here comparisons.
* :mod:`fractal_lib.config`, :mod:`fractal_lib.cache`, :mod:`fractal_lib.presets`: the scale
  switch, the on-disk result cache and the per-chapter sizes at each scale.
"""

from ._version import __version__
from .config import get_scale

__all__ = ["__version__", "get_scale"]
