"""Small torch utilities shared by the neural-network chapters.

Device choice, seeding, flattening parameter lists, a thread-count context, and
:func:`preserved_state`, the one context every measurement of a user's model runs in
(the model comes back bit-identical: weights, buffers, mode flags and random state).
Torch is imported lazily by the modules that need it; importing :mod:`fractal_lib` never
imports torch.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Iterator, Sequence

import numpy as np
import torch


def device() -> torch.device:
    """The device neural-network work runs on.

    Returns
    -------
    torch.device
        ``FRACTAL_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``) if set, otherwise CUDA
        when available, otherwise the CPU.
    """
    name = os.environ.get("FRACTAL_DEVICE", "").strip()
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch, numpy's legacy global generator and :mod:`random`.

    Library code never relies on the global generators: it takes a seed and builds its
    own ``torch.Generator``. This function exists for model initialisation (``torch.nn``
    layers draw from the global generator).

    Parameters
    ----------
    seed : int
        Non-negative seed.

    Returns
    -------
    torch.Generator
        A CPU generator seeded with the same ``seed``.

    Raises
    ------
    ValueError
        If ``seed`` is negative.
    """
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    torch.manual_seed(int(seed))
    # seeding the legacy global generator on purpose
    np.random.seed(int(seed) % 2**32)  # noqa: NPY002
    random.seed(int(seed))
    gen = torch.Generator()
    gen.manual_seed(int(seed))
    return gen


def flat(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Concatenate tensors into one flat vector (a copy, detached).

    Parameters
    ----------
    tensors : sequence of torch.Tensor
        The tensors (e.g. a model's parameters), any shapes.

    Returns
    -------
    torch.Tensor, shape ``(sum of numel,)``
        Their entries in order.

    Raises
    ------
    ValueError
        If ``tensors`` is empty.
    """
    if len(tensors) == 0:
        raise ValueError("tensors must be a non-empty sequence")
    return torch.cat([t.detach().reshape(-1) for t in tensors])


def unflat_like(vec: torch.Tensor, like: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Split a flat vector into tensors shaped like ``like`` (views of ``vec``).

    Parameters
    ----------
    vec : torch.Tensor
        Flat vector with as many entries as ``like`` in total.
    like : sequence of torch.Tensor
        Tensors giving the shapes.

    Returns
    -------
    list of torch.Tensor
        One view of ``vec`` per tensor of ``like``, shaped like it.

    Raises
    ------
    ValueError
        If the sizes do not match.
    """
    n = sum(t.numel() for t in like)
    if vec.numel() != n:
        raise ValueError(f"vec has {vec.numel()} elements, like has {n}")
    out, i = [], 0
    for t in like:
        out.append(vec[i : i + t.numel()].view_as(t))
        i += t.numel()
    return out


def count_parameters(model: torch.nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) scalar parameters of ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    trainable_only : bool
        Count only parameters with ``requires_grad``.

    Returns
    -------
    int
        The number of scalars.
    """
    return sum(
        p.numel() for p in model.parameters() if p.requires_grad or not trainable_only
    )


def _rng_state() -> dict[str, object]:
    """Global random states that evaluating a model could consume.

    Torch CPU and, when already initialised, CUDA; numpy's legacy generator;
    :mod:`random`.
    """
    out: dict[str, object] = {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),  # noqa: NPY002
        "random": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        out["cuda"] = torch.cuda.get_rng_state_all()
    return out


def _set_rng_state(state: dict[str, object]) -> None:
    torch.set_rng_state(state["torch"])  # type: ignore[arg-type]
    np.random.set_state(state["numpy"])  # type: ignore[arg-type]  # noqa: NPY002
    random.setstate(state["random"])  # type: ignore[arg-type]
    if "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])  # type: ignore[arg-type]


@contextlib.contextmanager
def eval_mode(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Put every submodule of ``model`` in eval mode inside the block.

    Each submodule's own ``training`` flag is restored on exit (also on error). Cheap:
    no tensors are copied (used per call by :class:`fractal_lib.nets.hessian.ModelLoss`;
    :func:`preserved_state` restores everything).

    Parameters
    ----------
    model : nn.Module
        The model.

    Yields
    ------
    nn.Module
        ``model`` itself.

    Raises
    ------
    ValueError
        If ``model`` is not an ``nn.Module``.
    """
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, f in flags:
            m.training = f


@contextlib.contextmanager
def preserved_state(
    model: torch.nn.Module, *, evaluate: bool = True
) -> Iterator[torch.nn.Module]:
    """Evaluate ``model`` inside this block and get it back bit-identical.

    On entry every parameter and buffer (the whole ``state_dict``: BatchNorm running
    statistics and ``num_batches_tracked`` included, and non-persistent buffers too) is
    cloned, together with every submodule's ``training`` flag, every parameter's
    ``requires_grad`` and ``.grad``, and the global random states (torch CPU, CUDA when
    initialised, numpy's legacy generator, :mod:`random`). On exit, normal or by an
    exception, all of them are restored in place (the tensors stay the same objects).

    With ``evaluate=True`` (default) the model runs in eval mode inside the block:
    BatchNorm uses its running statistics and dropout is off, so the loss is a
    deterministic function of the weights. This is the library's rule for every
    measurement of a user's model (as in Li et al.'s loss-landscape code and PyHessian);
    a train-mode BatchNorm would instead normalise by the statistics of each perturbed
    batch and overwrite its running statistics.

    Parameters
    ----------
    model : nn.Module
        The user's model.
    evaluate : bool
        Switch to eval mode inside the block.

    Yields
    ------
    nn.Module
        ``model`` itself.

    Raises
    ------
    ValueError
        If ``model`` is not an ``nn.Module``.
    """
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    tensors = {
        **dict(model.named_parameters()),
        **dict(model.named_buffers()),
    }  # incl. non-persistent
    saved = {k: v.detach().clone() for k, v in tensors.items()}
    flags = [(m, m.training) for m in model.modules()]
    params = list(model.parameters())
    grads = [
        (p, p.requires_grad, None if p.grad is None else p.grad.detach().clone())
        for p in params
    ]
    rng = _rng_state()
    if evaluate:
        model.eval()
    try:
        yield model
    finally:
        with torch.no_grad():
            for k, v in tensors.items():
                if v.shape != saved[k].shape:
                    v.data = saved[k]
                else:
                    v.detach().copy_(saved[k])
        for m, f in flags:
            m.training = f
        for p, req, g in grads:
            p.requires_grad_(req)
            p.grad = g
        _set_rng_state(rng)


def torch_threads() -> int:
    """Torch intra-op threads for the library's training loops, from the environment.

    Returns
    -------
    int
        ``FRACTAL_TORCH_THREADS`` if set, else 1 (the networks trained here are small:
        more threads mostly add synchronisation, and on a shared machine they stall).

    Raises
    ------
    ValueError
        If ``FRACTAL_TORCH_THREADS`` is not an integer >= 1.
    """
    raw = os.environ.get("FRACTAL_TORCH_THREADS", "").strip()
    if not raw:
        return 1
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"FRACTAL_TORCH_THREADS must be an integer >= 1, got {raw!r}")
    return n


@contextlib.contextmanager
def num_threads(n: int) -> Iterator[None]:
    """Temporarily set torch's intra-op thread count.

    Parameters
    ----------
    n : int
        Number of threads inside the block (the previous count is restored on exit).

    Yields
    ------
    None
        Nothing; the setting holds inside the ``with`` block.

    Raises
    ------
    ValueError
        If ``n < 1``.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


_default_device = device  # matmul_rate's ``device`` argument shadows the function


def matmul_rate(
    m: int,
    k: int,
    n: int,
    dtype: torch.dtype = torch.float64,
    *,
    repeats: int = 3,
    device: torch.device | str | None = None,
) -> float:
    """Best measured flop rate of ``torch.matmul`` of an ``(m, k)`` by a ``(k, n)``
    matrix (the reference the training benchmarks divide by).

    Each repeat times enough products for about ``2e8`` flops and the best repeat
    counts (``2 m k n`` flops per product), with the current thread count.

    Parameters
    ----------
    m, k, n : int
        Matrix sizes (>= 1).
    dtype : torch.dtype
        Element type.
    repeats : int
        Timed repeats (>= 1).
    device : torch.device or str, optional
        Default :func:`device`.

    Returns
    -------
    float
        Flops per second.

    Raises
    ------
    ValueError
        A size or ``repeats`` below 1.
    """
    for name, v in (("m", m), ("k", k), ("n", n), ("repeats", repeats)):
        if int(v) < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")
    dev = device if device is not None else _default_device()
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(m, k, generator=gen, dtype=dtype).to(dev)
    b = torch.randn(k, n, generator=gen, dtype=dtype).to(dev)
    c = torch.empty(m, n, dtype=dtype, device=dev)
    flops = 2.0 * m * k * n
    inner = max(1, int(2e8 // flops))
    torch.matmul(a, b, out=c)
    best = 0.0
    for _ in range(int(repeats)):
        t0 = time.perf_counter()
        for _ in range(inner):
            torch.matmul(a, b, out=c)
        if c.is_cuda:
            torch.cuda.synchronize()
        best = max(best, flops * inner / (time.perf_counter() - t0))
    return best
