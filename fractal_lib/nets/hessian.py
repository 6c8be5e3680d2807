"""Top Hessian eigenvalues, Hessian-vector products and Hessian traces of torch losses.

Everything works matrix-free, through Hessian-vector products (HVPs) computed by double
back-propagation, so it applies to a 3-parameter toy as well as to a convolutional
network with tens of thousands of parameters (the Hessian itself is never formed):

* :func:`top_eigen` -- Lanczos with full reorthogonalisation, for the top ``k``
  eigenvalues (largest algebraic value) and their eigenvectors.
* :func:`lambda_max` -- power iteration for the largest algebraic eigenvalue (shifted by
  the dominant eigenvalue when that one is negative).
* :func:`hutchinson_trace` -- a stochastic estimate of the trace with its standard
  error.

A loss is passed as a closure ``loss_fn()`` returning a scalar tensor that depends on
``params`` (tensors with ``requires_grad=True``). :func:`model_loss_fn` builds both from
an ``nn.Module``. The gradient graph is built once per call and reused by every HVP of
that call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from ..core.checks import warn_limit
from .torchtools import eval_mode, flat, unflat_like

#: A loss closure: ``loss_fn()`` returns a scalar tensor computed from the parameters.
LossFn = Callable[[], torch.Tensor]
#: Agreement of consecutive convergence ratios that counts as a geometric regime (power
#: iteration).
_AGREE = 0.001


def _check_params(params: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    params = list(params)
    if not params:
        raise ValueError("params must be a non-empty sequence of tensors")
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor) or not p.requires_grad:
            raise ValueError(f"params[{i}] must be a tensor with requires_grad=True")
        if not p.is_floating_point():
            raise ValueError(
                f"params[{i}] must be a floating-point tensor, got {p.dtype}"
            )
    if sum(p.numel() for p in params) == 0:
        raise ValueError(
            "params hold no elements (zero-size tensors): there is no Hessian"
        )
    return params


class _HVP:
    """Hessian-vector products of one loss at fixed parameters (one gradient graph)."""

    def __init__(self, loss_fn: LossFn, params: Sequence[torch.Tensor]):
        self.params = _check_params(params)
        loss = loss_fn()
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError("loss_fn must return a scalar tensor")
        if not torch.isfinite(loss.detach()).all():
            raise ValueError(
                f"loss_fn returned a non-finite loss ({float(loss.detach())}): no "
                "Hessian"
            )
        if not loss.requires_grad:
            raise ValueError(
                "loss_fn's value does not depend on params (no gradient graph)"
            )
        grads = torch.autograd.grad(
            loss.reshape(()), self.params, create_graph=True, allow_unused=True
        )
        self.grads = [
            g if g is not None else torch.zeros_like(p)
            for g, p in zip(grads, self.params, strict=True)
        ]
        self.n = sum(p.numel() for p in self.params)
        self.dtype = self.params[0].dtype
        self.device = self.params[0].device
        self.count = 0

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        """H v for a flat vector ``v``."""
        vs = unflat_like(v.to(self.dtype), self.params)
        dot = sum((g * u).sum() for g, u in zip(self.grads, vs, strict=True))
        self.count += 1
        if not dot.requires_grad:  # the gradient does not depend on params: H = 0
            return torch.zeros(self.n, dtype=self.dtype, device=self.device)
        hv = torch.autograd.grad(dot, self.params, retain_graph=True, allow_unused=True)
        return torch.cat(
            [
                (h if h is not None else torch.zeros_like(p)).reshape(-1)
                for h, p in zip(hv, self.params, strict=True)
            ]
        ).detach()


def hvp(
    loss_fn: LossFn, params: Sequence[torch.Tensor], vecs: Sequence[torch.Tensor]
) -> list[torch.Tensor]:
    """Hessian-vector product of ``loss_fn`` at ``params`` with a direction.

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

    Raises
    ------
    ValueError
        Degenerate ``params`` or loss (as in :func:`top_eigen`), or ``vecs`` that do not
        match ``params``.
    """
    op = _HVP(loss_fn, params)
    if len(vecs) != len(op.params) or any(
        v.shape != p.shape for v, p in zip(vecs, op.params, strict=True)
    ):
        raise ValueError(
            "vecs must have one tensor per parameter tensor, with the same shapes"
        )
    return unflat_like(op(flat(vecs)), op.params)


@dataclass(frozen=True)
class HessianEigen:
    """Top eigenpairs of a Hessian.

    Attributes
    ----------
    values : ndarray
        Eigenvalues in descending algebraic order.
    vectors : list of list of Tensor
        ``vectors[i]`` is the unit-norm eigenvector of ``values[i]``, shaped like the
        parameters.
    residuals : ndarray
        ``||H v_i - lambda_i v_i||`` for each pair, computed with one extra HVP each (a
        posteriori: ``|lambda_i - lambda_true| <= residuals[i]`` for some true
        eigenvalue).
    n_hvp : int
        Number of Hessian-vector products used.
    converged : ndarray of bool
        ``residuals[i] <= tol * max(1, |values[0]|)`` for each pair.
    tol : float
        The tolerance used.
    n_iter : int
        Krylov dimension reached.
    restarts : int
        How often the Krylov space closed (became invariant) and Lanczos restarted from
        a fresh random vector orthogonal to it (this is how repeated eigenvalues are
        found).
    """

    values: np.ndarray
    vectors: list[list[torch.Tensor]]
    residuals: np.ndarray
    n_hvp: int
    converged: np.ndarray
    tol: float
    n_iter: int
    restarts: int = 0

    @property
    def all_converged(self) -> bool:
        """Whether every returned pair met the tolerance."""
        return bool(np.all(self.converged))


def _random_unit(
    n: int, seed: int | torch.Generator, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    gen = (
        seed
        if isinstance(seed, torch.Generator)
        else torch.Generator().manual_seed(int(seed))
    )
    v = torch.randn(n, generator=gen, dtype=torch.float64).to(
        device=device, dtype=dtype
    )
    return v / torch.linalg.vector_norm(v)


def _fresh_direction(basis: torch.Tensor, gen: torch.Generator) -> torch.Tensor | None:
    """A seeded random unit vector orthogonal to the rows of ``basis``.

    None if the rows span the whole space.
    """
    n = basis.shape[1]
    for _ in range(3):
        v = _random_unit(n, gen, basis.dtype, basis.device)
        for _ in range(2):
            v = v - basis.T @ (basis @ v)
        norm = float(torch.linalg.vector_norm(v))
        if norm > 1e-8:
            return v / norm
    return None


def _tridiag(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    return np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)


def top_eigen(
    loss_fn: LossFn,
    params: Sequence[torch.Tensor],
    k: int = 2,
    *,
    n_iter: int | None = None,
    tol: float = 1e-6,
    seed: int = 0,
) -> HessianEigen:
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
        Maximum Krylov dimension, in ``[k, n]``; default ``min(n, max(4 k + 20, 40))``.
    tol : float
        Stop when the Ritz residual estimate of each of the top ``k`` values is below
        ``tol * max(1, |lambda_1|)``; a pair is ``converged`` when its explicitly
        computed residual ``||H v - lambda v||`` meets the same bound.
    seed : int
        Seed of the starting vector and of the restart vectors (same seed, same
        numbers).

    Returns
    -------
    HessianEigen
        Eigenvalues in descending order, unit eigenvectors, residuals, ``converged``
        flags and the HVP count. If a pair did not converge within ``n_iter`` the result
        says so in ``converged`` and one
        :class:`~fractal_lib.core.checks.EstimatorWarning` is issued.

    Raises
    ------
    ValueError
        Empty or zero-size ``params``, a non-scalar or non-finite loss, ``k``,
        ``n_iter`` or ``tol`` out of range.

    Notes
    -----
    Single-vector Lanczos sees one vector of each eigenspace its start vector touches,
    so on its own it finds a repeated eigenvalue once (``diag(1, 1, 1, .5, .1)`` would
    give ``1, .5, .1``). When the Krylov space closes (``beta`` below
    ``tol * max(1, max |alpha|)``, so every Ritz residual is below the tolerance) before
    ``n_iter`` steps, the iteration restarts from a fresh seeded random vector
    orthogonal to the basis (the tridiagonal matrix becomes block diagonal), so the
    multiplicities are found; after a restart it stops only when the new block's top
    Ritz value has settled too. A multiplicity whose eigenspace the Krylov space never
    closes around within ``n_iter`` steps can still be missed.

    References
    ----------
    Lanczos (1950), "An iteration method for the solution of the eigenvalue problem of
    linear differential and integral operators", J. Res. Natl. Bur. Stand. 45, 255-282.
    Golub and Van Loan, "Matrix Computations" (4th ed., 2013), Sec. 10.1 (Lanczos with
    full reorthogonalisation, Ritz values and their residuals).
    """
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    op = _HVP(loss_fn, params)
    n = op.n
    if not 1 <= int(k) <= n:
        raise ValueError(f"k must be in [1, {n}] (number of parameters), got {k}")
    m_max = min(n, max(4 * k + 20, 40)) if n_iter is None else int(n_iter)
    if not k <= m_max <= n:
        raise ValueError(f"n_iter must be in [{k}, {n}], got {n_iter}")
    basis = torch.empty((m_max, n), dtype=op.dtype, device=op.device)
    alpha = np.zeros(m_max)
    beta = np.zeros(m_max)
    gen = torch.Generator().manual_seed(int(seed))
    q = _random_unit(n, gen, op.dtype, op.device)
    m, block, restarts = 0, 0, 0
    for j in range(m_max):
        basis[j] = q
        w = op(q)
        if not torch.isfinite(w).all():
            raise ValueError(
                "a Hessian-vector product is not finite (the loss overflows near "
                "params)"
            )
        alpha[j] = float(w @ q)
        w = w - basis[: j + 1].T @ (
            basis[: j + 1] @ w
        )  # full reorthogonalisation, twice
        w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta[j] = float(torch.linalg.vector_norm(w))
        m = j + 1
        # invariant subspace, to within the tolerance: every Ritz residual is below
        # beta[j]
        small = beta[j] <= max(1e-12, tol) * max(1.0, float(np.abs(alpha[:m]).max()))
        if small and m < m_max:
            # The Krylov space closed: it holds one vector of each eigenspace the start
            # vector touched, so a repeated eigenvalue shows up once. Restart with a
            # fresh random vector orthogonal to the basis (T becomes block diagonal) to
            # find the multiplicities.
            beta[j] = 0.0
            q = _fresh_direction(basis[:m], gen)
            if q is not None:
                block, restarts = m, restarts + 1
                continue
        if m >= k and (m % 5 == 0 or m == m_max or small):
            t = _tridiag(alpha[:m], beta[: m - 1])
            theta, s = np.linalg.eigh(t)
            top = np.argsort(theta)[::-1][:k]
            scale = max(1.0, abs(theta[top[0]]))
            done = small or bool(np.all(np.abs(beta[j] * s[-1, top]) < tol * scale))
            if done and block > 0 and not small:
                # after a restart the new block must also have settled: its top Ritz
                # value is the candidate for an eigenvalue (or a copy of one) the
                # earlier blocks missed
                _, sb = np.linalg.eigh(t[block:, block:])
                done = abs(beta[j] * sb[-1, -1]) < tol * scale
            if done:
                break
        if small:
            break
        q = w / beta[j]
    theta, s = np.linalg.eigh(_tridiag(alpha[:m], beta[: m - 1]))
    top = np.argsort(theta)[::-1][:k]
    if top.size < k:
        raise ValueError(
            f"the Krylov space closed at dimension {m} < k = {k}: the Hessian has "
            f"fewer than {k} eigenvalues visible from the start vector; lower k"
        )
    s_top = torch.as_tensor(s[:, top], dtype=op.dtype, device=op.device)
    vecs = (basis[:m].T @ s_top).T
    vecs = vecs / torch.linalg.vector_norm(vecs, dim=1, keepdim=True)
    values = theta[top]
    residuals = np.array(
        [
            float(torch.linalg.vector_norm(op(v) - values[i] * v))
            for i, v in enumerate(vecs)
        ]
    )
    scale = max(1.0, abs(float(values[0])))
    converged = residuals <= tol * scale
    if not converged.all():
        warn_limit(
            f"top_eigen: {int((~converged).sum())} of {k} eigenpairs did not converge "
            "in "
            f"{m} Lanczos steps (residuals {np.array2string(residuals, precision=2)} > "
            f"tol * {scale:.3g} = {tol * scale:.2g}); see HessianEigen.converged, "
            "raise n_iter"
        )
    return HessianEigen(
        values=values.copy(),
        vectors=[unflat_like(v.clone(), op.params) for v in vecs],
        residuals=residuals,
        n_hvp=op.count,
        converged=converged,
        tol=float(tol),
        n_iter=m,
        restarts=restarts,
    )


@dataclass(frozen=True)
class PowerIteration:
    """Result of :func:`lambda_max`.

    Attributes
    ----------
    value : float
        The largest algebraic eigenvalue (the Rayleigh quotient of the last iterate).
        ``float(result)`` gives it.
    converged : bool
        Whether the estimated remaining error met ``tol`` (see :func:`lambda_max`).
    rel_change : float
        Relative change of the Rayleigh quotient in the last iteration.
    residual : float
        ``||H v - value v|| / max(|value|, tiny)`` of the last iterate: a rigorous bound
        on the relative distance from ``value`` to the nearest eigenvalue.
    n_iter : int
        Iterations used (one HVP each), both passes together when ``shifted``.
    shifted : bool
        Whether the eigenvalue of largest magnitude came out negative, so that a second
        power iteration on ``H + |lambda_dom| I`` gave the largest algebraic eigenvalue
        reported here.
    """

    value: float
    converged: bool
    rel_change: float
    residual: float
    n_iter: int
    shifted: bool = False

    def __float__(self) -> float:
        return float(self.value)


def lambda_max(
    loss_fn: LossFn,
    params: Sequence[torch.Tensor],
    *,
    n_iter: int = 100,
    tol: float = 1e-6,
    seed: int = 0,
) -> PowerIteration:
    """Leading Hessian eigenvalue by power iteration.

    Power iteration converges to the eigenvalue of largest magnitude, which is
    ``lambda_max`` when it is positive (the usual case after a few steps of training).
    When it comes out negative (negative curvature dominates, e.g. eigenvalues
    ``-5, 1, 0.5``), a second power iteration on the shifted operator
    ``H + |lambda_dom| I`` (matrix-free: ``H v + s v``), whose dominant eigenvalue is
    ``lambda_max + |lambda_dom|``, gives the largest algebraic eigenvalue; the result
    says ``shifted=True`` and is ``converged`` only if both passes converged.

    The Rayleigh quotient converges geometrically, its changes shrinking by a factor
    ``r = (lambda_2 / lambda_1)**2`` per step, so a small change alone does not mean a
    small error when the top two eigenvalues are close (``r`` near 1): with eigenvalues
    1 and 0.999 the change falls below 1e-6 while the error is still 9e-4. The iteration
    therefore stops, ``converged``, when the relative residual
    ``||H v - theta v|| / |theta|`` (a rigorous error bound) is below ``tol``, or when
    the changes have settled into a geometric decay (consecutive ratios ``r`` agreeing
    to within ``0.001 (1 - r)`` three times in a row) and the remaining error it
    extrapolates, ``delta r / (1 - r)``, is below ``tol |theta|`` while the relative
    residual is below ``2 sqrt(tol)`` (what a converged iterate has; a dominant pair
    ``+-lambda`` makes the Rayleigh quotient stand still between them with an O(1)
    residual, and is reported not converged). No criterion built from the iterates is
    infallible: a start vector nearly orthogonal to the top eigenvector, with a second
    eigenvalue within 0.1 % of the first, can still look converged at the second one
    (about 1 start in 100 in tests); ``residual`` bounds the distance to *some*
    eigenvalue, and :func:`top_eigen` is the safer tool for such spectra.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn()`` returns a scalar tensor computed from ``params``.
    params : sequence of Tensor
        Tensors with ``requires_grad=True``.
    n_iter : int
        Maximum number of iterations (>= 2).
    tol : float
        Relative tolerance on the eigenvalue (> 0).
    seed : int
        Seed of the starting vector.

    Returns
    -------
    PowerIteration
        The value with ``converged``, ``rel_change``, ``residual`` and ``n_iter``; one
        :class:`~fractal_lib.core.checks.EstimatorWarning` when it did not converge.

    Raises
    ------
    ValueError
        Degenerate ``params`` or loss (as in :func:`top_eigen`), ``n_iter < 2`` or
        ``tol <= 0``.

    References
    ----------
    Golub and Van Loan, "Matrix Computations" (4th ed., 2013), Sec. 8.2.1 (the power
    method).
    """
    if int(n_iter) < 2:
        raise ValueError(f"n_iter must be >= 2, got {n_iter}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    op = _HVP(loss_fn, params)
    v0 = _random_unit(op.n, seed, op.dtype, op.device)
    lam, converged, rel_change, residual, it = _power(op, v0, 0.0, int(n_iter), tol)
    shifted, total = False, it
    if lam < 0:
        # Power iteration found the eigenvalue of largest magnitude, and it is negative:
        # the top of the spectrum is elsewhere. H + |lam| I has eigenvalues lambda_i +
        # |lam| >= 0, its dominant one is lambda_max + |lam|: iterate on it
        # (matrix-free) for the top algebraic value.
        dom, dom_ok = lam, converged
        lam, converged, rel_change, residual, it = _power(
            op, v0, abs(dom), int(n_iter), tol
        )
        converged = (
            converged and dom_ok
        )  # the shift must be the dominant eigenvalue's size
        shifted, total = True, total + it
    if not converged:
        warn_limit(
            f"lambda_max: power iteration did not converge in {total} iterations "
            "(relative change "
            f"{rel_change:.2g}, residual {residual:.2g}, tol {tol:g}"
            f"{', shifted by the negative dominant eigenvalue' if shifted else ''}); "
            f"see PowerIteration.converged"
        )
    return PowerIteration(
        value=float(lam),
        converged=bool(converged),
        rel_change=float(rel_change),
        residual=float(residual),
        n_iter=int(total),
        shifted=shifted,
    )


def _power(
    op: _HVP, v: torch.Tensor, shift: float, n_iter: int, tol: float
) -> tuple[float, bool, float, float, int]:
    """Power iteration on ``H + shift I``; returns
    ``(lambda, converged, rel_change, residual, iterations)`` with ``lambda`` the
    Rayleigh quotient of ``H`` (shift removed) and the relative measures taken against
    ``|lambda|``."""
    lam, prev_delta, prev_r = float("nan"), float("nan"), float("nan")
    steady = 0
    rel_change, residual, converged, it = float("inf"), float("inf"), False, 0
    for it in range(1, n_iter + 1):
        w = op(v)
        if not torch.isfinite(w).all():
            raise ValueError(
                "a Hessian-vector product is not finite (the loss overflows near "
                "params)"
            )
        if shift:
            w = w + shift * v
        new = float(w @ v)
        norm = float(torch.linalg.vector_norm(w))
        if norm == 0.0:  # (H + shift) v = 0: v is an eigenvector of -shift
            lam, rel_change, residual, converged = -shift, 0.0, 0.0, True
            break
        val = new - shift
        residual = float(torch.linalg.vector_norm(w - new * v)) / max(abs(val), 1e-300)
        v = w / norm
        delta = abs(val - lam) if it > 1 else float("inf")
        rel_change = delta / max(abs(val), 1e-300)
        lam = val
        tail = float("inf")
        r = (
            delta / prev_delta
            if np.isfinite(prev_delta) and prev_delta > 0
            else float("nan")
        )
        if delta == 0.0:
            tail = 0.0
        elif r < 1.0 and abs(r - prev_r) <= _AGREE * (
            1.0 - r
        ):  # geometric regime reached
            steady += 1
            if steady >= 3:  # ratios that agree once can do so by chance in a transient
                tail = delta * r / (1.0 - r)
        else:
            steady = 0
        prev_delta, prev_r = delta, r
        # the extrapolated tail is trusted only with a residual that a converged iterate
        # can have (||Hv - theta v||^2 <~ 2 |lambda| |theta - lambda|): a +-lambda pair,
        # where the Rayleigh quotient stands still between two eigenvalues, keeps an
        # O(1) residual
        if residual <= tol or (
            tail <= tol * abs(val) and residual <= 2.0 * np.sqrt(tol)
        ):
            converged = True
            break
    return lam, converged, rel_change, residual, it


class TraceEstimate(NamedTuple):
    """Result of :func:`hutchinson_trace`.

    Attributes
    ----------
    value : float
        The estimated trace (mean of ``z^T H z``).
    stderr : float
        Its standard error.
    n_samples : int
        Number of probe vectors.
    """

    value: float
    stderr: float
    n_samples: int


def hutchinson_trace(
    loss_fn: LossFn,
    params: Sequence[torch.Tensor],
    *,
    n_samples: int = 64,
    seed: int = 0,
) -> TraceEstimate:
    """Hutchinson estimate of the Hessian trace, ``E[z^T H z]`` with Rademacher ``z``.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn()`` returns a scalar tensor computed from ``params``.
    params : sequence of Tensor
        Tensors with ``requires_grad=True``.
    n_samples : int
        Number of probe vectors (>= 2).
    seed : int
        Seed of the probes.

    Returns
    -------
    TraceEstimate
        ``(value, stderr, n_samples)``: the mean of ``z^T H z`` and its standard error
        (``std / sqrt(n_samples)``, ``ddof = 1``). Unbiased; the error is statistical,
        not a convergence limit.

    Raises
    ------
    ValueError
        Degenerate ``params`` or loss, or ``n_samples < 2``.

    References
    ----------
    Hutchinson (1989), "A stochastic estimator of the trace of the influence matrix for
    Laplacian smoothing splines", Commun. Stat. Simul. Comput. 18(3), 1059-1076.
    """
    if int(n_samples) < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    op = _HVP(loss_fn, params)
    gen = torch.Generator().manual_seed(int(seed))
    samples = np.empty(int(n_samples))
    for i in range(int(n_samples)):
        z = (torch.randint(0, 2, (op.n,), generator=gen) * 2 - 1).to(
            dtype=op.dtype, device=op.device
        )
        samples[i] = float(z @ op(z))
    if not np.all(np.isfinite(samples)):
        raise ValueError(
            "a Hessian-vector product is not finite (the loss overflows near params)"
        )
    return TraceEstimate(
        float(samples.mean()),
        float(samples.std(ddof=1) / np.sqrt(n_samples)),
        int(n_samples),
    )


class ModelLoss:
    """``loss(model(x), y)`` on a fixed batch, evaluated in eval mode.

    Calling it returns the scalar loss tensor (differentiable in the model's
    parameters). Each call switches every submodule to eval mode and restores each one's
    ``training`` flag afterwards (also on error), so BatchNorm uses its running
    statistics and never updates them, dropout is off and no global random state is
    drawn. :func:`fractal_lib.nets.directions.loss_plane` recognises the ``model``
    attribute and restores the whole model state. Built by :func:`model_loss_fn`.

    Parameters
    ----------
    model : torch.nn.Module
        The network (not modified).
    loss : callable
        ``loss(model(x), y)`` returns a scalar tensor (e.g. ``F.cross_entropy``).
    x, y : torch.Tensor
        The fixed batch.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        x: torch.Tensor,
        y: torch.Tensor,
    ) -> None:
        self.model, self.loss, self.x, self.y = model, loss, x, y

    def __call__(self) -> torch.Tensor:
        with eval_mode(self.model):
            return self.loss(self.model(self.x), self.y)


def model_loss_fn(
    model: torch.nn.Module,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
) -> tuple[ModelLoss, list[torch.Tensor]]:
    """Closure and parameter list for the loss of ``model`` on the batch ``(x, y)``.

    The loss is always evaluated with the model in eval mode (BatchNorm normalises with
    its running statistics, dropout is off), whatever mode the model is in: that makes
    the loss a fixed function of the weights, as in Li et al.'s loss-landscape code and
    PyHessian. The model's mode flags, buffers (BatchNorm statistics included) and the
    global random state are left as they were.

    Parameters
    ----------
    model : nn.Module
        The network (not modified).
    loss : callable
        ``loss(model(x), y)`` returns a scalar tensor (e.g. ``F.cross_entropy``).
    x, y : Tensor
        The fixed batch.

    Returns
    -------
    loss_fn : ModelLoss
        The closure ``loss_fn()``.
    params : list of Tensor
        The trainable parameters.

    Raises
    ------
    ValueError
        If ``model`` is not an ``nn.Module`` or has no trainable parameter.
    """
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters (requires_grad=True)")
    return ModelLoss(model, loss, x, y), params
