"""Small torch utilities shared by the neural-network chapters.

Device choice, seeding, flattening parameter lists and a thread-count context. Torch is imported
lazily by the modules that need it; importing :mod:`fractal_lib` never imports torch.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator, Sequence

import numpy as np
import torch


def device() -> torch.device:
    """The device neural-network work runs on.

    ``FRACTAL_DEVICE`` (e.g. ``cpu``, ``cuda``, ``cuda:1``) if set, otherwise CUDA when available,
    otherwise the CPU.
    """
    name = os.environ.get("FRACTAL_DEVICE", "").strip()
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch, numpy's legacy global generator and :mod:`random`; return a torch generator.

    Library code never relies on the global generators: it takes a seed and builds its own
    ``torch.Generator`` (the returned one is seeded with the same ``seed``). This function exists
    for model initialisation (``torch.nn`` layers draw from the global generator).

    Parameters
    ----------
    seed : int
        Non-negative seed.
    """
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    torch.manual_seed(int(seed))
    np.random.seed(int(seed) % 2**32)  # noqa: NPY002 (seeding the legacy global on purpose)
    random.seed(int(seed))
    gen = torch.Generator()
    gen.manual_seed(int(seed))
    return gen


def flat(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Concatenate tensors into one flat vector (a copy, detached)."""
    if len(tensors) == 0:
        raise ValueError("tensors must be a non-empty sequence")
    return torch.cat([t.detach().reshape(-1) for t in tensors])


def unflat_like(vec: torch.Tensor, like: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Split a flat vector into tensors shaped like ``like`` (views of ``vec``)."""
    n = sum(t.numel() for t in like)
    if vec.numel() != n:
        raise ValueError(f"vec has {vec.numel()} elements, like has {n}")
    out, i = [], 0
    for t in like:
        out.append(vec[i:i + t.numel()].view_as(t))
        i += t.numel()
    return out


def count_parameters(model: torch.nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) scalar parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


@contextlib.contextmanager
def num_threads(n: int) -> Iterator[None]:
    """Temporarily set torch's intra-op thread count."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)
