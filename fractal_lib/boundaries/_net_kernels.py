"""Numba kernels: (minibatch) GD on a grid of tiny two-layer networks (private).

Public wrappers live in :mod:`fractal_lib.boundaries.network_trainability`; they
validate input, build the data and the initial weights and call :func:`run_grid` (or
:func:`loss_grad_one` for one network).

The network (Sohl-Dickstein 2024, no biases) for inputs ``X (N, d)``, weights
``W1 (d, n)`` and ``W2 (n,)`` and layer scales ``s_in``, ``s_out``::

    z = s_in X W1,   h = phi(z),   f = s_out h W2,   loss = mean((f - y)**2)

with ``phi(z) = tanh(sqrt(2) z)``, ``sqrt(2) relu(z)`` or ``z`` (the paper's mean-field
parameterisation: ``s_in = 1/sqrt(d)``, ``s_out = 1/n``). Minibatch GD takes step
``t``'s gradient on the rows ``batches[t]`` while the tracked loss is the full batch's.

Layout and speed. ``L`` networks (lanes: 8 in float64, 16 in float32, one AVX-512
vector) are trained in lock step with their weights stored lane-minor
(``W1[k, j * L + l]``), so every inner loop runs over ``n * L`` contiguous numbers and
vectorises; lanes never mix, so a network's numbers do not depend on its lane or group.
A pass over the data takes four rows at a time: the forward product ``X W1`` and the
backward product ``X^T Q`` are register-blocked four rows by four inputs (one load of a
weight vector feeds four rows, one load and store of an accumulator four inputs), the
sums over inputs and rows stay in their natural order. The output layer's sum over
hidden units is pairwise (halving the block of units each pass, same order in every
lane) so that it too runs in long vector loops. ``tanh`` is a branch-free ``expm1``
with a Cody-Waite reduction and a degree-13 (float64) or degree-8 (float32) polynomial,
a few ulp from the correctly rounded value. float32 kernels run the same code with
float32 data, weights, learning rates and constants; the measure is accumulated in
float64.

Every grid point is an independent network; the parallel kernel spreads blocks of grid
points over threads with ``prange``. All kernels are ``nogil`` so an executor's threads
run them in parallel.

Convergence measure (per run, accumulated on the fly so no trajectory is stored): the
losses ``v_0 .. v_{T-1}`` are the losses *before* each of the ``T`` updates; non-finite
losses count as ``NONFINITE`` (1e6); ``v`` is divided by ``v_0`` and clipped at ``CLIP``
(1e6). The run converged if the mean of its last ``min(20, T)`` normalised losses is
below 1; the measure is ``-sum(v)`` if it converged and ``+sum(1/v)`` if not. Once a
loss or a weight is non-finite the run is over: every remaining loss counts as
non-finite (what GD would produce anyway), so divergent runs stop early.

References
----------
Sohl-Dickstein 2024, "The boundary of neural network trainability is fractal"
(arXiv:2402.06184): the networks, the minibatch configuration and the measure.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from .._numba import njit

#: Activation codes of the kernels.
TANH, RELU, IDENTITY = 0, 1, 2
#: Value a non-finite loss counts as in the measure.
NONFINITE = 1e6
#: Upper clip of a normalised loss ``v_t / v_0``.
CLIP = 1e6
#: Number of final losses whose mean decides convergence.
LAST = 20
#: ``sqrt(2)``, the activation gain.
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


_FLAGS = dict(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})


@njit(**_FLAGS)
def _tanh64(
    a: np.ndarray,
    scale: float,
    sq2: float,
    t: np.ndarray,
    tp: np.ndarray,
    fb: np.ndarray,
    ib: np.ndarray,
    sb: np.ndarray,
    sib: np.ndarray,
) -> None:
    """``t[j] = tanh(scale * a[j])`` and ``tp[j] = sq2 * (1 - t[j]**2)``, ``scale > 0``,
    in float64, branch-free so that LLVM vectorises it.

    ``fb``/``ib`` and ``sb``/``sib`` are float64/int64 views of the same scratch buffers
    (for the bit manipulation that builds ``2**k``).
    """
    m = a.shape[0]
    for j in range(m):  # y = -2|x| clamped (kept in t), rounded k stored as float bits
        y = -2.0 * min(abs(scale * a[j]), _TANH_CUT)
        t[j] = y
        fb[j] = y * _INV_LN2 + _ROUND
    for j in range(m):  # 2**k from the integer k hidden in the low mantissa bits
        sib[j] = (ib[j] - _ROUND_BITS + 1023) << 52
    for j in range(m):
        y = t[j]
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
        v = (0.0 - em1) / (2.0 + em1)  # tanh(|x|), +0 at x = 0
        t[j] = math.copysign(v, a[j])  # scale > 0; tanh(-0) = -0
        tp[j] = sq2 * (1.0 - v * v)


# float32 tanh: as _tanh64, with float32 constants and a degree-8 polynomial
_F_INV_LN2 = np.float32(1.4426950408889634)
_F_LN2_HI = np.float32(0.693145751953125)  # 0x3f317200: k * _F_LN2_HI is exact
_F_LN2_LO = np.float32(1.4286068203094172e-06)
_F_ROUND = np.float32(12582912.0)  # 1.5 * 2**23
_F_ROUND_BITS = np.int32(0x4B400000)  # bit pattern of _F_ROUND
_F_BIAS = np.int32(127)
_F_E = tuple(np.float32(1.0 / math.factorial(p)) for p in range(2, 9))
_F_CUT = np.float32(10.0)  # tanh(a) == 1.0 in single precision for a >= 9.01
_F_TWO = np.float32(2.0)
_F_ONE = np.float32(1.0)
_F_ZERO = np.float32(0.0)


@njit(**_FLAGS)
def _tanh32(
    a: np.ndarray,
    scale: np.float32,
    sq2: np.float32,
    t: np.ndarray,
    tp: np.ndarray,
    fb: np.ndarray,
    ib: np.ndarray,
    sb: np.ndarray,
    sib: np.ndarray,
) -> None:
    """As :func:`_tanh64` in float32 (``ib``, ``sib``: int32 views)."""
    m = a.shape[0]
    e2, e3, e4, e5, e6, e7, e8 = _F_E
    for j in range(m):
        y = -_F_TWO * min(abs(scale * a[j]), _F_CUT)
        t[j] = y
        fb[j] = y * _F_INV_LN2 + _F_ROUND
    for j in range(m):
        sib[j] = (ib[j] - _F_ROUND_BITS + _F_BIAS) << np.int32(23)
    for j in range(m):
        y = t[j]
        kf = fb[j] - _F_ROUND
        r = (y - kf * _F_LN2_HI) - kf * _F_LN2_LO
        q = r * (
            _F_ONE
            + r * (e2 + r * (e3 + r * (e4 + r * (e5 + r * (e6 + r * (e7 + r * e8))))))
        )
        s = sb[j]
        em1 = s * q + (s - _F_ONE)
        v = (_F_ZERO - em1) / (_F_TWO + em1)
        t[j] = math.copysign(v, a[j])
        tp[j] = sq2 * (_F_ONE - v * v)


def tanh_row(a: np.ndarray) -> np.ndarray:
    """The kernels' ``tanh`` of a 1-D float64 or float32 array (for tests).

    Parameters
    ----------
    a : ndarray, shape ``(m,)``
        Arguments, float64 or float32.

    Returns
    -------
    ndarray, shape ``(m,)``
        ``tanh(a)`` in ``a``'s dtype, as the grid kernel computes it.
    """
    a = np.ascontiguousarray(a)
    t, tp, fb, sb = (np.empty_like(a) for _ in range(4))
    if a.dtype == np.float64:
        _tanh64(a, 1.0, 1.0, t, tp, fb, fb.view(np.int64), sb, sb.view(np.int64))
    else:
        one = np.float32(1.0)
        _tanh32(a, one, one, t, tp, fb, fb.view(np.int32), sb, sb.view(np.int32))
    return t


#: Networks advanced in lock step by the float64 kernel (one AVX-512 vector).
LANES = 8
#: Networks advanced in lock step by the float32 kernel (one AVX-512 vector).
LANES32 = 16
_R = 4  # data rows per block of the products (register blocking)
# the constants array C of a pass, in the kernel's dtype
_C_SIN, _C_SOUT, _C_ATANH, _C_SQRT2, _C_ONE = range(5)


@njit(**_FLAGS)
def _forward(
    X: np.ndarray,
    i0: int,
    i1: int,
    i2: int,
    i3: int,
    W1: np.ndarray,
    z0: np.ndarray,
    z1: np.ndarray,
    z2: np.ndarray,
    z3: np.ndarray,
) -> None:
    """``z_r = X[i_r] W1`` for four data rows at once, summed over ``k`` in order.

    The four rows share every load of ``W1`` and four ``k`` share every load and store
    of ``z_r`` (register blocking; the arithmetic is that of one row at a time).
    """
    d = X.shape[1]
    nl = W1.shape[1]
    for m in range(nl):
        z0[m] = 0.0
        z1[m] = 0.0
        z2[m] = 0.0
        z3[m] = 0.0
    k = 0
    while k + 4 <= d:
        x00, x01, x02, x03 = X[i0, k], X[i0, k + 1], X[i0, k + 2], X[i0, k + 3]
        x10, x11, x12, x13 = X[i1, k], X[i1, k + 1], X[i1, k + 2], X[i1, k + 3]
        x20, x21, x22, x23 = X[i2, k], X[i2, k + 1], X[i2, k + 2], X[i2, k + 3]
        x30, x31, x32, x33 = X[i3, k], X[i3, k + 1], X[i3, k + 2], X[i3, k + 3]
        w0, w1, w2, w3 = W1[k], W1[k + 1], W1[k + 2], W1[k + 3]
        for m in range(nl):
            a, b, c, e = w0[m], w1[m], w2[m], w3[m]
            z0[m] = (((z0[m] + x00 * a) + x01 * b) + x02 * c) + x03 * e
            z1[m] = (((z1[m] + x10 * a) + x11 * b) + x12 * c) + x13 * e
            z2[m] = (((z2[m] + x20 * a) + x21 * b) + x22 * c) + x23 * e
            z3[m] = (((z3[m] + x30 * a) + x31 * b) + x32 * c) + x33 * e
        k += 4
    while k < d:
        x0, x1, x2, x3 = X[i0, k], X[i1, k], X[i2, k], X[i3, k]
        w = W1[k]
        for m in range(nl):
            a = w[m]
            z0[m] += x0 * a
            z1[m] += x1 * a
            z2[m] += x2 * a
            z3[m] += x3 * a
        k += 1


@njit(**_FLAGS)
def _backward(
    X: np.ndarray,
    i0: int,
    i1: int,
    i2: int,
    i3: int,
    Q: np.ndarray,
    dW1: np.ndarray,
) -> None:
    """``dW1 += X[i_r]^T Q[r]`` for four rows, added row after row (register blocking
    as in :func:`_forward`: four rows and four ``k`` per load of ``Q`` and ``dW1``)."""
    d, nl = dW1.shape
    q0, q1, q2, q3 = Q[0], Q[1], Q[2], Q[3]
    k = 0
    while k + 4 <= d:
        x00, x01, x02, x03 = X[i0, k], X[i0, k + 1], X[i0, k + 2], X[i0, k + 3]
        x10, x11, x12, x13 = X[i1, k], X[i1, k + 1], X[i1, k + 2], X[i1, k + 3]
        x20, x21, x22, x23 = X[i2, k], X[i2, k + 1], X[i2, k + 2], X[i2, k + 3]
        x30, x31, x32, x33 = X[i3, k], X[i3, k + 1], X[i3, k + 2], X[i3, k + 3]
        g0, g1, g2, g3 = dW1[k], dW1[k + 1], dW1[k + 2], dW1[k + 3]
        for m in range(nl):
            a, b, c, e = q0[m], q1[m], q2[m], q3[m]
            g0[m] = (((g0[m] + x00 * a) + x10 * b) + x20 * c) + x30 * e
            g1[m] = (((g1[m] + x01 * a) + x11 * b) + x21 * c) + x31 * e
            g2[m] = (((g2[m] + x02 * a) + x12 * b) + x22 * c) + x32 * e
            g3[m] = (((g3[m] + x03 * a) + x13 * b) + x23 * c) + x33 * e
        k += 4
    while k < d:
        x0, x1, x2, x3 = X[i0, k], X[i1, k], X[i2, k], X[i3, k]
        g = dW1[k]
        for m in range(nl):
            g[m] = (((g[m] + x0 * q0[m]) + x1 * q1[m]) + x2 * q2[m]) + x3 * q3[m]
        k += 1


@njit(**_FLAGS)
def _head(
    h: np.ndarray,
    hp: np.ndarray,
    W2: np.ndarray,
    yi: float,
    s_out: float,
    grad: bool,
    L: int,
    loss: np.ndarray,
    dW2: np.ndarray,
    q: np.ndarray,
    P: np.ndarray,
) -> None:
    """Output layer of one data row for ``L`` lane-minor networks: ``f = s_out h W2``,
    ``e = f - y``, ``loss += e**2``; if ``grad``: ``dW2 += e h`` and ``q = e W2 hp``
    (the back-propagated error). ``P``: scratch of length ``n * L``.

    Every loop runs over ``n * L`` (or a half of it) contiguous numbers, so that it
    vectorises: the sum over hidden units ``j`` is pairwise (halving the block of
    ``j`` each pass), in the same order in every lane.
    """
    nl = W2.shape[0]
    for m in range(nl):
        P[m] = h[m] * W2[m]
    cnt = nl // L
    while cnt > 1:  # pairwise sum over j: block j += block j + (cnt - half)
        half = cnt // 2
        off = (cnt - half) * L
        for m in range(half * L):
            P[m] += P[m + off]
        cnt -= half
    for l in range(L):
        el = P[l] * s_out - yi
        P[l] = el
        loss[l] += el * el
    if not grad:
        return
    w = L
    while w < nl:  # e repeated over the hidden units: P[j * L + l] = e[l]
        cp = min(w, nl - w)
        for m in range(cp):
            P[w + m] = P[m]
        w += cp
    for m in range(nl):
        dW2[m] += P[m] * h[m]
        q[m] = P[m] * W2[m] * hp[m]


@njit(**_FLAGS)
def _head4(
    H: np.ndarray,
    HP: np.ndarray,
    W2: np.ndarray,
    y: np.ndarray,
    s_out: float,
    grad: bool,
    L: int,
    loss: np.ndarray,
    dW2: np.ndarray,
    Q: np.ndarray,
    P: np.ndarray,
) -> None:
    """:func:`_head` for four data rows at once (``H``, ``HP``, ``Q``, ``P``: shape
    ``(4, n * L)``, ``y``: their four targets), the same arithmetic: the rows share
    the product and update loops, every load of ``W2`` and every load and store of
    ``dW2``. The pairwise sum and the copies of ``e`` run one row per loop: a short
    loop over one array vectorises, one over four interleaved rows did not (issue 14:
    float32 +15% per CPU second, float64 unchanged)."""
    nl = W2.shape[0]
    h0, h1, h2, h3 = H[0], H[1], H[2], H[3]
    p0, p1, p2, p3 = P[0], P[1], P[2], P[3]
    for m in range(nl):
        w = W2[m]
        p0[m] = h0[m] * w
        p1[m] = h1[m] * w
        p2[m] = h2[m] * w
        p3[m] = h3[m] * w
    cnt = nl // L
    while cnt > 1:
        half = cnt // 2
        off = (cnt - half) * L
        hl = half * L
        for r in range(4):  # one row per loop: LLVM vectorises short one-array loops
            dst, src = P[r, :hl], P[r, off : off + hl]
            for m in range(hl):
                dst[m] += src[m]
        cnt -= half
    y0, y1, y2, y3 = y[0], y[1], y[2], y[3]
    for l in range(L):
        e0 = p0[l] * s_out - y0
        e1 = p1[l] * s_out - y1
        e2 = p2[l] * s_out - y2
        e3 = p3[l] * s_out - y3
        p0[l], p1[l], p2[l], p3[l] = e0, e1, e2, e3
        loss[l] = (((loss[l] + e0 * e0) + e1 * e1) + e2 * e2) + e3 * e3
    if not grad:
        return
    w = L
    while w < nl:
        cp = min(w, nl - w)
        for r in range(4):
            dst, src = P[r, w : w + cp], P[r, :cp]
            for m in range(cp):
                dst[m] = src[m]
        w += cp
    q0, q1, q2, q3 = Q[0], Q[1], Q[2], Q[3]
    hp0, hp1, hp2, hp3 = HP[0], HP[1], HP[2], HP[3]
    for m in range(nl):
        w2 = W2[m]
        g = dW2[m]
        g = (((g + p0[m] * h0[m]) + p1[m] * h1[m]) + p2[m] * h2[m]) + p3[m] * h3[m]
        dW2[m] = g
        q0[m] = p0[m] * w2 * hp0[m]
        q1[m] = p1[m] * w2 * hp1[m]
        q2[m] = p2[m] * w2 * hp2[m]
        q3[m] = p3[m] * w2 * hp3[m]


@njit(**_FLAGS)
def _lanes_pass(
    act: int,
    X: np.ndarray,
    Y: np.ndarray,
    rows: np.ndarray,
    C: np.ndarray,
    W1: np.ndarray,
    W2: np.ndarray,
    grad: bool,
    dW1: np.ndarray,
    dW2: np.ndarray,
    loss: np.ndarray,
    S: np.ndarray,
    ib: np.ndarray,
    sib: np.ndarray,
    L: int,
) -> None:
    """Losses ``loss[l]`` (mean over the data rows ``rows``) and, if ``grad``, the
    gradients of ``L`` networks stored lane-minor (``W1[k, j * L + l]``,
    ``W2[j * L + l]``), in one pass over the rows, ``_R`` rows at a time.

    ``C`` holds the constants (``_C_*``) in the kernel's dtype; ``S`` is scratch of
    shape ``(7, _R * n * L)`` (``ib``, ``sib``: integer views of ``S[4]``, ``S[5]``).
    """
    nr = rows.shape[0]
    nl = W2.shape[0]
    R = _R
    s_in, s_out, a_tanh, sq2, one = (
        C[_C_SIN], C[_C_SOUT], C[_C_ATANH], C[_C_SQRT2], C[_C_ONE]
    )  # fmt: skip
    Zf, Hf, HPf, Qf, fb, sb, Pf = S[0], S[1], S[2], S[3], S[4], S[5], S[6]
    Z = Zf.reshape((R, nl))
    H = Hf.reshape((R, nl))
    HP = HPf.reshape((R, nl))
    Q = Qf.reshape((R, nl))
    P = Pf.reshape((R, nl))
    yb = np.empty(R, dtype=Y.dtype)
    c = 2.0 / nr * float(s_out)
    c1 = c * float(s_in)
    if grad:
        dW1[:] = 0.0
        dW2[:] = 0.0
    loss[:] = 0.0
    for b0 in range(0, nr, R):
        nv = min(R, nr - b0)
        i0 = rows[b0]
        i1 = rows[b0 + 1] if nv > 1 else i0
        i2 = rows[b0 + 2] if nv > 2 else i0
        i3 = rows[b0 + 3] if nv > 3 else i0
        _forward(X, i0, i1, i2, i3, W1, Z[0], Z[1], Z[2], Z[3])
        cnt = nv * nl
        if act == TANH:
            if Zf.itemsize == 8:
                _tanh64(Zf[:cnt], a_tanh, sq2, Hf, HPf, fb, ib, sb, sib)
            else:
                _tanh32(Zf[:cnt], a_tanh, sq2, Hf, HPf, fb, ib, sb, sib)
        elif act == RELU:
            for m in range(cnt):
                zz = s_in * Zf[m]
                pos = zz > 0.0
                Hf[m] = sq2 * zz if pos else 0.0
                HPf[m] = sq2 if pos else 0.0
        else:
            for m in range(cnt):
                Hf[m] = s_in * Zf[m]
                HPf[m] = one
        if nv == R:
            for r in range(R):
                yb[r] = Y[rows[b0 + r]]
            _head4(H, HP, W2, yb, s_out, grad, L, loss, dW2, Q, P)
        else:
            for r in range(nv):
                _head(
                    H[r], HP[r], W2, Y[rows[b0 + r]], s_out, grad, L, loss, dW2, Q[r],
                    Pf,
                )  # fmt: skip
        if not grad:
            continue
        if nv == R:
            _backward(X, i0, i1, i2, i3, Q, dW1)
        else:
            for r in range(nv):
                i = rows[b0 + r]
                q = Q[r]
                for k in range(dW1.shape[0]):
                    x = X[i, k]
                    g = dW1[k]
                    for m in range(nl):
                        g[m] += x * q[m]
    if grad:
        for m in range(nl):
            dW2[m] *= c
        for k in range(dW1.shape[0]):
            for m in range(nl):
                dW1[k, m] *= c1
    for l in range(L):
        loss[l] /= nr


@njit(**_FLAGS)
def _load_lane(
    l: int,
    b: int,
    W1_0: np.ndarray,
    W2_0: np.ndarray,
    offset: np.ndarray,
    offset_every_step: bool,
    W1: np.ndarray,
    W2: np.ndarray,
    L: int,
) -> None:
    d, n = W1_0.shape
    add = 0.0 if (offset_every_step or b < 0) else offset[b]
    for k in range(d):
        for j in range(n):
            W1[k, j * L + l] = W1_0[k, j] + add
    for j in range(n):
        W2[j * L + l] = W2_0[j]


@njit(**_FLAGS)
def _run_block(
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
    C: np.ndarray,
    batches: np.ndarray,
    iproto: np.ndarray,
    L: int,
    measure: np.ndarray,
    done: np.ndarray,
) -> None:
    """Grid points ``lo .. hi - 1``, ``L`` networks in lock step (same numbers in
    every lane position: lanes never mix).

    Weights are stored lane-minor (``W1[k, j * L + l]``) so every inner loop runs over
    ``n * L`` contiguous numbers and vectorises. Full batch: a lane whose run has ended
    (all steps done, or non-finite) is refilled with the next grid point. Minibatch
    (``batches.shape[0] > 0``): every lane of the group is at the same step (it needs
    the same rows), so the group is refilled only when all its runs have ended.
    ``iproto``: an empty integer array of the dtype's size (for the bit views).
    """
    N, d = X.shape
    n = W2_0.shape[0]
    nl = n * L
    dt = W1_0.dtype
    minibatch = batches.shape[0] > 0
    all_rows = np.arange(N)
    W1 = np.empty((d, nl), dtype=dt)
    W2 = np.empty(nl, dtype=dt)
    dW1 = np.empty((d, nl), dtype=dt)
    dW2 = np.empty(nl, dtype=dt)
    S = np.empty((7, _R * nl), dtype=dt)
    ib = S[4].view(iproto.dtype)
    sib = S[5].view(iproto.dtype)
    loss = np.empty(L, dtype=dt)
    loss_b = np.empty(L, dtype=dt)
    fin = np.empty(L, dtype=dt)
    a1 = np.zeros(L, dtype=dt)
    a2 = np.zeros(L, dtype=dt)
    off = np.zeros(L, dtype=dt)
    A1 = np.zeros(nl, dtype=dt)  # a1, a2, off and fin repeated over the hidden units
    A2 = np.zeros(nl, dtype=dt)
    OFF = np.zeros(nl, dtype=dt)
    FIN = np.empty(nl, dtype=dt)
    dirty = True  # a1, a2 or off changed since A1, A2, OFF were filled
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
            dirty = True
            nxt += 1
            active += 1
        _load_lane(l, idx[l], W1_0, W2_0, offset, offset_every_step, W1, W2, L)
    group_t = 0  # the step of every live lane (minibatch mode)
    while active > 0:
        if dirty:
            for j in range(n):
                for l in range(L):
                    A1[j * L + l] = a1[l]
                    A2[j * L + l] = a2[l]
                    OFF[j * L + l] = off[l]
            dirty = False
        if offset_every_step:
            for k in range(d):
                for m in range(nl):
                    W1[k, m] += OFF[m]
        if minibatch:  # tracked loss: full batch; gradient: this step's rows
            _lanes_pass(
                act, X, Y, all_rows, C, W1, W2, False, dW1, dW2, loss, S, ib, sib, L
            )
            _lanes_pass(
                act, X, Y, batches[group_t], C, W1, W2, True, dW1, dW2, loss_b, S, ib,
                sib, L,
            )  # fmt: skip
        else:
            _lanes_pass(
                act, X, Y, all_rows, C, W1, W2, True, dW1, dW2, loss, S, ib, sib, L
            )
        # ---- finiteness of the current weights, per lane (inf * 0 and nan * 0 are nan)
        for m in range(nl):
            FIN[m] = W2[m] * 0.0
        for k in range(d):
            for m in range(nl):
                FIN[m] += W1[k, m] * 0.0
        fin[:] = 0.0
        for j in range(n):
            for l in range(L):
                fin[l] += FIN[j * L + l]
        # ---- bookkeeping per lane (in float64), then the update
        group_t += 1
        for l in range(L):
            b = idx[l]
            if b < 0:
                continue
            lo_l = float(loss[l])
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
                if nxt < hi and not minibatch:
                    idx[l] = nxt
                    a1[l], a2[l] = lr1[nxt], lr2[nxt]
                    off[l] = offset[nxt] if offset_every_step else 0.0
                    dirty = True
                    nxt += 1
                else:
                    idx[l] = -1
                    a1[l], a2[l], off[l] = 0.0, 0.0, 0.0
                    dirty = True
                    active -= 1
                _load_lane(l, idx[l], W1_0, W2_0, offset, offset_every_step, W1, W2, L)
                # the fresh lane takes no step this round
                for k in range(d):
                    for j in range(n):
                        dW1[k, j * L + l] = 0.0
                for j in range(n):
                    dW2[j * L + l] = 0.0
        if minibatch and active == 0 and nxt < hi:  # the whole group ended: refill
            group_t = 0
            for l in range(L):
                if nxt < hi:
                    idx[l] = nxt
                    a1[l], a2[l] = lr1[nxt], lr2[nxt]
                    off[l] = offset[nxt] if offset_every_step else 0.0
                    dirty = True
                    nxt += 1
                    active += 1
                _load_lane(l, idx[l], W1_0, W2_0, offset, offset_every_step, W1, W2, L)
            continue
        # a lane refilled this round has dW = 0: its stale rate changes nothing
        for k in range(d):
            for m in range(nl):
                W1[k, m] -= A1[m] * dW1[k, m]
        for m in range(nl):
            W2[m] -= A2[m] * dW2[m]


@njit(parallel=True, **_FLAGS)
def _run_par(
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
    C: np.ndarray,
    batches: np.ndarray,
    iproto: np.ndarray,
    L: int,
    measure: np.ndarray,
    done: np.ndarray,
    block: int,
) -> None:
    """All grid points in blocks of ``block``, spread over threads."""
    B = lr1.shape[0]
    nblocks = (B + block - 1) // block
    for c in prange(nblocks):
        _run_block(
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
            C,
            batches,
            iproto,
            L,
            measure,
            done,
        )


#: Lanes per dtype item size (the arithmetic does not depend on it).
_LANES_BY_ITEMSIZE = {8: LANES, 4: LANES32}


def _setup(
    X: np.ndarray, s_in: float, s_out: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Constants array ``C``, integer prototype and lane count for ``X``'s dtype."""
    dt = X.dtype
    C = np.zeros(5, dtype=dt)
    C[_C_SIN], C[_C_SOUT], C[_C_ATANH] = s_in, s_out, SQRT2 * s_in
    C[_C_SQRT2], C[_C_ONE] = SQRT2, 1.0
    iproto = np.empty(0, dtype=np.int64 if dt.itemsize == 8 else np.int32)
    return C, iproto, _LANES_BY_ITEMSIZE[dt.itemsize]


def _check_grid_args(
    X: np.ndarray,
    Y: np.ndarray,
    W1_0: np.ndarray,
    W2_0: np.ndarray,
    s_in: float,
    s_out: float,
) -> None:
    dt = X.dtype
    if dt not in (np.float64, np.float32):
        raise ValueError(f"X must be float64 or float32, got {dt}")
    for name, a in (("Y", Y), ("W1_0", W1_0), ("W2_0", W2_0)):
        if a.dtype != dt:
            raise ValueError(f"{name} must have X's dtype {dt}, got {a.dtype}")
    if X.ndim != 2 or Y.shape != (X.shape[0],) or X.shape[0] < 1:
        raise ValueError(f"X (N, d) and Y (N,) do not match: {X.shape}, {Y.shape}")
    if W1_0.ndim != 2 or W1_0.shape[0] != X.shape[1] or W2_0.shape != W1_0.shape[1:]:
        raise ValueError(
            f"W1_0 must be (d, n) and W2_0 (n,) with d = {X.shape[1]}, got "
            f"{W1_0.shape}, {W2_0.shape}"
        )
    for name, s in (("s_in", s_in), ("s_out", s_out)):
        if not (math.isfinite(s) and s > 0.0):
            raise ValueError(f"{name} must be finite and > 0, got {s!r}")


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
    parallel: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Train one network per grid point with (minibatch) GD; the convergence measure.

    Every grid point ``b`` trains the network of the module docstring from ``W1_0``
    (plus ``offset[b]`` once, or every step if ``offset_every_step``) and ``W2_0`` with
    learning rates ``lr1[b]`` (input layer) and ``lr2[b]`` (output layer).

    Parameters
    ----------
    act : int
        ``TANH``, ``RELU`` or ``IDENTITY``.
    X : ndarray, shape ``(N, d)``
        Inputs; its dtype (float64 or float32) picks the compiled kernel, and ``Y``,
        ``W1_0``, ``W2_0`` must share it.
    Y : ndarray, shape ``(N,)``
        Targets.
    W1_0 : ndarray, shape ``(d, n)``
        Initial input-layer weights.
    W2_0 : ndarray, shape ``(n,)``
        Initial output-layer weights.
    lr1, lr2, offset : ndarray(float64), shape ``(B,)``
        Learning rates and input-layer weight offsets per grid point.
    offset_every_step : bool
        Add the offset before every step (the original notebook) instead of once.
    steps : int
        Updates per run (>= 1).
    s_in, s_out : float
        Layer scales (> 0): ``z = s_in X W1``, ``f = s_out h W2``; mean field is
        ``1 / sqrt(d)`` and ``1 / n``.
    batches : ndarray(int64), shape ``(steps, b)`` or ``(0, 0)``
        Rows of the gradient of each step (minibatch GD; the tracked loss is the full
        batch's); no rows: full-batch GD.
    parallel : bool
        Spread grid points over numba's threads.

    Returns
    -------
    measure : ndarray(float64), shape ``(B,)``
        Convergence measure (< 0 converged, > 0 diverged).
    done : ndarray(int64), shape ``(B,)``
        Steps computed (a run ends at its first non-finite loss or weight).

    Raises
    ------
    ValueError
        Mismatched shapes or dtypes, scales not finite and positive, ``steps < 1``,
        ``batches`` of the wrong shape or with rows out of range.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), the networks and the measure of Fig. 1.
    """
    _check_grid_args(X, Y, W1_0, W2_0, s_in, s_out)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    B = lr1.shape[0]
    if lr2.shape != (B,) or offset.shape != (B,):
        raise ValueError("lr1, lr2 and offset must have the same length")
    batches = np.ascontiguousarray(batches, dtype=np.int64)
    if batches.ndim != 2:
        raise ValueError(f"batches must be 2-D, got shape {batches.shape}")
    if batches.shape[0] > 0 and (
        batches.shape[0] < steps
        or batches.shape[1] < 1
        or batches.min() < 0
        or batches.max() >= X.shape[0]
    ):
        raise ValueError(
            f"batches must have shape (steps={steps}, b >= 1) with rows in "
            f"[0, {X.shape[0]}), got shape {batches.shape}"
        )
    X, Y, W1_0, W2_0 = (np.ascontiguousarray(a) for a in (X, Y, W1_0, W2_0))
    lr1, lr2, offset = (
        np.ascontiguousarray(a, dtype=np.float64) for a in (lr1, lr2, offset)
    )
    C, iproto, L = _setup(X, s_in, s_out)
    measure = np.empty(B)
    done = np.empty(B, dtype=np.int64)
    args = (act, X, Y, W1_0, W2_0, lr1, lr2, offset, bool(offset_every_step))
    tail = (int(steps), C, batches, iproto, L, measure, done)
    if parallel and B > L:
        block = max(L, min(256, -(-B // 64)))
        _run_par(*args, *tail, block)
    elif B > 0:
        _run_block(0, B, *args, *tail)
    return measure, done


def loss_grad_one(
    act: int,
    X: np.ndarray,
    Y: np.ndarray,
    W1: np.ndarray,
    W2: np.ndarray,
    s_in: float,
    s_out: float,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Full-batch loss and gradients of one network, by the grid kernel's arithmetic.

    Parameters
    ----------
    act : int
        ``TANH``, ``RELU`` or ``IDENTITY``.
    X : ndarray, shape ``(N, d)``
        Inputs (float64 or float32; ``Y``, ``W1``, ``W2`` share the dtype).
    Y : ndarray, shape ``(N,)``
        Targets.
    W1 : ndarray, shape ``(d, n)``
        Input-layer weights.
    W2 : ndarray, shape ``(n,)``
        Output-layer weights.
    s_in, s_out : float
        Layer scales (see :func:`run_grid`).

    Returns
    -------
    loss : float
        ``mean((f - Y)**2)``.
    dW1 : ndarray, shape ``(d, n)``
        Gradient with respect to ``W1``.
    dW2 : ndarray, shape ``(n,)``
        Gradient with respect to ``W2``.

    Raises
    ------
    ValueError
        Mismatched shapes or dtypes, scales not finite and positive.

    References
    ----------
    Sohl-Dickstein 2024 (arXiv:2402.06184), the networks of Fig. 1.
    """
    _check_grid_args(X, Y, W1, W2, s_in, s_out)
    C, iproto, L = _setup(X, s_in, s_out)
    d, n = W1.shape
    nl = n * L
    W1l = np.ascontiguousarray(np.repeat(W1, L, axis=1))  # [k, j*L + l] = W1[k, j]
    W2l = np.ascontiguousarray(np.repeat(W2, L))
    dW1, dW2 = np.empty((d, nl), dtype=X.dtype), np.empty(nl, dtype=X.dtype)
    loss = np.empty(L, dtype=X.dtype)
    S = np.empty((7, _R * nl), dtype=X.dtype)
    _lanes_pass(
        act,
        np.ascontiguousarray(X),
        np.ascontiguousarray(Y),
        np.arange(X.shape[0]),
        C,
        W1l,
        W2l,
        True,
        dW1,
        dW2,
        loss,
        S,
        S[4].view(iproto.dtype),
        S[5].view(iproto.dtype),
        L,
    )
    return float(loss[0]), dW1[:, ::L].copy(), dW2[::L].copy()
