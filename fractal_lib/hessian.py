"""Top Hessian eigenvalues, Hessian-vector products and Hessian traces of torch losses.

Everything works matrix-free, through Hessian-vector products (HVPs) computed by double
back-propagation, so it applies to a 3-parameter toy as well as to a convolutional network with
tens of thousands of parameters (the Hessian itself is never formed):

* :func:`top_eigen` -- Lanczos with full reorthogonalisation, for the top ``k`` eigenvalues
  (largest algebraic value) and their eigenvectors.
* :func:`lambda_max` -- power iteration (the eigenvalue of largest magnitude; for the
  loss landscapes in this book, where the top of the spectrum is positive, the same number).
* :func:`hutchinson_trace` -- a stochastic estimate of the trace with its standard error.

A loss is passed as a closure ``loss_fn()`` returning a scalar tensor that depends on ``params``
(tensors with ``requires_grad=True``). :func:`model_loss_fn` builds both from an ``nn.Module``.
The gradient graph is built once per call and reused by every HVP of that call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .torchtools import flat, unflat_like

LossFn = Callable[[], torch.Tensor]


def _check_params(params: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    params = list(params)
    if not params:
        raise ValueError("params must be a non-empty sequence of tensors")
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor) or not p.requires_grad:
            raise ValueError(f"params[{i}] must be a tensor with requires_grad=True")
    return params


class _HVP:
    """Hessian-vector products of one loss at fixed parameters (gradient graph built once)."""

    def __init__(self, loss_fn: LossFn, params: Sequence[torch.Tensor]):
        self.params = _check_params(params)
        loss = loss_fn()
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError("loss_fn must return a scalar tensor")
        self.grads = torch.autograd.grad(loss, self.params, create_graph=True)
        self.n = sum(p.numel() for p in self.params)
        self.dtype = self.params[0].dtype
        self.device = self.params[0].device
        self.count = 0

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        """H v for a flat vector ``v``."""
        vs = unflat_like(v.to(self.dtype), self.params)
        dot = sum((g * u).sum() for g, u in zip(self.grads, vs, strict=True))
        hv = torch.autograd.grad(dot, self.params, retain_graph=True, allow_unused=True)
        self.count += 1
        return torch.cat([(h if h is not None else torch.zeros_like(p)).reshape(-1)
                          for h, p in zip(hv, self.params, strict=True)]).detach()


def hvp(loss_fn: LossFn, params: Sequence[torch.Tensor],
        vecs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Hessian-vector product of ``loss_fn`` at ``params`` with a direction shaped like ``params``.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn()`` returns a scalar tensor computed from ``params``.
    params : sequence of Tensor
        Tensors with ``requires_grad=True``.
    vecs : sequence of Tensor
        The direction, one tensor per parameter tensor, with matching shapes.

    Returns
    -------
    list of Tensor
        ``H v``, shaped like ``params`` (detached).
    """
    op = _HVP(loss_fn, params)
    if len(vecs) != len(op.params) or any(v.shape != p.shape for v, p in zip(vecs, op.params, strict=True)):
        raise ValueError("vecs must have one tensor per parameter tensor, with the same shapes")
    return unflat_like(op(flat(vecs)), op.params)


@dataclass(frozen=True)
class HessianEigen:
    """Top eigenpairs of a Hessian.

    Attributes
    ----------
    values : ndarray
        Eigenvalues in descending algebraic order.
    vectors : list of list of Tensor
        ``vectors[i]`` is the unit-norm eigenvector of ``values[i]``, shaped like the parameters.
    residuals : ndarray
        ``||H v_i - lambda_i v_i||`` for each pair (a posteriori accuracy).
    n_hvp : int
        Number of Hessian-vector products used.
    """

    values: np.ndarray
    vectors: list[list[torch.Tensor]]
    residuals: np.ndarray
    n_hvp: int


def _random_unit(n: int, seed: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    gen = torch.Generator().manual_seed(int(seed))
    v = torch.randn(n, generator=gen, dtype=torch.float64).to(device=device, dtype=dtype)
    return v / torch.linalg.vector_norm(v)


def top_eigen(loss_fn: LossFn, params: Sequence[torch.Tensor], k: int = 2, *,
              n_iter: int | None = None, tol: float = 1e-6, seed: int = 0) -> HessianEigen:
    """Top ``k`` Hessian eigenpairs by Lanczos iteration with full reorthogonalisation.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn()`` returns a scalar tensor computed from ``params``.
    params : sequence of Tensor
        Tensors with ``requires_grad=True`` (float64 recommended for small networks).
    k : int
        Number of eigenpairs, ``1 <= k <= number of parameters``.
    n_iter : int, optional
        Maximum Krylov dimension; default ``min(n, max(4 k + 20, 40))``.
    tol : float
        Stop when the Ritz residual estimate of each of the top ``k`` values is below
        ``tol * max(1, |lambda_1|)``.
    seed : int
        Seed of the starting vector (same seed, same numbers).

    Returns
    -------
    HessianEigen
        Eigenvalues in descending order, unit eigenvectors, residuals and the HVP count.
    """
    op = _HVP(loss_fn, params)
    n = op.n
    if not 1 <= int(k) <= n:
        raise ValueError(f"k must be in [1, {n}] (number of parameters), got {k}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    m_max = min(n, max(4 * k + 20, 40)) if n_iter is None else int(n_iter)
    if not k <= m_max <= n:
        raise ValueError(f"n_iter must be in [{k}, {n}], got {n_iter}")
    basis = torch.empty((m_max, n), dtype=op.dtype, device=op.device)
    alpha = np.zeros(m_max)
    beta = np.zeros(m_max)
    q = _random_unit(n, seed, op.dtype, op.device)
    m = 0
    for j in range(m_max):
        basis[j] = q
        w = op(q)
        alpha[j] = float(w @ q)
        w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)   # full reorthogonalisation, twice
        w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta[j] = float(torch.linalg.vector_norm(w))
        m = j + 1
        if m >= k and (m % 5 == 0 or m == m_max or beta[j] < 1e-12):
            theta, s = np.linalg.eigh(np.diag(alpha[:m]) + np.diag(beta[: m - 1], 1)
                                      + np.diag(beta[: m - 1], -1))
            top = np.argsort(theta)[::-1][:k]
            scale = max(1.0, abs(theta[top[0]]))
            if beta[j] < 1e-12 or np.all(np.abs(beta[j] * s[-1, top]) < tol * scale):
                break
        if beta[j] < 1e-12:
            break
        q = w / beta[j]
    theta, s = np.linalg.eigh(np.diag(alpha[:m]) + np.diag(beta[: m - 1], 1)
                              + np.diag(beta[: m - 1], -1))
    top = np.argsort(theta)[::-1][:k]
    s_top = torch.as_tensor(s[:, top], dtype=op.dtype, device=op.device)
    vecs = (basis[:m].T @ s_top).T
    vecs = vecs / torch.linalg.vector_norm(vecs, dim=1, keepdim=True)
    values = theta[top]
    residuals = np.array([float(torch.linalg.vector_norm(op(v) - values[i] * v))
                          for i, v in enumerate(vecs)])
    return HessianEigen(values=values.copy(), vectors=[unflat_like(v.clone(), op.params) for v in vecs],
                        residuals=residuals, n_hvp=op.count)


def lambda_max(loss_fn: LossFn, params: Sequence[torch.Tensor], *, n_iter: int = 100,
               tol: float = 1e-6, seed: int = 0) -> float:
    """Leading Hessian eigenvalue by power iteration.

    Power iteration converges to the eigenvalue of largest magnitude; it is ``lambda_max`` when
    the top of the spectrum dominates (the usual case after a few steps of training). Use
    :func:`top_eigen` when negative curvature may dominate.

    Parameters
    ----------
    loss_fn, params
        As in :func:`top_eigen`.
    n_iter : int
        Maximum number of iterations (>= 1).
    tol : float
        Stop when the relative change of the Rayleigh quotient is below ``tol``.
    seed : int
        Seed of the starting vector.
    """
    if n_iter < 1:
        raise ValueError(f"n_iter must be >= 1, got {n_iter}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    op = _HVP(loss_fn, params)
    v = _random_unit(op.n, seed, op.dtype, op.device)
    lam = 0.0
    for _ in range(int(n_iter)):
        w = op(v)
        new = float(w @ v)
        norm = float(torch.linalg.vector_norm(w))
        if norm == 0.0:
            return 0.0
        v = w / norm
        if abs(new - lam) <= tol * max(abs(new), 1e-30):
            return new
        lam = new
    return lam


def hutchinson_trace(loss_fn: LossFn, params: Sequence[torch.Tensor], *, n_samples: int = 64,
                     seed: int = 0) -> tuple[float, float]:
    """Hutchinson estimate of the Hessian trace, ``E[z^T H z]`` with Rademacher ``z``.

    Parameters
    ----------
    loss_fn, params
        As in :func:`top_eigen`.
    n_samples : int
        Number of probe vectors (>= 2).
    seed : int
        Seed of the probes.

    Returns
    -------
    (float, float)
        The estimate and its standard error.
    """
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    op = _HVP(loss_fn, params)
    gen = torch.Generator().manual_seed(int(seed))
    samples = np.empty(int(n_samples))
    for i in range(int(n_samples)):
        z = (torch.randint(0, 2, (op.n,), generator=gen) * 2 - 1).to(dtype=op.dtype, device=op.device)
        samples[i] = float(z @ op(z))
    return float(samples.mean()), float(samples.std(ddof=1) / np.sqrt(n_samples))


def model_loss_fn(model: torch.nn.Module, loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                  x: torch.Tensor, y: torch.Tensor) -> tuple[LossFn, list[torch.Tensor]]:
    """Closure and parameter list for the loss of ``model`` on the fixed batch ``(x, y)``.

    The model is used in whatever mode it is in; put a model with BatchNorm in ``eval()`` mode
    so that every evaluation sees the same function (train mode updates running statistics).

    Returns
    -------
    (callable, list of Tensor)
        ``loss_fn()`` and the trainable parameters.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    return (lambda: loss(model(x), y)), params
