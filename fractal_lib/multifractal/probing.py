"""Directional probing of a torch model's loss at finite scales (Török & Bartha's
response).

For a model with weights :math:`w`, a loss :math:`L` on a *fixed* batch and unit
directions :math:`d_i`, the second-order finite-scale response is

.. math::

    R_i(\\varepsilon) = \\big|L(w + \\varepsilon d_i) + L(w - \\varepsilon d_i)
    - 2 L(w)\\big|,

and the first-order one :math:`R^{(1)}_i(\\varepsilon) =
\\tfrac12 |L(w + \\varepsilon d_i) - L(w - \\varepsilon d_i)|`.
For a smooth loss :math:`R_i \\approx \\varepsilon^2\\, d_i^\\top H d_i` at small
:math:`\\varepsilon`. :func:`probe` evaluates both for a bank of seeded directions and a
set of scales and returns them as arrays ``(n_dirs, n_scales)`` for
:mod:`fractal_lib.multifractal.measures`.

Directions ("tensor-normalised", as in the authors' code): for every trainable tensor
:math:`p_k` (convolutions, linear layers *and* BatchNorm weights and biases) a Gaussian
:math:`z_k` is rescaled to :math:`\\lVert p_k\\rVert`, then the whole direction is
scaled to unit norm, so :math:`\\varepsilon` is an absolute Euclidean step. Direction
``j`` of bank ``b`` uses the seed ``seed + 100000 (b + 1) + j`` (the authors' rule), so
a direction does not depend on how many others are drawn, and smaller runs use a subset
of the directions of larger ones.

Numerics. ``protocol="fresh"`` (default) sets every perturbed weight to ``w + eps d``
computed from a stored copy of ``w`` and evaluates a *private copy* of the model in
``dtype`` (float64 by default), so rounding never accumulates and the caller's model is
never touched. ``protocol="inplace"`` imitates the authors' float32 code: the
perturbation is applied in place as ``+eps, -2 eps, +eps`` and never restored between
directions, so rounding drift accumulates. In float32 the smallest scales sit on the
precision floor (second differences of a float32 loss are quantised at about
``1e-7 L``); :func:`~fractal_lib.multifractal.plotting.plot_precision_floor` shows
where.

Everything evaluates the model with BatchNorm in eval mode (running statistics are
buffers and are not perturbed). Probing costs ``2 n_scales n_dirs + 1`` forward passes
of the probe batch; the result records the time taken (:attr:`ProbeResult.seconds`). The
passes run one after another on one thread: batching perturbed parameter sets with
``torch.func.vmap`` turns every convolution into a grouped convolution, which on the CPU
was not faster (ResNet-18 of width 4, 32 images, float64: 86 ms per pass with vmap over
32 sets against 73 ms in a loop), and for these small tensors one thread beats two on a
shared CPU. On two shared cores a width-4 ResNet-18 checkpoint (44,550 parameters) is
probed along 48 directions at 7 scales (673 passes of 32 images) in about a minute.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import inspect
import math
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import CodeType, ModuleType
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..core.cache import ResultCache, code_version_of, default_cache
from ..core.checks import EstimatorWarning, warn_limit
from ..core.config import progress_enabled
from ..nets import hessian, training
from ..nets.directions import random_directions
from ..nets.torchtools import num_threads

#: Code version entering this module's cache keys
#: (:func:`~fractal_lib.core.cache.code_version_of`).
CODE_VERSION = code_version_of(__name__)

#: A loss ``loss(outputs, targets)`` returning a scalar tensor.
LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
#: How perturbed weights are formed (``"fresh"`` or ``"inplace"``).
Protocol = Literal["fresh", "inplace"]
#: Seed offset between direction banks (:func:`direction_seeds`).
BANK_SEED_STRIDE = 100_000
_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def direction_seeds(
    n_directions: int, *, seed: int = 0, bank_size: int | None = None
) -> np.ndarray:
    """Seeds of directions ``0 .. n_directions - 1`` (the authors' rule).

    Direction ``j`` of bank ``b`` gets ``seed + 100000 (b + 1) + j``, so a direction
    does not depend on how many others are drawn.

    Parameters
    ----------
    n_directions : int
        Number of directions (>= 1).
    seed : int
        Base seed.
    bank_size : int, optional
        Directions per bank (>= 1); one bank by default.

    Returns
    -------
    ndarray of int, shape (n_directions,)
        The seeds.

    Raises
    ------
    ValueError
        ``n_directions`` or ``bank_size`` not an integer >= 1.

    References
    ----------
    Török, G. & Bartha, F. A. Multifractal structure of neural network loss landscapes
    (abstract and public code: the seed rule).
    """
    if not isinstance(n_directions, int | np.integer) or n_directions < 1:
        raise ValueError(f"n_directions must be an integer >= 1, got {n_directions!r}")
    size = int(n_directions) if bank_size is None else int(bank_size)
    if size < 1:
        raise ValueError(f"bank_size must be an integer >= 1, got {bank_size!r}")
    i = np.arange(int(n_directions))
    return int(seed) + BANK_SEED_STRIDE * (i // size + 1) + i % size


def check_scales(scales: Sequence[float] | np.ndarray) -> np.ndarray:
    """Validate probing scales: a non-empty 1-D array of distinct finite numbers > 0.

    Parameters
    ----------
    scales : sequence of float
        Step lengths ``eps`` (Euclidean norm in weight space).

    Returns
    -------
    ndarray, shape (n_scales,)
        The scales as float64.

    Raises
    ------
    ValueError
        Empty, not 1-D, non-finite, non-positive or repeated scales.
    """
    e = np.atleast_1d(np.asarray(scales, dtype=np.float64))
    if e.ndim != 1 or e.size == 0:
        raise ValueError("scales must be a non-empty 1-D sequence of numbers > 0")
    if not np.all(np.isfinite(e)) or np.any(e <= 0):
        raise ValueError(f"scales must be finite and > 0, got {e.tolist()}")
    if np.unique(e).size != e.size:
        raise ValueError("scales must be distinct")
    return e


@dataclass(frozen=True)
class ProbeResult:
    """Responses of one model at one set of weights.

    Attributes
    ----------
    R : ndarray (n_dirs, n_scales)
        Second-order responses ``|L(w + eps d) + L(w - eps d) - 2 L(w)|``.
    R1 : ndarray (n_dirs, n_scales)
        First-order responses ``|L(w + eps d) - L(w - eps d)| / 2``.
    scales : ndarray (n_scales,)
        Step lengths ``eps`` (Euclidean norm in weight space).
    seeds : ndarray (n_dirs,)
        Seed of every direction.
    base_loss : float
        ``L(w)`` on the probe batch.
    dtype : str
        ``"float32"`` or ``"float64"``, the precision of the evaluation.
    protocol : str
        ``"fresh"`` or ``"inplace"``.
    n_params : int
        Number of perturbed parameters.
    n_evals : int
        Forward passes of the probe batch.
    seconds : float
        Wall time of the probe (directions and evaluations).
    """

    R: np.ndarray
    R1: np.ndarray
    scales: np.ndarray
    seeds: np.ndarray
    base_loss: float
    dtype: str
    protocol: str
    n_params: int
    n_evals: int
    seconds: float

    @property
    def seconds_per_eval(self) -> float:
        """Wall time per forward pass of the probe batch (s)."""
        return self.seconds / max(self.n_evals, 1)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for :class:`fractal_lib.core.cache.ResultCache` (no pickling).

        Returns
        -------
        dict of str to ndarray
            One entry per field (scalars as 0-d arrays); :meth:`from_arrays` inverts it.
        """
        return {
            "R": self.R,
            "R1": self.R1,
            "scales": self.scales,
            "seeds": self.seeds,
            "base_loss": np.float64(self.base_loss),
            "dtype": np.str_(self.dtype),
            "protocol": np.str_(self.protocol),
            "n_params": np.int64(self.n_params),
            "n_evals": np.int64(self.n_evals),
            "seconds": np.float64(self.seconds),
        }

    @classmethod
    def from_arrays(cls, a: Mapping[str, np.ndarray]) -> ProbeResult:
        """Rebuild a result from :meth:`to_arrays` output.

        Parameters
        ----------
        a : mapping of str to ndarray
            The arrays, keyed by field name.

        Returns
        -------
        ProbeResult
            The result.
        """
        return cls(
            np.asarray(a["R"]),
            np.asarray(a["R1"]),
            np.asarray(a["scales"]),
            np.asarray(a["seeds"]),
            float(a["base_loss"]),
            str(a["dtype"]),
            str(a["protocol"]),
            int(a["n_params"]),
            int(a["n_evals"]),
            float(a["seconds"]),
        )


def _prepare(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    dtype: torch.dtype,
    state_dict: Mapping[str, torch.Tensor] | None,
) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if len(x) == 0 or len(x) != len(y):
        raise ValueError("x and y must be non-empty with the same length")
    m = copy.deepcopy(model)
    if state_dict is not None:
        m.load_state_dict(state_dict)
    m = m.to(device="cpu" if x.device.type == "cpu" else x.device, dtype=dtype).eval()
    for p in m.parameters():
        p.requires_grad_(False)
    xx = x.to(device=next(m.parameters()).device, dtype=dtype)
    yy = y.to(device=xx.device)
    return m, xx, yy


def probe(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    scales: Sequence[float] | np.ndarray,
    *,
    n_directions: int,
    seed: int = 0,
    bank_size: int | None = None,
    dtype: str | torch.dtype = "float64",
    protocol: Protocol = "fresh",
    loss: LossFunction = nn.functional.cross_entropy,
    state_dict: Mapping[str, torch.Tensor] | None = None,
    threads: int | None = 1,
    progress: bool = True,
) -> ProbeResult:
    """Second- and first-order responses of ``model`` on the fixed batch ``(x, y)``.

    Parameters
    ----------
    model : nn.Module
        The network (never modified: a private copy is probed).
    x, y : Tensor
        The fixed probe batch (inputs and targets).
    scales : sequence of float
        Step lengths ``eps`` (> 0, distinct); the directions have unit norm.
    n_directions : int
        Number of directions (>= 1).
    seed : int
        Base seed; see :func:`direction_seeds`.
    bank_size : int, optional
        Directions per bank for the seed rule (default: one bank).
    dtype : {"float64", "float32"}
        Precision of the weights and of every evaluation.
    protocol : {"fresh", "inplace"}
        ``"fresh"``: each perturbed weight is ``w + eps d`` from a stored copy.
        ``"inplace"``: the authors' accumulate-in-place updates (``+eps, -2eps, +eps``,
        never restored).
    loss : callable
        ``loss(model(x), y)`` returns the scalar loss (default: mean cross-entropy).
    state_dict : mapping, optional
        Load these weights (a training checkpoint) into the copy first.
    threads : int, optional
        Torch intra-op threads during the probe (default 1: the probe batch is small,
        one thread is fastest on a shared CPU and keeps every reduction in the same
        order); ``None`` keeps torch's setting.
    progress : bool
        Show a tqdm bar over directions (also subject to ``FRACTAL_PROGRESS``).

    Returns
    -------
    ProbeResult
        ``R`` and ``R1`` of shape ``(n_directions, n_scales)``, in loss units.

    Raises
    ------
    ValueError
        Bad ``scales``, ``n_directions``, ``bank_size``, ``protocol`` or ``dtype``;
        ``model`` not a module; empty or mismatched ``x``, ``y``.

    References
    ----------
    Török, G. & Bartha, F. A. Multifractal structure of neural network loss landscapes
    (abstract and public code: the response, the tensor-normalised directions and the
    ``"inplace"`` protocol).
    """
    with contextlib.nullcontext() if threads is None else num_threads(threads):
        return _probe(
            model,
            x,
            y,
            scales,
            n_directions=n_directions,
            seed=seed,
            bank_size=bank_size,
            dtype=dtype,
            protocol=protocol,
            loss=loss,
            state_dict=state_dict,
            progress=progress,
        )


def _probe(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    scales: Sequence[float] | np.ndarray,
    *,
    n_directions: int,
    seed: int,
    bank_size: int | None,
    dtype: str | torch.dtype,
    protocol: Protocol,
    loss: LossFunction,
    state_dict: Mapping[str, torch.Tensor] | None,
    progress: bool,
) -> ProbeResult:
    eps = check_scales(scales)
    seeds = direction_seeds(n_directions, seed=seed, bank_size=bank_size)
    if protocol not in ("fresh", "inplace"):
        raise ValueError(f"protocol must be 'fresh' or 'inplace', got {protocol!r}")
    if isinstance(dtype, str):
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {tuple(_DTYPES)}, got {dtype!r}")
        tdtype = _DTYPES[dtype]
    elif dtype in (torch.float32, torch.float64):
        tdtype = dtype
    else:
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    t0 = time.perf_counter()
    m, xx, yy = _prepare(model, x, y, tdtype, state_dict)
    params = [p for p in m.parameters()]
    base = [p.detach().clone() for p in params]
    n_params = sum(p.numel() for p in params)

    @torch.no_grad()
    def value() -> float:
        out = float(loss(m(xx), yy))
        return out if math.isfinite(out) else math.inf

    n_dirs, n_sc = seeds.size, eps.size
    lp = np.empty((n_dirs, n_sc))
    lm = np.empty((n_dirs, n_sc))
    l0 = value()
    bar = tqdm(
        total=n_dirs,
        desc="probing",
        disable=not (progress and progress_enabled()),
        leave=False,
    )
    with torch.no_grad():
        for i, s in enumerate(seeds):
            d = random_directions(
                params,
                1,
                normalize="tensor",
                unit_norm=True,
                seed=int(s),
                reference=base,
            )[0]
            for k, e in enumerate(eps):
                if protocol == "fresh":
                    for p, b, dk in zip(params, base, d, strict=True):
                        torch.add(b, dk, alpha=float(e), out=p.data)
                    lp[i, k] = value()
                    for p, b, dk in zip(params, base, d, strict=True):
                        torch.add(b, dk, alpha=-float(e), out=p.data)
                    lm[i, k] = value()
                else:
                    for p, dk in zip(params, d, strict=True):
                        p.data.add_(dk, alpha=float(e))
                    lp[i, k] = value()
                    for p, dk in zip(params, d, strict=True):
                        p.data.add_(dk, alpha=-2.0 * float(e))
                    lm[i, k] = value()
                    for p, dk in zip(params, d, strict=True):
                        p.data.add_(dk, alpha=float(e))
            bar.update(1)
    bar.close()
    with np.errstate(invalid="ignore"):
        R = np.abs(lp + lm - 2.0 * l0)
        R1 = 0.5 * np.abs(lp - lm)
    R = np.where(np.isfinite(R), R, np.inf)
    seconds = time.perf_counter() - t0
    return ProbeResult(
        R,
        R1,
        eps,
        seeds,
        l0,
        "float64" if tdtype == torch.float64 else "float32",
        protocol,
        n_params,
        1 + 2 * n_dirs * n_sc,
        seconds,
    )


def quadratic_form(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    n_directions: int,
    seed: int = 0,
    bank_size: int | None = None,
    loss: LossFunction = nn.functional.cross_entropy,
    state_dict: Mapping[str, torch.Tensor] | None = None,
) -> np.ndarray:
    """Exact curvature ``d_i^T H d_i`` along the same directions as :func:`probe`.

    One Hessian-vector product each, in float64, so that
    ``R_i(eps) -> eps**2 d_i^T H d_i`` can be checked.

    Parameters
    ----------
    model : nn.Module
        The network (never modified: a private copy is used).
    x, y : Tensor
        The fixed probe batch.
    n_directions : int
        Number of directions (>= 1).
    seed : int
        Base seed (:func:`direction_seeds`).
    bank_size : int, optional
        Directions per bank for the seed rule.
    loss : callable
        ``loss(model(x), y)``, the scalar loss.
    state_dict : mapping, optional
        Weights to load into the copy first.

    Returns
    -------
    ndarray, shape (n_directions,)
        ``d_i^T H d_i`` (loss units per squared unit step).

    Raises
    ------
    ValueError
        Bad ``n_directions`` or ``bank_size``, ``model`` not a module, bad ``x``, ``y``.
    """
    seeds = direction_seeds(n_directions, seed=seed, bank_size=bank_size)
    m, xx, yy = _prepare(model, x, y, torch.float64, state_dict)
    params = list(m.parameters())
    for p in params:
        p.requires_grad_(True)
    base = [p.detach().clone() for p in params]
    fn, ps = hessian.model_loss_fn(m, loss, xx, yy)
    out = np.empty(seeds.size)
    for i, s in enumerate(seeds):
        d = random_directions(
            params, 1, normalize="tensor", unit_norm=True, seed=int(s), reference=base
        )[0]
        hv = hessian.hvp(fn, ps, d)
        out[i] = float(sum((h * dk).sum() for h, dk in zip(hv, d, strict=True)))
    return out


@dataclass(frozen=True)
class Curvature:
    """Curvature diagnostics on the probe batch.

    Attributes
    ----------
    lambda_max : float
        Leading Hessian eigenvalue (power iteration).
    trace, trace_se : float
        Hutchinson estimate of the Hessian trace and its standard error.
    converged : bool
        Whether the power iteration met its tolerance
        (:attr:`fractal_lib.nets.hessian.PowerIteration.converged`).
    n_iter : int
        Power iterations used.
    """

    lambda_max: float
    trace: float
    trace_se: float
    converged: bool = True
    n_iter: int = 0


def curvature(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    n_iter: int = 24,
    n_hutchinson: int = 24,
    seed: int = 0,
    dtype: str = "float32",
    tol: float = 1e-4,
    loss: LossFunction = nn.functional.cross_entropy,
    state_dict: Mapping[str, torch.Tensor] | None = None,
    warn: bool = True,
) -> Curvature:
    """``lambda_max`` and the Hessian trace of the probe-batch loss.

    Evaluated in eval mode on a private copy of ``model`` (never touched), through
    :func:`fractal_lib.nets.hessian.lambda_max` and
    :func:`fractal_lib.nets.hessian.hutchinson_trace`. The defaults follow the authors
    (24 iterations, 24 Rademacher probes).

    Parameters
    ----------
    model : nn.Module
        The network.
    x, y : Tensor
        The fixed probe batch.
    n_iter : int
        Power iterations for ``lambda_max``.
    n_hutchinson : int
        Rademacher probes of the trace estimate.
    seed : int
        Seed of the power iteration's start and of the probes.
    dtype : {"float32", "float64"}
        Precision of the evaluation.
    tol : float
        Tolerance of the power iteration.
    loss : callable
        ``loss(model(x), y)``, the scalar loss.
    state_dict : mapping, optional
        Weights to load into the copy first.
    warn : bool
        Issue one :class:`~fractal_lib.core.checks.EstimatorWarning` when the power
        iteration did not meet ``tol``; ``False`` for callers that report the flag
        themselves.

    Returns
    -------
    Curvature
        ``converged`` says whether the power iteration met ``tol``.

    Raises
    ------
    ValueError
        Unknown ``dtype``, ``model`` not a module, bad ``x``, ``y``.
    """
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {tuple(_DTYPES)}, got {dtype!r}")
    m, xx, yy = _prepare(model, x, y, _DTYPES[dtype], state_dict)
    for p in m.parameters():
        p.requires_grad_(True)
    fn, ps = hessian.model_loss_fn(m, loss, xx, yy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        lam = hessian.lambda_max(fn, ps, n_iter=n_iter, tol=tol, seed=seed)
    tr = hessian.hutchinson_trace(fn, ps, n_samples=n_hutchinson, seed=seed)
    if warn and not lam.converged:
        warn_limit(
            f"curvature: lambda_max did not converge in {lam.n_iter} power iterations "
            f"(relative change {lam.rel_change:.2g}, tol {tol:g}); see "
            "Curvature.converged"
        )
    return Curvature(lam.value, tr.value, tr.stderr, lam.converged, lam.n_iter)


# ---------------------------------------------------------------- checkpoints as arrays
def state_to_arrays(
    state: Mapping[str, torch.Tensor], prefix: str = ""
) -> dict[str, np.ndarray]:
    """A state dict as plain numpy arrays (for npz caching; never pickled).

    Parameters
    ----------
    state : mapping of str to Tensor
        The state dict.
    prefix : str
        Prepended to every key.

    Returns
    -------
    dict of str to ndarray
        Copies of the tensors, keyed ``prefix + name``.
    """
    return {f"{prefix}{k}": v.detach().cpu().numpy().copy() for k, v in state.items()}


def state_digest(state: Mapping[str, torch.Tensor]) -> str:
    """A short sha256 of a state dict's names, shapes, dtypes and bytes.

    A cache-key fingerprint of a checkpoint, so cached probes never outlive the weights
    they were computed from.

    Parameters
    ----------
    state : mapping of str to Tensor
        The state dict (or any named tensors).

    Returns
    -------
    str
        The first 16 hex digits of the digest.
    """
    h = hashlib.sha256()
    for k in sorted(state):
        v = state[k].detach().cpu().contiguous()
        h.update(f"{k}:{tuple(v.shape)}:{v.dtype}".encode())
        h.update(v.numpy().tobytes())
    return h.hexdigest()[:16]


def arrays_to_state(
    arrays: Mapping[str, np.ndarray], prefix: str = ""
) -> dict[str, torch.Tensor]:
    """Inverse of :func:`state_to_arrays` for the keys starting with ``prefix``.

    Parameters
    ----------
    arrays : mapping of str to ndarray
        Arrays keyed ``prefix + name``.
    prefix : str
        Only keys starting with it are taken; it is stripped.

    Returns
    -------
    dict of str to Tensor
        The state dict (CPU tensors, copies).
    """
    return {
        k[len(prefix) :]: torch.from_numpy(np.array(v))
        for k, v in arrays.items()
        if k.startswith(prefix)
    }


# -------------------------------------------------------------- along training (cached)
@dataclass(frozen=True)
class CheckpointRun:
    """A training run reduced to what probing needs.

    Attributes
    ----------
    fractions : ndarray (n_ckpt,)
        Fractions of training at which the weights were saved.
    states : list of dict
        State dicts (CPU tensors), one per fraction.
    lr : ndarray (n_ckpt,)
        Learning rate in force at each checkpoint (the next step's rate).
    train_acc, train_loss, test_acc, test_loss : ndarray (n_ckpt,)
        Eval-mode accuracy and loss of each checkpoint on the evaluation subsets.
    epoch_train_acc, epoch_val_acc : ndarray (n_epochs,)
        As recorded by :func:`fractal_lib.nets.training.train`.
    seconds : float
        Wall time of the training when it was computed (stored with the cached result).
    """

    fractions: np.ndarray
    states: list[dict[str, torch.Tensor]]
    lr: np.ndarray
    train_acc: np.ndarray
    train_loss: np.ndarray
    test_acc: np.ndarray
    test_loss: np.ndarray
    epoch_train_acc: np.ndarray
    epoch_val_acc: np.ndarray
    seconds: float


TRAINING_MODULES = ("fractal_lib.nets.models", "fractal_lib.nets.data")
"""Modules whose code is part of every cached training's key, whatever the factory looks
like."""


def _code_digest(code: CodeType, h: Any) -> None:
    """Hash a code object's instructions, names and constants (not its file name or line
    numbers)."""
    h.update(code.co_code)
    h.update(repr((code.co_names, code.co_varnames, code.co_freevars)).encode())
    for c in code.co_consts:
        if isinstance(c, CodeType):
            _code_digest(c, h)
        else:
            h.update(repr(c).encode())


def _code_names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, CodeType):
            names |= _code_names(c)
    return names


def factory_dependencies(build: Callable[..., Any]) -> tuple[list[str], str]:
    """What a model factory's result depends on: ``fractal_lib`` modules and a hash of
    user code.

    Library code (a module of ``fractal_lib``, or a function or class defined in one) is
    represented by its module, whose :func:`~fractal_lib.core.cache.code_version_of`
    covers it and everything it imports. User code (a function or class defined in a
    notebook, a script or a test) enters as a hash of its source
    (:func:`inspect.getsource`; the compiled code when no source is available), and the
    globals and closure variables it uses are followed the same way, so
    ``def build(): return models.resnet18(width=4)`` depends on
    ``fractal_lib.nets.models`` and on its own text. ``functools.partial`` objects
    contribute their function and arguments; other packages enter by their installed
    version. :data:`TRAINING_MODULES` are always included.

    Parameters
    ----------
    build : callable
        The model factory (function, class, ``functools.partial`` or callable instance).

    Returns
    -------
    (list of str, str)
        Sorted dotted module names, and the hex digest of the user code and outside
        versions.
    """
    modules = set(TRAINING_MODULES)
    h = hashlib.sha256()
    seen: set[int] = set()

    def library(mod: str | None) -> bool:
        if mod and mod.split(".")[0] == "fractal_lib":
            modules.add(mod)
            return True
        return False

    def outside(mod: str) -> bool:
        top = mod.split(".")[0]
        if top in sys.stdlib_module_names or top == "builtins":
            h.update(f"stdlib:{mod}".encode())
            return True
        from importlib import metadata

        try:
            h.update(f"{top}={metadata.version(top)}".encode())
            return True
        except metadata.PackageNotFoundError:
            return False

    def visit(obj: Any) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, ModuleType):
            if not library(obj.__name__):
                outside(obj.__name__)
            return
        if isinstance(obj, functools.partial):
            h.update(b"partial")
            visit(obj.func)
            for a in (*obj.args, *obj.keywords.values()):
                visit(a) if callable(a) or isinstance(a, ModuleType) else h.update(
                    repr(a).encode()
                )
            h.update(repr(sorted(obj.keywords)).encode())
            return
        fn = obj.__func__ if inspect.ismethod(obj) else obj
        if not (inspect.isfunction(fn) or inspect.isclass(fn)):
            if callable(fn):  # a callable instance: its class holds the code
                visit(type(fn))
            return
        mod = getattr(fn, "__module__", None) or ""
        if library(mod) or (mod not in ("__main__", "") and outside(mod)):
            return
        try:
            h.update(inspect.getsource(fn).encode())
        except (OSError, TypeError):
            if inspect.isfunction(fn):
                _code_digest(fn.__code__, h)
            else:
                for v in vars(fn).values():
                    if inspect.isfunction(v):
                        _code_digest(v.__code__, h)
        if inspect.isclass(fn):
            for base in fn.__mro__[1:]:
                visit(base)
            members = [v for v in vars(fn).values() if inspect.isfunction(v)]
        else:
            members = [fn]
            h.update(repr(fn.__defaults__).encode())
        for f in members:
            for name in sorted(_code_names(f.__code__)):
                if name in f.__globals__:
                    visit(f.__globals__[name])
            for cell in f.__closure__ or ():
                try:
                    visit(cell.cell_contents)
                except ValueError:  # an empty cell
                    pass

    visit(build)
    return sorted(modules), h.hexdigest()[:16]


def training_version(build: Callable[..., Any]) -> str:
    """Code version of a cached training of ``build()``.

    This module's own version, the :func:`~fractal_lib.core.cache.code_version_of` of
    every module the factory uses (and of :data:`TRAINING_MODULES`), and the hash of the
    factory's own code (see :func:`factory_dependencies`).

    Parameters
    ----------
    build : callable
        The model factory.

    Returns
    -------
    str
        The parts joined by ``" | "``.
    """
    modules, user = factory_dependencies(build)
    parts = (
        [CODE_VERSION]
        + [f"{m}:{code_version_of(m)}" for m in modules]
        + [f"factory:{user}"]
    )
    return " | ".join(parts)


def train_checkpoints(
    build: Callable[[], nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    fractions: Sequence[float],
    train_kwargs: Mapping[str, object],
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    n_eval: int = 2048,
    key_params: Mapping[str, object],
    cache: ResultCache | None = None,
    progress: bool = True,
) -> CheckpointRun:
    """Train ``build()`` with :func:`fractal_lib.nets.training.train`, saving
    checkpoints at ``fractions``, and evaluate every checkpoint (eval mode) on the first
    ``n_eval`` training and test examples. Cached as npz arrays under ``key_params``
    (which must describe the model's settings); the training settings, a digest of the
    data tensors and the code the model is built with (:func:`training_version`: the
    factory's own source when it is user code, the ``fractal_lib`` modules it calls,
    always :mod:`~fractal_lib.nets.models` and :mod:`~fractal_lib.nets.data`) are added
    to the key here, so editing any of them retrains.

    Parameters
    ----------
    build : callable
        ``build()`` returns a fresh model.
    x, y : Tensor
        Training inputs and labels.
    fractions : sequence of float
        Fractions of training in [0, 1] at which to save checkpoints.
    train_kwargs : mapping
        Keyword arguments of :func:`fractal_lib.nets.training.train` (part of the key).
    x_test, y_test : Tensor
        Test inputs and labels (validation during training, evaluation of checkpoints).
    n_eval : int
        Number of training and test examples each checkpoint is evaluated on.
    key_params : mapping
        Describes the model's settings in the cache key.
    cache : ResultCache, optional
        Default :func:`fractal_lib.core.cache.default_cache`.
    progress : bool
        Show progress bars while training.

    Returns
    -------
    CheckpointRun
        Checkpoints with their learning rates and evaluations.

    Raises
    ------
    ValueError
        Empty ``fractions`` or fractions outside [0, 1].
    """
    fr = sorted(float(f) for f in fractions)
    if not fr or any(not 0 <= f <= 1 for f in fr):
        raise ValueError(
            f"fractions must be a non-empty sequence in [0, 1], got {list(fractions)}"
        )
    cache = default_cache() if cache is None else cache
    version = training_version(build)
    params = {
        "model": dict(key_params),
        "train": dict(train_kwargs),
        "fractions": fr,
        "n_eval": n_eval,
        "data": state_digest(
            {"x": x, "y": y, "x_test": x_test[:n_eval], "y_test": y_test[:n_eval]}
        ),
    }

    def compute() -> dict[str, np.ndarray]:
        model = build()
        t0 = time.perf_counter()
        res = training.train(
            model,
            x,
            y,
            checkpoint_at=fr,
            x_val=x_test,
            y_val=y_test,
            progress=progress,
            **train_kwargs,
        )  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        total = res.lrs.size
        out: dict[str, np.ndarray] = {}
        stats = np.empty((len(fr), 4))
        for i, f in enumerate(fr):
            sd = res.checkpoints[f]
            out.update(state_to_arrays(sd, prefix=f"ckpt{i}/"))
            model.load_state_dict(sd)
            stats[i, :2] = training.evaluate(model, x[:n_eval], y[:n_eval])
            stats[i, 2:] = training.evaluate(model, x_test[:n_eval], y_test[:n_eval])
        steps = np.clip(np.round(np.array(fr) * total).astype(int), 0, total - 1)
        out.update(
            fractions=np.array(fr),
            lr=res.lrs[steps],
            stats=stats,
            epoch_train_acc=res.epoch_train_acc,
            epoch_val_acc=res.epoch_val_acc,
            seconds=np.float64(seconds),
        )
        return out

    a = cache.cached("probing-train", params, version, compute)
    states = [arrays_to_state(a, prefix=f"ckpt{i}/") for i in range(len(fr))]
    st = a["stats"]
    return CheckpointRun(
        a["fractions"],
        states,
        a["lr"],
        st[:, 1],
        st[:, 0],
        st[:, 3],
        st[:, 2],
        a["epoch_train_acc"],
        a["epoch_val_acc"],
        float(a["seconds"]),
    )


def probe_checkpoints(
    build: Callable[[], nn.Module],
    run: CheckpointRun,
    x: torch.Tensor,
    y: torch.Tensor,
    scales: Sequence[float] | np.ndarray,
    *,
    n_directions: int,
    bank_size: int,
    seed: int = 0,
    dtype: str = "float64",
    protocol: Protocol = "fresh",
    key_params: Mapping[str, object],
    which: Sequence[int] | None = None,
    cache: ResultCache | None = None,
    progress: bool = True,
) -> list[ProbeResult]:
    """:func:`probe` every checkpoint of ``run`` (or those indexed by ``which``) on the
    fixed batch ``(x, y)``, each cached separately (key: ``key_params``, the
    checkpoint's fraction, a digest of its weights and the probing settings).

    Parameters
    ----------
    build : callable
        ``build()`` returns a fresh model of the run's architecture.
    run : CheckpointRun
        The checkpoints (:func:`train_checkpoints`).
    x, y : Tensor
        The fixed probe batch.
    scales : sequence of float
        Step lengths ``eps``.
    n_directions : int
        Number of directions.
    bank_size : int
        Directions per bank (seed rule, :func:`direction_seeds`).
    seed : int
        Base seed of the directions.
    dtype : {"float64", "float32"}
        Precision of the evaluation.
    protocol : {"fresh", "inplace"}
        See :func:`probe`.
    key_params : mapping
        Describes the model's settings in the cache key.
    which : sequence of int, optional
        Indices of the checkpoints to probe; all by default.
    cache : ResultCache, optional
        Default :func:`fractal_lib.core.cache.default_cache`.
    progress : bool
        Show a progress bar over checkpoints.

    Returns
    -------
    list of ProbeResult
        One per probed checkpoint, in the order of ``which``.

    Raises
    ------
    ValueError
        Bad ``scales`` or what :func:`probe` raises.
    """
    cache = default_cache() if cache is None else cache
    version = training_version(
        build
    )  # the model's code, not only its weights, sets the probes
    eps = check_scales(scales)
    idx = range(len(run.fractions)) if which is None else which
    out = []
    for i in tqdm(
        list(idx),
        desc="checkpoints",
        disable=not (progress and progress_enabled()),
        leave=False,
    ):
        params = {
            "model": dict(key_params),
            "fraction": float(run.fractions[i]),
            "weights": state_digest(run.states[i]),
            "scales": eps.tolist(),
            "n_directions": n_directions,
            "bank_size": bank_size,
            "seed": seed,
            "dtype": dtype,
            "protocol": protocol,
            "batch": state_digest({"x": x, "y": y}),
        }
        a = cache.cached(
            "probing-probe",
            params,
            version,
            lambda i=i: probe(
                build(),
                x,
                y,
                eps,
                n_directions=n_directions,
                seed=seed,
                bank_size=bank_size,
                dtype=dtype,
                protocol=protocol,
                state_dict=run.states[i],
                progress=False,
            ).to_arrays(),
        )
        out.append(ProbeResult.from_arrays(a))
    return out


def curvature_checkpoints(
    build: Callable[[], nn.Module],
    run: CheckpointRun,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    n_iter: int,
    n_hutchinson: int,
    key_params: Mapping[str, object],
    cache: ResultCache | None = None,
) -> np.ndarray:
    """:func:`curvature` of every checkpoint of ``run`` (cached).

    Parameters
    ----------
    build : callable
        ``build()`` returns a fresh model of the run's architecture.
    run : CheckpointRun
        The checkpoints.
    x, y : Tensor
        The fixed probe batch.
    n_iter : int
        Power iterations per checkpoint.
    n_hutchinson : int
        Rademacher probes per checkpoint.
    key_params : mapping
        Describes the model's settings in the cache key.
    cache : ResultCache, optional
        Default :func:`fractal_lib.core.cache.default_cache`.

    Returns
    -------
    ndarray, shape (n_ckpt, 4)
        ``lambda_max``, trace, trace SE and 1.0 where the power iteration converged, 0.0
        where it did not (one :class:`~fractal_lib.core.checks.EstimatorWarning` when
        any did not).
    """
    cache = default_cache() if cache is None else cache
    version = training_version(
        build
    )  # the model's code, not only its weights, sets the curvature
    params = {
        "model": dict(key_params),
        "fractions": run.fractions.tolist(),
        "weights": [state_digest(sd) for sd in run.states],
        "n_iter": n_iter,
        "n_hutchinson": n_hutchinson,
        "batch": state_digest({"x": x, "y": y}),
    }

    def compute() -> dict[str, np.ndarray]:
        rows = []
        for sd in run.states:
            c = curvature(
                build(),
                x,
                y,
                n_iter=n_iter,
                n_hutchinson=n_hutchinson,
                state_dict=sd,
                warn=False,
            )
            rows.append((c.lambda_max, c.trace, c.trace_se, float(c.converged)))
        return {"curv": np.array(rows)}

    curv = cache.cached("probing-curvature", params, version, compute)["curv"]
    bad = int((curv[:, 3] == 0).sum()) if curv.shape[1] > 3 else 0
    if bad:
        warn_limit(
            f"curvature_checkpoints: lambda_max did not converge at {bad} of "
            f"{len(curv)} "
            f"checkpoints in {n_iter} power iterations (column 3 is 0 there)"
        )
    return curv
