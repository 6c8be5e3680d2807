"""Multifractal spectrum of a 2-D field or a 1-D signal by the wavelet-leader formalism
(Jaffard; Wendt et al.).

For an ``n x n`` field, the 2-D discrete wavelet transform (PyWavelets, Daubechies-3 by
default, periodised) gives detail coefficients ``c^{(m)}_{j,k}`` in three orientations
at scales ``2^j`` (``j = 1`` finest). With L1 normalisation ``d = 2^{-j} c`` a field of
Hölder exponent ``h`` has ``|d_{j,k}| ~ 2^{j h}``. Wavelet leaders are the largest
``|d|`` over the three orientations, all finer scales and the 3 x 3 neighbourhood of
each dyadic square:

.. math::
    \\mathcal L_{j,k} = \\sup_{\\lambda' \\subset 3\\lambda_{j,k}} |d_{\\lambda'}|.

Direct (Chhabra-Jensen-like) estimates over ``j1 <= j <= j2`` (Wendt, Abry & Jaffard
2007):

.. math::
    \\begin{aligned}
    R_q(j,k) &= \\mathcal L^q_{j,k} / \\textstyle\\sum_k \\mathcal L^q_{j,k},\\\\
    h(q) &= \\text{slope}_j \\textstyle\\sum_k R_q \\log_2 \\mathcal L,\\\\
    D(q) &= 2 + \\text{slope}_j
    \\big(\\textstyle\\sum_k R_q \\log_2 R_q + \\log_2 n_j\\big).
    \\end{aligned}

``(h(q), D(q))`` traces the singularity spectrum ``f(alpha)`` (``alpha = h``). Also
returned: the scaling function ``zeta(q)`` (slope of ``log2`` of the mean of ``L^q``)
and the first two log-cumulants ``c1``, ``c2`` (slopes of the mean and variance of
``ln L`` over ``ln 2^j``). A monofractal (fBm with Hurst H) has ``h(q) = H`` for all
``q`` and ``c2 = 0``.

The finest scale of a *sampled* field is not a wavelet coefficient of the continuous
field (the samples stand in for approximation coefficients), and through the supremum
over finer scales it would set every coarser leader; :func:`leader_spectrum` therefore
builds its leaders from scale ``j0 = 2`` and fits ``j = 3 .. log2(n) - 3`` by default,
which gives ``h(q) = H`` on fBm (textbook leaders from ``j = 1`` gave ``h(0) = 0.19``
for H = 0.3).

Flat regions have leaders that are zeros or rounding noise; they would set every
``q < 0`` moment, so :func:`leader_spectrum` leaves out leaders below a relative floor,
counts them, and flags implausible orders (:attr:`MFSpectrum.valid`). The field's mean
is removed before the transform, and the statistics cover all four mirror images, so the
spectrum is invariant under an added constant, amplitude scaling, mirroring and
transposition.

A 1-D signal goes through the same two functions (``d = 2^{-j/2} c``, leaders over the
three neighbouring intervals, ``D(q) = 1 + slope``; :attr:`MFSpectrum.dim` is 1).

:func:`lognormal_wavelet_cascade` builds a field with a *known* spectrum (a random
wavelet cascade, Arneodo, Bacry & Muzy 1998) for validation; in 1-D,
:func:`multifractal_random_walk` (Bacry, Delour & Muzy 2001, :func:`mrw_scaling`),
:func:`fractal_lib.diffusion.msd.fbm` and the integral of
:func:`~fractal_lib.multifractal.measures.binomial_cascade` serve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pywt
from scipy.ndimage import maximum_filter

from ..core.checks import as_float_array, check_int, warn_limit
from ..core.fits import line_fit

__all__ = [
    "MFSpectrum",
    "wavelet_leaders",
    "leader_spectrum",
    "lognormal_wavelet_cascade",
    "lognormal_cascade_spectrum",
    "multifractal_random_walk",
    "mrw_scaling",
    "DEFAULT_Q",
]

DEFAULT_Q = np.array(
    [
        -5,
        -2.5066,
        -2,
        -1.2566,
        -1,
        -0.63,
        -0.3158,
        -0.1583,
        -0.0794,
        0.0,
        0.0794,
        0.1583,
        0.3158,
        0.63,
        1,
        1.2566,
        2,
        2.5066,
        5,
    ]
)
"""The authors' q-grid without the tiny ``|q| < 0.05`` values (they add nothing to
the plot)."""

_J1 = 3
"""Default finest fitted scale: the sampling distorts scales 1-2 (see
:func:`leader_spectrum`)."""


def _field(field: np.ndarray) -> np.ndarray:
    """``field`` as a float array: a 1-D signal of >= 16 samples or a square 2-D field
    of side >= 16, real, finite and not constant (else ``ValueError`` naming
    ``field``; complex and boolean input is refused, not cast)."""
    kind = np.asarray(field).dtype.kind
    if kind == "c":
        raise ValueError(
            "field must be real: got a complex array (its imaginary part would be "
            "dropped); pass field.real or abs(field) explicitly"
        )
    if kind == "b":
        raise ValueError(
            "field must be real-valued: got a boolean array; cast it explicitly "
            "(field.astype(float)) if a 0/1 signal is meant"
        )
    f = as_float_array(field, "field", ndim=(1, 2))
    if f.ndim == 1 and f.size < 16:
        raise ValueError(
            f"field (a 1-D signal) is too short: {f.size} samples, at least 16 needed"
        )
    if f.ndim == 2 and (f.shape[0] != f.shape[1] or f.shape[0] < 16):
        raise ValueError(
            f"field must be a square 2-D array of side >= 16, got shape {f.shape}"
        )
    return as_float_array(f, "field", nonconstant=True)


def wavelet_leaders(
    field: np.ndarray,
    *,
    wavelet: str = "db3",
    max_level: int | None = None,
    boundary: str = "mirror",
    crop: bool = True,
    j0: int = 1,
) -> list[np.ndarray]:
    """Wavelet leaders per scale, ``[L_1, L_2, ...]`` (``L_1`` finest), of a 1-D signal
    or a 2-D field.

    Sizes that are not a power of two are cropped to the largest one, ``n``. With
    ``boundary="mirror"`` (default, for non-periodic fields such as fBm) the field is
    reflected into a periodic one of side ``2n`` (a 1-D signal ``x`` becomes
    ``[x, x[::-1]]``, a 2-D field its four mirror images), whose folds keep the local
    regularity, and only the leaders of the original are returned; ``"periodic"``
    transforms the field as it is (right for periodic fields, e.g. cascades). ``L_j``
    has ``n / 2^j`` samples along each axis.

    In 1-D the L1-normalised coefficients are ``d_{j,k} = 2^{-j/2} c_{j,k}`` (``c``
    the orthonormal DWT coefficients), the leader is the supremum of ``|d|`` over the
    three neighbouring dyadic intervals ``3 lambda_{j,k}`` and all finer scales, and a
    signal of Hölder exponent ``h`` has ``L_j ~ 2^{j h}`` (``j`` in samples, ``log2``).

    The mean of the field is subtracted first: an added constant lives only in the
    approximation coefficients, but in floating point it leaks into the details as
    rounding noise of order ``eps * |constant|``, which sets the size of the leaders of
    flat regions.

    Parameters
    ----------
    field : ndarray, shape ``(n,)`` or ``(n, n)``, ``n >= 16``
        A 1-D signal (samples at unit spacing) or a square 2-D field (finite, not
        constant).
    wavelet : str
        PyWavelets name.
    max_level : int, optional
        Coarsest scale ``j`` (default: the largest PyWavelets allows).
    boundary : {"mirror", "periodic"}
        How the field is extended beyond its edges.
    crop : bool
        With ``boundary="mirror"``: return the leaders of the original quadrant only
        (default) or of the whole mirrored field of side ``2n`` (its mirror images,
        shape ``(2n / 2^j,)`` or ``(2n / 2^j, 2n / 2^j)``). Mirroring the field only
        rolls the mirrored field by ``n``, so statistics over all its images are
        exactly invariant under mirroring.
    j0 : int
        Finest scale that enters the leaders (default 1, the textbook definition):
        ``L_j`` for ``j >= j0`` is the supremum over scales ``j0 .. j`` only, and
        ``L_j`` for ``j < j0`` is the 3 x 3 supremum of scale ``j`` alone. ``j0 = 2``
        keeps the finest scale of a sampled field, which the sampling distorts, out of
        every coarser leader (see :func:`leader_spectrum`).

    Returns
    -------
    list of ndarray
        ``L_j``, shape ``(n / 2^j,)`` (1-D) or ``(n / 2^j, n / 2^j)`` (2-D), for
        ``j = 1 .. max_level``; same units as ``field``.

    Raises
    ------
    ValueError
        ``field`` complex or boolean, not 1-D or 2-D, non-square, too short (fewer
        than 16 samples a side), non-finite (NaN, inf) or constant; bad
        ``boundary``, ``max_level`` or ``j0``.

    References
    ----------
    Jaffard, S. (2004). Wavelet techniques in multifractal analysis. Proc. Symp. Pure
    Math. 72(2), 91-151 (the leaders). Wendt, H., Abry, P. & Jaffard, S. (2007).
    Bootstrap for empirical multifractal analysis. IEEE Signal Process. Mag. 24(4),
    38-48.
    """
    if boundary not in ("mirror", "periodic"):
        raise ValueError(f"boundary must be 'mirror' or 'periodic', got {boundary!r}")
    f = _field(field)
    dim = f.ndim
    n = 2 ** int(math.floor(math.log2(f.shape[0])))
    f = f[(slice(0, n),) * dim]
    f = f - f.mean()
    if boundary == "mirror" and dim == 1:
        f = np.concatenate([f, f[::-1]])
    elif boundary == "mirror":
        f = np.block([[f, f[:, ::-1]], [f[::-1, :], f[::-1, ::-1]]])
    w = pywt.Wavelet(wavelet)
    levels = pywt.dwt_max_level(n, w.dec_len) if max_level is None else int(max_level)
    if not 1 <= levels <= int(math.log2(n)):
        raise ValueError(
            f"max_level must lie in [1, {int(math.log2(n))}], got {max_level}"
        )
    if not 1 <= int(j0) <= levels:
        raise ValueError(
            f"j0 must lie in [1, {levels}] (the finest scale in the leaders), got {j0}"
        )
    wavedec = pywt.wavedec if dim == 1 else pywt.wavedec2
    details = wavedec(f, w, mode="periodization", level=levels)[1:][::-1]  # finest 1st
    leaders = []
    sup_prev = None
    for j, c in enumerate(details, start=1):
        if dim == 1:  # L1 normalisation 2^{-j d / 2}
            d = np.abs(c) * 2.0 ** (-j / 2)
        else:
            ch, cv, cd = c
            d = np.maximum(np.maximum(np.abs(ch), np.abs(cv)), np.abs(cd)) * 2.0**-j
        if sup_prev is not None:
            pairs = tuple(x for r in d.shape for x in (r, 2))
            children = sup_prev[tuple(slice(0, 2 * r) for r in d.shape)]
            children = children.reshape(pairs).max(axis=tuple(range(1, 2 * dim, 2)))
            d = np.maximum(d, children)
        if j >= j0:
            sup_prev = d
        lead = maximum_filter(d, size=3, mode="wrap")
        m = n >> j
        cropped = boundary == "mirror" and crop
        leaders.append(lead[(slice(0, m),) * dim] if cropped else lead)
    return leaders


def _monotone_keep(
    q: np.ndarray, h: np.ndarray, ok: np.ndarray, tol: float = 0.05
) -> np.ndarray:
    """Mask of the largest set of orders among ``ok`` along which ``h`` is
    non-increasing in ``q`` (each step may rise by at most ``tol``); the other ``ok``
    orders break monotonicity."""
    keep = np.zeros(q.shape, dtype=bool)
    idx = [int(i) for i in np.argsort(q, kind="stable") if ok[i] and np.isfinite(h[i])]
    if not idx:
        return keep
    best = [1] * len(idx)
    prev = [-1] * len(idx)
    for a in range(len(idx)):
        for b in range(a):
            if h[idx[a]] <= h[idx[b]] + tol and best[b] + 1 > best[a]:
                best[a], prev[a] = best[b] + 1, b
    a = int(np.argmax(best))  # first longest chain
    while a >= 0:
        keep[idx[a]] = True
        a = prev[a]
    return keep


@dataclass(frozen=True)
class MFSpectrum:
    """Wavelet-leader multifractal estimates.

    Attributes
    ----------
    q : ndarray, shape ``(n_q,)``
        Moment orders.
    h : ndarray, shape ``(n_q,)``
        ``h(q)``, the Hölder exponent ``alpha`` of the spectrum.
    D : ndarray, shape ``(n_q,)``
        ``D(q) = f(alpha)``.
    zeta : ndarray, shape ``(n_q,)``
        Scaling function ``zeta(q)``: slope of ``log2`` of the mean of ``L_j^q``
        against ``j`` (so ``zeta(0) = 0``; fBm: ``q H``). See :attr:`tau`.
    c1, c2 : float
        Log-cumulants: slopes of the mean and variance of ``ln L_j`` against
        ``ln 2^j``, so that ``zeta(q) ~ c1 q + c2 q^2 / 2 + c3 q^3 / 6``.
    scales : ndarray of int
        The ``j`` used.
    h_r2 : ndarray, shape ``(n_q,)``
        Coefficient of determination of the line fit that gives ``h(q)`` (NaN if
        unknown).
    n_leaders : ndarray of int, shape ``(n_scales,)``
        Leaders per scale that entered the estimates.
    n_excluded : ndarray of int, shape ``(n_scales,)``
        Leaders per scale left out because they lie below the floor (flat regions, where
        the leaders are exact zeros or rounding noise and would dominate every ``q < 0``
        moment).
    h_max : float
        Largest regularity the wavelet can measure (its number of vanishing moments).
    j0 : int
        Finest scale that entered the leaders (see :func:`wavelet_leaders`).
    short_range : bool
        The field was too small (2-D: side < 128; 1-D: fewer than 512 samples) for the
        default scale range to start at ``j1 = 3`` with enough scales, so the fitted
        scales include ones distorted by the sampling and ``h(q)`` is biased low (2-D:
        by 0.09 to 0.16 for fBm with H = 0.3-0.7 at n = 64).
    bias_note : str
        Known finite-size biases of ``h(q)`` for this scale range (measured on fBm, see
        :func:`leader_spectrum`); empty if none is known.
    c3 : float
        Third log-cumulant: slope of the third central moment of ``ln L_j`` against
        ``ln 2^j`` (0 for fBm, log-normal cascades and the MRW); NaN if not computed.
    dim : int
        Dimension of the analysed field: 1 (a signal) or 2 (a surface); ``D(q)`` lies
        in ``[0, dim]``.
    n_discarded : int
        1-D: samples dropped by cropping the signal to a power of two (0 when its
        length is one; a warning names them).
    """

    q: np.ndarray
    h: np.ndarray
    D: np.ndarray
    zeta: np.ndarray
    c1: float
    c2: float
    scales: np.ndarray
    h_r2: np.ndarray | None = None
    n_leaders: np.ndarray | None = None
    n_excluded: np.ndarray | None = None
    h_max: float = 3.0
    j0: int = 1
    short_range: bool = False
    bias_note: str = ""
    c3: float = float("nan")
    dim: int = 2
    n_discarded: int = 0

    @property
    def tau(self) -> np.ndarray:
        """Mass exponents ``tau(q) = zeta(q) - dim``, shape ``(n_q,)``: the slope of
        ``log2`` of the *sum* (not the mean) of ``L_j^q`` over the ``n 2^{-j dim}``
        leaders against ``log2`` of the scale. For the integral of a measure this is
        the measure's ``tau(q)`` in the sign convention of
        :mod:`~fractal_lib.multifractal.measures` (e.g.
        :func:`~fractal_lib.multifractal.measures.binomial_tau`), with ``tau(1) = 0``.
        """
        return np.asarray(self.zeta, dtype=np.float64) - self.dim

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
        """Orders whose estimate is plausible, a bool array shaped like ``q``.

        Four checks: ``D(q)`` lies in ``[0, dim]`` (within 0.05), since a spectrum of a
        ``dim``-dimensional field cannot exceed ``dim`` (``D > dim`` typically flags
        large ``|q|`` on a short range of smooth scales); ``h(q)`` lies in
        ``[0, h_max + 0.05]`` (a negative regularity is impossible; ``h_max`` is the
        largest regularity that leaders of a wavelet with ``h_max`` vanishing moments
        can measure); the ``log2``-scale
        regression that gives ``h(q)`` has ``R^2 >= 0.8`` (a power law, not a curve);
        and ``h(q)`` is non-increasing in ``q`` (``zeta`` is concave for every valid
        spectrum): among the orders that pass the other checks, the longest run (in
        ``q`` order) with ``h`` non-increasing within 0.05 is kept and the orders that
        break it are marked invalid.
        """
        h = np.asarray(self.h, dtype=float)
        ok = (
            (self.D >= -0.05)
            & (self.D <= self.dim + 0.05)
            & (h >= 0.0)
            & (h <= self.h_max + 0.05)
        )
        if self.h_r2 is not None:
            ok &= np.asarray(self.h_r2) >= 0.8
        return ok & _monotone_keep(np.asarray(self.q, dtype=float), h, ok)

    @property
    def monotone(self) -> bool:
        """Whether ``h(q)`` is non-increasing in ``q`` within 0.05, as a Legendre
        spectrum must be."""
        order = np.argsort(self.q, kind="stable")
        return bool(np.all(np.diff(self.h[order]) <= 0.05))

    @property
    def excluded_q(self) -> np.ndarray:
        """Orders ``q < 0`` estimated after leaving out leaders below the floor (flat
        regions): for them ``h(q)`` describes the field outside its flat parts."""
        some = self.n_excluded is not None and int(np.sum(self.n_excluded)) > 0
        return (self.q < 0) & some

    @property
    def alpha_range_valid(self) -> tuple[float, float]:
        """``(min h, max h)`` over the :attr:`valid` orders (NaNs if none)."""
        v = self.h[self.valid]
        return (
            (float(v.min()), float(v.max())) if v.size else (float("nan"), float("nan"))
        )

    @property
    def peak(self) -> float:
        """``h(0)``, where ``f(alpha)`` peaks (NaN if 0 is not on the q-grid)."""
        z = np.flatnonzero(self.q == 0)
        return float(self.h[z[0]]) if z.size else float("nan")


def leader_spectrum(
    field: np.ndarray,
    q: Sequence[float] | np.ndarray = DEFAULT_Q,
    *,
    j1: int | None = None,
    j2: int | None = None,
    wavelet: str = "db3",
    boundary: str = "mirror",
    floor: float = 1e-9,
    j0: int | None = None,
) -> MFSpectrum:
    """Multifractal spectrum ``(h(q), D(q))`` of a 1-D signal or a 2-D field from its
    wavelet leaders.

    Flat regions (a plateau, a clamped water level) have leaders that are exact zeros or
    rounding noise ``~ eps |f|``; as ``L^q`` with ``q < 0`` they would dominate every
    negative moment and give ``h(q < 0)`` of 10 or more, set by the floating-point
    precision rather than the field. Leaders below ``floor`` times the largest leader of
    their scale are therefore left out (standard practice in the leader formalism,
    Wendt, Abry & Jaffard 2007); the counts are in ``n_excluded``,
    :attr:`MFSpectrum.excluded_q` marks the orders they would have affected, and one
    :class:`~fractal_lib.core.checks.EstimatorWarning` is issued. The spectrum does not
    depend on an added constant, the amplitude, or mirroring/transposing the field.

    Scale range and bias. The DWT of a *sampled* field treats the samples as
    approximation coefficients; for an exactly sampled fBm the coefficients of scales 1
    and 2 are then too large (computed exactly from the sampled covariance, over the
    three orientations: the local slope of ``log2`` rms ``|d|`` from ``j = 1`` to 2 is
    -0.45 to -0.15 for H = 0.3 and 0.15 to 0.49 for H = 0.7; from 2 to 3 it is 0.08-0.21
    and 0.64-0.68; from 3 to 4 within 0.04 of H and from 4 to 5 within 0.01). Because a
    leader is a supremum over all finer scales, the inflated ``j = 1`` coefficients set
    the leaders of every coarser scale, so no choice of ``j1`` alone removes the bias:
    with textbook leaders (``j0 = 1``) and ``j = 2 .. 5`` (the former default), 8 fBm
    seeds at n = 256 gave h(0) = 0.191, 0.415, 0.649 for H = 0.3, 0.5, 0.7 (0.204,
    0.462, 0.686 at n = 512). The defaults (``j0 = 2``, ``j1 = 3``) give, mean (seed
    std) over 8 seeds: n = 512: 0.297 (0.019), 0.506 (0.026), 0.704 (0.032); n = 256:
    0.281 (0.023), 0.470 (0.018), 0.666 (0.029). The residual -0.02 to -0.03 at n = 256
    comes from its coarsest fitted scale ``j2 = 5``, whose wavelets span most of the
    field: the same scales 3..5 at n = 512 give -0.006 to 0.000; a periodic-plus-smooth
    extension instead of the mirror gives the same -0.024 to -0.029; discarding every
    border-affected coefficient (as PLBMF does) removes it (-0.018 to -0.006) but leaves
    only scales 3..4 at n = 256 and two to three times the seed spread. Scale 2, still
    slightly inflated, leaves -0.014 and -0.011 at n = 1024 (H = 0.3, 0.5; j = 3..7);
    ``j1 = 4`` removes it (-0.008 to +0.006) at 1.5 times the seed spread. Fields below
    128 cannot use ``j1 = 3``; their spectrum is flagged (``short_range``) and biased
    low (n = 64, j = 2..3: by 0.085, 0.162, 0.118 for H = 0.3, 0.5, 0.7).
    :attr:`MFSpectrum.bias_note` names the biases that apply.

    Parameters
    ----------
    field : ndarray, shape ``(n,)`` or ``(n, n)``
        A 1-D signal or a square 2-D field: finite, not constant, ``n >= 16`` (cropped
        to the largest power of two). 1-D signals: see *One-dimensional signals* below.
    q : sequence of float
        Moment orders.
    j1, j2 : int, optional
        Fitted scale range (``j``: scale ``2^j`` samples). 2-D: ``j2`` defaults to
        ``log2(n) - 3`` (at least 8 x 8 leaders; at most ``log2(n) - 2``, 4 x 4
        leaders), ``j1`` to 3 (Wendt et al. 2009 for images), or ``j2 - 1`` for fields
        smaller than 128 (then flagged, see ``short_range``). 1-D: ``j2`` defaults to
        ``log2(n) - 4`` (at least 16 leaders in the signal, 32 with its mirror image),
        ``j1`` to 3, or ``max(1, j2 - 2)`` below 512 samples (flagged).
    j0 : int, optional
        Finest scale that enters the leaders (:func:`wavelet_leaders`); default
        ``j1 - 1`` (at least 1), so that the finest, sampling-distorted scale stays out
        of the leaders while the first fitted scale still has finer scales under it.
    wavelet : str
        PyWavelets name (default ``"db3"``, the PLBMF default).
    boundary : {"mirror", "periodic"}
        See :func:`wavelet_leaders`; with ``"mirror"`` the statistics run over the
        leaders of all four mirror images of the field (``crop=False``), which makes the
        spectrum exactly invariant under mirroring and transposing the field.
    floor : float
        Relative leader floor in ``[0, 1e-3]``; 0 keeps every non-zero leader.

    Returns
    -------
    MFSpectrum
        Check :attr:`MFSpectrum.valid` (plausible orders) and ``n_excluded``;
        ``dim`` is 1 for a signal, 2 for a field.

    Raises
    ------
    ValueError
        Bad field (see :func:`wavelet_leaders`: complex or boolean, not 1-D or
        square 2-D, fewer than 16 samples a side, NaN or inf, constant), non-finite
        ``q``, bad scale range or ``floor``, or a scale with no leader above the
        floor.

    Notes
    -----
    *One-dimensional signals.* The same estimator runs on the leaders of
    :func:`wavelet_leaders` of a signal (mirror extension ``[x, x[::-1]]`` by default,
    statistics over both images); ``D(q) = 1 + slope``, and ``zeta``, ``c1``, ``c2``,
    ``c3`` keep their meaning. Validated in ``tests/test_wavelet_leaders_1d.py``
    against closed forms (fBm: ``c1 = H``, ``c2 = 0``; the multifractal random walk of
    :func:`multifractal_random_walk`: ``c1 = 1/2 + lambda^2``, ``c2 = -lambda^2``; the
    integral of a binomial cascade: ``tau(q)`` of
    :func:`~fractal_lib.multifractal.measures.binomial_tau`) and against
    ``pymultifracs`` 0.3.1 on the same signals. Mean (seed std) over 8 seeds at
    ``n = 2^14`` with the defaults (``j = 3..10``, ``j0 = 2``): fBm H = 0.3 / 0.5 /
    0.7: ``c1`` 0.292 (0.016) / 0.493 (0.026) / 0.692 (0.032), ``c2`` -0.006 / -0.004
    / -0.003 (0.003-0.005; the biased sample variance of the few coarse leaders);
    MRW ``lambda^2`` = 0.02 / 0.05 / 0.1: ``c1`` 0.507 / 0.534 / 0.580 (0.02-0.025,
    true 0.52 / 0.55 / 0.60), ``c2`` -0.018 / -0.038 / -0.074 (0.008-0.025: its
    magnitude underestimated by up to a quarter); binomial integral p = 0.3 / 0.4:
    ``c1`` 1.087 / 1.000 (0.027 / 0.021; true 1.126 / 1.029), ``c2`` -0.266 / -0.067
    (0.013 / 0.006; true -0.259 / -0.059), ``tau(1)`` -0.040 / -0.033 (true 0),
    ``tau(2)`` 0.078 / 0.074 low, ``tau(-2)`` 0.03 / 0.04 high. The cascade's bias
    shrinks only slowly with ``j1`` (``c1`` 1.062 / 1.087 / 1.099 for ``j1`` = 1 / 3 /
    5 at p = 0.3), a pre-asymptotic effect of the supremum over finer scales and
    neighbours; ``pymultifracs`` (different leaders, below) is low too (1.102 /
    1.015). ``pymultifracs`` on our leaders returns our ``c1``, ``c2``, ``c3`` and
    ``zeta`` to 1e-10.

    References
    ----------
    Wendt, H., Abry, P. & Jaffard, S. (2007). Bootstrap for empirical multifractal
    analysis. IEEE Signal Process. Mag. 24(4), 38-48 (the direct estimates of ``h(q)``,
    ``D(q)`` and the log-cumulants). Wendt, H., Roux, S. G., Jaffard, S. & Abry, P.
    (2009). Wavelet leaders and bootstrap for multifractal analysis of images. Signal
    Process. 89, 1100-1114 (the scale range for images).
    """
    f = _field(field)
    qa = as_float_array(q, "q").ravel()
    if not 0.0 <= float(floor) <= 1e-3:
        raise ValueError(f"floor must lie in [0, 1e-3], got {floor}")
    dim = f.ndim
    jmax = int(math.floor(math.log2(f.shape[0]))) - 2
    n_an = 2 ** (jmax + 2)  # the length wavelet_leaders analyses (cropped)
    n_drop = f.shape[0] - n_an if dim == 1 else 0
    if dim == 1:  # at least 16 leaders a scale; three scales from j1 = 3 from n = 512
        j2 = max(jmax - 2, min(jmax, 3)) if j2 is None else int(j2)
        short = j1 is None and j2 - 2 < _J1
        j1 = max(1, min(_J1, j2 - 2)) if j1 is None else int(j1)
    else:
        j2 = max(jmax - 1, min(jmax, 2)) if j2 is None else int(j2)
        short = j1 is None and j2 - 1 < _J1
        j1 = min(_J1, j2 - 1) if j1 is None else int(j1)
    if not 1 <= j1 < j2 <= jmax:
        raise ValueError(f"need 1 <= j1 < j2 <= {jmax}, got j1={j1}, j2={j2}")
    j0 = max(1, j1 - 1) if j0 is None else int(j0)
    if not 1 <= j0 <= j1:
        raise ValueError(f"need 1 <= j0 <= j1 = {j1}, got j0={j0}")
    leaders = wavelet_leaders(
        f, wavelet=wavelet, max_level=j2, boundary=boundary, crop=False, j0=j0
    )
    js = np.arange(j1, j2 + 1)
    V = np.empty((js.size, qa.size))
    U = np.empty_like(V)
    Z = np.empty_like(V)
    m1 = np.empty(js.size)
    m2 = np.empty(js.size)
    m3 = np.empty(js.size)
    n_used = np.empty(js.size, dtype=np.int64)
    n_out = np.empty(js.size, dtype=np.int64)
    for a, j in enumerate(js):
        lv = leaders[j - 1].ravel()
        keep = lv > float(floor) * lv.max()
        n_out[a] = lv.size - int(keep.sum())
        lv = lv[keep]
        n_used[a] = lv.size
        if lv.size == 0:
            raise ValueError(
                f"field has no wavelet leader above the floor at scale j={j} (flat "
                "there)"
            )
        lg = np.log2(lv)
        # q-th powers in log space (stable for negative q)
        lq = qa[None, :] * lg[:, None]
        mx = lq.max(axis=0)
        w = np.exp2(lq - mx)
        s = w.sum(axis=0)
        r = w / s
        V[a] = (r * lg[:, None]).sum(axis=0)
        rlog = np.log2(r, out=np.zeros_like(r), where=r > 0)
        U[a] = (r * rlog).sum(axis=0) + math.log2(lv.size)
        Z[a] = mx + np.log2(s / lv.size)
        ln = np.log(lv)
        m1[a] = ln.mean()
        m2[a] = ln.var()
        m3[a] = np.mean((ln - m1[a]) ** 3)
    x = js.astype(float)
    hf = line_fit(x, V.T)
    h = np.asarray(hf.slope, dtype=np.float64)
    D = dim + np.asarray(line_fit(x, U.T).slope, dtype=np.float64)
    zeta = np.asarray(line_fit(x, Z.T).slope, dtype=np.float64)
    lj = js * math.log(2.0)
    c1 = float(line_fit(lj, m1).slope)
    c2 = float(line_fit(lj, m2).slope)
    out = MFSpectrum(
        qa,
        h,
        D,
        zeta,
        c1,
        c2,
        js,
        h_r2=np.asarray(hf.r2, dtype=np.float64),
        n_leaders=n_used,
        n_excluded=n_out,
        h_max=float(pywt.Wavelet(wavelet).vanishing_moments_psi or 1),
        j0=j0,
        short_range=short,
        bias_note=_bias_note(j0, j1, j2, jmax + 2, dim),
        c3=float(line_fit(lj, m3).slope),
        dim=dim,
        n_discarded=n_drop,
    )
    notes = []
    if n_drop:
        notes.append(
            f"field length {f.shape[0]} is not a power of two: cropped to the first "
            f"{n_an} samples, {n_drop} ({100 * n_drop / f.shape[0]:.0f}%) discarded "
            "(n_discarded)"
        )
    if short:
        small = "side" if dim == 2 else "length"
        analysed = f" (analysed: {n_an})" if n_an != f.shape[0] else ""
        notes.append(
            f"field {small} {f.shape[0]}{analysed} < {128 if dim == 2 else 512}: "
            "the default "
            f"scales j = {j1}..{j2} include scales distorted by the sampling or are "
            "too few, so h(q) is biased low (short_range)"
        )
    if n_out.sum() > 0:
        frac = float(np.max(n_out / (n_out + n_used)))
        notes.append(
            f"{int(n_out.sum())} wavelet leaders below {floor:g} x the largest of "
            "their scale "
            f"(flat regions, up to {100 * frac:.0f}% of a scale) were left out, so h(q "
            "< 0) "
            "describes the rest of the field (n_excluded, excluded_q)"
        )
    bad = ~out.valid
    if bad.any():
        notes.append(
            f"{int(bad.sum())} of {qa.size} orders fail the validity check "
            f"(q = {np.round(qa[bad], 3).tolist()}; MFSpectrum.valid)"
        )
    if notes:
        warn_limit("leader_spectrum: " + "; ".join(notes))
    return out


def _bias_note(j0: int, j1: int, j2: int, log2_n: int, dim: int = 2) -> str:
    """Known biases of h(q) for leaders from ``j0`` fitted over ``j1..j2`` (fBm
    measurements; 1-D: 16 seeds, h(0) with j0 = 1 low by 0.04-0.07 for H = 0.3 at
    n = 2^10-2^14, with the defaults by 0.005-0.009 at 2^14 and up to 0.03 at
    2^10)."""
    out = []
    if j0 <= 1 or j1 <= 2:
        out.append(
            f"the leaders (from j0 = {j0}) or fitted scales (from j1 = {j1}) include "
            "scales 1-2, "
            "distorted by the sampling: h(q) of fBm biased low by up to 0.1 (H = 0.3)"
        )
    elif j0 == 2:
        where = "n = 1024, j1 = 3" if dim == 2 else "0.005-0.009 at n = 2^14, j = 3..10"
        out.append(
            "the leaders include scale 2, slightly distorted by the sampling: h(q) of "
            f"fBm biased low by about 0.01 ({where})"
        )
    if dim == 1 and j2 >= log2_n - 4 and log2_n <= 10:
        out.append(
            f"the coarsest fitted scale j2 = {j2} has only {2 ** (log2_n - j2)} "
            "leaders: h(q) of fBm biased low by up to 0.03 at n = 1024 (H = 0.7)"
        )
    if dim == 2 and j2 >= log2_n - 3 and log2_n <= 8:
        out.append(
            f"the coarsest fitted scale j2 = {j2} has only {2 ** (log2_n - j2)} "
            "leaders a side: "
            "h(q) of fBm biased low by 0.02-0.03 at n = 256"
        )
    return "; ".join(out)


# --------------------------------------------------------------------- validation field
def lognormal_wavelet_cascade(
    log2_n: int,
    *,
    c1: float = 0.5,
    c2: float = -0.04,
    seed: int = 0,
    wavelet: str = "db3",
) -> np.ndarray:
    """A 2-D random wavelet cascade with log-normal multipliers (known spectrum).

    The L1-normalised coefficient of every dyadic square at scale ``2^j`` (``j`` from
    ``log2_n`` down to 1) is ``+-`` the product of i.i.d. multipliers ``W`` along its
    ancestry, ``ln W ~ N(-c1 ln 2, -c2 ln 2)``, so that
    ``ln |d_j| ~ N(c1 ln 2^j, -c2 ln 2^j)`` up to the coarsest level and
    ``zeta(q) = c1 q + c2 q^2 / 2`` (log-cumulants ``c1``, ``c2``); the three
    orientations share the magnitude. See :func:`lognormal_cascade_spectrum`.

    Parameters
    ----------
    log2_n : int
        ``log2`` of the side, in [5, 12].
    c1 : float
        First log-cumulant (the typical regularity).
    c2 : float
        Second log-cumulant (< 0; the multifractality).
    seed : int
        Seed of the multipliers and signs.
    wavelet : str
        PyWavelets name of the synthesis wavelet.

    Returns
    -------
    ndarray, shape (2**log2_n, 2**log2_n)
        The field (periodic).

    Raises
    ------
    ValueError
        ``log2_n`` outside [5, 12] or ``c2 >= 0``.

    References
    ----------
    Arneodo, A., Bacry, E. & Muzy, J.-F. (1998). Random cascades on wavelet dyadic
    trees. J. Math. Phys. 39, 4142.
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
        details.append(
            tuple(sgn[i] * mag * 2.0**j for i in range(3))
        )  # back to L2 norm
    coeffs = [np.zeros((1, 1))] + details
    return pywt.waverec2(coeffs, wavelet, mode="periodization")


def lognormal_cascade_spectrum(
    q: np.ndarray, *, c1: float = 0.5, c2: float = -0.04
) -> tuple[np.ndarray, np.ndarray]:
    """Theoretical ``(h(q), D(q))`` of :func:`lognormal_wavelet_cascade`.

    ``zeta(q) = c1 q + c2 q^2/2``, so ``h(q) = c1 + c2 q`` and
    ``D(q) = 2 + q h(q) - zeta(q) = 2 + c2 q^2 / 2``.

    Parameters
    ----------
    q : ndarray, shape (n_q,)
        Moment orders.
    c1, c2 : float
        Log-cumulants of the cascade.

    Returns
    -------
    h, D : ndarray, shape (n_q,)
        ``h(q)`` (the Hölder exponent) and ``D(q) = f(h(q))``.
    """
    qa = np.asarray(q, dtype=np.float64)
    return c1 + c2 * qa, 2.0 + c2 * qa**2 / 2.0


def multifractal_random_walk(
    n: int,
    intermittency: float = 0.04,
    *,
    integral_scale: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Multifractal random walk (Bacry, Delour & Muzy 2001), a 1-D signal with a known
    log-normal spectrum.

    ``X_k = sum_{i <= k} eps_i exp(omega_i)`` with ``eps`` i.i.d. standard normal and
    ``omega`` a stationary Gaussian sequence, independent of ``eps``, with the
    log-correlated covariance of the paper,
    ``Cov(omega_i, omega_{i+l}) = lambda^2 ln(T / (|l| + 1))`` for ``|l| < T`` (0
    beyond; ``T`` the integral scale in samples) and mean ``-lambda^2 ln T``, so that
    ``E exp(2 omega) = 1``. For scales ``l << T`` the increments scale as
    ``E|X_{k+l} - X_k|^q ~ l^{zeta(q)}`` with
    ``zeta(q) = (q - q (q - 2) lambda^2) / 2``, i.e. the log-cumulants
    ``c1 = 1/2 + lambda^2``, ``c2 = -lambda^2`` and ``c_m = 0`` for ``m >= 3``
    (see :func:`mrw_scaling`). ``omega`` is drawn by circulant embedding of size ``2n``
    (eigenvalues below zero by rounding set to 0; ``ValueError`` if one is clearly
    negative).

    Parameters
    ----------
    n : int
        Samples, in ``[16, 2^22]``.
    intermittency : float
        ``lambda^2`` of the paper, in ``[0, 0.5]`` (0 gives Brownian motion).
    integral_scale : int, optional
        ``T`` in samples, in ``[2, n]`` (default ``n``).
    seed : int
        Seed of the numpy Generator (same seed, same path).

    Returns
    -------
    ndarray, shape ``(n,)``
        The walk, in units of the standard deviation of one step.

    Raises
    ------
    ValueError
        ``n``, ``intermittency`` or ``integral_scale`` out of range.

    References
    ----------
    Bacry, E., Delour, J. & Muzy, J.-F. (2001). Multifractal random walk. Phys. Rev. E
    64, 026103 (the construction and ``zeta(q)``; equation numbers not checked).
    """
    n = check_int(n, "n", 16, 2**22)
    lam2 = float(intermittency)
    if not 0.0 <= lam2 <= 0.5:
        raise ValueError(f"intermittency (lambda^2) must lie in [0, 0.5], got {lam2}")
    big_t = (
        n
        if integral_scale is None
        else check_int(integral_scale, "integral_scale", 2, n)
    )
    lag = np.minimum(np.arange(2 * n), 2 * n - np.arange(2 * n)).astype(np.float64)
    cov = np.where(lag < big_t, lam2 * np.log(big_t / (lag + 1.0)), 0.0)
    eig = np.fft.fft(cov).real
    if eig.min() < -1e-8 * max(eig.max(), 1e-300):
        raise ValueError(  # pragma: no cover - not met for T <= n
            "integral_scale: the circulant embedding of the covariance is not "
            "non-negative"
        )
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(2 * n) + 1j * rng.standard_normal(2 * n)
    omega = np.fft.fft(np.sqrt(np.maximum(eig, 0.0) / (2 * n)) * z)[:n].real
    omega -= lam2 * math.log(big_t)
    return np.cumsum(rng.standard_normal(n) * np.exp(omega))


def mrw_scaling(q: Sequence[float] | np.ndarray, intermittency: float) -> np.ndarray:
    """Closed-form scaling function of :func:`multifractal_random_walk`.

    Parameters
    ----------
    q : sequence of float, shape ``(n_q,)``
        Moment orders.
    intermittency : float
        ``lambda^2`` (>= 0).

    Returns
    -------
    ndarray, shape ``(n_q,)``
        ``zeta(q) = (1/2 + lambda^2) q - lambda^2 q^2 / 2``; ``h(q) = zeta'(q)``,
        ``c1 = 1/2 + lambda^2``, ``c2 = -lambda^2``.

    References
    ----------
    Bacry, E., Delour, J. & Muzy, J.-F. (2001). Multifractal random walk. Phys. Rev. E
    64, 026103.
    """
    qa = np.asarray(q, dtype=np.float64)
    return (0.5 + intermittency) * qa - intermittency * qa**2 / 2.0
