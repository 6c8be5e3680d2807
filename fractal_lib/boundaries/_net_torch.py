"""Torch backend: the grid of tiny two-layer networks, batched over points (private).

The same computation as :func:`fractal_lib.boundaries._net_kernels.run_grid` (network,
minibatches, early end of non-finite runs, convergence measure), written as batched
matrix products over ``B`` grid points at once (weights ``(B, d, n)``) so that it runs
on a GPU. :func:`fractal_lib.boundaries.network_trainability.run_points` calls it for
``backend="torch"``; importing this module imports torch, which is why that call
imports it only then.

Every step evaluates ``z = s_in X W1`` for all points (``(B, N, n)``), the full-batch
loss the measure tracks, and the gradient on the step's rows (all rows, or the step's
minibatch gathered from the same forward pass). A run ends at its first non-finite loss
or weight; its remaining losses count as ``NONFINITE`` exactly as in the kernel, and it
leaves the batch (the batch shrinks, so divergent regions cost little). The measure is
accumulated in float64 in the kernel's order (one step after the other), for float64
and float32 training alike.

Differences from the numba kernel are rounding only: torch's ``tanh`` and its matrix
products sum in another order, so measures agree to a few ulp per step and a run whose
outcome is decided by the last bits (a chaotic one near the boundary) can end on the
other side. The same call gives the same numbers, but unlike the kernel's lanes the
points of a chunk are not independent to the last bit: BLAS and torch's reductions pick
their summation order by the shapes of the products, which depend on how many points
train together (and on the runs that ended). On CUDA, float32 products use TF32 when
torch allows it (``torch.set_float32_matmul_precision``); :func:`run_grid` warns then.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch

from ..nets import torchtools
from . import _net_kernels as K

#: Bytes of working memory per chunk of grid points on the CPU (a chunk trains at once).
CPU_CHUNK_BYTES = 1 << 28
#: Bytes of working memory per chunk of grid points on a GPU.
GPU_CHUNK_BYTES = 1 << 32
_SQRT2 = math.sqrt(2.0)
_TORCH_DTYPES = {
    np.dtype(np.float64): torch.float64,
    np.dtype(np.float32): torch.float32,
}


def bytes_per_point(n_data: int, d: int, n: int, itemsize: int) -> int:
    """Working memory of one grid point during a step, in bytes (an estimate).

    Parameters
    ----------
    n_data : int
        Training points ``N``.
    d : int
        Input dimension.
    n : int
        Hidden width.
    itemsize : int
        Bytes per number (8 for float64, 4 for float32).

    Returns
    -------
    int
        About six ``(N, n)`` arrays (pre-activations, activations, derivatives, the
        backward product and temporaries), four ``(d, n)`` (weights, gradient,
        temporaries) and four ``(N,)``.
    """
    return itemsize * (6 * n_data * n + 4 * d * n + 4 * n_data + 4 * n)


def _phi(act: int, u: torch.Tensor, s_in: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Activations and their derivatives from ``u = X W1`` (the kernel's arithmetic)."""
    if act == K.TANH:
        h = torch.tanh((_SQRT2 * s_in) * u)
        return h, _SQRT2 * (1.0 - h * h)
    z = s_in * u
    if act == K.RELU:
        pos = z > 0.0
        zero = torch.zeros((), dtype=z.dtype, device=z.device)
        return torch.where(pos, _SQRT2 * z, zero), pos.to(z.dtype) * _SQRT2
    return z, torch.ones_like(z)


def _chunk(
    act: int,
    X: torch.Tensor,
    Y: torch.Tensor,
    W1_0: torch.Tensor,
    W2_0: torch.Tensor,
    lr1: torch.Tensor,
    lr2: torch.Tensor,
    offset: torch.Tensor,
    offset_every_step: bool,
    steps: int,
    s_in: float,
    s_out: float,
    batches: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One chunk of ``B`` grid points; returns (measure float64, done int64) on the
    device."""
    B = lr1.shape[0]
    dev = X.device
    f64 = torch.float64
    last = min(K.LAST, steps)
    first_last = steps - last
    ids = torch.arange(B, device=dev)  # grid point of each live run
    # layout: W1 (d, B, n) so that X W1 of all runs is one (N, d) x (d, B n) product
    d, n = W1_0.shape
    W1 = W1_0[:, None, :].expand(d, B, n).clone()
    if not offset_every_step:
        W1 += offset.to(W1.dtype)[None, :, None]
    W2 = W2_0.expand(B, n).clone()
    a1 = lr1.to(W1.dtype)[None, :, None]
    a2 = lr2.to(W1.dtype)[:, None]
    off = offset.to(W1.dtype)[None, :, None]
    v0 = torch.ones(B, dtype=f64, device=dev)
    sum_v = torch.zeros(B, dtype=f64, device=dev)
    sum_inv = torch.zeros(B, dtype=f64, device=dev)
    sum_last = torch.zeros(B, dtype=f64, device=dev)
    done = torch.full((B,), steps, dtype=torch.int64, device=dev)
    # final sums per grid point (written when its run ends)
    out_v = torch.zeros(B, dtype=f64, device=dev)
    out_inv = torch.zeros(B, dtype=f64, device=dev)
    out_last = torch.zeros(B, dtype=f64, device=dev)
    out_v0 = torch.ones(B, dtype=f64, device=dev)
    minibatch = batches.shape[0] > 0
    N = X.shape[0]
    XT = X.T.contiguous()
    for t in range(steps):
        b = ids.numel()
        if offset_every_step:
            W1 += off
        u = torch.matmul(X, W1.reshape(d, b * n)).reshape(N, b, n)
        h, hp = _phi(act, u, s_in)  # (N, b, n)
        e = s_out * (h * W2).sum(dim=2) - Y[:, None]  # (N, b)
        loss = torch.mean(e * e, dim=0)
        fin = (
            torch.isfinite(loss)
            & torch.isfinite(W1).all(dim=2).all(dim=0)
            & torch.isfinite(W2).all(dim=1)
        )
        lo = loss.to(f64)
        if t == 0:
            v0 = torch.where(fin, lo, v0)
        v = torch.clamp(lo / v0, max=K.CLIP)
        sum_v = torch.where(fin, sum_v + v, sum_v)
        sum_inv = torch.where(fin, sum_inv + 1.0 / v, sum_inv)
        if t >= first_last:
            sum_last = torch.where(fin, sum_last + v, sum_last)
        if not bool(fin.all()):  # runs that end here: record, then drop them
            gone = ~fin
            g = ids[gone]
            done[g] = t
            out_v[g], out_inv[g] = sum_v[gone], sum_inv[gone]
            out_last[g], out_v0[g] = sum_last[gone], v0[gone]
            ids, W2, a2, v0, sum_v, sum_inv, sum_last = (
                a[fin] for a in (ids, W2, a2, v0, sum_v, sum_inv, sum_last)
            )
            W1, a1, off, h, hp = (a[:, fin] for a in (W1, a1, off, h, hp))
            e = e[:, fin]
            b = ids.numel()
            if b == 0:
                break
        if minibatch:
            rows = batches[t]
            XbT = XT[:, rows]
            h, hp, e = h[rows], hp[rows], e[rows]
        else:
            XbT = XT
        c = 2.0 / XbT.shape[1] * s_out
        dW2 = (e[:, :, None] * h).sum(dim=0) * c  # (b, n)
        q = (e[:, :, None] * W2) * hp  # (rows, b, n)
        dW1 = torch.matmul(XbT, q.reshape(-1, b * n)).reshape(d, b, n) * (c * s_in)
        W1 -= a1 * dW1
        W2 -= a2 * dW2
    # runs alive to the end
    out_v[ids], out_inv[ids], out_last[ids], out_v0[ids] = sum_v, sum_inv, sum_last, v0
    rest = (steps - done).to(f64)
    vn = torch.clamp(K.NONFINITE / out_v0, max=K.CLIP)
    out_v = out_v + rest * vn
    out_inv = out_inv + rest / vn
    out_last = out_last + torch.clamp(rest, max=float(last)) * vn
    measure = torch.where(out_last / last < 1.0, -out_v, out_inv)
    return measure, done


def run_grid(
    act: int,
    X: np.ndarray,
    Y: np.ndarray,
    W1_0: np.ndarray,
    W2_0: np.ndarray,
    lr1: np.ndarray,
    lr2: np.ndarray,
    offset: np.ndarray,
    offset_every_step: bool,
    steps: int,
    s_in: float,
    s_out: float,
    batches: np.ndarray,
    *,
    device: Any = None,
    chunk_points: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Train one network per grid point in torch; the convergence measure.

    Arguments and results as :func:`fractal_lib.boundaries._net_kernels.run_grid`
    (without ``parallel``): the arrays' dtype (float64 or float32) is the training's,
    the measure is accumulated in float64.

    Parameters
    ----------
    act : int
        ``K.TANH``, ``K.RELU`` or ``K.IDENTITY``.
    X : ndarray, shape ``(N, d)``
        Inputs, float64 or float32 (``Y``, ``W1_0``, ``W2_0`` share the dtype).
    Y : ndarray, shape ``(N,)``
        Targets.
    W1_0 : ndarray, shape ``(d, n)``
        Initial input-layer weights.
    W2_0 : ndarray, shape ``(n,)``
        Initial output-layer weights.
    lr1, lr2, offset : ndarray(float64), shape ``(B,)``
        Learning rates and input-layer weight offsets per grid point.
    offset_every_step : bool
        Add the offset before every step instead of once.
    steps : int
        Updates per run, >= 1.
    s_in, s_out : float
        Layer scales: ``z = s_in X W1``, ``f = s_out h W2``.
    batches : ndarray(int64), shape ``(steps, b)`` or ``(0, 0)``
        Rows of each step's gradient; no rows: full batch.
    device : str or torch.device, optional
        Default :func:`fractal_lib.nets.torchtools.device` (CUDA when available,
        ``FRACTAL_DEVICE`` overrides).
    chunk_points : int, optional
        Grid points trained at once; default from :data:`CPU_CHUNK_BYTES` or
        :data:`GPU_CHUNK_BYTES` and :func:`bytes_per_point`, so memory stays bounded.

    Returns
    -------
    measure : ndarray(float64), shape ``(B,)``
        Convergence measure (< 0 converged, > 0 diverged).
    done : ndarray(int64), shape ``(B,)``
        Steps computed per run.

    Raises
    ------
    ValueError
        Mismatched shapes or dtypes, unknown ``act``, ``steps < 1``, ``batches`` of the
        wrong shape or out of range, ``chunk_points < 1``.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184): its networks and measure, which its JAX
    notebook also batches over grid points.
    """
    K._check_grid_args(X, Y, W1_0, W2_0, s_in, s_out)
    if act not in (K.TANH, K.RELU, K.IDENTITY):
        raise ValueError(f"act must be K.TANH, K.RELU or K.IDENTITY, got {act!r}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    B = lr1.shape[0]
    if lr2.shape != (B,) or offset.shape != (B,):
        raise ValueError("lr1, lr2 and offset must have the same length")
    batches = np.asarray(batches, dtype=np.int64)
    N, d = X.shape
    n = W2_0.shape[0]
    if batches.ndim != 2 or (
        batches.shape[0] > 0
        and (
            batches.shape[0] < steps
            or batches.shape[1] < 1
            or batches.min() < 0
            or batches.max() >= N
        )
    ):
        raise ValueError(
            f"batches must have shape (steps={steps}, b >= 1) with rows in "
            f"[0, {N}), or (0, 0); got shape {batches.shape}"
        )
    dev = torch.device(device) if device is not None else torchtools.device()
    if chunk_points is None:
        budget = GPU_CHUNK_BYTES if dev.type == "cuda" else CPU_CHUNK_BYTES
        chunk_points = max(1, budget // bytes_per_point(N, d, n, X.dtype.itemsize))
    if int(chunk_points) < 1:
        raise ValueError(f"chunk_points must be >= 1, got {chunk_points!r}")
    tdt = _TORCH_DTYPES[X.dtype]
    if (
        dev.type == "cuda"
        and tdt == torch.float32
        and torch.get_float32_matmul_precision() != "highest"
    ):
        warnings.warn(
            "torch float32 matrix products on CUDA may use TF32 (10-bit mantissa) "
            f"(float32_matmul_precision={torch.get_float32_matmul_precision()!r}): "
            "the float32 grid is then less precise than float32",
            RuntimeWarning,
            stacklevel=2,
        )

    def put(a: np.ndarray, dt: torch.dtype = tdt) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(a), device=dev).to(dt)

    tX, tY, t1, t2 = (put(a) for a in (X, Y, W1_0, W2_0))
    tb = put(batches[:steps] if batches.shape[0] else batches, torch.int64)
    r1, r2, ro = (put(a, torch.float64) for a in (lr1, lr2, offset))
    measure = np.empty(B)
    done = np.empty(B, dtype=np.int64)
    with torch.no_grad():
        for lo in range(0, B, int(chunk_points)):
            hi = min(B, lo + int(chunk_points))
            m, k = _chunk(
                act,
                tX,
                tY,
                t1,
                t2,
                r1[lo:hi],
                r2[lo:hi],
                ro[lo:hi],
                bool(offset_every_step),
                int(steps),
                float(s_in),
                float(s_out),
                tb,
            )
            measure[lo:hi] = m.cpu().numpy()
            done[lo:hi] = k.cpu().numpy()
    return measure, done
