"""Random directions in weight space and loss evaluations along them (torch).

Loss-landscape pictures of networks look along random directions whose scale matches the
weights they perturb, otherwise the picture depends on the arbitrary scale of each
layer:

``"filter"``
    Filter normalisation of Li et al. (2018), Sec. 4: each filter (slice along the first
    axis) of the direction gets the norm of the matching filter of the weights.
``"tensor"``
    Each tensor of the direction gets the norm of the matching weight tensor.
``"unit"``
    The whole direction is scaled to unit Euclidean norm.

Directions are drawn in float64 on the CPU from a seeded generator and then cast, so the
same seed gives the same directions on every device. :func:`loss_plane` evaluates a
model in eval mode and returns it bit-identical (weights, buffers, mode flags, random
state).

References: Li, Xu, Taylor, Studer and Goldstein (2018), "Visualizing the loss landscape
of neural nets", NeurIPS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from .torchtools import preserved_state

_NORMALIZE = ("filter", "tensor", "unit", None)


def _as_params(
    params_or_model: nn.Module | Sequence[torch.Tensor],
) -> list[torch.Tensor]:
    if isinstance(params_or_model, nn.Module):
        params = list(params_or_model.parameters())
    else:
        params = list(params_or_model)
    if not params:
        raise ValueError("params_or_model has no parameters")
    return params


def random_directions(
    params_or_model: nn.Module | Sequence[torch.Tensor],
    k: int = 1,
    *,
    normalize: str | None = "filter",
    seed: int = 0,
    include_bn: bool = True,
    reference: Sequence[torch.Tensor] | None = None,
    unit_norm: bool = False,
) -> list[list[torch.Tensor]]:
    """``k`` Gaussian directions shaped like the parameters, normalised against them.

    Parameters
    ----------
    params_or_model : nn.Module or sequence of Tensor
        The parameters (a module's ``parameters()``, BatchNorm weights and biases
        included).
    k : int
        Number of directions (>= 1).
    normalize : {"filter", "tensor", "unit", None}
        Normalisation (see the module docstring); ``None`` leaves the raw Gaussian.
    seed : int
        Seed of the draw.
    include_bn : bool
        For ``"filter"``: one-dimensional tensors (biases, BatchNorm) get a
        tensor-normalised direction if True, a zero direction if False (Li et al.'s
        ``ignore="biasbn"``).
    reference : sequence of Tensor, optional
        Weights to normalise against (default: the current parameter values).
    unit_norm : bool
        After the normalisation, scale each whole direction to unit norm (used by
        directional probing, where the scale of the step is set by ``eps`` alone).

    Returns
    -------
    list of list of Tensor
        ``k`` directions, each a list of tensors shaped like the parameters (their dtype
        and device).

    Raises
    ------
    ValueError
        No parameters, ``k < 1``, an unknown ``normalize``, or a ``reference`` that does
        not match the parameters.

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein (2018), "Visualizing the loss landscape of
    neural nets", NeurIPS, Sec. 4 (filter normalisation).
    """
    params = _as_params(params_or_model)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}")
    ref = [p.detach() for p in (params if reference is None else reference)]
    if len(ref) != len(params) or any(
        r.shape != p.shape for r, p in zip(ref, params, strict=True)
    ):
        raise ValueError("reference must match the parameters in number and shapes")
    gen = torch.Generator().manual_seed(int(seed))
    out = []
    for _ in range(int(k)):
        direction = []
        for p, w in zip(params, ref, strict=True):
            d = torch.randn(p.shape, generator=gen, dtype=torch.float64)
            w64 = w.to(device="cpu", dtype=torch.float64)
            if normalize == "filter" and d.ndim > 1:
                dn = d.reshape(d.shape[0], -1).norm(dim=1).clamp_min(1e-30)
                wn = w64.reshape(w64.shape[0], -1).norm(dim=1)
                d = d * (wn / dn).reshape(-1, *([1] * (d.ndim - 1)))
            elif normalize == "filter" or normalize == "tensor":
                if normalize == "filter" and not include_bn:
                    d = torch.zeros_like(d)
                else:
                    d = d * (w64.norm() / d.norm().clamp_min(1e-30))
            direction.append(d)
        if normalize == "unit" or unit_norm:
            total = torch.sqrt(sum((d**2).sum() for d in direction)).clamp_min(1e-30)
            direction = [d / total for d in direction]
        out.append(
            [
                d.to(device=p.device, dtype=p.dtype)
                for d, p in zip(direction, params, strict=True)
            ]
        )
    return out


@torch.no_grad()
def perturbed(
    params: Sequence[torch.Tensor],
    base: Sequence[torch.Tensor],
    dirs: Sequence[Sequence[torch.Tensor]],
    coeffs: Sequence[float],
) -> None:
    """Set ``params`` in place to ``base + sum_i coeffs[i] * dirs[i]``.

    The sum is rebuilt from ``base`` at every call (never accumulated), so repeated
    calls do not drift.

    Parameters
    ----------
    params : sequence of torch.Tensor
        The tensors to overwrite (e.g. a model's parameters).
    base : sequence of torch.Tensor
        The point the perturbation starts from, shaped like ``params``.
    dirs : sequence of sequence of torch.Tensor
        Directions, each shaped like ``params``.
    coeffs : sequence of float
        One coefficient per direction.

    Raises
    ------
    ValueError
        If ``dirs`` and ``coeffs`` differ in length.
    """
    if len(dirs) != len(coeffs):
        raise ValueError(
            f"need one coefficient per direction, got {len(coeffs)} for {len(dirs)}"
        )
    for j, (p, b) in enumerate(zip(params, base, strict=True)):
        value = b.clone()
        for d, c in zip(dirs, coeffs, strict=True):
            value.add_(d[j], alpha=float(c))
        p.copy_(value)


def loss_plane(
    loss_fn: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    d1: Sequence[torch.Tensor],
    d2: Sequence[torch.Tensor],
    alphas: Sequence[float],
    betas: Sequence[float],
    *,
    model: nn.Module | None = None,
) -> np.ndarray:
    """Loss on the plane ``w + a d1 + b d2`` on the grid ``alphas x betas``.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn()`` returns the scalar loss at the current ``params``.
    params : sequence of Tensor
        The weights (modified during the call and restored exactly afterwards, even on
        error).
    d1, d2 : sequence of Tensor
        Directions shaped like ``params``.
    alphas, betas : sequence of float
        Coordinates along ``d1`` and ``d2``.
    model : nn.Module, optional
        The model ``loss_fn`` evaluates (taken from ``loss_fn.model`` when ``loss_fn``
        comes from :func:`fractal_lib.nets.hessian.model_loss_fn`). When known, the
        plane is evaluated in eval mode inside
        :func:`fractal_lib.nets.torchtools.preserved_state`: BatchNorm normalises with
        its running statistics, and every parameter, buffer, mode flag and the global
        random state are bit-identical on return. Pass it whenever ``loss_fn`` calls a
        module, otherwise a train-mode BatchNorm overwrites its statistics with those of
        perturbed weights.

    Returns
    -------
    ndarray, shape ``(len(alphas), len(betas))``
        Loss values (non-finite values are kept as they are).

    Raises
    ------
    ValueError
        Empty ``alphas`` or ``betas``, or ``params`` / directions that do not match.
    """
    params = list(params)
    if len(alphas) == 0 or len(betas) == 0:
        raise ValueError("alphas and betas must be non-empty")
    if not params:
        raise ValueError("params must be a non-empty sequence of tensors")
    for name, d in (("d1", d1), ("d2", d2)):
        if len(d) != len(params) or any(
            a.shape != p.shape for a, p in zip(d, params, strict=True)
        ):
            raise ValueError(
                f"{name} must have one tensor per parameter tensor, with the same "
                "shapes"
            )
    model = getattr(loss_fn, "model", None) if model is None else model
    if model is not None:
        with preserved_state(model, evaluate=True):
            return _plane(loss_fn, params, d1, d2, alphas, betas)
    return _plane(loss_fn, params, d1, d2, alphas, betas)


def _plane(
    loss_fn: Callable[[], torch.Tensor],
    params: list[torch.Tensor],
    d1: Sequence[torch.Tensor],
    d2: Sequence[torch.Tensor],
    alphas: Sequence[float],
    betas: Sequence[float],
) -> np.ndarray:
    base = [p.detach().clone() for p in params]
    out = np.empty((len(alphas), len(betas)))
    try:
        with torch.no_grad():
            for i, a in enumerate(alphas):
                for j, b in enumerate(betas):
                    perturbed(params, base, [d1, d2], [a, b])
                    out[i, j] = float(loss_fn())
    finally:
        with torch.no_grad():
            for p, b in zip(params, base, strict=True):
                p.copy_(b)
    return out
