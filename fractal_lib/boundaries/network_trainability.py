"""Trainability of a tiny network over a hyperparameter plane (Sohl-Dickstein 2024).

A whole grid of two-layer networks is trained at once, one per hyperparameter pair, with
gradient descent (full batch, or the paper's minibatches) in float64 (or float32); each
run is reduced to the sign-encoded convergence measure (negative: converged, minus the
sum of the normalised losses; positive: diverged, the sum of their inverses). The
boundary between the two signs is the trainability boundary; its box-counting dimension
comes from :mod:`fractal_lib.boundaries.boxcount`.

The network, for inputs ``X (N, d)``, weights ``W1 (d, n)`` and ``W2 (n,)``::

    z = s_in X W1,   h = phi(z),   f = s_out h W2,   loss = mean((f - y)**2)

with ``phi(z) = tanh(sqrt(2) z)``, ``sqrt(2) relu(z)`` or ``z`` and the scales of the
parameterisation: ``"mean_field"`` (the paper's: ``s_in = 1/sqrt(d)``,
``s_out = 1/n``), ``"ntk"`` (``1/sqrt(d)``, ``1/sqrt(n)``) or ``"standard"`` (1, 1).

The pieces:

* :class:`NetworkProblem`: activation, width, parameterisation, the data ``X, y`` and
  the initial weights ``W1, W2`` (given, or drawn from ``seed``: the same seed gives
  the same numbers), and the minibatch sequence (``batch_size``, ``batch_seed``).
* :func:`run_points`: train one network per learning-rate pair (and weight offset) with
  the numba kernel (float64 or float32) or with torch (``_net_torch``, batched over
  grid points, on the GPU when torch sees one).
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
* :func:`reference_run`: a plain NumPy implementation of one run (the tests' and the
  benchmark's baseline).

Planes (Sohl-Dickstein's ``phase_space``): ``"lr_vs_lr"``, x = log10 learning rate of
the input layer, y = log10 learning rate of the output layer; ``"offset_vs_lr"``, x = a
constant added to every input-layer weight, y = log10 of one learning rate shared by
both layers. The original notebook adds the offset inside every training step (so it
accumulates); ``offset_mode`` picks the one-time shift of the initialisation
(``"init"``, what the paper describes) or that code's behaviour (``"every_step"``).

Minibatches (the paper's minibatch configuration): step ``t`` takes its gradient on the
rows ``problem.batches(steps)[t]`` (drawn with replacement from ``batch_seed``, the same
sequence at every grid point), while the loss the measure tracks is always the
full-batch loss before the update.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import KW_ONLY, asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from ..core.cache import ResultCache, code_version_of, default_cache, warn_damaged
from ..core.checks import check_int
from ..core.executors import read_chunk, run_chunks
from . import _net_kernels as K
from . import adaptive, boxcount

#: Code version entering this module's cache keys
#: (:func:`~fractal_lib.core.cache.code_version_of`).
CODE_VERSION = code_version_of(__name__)
#: Name of a hidden-layer activation.
Activation = Literal["tanh", "relu", "identity"]
#: Name of a hyperparameter plane that an image spans.
Plane = Literal["lr_vs_lr", "offset_vs_lr"]
#: Name of a parameterisation (the scales ``s_in, s_out`` of the two layers).
Parameterisation = Literal["mean_field", "ntk", "standard"]
#: Kernel code of each activation, by name.
ACTIVATIONS = {"tanh": K.TANH, "relu": K.RELU, "identity": K.IDENTITY}
#: The parameterisations, the paper's (mean field) first.
PARAMETERISATIONS = ("mean_field", "ntk", "standard")
#: Floating-point types a grid can be trained in (:func:`run_points`).
DTYPES = ("float64", "float32")
#: Where a grid can be trained: the numba kernel (CPU) or torch (its device).
BACKENDS = ("numba", "torch")
#: The hyperparameter planes, in order.
PLANES = ("lr_vs_lr", "offset_vs_lr")
#: Largest resolution level ``log2_res`` (grids of ``2**log2_res + 1`` points a side).
MAX_LOG2_RES = 14
#: Largest hidden width (and input dimension when drawn) of a :class:`NetworkProblem`.
MAX_WIDTH = 256
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
_ARRAYS = ("X", "y", "W1", "W2")


# -------------------------------------------------------------------------- the problem
def scales_of(
    parameterisation: Parameterisation, d: int, n: int
) -> tuple[float, float]:
    """The layer scales ``(s_in, s_out)`` of a parameterisation.

    Parameters
    ----------
    parameterisation : {"mean_field", "ntk", "standard"}
        ``"mean_field"``: ``(1/sqrt(d), 1/n)`` (the paper's); ``"ntk"``:
        ``(1/sqrt(d), 1/sqrt(n))``; ``"standard"``: ``(1, 1)``.
    d : int
        Input dimension, >= 1.
    n : int
        Hidden width, >= 1.

    Returns
    -------
    (float, float)
        ``s_in`` multiplies ``X W1``, ``s_out`` multiplies ``h W2``.

    Raises
    ------
    ValueError
        Unknown ``parameterisation``, or ``d`` or ``n`` below 1.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184): mean-field parameterisation of its networks.
    """
    if parameterisation not in PARAMETERISATIONS:
        raise ValueError(
            f"parameterisation must be one of {PARAMETERISATIONS}, "
            f"got {parameterisation!r}"
        )
    if d < 1 or n < 1:
        raise ValueError(f"d and n must be >= 1, got d={d!r}, n={n!r}")
    if parameterisation == "mean_field":
        return 1.0 / math.sqrt(d), 1.0 / n
    if parameterisation == "ntk":
        return 1.0 / math.sqrt(d), 1.0 / math.sqrt(n)
    return 1.0, 1.0


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def _user_array(a: Any, name: str, ndim: int) -> np.ndarray:
    """A read-only float64 C-contiguous copy of a user array, validated."""
    try:
        v = np.asarray(a)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real numeric array: {exc}") from None
    if v.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a real numeric array, got dtype {v.dtype}")
    if v.ndim != ndim or v.size == 0:
        raise ValueError(
            f"{name} must be a non-empty {ndim}-D array, got shape {v.shape}"
        )
    v = np.array(v, dtype=np.float64, order="C", copy=True)
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite")
    v.flags.writeable = False
    return v


def _digest(v: np.ndarray) -> str:
    h = hashlib.sha256(f"{v.shape}|{v.dtype.str}|".encode())
    h.update(v.tobytes())
    return "sha256:" + h.hexdigest()


@dataclass(frozen=True, eq=False)
class NetworkProblem:
    """One network, its data, its initial weights and its batch sequence.

    Every array not given is drawn from ``seed`` with NumPy's PCG64, in the order
    ``W1, W2, X, y`` (those given are skipped), all ``N(0, 1)``; with nothing given the
    numbers are those of earlier versions, bit for bit. Given arrays are stored as
    read-only float64 copies. Two problems are equal (and hash alike) when every field
    is, arrays by content (their SHA-256); :meth:`params` is the matching JSON-able
    cache key.

    Parameters
    ----------
    activation : {"tanh", "relu", "identity"}
        ``phi(z) = tanh(sqrt(2) z)``, ``sqrt(2) relu(z)`` or ``z``.
    width : int, optional
        Hidden width ``n`` in ``[1, 256]``. Required (keyword only) unless ``W1`` or
        ``W2`` is given, which then sets it (and must agree with it when both are
        given).
    n_data : int, optional
        Number of training points to draw; default the paper's rule: as many as
        parameters (``d * n + n``) for tanh and ReLU, ``n`` for the identity network.
        With ``X`` given: None or ``len(X)``. ``n_data=1`` is the paper's
        single-data-point configuration.
    seed : int
        Seed of the arrays not given.
    offset_mode : {"init", "every_step"}
        How the ``offset_vs_lr`` plane applies its offset (see the module docstring).
    X : array_like, shape ``(N, d)``, optional
        Inputs, finite; given together with ``y``. ``d`` may differ from the width; when
        neither ``X`` nor ``W1`` is given, ``d = width``.
    y : array_like, shape ``(N,)``, optional
        Targets, finite.
    W1 : array_like, shape ``(d, n)``, optional
        Initial input-layer weights, finite.
    W2 : array_like, shape ``(n,)``, optional
        Initial output-layer weights, finite.
    parameterisation : {"mean_field", "ntk", "standard"}
        The layer scales (:func:`scales_of`); the paper's is ``"mean_field"``.
    batch_size : int, optional
        Rows per gradient step (drawn with replacement); None: full-batch GD.
    batch_seed : int
        Seed of the batch sequence (:meth:`batches`), the same at every grid point.

    Raises
    ------
    TypeError
        Neither ``width`` nor ``W1``/``W2`` given.
    ValueError
        Unknown ``activation``, ``offset_mode`` or ``parameterisation``; ``width``,
        ``n_data``, ``seed``, ``batch_size`` or ``batch_seed`` not a valid integer;
        an array that is not finite and real, of the wrong dimension, or whose shape
        disagrees with ``width`` or with the other arrays (the message names it);
        ``X`` without ``y`` or the reverse.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184): the two-layer networks of its experiments
    and their six configurations (Fig. 1).
    """

    activation: Activation = "tanh"
    _: KW_ONLY
    width: int = None  # type: ignore[assignment]  # resolved in __post_init__
    n_data: int | None = None
    seed: int = 0
    offset_mode: Literal["init", "every_step"] = "init"
    X: np.ndarray | None = field(default=None, repr=False)
    y: np.ndarray | None = field(default=None, repr=False)
    W1: np.ndarray | None = field(default=None, repr=False)
    W2: np.ndarray | None = field(default=None, repr=False)
    parameterisation: Parameterisation = "mean_field"
    batch_size: int | None = None
    batch_seed: int = 42

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {tuple(ACTIVATIONS)}, "
                f"got {self.activation!r}"
            )
        if self.offset_mode not in ("init", "every_step"):
            raise ValueError(
                f"offset_mode must be 'init' or 'every_step', got {self.offset_mode!r}"
            )
        if self.parameterisation not in PARAMETERISATIONS:
            raise ValueError(
                f"parameterisation must be one of {PARAMETERISATIONS}, "
                f"got {self.parameterisation!r}"
            )
        for name, ndim in zip(_ARRAYS, (2, 1, 2, 1), strict=True):
            if getattr(self, name) is not None:
                a = _user_array(getattr(self, name), name, ndim)
                object.__setattr__(self, name, a)
        X, y, W1, W2 = (getattr(self, a) for a in _ARRAYS)
        if (X is None) != (y is None):
            missing = "y" if y is None else "X"
            raise ValueError(f"{missing} is missing: X and y are given together")
        width = self.width
        if width is None:
            if W1 is None and W2 is None:
                raise TypeError("width is required (keyword) unless W1 or W2 is given")
            width = W1.shape[1] if W1 is not None else W2.shape[0]  # type: ignore[union-attr]
        if not _is_int(width) or not 1 <= width <= MAX_WIDTH:
            raise ValueError(
                f"width must be an integer in [1, {MAX_WIDTH}], got {width!r}"
            )
        n = int(width)
        object.__setattr__(self, "width", n)
        if X is not None:
            if y.shape[0] != X.shape[0]:  # type: ignore[union-attr]
                raise ValueError(
                    f"y must have len(X) = {X.shape[0]} entries, got {y.shape[0]}"  # type: ignore[union-attr]
                )
            d = X.shape[1]
        else:
            d = W1.shape[0] if W1 is not None else n
        if W1 is not None and W1.shape != (d, n):
            raise ValueError(
                f"W1 must have shape (d, width) = {(d, n)}, got {W1.shape}"
            )
        if W2 is not None and W2.shape != (n,):
            raise ValueError(f"W2 must have shape (width,) = {(n,)}, got {W2.shape}")
        if self.n_data is not None:
            if not _is_int(self.n_data) or self.n_data < 1:
                raise ValueError(
                    f"n_data must be None or an integer >= 1, got {self.n_data!r}"
                )
            if X is not None and self.n_data != X.shape[0]:
                raise ValueError(
                    f"n_data must be None or len(X) = {X.shape[0]} when X is given, "
                    f"got {self.n_data!r}"
                )
        if not _is_int(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if self.batch_size is not None and (
            not _is_int(self.batch_size) or self.batch_size < 1
        ):
            raise ValueError(
                f"batch_size must be None or an integer >= 1, got {self.batch_size!r}"
            )
        if not _is_int(self.batch_seed) or self.batch_seed < 0:
            raise ValueError(
                f"batch_seed must be an integer >= 0, got {self.batch_seed!r}"
            )
        object.__setattr__(self, "_d", int(d))
        object.__setattr__(self, "_key", json.dumps(self.params(), sort_keys=True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NetworkProblem):
            return NotImplemented
        return self._key == other._key  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key)  # type: ignore[attr-defined]

    def __setstate__(self, state: dict[str, Any]) -> None:
        for v in state.values():  # unpickled arrays come back writeable
            if isinstance(v, np.ndarray):
                v.flags.writeable = False
        self.__dict__.update(state)

    @property
    def input_dim(self) -> int:
        """Input dimension ``d`` (``X.shape[1]``)."""
        return self._d  # type: ignore[attr-defined]

    @property
    def data_size(self) -> int:
        """Number of training points ``N`` actually used."""
        if self.X is not None:
            return int(self.X.shape[0])
        if self.n_data is not None:
            return int(self.n_data)
        return self.width if self.activation == "identity" else self.n_params

    @property
    def n_params(self) -> int:
        """Number of weights, ``d * n + n``."""
        return self.input_dim * self.width + self.width

    def scales(self) -> tuple[float, float]:
        """The layer scales ``(s_in, s_out)`` of the ``parameterisation``.

        Returns
        -------
        (float, float)
            See :func:`scales_of`.
        """
        return scales_of(self.parameterisation, self.input_dim, self.width)

    def arrays(
        self, dtype: Any = np.float64
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The data and the initial weights (given, or drawn from ``seed``).

        Parameters
        ----------
        dtype : {numpy.float64, numpy.float32}
            Type of the returned arrays (float32: rounded from the float64 numbers).

        Returns
        -------
        X : ndarray, shape ``(N, d)``
            Inputs (``N = data_size``, ``d = input_dim``).
        y : ndarray, shape ``(N,)``
            Targets.
        W1 : ndarray, shape ``(d, n)``
            Input-layer weights (``n = width``).
        W2 : ndarray, shape ``(n,)``
            Output-layer weights.

        All four are new, writeable, C-contiguous arrays.

        Raises
        ------
        ValueError
            ``dtype`` not float64 or float32.
        """
        dt = _check_dtype(dtype)
        rng = np.random.default_rng(self.seed)
        n, d, N = self.width, self.input_dim, self.data_size
        shapes = {"W1": (d, n), "W2": (n,), "X": (N, d), "y": (N,)}
        out = {}
        for name in ("W1", "W2", "X", "y"):
            given = getattr(self, name)
            out[name] = rng.standard_normal(shapes[name]) if given is None else given
        return tuple(  # type: ignore[return-value]
            np.array(out[a], dtype=dt, order="C", copy=True) for a in _ARRAYS
        )

    def batches(self, steps: int) -> np.ndarray:
        """Row indices of the minibatch of each step (the paper's minibatch runs).

        One fixed sequence per ``batch_seed``, drawn with replacement (NumPy's PCG64,
        ``integers(0, N)``); a longer run extends a shorter one (the first ``steps``
        rows of the same sequence).

        Parameters
        ----------
        steps : int
            Number of steps, >= 1.

        Returns
        -------
        ndarray(int64), shape ``(steps, batch_size)``
            Row ``t`` holds the data rows of step ``t``'s gradient; shape ``(0, 0)``
            for full-batch GD (``batch_size=None``).

        Raises
        ------
        ValueError
            ``steps < 1``.
        """
        steps = _check_steps(steps)
        if self.batch_size is None:
            return np.zeros((0, 0), dtype=np.int64)
        rng = np.random.default_rng(self.batch_seed)
        return rng.integers(
            0, self.data_size, size=(steps, int(self.batch_size)), dtype=np.int64
        )

    def params(self) -> dict[str, Any]:
        """Every field that changes numbers, JSON-able (a cache key).

        Returns
        -------
        dict
            The scalar fields with ``width`` and ``n_data`` resolved, ``input_dim``,
            and each given array as ``"sha256:<hex>"`` of its shape, type and bytes
            (None when drawn from ``seed``).
        """
        out: dict[str, Any] = {
            "activation": self.activation,
            "width": int(self.width),
            "input_dim": self.input_dim,
            "n_data": self.data_size,
            "seed": int(self.seed),
            "offset_mode": self.offset_mode,
            "parameterisation": self.parameterisation,
            "batch_size": None if self.batch_size is None else int(self.batch_size),
            "batch_seed": int(self.batch_seed),
        }
        for name in _ARRAYS:
            a = getattr(self, name)
            out[name] = None if a is None else _digest(a)
        return out


# -------------------------------------------------------------------------- plain numpy
def forward_loss(
    activation: Activation,
    X: np.ndarray,
    y: np.ndarray,
    W1: np.ndarray,
    W2: np.ndarray,
    *,
    parameterisation: Parameterisation = "mean_field",
) -> float:
    """Loss of one network, NumPy, ``mean((s_out phi(s_in X W1) W2 - y)**2)``.

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
    parameterisation : {"mean_field", "ntk", "standard"}
        The scales ``s_in, s_out`` (:func:`scales_of`; mean field: ``1/sqrt(d)``,
        ``1/n``).

    Returns
    -------
    float
        The mean squared error.
    """
    s_in, s_out = scales_of(parameterisation, X.shape[1], W2.shape[0])
    h = _phi(activation, X @ W1 * s_in)
    f = h @ W2 * s_out
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

    Same network, data, parameterisation, minibatches and measure as
    :func:`run_points`; once a loss or a weight is non-finite the remaining losses count
    as non-finite (the library's rule). NumPy's tanh and BLAS differ from the kernel in
    the last bits, so chaotic runs near the boundary can end differently.

    Parameters
    ----------
    problem : NetworkProblem
        Network, data, initial weights and batch sequence.
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
        ``return_losses`` the full-batch losses before each update, shape ``(steps,)``
        (``inf`` after the run turned non-finite).

    Raises
    ------
    ValueError
        Negative or non-finite rates, a non-finite offset or ``steps < 1``.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184): its training loop and measure.
    """
    lr1, lr2, offset = _check_rate(lr1, "lr1"), _check_rate(lr2, "lr2"), float(offset)
    if not math.isfinite(offset):
        raise ValueError(f"offset must be finite, got {offset!r}")
    steps = _check_steps(steps)
    X, y, W1, W2 = problem.arrays()
    s_in, s_out = problem.scales()
    batches = problem.batches(steps)
    act = problem.activation
    every = problem.offset_mode == "every_step"
    if not every:
        W1 = W1 + offset
    losses = np.full(steps, np.inf)
    with np.errstate(all="ignore"):
        for t in range(steps):
            if every:
                W1 = W1 + offset
            z = X @ W1 * s_in
            h = _phi(act, z)
            e = h @ W2 * s_out - y
            loss = float(np.mean(e * e))
            if not (
                math.isfinite(loss) and np.isfinite(W1).all() and np.isfinite(W2).all()
            ):
                break
            losses[t] = loss
            if batches.shape[0]:  # the gradient on this step's minibatch
                rows = batches[t]
                Xb, zb, hb, eb = X[rows], z[rows], h[rows], e[rows]
            else:
                Xb, zb, hb, eb = X, z, h, e
            c = 2.0 / eb.shape[0] * s_out
            g2 = hb.T @ eb * c
            dz = np.outer(eb, W2) * _phi_prime(act, zb, hb) * c
            g1 = Xb.T @ dz * s_in
            W1 = W1 - lr1 * g1
            W2 = W2 - lr2 * g2
    m = convergence_measure(losses)
    return (m, losses) if return_losses else m


# ---------------------------------------------------------------------- kernel wrappers
def _check_steps(steps: int) -> int:
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    return int(steps)


def _check_rate(lr: float, name: str) -> float:
    v = float(lr)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {lr!r}")
    return v


def _check_dtype(dtype: Any) -> type:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    return dt.type


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
    """Full-batch loss and gradients of the network ``(W1, W2)`` on ``problem``'s data.

    Computed by the same kernel arithmetic that trains the grid (float64), with the
    problem's parameterisation.

    Parameters
    ----------
    problem : NetworkProblem
        Network and data (its initial weights are not used).
    W1 : ndarray, shape ``(d, n)``
        Input-layer weights.
    W2 : ndarray, shape ``(n,)``
        Output-layer weights.

    Returns
    -------
    loss : float
        Mean squared error over all ``N`` rows.
    dW1 : ndarray, shape ``(d, n)``
        Gradient with respect to ``W1``.
    dW2 : ndarray, shape ``(n,)``
        Gradient with respect to ``W2``.

    Raises
    ------
    ValueError
        Weights of the wrong shape.
    """
    X, y, _, _ = problem.arrays()
    d, n = problem.input_dim, problem.width
    W1 = np.ascontiguousarray(W1, dtype=np.float64)
    W2 = np.ascontiguousarray(W2, dtype=np.float64)
    if W1.shape != (d, n) or W2.shape != (n,):
        raise ValueError(
            f"W1 must have shape {(d, n)} and W2 {(n,)}, got {W1.shape}, {W2.shape}"
        )
    s_in, s_out = problem.scales()
    loss, dW1, dW2 = K.loss_grad_one(
        ACTIVATIONS[problem.activation], X, y, W1, W2, s_in, s_out
    )
    return float(loss), dW1, dW2


def run_points(
    problem: NetworkProblem,
    lr1: Any,
    lr2: Any,
    *,
    offset: Any = None,
    steps: int = 500,
    parallel: bool = True,
    dtype: str = "float64",
    backend: str = "numba",
) -> tuple[np.ndarray, np.ndarray]:
    """Train one network per entry of ``lr1, lr2`` (and ``offset``); the batched kernel.

    Parameters
    ----------
    problem : NetworkProblem
        Network, data, initial weights and batch sequence.
    lr1, lr2 : array_like
        Learning rates of the input and output layer (finite, >= 0), same length.
    offset : array_like, optional
        Input-layer weight offsets (default 0).
    steps : int
        GD steps per network.
    parallel : bool
        Numba: use all cores; pass False inside an executor's threads. Torch uses its
        own thread pool (or the GPU) either way.
    dtype : {"float64", "float32"}
        Arithmetic of the training (float32: data, weights and updates in float32, the
        measure accumulated in float64). Rounding differs, so points near the boundary
        can change sides: float32 shows how the finest structure depends on precision.
    backend : {"numba", "torch"}
        The numba kernel on the CPU, or the same computation in torch
        (the private module ``_net_torch``) on
        :func:`fractal_lib.nets.torchtools.device` (CUDA when torch sees a GPU,
        ``FRACTAL_DEVICE`` overrides). Torch's numbers equal the kernel's up to
        rounding (its ``tanh`` and summation order differ), so a few points next to
        the boundary can change sides; its last bits also depend on which points
        train together (see that module's docstring).

    Returns
    -------
    measure : ndarray(float64)
        The convergence measure (< 0 converged, > 0 diverged).
    steps_run : ndarray(int64)
        Steps computed per network (divergent runs stop at the first non-finite loss).

    Raises
    ------
    TypeError
        ``problem`` not a :class:`NetworkProblem`.
    ValueError
        Rates or offsets empty, of different lengths, negative or not finite;
        ``steps < 1``; unknown ``dtype`` or ``backend``.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184): its training runs, one per pixel.
    """
    if not isinstance(problem, NetworkProblem):
        raise TypeError("problem must be a NetworkProblem")
    a1 = _rates(lr1, "lr1")
    a2 = _rates(lr2, "lr2", a1.size)
    if np.any(a1 < 0) or np.any(a2 < 0):
        raise ValueError("learning rates lr1, lr2 must be >= 0")
    off = np.zeros(a1.size) if offset is None else _rates(offset, "offset", a1.size)
    steps = _check_steps(steps)
    dt = _check_dtype(dtype)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    X, y, W1, W2 = problem.arrays(dt)
    s_in, s_out = problem.scales()
    _check_initial_loss(problem, X, y, W1, W2, s_in, s_out)
    args = (
        ACTIVATIONS[problem.activation],
        X,
        y,
        W1,
        W2,
        a1,
        a2,
        off,
        problem.offset_mode == "every_step",
        steps,
        s_in,
        s_out,
        problem.batches(steps),
    )
    if backend == "torch":
        from . import _net_torch  # torch is imported only here

        measure, done = _net_torch.run_grid(*args)
    else:
        measure, done = K.run_grid(*args, bool(parallel))
    bad = ~np.isfinite(measure)
    if bad.any():  # an offset gave some network a zero or non-finite initial loss
        raise ValueError(
            f"{int(bad.sum())} networks have no convergence measure: their initial "
            "loss (with the offset applied) is 0 or not finite, and the measure "
            f"normalises by it (first at offset={float(off[np.argmax(bad)])!r})"
        )
    return measure, done


def _check_initial_loss(
    problem: NetworkProblem,
    X: np.ndarray,
    y: np.ndarray,
    W1: np.ndarray,
    W2: np.ndarray,
    s_in: float,
    s_out: float,
) -> None:
    """ValueError unless the initial full-batch loss is finite and > 0 (the
    convergence measure divides by it)."""
    loss, _, _ = K.loss_grad_one(
        ACTIVATIONS[problem.activation], X, y, W1, W2, s_in, s_out
    )
    if not (math.isfinite(loss) and loss > 0):
        raise ValueError(
            f"problem: the initial loss is {loss!r}; the convergence measure "
            "normalises every loss by it, so it must be finite and > 0 (the initial "
            "network already fits y exactly, or the data overflow)"
        )


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
        Network, data, initial weights and batch sequence.
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
        check_int(self.level, "window level", 0, 40)
        for name in ("ix", "iy"):
            check_int(getattr(self, name), f"window {name}", 0, (1 << self.level) - 1)

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
        if g > 52:
            raise ValueError(
                f"level + log2_res must be <= 52 (grid indices exact in float64), got "
                f"{self.level} + {log2_res}"
            )
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
    """``log2_res`` (grids of ``2**log2_res + 1`` points per side), checked."""
    return check_int(log2_res, "log2_res", 1, MAX_LOG2_RES)


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
    return _point_rates(plane, X.ravel(), Y.ravel())


def _point_rates(
    plane: str, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lr1, lr2, offset)`` of the points ``(x[i], y[i])`` (the same numbers as
    :func:`plane_rates` gives for them on a grid)."""
    if plane == "lr_vs_lr":
        return 10.0**x, 10.0**y, np.zeros_like(x)
    lr = 10.0**y
    return lr, lr.copy(), x.copy()


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
    exact : ndarray(bool), shape ``(ny, nx)``, optional
        True where the point was computed (an adaptive :func:`render`); None: every
        point was computed. Elsewhere the measure is filled from the coarser level
        (see :func:`render`).
    points_computed : int, optional
        Grid points computed (default: ``exact.sum()``, or every point).
    dtype : str
        Floating-point type of the training (``"float64"`` or ``"float32"``).
    """

    problem: NetworkProblem
    plane: str
    window: Window
    log2_res: int
    steps: int
    measure: np.ndarray
    steps_run: int
    seconds: float
    exact: np.ndarray | None = None
    points_computed: int | None = None
    dtype: str = "float64"

    def __post_init__(self) -> None:
        if self.points_computed is None:
            self.points_computed = int(
                self.measure.size if self.exact is None else np.sum(self.exact)
            )

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

        On an adaptive image every such block has its four corners computed (see
        :func:`render`), so box counts rest on exact outcomes.

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
    dtype: str,
    backend: str,
    parallel: bool,
) -> dict:
    xs, ys = window.coords(log2_res)
    lr1, lr2, off = plane_rates(plane, xs, ys[r0:r1])  # type: ignore[arg-type]
    m, done = run_points(
        problem,
        lr1,
        lr2,
        offset=off,
        steps=steps,
        parallel=parallel,
        dtype=dtype,
        backend=backend,
    )
    return {"measure": m.reshape(r1 - r0, xs.size), "steps_run": np.array(done.sum())}


def _points_job(
    problem: NetworkProblem,
    plane: str,
    window: Window,
    log2_res: int,
    steps: int,
    rows: np.ndarray,
    cols: np.ndarray,
    dtype: str,
    backend: str,
    parallel: bool,
) -> dict:
    xs, ys = window.coords(log2_res)
    lr1, lr2, off = _point_rates(plane, xs[cols], ys[rows])
    m, done = run_points(
        problem,
        lr1,
        lr2,
        offset=off,
        steps=steps,
        parallel=parallel,
        dtype=dtype,
        backend=backend,
    )
    index = rows.astype(np.int64) * xs.size + cols
    return {"measure": m, "steps_run": done.astype(np.int64), "index": index}


_POINTS_SPEC = {"measure": ((), "f"), "steps_run": ((), "iu"), "index": ((), "iu")}


def _render_points(
    problem: NetworkProblem,
    plane: str,
    window: Window,
    log2_res: int,
    steps: int,
    dtype: str,
    backend: str,
    store: Any,
    rows: np.ndarray,
    cols: np.ndarray,
    chunk: int,
    run: dict[str, Any],
) -> tuple[np.ndarray, int, float]:
    """The measure at the points ``(rows, cols)`` of the grid, in cached chunks of
    ``chunk`` points; returns it with the steps run and the seconds spent."""
    side = (1 << log2_res) + 1
    index = rows * side + cols
    bounds = [(i, min(i + chunk, rows.size)) for i in range(0, rows.size, chunk)]
    results: dict[tuple[int, int], dict] = {}
    todo = []
    for b in bounds:
        hit = read_chunk(store, b, _POINTS_SPEC)
        if hit is not None and not np.array_equal(hit["index"], index[b[0] : b[1]]):
            warn_damaged(
                f"cache entry of other points treated as missing and recomputed: "
                f"chunk {b} of {getattr(store, 'folder', store)}"
            )
            hit = None
        if hit is None:
            todo.append(b)
        else:
            results[b] = hit
    seconds = run_chunks(
        _points_job,
        todo,
        store,
        results,
        lambda b: (
            problem,
            plane,
            window,
            log2_res,
            steps,
            rows[b[0] : b[1]],
            cols[b[0] : b[1]],
            dtype,
            backend,
        ),
        executor=run["executor"],
        desc=run["desc"],
        progress=run["progress"],
    )
    measure = np.concatenate([results[b]["measure"] for b in bounds])
    steps_run = sum(int(results[b]["steps_run"].sum()) for b in bounds)
    return measure, steps_run, seconds


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
    dtype: str = "float64",
    backend: str = "numba",
    adaptive: bool = False,
    base_log2_res: int | None = None,
    guard: int = 4,
    dense: float = 0.5,
) -> NetImage:
    """Train one network per grid point of ``window``; return the convergence measure.

    With ``adaptive=True`` only the points near the trainability boundary are trained
    (:func:`fractal_lib.boundaries.adaptive.refine_sign_field`): the grid of level
    ``base_log2_res`` is computed in full, then every cell whose corners hold both
    outcomes (and ``guard`` cells around it) is split, level by level, and boundaries
    found at a level are traced along it. Guaranteed: every boundary pixel of the
    result (:meth:`NetImage.edges`, a ``2 x 2`` block with both signs) has its four
    corners computed, so box counts and :func:`best_child` rest on exact outcomes;
    ``NetImage.exact`` marks the computed points. Not guaranteed: boundary that never
    changes the sign of a computed or filled corner (an island smaller than a cell of
    the base level, away from refined cells, or a thin finger between two corners) is
    missed; ``benchmarks/adaptive_render_study.py`` measures how often (rows kept in
    ``benchmarks/recorded/adaptive_render_study.json``; tanh, 257^2, 200 steps,
    boundary pixels missed with guard 1 / 2: root window 1.2% / 0%, first zoom
    7.9% / 1.2%, second zoom 14.8% / 3.4% with ``dense=1``; at 513^2 the root window
    loses 11.6% / 8.7% with guard 1 / 2 and none with guard 4, at 9% of the points
    computed; hence the default ``guard=4``). A level whose refined cells cover more
    than ``dense`` of it is computed in full, so frames where the boundary is dense are
    exact (the second zoom with the default ``dense=0.5``: computed in full, nothing
    missed). The measure at points not computed is the bilinear interpolation of the
    next coarser level (the shading of a uniform region comes from the coarser level;
    its sign is that of the enclosing cell's corners), so colour it knowing that.

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
        points); an adaptive render uses chunks of ``chunk_rows * (2**log2_res + 1)``
        points of each level.
    cache : ResultCache or bool
        True: the default on-disk cache; False: compute everything; or a specific cache.
        An adaptive render caches each chunk of each level, so an interrupted render
        resumes.
    progress : bool, optional
        tqdm bar over chunks (default: when more than one chunk must be computed).
    dtype : {"float64", "float32"}
        Floating-point type of the training (:func:`run_points`).
    backend : {"numba", "torch"}
        Kernel that trains (:func:`run_points`).
    adaptive : bool
        Compute only near the boundary (see above).
    base_log2_res : int, optional
        Adaptive: level computed in full, ``0 .. log2_res`` (default
        ``max(0, log2_res - 4)``, every 16th point per side).
    guard : int
        Adaptive: cells around each two-signed cell refined too, ``>= 0``.
    dense : float
        Adaptive: fraction in ``(0, 1]`` of a level's cells above which the whole
        level is computed.

    Returns
    -------
    NetImage
        The measure on the ``(2**log2_res + 1)**2`` grid (with ``exact`` when
        adaptive).

    Raises
    ------
    TypeError
        ``problem`` or ``window`` of the wrong type.
    ValueError
        ``log2_res``, ``steps``, ``plane``, ``chunk_rows``, ``dtype``, ``backend``,
        ``base_log2_res``, ``guard`` or ``dense`` invalid.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), its images of the learning-rate planes.
    """
    if not isinstance(problem, NetworkProblem):
        raise TypeError("problem must be a NetworkProblem")
    if not isinstance(window, Window):
        raise TypeError("window must be a Window")
    log2_res = _check_res(log2_res)
    window.coords(log2_res)  # refuses grids finer than float64's integers, up front
    steps = _check_steps(steps)
    if plane not in PLANES:
        raise ValueError(f"plane must be one of {PLANES}, got {plane!r}")
    dtype = np.dtype(_check_dtype(dtype)).name
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    side = (1 << log2_res) + 1
    if chunk_rows is None:
        chunk_rows = max(1, 4096 // side)
    chunk_rows = check_int(chunk_rows, "chunk_rows", 1)
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
        "dtype": dtype,
        "backend": backend,
    }
    _check_adaptive(log2_res, base_log2_res, guard, dense)
    desc = f"{problem.activation} {plane}"
    if adaptive:
        return _render_adaptive(
            problem,
            window,
            plane,
            log2_res,
            steps,
            dtype,
            backend,
            store_root,
            params,
            {"executor": executor, "progress": progress, "desc": desc},
            base_log2_res,
            guard,
            dense,
        )
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
        lambda b: (problem, plane, window, log2_res, steps, *b, dtype, backend),
        executor=executor,
        desc=desc,
        progress=progress,
    )
    measure = np.concatenate([results[b]["measure"] for b in bounds], axis=0)
    steps_run = sum(int(results[b]["steps_run"]) for b in bounds)
    return NetImage(
        problem,
        plane,
        window,
        log2_res,
        steps,
        measure,
        steps_run,
        seconds,
        dtype=dtype,
    )


def _check_adaptive(
    log2_res: int, base_log2_res: int | None, guard: int, dense: float
) -> None:
    """The adaptive settings of :func:`render`, checked whether or not they are
    used."""
    if base_log2_res is not None:
        check_int(base_log2_res, "base_log2_res", 0, log2_res)
    check_int(guard, "guard", 0)
    if (
        isinstance(dense, bool)
        or not isinstance(dense, float | int | np.floating | np.integer)
        or not 0 < dense <= 1
    ):
        raise ValueError(f"dense must be a number in (0, 1], got {dense!r}")


def _render_adaptive(
    problem: NetworkProblem,
    window: Window,
    plane: str,
    log2_res: int,
    steps: int,
    dtype: str,
    backend: str,
    store_root: ResultCache,
    params: dict[str, Any],
    run: dict[str, Any],
    base_log2_res: int | None,
    guard: int,
    dense: float,
) -> NetImage:
    """The adaptive branch of :func:`render` (arguments checked there)."""
    if base_log2_res is None:
        base_log2_res = max(0, log2_res - 4)
    side = (1 << log2_res) + 1
    chunk = params["chunk_rows"] * side
    total = {"steps_run": 0, "seconds": 0.0}

    def evaluate(rows: np.ndarray, cols: np.ndarray, level: int, rnd: int) -> Any:
        key = {
            **params,
            "base_log2_res": base_log2_res,
            "guard": guard,
            "dense": dense,
            "level": level,
            "round": rnd,
        }
        store = store_root.chunks("netgrid_adaptive", key, CODE_VERSION)
        stage = {**run, "desc": f"{run['desc']} level {level}.{rnd}"}
        args = (problem, plane, window, log2_res, steps, dtype, backend, store)
        m, done, sec = _render_points(*args, rows, cols, chunk, stage)
        total["steps_run"] += done
        total["seconds"] += sec
        return m

    field_ = adaptive.refine_sign_field(
        evaluate, log2_res, base_log2_res=base_log2_res, guard=guard, dense=dense
    )
    return NetImage(
        problem,
        plane,
        window,
        log2_res,
        steps,
        field_.values,
        int(total["steps_run"]),
        float(total["seconds"]),
        exact=field_.exact,
        dtype=dtype,
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
        Go to :func:`render` (``executor``, ``cache``, ``progress``, ``dtype``,
        ``backend``, ``adaptive``, ``base_log2_res``, ``guard``...). With
        ``adaptive=True`` each zoom picks the child from the adaptive image's boundary
        pixels, which all rest on computed points.

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
    log2_res = _check_res(log2_res)
    n_zooms = check_int(n_zooms, "n_zooms", 0)
    zoom_log2 = check_int(zoom_log2, "zoom_log2", 1, log2_res)
    if window.level + n_zooms * zoom_log2 > 40:
        raise ValueError(
            f"n_zooms * zoom_log2 = {n_zooms * zoom_log2} zooms past the deepest "
            f"window level 40 from level {window.level}"
        )
    if window.level + n_zooms * zoom_log2 + log2_res > 52:
        raise ValueError(
            f"the last frame's level + log2_res = "
            f"{window.level + n_zooms * zoom_log2 + log2_res} must be <= 52 (grid "
            "indices exact in float64)"
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
