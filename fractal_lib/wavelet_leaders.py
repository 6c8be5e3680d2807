"""Multifractal spectrum of a 2-D field by the wavelet-leader formalism (Jaffard; Wendt et al.).

For an ``n x n`` field, the 2-D discrete wavelet transform (PyWavelets, Daubechies-3 by default,
periodised) gives detail coefficients ``c^{(m)}_{j,k}`` in three orientations at scales ``2^j``
(``j = 1`` finest). With L1 normalisation ``d = 2^{-j} c`` a field of Hölder exponent ``h`` has
``|d_{j,k}| ~ 2^{j h}``. Wavelet leaders are the largest ``|d|`` over the three orientations,
all finer scales and the 3 x 3 neighbourhood of each dyadic square:

.. math:: \\mathcal L_{j,k} = \\sup_{\\lambda' \\subset 3\\lambda_{j,k}} |d_{\\lambda'}|.

Direct (Chhabra-Jensen-like) estimates over ``j1 <= j <= j2`` (Wendt, Abry & Jaffard 2007):

.. math::
    R_q(j,k) = \\mathcal L^q_{j,k} / \\textstyle\\sum_k \\mathcal L^q_{j,k},\\quad
    h(q) = \\text{slope}_j \\textstyle\\sum_k R_q \\log_2 \\mathcal L,\\quad
    D(q) = 2 + \\text{slope}_j \\big(\\textstyle\\sum_k R_q \\log_2 R_q + \\log_2 n_j\\big).

``(h(q), D(q))`` traces the singularity spectrum ``f(alpha)`` (``alpha = h``). Also returned:
the scaling function ``zeta(q)`` (slope of ``log2`` of the mean of ``L^q``) and the first two
log-cumulants ``c1``, ``c2`` (slopes of the mean and variance of ``ln L`` over ``ln 2^j``).
A monofractal (fBm with Hurst H) has ``h(q) = H`` for all ``q`` and ``c2 = 0``.

:func:`lognormal_wavelet_cascade` builds a field with a *known* spectrum (a random wavelet
cascade, Arneodo, Bacry & Muzy 1998) for validation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pywt
from scipy.ndimage import maximum_filter

__all__ = ["MFSpectrum", "wavelet_leaders", "leader_spectrum", "lognormal_wavelet_cascade",
           "lognormal_cascade_spectrum", "DEFAULT_Q"]

DEFAULT_Q = np.array([-5, -2.5066, -2, -1.2566, -1, -0.63, -0.3158, -0.1583, -0.0794, 0.0,
                      0.0794, 0.1583, 0.3158, 0.63, 1, 1.2566, 2, 2.5066, 5])
"""The authors' q-grid without the tiny |q| < 0.05 values (they add nothing to the plot)."""


def _field(field: np.ndarray) -> np.ndarray:
    f = np.asarray(field, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] != f.shape[1] or f.shape[0] < 16:
        raise ValueError(f"field must be a square 2-D array of side >= 16, got shape {f.shape}")
    if not np.all(np.isfinite(f)):
        raise ValueError("field must be finite")
    return f


def wavelet_leaders(field: np.ndarray, *, wavelet: str = "db3", max_level: int | None = None,
                    boundary: str = "mirror") -> list[np.ndarray]:
    """Wavelet leaders per scale, ``[L_1, L_2, ...]`` (``L_1`` finest).

    Sizes that are not a power of two are cropped to the largest one, ``n``. With
    ``boundary="mirror"`` (default, for non-periodic fields such as fBm) the field is reflected
    into a ``2n x 2n`` periodic field, whose folds keep the local regularity, and only the
    leaders of the original quadrant are returned; ``"periodic"`` transforms the field as it is
    (right for periodic fields, e.g. cascades). ``L_j`` has ``n / 2^j`` rows and columns.
    """
    f = _field(field)
    if boundary not in ("mirror", "periodic"):
        raise ValueError(f"boundary must be 'mirror' or 'periodic', got {boundary!r}")
    n = 2 ** int(math.floor(math.log2(f.shape[0])))
    f = f[:n, :n]
    if boundary == "mirror":
        f = np.block([[f, f[:, ::-1]], [f[::-1, :], f[::-1, ::-1]]])
    w = pywt.Wavelet(wavelet)
    levels = pywt.dwt_max_level(n, w.dec_len) if max_level is None else int(max_level)
    if not 1 <= levels <= int(math.log2(n)):
        raise ValueError(f"max_level must lie in [1, {int(math.log2(n))}], got {max_level}")
    coeffs = pywt.wavedec2(f, w, mode="periodization", level=levels)
    details = coeffs[1:][::-1]  # finest first
    leaders = []
    sup_prev = None
    for j, (ch, cv, cd) in enumerate(details, start=1):
        d = np.maximum(np.maximum(np.abs(ch), np.abs(cv)), np.abs(cd)) * 2.0 ** (-j)
        if sup_prev is not None:
            r, c = d.shape
            children = sup_prev[: 2 * r, : 2 * c].reshape(r, 2, c, 2).max(axis=(1, 3))
            d = np.maximum(d, children)
        sup_prev = d
        lead = maximum_filter(d, size=3, mode="wrap")
        m = n >> j
        leaders.append(lead[:m, :m] if boundary == "mirror" else lead)
    return leaders


@dataclass(frozen=True)
class MFSpectrum:
    """Wavelet-leader multifractal estimates.

    Attributes
    ----------
    q : ndarray
    h : ndarray
        ``h(q)``, the Hölder exponent ``alpha`` of the spectrum.
    D : ndarray
        ``D(q) = f(alpha)``.
    zeta : ndarray
        Scaling function ``zeta(q)``.
    c1, c2 : float
        Log-cumulants.
    scales : ndarray of int
        The ``j`` used.
    """

    q: np.ndarray
    h: np.ndarray
    D: np.ndarray
    zeta: np.ndarray
    c1: float
    c2: float
    scales: np.ndarray

    @property
    def width(self) -> float:
        """``max h - min h`` over the q-grid (the support of the estimated spectrum)."""
        return float(np.max(self.h) - np.min(self.h))

    @property
    def alpha_range(self) -> tuple[float, float]:
        """``(min h, max h)`` over the whole q-grid."""
        return float(np.min(self.h)), float(np.max(self.h))

    @property
    def valid(self) -> np.ndarray:
        """Orders whose ``D(q)`` lies in ``[0, 2]`` (within 0.05): a spectrum of a 2-D field
        cannot exceed 2, so ``D > 2`` flags an estimate the scale range cannot support
        (typically large ``|q|`` on a short range of smooth scales)."""
        return (self.D >= -0.05) & (self.D <= 2.05)

    @property
    def alpha_range_valid(self) -> tuple[float, float]:
        """``(min h, max h)`` over the :attr:`valid` orders (NaNs if none)."""
        v = self.h[self.valid]
        return (float(v.min()), float(v.max())) if v.size else (float("nan"), float("nan"))

    @property
    def peak(self) -> float:
        """``h(0)``, where ``f(alpha)`` peaks (NaN if 0 is not on the q-grid)."""
        z = np.flatnonzero(self.q == 0)
        return float(self.h[z[0]]) if z.size else float("nan")


def _slope(j: np.ndarray, y: np.ndarray) -> np.ndarray:
    jj = j - j.mean()
    return (jj[:, None] * (y - y.mean(axis=0))).sum(axis=0) / (jj**2).sum()


def leader_spectrum(field: np.ndarray, q: Sequence[float] | np.ndarray = DEFAULT_Q, *,
                    j1: int = 2, j2: int | None = None, wavelet: str = "db3",
                    boundary: str = "mirror") -> MFSpectrum:
    """Multifractal spectrum ``(h(q), D(q))`` of a 2-D field from its wavelet leaders.

    Parameters
    ----------
    field : ndarray (n, n)
    q : sequence of float
        Moment orders.
    j1, j2 : int
        Scale range (``j2`` defaults to ``log2(n) - 3``, leaving at least 8 x 8 leaders; at most
        ``log2(n) - 2``, 4 x 4 leaders).
    wavelet : str
        PyWavelets name (default ``"db3"``, the PLBMF default).
    boundary : {"mirror", "periodic"}
        See :func:`wavelet_leaders`.
    """
    f = _field(field)
    qa = np.asarray(q, dtype=np.float64).ravel()
    if qa.size < 1 or not np.all(np.isfinite(qa)):
        raise ValueError("q must hold finite numbers")
    jmax = int(math.floor(math.log2(f.shape[0]))) - 2
    j2 = jmax - 1 if j2 is None else int(j2)
    if not 1 <= int(j1) < j2 <= jmax:
        raise ValueError(f"need 1 <= j1 < j2 <= {jmax}, got j1={j1}, j2={j2}")
    leaders = wavelet_leaders(f, wavelet=wavelet, max_level=j2, boundary=boundary)
    js = np.arange(int(j1), j2 + 1)
    V = np.empty((js.size, qa.size))
    U = np.empty_like(V)
    Z = np.empty_like(V)
    m1 = np.empty(js.size)
    m2 = np.empty(js.size)
    for a, j in enumerate(js):
        lv = leaders[j - 1].ravel()
        lv = lv[lv > 0]
        lg = np.log2(lv)
        # q-th powers in log space (stable for negative q)
        lq = qa[None, :] * lg[:, None]
        mx = lq.max(axis=0)
        w = np.exp2(lq - mx)
        s = w.sum(axis=0)
        r = w / s
        V[a] = (r * lg[:, None]).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            U[a] = np.where(r > 0, r * np.log2(np.where(r > 0, r, 1.0)), 0.0).sum(axis=0) + math.log2(lv.size)
        Z[a] = mx + np.log2(s / lv.size)
        ln = np.log(lv)
        m1[a] = ln.mean()
        m2[a] = ln.var()
    h = _slope(js.astype(float), V)
    D = 2.0 + _slope(js.astype(float), U)
    zeta = _slope(js.astype(float), Z)
    lj = js * math.log(2.0)
    c1 = float(np.polyfit(lj, m1, 1)[0])
    c2 = float(np.polyfit(lj, m2, 1)[0])
    return MFSpectrum(qa, h, D, zeta, c1, c2, js)


# ----------------------------------------------------------------------------- validation field
def lognormal_wavelet_cascade(log2_n: int, *, c1: float = 0.5, c2: float = -0.04, seed: int = 0,
                              wavelet: str = "db3") -> np.ndarray:
    """A 2-D random wavelet cascade with log-normal multipliers (known spectrum).

    The L1-normalised coefficient of every dyadic square at scale ``2^j`` (``j`` from
    ``log2_n`` down to 1) is ``+-`` the product of i.i.d. multipliers ``W`` along its ancestry,
    ``ln W ~ N(-c1 ln 2, -c2 ln 2)``, so that
    ``ln |d_j| ~ N(c1 ln 2^j, -c2 ln 2^j)`` up to the coarsest level and
    ``zeta(q) = c1 q + c2 q^2 / 2`` (log-cumulants ``c1``, ``c2``); the three orientations
    share the magnitude. See :func:`lognormal_cascade_spectrum`.
    """
    if not 5 <= int(log2_n) <= 12:
        raise ValueError(f"log2_n must lie in [5, 12], got {log2_n}")
    if not c2 < 0:
        raise ValueError(f"c2 must be < 0, got {c2}")
    rng = np.random.default_rng(seed)
    n = 2 ** int(log2_n)
    levels = int(log2_n)
    mu, var = -c1 * math.log(2.0), -c2 * math.log(2.0)
    coeffs: list = []
    mag = np.ones((1, 1))  # coarsest scale j = levels
    details = []
    for j in range(levels, 0, -1):
        size = n >> j
        if j < levels:
            mag = np.kron(mag, np.ones((2, 2)))
        mag = mag * np.exp(mu + math.sqrt(var) * rng.standard_normal((size, size)))
        sgn = rng.choice([-1.0, 1.0], size=(3, size, size))
        details.append(tuple(sgn[i] * mag * 2.0**j for i in range(3)))  # back to L2 norm
    coeffs = [np.zeros((1, 1))] + details
    return pywt.waverec2(coeffs, wavelet, mode="periodization")


def lognormal_cascade_spectrum(q: np.ndarray, *, c1: float = 0.5, c2: float = -0.04
                               ) -> tuple[np.ndarray, np.ndarray]:
    """Theoretical ``(h(q), D(q))`` of :func:`lognormal_wavelet_cascade`.

    ``zeta(q) = c1 q + c2 q^2/2``, so ``h(q) = c1 + c2 q`` and ``D(q) = 2 + q h(q) - zeta(q)
    = 2 + c2 q^2 / 2``.
    """
    qa = np.asarray(q, dtype=np.float64)
    return c1 + c2 * qa, 2.0 + c2 * qa**2 / 2.0
