"""Many tiny one-hidden-layer networks trained at once by full-batch gradient descent
(float64).

Each model ``m`` is ``x -> relu(x W1 + b1) W2 + b2`` with its own width, seed, learning
rate and class-weight schedule. All models live in four batched tensors, padded with
zeros to the widest one: a hidden unit whose incoming and outgoing weights are all zero
has zero pre-activation, zero activation and, since ``relu'(0) = 0``, zero gradient, so
the padding stays exactly zero and each model follows exactly the trajectory it would
follow alone (tested). The gradients are written out by hand. On the CPU in float64
(the spirals: 2 inputs, 3 classes) fused numba kernels compute the forward pass, the
loss with its gradient and the statistics, and the backward pass, one pass over the
points per hidden unit with the operands in registers and the padding skipped; their
matrix products run at about the machine's float64 matrix-product rate, and a whole
step is tens of times faster than a plain autograd loop
(``benchmarks/bench_batched_trainer.py`` prints both as fractions of the
matrix-product rate). Elsewhere (GPU, float32, other shapes) the same loop runs on
batched torch matrix products (``backend="torch"``, the reference the kernels are
tested against: equal to rounding).

Recorded per step: the dynamical loss (at the step's weights ``Gamma(t)``), the static
loss (all weights 1), the training accuracy and the cosine between consecutive updates
(the input of :func:`fractal_lib.dynamical.losses.first_instability`). Every
``hessian_every`` steps the top Hessian eigenvalues of the *current* (time-dependent)
loss of every model are computed at once by a batched Lanczos iteration on
Hessian-vector products (:func:`batched_top_eigen`, tested against
:func:`fractal_lib.nets.hessian.top_eigen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
from tqdm import tqdm

from .._numba import njit
from ..core.checks import check_int, warn_limit
from ..core.config import progress_enabled
from ..nets.torchtools import num_threads
from . import losses as DL

#: Names of the network parameters, in the order of the snapshots.
PARAM_NAMES = ("W1", "b1", "W2", "b2")

#: Backends of :func:`train`: ``"kernel"`` (fused numba kernels, one pass over the
#: points per hidden unit: CPU, float64, 2 inputs, 3 classes), ``"torch"`` (batched
#: matrix products, any device and dtype) and ``"auto"`` (the kernel where it applies,
#: torch otherwise).
BACKENDS = ("auto", "kernel", "torch")


# --------------------------------------------------------------------------- parameters
def _as_int_array(
    name: str, v: int | Sequence[int], n: int | None = None
) -> np.ndarray:
    a = np.atleast_1d(np.asarray(v))
    if a.ndim != 1 or a.size == 0 or not np.all(np.equal(np.mod(a, 1), 0)):
        raise ValueError(
            f"{name} must be an integer or a non-empty 1-D sequence of integers, got "
            f"{v!r}"
        )
    a = a.astype(np.int64)
    if n is not None and a.size not in (1, n):
        raise ValueError(f"{name} must have 1 or {n} entries, got {a.size}")
    return a if n is None or a.size == n else np.repeat(a, n)


def init_params(
    widths: Sequence[int],
    seeds: Sequence[int],
    *,
    d_in: int = 2,
    n_out: int = 3,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> list[torch.Tensor]:
    """Batched initial parameters of ``M`` one-hidden-layer networks, zero-padded.

    Model ``m`` has width ``widths[m]`` and draws from its own generator seeded with
    ``seeds[m]``: ``W1 ~ N(0, 1/d_in)``, ``W2 ~ N(0, 1/width)``, biases 0 (the
    "standard" parameterisation of the authors' original neural-tangents network with
    ``W_std = 1`` and trainable zero biases). The same (width, seed) gives the same
    numbers in any batch. ``H = max(widths)``; the padding is zero.

    Parameters
    ----------
    widths : sequence of int
        Hidden width of each model (>= 1); one value is broadcast over ``seeds``.
    seeds : sequence of int
        Initialisation seed of each model (>= 0).
    d_in : int
        Input dimension.
    n_out : int
        Number of outputs (classes).
    dtype : torch.dtype
        Dtype of the returned tensors (drawn in float64).
    device : torch.device or str, optional
        Device of the returned tensors.

    Returns
    -------
    list of Tensor
        ``[W1 (M, d_in, H), b1 (M, H), W2 (M, H, n_out), b2 (M, n_out)]``.

    Raises
    ------
    ValueError
        Non-integer, negative or mismatched ``widths`` / ``seeds``; ``d_in`` or
        ``n_out < 1``.
    """
    w = _as_int_array("widths", widths)
    s = _as_int_array("seeds", seeds, w.size)
    w = np.repeat(w, s.size) if w.size == 1 and s.size > 1 else w
    if np.any(w < 1):
        raise ValueError(f"width must be >= 1, got {w.min()}")
    if np.any(s < 0):
        raise ValueError(f"seeds must be >= 0, got {s.min()}")
    if int(d_in) < 1 or int(n_out) < 1:
        raise ValueError(f"d_in and n_out must be >= 1, got {d_in}, {n_out}")
    m, h = w.size, int(w.max())
    W1 = torch.zeros(m, d_in, h, dtype=torch.float64)
    W2 = torch.zeros(m, h, n_out, dtype=torch.float64)
    for i, (wi, si) in enumerate(zip(w, s, strict=True)):
        gen = torch.Generator().manual_seed(int(si))
        W1[i, :, :wi] = torch.randn(
            d_in, int(wi), generator=gen, dtype=torch.float64
        ) / np.sqrt(d_in)
        W2[i, :wi, :] = torch.randn(
            int(wi), n_out, generator=gen, dtype=torch.float64
        ) / np.sqrt(wi)
    params = [
        W1,
        torch.zeros(m, h, dtype=torch.float64),
        W2,
        torch.zeros(m, n_out, dtype=torch.float64),
    ]
    return [p.to(dtype=dtype, device=device) for p in params]


def forward(params: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Outputs of every model on the points ``x``.

    Parameters
    ----------
    params : sequence of Tensor
        Batched parameters ``[W1, b1, W2, b2]`` (as from :func:`init_params`).
    x : Tensor, shape (N, d_in)
        The points.

    Returns
    -------
    Tensor, shape (M, N, n_out)
        The logits, ``relu(x W1 + b1) W2 + b2`` per model.
    """
    W1, b1, W2, b2 = params
    z = torch.matmul(x, W1) + b1.unsqueeze(1)
    return torch.baddbmm(b2.unsqueeze(1), torch.relu(z), W2)


def _forward_backward(
    params: Sequence[torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    kind: str,
    gamma: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    W1, b1, W2, b2 = params
    z = torch.matmul(x, W1) + b1.unsqueeze(1)  # (M, N, H)
    h = torch.relu(z)
    out = torch.baddbmm(b2.unsqueeze(1), h, W2)  # (M, N, C)
    loss, g = DL.loss_and_grad(kind, out, y, gamma)
    gW2 = torch.bmm(h.transpose(1, 2), g)
    gb2 = g.sum(1)
    dz = torch.ops.aten.threshold_backward(
        torch.bmm(g, W2.transpose(1, 2)), h, 0.0
    )  # relu'(z) = [h > 0]
    gW1 = torch.matmul(x.T, dz)
    gb1 = dz.sum(1)
    return loss, out, [gW1, gb1, gW2, gb2]


# Fused kernels of the "kernel" backend: the spiral's shapes (2 inputs, 3 classes) are
# written out so that every loop over the points vectorises with its operands in
# registers; padded hidden units (j >= width) are skipped (their gradient is exactly 0).
# ``reassoc`` lets LLVM split the sums over points into vector lanes; no ``nnan``: NaN
# and inf behave as in the torch backend (relu(NaN) = NaN, relu'(NaN) = 0).
_FASTMATH = {"reassoc", "contract"}


@njit(cache=True, fastmath=_FASTMATH)
def _kernel_forward(xt, W1, b1, W2, b2, widths, out):  # pragma: no cover - numba
    """Logits ``out (M, 3, N)`` of every model at the points ``xt (2, N)``."""
    n = xt.shape[1]
    x0 = xt[0]
    x1 = xt[1]
    for m in range(W1.shape[0]):
        o0 = out[m, 0]
        o1 = out[m, 1]
        o2 = out[m, 2]
        c0 = b2[m, 0]
        c1 = b2[m, 1]
        c2 = b2[m, 2]
        for i in range(n):
            o0[i] = c0
            o1[i] = c1
            o2[i] = c2
        wm = widths[m]
        j = 0
        while j + 2 <= wm:  # two hidden units per pass over the points
            ba = b1[m, j]
            a0 = W1[m, 0, j]
            a1 = W1[m, 1, j]
            va0 = W2[m, j, 0]
            va1 = W2[m, j, 1]
            va2 = W2[m, j, 2]
            bb = b1[m, j + 1]
            e0 = W1[m, 0, j + 1]
            e1 = W1[m, 1, j + 1]
            vb0 = W2[m, j + 1, 0]
            vb1 = W2[m, j + 1, 1]
            vb2 = W2[m, j + 1, 2]
            for i in range(n):
                za = ba + x0[i] * a0 + x1[i] * a1
                ha = 0.0 if za <= 0.0 else za  # relu; NaN stays NaN
                zb = bb + x0[i] * e0 + x1[i] * e1
                hb = 0.0 if zb <= 0.0 else zb
                o0[i] = (o0[i] + ha * va0) + hb * vb0
                o1[i] = (o1[i] + ha * va1) + hb * vb1
                o2[i] = (o2[i] + ha * va2) + hb * vb2
            j += 2
        if j < wm:
            ba = b1[m, j]
            a0 = W1[m, 0, j]
            a1 = W1[m, 1, j]
            va0 = W2[m, j, 0]
            va1 = W2[m, j, 1]
            va2 = W2[m, j, 2]
            for i in range(n):
                za = ba + x0[i] * a0 + x1[i] * a1
                ha = 0.0 if za <= 0.0 else za  # relu; NaN stays NaN
                o0[i] += ha * va0
                o1[i] += ha * va1
                o2[i] += ha * va2


@njit(cache=True, fastmath=_FASTMATH)
def _kernel_backward(
    xt, W1, b1, W2, g, widths, gW1, gb1, gW2, gb2
):  # pragma: no cover - numba
    """Gradients of every model from ``g = d loss / d out`` of shape ``(M, 3, N)``;
    the pre-activations are recomputed (cheaper than storing them)."""
    n = xt.shape[1]
    x0 = xt[0]
    x1 = xt[1]
    for m in range(W1.shape[0]):
        g0 = g[m, 0]
        g1 = g[m, 1]
        g2 = g[m, 2]
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        for i in range(n):
            s0 += g0[i]
            s1 += g1[i]
            s2 += g2[i]
        gb2[m, 0] = s0
        gb2[m, 1] = s1
        gb2[m, 2] = s2
        for j in range(widths[m]):
            bj = b1[m, j]
            a0 = W1[m, 0, j]
            a1 = W1[m, 1, j]
            v0 = W2[m, j, 0]
            v1 = W2[m, j, 1]
            v2 = W2[m, j, 2]
            q0 = 0.0
            q1 = 0.0
            q2 = 0.0
            r0 = 0.0
            r1 = 0.0
            sb = 0.0
            for i in range(n):
                z = bj + x0[i] * a0 + x1[i] * a1
                h = 0.0 if z <= 0.0 else z  # relu; NaN stays NaN
                e0 = g0[i]
                e1 = g1[i]
                e2 = g2[i]
                q0 += h * e0
                q1 += h * e1
                q2 += h * e2
                dh = e0 * v0 + e1 * v1 + e2 * v2
                dz = dh if z > 0.0 else 0.0
                sb += dz
                r0 += x0[i] * dz
                r1 += x1[i] * dz
            gW2[m, j, 0] = q0
            gW2[m, j, 1] = q1
            gW2[m, j, 2] = q2
            gW1[m, 0, j] = r0
            gW1[m, 1, j] = r1
            gb1[m, j] = sb


@njit(cache=True, fastmath=_FASTMATH)
def _kernel_loss(out, y, gamma, code, g, loss, static, acc):  # pragma: no cover
    """Loss, ``g = d loss / d out``, static loss and accuracy of every model from the
    logits ``out (M, C, N)`` and labels ``y (N,)``: the formulas of
    :func:`fractal_lib.dynamical.losses.loss_and_grad` and ``loss_value`` (tested equal
    to rounding), fused because torch is slow on a class axis of length 3. ``code``: 0
    ce/dce, 1 mse/dmse1, 2 dmse2; ``gamma (M, C)`` are ones for the static losses."""
    n_models, n_cls, n = out.shape
    mx = np.empty(n)
    se = np.empty(n)
    for m in range(n_models):
        o = out[m]
        gm = g[m]
        hits = 0
        for i in range(n):  # max and torch.argmax (the first maximum; a NaN wins)
            v = o[0, i]
            best = 0
            for c in range(1, n_cls):
                u = o[c, i]
                if v != v:
                    break
                if u > v or u != u:
                    v = u
                    best = c
            mx[i] = v
            hits += best == y[i]
        acc[m] = hits / n
        lsum = 0.0
        ssum = 0.0
        if code == 0:
            for i in range(n):
                se[i] = 0.0
            for c in range(n_cls):
                for i in range(n):
                    e = np.exp(o[c, i] - mx[i])
                    gm[c, i] = e
                    se[i] += e
            for i in range(n):
                yi = y[i]
                nll = mx[i] + np.log(se[i]) - o[yi, i]
                wy = gamma[m, yi]
                lsum += wy * nll
                ssum += nll
                for c in range(n_cls):
                    gm[c, i] = wy * (gm[c, i] / se[i] - (c == yi)) / n
        else:
            for c in range(n_cls):
                gc = gamma[m, c]
                for i in range(n):
                    t = 1.0 if c == y[i] else 0.0
                    r0 = o[c, i] - t
                    ssum += r0 * r0
                    if code == 1:
                        lsum += r0 * r0 * gc
                        gm[c, i] = 2.0 * gc * r0 / n
                    else:
                        r = o[c, i] - t * gc
                        lsum += r * r
                        gm[c, i] = 2.0 * r / n
        loss[m] = lsum / n
        static[m] = ssum / n


@njit(cache=True, fastmath={"reassoc"})
def _kernel_update(flat, gbuf, cur, lrs, stats, cos, ratio):  # pragma: no cover
    """``flat -= lr * g`` (as torch: product, then difference, no FMA) for the
    gradient ``g = gbuf[:, cur]``; with ``stats``, also the cosine and growth factor
    of ``g`` against the previous gradient ``gbuf[:, 1 - cur]``."""
    n_models, n = flat.shape
    for m in range(n_models):
        g = gbuf[m, cur]
        q = gbuf[m, 1 - cur]
        f = flat[m]
        lr = lrs[m]
        if stats:
            dot = 0.0
            n1 = 0.0
            n0 = 0.0
            for i in range(n):
                dot += g[i] * q[i]
                n1 += g[i] * g[i]
                n0 += q[i] * q[i]
            cos[m] = dot / np.sqrt(n1 * n0)
            ratio[m] = dot / n0
        for i in range(n):
            f[i] -= lr * g[i]


def kernel_applies(x: torch.Tensor, n_out: int) -> bool:
    """Whether the fused kernels of :func:`train` (``backend="kernel"``) can train on
    ``x``.

    Parameters
    ----------
    x : Tensor, shape (N, d_in)
        The training points.
    n_out : int
        Number of classes.

    Returns
    -------
    bool
        True for float64 points on the CPU with ``d_in = 2`` and ``n_out = 3`` (the
        spirals); the ``torch`` backend trains everything else.
    """
    return (
        x.device.type == "cpu"
        and x.dtype == torch.float64
        and x.ndim == 2
        and x.shape[1] == 2
        and int(n_out) == 3
    )


def step_flops(
    widths: Sequence[int], n_points: int, d_in: int = 2, n_out: int = 3
) -> int:
    """Useful floating-point operations of one full-batch GD step of every model.

    Counted as the matrix products a dense implementation needs, ``2 N`` flops per
    weight and product: the forward pass (``x W1``, ``h W2``) and the backward pass
    (``h^T g`` and ``g W2^T`` of the output layer, ``x^T dz`` of the hidden layer; no
    gradient with respect to the inputs), i.e. ``2 N (2 d_in w + 3 w n_out)`` per model
    of width ``w``. Biases, activations, the loss and the padding of narrower models
    are not counted.

    Parameters
    ----------
    widths : sequence of int
        Hidden width of each model.
    n_points : int
        Training points ``N``.
    d_in, n_out : int
        Input dimension and number of classes.

    Returns
    -------
    int
        Flops of one step of all models.

    Raises
    ------
    ValueError
        A width, ``n_points``, ``d_in`` or ``n_out`` below 1.
    """
    w = _as_int_array("widths", widths)
    for name, v in (("n_points", n_points), ("d_in", d_in), ("n_out", n_out)):
        if int(v) < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")
    if np.any(w < 1):
        raise ValueError(f"width must be >= 1, got {int(w.min())}")
    return int(2 * int(n_points) * (2 * int(d_in) + 3 * int(n_out)) * int(w.sum()))


def flatten(params: Sequence[torch.Tensor]) -> torch.Tensor:
    """Per-model flat parameter vectors.

    Parameters
    ----------
    params : sequence of Tensor
        Batched tensors, each with the models along axis 0.

    Returns
    -------
    Tensor, shape (M, P)
        The tensors flattened per model and concatenated.
    """
    return torch.cat([p.reshape(p.shape[0], -1) for p in params], dim=1)


def unflatten(vec: torch.Tensor, like: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Inverse of :func:`flatten`.

    Parameters
    ----------
    vec : Tensor, shape (M, P)
        Flat per-model vectors.
    like : sequence of Tensor
        Batched tensors whose shapes to restore.

    Returns
    -------
    list of Tensor
        Views of ``vec`` shaped like ``like``.
    """
    out, i = [], 0
    for p in like:
        n = p[0].numel()
        out.append(vec[:, i : i + n].reshape(p.shape))
        i += n
    return out


def param_mask(widths: Sequence[int], like: Sequence[torch.Tensor]) -> torch.Tensor:
    """Mask of each model's real parameters (1) against its zero padding (0).

    Parameters
    ----------
    widths : sequence of int, shape (M,)
        Hidden width of each model.
    like : sequence of Tensor
        Batched parameters ``[W1, b1, W2, b2]`` padded to the widest model.

    Returns
    -------
    Tensor, shape (M, P)
        In the order of :func:`flatten`.
    """
    w = torch.as_tensor(np.asarray(widths), device=like[0].device)
    h = like[0].shape[2]
    unit = (torch.arange(h, device=w.device)[None, :] < w[:, None]).to(
        like[0].dtype
    )  # (M, H)
    parts = [
        unit[:, None, :].expand_as(like[0]),
        unit,
        unit[:, :, None].expand_as(like[2]),
        torch.ones_like(like[3]),
    ]
    return flatten(parts)


# --------------------------------------------------------------------------- Hessian
class BatchedEigen(NamedTuple):
    """Result of :func:`batched_top_eigen`.

    Attributes
    ----------
    values : ndarray, shape (M, k)
        Top eigenvalues in descending order (NaN for diverged models).
    vectors : Tensor, shape (M, k, P), or None
        Unit Ritz vectors when asked for.
    residuals : ndarray, shape (M, k)
        Ritz residuals ``|beta_m s_{m,i}|``.
    converged : ndarray of bool, shape (M, k)
        Whether each pair met the tolerance.
    """

    values: np.ndarray
    vectors: torch.Tensor | None
    residuals: np.ndarray
    converged: np.ndarray


def batched_top_eigen(
    params: Sequence[torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    kind: str,
    gamma: torch.Tensor | np.ndarray | None = None,
    *,
    k: int = 2,
    n_iter: int = 20,
    mask: torch.Tensor | None = None,
    seed: int = 0,
    tol: float = 1e-4,
    return_vectors: bool = False,
) -> BatchedEigen:
    """Top-``k`` Hessian eigenvalues of every model's loss at once (Lanczos, full
    reorthogonalisation, a fixed Krylov dimension ``n_iter``).

    Where a model's Krylov space closes before ``n_iter`` steps (``beta`` below
    ``tol * max(1, max |alpha|)``) its iteration restarts from a fresh seeded random
    vector orthogonal to its basis, so repeated eigenvalues are found with their
    multiplicity.

    The loss of the batch is the sum of the models' losses, whose Hessian is block
    diagonal, so one double back-propagation gives every model's Hessian-vector product.

    Parameters
    ----------
    params : sequence of Tensor
        Batched parameters (as from :func:`init_params`); not modified.
    x, y : Tensor
        Points ``(N, d_in)`` and one-hot labels ``(N, C)``.
    kind : str
        Loss name (:data:`fractal_lib.dynamical.losses.LOSSES`).
    gamma : array, shape (M, C) or (C,), optional
        Class weights of each model's current loss.
    k : int
        Number of eigenvalues, ``1 <= k <= n_iter``.
    n_iter : int
        Krylov dimension (>= k). The authors' code uses 10.
    mask : Tensor, shape (M, P), optional
        :func:`param_mask` of padded models (keeps the iteration off the padding).
    seed : int
        Seed of the random starting vectors.
    tol : float
        A model's pairs are ``converged`` when each Ritz residual ``|beta_m s_{m,i}|``
        (the norm of ``H v_i - theta_i v_i``) is at most ``tol * max(1, |theta_1|)``;
        the residual bounds the distance from ``theta_i`` to an eigenvalue.
    return_vectors : bool
        Also return the unit Ritz vectors, shape ``(M, k, P)``.

    Returns
    -------
    BatchedEigen
        ``values`` (M, k) in descending order (NaN for diverged models), ``vectors`` (or
        None), ``residuals`` (M, k) and ``converged`` (M, k), False where a pair missed
        ``tol`` (or the model diverged). Unpacks as
        ``values, vectors, residuals, converged``. The caller reads ``converged``; no
        warning is issued here (:func:`train` and the recipes aggregate the flags and
        warn once).

    Raises
    ------
    ValueError
        Unknown loss, ``k`` outside ``[1, min(n_iter, P)]`` or ``tol <= 0``.
    """
    DL.check_loss(kind)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    if not 1 <= int(k) <= int(n_iter):
        raise ValueError(f"k must be in [1, n_iter={n_iter}], got {k}")
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    m = ps[0].shape[0]
    n = sum(p[0].numel() for p in ps)
    n_iter = min(int(n_iter), n)
    if not 1 <= int(k) <= n_iter:
        raise ValueError(f"k must be at most the number of parameters {n}, got {k}")
    loss = DL.loss_value(kind, forward(ps, x), y, gamma).sum()
    grads = torch.autograd.grad(loss, ps, create_graph=True)
    gflat = flatten(grads)

    def hv(v: torch.Tensor) -> torch.Tensor:
        out = torch.autograd.grad((gflat * v).sum(), ps, retain_graph=True)
        r = flatten(out).detach()
        return r if mask is None else r * mask

    gen = torch.Generator().manual_seed(int(seed))
    q = torch.randn(m, n, generator=gen, dtype=torch.float64).to(ps[0])
    if mask is not None:
        q = q * mask
    q = q / torch.linalg.vector_norm(q, dim=1, keepdim=True)
    basis = torch.zeros(m, n_iter, n, dtype=q.dtype, device=q.device)
    alpha = torch.zeros(m, n_iter, dtype=q.dtype, device=q.device)
    beta = torch.zeros(m, n_iter, dtype=q.dtype, device=q.device)
    for j in range(n_iter):
        basis[:, j] = q
        w = hv(q)
        alpha[:, j] = (w * q).sum(1)
        b = basis[:, : j + 1]
        for _ in range(2):
            w = w - torch.bmm(torch.bmm(w.unsqueeze(1), b.transpose(1, 2)), b).squeeze(
                1
            )
        nb = torch.linalg.vector_norm(w, dim=1)
        beta[:, j] = nb
        q = torch.where(
            nb[:, None] > 1e-12, w / nb.clamp_min(1e-300)[:, None], torch.zeros_like(w)
        )
        # A closed Krylov space (every Ritz residual below tol) holds one vector per
        # eigenspace, so
        # a repeated eigenvalue would show up once: restart those models from a fresh
        # random vector
        # orthogonal to their basis, with beta = 0 there (block-diagonal T).
        closed_now = nb <= max(1e-12, tol) * alpha[:, : j + 1].abs().amax(1).clamp_min(
            1.0
        )
        if j + 1 < n_iter and bool(closed_now.any()):
            r = torch.randn(m, n, generator=gen, dtype=torch.float64).to(ps[0])
            if mask is not None:
                r = r * mask
            for _ in range(2):
                r = r - torch.bmm(
                    torch.bmm(r.unsqueeze(1), b.transpose(1, 2)), b
                ).squeeze(1)
            rn = torch.linalg.vector_norm(r, dim=1)
            fresh = closed_now & (rn > 1e-8)
            beta[:, j] = torch.where(closed_now, torch.zeros_like(nb), nb)
            q = torch.where(
                fresh[:, None],
                r / rn.clamp_min(1e-300)[:, None],
                torch.where(closed_now[:, None], torch.zeros_like(w), q),
            )
    tri = (
        torch.diag_embed(alpha)
        + torch.diag_embed(beta[:, :-1], 1)
        + torch.diag_embed(beta[:, :-1], -1)
    )
    bad = ~torch.isfinite(tri).all(-1).all(-1)  # diverged models: NaN, not an error
    tri = torch.where(bad[:, None, None], torch.zeros_like(tri), tri)
    theta, s = torch.linalg.eigh(tri)
    values = theta.flip(-1)[:, :k].masked_fill(bad[:, None], float("nan"))
    # Ritz residual ||H y_i - theta_i y_i|| = |beta_last s_last,i| (T is block diagonal
    # after a
    # restart; beta_last is the coupling of the last block; 0 once the whole space is
    # spanned)
    resid = (
        (beta[:, -1:] * s.flip(-1)[:, -1, :k])
        .abs()
        .masked_fill(bad[:, None], float("nan"))
    )
    scale = values[:, :1].abs().clamp_min(1.0)
    conv = ((resid <= tol * scale) & ~bad[:, None]).cpu().numpy()
    vecs = None
    if return_vectors:
        top = s.flip(-1)[:, :, :k]  # (M, n_iter, k)
        vecs = torch.bmm(top.transpose(1, 2), torch.nan_to_num(basis))  # (M, k, P)
        vecs = vecs / torch.linalg.vector_norm(vecs, dim=2, keepdim=True)
        vecs = vecs.masked_fill(bad[:, None, None], float("nan"))
    return BatchedEigen(
        values.detach().cpu().numpy(), vecs, resid.detach().cpu().numpy(), conv
    )


# --------------------------------------------------------------------------- training
@dataclass
class TrainResult:
    """What :func:`train` records (numpy arrays; ``M`` models, ``S`` steps).

    Attributes
    ----------
    loss : ndarray (M, S + 1)
        Dynamical loss before each step (weights of that step); the last column after
        the last step (weights of step ``S``).
    static_loss : ndarray (M, S + 1)
        The same with every weight 1 (the "loss" the authors' code prints).
    acc : ndarray (M, S + 1)
        Training accuracy.
    cos : ndarray (M, S), float32
        Cosine between the update of step ``t`` and of step ``t - 1`` (NaN at
        ``t = 0``).
    ratio : ndarray (M, S), float32
        ``g_t . g_{t-1} / |g_{t-1}|**2``: the growth factor of the update along the
        previous one. On a quadratic with curvature ``lam`` it is ``1 - lr lam``, below
        -1 exactly when ``lam > 2 / lr`` (input of
        :func:`fractal_lib.dynamical.losses.first_instability`).
    hess_steps : ndarray (K,)
        Steps at which the Hessian was evaluated (before that step's update).
    hess : ndarray (M, K, k)
        Top-``k`` Hessian eigenvalues of the current dynamical loss there.
    hess_converged : ndarray of bool (M, K, k)
        Whether each eigenpair of that evaluation converged
        (:attr:`BatchedEigen.converged`); :func:`train` warns once when any did not.
    val_steps : ndarray (V,)
        Steps at which validation accuracy was measured.
    val_acc, val_loss : ndarray (M, V)
        Validation accuracy and static validation loss.
    snapshots : dict
        ``{name: (n_snap, M, ...)}`` parameters at ``snap_steps`` (names
        :data:`PARAM_NAMES`).
    snap_steps : ndarray
        Steps of the snapshots.
    widths, seeds, lrs : ndarray (M,)
        Width, seed and learning rate of each model.
    """

    loss: np.ndarray
    static_loss: np.ndarray
    acc: np.ndarray
    cos: np.ndarray
    ratio: np.ndarray
    hess_steps: np.ndarray
    hess: np.ndarray
    val_steps: np.ndarray
    val_acc: np.ndarray
    val_loss: np.ndarray
    snap_steps: np.ndarray
    widths: np.ndarray
    seeds: np.ndarray
    lrs: np.ndarray
    snapshots: dict[str, np.ndarray] = field(default_factory=dict)
    hess_converged: np.ndarray = field(
        default_factory=lambda: np.zeros((0, 0, 0), dtype=bool)
    )

    @property
    def diverged(self) -> np.ndarray:
        """Models whose final loss is not finite."""
        return ~np.isfinite(self.static_loss[:, -1])

    def arrays(self) -> dict[str, np.ndarray]:
        """Flat dict of arrays (for :class:`fractal_lib.core.cache.ResultCache`).

        Returns
        -------
        dict of str to ndarray
            The fields, with each snapshot as ``snap_<name>``; :meth:`from_arrays`
            inverts it.
        """
        out = {k: v for k, v in vars(self).items() if k != "snapshots"}
        out.update({f"snap_{k}": v for k, v in self.snapshots.items()})
        return out

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> TrainResult:
        """Rebuild a result from :meth:`arrays` output.

        Parameters
        ----------
        a : dict of str to ndarray
            The arrays.

        Returns
        -------
        TrainResult
            The result.
        """
        snaps = {
            k[5:]: v
            for k, v in a.items()
            if k.startswith("snap_") and k != "snap_steps"
        }
        rest = {
            k: v
            for k, v in a.items()
            if not (k.startswith("snap_") and k != "snap_steps")
        }
        return cls(**rest, snapshots=snaps)

    def params_at(self, step: int) -> list[torch.Tensor]:
        """Batched parameters stored at ``step``.

        Parameters
        ----------
        step : int
            One of ``snap_steps``.

        Returns
        -------
        list of Tensor
            ``[W1, b1, W2, b2]`` of every model at that step.

        Raises
        ------
        ValueError
            ``step`` is not a snapshot step.
        """
        hit = np.flatnonzero(self.snap_steps == step)
        if hit.size == 0:
            raise ValueError(
                f"step {step} is not a snapshot step {self.snap_steps.tolist()}"
            )
        return [torch.as_tensor(self.snapshots[n][hit[0]]) for n in PARAM_NAMES]


def _schedules(
    schedule: DL.Schedule | Sequence[DL.Schedule], m: int
) -> list[DL.Schedule]:
    if isinstance(schedule, DL.Schedule):
        return [schedule] * m
    s = list(schedule)
    if len(s) not in (1, m) or not all(isinstance(v, DL.Schedule) for v in s):
        raise ValueError(
            f"schedule must be a Schedule or a sequence of 1 or {m} Schedules"
        )
    return s * m if len(s) == 1 else s


def _gamma_block(scheds: list[DL.Schedule], t0: int, t1: int) -> torch.Tensor:
    t = np.arange(t0, t1)
    return torch.as_tensor(
        np.stack([s.weights(t) for s in scheds], axis=1)
    )  # (t1 - t0, M, C)


def train(
    widths: int | Sequence[int],
    seeds: int | Sequence[int],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str = "dce",
    schedule: DL.Schedule | Sequence[DL.Schedule] = DL.STATIC,
    lr: float | Sequence[float] = 1.0,
    steps: int = 1000,
    x_val: torch.Tensor | None = None,
    y_val: torch.Tensor | None = None,
    val_every: int = 0,
    hessian_every: int = 0,
    hessian_steps: Sequence[int] = (),
    hessian_k: int = 2,
    lanczos_iter: int = 20,
    snap_steps: Sequence[int] = (),
    progress: bool = True,
    chunk: int = 500,
    init: Sequence[torch.Tensor] | None = None,
    threads: int | None = 1,
    backend: str = "auto",
) -> TrainResult:
    """Full-batch gradient descent of many one-hidden-layer networks at once.

    Parameters
    ----------
    widths, seeds : int or sequence of int
        Hidden width (>= 1) and initialisation seed (>= 0) of each model; a single value
        is broadcast. ``M = max(len(widths), len(seeds))``.
    x, y : Tensor
        Training points ``(N, d_in)`` and integer labels ``(N,)`` (float64 recommended).
    loss : {"ce", "dce", "mse", "dmse1", "dmse2"}
        Loss (:mod:`fractal_lib.dynamical.losses`).
    schedule : Schedule or sequence of Schedule
        Class weights of each model (ignored by ``ce`` / ``mse``); ``dce`` with
        :data:`~fractal_lib.dynamical.losses.STATIC` is ``ce``.
    lr : float or sequence of float
        Learning rate(s), > 0 (one per model, or one for all).
    steps : int
        Number of GD steps (>= 1).
    x_val, y_val, val_every : optional
        Validation set, evaluated every ``val_every`` steps and after the last step.
    hessian_every : int
        Compute the top ``hessian_k`` Hessian eigenvalues every this many steps (0:
        never).
    hessian_k : int
        Number of Hessian eigenvalues per evaluation.
    hessian_steps : sequence of int, optional
        Explicit steps (in ``[0, steps]``) for the Hessian, added to those of
        ``hessian_every``.
    lanczos_iter : int
        Krylov dimension of each Hessian evaluation.
    snap_steps : sequence of int
        Steps (in ``[0, steps]``) at which to store the parameters (before that step's
        update).
    progress : bool
        Show a tqdm bar (also subject to
        :func:`fractal_lib.core.config.progress_enabled`).
    chunk : int
        Steps per block of precomputed class weights.
    init : sequence of Tensor, optional
        Batched initial parameters instead of :func:`init_params` (copied).
    threads : int or None
        Torch's intra-op thread count while training (default 1: these tensors are
        small, and on a busy machine more threads are many times slower); ``None``
        leaves it unchanged.
    backend : {"auto", "kernel", "torch"}
        How the gradients are computed (:data:`BACKENDS`). ``"kernel"``: fused numba
        kernels, one pass over the points per hidden unit with everything in
        registers, padded units skipped (CPU, float64, 2 inputs, 3 classes:
        :func:`kernel_applies`); ``"torch"``: batched matrix products on any device and
        dtype (the reference). ``"auto"`` (default) takes the kernel where it applies.
        The two agree to rounding (about 1e-15 relative per step; tested to 1e-12 on
        losses and weights after hundreds of steps).

    Returns
    -------
    TrainResult
        What was recorded (see there).

    Raises
    ------
    ValueError
        Unknown loss, bad widths or seeds, ``lr`` not > 0 or of the wrong length,
        ``steps < 1``, negative ``val_every`` / ``hessian_every``, ``chunk < 1``,
        snapshot or Hessian steps outside ``[0, steps]``, ``x`` / ``y`` of the wrong
        shapes, schedules with another number of classes, an unknown ``backend``, or
        ``backend="kernel"`` where :func:`kernel_applies` is False.

    References
    ----------
    Lavin, E. & Ruiz-Garcia, M. (2024). Dynamical loss functions shape landscape
    topography and improve learning in artificial neural networks. arXiv:2410.10690 (the
    network, full-batch GD and the recorded quantities).
    """
    if threads is not None:
        with num_threads(check_int(threads, "threads", 1)):
            return train(
                widths,
                seeds,
                x,
                y,
                loss=loss,
                schedule=schedule,
                lr=lr,
                steps=steps,
                x_val=x_val,
                y_val=y_val,
                val_every=val_every,
                hessian_every=hessian_every,
                hessian_steps=hessian_steps,
                hessian_k=hessian_k,
                lanczos_iter=lanczos_iter,
                snap_steps=snap_steps,
                progress=progress,
                chunk=chunk,
                init=init,
                threads=None,
                backend=backend,
            )
    kind = DL.check_loss(loss)
    w = _as_int_array("widths", widths)
    s = _as_int_array("seeds", seeds)
    m = max(w.size, s.size)
    w = _as_int_array("widths", w, m)
    s = _as_int_array("seeds", s, m)
    if np.any(w < 1):
        raise ValueError(f"width must be >= 1, got {int(w.min())}")
    lrs = (
        np.broadcast_to(np.asarray(lr, dtype=float), (m,)).copy()
        if np.ndim(lr) == 0 or np.size(lr) in (1, m)
        else None
    )
    if lrs is None:
        raise ValueError(f"lr must be a number or a sequence of {m} numbers")
    if not np.all(np.isfinite(lrs) & (lrs > 0)):
        raise ValueError(f"lr (learning rate) must be > 0, got {lr}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps}")
    for name, v in (("val_every", val_every), ("hessian_every", hessian_every)):
        if int(v) != v or v < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {v}")
    if int(chunk) < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    snap = np.unique(np.asarray(snap_steps, dtype=np.int64))
    if snap.size and (snap.min() < 0 or snap.max() > steps):
        raise ValueError(f"snap_steps must lie in [0, steps={steps}]")
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError("x must be (N, d_in) and y (N,) with the same N")
    n_out = int(y.max()) + 1
    scheds = _schedules(schedule, m)
    if any(sc.n_classes != n_out for sc in scheds if kind in DL.DYNAMICAL):
        raise ValueError(f"schedule n_classes must equal the number of classes {n_out}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    fits = kernel_applies(x, n_out)
    if backend == "kernel" and not fits:
        raise ValueError(
            "backend='kernel' needs float64 points on the CPU with 2 inputs and 3 "
            f"classes, got {x.dtype} on {x.device}, shape {tuple(x.shape)}, {n_out} "
            "classes"
        )
    use_kernel = fits and backend != "torch"
    yo = torch.nn.functional.one_hot(y, n_out).to(x.dtype)
    start = (
        [p.clone() for p in init]
        if init is not None
        else init_params(
            w, s, d_in=x.shape[1], n_out=n_out, dtype=x.dtype, device=x.device
        )
    )
    mask = param_mask(w, start)
    # All parameters (and the gradients of two consecutive steps) live in flat (M, P)
    # buffers; the four tensors are views, so one update and one Gram matrix per step.
    flat = flatten(start)
    params = unflatten(flat, start)
    gbuf = torch.zeros(m, 2, flat.shape[1], dtype=x.dtype, device=x.device)
    gviews = [unflatten(gbuf[:, i], start) for i in range(2)]
    lr_col = torch.as_tensor(lrs, dtype=x.dtype, device=x.device)[:, None]
    if use_kernel:
        # units a kernel may skip: beyond each model's width, unless a given init
        # put weights there (then every unit is trained, as by the torch backend)
        h = start[0].shape[2]
        padded_zero = bool((flat * (1 - mask) == 0).all())
        live = np.minimum(w, h) if padded_zero else np.full(m, h)
        live = live.astype(np.int64)
        xt = np.ascontiguousarray(x.detach().numpy().T)
        pn = [p.numpy() for p in params]
        out_cn = np.empty((m, n_out, x.shape[0]))  # (M, C, N): points innermost
        g_cn = np.empty_like(out_cn)
        gn = [[v.numpy() for v in views] for views in gviews]
        y_np = y.numpy()
        code = {"ce": 0, "dce": 0, "mse": 1, "dmse1": 1, "dmse2": 2}[kind]
        static_gamma = kind in ("ce", "mse")
    snap_set = set(snap.tolist())
    have_val = x_val is not None and y_val is not None and val_every > 0
    yv = torch.nn.functional.one_hot(y_val, n_out).to(x.dtype) if have_val else None

    # per-step records stay on the device until the end (no host sync per step)
    rec = torch.empty(3, steps + 1, m, dtype=torch.float64, device=x.device)
    rec_cr = torch.full(
        (2, steps, m), float("nan"), dtype=torch.float32, device=x.device
    )
    h_steps = (
        np.arange(0, steps + 1, hessian_every)
        if hessian_every
        else np.zeros(0, np.int64)
    )
    extra = np.asarray(hessian_steps, dtype=np.int64).reshape(-1)
    if extra.size and (extra.min() < 0 or extra.max() > steps):
        raise ValueError(f"hessian_steps must lie in [0, steps={steps}]")
    h_steps = np.union1d(h_steps, extra).astype(np.int64)
    rec_h = np.full((m, h_steps.size, hessian_k), np.nan)
    rec_hc = np.zeros((m, h_steps.size, hessian_k), dtype=bool)
    v_steps = (
        np.unique(np.r_[np.arange(0, steps, val_every), steps])
        if have_val
        else np.zeros(0, np.int64)
    )
    rec_va = np.full((m, v_steps.size), np.nan)
    rec_vl = np.full((m, v_steps.size), np.nan)
    snaps: dict[str, list[np.ndarray]] = {n: [] for n in PARAM_NAMES}
    ones = torch.ones(m, n_out, dtype=x.dtype, device=x.device)
    ones_np = ones.cpu().numpy()
    if use_kernel:  # the kernels write the records and update the weights
        rec_np, rec_cr_k = rec.numpy(), rec_cr.numpy()
        flat_np, gbuf_np = flat.numpy(), gbuf.numpy()
    static_kind = DL.static_counterpart(kind)
    hi = vi = 0
    bar = tqdm(
        total=steps,
        disable=not (progress and progress_enabled()),
        desc=f"GD {m} models",
        leave=False,
    )
    gam_block = None
    with torch.no_grad():
        for t in range(steps + 1):
            if t % chunk == 0:
                gam_block = _gamma_block(scheds, t, min(t + chunk, steps + 1)).to(x)
                bar.update(min(chunk, steps - bar.n))
            gam = gam_block[t % chunk]
            if t in snap_set:
                for n, p in zip(PARAM_NAMES, params, strict=True):
                    snaps[n].append(p.cpu().numpy().copy())
            if hi < h_steps.size and h_steps[hi] == t:
                with torch.enable_grad():
                    eig = batched_top_eigen(
                        params,
                        x,
                        yo,
                        kind,
                        gam,
                        k=hessian_k,
                        n_iter=lanczos_iter,
                        mask=mask,
                        seed=int(s[0]) + t,
                    )
                rec_h[:, hi] = eig.values
                rec_hc[:, hi] = eig.converged
                hi += 1
            cur = t % 2
            if use_kernel:
                _kernel_forward(xt, *pn, live, out_cn)
                _kernel_loss(
                    out_cn,
                    y_np,
                    ones_np if static_gamma else gam.numpy(),
                    code,
                    g_cn,
                    *rec_np[:, t],
                )
            else:
                lossv, out, grads = _forward_backward(params, x, yo, kind, gam)
                rec[0, t] = lossv
                rec[1, t] = DL.loss_value(static_kind, out, yo, ones)
                rec[2, t] = (out.argmax(-1) == y).to(x.dtype).mean(-1)
            if vi < v_steps.size and v_steps[vi] == t:
                ov = forward(params, x_val)
                rec_va[:, vi] = (
                    (ov.argmax(-1) == y_val).to(x.dtype).mean(-1).cpu().numpy()
                )
                rec_vl[:, vi] = DL.loss_value(static_kind, ov, yv, ones).cpu().numpy()
                vi += 1
            if t == steps:
                break
            if use_kernel:
                _kernel_backward(xt, *pn[:3], g_cn, live, *gn[cur])
            else:
                for v, gr in zip(gviews[cur], grads, strict=True):
                    v.copy_(gr)
            if use_kernel:
                _kernel_update(flat_np, gbuf_np, cur, lrs, t > 0, *rec_cr_k[:, t])
                continue
            if t > 0:  # cosine and growth factor against the previous update
                gram = torch.bmm(gbuf, gbuf.transpose(1, 2))  # (M, 2, 2)
                dot, n1, n0 = (
                    gram[:, 0, 1],
                    gram[:, cur, cur],
                    gram[:, 1 - cur, 1 - cur],
                )
                rec_cr[0, t] = dot / torch.sqrt(n1 * n0)
                rec_cr[1, t] = dot / n0
            flat.sub_(lr_col * gbuf[:, cur])
    bar.close()
    rec_np = rec.cpu().numpy().transpose(0, 2, 1)  # (3, M, S + 1)
    rec_cr_np = rec_cr.cpu().numpy().transpose(0, 2, 1)
    miss = ~rec_hc & np.isfinite(rec_h)  # diverged models are NaN, not a Lanczos limit
    if miss.any():
        per = ", ".join(
            f"λ{i + 1}: {int(miss[..., i].sum())}" for i in range(hessian_k)
        )
        warn_limit(
            f"train: of {miss[..., 0].size} Hessian evaluations, some eigenvalues did "
            "not converge "
            f"in {lanczos_iter} Lanczos steps ({per}; see TrainResult.hess_converged)"
        )
    return TrainResult(
        loss=np.ascontiguousarray(rec_np[0]),
        static_loss=np.ascontiguousarray(rec_np[1]),
        acc=np.ascontiguousarray(rec_np[2]),
        cos=np.ascontiguousarray(rec_cr_np[0]),
        ratio=np.ascontiguousarray(rec_cr_np[1]),
        hess_steps=h_steps,
        hess=rec_h,
        val_steps=v_steps,
        val_acc=rec_va,
        val_loss=rec_vl,
        snap_steps=snap,
        widths=w,
        seeds=s,
        lrs=lrs,
        snapshots={n: np.stack(v) if v else np.zeros((0,)) for n, v in snaps.items()},
        hess_converged=rec_hc,
    )
