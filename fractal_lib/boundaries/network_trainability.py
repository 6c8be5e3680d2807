"""Trainability of a tiny network over a hyperparameter plane (Sohl-Dickstein 2024).

A whole grid of two-layer networks is trained at once, one per hyperparameter pair, with
full-batch gradient descent in float64; each run is reduced to the sign-encoded
convergence measure (negative: converged, minus the sum of the normalised losses;
positive: diverged, the sum of their inverses). The boundary between the two signs is
the trainability boundary; its box-counting dimension comes from
:mod:`fractal_lib.boundaries.boxcount`.

The pieces:

* :class:`NetworkProblem`: activation (tanh, ReLU, identity), width, data size and seed;
  it draws the data and the initial weights (so the same seed gives the same numbers).
* :class:`Window`: a square of the hyperparameter plane, in log10 learning rate (and
  linear weight offset). Zoom windows are dyadic tiles of a root window and their grid
  points are bit-for-bit points of the finer global grid, so zoom levels nest.
* :func:`render`: the measure on a ``(2**log2_res + 1)**2`` grid of a window, in chunks
  of rows (cached on disk, resumable, spread over a ``concurrent.futures`` executor or a
  dask client exactly like :func:`fractal_lib.boundaries.trainability.sweep`).
* :func:`zoom_sequence`: nested windows toward the boundary; :func:`line_slice`: a 1-D
  slice for the box counting of :mod:`fractal_lib.boundaries.trainability`.
* :func:`colour_values`: Sohl-Dickstein's per-sign histogram equalisation of the
  measure.
* :func:`reference_run`: a plain NumPy implementation of one run (the benchmark's
  baseline).

Planes (Sohl-Dickstein's ``phase_space``): ``"lr_vs_lr"``, x = log10 learning rate of
the input layer, y = log10 learning rate of the output layer; ``"offset_vs_lr"``, x = a
constant added to every input-layer weight, y = log10 of one learning rate shared by
both layers. The original notebook adds the offset inside every training step (so it
accumulates); ``offset_mode`` picks the one-time shift of the initialisation
(``"init"``, what the paper describes) or that code's behaviour (``"every_step"``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from ..core.cache import ResultCache, code_version_of, default_cache
from ..core.executors import read_chunk, run_chunks
from . import _net_kernels as K
from . import boxcount

#: Code version entering this module's cache keys
#: (:func:`~fractal_lib.core.cache.code_version_of`).
CODE_VERSION = code_version_of(__name__)
#: Name of a hidden-layer activation.
Activation = Literal["tanh", "relu", "identity"]
#: Name of a hyperparameter plane that an image spans.
Plane = Literal["lr_vs_lr", "offset_vs_lr"]
#: Kernel code of each activation, by name.
ACTIVATIONS = {"tanh": K.TANH, "relu": K.RELU, "identity": K.IDENTITY}
#: The hyperparameter planes, in order.
PLANES = ("lr_vs_lr", "offset_vs_lr")
#: Largest resolution level ``log2_res`` (grids of ``2**log2_res + 1`` points a side).
MAX_LOG2_RES = 14
#: Axis labels ``(x, y)`` of each plane, for plots.
PLANE_LABELS = {
    "lr_vs_lr": (
        r"input-layer learning rate $\log_{10}\eta_1$",
        r"output-layer learning rate $\log_{10}\eta_2$",
    ),
    "offset_vs_lr": (
        r"input-layer weight offset $\delta$",
        r"learning rate $\log_{10}\eta$",
    ),
}


# -------------------------------------------------------------------------- the problem
@dataclass(frozen=True)
class NetworkProblem:
    """One network, its data and its initial weights.

    Parameters
    ----------
    activation : {"tanh", "relu", "identity"}
        ``phi(z) = tanh(sqrt(2) z)``, ``sqrt(2) relu(z)`` or ``z``.
    width : int
        Hidden width ``n``; the input dimension equals the width. Required, keyword
        only.
    n_data : int, optional
        Number of training points; default the paper's rule: as many as parameters
        (``width**2 + width``) for tanh and ReLU, ``width`` for the identity network.
    seed : int
        Seed of the draws ``W1, W2, X, y ~ N(0, 1)`` (in that order, NumPy's PCG64).
    offset_mode : {"init", "every_step"}
        How the ``offset_vs_lr`` plane applies its offset (see the module docstring).

    Raises
    ------
    ValueError
        Unknown ``activation`` or ``offset_mode``; ``width`` not in ``[1, 256]``;
        ``n_data`` or ``seed`` not a valid integer.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184): the two-layer networks of its experiments.
    """

    activation: Activation = "tanh"
    width: int = field(kw_only=True)
    n_data: int | None = None
    seed: int = 0
    offset_mode: Literal["init", "every_step"] = "init"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {tuple(ACTIVATIONS)}, "
                f"got {self.activation!r}"
            )
        if not isinstance(self.width, int | np.integer) or not 1 <= self.width <= 256:
            raise ValueError(
                f"width must be an integer in [1, 256], got {self.width!r}"
            )
        if self.n_data is not None and (
            not isinstance(self.n_data, int | np.integer) or self.n_data < 1
        ):
            raise ValueError(
                f"n_data must be None or an integer >= 1, got {self.n_data!r}"
            )
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if self.offset_mode not in ("init", "every_step"):
            raise ValueError(
                f"offset_mode must be 'init' or 'every_step', got {self.offset_mode!r}"
            )

    @property
    def data_size(self) -> int:
        """Number of training points actually used."""
        if self.n_data is not None:
            return int(self.n_data)
        return (
            self.width
            if self.activation == "identity"
            else self.width * self.width + self.width
        )

    @property
    def n_params(self) -> int:
        """Number of weights, ``width**2 + width``."""
        return self.width * self.width + self.width

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The data and the initial weights, drawn from ``seed``.

        Returns
        -------
        X : ndarray, shape ``(N, n)``
            Inputs (``N = data_size``, ``n = width``).
        y : ndarray, shape ``(N,)``
            Targets.
        W1 : ndarray, shape ``(n, n)``
            Input-layer weights.
        W2 : ndarray, shape ``(n,)``
            Output-layer weights.
        """
        rng = np.random.default_rng(self.seed)
        n, N = self.width, self.data_size
        W1 = rng.standard_normal((n, n))
        W2 = rng.standard_normal(n)
        X = rng.standard_normal((N, n))
        y = rng.standard_normal(N)
        return X, y, W1, W2

    def params(self) -> dict[str, Any]:
        """The fields as a dict, with ``n_data`` resolved (a cache key).

        Returns
        -------
        dict
            ``activation``, ``width``, ``n_data``, ``seed``, ``offset_mode``.
        """
        d = asdict(self)
        d["n_data"] = self.data_size
        return d


# -------------------------------------------------------------------------- plain numpy
def forward_loss(
    activation: Activation, X: np.ndarray, y: np.ndarray, W1: np.ndarray, W2: np.ndarray
) -> float:
    """Loss of one network, NumPy, ``mean((phi(X W1 / sqrt(d)) W2 / n - y)**2)``.

    Parameters
    ----------
    activation : {"tanh", "relu", "identity"}
        The nonlinearity ``phi`` (see :class:`NetworkProblem`).
    X : ndarray, shape ``(N, d)``
        Inputs.
    y : ndarray, shape ``(N,)``
        Targets.
    W1 : ndarray, shape ``(d, n)``
        Input-layer weights.
    W2 : ndarray, shape ``(n,)``
        Output-layer weights.

    Returns
    -------
    float
        The mean squared error.
    """
    z = X @ W1 / math.sqrt(X.shape[1])
    h = _phi(activation, z)
    f = h @ W2 / W2.shape[0]
    return float(np.mean((f - y) ** 2))


def _phi(activation: str, z: np.ndarray) -> np.ndarray:
    if activation == "tanh":
        return np.tanh(math.sqrt(2.0) * z)
    if activation == "relu":
        return math.sqrt(2.0) * np.maximum(z, 0.0)
    return z


def _phi_prime(activation: str, z: np.ndarray, h: np.ndarray) -> np.ndarray:
    if activation == "tanh":
        return math.sqrt(2.0) * (1.0 - h * h)
    if activation == "relu":
        return np.where(z > 0.0, math.sqrt(2.0), 0.0)
    return np.ones_like(z)


def convergence_measure(losses: np.ndarray) -> float:
    """Sohl-Dickstein's measure of one loss trajectory ``v_0 .. v_{T-1}``.

    The losses are those before each update: non-finite losses count as 1e6, then
    ``v / v_0`` clipped at 1e6; converged when the mean of the last 20 is below 1;
    ``-sum(v)`` if converged, else ``sum(1 / v)``.

    Parameters
    ----------
    losses : ndarray, shape ``(T,)``
        The loss trajectory; the first loss finite and > 0.

    Returns
    -------
    float
        Negative for a converged run, positive for a divergent one.

    Raises
    ------
    ValueError
        Empty or not 1-D, or a first loss that is not finite and positive.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), the convergence measure of its images.
    """
    v = np.asarray(losses, dtype=np.float64)
    if v.ndim != 1 or v.size == 0 or not math.isfinite(v[0]) or v[0] <= 0:
        raise ValueError(
            "losses must be a non-empty 1-D array with a finite, positive first loss"
        )
    v = np.where(np.isfinite(v), v, K.NONFINITE)
    v = np.minimum(v / v[0], K.CLIP)
    if np.mean(v[-K.LAST :]) < 1.0:
        return float(-np.sum(v))
    return float(np.sum(1.0 / v))


def reference_run(
    problem: NetworkProblem,
    lr1: float,
    lr2: float,
    *,
    offset: float = 0.0,
    steps: int = 500,
    return_losses: bool = False,
) -> float | tuple[float, np.ndarray]:
    """One network trained with plain NumPy, one grid point at a time (the baseline).

    Same network, data and measure as :func:`render`; once a loss or a weight is
    non-finite the remaining losses count as non-finite (the library's rule). NumPy's
    tanh and BLAS differ from the kernel in the last bits, so chaotic runs near the
    boundary can end differently.

    Parameters
    ----------
    problem : NetworkProblem
        Network, data and initial weights.
    lr1, lr2 : float
        Learning rates of the input and output layer, finite and >= 0.
    offset : float
        Input-layer weight offset (applied as ``problem.offset_mode`` says).
    steps : int
        GD steps, >= 1.
    return_losses : bool
        Also return the loss trajectory.

    Returns
    -------
    float or (float, ndarray)
        The convergence measure (:func:`convergence_measure`), and with
        ``return_losses`` the losses, shape ``(steps,)`` (``inf`` after the run turned
        non-finite).

    Raises
    ------
    ValueError
        Negative or non-finite rates, a non-finite offset or ``steps < 1``.
    """
    lr1, lr2, offset = _check_rate(lr1, "lr1"), _check_rate(lr2, "lr2"), float(offset)
    if not math.isfinite(offset):
        raise ValueError(f"offset must be finite, got {offset!r}")
    steps = _check_steps(steps)
    X, y, W1, W2 = problem.arrays()
    act = problem.activation
    every = problem.offset_mode == "every_step"
    if not every:
        W1 = W1 + offset
    N, d = X.shape
    n = W2.shape[0]
    losses = np.full(steps, np.inf)
    with np.errstate(all="ignore"):
        for t in range(steps):
            if every:
                W1 = W1 + offset
            z = X @ W1 / math.sqrt(d)
            h = _phi(act, z)
            e = h @ W2 / n - y
            loss = float(np.mean(e * e))
            if not (
                math.isfinite(loss) and np.isfinite(W1).all() and np.isfinite(W2).all()
            ):
                break
            losses[t] = loss
            g2 = h.T @ e * (2.0 / N / n)
            dz = np.outer(e, W2) * _phi_prime(act, z, h) * (2.0 / N / n)
            g1 = X.T @ dz / math.sqrt(d)
            W1 = W1 - lr1 * g1
            W2 = W2 - lr2 * g2
    m = convergence_measure(losses)
    return (m, losses) if return_losses else m


# ---------------------------------------------------------------------- kernel wrappers
def _check_steps(steps: int) -> int:
    if not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    return int(steps)


def _check_rate(lr: float, name: str) -> float:
    v = float(lr)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {lr!r}")
    return v


def _rates(a: Any, name: str, size: int | None = None) -> np.ndarray:
    v = np.ascontiguousarray(np.atleast_1d(np.asarray(a, dtype=np.float64)))
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array")
    if size is not None and v.size != size:
        raise ValueError(f"{name} must have {size} entries, got {v.size}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite")
    return v


def loss_and_grad(
    problem: NetworkProblem, W1: np.ndarray, W2: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss and gradients of the network ``(W1, W2)`` on ``problem``'s data.

    Computed by the same kernel that trains the grid.

    Parameters
    ----------
    problem : NetworkProblem
        Network and data (its initial weights are not used).
    W1 : ndarray, shape ``(n, n)``
        Input-layer weights.
    W2 : ndarray, shape ``(n,)``
        Output-layer weights.

    Returns
    -------
    loss : float
        Mean squared error.
    dW1 : ndarray, shape ``(n, n)``
        Gradient with respect to ``W1``.
    dW2 : ndarray, shape ``(n,)``
        Gradient with respect to ``W2``.

    Raises
    ------
    ValueError
        Weights of the wrong shape.
    """
    X, y, _, _ = problem.arrays()
    n = problem.width
    W1 = np.asarray(W1, dtype=np.float64)
    W2 = np.asarray(W2, dtype=np.float64)
    if W1.shape != (n, n) or W2.shape != (n,):
        raise ValueError(
            f"W1 must have shape {(n, n)} and W2 {(n,)}, got {W1.shape}, {W2.shape}"
        )
    L = K.LANES
    nl = n * L
    W1l = np.ascontiguousarray(np.repeat(W1, L, axis=1))  # W1l[k, j*L + l] = W1[k, j]
    W2l = np.ascontiguousarray(np.repeat(W2, L))
    dW1, dW2 = np.empty((n, nl)), np.empty(nl)
    loss = np.empty(L)
    s = [np.empty(nl) for _ in range(4)]
    f, e = np.empty(L), np.empty(L)
    fb, sb = np.empty(nl), np.empty(nl)
    K.lanes_loss_grad(
        ACTIVATIONS[problem.activation],
        X,
        y,
        W1l,
        W2l,
        dW1,
        dW2,
        loss,
        *s,
        f,
        e,
        fb,
        fb.view(np.int64),
        sb,
        sb.view(np.int64),
    )
    return float(loss[0]), dW1[:, ::L].copy(), dW2[::L].copy()


def run_points(
    problem: NetworkProblem,
    lr1: Any,
    lr2: Any,
    *,
    offset: Any = None,
    steps: int = 500,
    parallel: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Train one network per entry of ``lr1, lr2`` (and ``offset``); the batched kernel.

    Parameters
    ----------
    problem : NetworkProblem
        Network, data and initial weights.
    lr1, lr2 : array_like
        Learning rates of the input and output layer (finite, >= 0), same length.
    offset : array_like, optional
        Input-layer weight offsets (default 0).
    steps : int
        GD steps per network.
    parallel : bool
        Use all cores; pass False inside an executor's threads.

    Returns
    -------
    measure : ndarray(float)
        The convergence measure (< 0 converged, > 0 diverged).
    steps_run : ndarray(int64)
        Steps computed per network (divergent runs stop at the first non-finite loss).

    Raises
    ------
    TypeError
        ``problem`` not a :class:`NetworkProblem`.
    ValueError
        Rates or offsets empty, of different lengths, negative or not finite;
        ``steps < 1``.
    """
    if not isinstance(problem, NetworkProblem):
        raise TypeError("problem must be a NetworkProblem")
    a1 = _rates(lr1, "lr1")
    a2 = _rates(lr2, "lr2", a1.size)
    if np.any(a1 < 0) or np.any(a2 < 0):
        raise ValueError("learning rates lr1, lr2 must be >= 0")
    off = np.zeros(a1.size) if offset is None else _rates(offset, "offset", a1.size)
    steps = _check_steps(steps)
    X, y, W1, W2 = problem.arrays()
    measure = np.empty(a1.size)
    done = np.empty(a1.size, dtype=np.int64)
    act = ACTIVATIONS[problem.activation]
    every = problem.offset_mode == "every_step"
    if parallel and a1.size > K.LANES:
        block = max(K.LANES, min(256, -(-a1.size // 64)))
        K.run_par(act, X, y, W1, W2, a1, a2, off, every, steps, measure, done, block)
    else:
        K.run_lanes(
            0, a1.size, act, X, y, W1, W2, a1, a2, off, every, steps, measure, done
        )
    return measure, done


def train_single(
    problem: NetworkProblem,
    lr1: float,
    lr2: float,
    *,
    offset: float = 0.0,
    steps: int = 500,
) -> float:
    """Convergence measure of one network (the batched kernel with a single run).

    Parameters
    ----------
    problem : NetworkProblem
        Network, data and initial weights.
    lr1, lr2 : float
        Learning rates of the input and output layer, finite and >= 0.
    offset : float
        Input-layer weight offset.
    steps : int
        GD steps, >= 1.

    Returns
    -------
    float
        The convergence measure (< 0 converged, > 0 diverged).

    Raises
    ------
    ValueError
        As :func:`run_points`.
    """
    m, _ = run_points(
        problem,
        [_check_rate(lr1, "lr1")],
        [_check_rate(lr2, "lr2")],
        offset=[offset],
        steps=steps,
        parallel=False,
    )
    return float(m[0])


# --------------------------------------------------------------------------- windows
@dataclass(frozen=True)
class Window:
    """A square of the hyperparameter plane: tile ``(ix, iy)`` of a level of ``root``.

    ``root = (x_min, x_max, y_min, y_max)``; level ``k`` splits it into ``2**k x 2**k``
    tiles. Grid points are computed from integer indices on the global dyadic grid, so
    the points of a coarser level or a parent window are exactly (bit for bit) points of
    the finer one. The default root is Sohl-Dickstein's ``[-3, 6] x [-3, 6]`` (decades
    of learning rate).

    Parameters
    ----------
    root : (float, float, float, float)
        ``(x_min, x_max, y_min, y_max)`` of the level-0 window, in plane units (log10
        learning rate, or weight offset for x of ``"offset_vs_lr"``).
    level : int
        Zoom level, ``0 .. 40``.
    ix, iy : int
        Tile indices, each in ``[0, 2**level)``.

    Raises
    ------
    ValueError
        A root that is not 4 finite numbers with ``x_max > x_min`` and
        ``y_max > y_min``, or a level or tile index out of range.
    """

    root: tuple[float, float, float, float] = (-3.0, 6.0, -3.0, 6.0)
    level: int = 0
    ix: int = 0
    iy: int = 0

    def __post_init__(self) -> None:
        r = tuple(float(v) for v in self.root)
        if len(r) != 4 or not all(math.isfinite(v) for v in r):
            raise ValueError(
                f"window root must be 4 finite numbers (x_min, x_max, y_min, y_max), "
                f"got {self.root!r}"
            )
        if not (r[1] > r[0] and r[3] > r[2]):
            raise ValueError(
                "window root must have x_max > x_min and y_max > y_min, "
                f"got {self.root!r}"
            )
        object.__setattr__(self, "root", r)
        if not isinstance(self.level, int | np.integer) or not 0 <= self.level <= 40:
            raise ValueError(
                f"window level must be an integer in [0, 40], got {self.level!r}"
            )
        for name in ("ix", "iy"):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or not 0 <= v < (1 << self.level):
                raise ValueError(
                    f"window {name} must be an integer in [0, 2**level), got {v!r}"
                )

    def child(self, cx: int, cy: int, zoom_log2: int = 1) -> Window:
        """Sub-tile ``(cx, cy)`` of the ``2**zoom_log2``-per-side split of this window.

        Parameters
        ----------
        cx, cy : int
            Column and row of the sub-tile, each in ``[0, 2**zoom_log2)``.
        zoom_log2 : int
            The split has ``2**zoom_log2`` tiles per side.

        Returns
        -------
        Window
            The sub-tile, at level ``level + zoom_log2``.

        Raises
        ------
        ValueError
            ``cx`` or ``cy`` out of range.
        """
        f = 1 << zoom_log2
        if not (0 <= cx < f and 0 <= cy < f):
            raise ValueError(f"cx, cy must be in [0, {f}), got {cx}, {cy}")
        return Window(
            self.root, self.level + zoom_log2, self.ix * f + cx, self.iy * f + cy
        )

    def coords(self, log2_res: int) -> tuple[np.ndarray, np.ndarray]:
        """x and y of the ``2**log2_res + 1`` grid points along each side.

        Parameters
        ----------
        log2_res : int
            Resolution level, ``1 .. MAX_LOG2_RES``.

        Returns
        -------
        xs, ys : ndarray, shape ``(2**log2_res + 1,)``
            Grid coordinates in plane units.

        Raises
        ------
        ValueError
            ``log2_res`` out of range.
        """
        _check_res(log2_res)
        g = self.level + log2_res
        i = np.arange(
            self.ix << log2_res, ((self.ix + 1) << log2_res) + 1, dtype=np.float64
        )
        j = np.arange(
            self.iy << log2_res, ((self.iy + 1) << log2_res) + 1, dtype=np.float64
        )
        x0, x1, y0, y1 = self.root
        return x0 + (x1 - x0) * np.ldexp(i, -g), y0 + (y1 - y0) * np.ldexp(j, -g)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(x_min, x_max, y_min, y_max)`` of this tile."""
        xs, ys = self.coords(1)
        return float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])

    @property
    def magnification(self) -> int:
        """Zoom factor per side relative to the root, ``2**level``."""
        return 1 << self.level

    @staticmethod
    def from_bounds(x_min: float, x_max: float, y_min: float, y_max: float) -> Window:
        """A root window with the given bounds.

        Parameters
        ----------
        x_min, x_max, y_min, y_max : float
            Bounds in plane units, finite, ``x_max > x_min`` and ``y_max > y_min``.

        Returns
        -------
        Window
            Level 0, tile ``(0, 0)``.

        Raises
        ------
        ValueError
            Bounds not finite or not increasing.
        """
        return Window((x_min, x_max, y_min, y_max))


def _check_res(log2_res: int) -> int:
    if not isinstance(log2_res, int | np.integer) or not 1 <= log2_res <= MAX_LOG2_RES:
        raise ValueError(
            f"log2_res (resolution 2**log2_res + 1 points per side) must be an integer "
            f"in [1, {MAX_LOG2_RES}], got {log2_res!r}"
        )
    return int(log2_res)


def plane_rates(
    plane: Plane, xs: np.ndarray, ys: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-point ``(lr1, lr2, offset)`` on the grid ``ys x xs`` (rows are y), flattened.

    Parameters
    ----------
    plane : {"lr_vs_lr", "offset_vs_lr"}
        Meaning of x and y (see the module docstring).
    xs : ndarray, shape ``(nx,)``
        x coordinates (log10 learning rate, or weight offset).
    ys : ndarray, shape ``(ny,)``
        y coordinates (log10 learning rate).

    Returns
    -------
    lr1, lr2, offset : ndarray, shape ``(ny * nx,)``
        Learning rates of the two layers and the weight offset of every point,
        row-major.

    Raises
    ------
    ValueError
        Unknown ``plane``.
    """
    if plane not in PLANES:
        raise ValueError(f"plane must be one of {PLANES}, got {plane!r}")
    X, Y = np.meshgrid(xs, ys)
    if plane == "lr_vs_lr":
        lr1, lr2, off = 10.0**X, 10.0**Y, np.zeros_like(X)
    else:
        lr1 = lr2 = 10.0**Y
        off = X
    return lr1.ravel(), np.array(lr2).ravel(), off.ravel()


# --------------------------------------------------------------------------- images
@dataclass
class NetImage:
    """The convergence measure on a window's grid.

    Parameters
    ----------
    problem : NetworkProblem
        Network, data and initial weights.
    plane : str
        The hyperparameter plane.
    window : Window
        The window drawn.
    log2_res : int
        ``2**log2_res + 1`` points per side.
    steps : int
        GD steps per network.
    measure : ndarray(float), shape ``(ny, nx)``
        Row ``i`` is the i-th y value (origin at the bottom left when drawn with
        ``origin="lower"``); < 0 converged, > 0 diverged.
    steps_run : int
        GD steps computed over all points (divergent runs stop early).
    seconds : float
        Wall time of the computation (0 when everything came from the cache).
    """

    problem: NetworkProblem
    plane: str
    window: Window
    log2_res: int
    steps: int
    measure: np.ndarray
    steps_run: int
    seconds: float

    @property
    def xs(self) -> np.ndarray:
        """x coordinates of the columns."""
        return self.window.coords(self.log2_res)[0]

    @property
    def ys(self) -> np.ndarray:
        """y coordinates of the rows."""
        return self.window.coords(self.log2_res)[1]

    @property
    def diverged(self) -> np.ndarray:
        """Boolean image, True where training diverged (``measure > 0``)."""
        return self.measure > 0

    @property
    def converged_fraction(self) -> float:
        """Fraction of grid points whose training converged."""
        return float(np.mean(self.measure < 0))

    def edges(self) -> np.ndarray:
        """Boundary pixels (2 x 2 sign changes).

        Returns
        -------
        ndarray(bool), shape ``(ny - 1, nx - 1)``
            :func:`~fractal_lib.boundaries.boxcount.edges_2d` of the measure.
        """
        return boxcount.edges_2d(self.measure)

    def dimension(self, sizes: Any = None) -> boxcount.BoxFit:
        """Box-counting dimension of :meth:`edges`.

        Parameters
        ----------
        sizes : sequence of int, optional
            Box sizes in pixels (see
            :func:`~fractal_lib.boundaries.boxcount.box_dimension_2d`).

        Returns
        -------
        BoxFit
            The fit.
        """
        return boxcount.box_dimension_2d(self.edges(), sizes)

    def colours(self, reference: np.ndarray | None = None) -> np.ndarray:
        """Colour values of the measure (:func:`colour_values`).

        Parameters
        ----------
        reference : ndarray, optional
            Values whose distribution sets the stretch (default: this measure).

        Returns
        -------
        ndarray, shape ``(ny, nx)``
            Values in ``[-1, 1]``.
        """
        return colour_values(self.measure, reference)


def colour_values(
    measure: np.ndarray, reference: np.ndarray | None = None, *, buffer: float = 0.25
) -> np.ndarray:
    """Sohl-Dickstein's colour stretch: per-sign histogram equalisation to ``[-1, 1]``.

    Converged values (< 0) are spread uniformly over ``[buffer, 1]`` (slow convergence,
    the most negative measure, at 1) and diverged values over ``[-1, -buffer]`` (slow
    divergence at -1), using the empirical distribution of ``reference`` (default:
    ``measure`` itself). Show with ``cmap="Spectral", vmin=-1, vmax=1``: converged blue,
    diverged red, both darkest at the boundary.

    Parameters
    ----------
    measure : ndarray
        Convergence measures (any shape).
    reference : ndarray, optional
        Values whose empirical distribution sets the stretch, finite.
    buffer : float
        Gap around 0 left free of colour values, in ``[0, 1)``.

    Returns
    -------
    ndarray
        Colour values in ``[-1, 1]``, shape of ``measure``.

    Raises
    ------
    ValueError
        Empty or non-finite ``reference``, or ``buffer`` outside ``[0, 1)``.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), the colouring of its images.
    """
    m = np.asarray(measure, dtype=np.float64)
    u = np.sort(
        np.asarray(m if reference is None else reference, dtype=np.float64).ravel()
    )
    if u.size == 0 or not np.all(np.isfinite(u)):
        raise ValueError("reference must be non-empty and finite")
    if not 0 <= buffer < 1:
        raise ValueError(f"buffer must be in [0, 1), got {buffer!r}")
    n_neg = int(np.sum(u < 0))
    v = np.concatenate(
        (np.linspace(-1, -buffer, n_neg), np.linspace(buffer, 1, u.size - n_neg))
    )
    return -np.interp(m, u, v)


def _chunk_job(
    problem: NetworkProblem,
    plane: str,
    window: Window,
    log2_res: int,
    steps: int,
    r0: int,
    r1: int,
    parallel: bool,
) -> dict:
    xs, ys = window.coords(log2_res)
    lr1, lr2, off = plane_rates(plane, xs, ys[r0:r1])  # type: ignore[arg-type]
    m, done = run_points(problem, lr1, lr2, offset=off, steps=steps, parallel=parallel)
    return {"measure": m.reshape(r1 - r0, xs.size), "steps_run": np.array(done.sum())}


def render(
    problem: NetworkProblem,
    window: Window = Window(),
    *,
    log2_res: int = 7,
    steps: int = 500,
    plane: Plane = "lr_vs_lr",
    executor: Any = None,
    chunk_rows: int | None = None,
    cache: ResultCache | bool = True,
    progress: bool | None = None,
) -> NetImage:
    """Train one network per grid point of ``window``; return the convergence measure.

    Parameters
    ----------
    problem : NetworkProblem
        Network, data and initial weights.
    window : Window
        The square of the plane (default: the root ``[-3, 6]^2``).
    log2_res : int
        ``2**log2_res + 1`` points per side (1 .. 14).
    steps : int
        GD steps per network (the paper: 500 or 1000).
    plane : {"lr_vs_lr", "offset_vs_lr"}
        Meaning of x and y (see the module docstring).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where chunks run (one single-threaded task per chunk); None: here, all cores.
    chunk_rows : int, optional
        Grid rows per chunk, the unit of caching and scheduling (default: about 4096
        points).
    cache : ResultCache or bool
        True: the default on-disk cache; False: compute everything; or a specific cache.
    progress : bool, optional
        tqdm bar over chunks (default: when more than one chunk must be computed).

    Returns
    -------
    NetImage
        The measure on the ``(2**log2_res + 1)**2`` grid.

    Raises
    ------
    TypeError
        ``problem`` or ``window`` of the wrong type.
    ValueError
        ``log2_res``, ``steps``, ``plane`` or ``chunk_rows`` invalid.
    """
    if not isinstance(problem, NetworkProblem):
        raise TypeError("problem must be a NetworkProblem")
    if not isinstance(window, Window):
        raise TypeError("window must be a Window")
    log2_res = _check_res(log2_res)
    steps = _check_steps(steps)
    if plane not in PLANES:
        raise ValueError(f"plane must be one of {PLANES}, got {plane!r}")
    side = (1 << log2_res) + 1
    if chunk_rows is None:
        chunk_rows = max(1, 4096 // side)
    if not isinstance(chunk_rows, int | np.integer) or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be an integer >= 1, got {chunk_rows!r}")
    store_root = (
        default_cache() if cache is True else (cache or ResultCache(enabled=False))
    )
    params = {
        "problem": problem.params(),
        "plane": plane,
        "window": asdict(window),
        "log2_res": log2_res,
        "steps": steps,
        "chunk_rows": int(chunk_rows),
    }
    store = store_root.chunks("netgrid", params, CODE_VERSION)
    bounds = [(r, min(r + chunk_rows, side)) for r in range(0, side, chunk_rows)]
    results: dict[tuple[int, int], dict] = {}
    todo = []
    spec = {
        "measure": ((side,), "f"),
        "steps_run": (None, "iu"),
    }  # checked on every read
    for b in bounds:
        hit = read_chunk(store, b, spec)
        if hit is None:
            todo.append(b)
        else:
            results[b] = hit
    seconds = run_chunks(
        _chunk_job,
        todo,
        store,
        results,
        lambda b: (problem, plane, window, log2_res, steps, *b),
        executor=executor,
        desc=f"{problem.activation} {plane}",
        progress=progress,
    )
    measure = np.concatenate([results[b]["measure"] for b in bounds], axis=0)
    steps_run = sum(int(results[b]["steps_run"]) for b in bounds)
    return NetImage(
        problem, plane, window, log2_res, steps, measure, steps_run, seconds
    )


# --------------------------------------------------------------------- zooms and slices
def best_child(image: NetImage, zoom_log2: int = 2) -> tuple[int, int]:
    """The sub-tile (of a ``2**zoom_log2`` split) with the most boundary pixels.

    Ties go to the tile nearest the centre.

    Parameters
    ----------
    image : NetImage
        The image to split.
    zoom_log2 : int
        ``2**zoom_log2`` tiles per side.

    Returns
    -------
    (int, int)
        ``(cx, cy)`` for :meth:`Window.child`.

    Raises
    ------
    ValueError
        ``image.log2_res < zoom_log2``.
    """
    e = image.edges()
    f = 1 << zoom_log2
    side = e.shape[0]
    if side % f:
        raise ValueError(f"log2_res must be >= zoom_log2={zoom_log2}")
    counts = e.reshape(f, side // f, f, side // f).sum(axis=(1, 3))  # [cy, cx]
    cy, cx = np.mgrid[0:f, 0:f]
    dist = (cx - (f - 1) / 2) ** 2 + (cy - (f - 1) / 2) ** 2
    order = np.lexsort((dist.ravel(), -counts.ravel()))
    k = int(order[0])
    return k % f, k // f


def zoom_sequence(
    problem: NetworkProblem,
    n_zooms: int,
    *,
    window: Window = Window(),
    zoom_log2: int = 2,
    log2_res: int = 7,
    steps: int = 500,
    plane: Plane = "lr_vs_lr",
    **render_kwargs: Any,
) -> list[NetImage]:
    """``n_zooms + 1`` nested images: a zoom toward the boundary.

    Each image shows the sub-tile (``2**zoom_log2`` times smaller per side) of the
    previous one that holds the most boundary pixels.

    Every image has the same resolution; every window is an aligned tile of the root, so
    its grid points are points of the finer global grid.

    Parameters
    ----------
    problem : NetworkProblem
        Network, data and initial weights.
    n_zooms : int
        Number of zooms, >= 0.
    window : Window
        The first window.
    zoom_log2 : int
        Each zoom shrinks the side ``2**zoom_log2`` times, ``1 .. log2_res``.
    log2_res : int
        ``2**log2_res + 1`` points per side of every image.
    steps : int
        GD steps per network.
    plane : {"lr_vs_lr", "offset_vs_lr"}
        Meaning of x and y.
    **render_kwargs
        Go to :func:`render` (``executor``, ``cache``, ``progress``...).

    Returns
    -------
    list of NetImage
        ``n_zooms + 1`` images, the first window first.

    Raises
    ------
    ValueError
        ``n_zooms`` or ``zoom_log2`` invalid (and as :func:`render`).

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), its zoom sequences.
    """
    if not isinstance(n_zooms, int | np.integer) or n_zooms < 0:
        raise ValueError(f"n_zooms must be an integer >= 0, got {n_zooms!r}")
    if not isinstance(zoom_log2, int | np.integer) or not 1 <= zoom_log2 <= log2_res:
        raise ValueError(
            f"zoom_log2 must be an integer in [1, log2_res], got {zoom_log2!r}"
        )
    render_kwargs.setdefault("progress", False)
    images: list[NetImage] = []
    for _ in range(n_zooms + 1):
        if images:  # zoom into the busiest child of the previous image
            window = window.child(*best_child(images[-1], zoom_log2), zoom_log2)
        images.append(
            render(
                problem,
                window,
                log2_res=log2_res,
                steps=steps,
                plane=plane,
                **render_kwargs,
            )
        )
    return images


@dataclass
class Slice:
    """A 1-D slice at fixed ``y``: ``2**log2_n + 1`` points on ``[x0, x1]``.

    Parameters
    ----------
    xs : ndarray, shape ``(2**log2_n + 1,)``
        x coordinates (plane units).
    y : float
        The fixed y (log10 learning rate).
    measure : ndarray, shape ``(2**log2_n + 1,)``
        Convergence measure at each x.
    """

    xs: np.ndarray
    y: float
    measure: np.ndarray

    @property
    def diverged(self) -> np.ndarray:
        """True where training diverged (``measure > 0``)."""
        return self.measure > 0


def line_slice(
    problem: NetworkProblem,
    y: float,
    x_range: tuple[float, float],
    *,
    log2_n: int = 12,
    steps: int = 500,
    plane: Plane = "lr_vs_lr",
    cache: ResultCache | bool = True,
    parallel: bool = True,
) -> Slice:
    """The measure along the line at ``y``, at ``2**log2_n + 1`` evenly spaced x.

    A Liu-style 1-D sweep whose ``diverged`` array feeds
    :func:`fractal_lib.boundaries.trainability.boundary_counts`; cached on disk.

    Parameters
    ----------
    problem : NetworkProblem
        Network, data and initial weights.
    y : float
        The fixed y (plane units), finite.
    x_range : (float, float)
        ``(x0, x1)``, finite, ``x1 > x0``.
    log2_n : int
        ``2**log2_n`` segments, ``1 .. 24``.
    steps : int
        GD steps per network.
    plane : {"lr_vs_lr", "offset_vs_lr"}
        Meaning of x and y.
    cache : ResultCache or bool
        True: the default on-disk cache; False: compute; or a specific cache.
    parallel : bool
        Use all cores.

    Returns
    -------
    Slice
        The measure along the line.

    Raises
    ------
    ValueError
        Non-finite or empty range, ``log2_n`` or ``steps`` invalid.
    """
    y = float(y)
    x0, x1 = (float(v) for v in x_range)
    if not (math.isfinite(y) and math.isfinite(x0) and math.isfinite(x1)):
        raise ValueError("y and x_range must be finite")
    if not x1 > x0:
        raise ValueError(f"x_range must have x1 > x0, got {x_range!r}")
    if not isinstance(log2_n, int | np.integer) or not 1 <= log2_n <= 24:
        raise ValueError(f"log2_n must be an integer in [1, 24], got {log2_n!r}")
    steps = _check_steps(steps)
    xs = x0 + (x1 - x0) * np.ldexp(
        np.arange((1 << log2_n) + 1, dtype=np.float64), -log2_n
    )
    store = default_cache() if cache is True else (cache or ResultCache(enabled=False))
    params = {
        "problem": problem.params(),
        "plane": plane,
        "y": y,
        "x_range": [x0, x1],
        "log2_n": int(log2_n),
        "steps": steps,
    }

    def compute() -> dict[str, np.ndarray]:
        lr1, lr2, off = plane_rates(plane, xs, np.array([y]))
        m, _ = run_points(problem, lr1, lr2, offset=off, steps=steps, parallel=parallel)
        return {"measure": m}

    out = store.cached("netslice", params, CODE_VERSION, compute)
    return Slice(xs, y, out["measure"])
