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
and the window ``[1e-3, 1e6]^2`` of learning rates. The six configurations of the
paper's Fig. 1 are data (:data:`CONFIGURATIONS`, :func:`configuration`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..boundaries.network_trainability import NetworkProblem, Plane, Window
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
BATCH_SIZE = 16
"""Minibatch size of the minibatch configuration (rows drawn with replacement)."""
BATCH_SEED = 42
"""Seed of the notebook's minibatch sequence (``PRNGKey(42)``); the same sequence of
minibatches is used at every grid point."""


@dataclass(frozen=True)
class Configuration:
    """One of the six network configurations of the paper's Fig. 1, as data.

    Attributes
    ----------
    name : str
        Key in :data:`CONFIGURATIONS`.
    problem_kwargs : Mapping[str, Any]
        Keyword arguments of :func:`problem` (read-only).
    plane : {"lr_vs_lr", "offset_vs_lr"}
        The hyperparameter plane of the image.
    window : fractal_lib.boundaries.network_trainability.Window
        The root window the image and its zoom start from.
    description : str
        One sentence: network, data, training and plane.
    figure : str
        Short label of the configuration (panels, ledger rows).
    reported : str
        Key of :data:`REPORTED` that its dimension is compared with.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), Fig. 1: the six configurations.
    """

    name: str
    problem_kwargs: Mapping[str, Any]
    plane: Plane
    window: Window
    description: str
    figure: str
    reported: str = "dimension_range"

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "problem_kwargs", MappingProxyType(dict(self.problem_kwargs))
        )

    def __hash__(self) -> int:
        return hash((self.name, self.plane, self.window))

    def network(self) -> NetworkProblem:
        """The configuration's network, data and initial weights.

        Returns
        -------
        fractal_lib.boundaries.network_trainability.NetworkProblem
            ``problem(**problem_kwargs)``.
        """
        return problem(**self.problem_kwargs)


def _configurations() -> dict[str, Configuration]:
    lr = "the learning rate of each layer"
    rows = [
        ("tanh", {"activation": "tanh"}, "lr_vs_lr", ROOT, "tanh",
         f"tanh network, {N_DATA} points, full-batch GD; {lr}."),
        ("relu", {"activation": "relu"}, "lr_vs_lr", ROOT, "ReLU",
         f"ReLU network (sqrt(2) relu), {N_DATA} points, full-batch GD; {lr}."),
        ("identity", {"activation": "identity", "n_data": WIDTH}, "lr_vs_lr", ROOT,
         "linear", f"linear network (identity), {WIDTH} points, full-batch GD; {lr}."),
        ("minibatch",
         {"activation": "tanh", "batch_size": BATCH_SIZE, "batch_seed": BATCH_SEED},
         "lr_vs_lr", ROOT, "minibatch",
         f"tanh network, {N_DATA} points, minibatches of {BATCH_SIZE} drawn with "
         f"replacement (one fixed sequence, seed {BATCH_SEED}), full-batch loss "
         f"tracked; {lr}."),
        ("single data point", {"activation": "tanh", "n_data": 1}, "lr_vs_lr", ROOT,
         "one data point", f"tanh network trained on a single data point; {lr}."),
        ("offset vs lr", {"activation": "tanh"}, "offset_vs_lr", OFFSET_ROOT,
         "offset vs lr",
         f"tanh network, {N_DATA} points: an offset of the input-layer initial "
         "weights against one learning rate for both layers."),
    ]  # fmt: skip
    return {
        name: Configuration(name, kw, plane, win, desc, fig)  # type: ignore[arg-type]
        for name, kw, plane, win, fig, desc in rows
    }


#: The paper's six network configurations (Fig. 1), by name, in the paper's order;
#: ``REPORTED["dimension_range"]`` spans their dimensions. Minibatch: tanh,
#: :data:`BATCH_SIZE` rows per step drawn with replacement from one fixed sequence
#: (:data:`BATCH_SEED`), the full-batch loss tracked (the notebook's protocol); the
#: identity network uses ``n_data = WIDTH`` as the notebook does.
CONFIGURATIONS: dict[str, Configuration] = _configurations()
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
the dimension of each of the six :data:`CONFIGURATIONS` (the chapter overrides
``figure`` with :attr:`Configuration.figure`)."""


def problem(
    activation: str = "tanh",
    *,
    seed: int = 0,
    offset_mode: str = "init",
    n_data: int | None = None,
    batch_size: int | None = None,
    batch_seed: int = BATCH_SEED,
) -> NetworkProblem:
    """The paper's network (width 16, mean field, its data size) with the given options.

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
    n_data : int, optional
        Training points; default the paper's rule (:data:`N_DATA` for tanh and ReLU,
        :data:`WIDTH` for the identity network); 1 is its single-data-point
        configuration.
    batch_size : int, optional
        Rows per gradient step of the minibatch configuration (:data:`BATCH_SIZE`);
        None: full-batch GD.
    batch_seed : int
        Seed of the fixed minibatch sequence (:data:`BATCH_SEED`).

    Returns
    -------
    fractal_lib.boundaries.network_trainability.NetworkProblem
        Width :data:`WIDTH`, the paper's mean-field parameterisation.

    Raises
    ------
    ValueError
        As :class:`~fractal_lib.boundaries.network_trainability.NetworkProblem`.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), Fig. 1 and its notebook.
    """
    return NetworkProblem(
        activation,  # type: ignore[arg-type]
        width=WIDTH,
        n_data=n_data,
        seed=seed,
        offset_mode=offset_mode,  # type: ignore[arg-type]
        parameterisation="mean_field",
        batch_size=batch_size,
        batch_seed=batch_seed,
    )


def configuration(name: str) -> tuple[NetworkProblem, Plane, Window]:
    """Network, plane and root window of one of the six configurations.

    Parameters
    ----------
    name : str
        A key of :data:`CONFIGURATIONS` (``"tanh"``, ``"relu"``, ``"identity"``,
        ``"minibatch"``, ``"single data point"``, ``"offset vs lr"``).

    Returns
    -------
    problem : fractal_lib.boundaries.network_trainability.NetworkProblem
        The network, its data and initial weights.
    plane : {"lr_vs_lr", "offset_vs_lr"}
        The hyperparameter plane.
    window : fractal_lib.boundaries.network_trainability.Window
        The root window.

    Raises
    ------
    ValueError
        ``name`` is not a configuration.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), Fig. 1.
    """
    if name not in CONFIGURATIONS:
        raise ValueError(f"name must be one of {tuple(CONFIGURATIONS)}, got {name!r}")
    c = CONFIGURATIONS[name]
    return c.network(), c.plane, c.window
