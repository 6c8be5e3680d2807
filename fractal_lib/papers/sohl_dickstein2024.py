"""Settings of Sohl-Dickstein 2024, *The boundary of neural network trainability is fractal*
(arXiv:2402.06184), used by ``notebooks/sohl_dickstein2024_network_boundary.md``.

Only the paper's constants live here; the machinery is in
:mod:`fractal_lib.boundaries.network_trainability` (networks, planes, zooms) and
:mod:`fractal_lib.boundaries.boxcount` (edges and box counting). The values come from the author's notebook
(``Sohl-Dickstein/fractal``, ``the_boundary_of_neural_network_trainability_is_fractal.ipynb``):
width 16 for the paper (the notebook's default is 8), two weight matrices, no biases, as many
training points as parameters (16 * 16 + 16 = 272; the identity network uses 16), inputs,
targets and weights drawn from N(0, 1), MSE loss, full-batch GD in float64, 500 or 1000 steps,
and the window ``[1e-3, 1e6]^2`` of learning rates.
"""

from __future__ import annotations

from ..boundaries.network_trainability import NetworkProblem, Window

WIDTH = 16
"""Hidden width (and input dimension) of the paper's networks."""
N_DATA = WIDTH * WIDTH + WIDTH
"""272 training points: as many as parameters (tanh and ReLU networks)."""
STEPS_PAPER = (500, 1000)
"""GD steps of the paper's experiments (the notebook's comment: 500 or 1000)."""
ROOT = Window((-3.0, 6.0, -3.0, 6.0))
"""The notebook's starting window: learning rates 1e-3 .. 1e6 for both layers (log10 units)."""
OFFSET_ROOT = Window((-3.0, 3.0, -3.0, 3.0))
"""Window of the (weight offset, learning rate) plane used here. The notebook starts this plane
from the same ``[-3, 6]^2`` window as the learning-rate plane; offsets of several units saturate
every tanh unit, so we show offsets in [-3, 3] and learning rates 1e-3 .. 1e3."""
PAPER_DIMENSION_RANGE = (1.17, 1.98)
"""Range of the box-counting dimensions over the paper's six configurations (tanh, ReLU,
identity, minibatch, single data point, offset vs learning rate); taken from a summary of the
paper, the per-configuration values are not in our sources."""
CONFIGURATIONS = ("tanh", "relu", "identity", "minibatch", "single data point", "offset vs lr")
MAGNIFICATION = "more than ten decades of scale"
"""The paper's claim: the boundary is fractal over more than ten decades of scale."""


def problem(activation: str = "tanh", *, seed: int = 0, offset_mode: str = "init") -> NetworkProblem:
    """The paper's network (width 16, its data size) with the given activation."""
    return NetworkProblem(activation, width=WIDTH, seed=seed, offset_mode=offset_mode)  # type: ignore[arg-type]
