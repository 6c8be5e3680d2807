"""Two-dimensional slices of a loss around a point, and trajectories projected onto
them.

A slice evaluates ``L(theta + a d1 + b d2)`` on a grid of ``(a, b)`` for two directions
``d1``, ``d2`` (e.g. the top two Hessian eigenvectors, as in Lavin & Ruiz-Garcia 2024,
Fig. 2). The loss is passed *functionally*: ``loss_fn(point)`` takes a list of tensors
shaped like ``params`` and returns a scalar, so nothing is modified in place. When
``batched=True`` the function takes tensors with an extra leading axis (one slice point
per row) and returns one loss per row, which evaluates many grid points in one call
(e.g. :func:`fractal_lib.dynamical.batched_mlp.forward`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..nets.torchtools import preserved_state

#: Network parameters, or one direction in parameter space (one tensor each).
Params = Sequence[torch.Tensor]


def _check_dirs(params: Params, *dirs: Params) -> None:
    for i, d in enumerate(dirs):
        if len(d) != len(params) or any(
            a.shape != b.shape for a, b in zip(d, params, strict=True)
        ):
            raise ValueError(
                f"direction {i + 1} must have one tensor per parameter tensor, same "
                "shapes"
            )


def _grid(name: str, v: np.ndarray | Sequence[float]) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite numbers")
    return a


def loss_slice(
    loss_fn: Callable[[list[torch.Tensor]], torch.Tensor],
    params: Params,
    d1: Params,
    d2: Params,
    alphas: np.ndarray | Sequence[float],
    betas: np.ndarray | Sequence[float],
    *,
    batched: bool = False,
    batch_size: int = 256,
    model: torch.nn.Module | None = None,
) -> np.ndarray:
    """Loss on the plane ``params + a d1 + b d2``.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(point) -> scalar tensor`` (or, with ``batched=True``, tensors with a
        leading axis of size ``B`` in, a ``(B,)`` tensor out).
    params : sequence of Tensor
        The centre of the slice (not modified).
    d1, d2 : sequence of Tensor
        Directions, shaped like ``params``.
    alphas, betas : 1-D arrays
        Coefficients along ``d1`` and ``d2``.
    batched : bool
        Whether ``loss_fn`` evaluates a batch of points at once.
    batch_size : int
        Points per call when batched (>= 1).
    model : nn.Module, optional
        A module that ``loss_fn`` calls (e.g. through ``torch.func.functional_call``).
        When given, the slice is evaluated in eval mode inside
        :func:`fractal_lib.nets.torchtools.preserved_state`, so its buffers (BatchNorm
        statistics), mode flags and the global random state are bit-identical on return.

    Returns
    -------
    ndarray, shape (len(alphas), len(betas))
        ``out[i, j] = L(params + alphas[i] d1 + betas[j] d2)``; NaN/inf are kept (a
        slice may reach a region where the loss overflows).

    Raises
    ------
    ValueError
        Directions that do not match ``params``, empty or non-finite grids,
        ``batch_size < 1``.
    """
    if model is not None:
        with preserved_state(model, evaluate=True):
            return loss_slice(
                loss_fn,
                params,
                d1,
                d2,
                alphas,
                betas,
                batched=batched,
                batch_size=batch_size,
            )
    _check_dirs(params, d1, d2)
    a = _grid("alphas", alphas)
    b = _grid("betas", betas)
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    base = [p.detach() for p in params]
    u = [d.detach().to(p) for d, p in zip(d1, base, strict=True)]
    v = [d.detach().to(p) for d, p in zip(d2, base, strict=True)]
    A, Bc = np.meshgrid(a, b, indexing="ij")
    ca = torch.as_tensor(A.ravel(), dtype=base[0].dtype, device=base[0].device)
    cb = torch.as_tensor(Bc.ravel(), dtype=base[0].dtype, device=base[0].device)
    out = np.empty(ca.numel())
    with torch.no_grad():
        if batched:
            for s in range(0, ca.numel(), int(batch_size)):
                sa, sb = ca[s : s + batch_size], cb[s : s + batch_size]
                pts = [
                    p.unsqueeze(0)
                    + sa.view(-1, *[1] * p.ndim) * du.unsqueeze(0)
                    + sb.view(-1, *[1] * p.ndim) * dv.unsqueeze(0)
                    for p, du, dv in zip(base, u, v, strict=True)
                ]
                out[s : s + sa.numel()] = (
                    torch.as_tensor(loss_fn(pts)).detach().cpu().numpy().reshape(-1)
                )
        else:
            for i in range(ca.numel()):
                pts = [
                    p + ca[i] * du + cb[i] * dv
                    for p, du, dv in zip(base, u, v, strict=True)
                ]
                out[i] = float(loss_fn(pts))
    return out.reshape(a.size, b.size)


def project(
    points: Sequence[Params], origin: Params, d1: Params, d2: Params
) -> np.ndarray:
    """Coordinates ``(a, b)`` of each point's displacement from ``origin`` in a plane.

    Least squares in the plane of ``d1``, ``d2``, so the directions need not be
    orthonormal.

    Parameters
    ----------
    points : sequence of sequence of Tensor
        Parameter sets shaped like ``origin`` (e.g. a trajectory).
    origin : sequence of Tensor
        The centre of the plane.
    d1, d2 : sequence of Tensor
        Directions shaped like ``origin``.

    Returns
    -------
    ndarray, shape (len(points), 2)
        ``(a, b)`` with ``point - origin ~ a d1 + b d2``.

    Raises
    ------
    ValueError
        Directions that do not match ``origin``.
    """
    _check_dirs(origin, d1, d2)
    basis = torch.stack(
        [torch.cat([t.detach().reshape(-1) for t in d]) for d in (d1, d2)], 1
    )
    o = torch.cat([t.detach().reshape(-1) for t in origin])
    disp = torch.stack(
        [torch.cat([t.detach().reshape(-1) for t in p]) - o for p in points], 1
    )
    coef = torch.linalg.lstsq(basis.to(torch.float64), disp.to(torch.float64)).solution
    return coef.T.cpu().numpy()
