"""Numba kernels: full-batch GD on a grid of tiny two-layer networks (private).

Public wrappers live in :mod:`fractal_lib.boundaries.network_trainability`; they
validate input, build the data and the initial weights, allocate outputs and pick the
serial or the parallel kernel.

The network (Sohl-Dickstein 2024, mean-field parameterisation, no biases) for inputs
``X (N, d)``, weights ``W1 (d, n)`` and ``W2 (n,)``::

    z = X W1 / sqrt(d),   h = phi(z),   f = h W2 / n,   loss = mean((f - y)**2)

with ``phi(z) = tanh(sqrt(2) z)``, ``sqrt(2) relu(z)`` or ``z``. One GD step evaluates
the loss and both gradients in a single pass over the data rows (forward and backward of
a row need only that row), so the working set of a network is its weights plus one row:
everything stays in L1 cache and the 16-wide inner loops vectorise (AVX2). ``tanh`` uses
a branch-free ``expm1`` with a Cody-Waite reduction and a degree-13 polynomial (a few
ulp from libm) so that it vectorises too.

Every grid point is an independent network; the parallel kernel spreads grid points over
threads with ``prange``. All kernels are ``nogil`` so an executor's threads run them in
parallel.

Convergence measure (per run, accumulated on the fly so no trajectory is stored): the
losses ``v_0 .. v_{T-1}`` are the losses *before* each of the ``T`` updates; non-finite
losses count as ``NONFINITE`` (1e6); ``v`` is divided by ``v_0`` and clipped at ``CLIP``
(1e6). The run converged if the mean of its last ``min(20, T)`` normalised losses is
below 1; the measure is ``-sum(v)`` if it converged and ``+sum(1/v)`` if not. Once a
loss or a weight is non-finite the run is over: every remaining loss counts as
non-finite (what GD would produce anyway), so divergent runs stop early.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from .._numba import njit

TANH, RELU, IDENTITY = 0, 1, 2
NONFINITE = 1e6
CLIP = 1e6
LAST = 20
SQRT2 = math.sqrt(2.0)

# expm1 on y <= 0: y = k ln2 + r, |r| <= ln2/2, expm1(y) = 2**k * q(r) + (2**k - 1)
# where q(r) = expm1(r) is a degree-13 Taylor polynomial (truncation < 3e-18 relative).
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0  # 1.5 * 2**52
_ROUND_BITS = 0x4338000000000000  # bit pattern of _ROUND
_E2, _E3, _E4, _E5 = 1 / 2, 1 / 6, 1 / 24, 1 / 120
_E6, _E7, _E8, _E9 = 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880
_E10, _E11, _E12, _E13 = 1 / 3628800, 1 / 39916800, 1 / 479001600, 1 / 6227020800
_TANH_CUT = 20.0  # tanh(a) == 1.0 in double precision for a >= 19.06


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def tanh_row(
    a: np.ndarray,
    t: np.ndarray,
    fb: np.ndarray,
    ib: np.ndarray,
    sb: np.ndarray,
    sib: np.ndarray,
) -> None:
    """``t[j] = tanh(a[j])`` for a short row, branch-free so that LLVM vectorises it.

    ``fb``/``ib`` and ``sb``/``sib`` are float64/int64 views of the same scratch buffers
    (for the bit manipulation that builds ``2**k``).
    """
    m = a.shape[0]
    for j in range(m):  # y = -2|a| clamped, rounded k stored as float bits
        y = -2.0 * min(abs(a[j]), _TANH_CUT)
        fb[j] = y * _INV_LN2 + _ROUND
    for j in range(m):  # 2**k from the integer k hidden in the low mantissa bits
        sib[j] = (ib[j] - _ROUND_BITS + 1023) << 52
    for j in range(m):
        y = -2.0 * min(abs(a[j]), _TANH_CUT)
        kf = fb[j] - _ROUND
        r = (y - kf * _LN2_HI) - kf * _LN2_LO
        q = r * (
            1.0
            + r
            * (
                _E2
                + r
                * (
                    _E3
                    + r
                    * (
                        _E4
                        + r
                        * (
                            _E5
                            + r
                            * (
                                _E6
                                + r
                                * (
                                    _E7
                                    + r
                                    * (
                                        _E8
                                        + r
                                        * (
                                            _E9
                                            + r
                                            * (
                                                _E10
                                                + r * (_E11 + r * (_E12 + r * _E13))
                                            )
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
            )
        )
        s = sb[j]
        em1 = s * q + (s - 1.0)  # expm1(y), y <= 0
        v = (0.0 - em1) / (2.0 + em1)  # tanh(|a|), +0 at a = 0
        t[j] = v if a[j] >= 0.0 else -v


LANES = 8  # networks advanced in lock step by the grid kernel


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def lanes_loss_grad(
    act: int,
    X: np.ndarray,
    Y: np.ndarray,
    W1: np.ndarray,
    W2: np.ndarray,
    dW1: np.ndarray,
    dW2: np.ndarray,
    loss: np.ndarray,
    z: np.ndarray,
    h: np.ndarray,
    hp: np.ndarray,
    q: np.ndarray,
    f: np.ndarray,
    e: np.ndarray,
    fb: np.ndarray,
    ib: np.ndarray,
    sb: np.ndarray,
    sib: np.ndarray,
) -> None:
    """Losses ``loss[l]`` and gradients of ``LANES`` networks stored lane-minor
    (``W1[k, j * LANES + l]``, ``W2[j * LANES + l]``), in one pass over the data rows.

    ``z, h, hp, q, fb, sb`` are scratch of length ``n * LANES`` (``ib``, ``sib`` int64
    views of ``fb``, ``sb``); ``f, e`` scratch of length ``LANES``.
    """
    N, d = X.shape
    L = LANES
    nl = W2.shape[0]
    n = nl // L
    s_in = 1.0 / math.sqrt(d)
    s_out = 1.0 / n
    c = 2.0 / N * s_out
    c1 = c * s_in
    for k in range(d):
        for m in range(nl):
            dW1[k, m] = 0.0
    for m in range(nl):
        dW2[m] = 0.0
    for l in range(L):
        loss[l] = 0.0
    for i in range(N):
        for m in range(nl):
            z[m] = 0.0
        for k in range(d):
            x = X[i, k]
            for m in range(nl):
                z[m] += x * W1[k, m]
        if act == TANH:
            for m in range(nl):
                z[m] = SQRT2 * s_in * z[m]
            tanh_row(z, h, fb, ib, sb, sib)
            for m in range(nl):
                hp[m] = SQRT2 * (1.0 - h[m] * h[m])
        elif act == RELU:
            for m in range(nl):
                zz = s_in * z[m]
                pos = zz > 0.0
                h[m] = SQRT2 * zz if pos else 0.0
                hp[m] = SQRT2 if pos else 0.0
        else:
            for m in range(nl):
                h[m] = s_in * z[m]
                hp[m] = 1.0
        for l in range(L):
            f[l] = 0.0
        for j in range(n):
            for l in range(L):
                f[l] += h[j * L + l] * W2[j * L + l]
        for l in range(L):
            e[l] = f[l] * s_out - Y[i]
            loss[l] += e[l] * e[l]
        for j in range(n):
            for l in range(L):
                m = j * L + l
                dW2[m] += e[l] * h[m]
                q[m] = e[l] * W2[m] * hp[m]
        for k in range(d):
            x = X[i, k]
            for m in range(nl):
                dW1[k, m] += x * q[m]
    for m in range(nl):
        dW2[m] *= c
    for k in range(d):
        for m in range(nl):
            dW1[k, m] *= c1
    for l in range(L):
        loss[l] /= N


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _load_lane(
    l: int,
    b: int,
    W1_0: np.ndarray,
    W2_0: np.ndarray,
    offset: np.ndarray,
    offset_every_step: bool,
    W1: np.ndarray,
    W2: np.ndarray,
) -> None:
    d, n = W1_0.shape
    add = 0.0 if (offset_every_step or b < 0) else offset[b]
    for k in range(d):
        for j in range(n):
            W1[k, j * LANES + l] = W1_0[k, j] + add
    for j in range(n):
        W2[j * LANES + l] = W2_0[j]


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def run_lanes(
    lo: int,
    hi: int,
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
    measure: np.ndarray,
    done: np.ndarray,
) -> None:
    """Grid points ``lo .. hi - 1``, ``LANES`` networks in lock step (same numbers as
    any other lane position: lanes never mix).

    Weights are stored lane-minor (``W1[k, j * LANES + l]``) so every inner loop runs
    over ``n * LANES`` contiguous numbers and vectorises. A lane whose run has ended
    (all steps done, or non-finite) is refilled with the next grid point.
    """
    N, d = X.shape
    n = W2_0.shape[0]
    L = LANES
    nl = n * L
    W1 = np.empty((d, nl))
    W2 = np.empty(nl)
    dW1 = np.empty((d, nl))
    dW2 = np.empty(nl)
    z = np.empty(nl)
    h = np.empty(nl)
    hp = np.empty(nl)
    q = np.empty(nl)
    fb = np.empty(nl)
    ib = fb.view(np.int64)
    sb = np.empty(nl)
    sib = sb.view(np.int64)
    f = np.empty(L)
    e = np.empty(L)
    loss = np.empty(L)
    fin = np.empty(L)
    a1 = np.zeros(L)
    a2 = np.zeros(L)
    off = np.zeros(L)
    idx = np.full(L, -1, dtype=np.int64)
    tt = np.zeros(L, dtype=np.int64)
    v0 = np.ones(L)
    sum_v = np.zeros(L)
    sum_inv = np.zeros(L)
    sum_last = np.zeros(L)
    last = min(LAST, steps)
    first_last = steps - last
    nxt = lo
    active = 0
    for l in range(L):
        if nxt < hi:
            idx[l] = nxt
            a1[l], a2[l] = lr1[nxt], lr2[nxt]
            off[l] = offset[nxt] if offset_every_step else 0.0
            nxt += 1
            active += 1
        _load_lane(l, idx[l], W1_0, W2_0, offset, offset_every_step, W1, W2)
    while active > 0:
        if offset_every_step:
            for k in range(d):
                for m in range(nl):
                    W1[k, m] += off[m % L]
        lanes_loss_grad(
            act, X, Y, W1, W2, dW1, dW2, loss, z, h, hp, q, f, e, fb, ib, sb, sib
        )
        # ---- finiteness of the current weights, per lane (inf * 0 and nan * 0 are nan)
        for l in range(L):
            fin[l] = 0.0
        for k in range(d):
            for j in range(n):
                for l in range(L):
                    fin[l] += W1[k, j * L + l] * 0.0
        for j in range(n):
            for l in range(L):
                fin[l] += W2[j * L + l] * 0.0
        # ---- bookkeeping per lane, then the update
        for l in range(L):
            b = idx[l]
            if b < 0:
                continue
            lo_l = loss[l]
            t = tt[l]
            ended = not (math.isfinite(lo_l) and fin[l] == 0.0)
            if not ended:
                if t == 0:
                    v0[l] = lo_l
                v = min(lo_l / v0[l], CLIP)
                sum_v[l] += v
                sum_inv[l] += 1.0 / v
                if t >= first_last:
                    sum_last[l] += v
                t += 1
                tt[l] = t
            if ended or t == steps:
                if t < steps:
                    rest = steps - t
                    vn = min(NONFINITE / v0[l], CLIP)
                    sum_v[l] += rest * vn
                    sum_inv[l] += rest / vn
                    sum_last[l] += min(rest, last) * vn
                measure[b] = -sum_v[l] if sum_last[l] / last < 1.0 else sum_inv[l]
                done[b] = t
                tt[l] = 0
                v0[l] = 1.0
                sum_v[l] = 0.0
                sum_inv[l] = 0.0
                sum_last[l] = 0.0
                if nxt < hi:
                    idx[l] = nxt
                    a1[l], a2[l] = lr1[nxt], lr2[nxt]
                    off[l] = offset[nxt] if offset_every_step else 0.0
                    nxt += 1
                else:
                    idx[l] = -1
                    a1[l], a2[l], off[l] = 0.0, 0.0, 0.0
                    active -= 1
                _load_lane(l, idx[l], W1_0, W2_0, offset, offset_every_step, W1, W2)
                # the fresh lane takes no step this round
                for k in range(d):
                    for j in range(n):
                        dW1[k, j * L + l] = 0.0
                for j in range(n):
                    dW2[j * L + l] = 0.0
        for k in range(d):
            for j in range(n):
                for l in range(L):
                    W1[k, j * L + l] -= a1[l] * dW1[k, j * L + l]
        for j in range(n):
            for l in range(L):
                W2[j * L + l] -= a2[l] * dW2[j * L + l]


@njit(cache=True, nogil=True, parallel=True, error_model="numpy", fastmath={"contract"})
def run_par(
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
    measure: np.ndarray,
    done: np.ndarray,
    block: int,
) -> None:
    """All grid points in blocks of ``block``, spread over threads."""
    B = lr1.shape[0]
    nblocks = (B + block - 1) // block
    for c in prange(nblocks):
        run_lanes(
            c * block,
            min(B, (c + 1) * block),
            act,
            X,
            Y,
            W1_0,
            W2_0,
            lr1,
            lr2,
            offset,
            offset_every_step,
            steps,
            measure,
            done,
        )
