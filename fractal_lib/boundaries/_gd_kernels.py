"""Numba kernels for gradient descent on the cosine-perturbed quadratics (private).

Public wrappers live in :mod:`fractal_lib.boundaries.trainability`; they validate input,
allocate outputs and choose between the kernels here. Every kernel takes arrays in and
writes into ``out`` arrays.

Two families:

* ``_sweep1`` / ``_sweepd``: the reference kernels. One learning rate at a time, libm
  ``sin`` and ``cos``, any landscape, both divergence criteria, and the colour-strip
  intensity.
* ``_fast1``: the throughput kernel for the 1-D quadratic, additive and multiplicative
  cases. It advances ``LANES`` independent learning rates in lock step so LLVM
  vectorises the step (AVX2 on x86-64), refills lanes whose run has finished, and
  evaluates sine and cosine with a Cody-Waite range reduction and fixed polynomials
  (branch-free, so they vectorise). The additive case under the sum criterion needs no
  cosine at all: the cosine term of the loss is bounded by eps, so the sum of x^2
  decides every run except those ending within steps * eps of the bound, which are
  settled by the exact reference kernel. The polynomials are within 1-2 ulp of libm; on
  chaotic runs that last-ulp difference can flip a classification, which the benchmark
  counts.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from .._numba import njit

QUADRATIC, ADDITIVE, MULTIPLICATIVE = 0, 1, 2  # 3, two cosines: the last branch
CRIT_SUM, CRIT_MAX = 0, 1
NAN_BOUNDED = 2  # flag on CRIT_MAX: a NaN loss is bounded (``f > bound`` is False)
TWO_PI = 2.0 * math.pi
LANES = 64  # learning rates advanced together by the fast kernel
BLOCK = 256  # learning rates per parallel work item of the reference kernels

# Cody-Waite split of pi/2 into four parts; the first three have 26 significant bits, so
# q * part is exact for |q| < 2**27, i.e. |u| < 2e8 -- beyond any trajectory still
# undecided.
_TWO_OVER_PI = 6.36619772367581382433e-01
_PIO2_1 = 1.5707963407039642
_PIO2_2 = -1.3909067675399456e-08
_PIO2_3 = 6.123233932053594e-17
_PIO2_4 = 6.36831716351095e-25
# 1.5 * 2**52: (v + R) - R rounds v to nearest for |v| < 2**51
_ROUND = 6755399441055744.0
_S1, _S2, _S3 = (
    -1.66666666666666324348e-01,
    8.33333333332248946124e-03,
    -1.98412698298579493134e-04,
)
_S4, _S5, _S6 = (
    2.75573137070700676789e-06,
    -2.50507602534068634195e-08,
    1.58969099521155010221e-10,
)
_C1, _C2, _C3 = (
    4.16666666666666019037e-02,
    -1.38888888888741095749e-03,
    2.48015872894767294178e-05,
)
_C4, _C5, _C6 = (
    -2.75573143513906633035e-07,
    2.08757232129817482790e-09,
    -1.13596475577881948265e-11,
)


@njit(cache=True)
def sincos(u: float) -> tuple[float, float]:
    """sin(u), cos(u) without data branches (vectorisable); ~1 ulp for |u| < 1e8."""
    q = (u * _TWO_OVER_PI + _ROUND) - _ROUND
    r = (((u - q * _PIO2_1) - q * _PIO2_2) - q * _PIO2_3) - q * _PIO2_4
    z = r * r
    sp = r + r * z * (_S1 + z * (_S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))))
    hz = 0.5 * z
    w = 1.0 - hz
    cp = w + (
        ((1.0 - w) - hz)
        + z * z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    )
    quad = q - 4.0 * math.floor(q * 0.25)  # 0, 1, 2 or 3
    odd = (quad - 2.0 * math.floor(0.5 * quad)) != 0.0
    s = cp if odd else sp
    c = sp if odd else cp
    s = -s if quad >= 2.0 else s
    c = -c if abs(quad - 1.5) < 1.0 else c  # quadrants 1 and 2
    return s, c


# Taylor coefficients 1/(2k+1)! (alternating): on |r| <= pi/2 the series to r^21 is
# exact to 1.3e-18, far below an ulp of the result.
_T3, _T5, _T7 = -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0
_T9, _T11, _T13 = 1.0 / 362880.0, -1.0 / 39916800.0, 1.0 / 6227020800.0
_T15, _T17 = -1.0 / 1307674368000.0, 1.0 / 355687428096000.0
_T19, _T21 = -1.0 / 121645100408832000.0, 1.0 / 51090942171709440000.0


@njit(cache=True)
def fast_sin(u: float) -> float:
    """sin(u) with one reduction modulo pi and one odd polynomial: no selects, so it
    vectorises to fewer instructions than :func:`sincos` (about 1-2 ulp for |u| < 1e8).
    """
    q = (u * (0.5 * _TWO_OVER_PI) + _ROUND) - _ROUND
    r = (
        ((u - q * (2.0 * _PIO2_1)) - q * (2.0 * _PIO2_2)) - q * (2.0 * _PIO2_3)
    ) - q * (2.0 * _PIO2_4)
    z = r * r
    p = _T15 + z * (_T17 + z * (_T19 + z * _T21))
    p = _T7 + z * (_T9 + z * (_T11 + z * (_T13 + z * p)))
    v = r + r * z * (_T3 + z * (_T5 + z * p))
    sign = 1.0 - 2.0 * (q - 2.0 * math.floor(0.5 * q))  # (-1)**q
    return sign * v


# ----------------------------------------------------------------------- reference, 1-D
@njit(cache=True)
def loss1(kind: int, x: float, e1: float, l1: float, e2: float, l2: float) -> float:
    """Loss of the 1-D landscape ``kind`` at ``x``."""
    if kind == QUADRATIC:
        return x * x
    c1 = math.cos(TWO_PI * x / l1)
    if kind == ADDITIVE:
        return x * x + e1 * c1
    if kind == MULTIPLICATIVE:
        return x * x * (1.0 + e1 * c1)
    return x * x + e1 * c1 + e2 * math.cos(TWO_PI * x / l2)


@njit(cache=True)
def grad1(kind: int, x: float, e1: float, l1: float, e2: float, l2: float) -> float:
    """Derivative of the 1-D landscape ``kind`` at ``x``."""
    if kind == QUADRATIC:
        return 2.0 * x
    s1 = math.sin(TWO_PI * x / l1)
    if kind == ADDITIVE:
        return 2.0 * x - (TWO_PI * e1 / l1) * s1
    if kind == MULTIPLICATIVE:
        return (
            2.0 * x * (1.0 + e1 * math.cos(TWO_PI * x / l1))
            - x * x * (TWO_PI * e1 / l1) * s1
        )
    return (
        2.0 * x
        - (TWO_PI * e1 / l1) * s1
        - (TWO_PI * e2 / l2) * math.sin(TWO_PI * x / l2)
    )


@njit(cache=True)
def _decided(
    crit: int, total: float, f: float, t: int, steps: int, bound: float, slack: float
) -> bool:
    """True once the run is certainly divergent (NaN and inf count as divergent).

    ``crit == CRIT_SUM``: the sum of the losses after each of ``steps`` updates reaches
    ``bound``. Losses are bounded below by ``-slack``, so once ``total`` exceeds
    ``bound`` plus what the remaining steps could subtract, the outcome is certain.
    ``crit == CRIT_MAX``: some loss exceeds ``bound``.
    ``crit == CRIT_MAX | NAN_BOUNDED``: ``f > bound`` (a NaN loss is not divergent).
    """
    if crit == CRIT_SUM:
        margin = 0.0 if t == steps else (steps - t) * slack
        return not (total < bound + margin)
    if crit & NAN_BOUNDED:
        return f > bound
    return not (f <= bound)


@njit(cache=True)
def run1(kind, e1, l1, e2, l2, lr, x0, steps, crit, bound, slack):
    """One GD run: (diverged, steps taken, sum of losses, sum of inverse losses)."""
    x = x0
    total = 0.0
    inv = 0.0
    for t in range(1, steps + 1):
        x = x - lr * grad1(kind, x, e1, l1, e2, l2)
        f = loss1(kind, x, e1, l1, e2, l2)
        total += f
        inv += 1.0 / f if f != 0.0 else math.inf
        if _decided(crit, total, f, t, steps, bound, slack):
            return True, t, total, inv
    return False, steps, total, inv


@njit(cache=True, nogil=True)
def _sweep1_range(
    lo,
    hi,
    kind,
    e1,
    l1,
    e2,
    l2,
    lrs,
    x0s,
    steps,
    crit,
    bound,
    slack,
    out_div,
    out_steps,
    out_int,
):
    for i in range(lo, hi):
        for j in range(x0s.size):
            d, t, total, inv = run1(
                kind, e1, l1, e2, l2, lrs[i], x0s[j], steps, crit, bound, slack
            )
            out_div[i, j] = d
            out_steps[i, j] = t
            out_int[i, j] = inv if d else total


@njit(cache=True, parallel=True)
def _sweep1_par(
    kind,
    e1,
    l1,
    e2,
    l2,
    lrs,
    x0s,
    steps,
    crit,
    bound,
    slack,
    out_div,
    out_steps,
    out_int,
):
    nb = (lrs.size + BLOCK - 1) // BLOCK
    for b in prange(nb):
        _sweep1_range(
            b * BLOCK,
            min(lrs.size, (b + 1) * BLOCK),
            kind,
            e1,
            l1,
            e2,
            l2,
            lrs,
            x0s,
            steps,
            crit,
            bound,
            slack,
            out_div,
            out_steps,
            out_int,
        )


# ----------------------------------------------------------------------- reference, d-D
@njit(cache=True)
def _trig_sums(x, l1, s, c):
    """Fill s, c with sin/cos(2 pi x_i / l1); return (sum x_i^2, sum cos)."""
    q = 0.0
    cs = 0.0
    for i in range(x.size):
        u = TWO_PI * x[i] / l1
        s[i] = math.sin(u)
        c[i] = math.cos(u)
        q += x[i] * x[i]
        cs += c[i]
    return q, cs


@njit(cache=True)
def lossd(kind, q, cs, e1):
    """Loss from sum x_i^2 (q) and sum cos (cs): Eqs. (10) and (11) of Liu 2024."""
    if kind == QUADRATIC:
        return q
    if kind == ADDITIVE:
        return q + e1 * cs
    return q * (1.0 + e1 * cs)


@njit(cache=True)
def rund(kind, e1, l1, lr, x0, steps, crit, bound, slack, x, s, c):
    """One d-dimensional GD run (x, s, c are work arrays of length d)."""
    x[:] = x0
    q, cs = _trig_sums(x, l1, s, c)
    k1 = TWO_PI * e1 / l1
    total = 0.0
    inv = 0.0
    for t in range(1, steps + 1):
        for i in range(x.size):
            if kind == QUADRATIC:
                g = 2.0 * x[i]
            elif kind == ADDITIVE:
                g = 2.0 * x[i] - k1 * s[i]
            else:
                g = 2.0 * x[i] * (1.0 + e1 * cs) - q * k1 * s[i]
            x[i] = x[i] - lr * g
        q, cs = _trig_sums(x, l1, s, c)
        f = lossd(kind, q, cs, e1)
        total += f
        inv += 1.0 / f if f != 0.0 else math.inf
        if _decided(crit, total, f, t, steps, bound, slack):
            return True, t, total, inv
    return False, steps, total, inv


@njit(cache=True, nogil=True)
def _sweepd_range(
    lo,
    hi,
    kind,
    e1,
    l1,
    lrs,
    x0s,
    steps,
    crit,
    bound,
    slack,
    out_div,
    out_steps,
    out_int,
):
    d = x0s.shape[1]
    x = np.empty(d)
    s = np.empty(d)
    c = np.empty(d)
    for i in range(lo, hi):
        for j in range(x0s.shape[0]):
            dv, t, total, inv = rund(
                kind, e1, l1, lrs[i], x0s[j], steps, crit, bound, slack, x, s, c
            )
            out_div[i, j] = dv
            out_steps[i, j] = t
            out_int[i, j] = inv if dv else total


@njit(cache=True, parallel=True)
def _sweepd_par(
    kind, e1, l1, lrs, x0s, steps, crit, bound, slack, out_div, out_steps, out_int
):
    nb = (lrs.size + BLOCK - 1) // BLOCK
    for b in prange(nb):
        _sweepd_range(
            b * BLOCK,
            min(lrs.size, (b + 1) * BLOCK),
            kind,
            e1,
            l1,
            lrs,
            x0s,
            steps,
            crit,
            bound,
            slack,
            out_div,
            out_steps,
            out_int,
        )


# --------------------------------------------------------------------------- fast, 1-D
# LANES learning rates advance in lock step through one call per step of a
# landscape-specific lane loop (no branch on the landscape inside, so LLVM vectorises
# it). A lane records the (global) step at which it diverged; _fast_range writes
# finished lanes out and refills them.


@njit(cache=True)
def _record(hit, j, t, a, f, thr, crit):
    """Mark lane j decided at step t; for CRIT_MAX thr is the float just above bound.

    NaN counts as decided (divergent), except with the NAN_BOUNDED flag (``v >= thr``).
    """
    v = a if crit == CRIT_SUM else f
    h = hit[j]
    over = (v >= thr) if crit & NAN_BOUNDED else (not (v < thr))
    hit[j] = t if ((h == 0) & over) else h


@njit(cache=True)
def _step_additive(x, sn, cs, acc, hit, lr, e1, l1, t, thr, crit):
    k1 = TWO_PI * e1 / l1
    for j in range(LANES):
        xn = x[j] - lr[j] * (2.0 * x[j] - k1 * sn[j])
        s, c = sincos(TWO_PI * xn / l1)
        f = xn * xn + e1 * c
        x[j] = xn
        sn[j] = s
        acc[j] += f
        _record(hit, j, t, acc[j], f, thr, crit)


@njit(cache=True)
def _step_additive_sum(x, sn, cs, acc, hit, lr, e1, l1, t, thr, crit):
    """Additive case, sum criterion, without the cosine: ``acc`` holds the sum of x^2,
    which is within ``t * eps`` of the sum of losses. ``thr`` is
    ``bound + steps * eps``, so crossing it means certain divergence;
    :func:`_fast_range` settles the rare runs that end inside the band
    ``bound +- steps * eps`` with the exact reference kernel."""
    k1 = TWO_PI * e1 / l1
    for j in range(LANES):
        xn = x[j] - lr[j] * (2.0 * x[j] - k1 * sn[j])
        x[j] = xn
        sn[j] = fast_sin(TWO_PI * xn / l1)
        acc[j] += xn * xn
        _record(hit, j, t, acc[j], 0.0, thr, CRIT_SUM)


@njit(cache=True)
def _step_multiplicative(x, sn, cs, acc, hit, lr, e1, l1, t, thr, crit):
    k1 = TWO_PI * e1 / l1
    for j in range(LANES):
        xj = x[j]
        xn = xj - lr[j] * (2.0 * xj * (1.0 + e1 * cs[j]) - xj * xj * k1 * sn[j])
        s, c = sincos(TWO_PI * xn / l1)
        f = xn * xn * (1.0 + e1 * c)
        x[j] = xn
        sn[j] = s
        cs[j] = c
        acc[j] += f
        _record(hit, j, t, acc[j], f, thr, crit)


@njit(cache=True)
def _step_quadratic(x, sn, cs, acc, hit, lr, e1, l1, t, thr, crit):
    for j in range(LANES):
        xn = x[j] * (1.0 - 2.0 * lr[j])
        f = xn * xn
        x[j] = xn
        acc[j] += f
        _record(hit, j, t, acc[j], f, thr, crit)


REFILL = 8  # most steps between two refills of finished lanes
WORK = 1024  # learning rates per parallel work item of the fast kernel


@njit(cache=True)
def _fast_range(
    kind, crit, e1, l1, lrs, lo, hi, x0, steps, bound, slack, out_div, out_steps
):
    """GD for every learning rate in lrs[lo:hi], LANES at a time in lock step.

    Every few steps (at most REFILL) the lanes whose run has finished -- diverged, or
    completed all ``steps`` -- are written out and refilled with the next learning rate,
    so runs that stop early never leave lanes idle. In all fast paths the divergence
    threshold is the same for every lane, so lanes at different steps of their own runs
    can share one step function.
    """
    x = np.zeros(LANES)
    sn = np.zeros(LANES)
    cs = np.zeros(LANES)
    acc = np.zeros(LANES)
    lr = np.zeros(LANES)
    hit = np.zeros(LANES, dtype=np.int64)
    t0 = np.zeros(LANES, dtype=np.int64)
    idx = np.full(LANES, -1, dtype=np.int64)
    add_sum = kind == ADDITIVE and crit == CRIT_SUM
    s0, c0 = sincos(TWO_PI * x0 / l1)
    if add_sum:
        s0 = fast_sin(TWO_PI * x0 / l1)
    # Additive, sum: acc holds sum x^2 and the threshold is widened by steps * eps (see
    # _step_additive_sum). Other sums have slack 0 (loss >= 0); max: strictly above
    # bound.
    if add_sum:
        thr = bound + steps * slack
    elif crit == CRIT_SUM:
        thr = bound
    else:
        thr = np.nextafter(bound, np.inf)
    nxt = lo
    t = 0
    while True:
        busy = 0
        room = REFILL
        for j in range(LANES):
            if idx[j] >= 0:
                done = hit[j] > 0 or t - t0[j] >= steps
                if done:
                    i = idx[j]
                    if hit[j] == 0 and add_sum and acc[j] + steps * slack >= bound:
                        # ended inside the band where the cosine terms decide: settle
                        # exactly
                        d, tt, _, _ = run1(
                            ADDITIVE,
                            e1,
                            l1,
                            0.0,
                            1.0,
                            lr[j],
                            x0,
                            steps,
                            CRIT_SUM,
                            bound,
                            slack,
                        )
                        hit[j] = t0[j] + tt if d else 0
                    out_div[i] = hit[j] > 0
                    out_steps[i] = hit[j] - t0[j] if hit[j] > 0 else steps
                    idx[j] = -1
            if idx[j] < 0 and nxt < hi:
                idx[j] = nxt
                lr[j] = lrs[nxt]
                x[j] = x0
                sn[j] = s0
                cs[j] = c0
                acc[j] = 0.0
                hit[j] = 0
                t0[j] = t
                nxt += 1
            if idx[j] >= 0:
                busy += 1
                room = min(room, steps - (t - t0[j]))
            else:
                lr[j] = 0.0
                x[j] = 0.0
        if busy == 0:
            return
        for _ in range(room):
            t += 1
            if add_sum:
                _step_additive_sum(x, sn, cs, acc, hit, lr, e1, l1, t, thr, crit)
            elif kind == ADDITIVE:
                _step_additive(x, sn, cs, acc, hit, lr, e1, l1, t, thr, crit)
            elif kind == MULTIPLICATIVE:
                _step_multiplicative(x, sn, cs, acc, hit, lr, e1, l1, t, thr, crit)
            else:
                _step_quadratic(x, sn, cs, acc, hit, lr, e1, l1, t, thr, crit)


@njit(cache=True, nogil=True)
def _fast1_serial(kind, crit, e1, l1, lrs, x0, steps, bound, slack, out_div, out_steps):
    _fast_range(
        kind,
        crit,
        e1,
        l1,
        lrs,
        0,
        lrs.size,
        x0,
        steps,
        bound,
        slack,
        out_div,
        out_steps,
    )


@njit(cache=True, parallel=True)
def _fast1_par(kind, crit, e1, l1, lrs, x0, steps, bound, slack, out_div, out_steps):
    nb = (lrs.size + WORK - 1) // WORK
    for b in prange(nb):
        _fast_range(
            kind,
            crit,
            e1,
            l1,
            lrs,
            b * WORK,
            min(lrs.size, (b + 1) * WORK),
            x0,
            steps,
            bound,
            slack,
            out_div,
            out_steps,
        )
