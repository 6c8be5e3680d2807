"""Settings of Sohl-Dickstein 2024, *The boundary of neural network trainability is
fractal* (arXiv:2402.06184), used by the chapter
``notebooks/sohl_dickstein2024_network_boundary.md``.

Only the paper's constants and reported values (:data:`REPORTED`) live here; the
machinery is in :mod:`fractal_lib.boundaries.network_trainability` (networks, planes,
zooms) and :mod:`fractal_lib.boundaries.boxcount` (edges and box counting). The values
come from the author's notebook (``Sohl-Dickstein/fractal``,
``the_boundary_of_neural_network_trainability_is_fractal.ipynb``): width 16 for the
paper (the notebook's default is 8), two weight matrices, no biases, as many training
points as parameters (16 * 16 + 16 = 272; the identity network uses 16), inputs, targets
and weights drawn from N(0, 1), MSE loss, full-batch GD in float64, 500 or 1000 steps,
and the window ``[1e-3, 1e6]^2`` of learning rates.
"""

from __future__ import annotations

from ..boundaries.network_trainability import NetworkProblem, Window
from ..core.report import Reported

WIDTH = 16
"""Hidden width (and input dimension) of the paper's networks."""
N_DATA = WIDTH * WIDTH + WIDTH
"""272 training points: as many as parameters (tanh and ReLU networks)."""
STEPS_PAPER = (500, 1000)
"""GD steps of the paper's experiments (the notebook's comment: 500 or 1000)."""
ROOT = Window((-3.0, 6.0, -3.0, 6.0))
"""The notebook's starting window: learning rates 1e-3 .. 1e6 for both layers (log10
units)."""
OFFSET_ROOT = Window((-3.0, 3.0, -3.0, 3.0))
"""Window of the (weight offset, learning rate) plane used here. The notebook starts
this plane from the same ``[-3, 6]^2`` window as the learning-rate plane; offsets of
several units saturate every tanh unit, so we show offsets in [-3, 3] and learning rates
1e-3 .. 1e3."""
#: The paper's six network configurations, which ``dimension_range`` spans.
CONFIGURATIONS = (
    "tanh",
    "relu",
    "identity",
    "minibatch",
    "single data point",
    "offset vs lr",
)
KEYFRAME_SIDE = 4096
"""Networks per side of the paper's keyframes."""
N_KEYFRAMES = 50
"""About 50 keyframes per zoom video, each magnified 2x."""

REPORTED: dict[str, Reported] = {
    "zoom_depth": Reported(
        "tanh zoom",
        "depth of the zoom with a boundary in every frame",
        "more than ten decades of scale",
        kind="claim",
        source="the paper's claim about its zoom videos",
    ),
    "dimension_range": Reported(
        "tanh, lr vs lr",
        "box dimension of the boundary",
        (1.17, 1.98),
        kind="range",
        source="range of the box-counting dimensions over the six configurations "
        f"({', '.join(CONFIGURATIONS)}), taken from a summary of the paper; the "
        "per-configuration values are not in our sources",
        display="1.17–1.98 across six configurations",
    ),
    "slice_dimension": Reported(
        "slice",
        "1-D dimension vs 2-D dimension − 1",
        "— (not in the paper; Liu 2024's 1-D toys: α up to ≈ 1)",
        kind="claim",
        source="not reported by the paper; Liu 2024's 1-D toys for scale",
    ),
}
"""The paper's values the chapter compares with. ``"dimension_range"`` is compared with
the tanh and ReLU learning-rate planes and the offset plane (the chapter overrides
``figure``)."""


def problem(
    activation: str = "tanh", *, seed: int = 0, offset_mode: str = "init"
) -> NetworkProblem:
    """The paper's network (width 16, its data size) with the given activation.

    Parameters
    ----------
    activation : {"tanh", "relu", "identity"}
        Hidden-layer nonlinearity.
    seed : int
        Seed of the data and initial weights (drawn with NumPy, not with the
        notebook's JAX).
    offset_mode : {"init", "every_step"}
        How a weight offset enters: once, at initialisation (the paper's
        description), or added at every step (the notebook's code).

    Returns
    -------
    fractal_lib.boundaries.network_trainability.NetworkProblem
        Width :data:`WIDTH`, with the data size of
        :class:`~fractal_lib.boundaries.network_trainability.NetworkProblem` for that
        activation.
    """
    return NetworkProblem(
        activation,  # type: ignore[arg-type]
        width=WIDTH,
        seed=seed,
        offset_mode=offset_mode,  # type: ignore[arg-type]
    )
