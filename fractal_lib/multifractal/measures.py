"""Multifractal analysis of measures over scales: partition functions, mass exponents,
spectra.

Everything here works on a *measure observed at several scales*: at scale ``eps[k]`` a
finite set of non-negative masses ``mu[:, k]`` (or a list of 1-D arrays, one per scale,
when the number of boxes changes with the scale, as for a box-counting grid). Nothing is
specific to neural networks; the same functions analyse the binomial multiplicative
cascade (whose answers are known in closed form, see :func:`binomial_cascade`) and the
directional loss responses of :mod:`fractal_lib.multifractal.probing`.

Moment-method conventions
-------------------------
Partition function and mass exponents (moment method):

.. math::

    Z(q, \\varepsilon) = \\sum_i \\mu_i(\\varepsilon)^q \\sim \\varepsilon^{\\tau(q)},
    \\qquad \\tau(q) = \\text{OLS slope of } \\ln Z \\text{ against } \\ln\\varepsilon

over a *window* of scales (``window=(start, stop)``, a Python slice into the scales).
With this sign, the binomial cascade has :math:`\\tau(q) = -\\log_2(p^q + (1 - p)^q)`, a
uniform measure on :math:`N = 1/\\varepsilon` boxes has :math:`\\tau(q) = q - 1`, and a
measure on a *fixed* number of boxes whose shape does not change with the scale has
:math:`\\tau(q) \\equiv 0`. :math:`\\tau(1) = 0` always, since the masses sum to one.

Singularity spectrum, two ways:

* :func:`legendre_spectrum`: :math:`\\alpha = \\tau'(q)`, :math:`f = q\\alpha - \\tau`.
* :func:`chhabra_jensen`: the direct method of Chhabra & Jensen (1989) with the "zoomed"
  measures :math:`m_i(q) = \\mu_i^q / \\sum_j \\mu_j^q` and the two sums
  :math:`A(q, \\varepsilon) = \\sum_i m_i \\ln\\mu_i`,
  :math:`F(q, \\varepsilon) = \\sum_i m_i \\ln m_i`. The *textbook slope form* takes
  :math:`\\alpha(q)` and :math:`f(q)` as the OLS slopes of :math:`A` and :math:`F`
  against :math:`\\ln\\varepsilon`. The *averaged-ratio form* used in the code of Török
  & Bartha takes :math:`A/\\ln\\varepsilon` and :math:`F/\\ln\\varepsilon` at each scale
  and averages them over the window. The two agree when :math:`A` and :math:`F` are
  proportional to :math:`\\ln\\varepsilon` (boxes of size :math:`\\varepsilon`, as for
  the cascade). On a fixed number :math:`N` of boxes (directions) they do not: a uniform
  measure has :math:`A = F = -\\ln N` at every scale, so the slope form gives
  :math:`\\alpha = f = 0` while the ratio form gives
  :math:`\\ln N / \\ln(1/\\varepsilon)`, an offset that depends on the number of
  directions and drifts with the window.

Scalar summaries: the per-box (per-direction) scaling exponents of the raw responses
(:func:`direction_exponents`) and the *moment-scaling variability* :math:`M_\\tau`, the
RMS deviation of :math:`\\tau(q)` from its best straight line in :math:`q`
(:func:`tau_nonlinearity`); :math:`M_\\tau = 0` for a monofractal (linear
:math:`\\tau`).

Bad input (non-positive or repeated scales, an empty ``q`` grid, a window with fewer
than two scales, negative masses) raises :class:`ValueError` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..core.checks import warn_limit
from ..core.fits import LineFit, line_fit, mean_sem

#: A measure at several scales: a 2-D array ``(n_boxes, n_scales)`` or a list of
#: 1-D arrays, one per scale.
Measures = np.ndarray | Sequence[np.ndarray]
#: ``(start, stop)`` indices of the scales a fit uses (``None``: all).
Window = tuple[int, int] | None


# --------------------------------------------------------------------------- validation
def _check_q(q: Sequence[float] | np.ndarray) -> np.ndarray:
    qa = np.atleast_1d(np.asarray(q, dtype=np.float64))
    if qa.ndim != 1 or qa.size == 0:
        raise ValueError("q must be a non-empty 1-D sequence of finite numbers")
    if not np.all(np.isfinite(qa)):
        raise ValueError("q must contain only finite numbers")
    return qa


def _check_eps(eps: Sequence[float] | np.ndarray, n: int | None = None) -> np.ndarray:
    e = np.atleast_1d(np.asarray(eps, dtype=np.float64))
    if e.ndim != 1 or e.size == 0:
        raise ValueError("eps (the scales) must be a non-empty 1-D sequence")
    if not np.all(np.isfinite(e)) or np.any(e <= 0):
        raise ValueError("eps (the scales) must be finite and > 0")
    if np.unique(e).size != e.size:
        raise ValueError("eps (the scales) must be distinct")
    if n is not None and e.size != n:
        raise ValueError(f"eps has {e.size} scales but the measure has {n}")
    return e


def _check_window(window: Window, n: int) -> slice:
    if window is None:
        start, stop = 0, n
    else:
        try:
            start, stop = (int(v) for v in window)
        except (TypeError, ValueError):
            raise ValueError(
                f"window must be a pair (start, stop) of scale indices, got {window!r}"
            ) from None
        if start < 0 or stop > n:
            raise ValueError(
                f"window must satisfy 0 <= start < stop <= {n}, got {window!r}"
            )
    if stop - start < 2:
        raise ValueError(f"window must hold at least 2 scales, got {window!r} of {n}")
    return slice(start, stop)


def _as_measures(mu: Measures) -> list[np.ndarray]:
    if isinstance(mu, np.ndarray) and mu.ndim == 2:
        cols = [mu[:, k] for k in range(mu.shape[1])]
    elif isinstance(mu, np.ndarray):
        raise ValueError(
            f"mu must be a 2-D array (n_boxes, n_scales) or a list of 1-D arrays, "
            f"got an array of shape {mu.shape}"
        )
    else:
        cols = [np.asarray(m, dtype=np.float64) for m in mu]
    if not cols:
        raise ValueError("mu must hold at least one scale")
    out = []
    for k, c in enumerate(cols):
        c = np.asarray(c, dtype=np.float64)
        if c.ndim != 1 or c.size == 0:
            raise ValueError(f"mu at scale {k} must be a non-empty 1-D array")
        if np.all(np.isnan(c)):  # an invalid scale (see response_measure) stays NaN
            out.append(c)
            continue
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            raise ValueError(f"mu at scale {k} must hold finite masses >= 0")
        s = c.sum()
        if s <= 0:
            raise ValueError(f"mu at scale {k} has zero total mass")
        out.append(c / s)
    valid = [c for c in out if not np.all(np.isnan(c))]
    if not valid:
        raise ValueError("mu is all-NaN: no scale holds a valid measure")
    if all(np.count_nonzero(c > 0) <= 1 for c in valid):
        raise ValueError(
            "mu has its whole mass in a single box at every scale: there is no "
            "distribution of mass to analyse"
        )
    return out


# ----------------------------------------------------------------------------- fits
def _line_fits(x: np.ndarray, y: np.ndarray) -> LineFit:
    """:func:`~fractal_lib.core.fits.line_fit` of every row of ``y`` against ``x``, as
    arrays of shape ``y.shape[:-1]``, and NaN (not an error) when fewer than two columns
    are finite in every row: invalid scales are NaN columns, and callers report
    ``n_used``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = _n_finite(x, y)
    if n < 2:
        nan = np.full(y.shape[:-1], np.nan)
        return LineFit(nan, nan, nan, nan, nan, n)
    f = line_fit(x, y)
    arr = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731
    return LineFit(
        arr(f.slope), arr(f.stderr), arr(f.intercept), arr(f.r2), arr(f.rmse), f.n
    )


def _n_finite(x: np.ndarray, y: np.ndarray) -> int:
    """Columns finite in ``x`` and in every row of ``y`` (the points a line fit
    uses)."""
    ok = np.isfinite(x) & np.all(
        np.isfinite(np.asarray(y).reshape(-1, np.shape(y)[-1])), axis=0
    )
    return int(np.count_nonzero(ok))


def _warn_scales(who: str, n_used: int, n_window: int) -> None:
    if n_used < 3:
        what = "no estimate (NaN)" if n_used < 2 else "no standard error"
        warn_limit(
            f"{who}: only {n_used} of the {n_window} scales in the window are usable: "
            f"{what} "
            "(see n_used)"
        )


# ----------------------------------------------------------------------------- measures
def response_measure(
    R: np.ndarray, *, gamma: float = 1.0, floor: float = 1e-20, min_total: float = 0.0
) -> np.ndarray:
    """Normalise non-negative responses into a measure over boxes, separately at each
    scale.

    Parameters
    ----------
    R : ndarray, shape (n_boxes, n_scales)
        Responses (e.g. second-order loss responses of directions, one column per
        scale).
    gamma : float
        Exponent applied to the floored responses, ``r = max(R, floor)**gamma`` (> 0).
    floor : float
        Lower bound of a response before the exponent (>= 0); keeps ``ln`` and negative
        moments finite.
    min_total : float
        A column whose total ``sum(r)`` is not above this is marked invalid (all NaN).
        The authors use 1e-10; the default 0 keeps every column with some mass.

    Returns
    -------
    ndarray, shape (n_boxes, n_scales)
        ``mu[:, k] = r[:, k] / r[:, k].sum()``; all NaN in invalid columns.

    Raises
    ------
    ValueError
        ``R`` not 2-D, empty, negative, non-finite or all zero; bad ``gamma`` or
        ``floor``.
    """
    R = np.asarray(R, dtype=np.float64)
    if R.ndim != 2 or R.shape[0] == 0 or R.shape[1] == 0:
        raise ValueError(
            f"R must be a 2-D array (n_boxes >= 1, n_scales >= 1), got shape {R.shape}"
        )
    if not np.all(np.isfinite(R)) or np.any(R < 0):
        raise ValueError("R must hold finite responses >= 0")
    if not np.any(R > 0):
        raise ValueError("R is all zero: no response to turn into a measure")
    if not (np.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be a finite number > 0, got {gamma!r}")
    if not (np.isfinite(floor) and floor >= 0):
        raise ValueError(f"floor must be a finite number >= 0, got {floor!r}")
    r = np.maximum(R, floor) ** gamma
    tot = r.sum(axis=0)
    valid = tot > min_total
    mu = np.full_like(r, np.nan)
    mu[:, valid] = r[:, valid] / tot[valid]
    return mu


def partition_function(
    mu: Measures, q: Sequence[float] | np.ndarray, *, floor: float | None = None
) -> np.ndarray:
    """Partition function ``Z(q, eps_k) = sum_i mu_i(eps_k)**q``.

    Parameters
    ----------
    mu : ndarray (n_boxes, n_scales) or list of 1-D arrays
        The measure at each scale (renormalised to total mass 1 here).
    q : sequence of float
        Moment orders (non-empty).
    floor : float, optional
        ``None`` (textbook): boxes of zero mass are left out. A number: every mass is
        raised to at least ``floor`` first (Török & Bartha use 1e-10), so empty boxes
        enter negative moments with a large weight.

    Returns
    -------
    ndarray, shape (n_q, n_scales)
        ``Z[j, k]``; NaN at the scales where ``mu`` is all NaN (invalid).

    Raises
    ------
    ValueError
        Bad ``q`` or ``mu`` (see :func:`mass_exponents`).
    """
    qa = _check_q(q)
    cols = _as_measures(mu)
    Z = np.empty((qa.size, len(cols)))
    for k, c in enumerate(cols):
        if np.all(np.isnan(c)):
            Z[:, k] = np.nan
            continue
        m = c[c > 0] if floor is None else np.maximum(c, floor)
        with np.errstate(over="ignore"):
            Z[:, k] = np.sum(m[None, :] ** qa[:, None], axis=1)
    return Z


@dataclass(frozen=True)
class TauFit:
    """Mass exponents ``tau(q)`` fitted over a window of scales.

    Attributes
    ----------
    q : ndarray
        Moment orders.
    tau, stderr, r2 : ndarray
        Slope of ``ln Z(q, eps)`` against ``ln eps``, its standard error and R^2, per q.
    window : tuple of int
        ``(start, stop)`` indices of the scales used.
    log_eps : ndarray
        ``ln eps`` of every scale.
    log_z : ndarray, shape (n_q, n_scales)
        ``ln Z`` at every scale (also outside the window).
    n_used : int
        Scales of the window that entered the fits (finite ``ln Z`` at every q); fewer
        than 3 leave no standard error, fewer than 2 no estimate (both warned about).
    """

    q: np.ndarray
    tau: np.ndarray
    stderr: np.ndarray
    r2: np.ndarray
    window: tuple[int, int]
    log_eps: np.ndarray
    log_z: np.ndarray
    n_used: int = -1


def mass_exponents(
    mu: Measures,
    eps: Sequence[float] | np.ndarray,
    q: Sequence[float] | np.ndarray,
    *,
    window: Window = None,
    floor: float | None = None,
) -> TauFit:
    """``tau(q)``: OLS slope of ``ln Z(q, eps)`` against ``ln eps`` over ``window``.

    Parameters
    ----------
    mu : ndarray (n_boxes, n_scales) or list of 1-D arrays
        The measure at each scale.
    eps : sequence of float
        The scales (> 0, distinct), one per column of ``mu``.
    q : sequence of float
        Moment orders.
    window : (int, int), optional
        Python slice ``(start, stop)`` into the scales (at least two); all scales by
        default.
    floor : float, optional
        See :func:`partition_function`.

    Returns
    -------
    TauFit
        ``tau`` does not depend on the normalisation of ``mu`` (each scale is
        renormalised) nor on the order of the boxes.

    Raises
    ------
    ValueError
        Negative, non-finite or all-zero masses at a scale, an all-NaN measure, a
        measure with a single occupied box at every scale, bad ``eps``, ``q`` or
        ``window``.
    """
    cols = _as_measures(mu)
    e = _check_eps(eps, len(cols))
    sl = _check_window(window, e.size)
    qa = _check_q(q)
    Z = partition_function(cols, qa, floor=floor)
    with np.errstate(divide="ignore"):
        log_z = np.log(Z)
    log_eps = np.log(e)
    fit = _line_fits(log_eps[sl], log_z[:, sl])
    n_used = _n_finite(log_eps[sl], log_z[:, sl])
    _warn_scales("mass_exponents", n_used, sl.stop - sl.start)
    return TauFit(
        qa, fit.slope, fit.stderr, fit.r2, (sl.start, sl.stop), log_eps, log_z, n_used
    )


@dataclass(frozen=True)
class Spectrum:
    """A singularity spectrum ``(alpha(q), f(q))``.

    Attributes
    ----------
    q, alpha, f : ndarray
        Moment orders and the spectrum.
    alpha_err, f_err : ndarray
        Standard errors (slope form) or standard deviations over the window (ratio
        form); NaN for the Legendre transform.
    method : str
        ``"slope"``, ``"ratio"`` or ``"legendre"``.
    n_used : int
        Scales that entered the estimate (-1 for the Legendre transform); see
        :class:`TauFit`.
    """

    q: np.ndarray
    alpha: np.ndarray
    f: np.ndarray
    alpha_err: np.ndarray
    f_err: np.ndarray
    method: str
    n_used: int = -1

    @property
    def width(self) -> float:
        """Range of ``alpha`` over the q grid (max - min)."""
        return float(np.nanmax(self.alpha) - np.nanmin(self.alpha))

    @property
    def f_width(self) -> float:
        """Range of ``f`` over the q grid (the authors' ``f_width``)."""
        return float(np.nanmax(self.f) - np.nanmin(self.f))


def chhabra_jensen_sums(
    mu: Measures,
    q: Sequence[float] | np.ndarray,
    *,
    floor: float | None = None,
    log_floor: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The two Chhabra–Jensen sums ``A = sum m ln mu`` and ``F = sum m ln m`` at every
    scale.

    ``m_i(q) = mu_i**q / sum_j mu_j**q`` are the "zoomed" measures of Chhabra & Jensen
    (1989); they are computed in log space, stable for large ``|q|``.

    Parameters
    ----------
    mu : ndarray (n_boxes, n_scales) or list of 1-D arrays
        The measure at each scale (renormalised to total mass 1 here).
    q : sequence of float
        Moment orders (non-empty, finite).
    floor : float, optional
        As in :func:`partition_function`: ``None`` leaves out empty boxes, a number
        raises every mass to at least ``floor``.
    log_floor : float, optional
        Floor of ``mu`` and ``m`` inside the logarithms (the authors: 1e-10); ``None``
        takes ``0 ln 0 = 0``.

    Returns
    -------
    A, F : ndarray, shape (n_q, n_scales)
        The two sums (natural logarithms); NaN at invalid (all-NaN) scales.

    Raises
    ------
    ValueError
        Bad ``q`` or ``mu`` (see :func:`mass_exponents`).

    References
    ----------
    Chhabra, A. & Jensen, R. V. (1989). Direct determination of the f(alpha) singularity
    spectrum. Phys. Rev. Lett. 62, 1327.
    """
    qa = _check_q(q)
    cols = _as_measures(mu)
    A = np.empty((qa.size, len(cols)))
    F = np.empty_like(A)
    for k, c in enumerate(cols):
        if np.all(np.isnan(c)):
            A[:, k] = F[:, k] = np.nan
            continue
        m = c[c > 0] if floor is None else np.maximum(c, floor)
        # m_i(q) in log space, stable for large |q|
        lm = np.log(m)
        w = qa[:, None] * lm[None, :]
        w -= w.max(axis=1, keepdims=True)
        zm = np.exp(w)
        zm /= zm.sum(axis=1, keepdims=True)
        if log_floor is None:
            with np.errstate(divide="ignore"):
                lzm = np.where(zm > 0, np.log(np.where(zm > 0, zm, 1.0)), 0.0)
            A[:, k] = zm @ lm
        else:
            lzm = np.log(np.maximum(zm, log_floor))
            A[:, k] = zm @ np.log(np.maximum(m, log_floor))
        F[:, k] = np.sum(zm * lzm, axis=1)
    return A, F


def chhabra_jensen(
    mu: Measures,
    eps: Sequence[float] | np.ndarray,
    q: Sequence[float] | np.ndarray,
    *,
    window: Window = None,
    form: Literal["slope", "ratio"] = "slope",
    floor: float | None = None,
    log_floor: float | None = None,
) -> Spectrum:
    """Direct estimate of ``alpha(q)`` and ``f(q)`` (Chhabra & Jensen 1989).

    Parameters
    ----------
    mu : ndarray (n_boxes, n_scales) or list of 1-D arrays
        The measure at each scale.
    eps : sequence of float
        The scales (> 0, distinct), one per column of ``mu``.
    q : sequence of float
        Moment orders.
    window : (int, int), optional
        Python slice ``(start, stop)`` into the scales (at least two); all by default.
    form : {"slope", "ratio"}
        ``"slope"`` (textbook): OLS slopes of ``A`` and ``F`` (see
        :func:`chhabra_jensen_sums`) against ``ln eps`` over the window. ``"ratio"``
        (Török & Bartha's code): the mean over the window of ``A / ln eps`` and
        ``F / ln eps``. They agree when the boxes have size ``eps``; on a fixed set of
        ``N`` boxes the ratio form carries an offset of about ``ln N / ln(1/eps)`` (see
        the module docstring).
    floor : float, optional
        See :func:`partition_function`.
    log_floor : float, optional
        Floor of ``mu`` and ``m`` inside the logarithms (authors: 1e-10).

    Returns
    -------
    Spectrum
        ``alpha(q)``, ``f(q)`` with their standard errors (slope form) or standard
        deviations over the window (ratio form), and ``n_used``. Fewer than 3 usable
        scales (slope form) or 2 (ratio form) are warned about; with none left the
        spectrum is NaN.

    Raises
    ------
    ValueError
        Unknown ``form``, bad ``mu``, ``eps``, ``q`` or ``window`` (see
        :func:`mass_exponents`), or ``eps == 1`` inside the window with
        ``form="ratio"``.

    References
    ----------
    Chhabra, A. & Jensen, R. V. (1989). Direct determination of the f(alpha) singularity
    spectrum. Phys. Rev. Lett. 62, 1327 (the slope form).
    """
    if form not in ("slope", "ratio"):
        raise ValueError(f"form must be 'slope' or 'ratio', got {form!r}")
    cols = _as_measures(mu)
    e = _check_eps(eps, len(cols))
    sl = _check_window(window, e.size)
    qa = _check_q(q)
    A, F = chhabra_jensen_sums(cols, qa, floor=floor, log_floor=log_floor)
    le = np.log(e)
    if form == "slope":
        n_used = min(_n_finite(le[sl], A[:, sl]), _n_finite(le[sl], F[:, sl]))
        _warn_scales("chhabra_jensen", n_used, sl.stop - sl.start)
        fa, ff = _line_fits(le[sl], A[:, sl]), _line_fits(le[sl], F[:, sl])
        return Spectrum(qa, fa.slope, ff.slope, fa.stderr, ff.stderr, "slope", n_used)
    if np.any(le[sl] == 0):
        raise ValueError(
            "eps must not contain 1 in the window for form='ratio' (A / ln eps is "
            "undefined)"
        )
    ra, rf = A[:, sl] / le[sl], F[:, sl] / le[sl]
    n_used = int(np.count_nonzero(np.all(np.isfinite(ra) & np.isfinite(rf), axis=0)))
    if n_used < 2:
        warn_limit(
            f"chhabra_jensen: only {n_used} usable scale(s) in the window for the "
            "ratio form "
            "(see n_used)"
        )
    if n_used == 0:
        nan = np.full(qa.shape, np.nan)
        return Spectrum(qa, nan, nan, nan, nan, "ratio", 0)
    return Spectrum(
        qa,
        np.nanmean(ra, axis=1),
        np.nanmean(rf, axis=1),
        np.nanstd(ra, axis=1),
        np.nanstd(rf, axis=1),
        "ratio",
        n_used,
    )


def legendre_spectrum(
    q: Sequence[float] | np.ndarray, tau: Sequence[float] | np.ndarray
) -> Spectrum:
    """Legendre transform of ``tau(q)``: ``alpha = d tau / d q``, ``f = q alpha - tau``.

    The derivative is taken by finite differences on the possibly uneven grid (second
    order inside, :func:`numpy.gradient`).

    Parameters
    ----------
    q : sequence of float, shape (n_q,)
        Moment orders (at least 3, distinct, in any order).
    tau : sequence of float, shape (n_q,)
        Mass exponents at ``q``.

    Returns
    -------
    Spectrum
        ``method="legendre"``; the errors are NaN.

    Raises
    ------
    ValueError
        ``tau`` not shaped like ``q``, fewer than 3 or repeated values of ``q``.
    """
    qa = _check_q(q)
    t = np.asarray(tau, dtype=np.float64)
    if t.shape != qa.shape:
        raise ValueError(f"tau must have the shape of q {qa.shape}, got {t.shape}")
    if qa.size < 3:
        raise ValueError("q must hold at least 3 values for a Legendre transform")
    order = np.argsort(qa)
    if np.unique(qa).size != qa.size:
        raise ValueError("q must be distinct")
    alpha = np.empty_like(t)
    alpha[order] = np.gradient(t[order], qa[order])
    f = qa * alpha - t
    nan = np.full_like(t, np.nan)
    return Spectrum(qa, alpha, f, nan, nan, "legendre")


# ------------------------------------------------------------- per-box exponents, M_tau
def direction_exponents(
    R: np.ndarray,
    eps: Sequence[float] | np.ndarray,
    *,
    window: Window = None,
    gamma: float = 1.0,
    floor: float = 1e-20,
) -> LineFit:
    """Scaling exponent of every box (direction) over a window of scales.

    The OLS slope (:func:`~fractal_lib.core.fits.line_fit`) of
    ``ln max(R_i, floor)**gamma`` against ``ln eps`` over ``window``. A response
    ``c_i eps**2`` gives exactly ``2 gamma``.

    Parameters
    ----------
    R : ndarray, shape (n_boxes, n_scales)
        Raw (unnormalised) responses, finite and >= 0, not all zero.
    eps : sequence of float, shape (n_scales,)
        The scales (> 0, distinct).
    window : (int, int), optional
        Python slice ``(start, stop)`` into the scales (at least two); all by default.
    gamma : float
        Exponent applied to the responses.
    floor : float
        Lower bound of a response before the logarithm (> 0).

    Returns
    -------
    LineFit
        ``slope`` has shape ``(n_boxes,)`` (the exponents), with ``stderr``,
        ``intercept``, ``r2`` and ``rmse`` per box.

    Raises
    ------
    ValueError
        ``R`` not 2-D, negative, non-finite or all zero; bad ``floor``, ``eps`` or
        ``window``.
    """
    R = np.asarray(R, dtype=np.float64)
    if R.ndim != 2 or R.shape[0] == 0:
        raise ValueError(
            f"R must be a 2-D array (n_boxes >= 1, n_scales), got shape {R.shape}"
        )
    if not np.all(np.isfinite(R)) or np.any(R < 0):
        raise ValueError("R must hold finite responses >= 0")
    if not (np.isfinite(floor) and floor > 0):
        raise ValueError(f"floor must be a finite number > 0, got {floor!r}")
    if not np.any(R > 0):
        raise ValueError("R is all zero: no response to scale")
    e = _check_eps(eps, R.shape[1])
    sl = _check_window(window, e.size)
    return _line_fits(np.log(e[sl]), gamma * np.log(np.maximum(R[:, sl], floor)))


def tau_nonlinearity(
    q: Sequence[float] | np.ndarray, tau: np.ndarray
) -> np.ndarray | float:
    """Moment-scaling variability ``M_tau``: RMS deviation of ``tau(q)`` from its line
    in ``q``.

    The line is the least-squares line of ``tau`` against ``q``; ``M_tau`` is zero
    exactly when ``tau`` is linear, i.e. for a monofractal.

    Parameters
    ----------
    q : sequence of float, shape (n_q,)
        Moment orders (at least 2).
    tau : ndarray, shape (..., n_q)
        One or several ``tau(q)`` curves.

    Returns
    -------
    float or ndarray, shape (...)
        ``M_tau`` per curve (a float for one curve; NaN for a curve with NaN entries).

    Raises
    ------
    ValueError
        Bad ``q``, fewer than 2 orders, or ``tau`` whose last axis does not match ``q``.
    """
    qa = _check_q(q)
    t = np.asarray(tau, dtype=np.float64)
    if t.shape[-1:] != qa.shape:
        raise ValueError(
            f"tau's last axis must match q ({qa.size}), got shape {t.shape}"
        )
    if qa.size < 2:
        raise ValueError("q must hold at least 2 values for M_tau")
    fit = _line_fits(qa, t)
    resid = t - (fit.slope[..., None] * qa + fit.intercept[..., None])
    out = np.sqrt(np.mean(resid**2, axis=-1))
    return float(out) if out.ndim == 0 else out


def local_slopes(
    log_eps: np.ndarray, log_z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Local exponents ``Delta ln Z / Delta ln eps`` between neighbouring scales.

    Parameters
    ----------
    log_eps : ndarray, shape (n_scales,)
        ``ln eps`` of the scales.
    log_z : ndarray, shape (..., n_scales)
        ``ln Z`` (e.g. ``TauFit.log_z``).

    Returns
    -------
    mid : ndarray, shape (n_scales - 1,)
        Geometric-mean scales between neighbours, as ``ln eps``.
    slopes : ndarray, shape (..., n_scales - 1)
        The local exponents.
    """
    le = np.asarray(log_eps, dtype=np.float64)
    lz = np.asarray(log_z, dtype=np.float64)
    return 0.5 * (le[1:] + le[:-1]), np.diff(lz, axis=-1) / np.diff(le)


# -------------------------------------------------------------------------- full record
@dataclass(frozen=True)
class MultifractalRecord:
    """Every descriptor of one measure (one bank of directions), per window and
    window-averaged.

    Attributes
    ----------
    q : ndarray (n_q,)
        Moment orders.
    windows : tuple of (int, int)
        The ``(start, stop)`` windows of scales, one row of every field each.
    tau, tau_err : ndarray (n_windows, n_q)
        Mass exponents and their standard errors.
    alpha_ratio, f_ratio, alpha_slope, f_slope : ndarray (n_windows, n_q)
        Chhabra–Jensen spectra, authors' averaged-ratio form and textbook slope form.
    m_tau : ndarray (n_windows,)
        ``M_tau`` per window.
    exponents : ndarray (n_windows, n_boxes)
        Per-direction exponents.
    extra : dict
        Free-form additions (empty by default).
    """

    q: np.ndarray
    windows: tuple[tuple[int, int], ...]
    tau: np.ndarray
    tau_err: np.ndarray
    alpha_ratio: np.ndarray
    f_ratio: np.ndarray
    alpha_slope: np.ndarray
    f_slope: np.ndarray
    m_tau: np.ndarray
    exponents: np.ndarray
    extra: dict = field(default_factory=dict)

    def mean(self, name: str) -> np.ndarray:
        """Equal-weight mean over windows of a field (the authors' aggregation).

        Parameters
        ----------
        name : str
            A field with one row per window (e.g. ``"tau"``, ``"f_ratio"``,
            ``"m_tau"``).

        Returns
        -------
        ndarray
            ``nanmean`` over the first axis.
        """
        return np.nanmean(getattr(self, name), axis=0)

    @property
    def exponent_std(self) -> float:
        """Window-mean of the standard deviation of the per-direction exponents
        (``alpha_std``)."""
        return float(np.nanmean(np.nanstd(self.exponents, axis=1)))

    @property
    def exponent_span(self) -> float:
        """Window-mean of ``max - min`` of the per-direction exponents
        (``alpha_span``)."""
        return float(
            np.nanmean(
                np.nanmax(self.exponents, axis=1) - np.nanmin(self.exponents, axis=1)
            )
        )

    @property
    def f_width(self) -> float:
        """Range over q of the window-mean ratio-form ``f(q)`` (the authors'
        ``f_width``)."""
        f = self.mean("f_ratio")
        return float(np.nanmax(f) - np.nanmin(f))

    @property
    def alpha_width(self) -> float:
        """Range over q of the window-mean slope-form ``alpha(q)``."""
        a = self.mean("alpha_slope")
        return float(np.nanmax(a) - np.nanmin(a))


def analyze(
    R: np.ndarray,
    eps: Sequence[float] | np.ndarray,
    q: Sequence[float] | np.ndarray,
    windows: Sequence[tuple[int, int]],
    *,
    gamma: float = 1.0,
    r_floor: float = 1e-20,
    mu_floor: float | None = 1e-10,
    log_floor: float | None = 1e-10,
    min_total: float = 0.0,
) -> MultifractalRecord:
    """Every multifractal descriptor of responses ``R`` for each window of scales.

    The measure is :func:`response_measure` (``gamma``, ``r_floor``, ``min_total``);
    ``mu_floor`` and ``log_floor`` go to :func:`partition_function` /
    :func:`chhabra_jensen`. The defaults are the authors' floors. Window-averages (the
    authors' aggregation) come from :meth:`MultifractalRecord.mean`.

    Parameters
    ----------
    R : ndarray, shape (n_boxes, n_scales)
        Raw responses (e.g. ``ProbeResult.R`` of
        :mod:`fractal_lib.multifractal.probing`).
    eps : sequence of float, shape (n_scales,)
        The scales (> 0, distinct).
    q : sequence of float
        Moment orders.
    windows : sequence of (int, int)
        ``(start, stop)`` windows of scales (at least one, each with at least two
        scales).
    gamma : float
        Exponent of the responses (:func:`response_measure`).
    r_floor : float
        Floor of the responses (:func:`response_measure`, :func:`direction_exponents`).
    mu_floor : float, optional
        Floor of the masses in the moments (``floor`` of :func:`partition_function`).
    log_floor : float, optional
        Floor inside the logarithms of :func:`chhabra_jensen`.
    min_total : float
        Columns with less total response are invalid (:func:`response_measure`).

    Returns
    -------
    MultifractalRecord
        One row per window of every descriptor.

    Raises
    ------
    ValueError
        No window, or bad ``R``, ``eps``, ``q`` or window (see :func:`mass_exponents`).

    References
    ----------
    Török, G. & Bartha, F. A. Multifractal structure of neural network loss landscapes
    (abstract and public code: the floors, the ratio form and the window averages).
    Chhabra, A. & Jensen, R. V. (1989). Phys. Rev. Lett. 62, 1327 (the slope form).
    """
    wins = tuple((int(a), int(b)) for a, b in windows)
    if not wins:
        raise ValueError("windows must hold at least one (start, stop) pair")
    qa = _check_q(q)
    R = np.asarray(R, dtype=np.float64)
    mu = response_measure(R, gamma=gamma, floor=r_floor, min_total=min_total)
    e = _check_eps(eps, mu.shape[1])
    taus, errs, ar, fr, as_, fs, mt, ex = [], [], [], [], [], [], [], []
    for w in wins:
        tf = mass_exponents(mu, e, qa, window=w, floor=mu_floor)
        taus.append(tf.tau)
        errs.append(tf.stderr)
        r = chhabra_jensen(
            mu, e, qa, window=w, form="ratio", floor=mu_floor, log_floor=log_floor
        )
        s = chhabra_jensen(
            mu, e, qa, window=w, form="slope", floor=mu_floor, log_floor=log_floor
        )
        ar.append(r.alpha)
        fr.append(r.f)
        as_.append(s.alpha)
        fs.append(s.f)
        mt.append(tau_nonlinearity(qa, tf.tau))
        ex.append(
            direction_exponents(
                R, e, window=w, gamma=gamma, floor=max(r_floor, 1e-300)
            ).slope
        )
    return MultifractalRecord(
        qa,
        wins,
        np.array(taus),
        np.array(errs),
        np.array(ar),
        np.array(fr),
        np.array(as_),
        np.array(fs),
        np.array(mt),
        np.array(ex),
    )


@dataclass(frozen=True)
class BankSummary:
    """Window-averaged descriptors of several banks of directions (one row per bank).

    Attributes
    ----------
    q : ndarray (n_q,)
        Moment orders.
    tau, alpha_ratio, f_ratio, alpha_slope, f_slope : ndarray (n_banks, n_q)
        Window-averaged ``tau(q)`` and spectra (see :class:`MultifractalRecord`).
    m_tau, exponent_std, exponent_span, f_width : ndarray (n_banks,)
        Window-averaged scalar descriptors (see :class:`MultifractalRecord`).
    exponents : ndarray (n_banks, bank_size)
        Window-averaged per-direction exponents.
    """

    q: np.ndarray
    tau: np.ndarray
    alpha_ratio: np.ndarray
    f_ratio: np.ndarray
    alpha_slope: np.ndarray
    f_slope: np.ndarray
    m_tau: np.ndarray
    exponent_std: np.ndarray
    exponent_span: np.ndarray
    f_width: np.ndarray
    exponents: np.ndarray

    def mean_se(self, name: str) -> tuple[np.ndarray | float, np.ndarray | float]:
        """Mean over banks and its standard error, over the banks with a finite value.

        Parameters
        ----------
        name : str
            A field with one row per bank (e.g. ``"tau"``, ``"m_tau"``).

        Returns
        -------
        mean, se : float or ndarray
            :func:`~fractal_lib.core.fits.mean_sem` over banks: a bank whose value is
            NaN (no valid window) is left out of both the mean and the count ``n`` of
            ``std(ddof=1) / sqrt(n)``; the error is NaN with fewer than two finite
            banks. Floats for a scalar descriptor.
        """
        m, se = mean_sem(np.asarray(getattr(self, name), dtype=np.float64), axis=0)
        if np.ndim(m) == 0:
            return float(m), float(se)
        return m, se


def analyze_banks(
    R: np.ndarray,
    eps: Sequence[float] | np.ndarray,
    q: Sequence[float] | np.ndarray,
    windows: Sequence[tuple[int, int]],
    *,
    n_banks: int,
    **kw: float | None,
) -> BankSummary:
    """:func:`analyze` ``n_banks`` equal banks of directions and stack their window
    averages.

    The rows of ``R`` are split into ``n_banks`` consecutive banks of
    ``n_boxes // n_banks`` rows (a remainder is left out), as in the authors' per-bank
    records.

    Parameters
    ----------
    R : ndarray, shape (n_boxes, n_scales)
        Raw responses, at least 2 rows per bank.
    eps : sequence of float, shape (n_scales,)
        The scales.
    q : sequence of float
        Moment orders.
    windows : sequence of (int, int)
        Windows of scales (see :func:`analyze`).
    n_banks : int
        Number of banks (>= 1).
    **kw
        Floors and ``gamma`` passed to :func:`analyze`.

    Returns
    -------
    BankSummary
        One row per bank.

    Raises
    ------
    ValueError
        ``n_banks`` not an integer >= 1, fewer than 2 rows per bank, or what
        :func:`analyze` raises.
    """
    R = np.asarray(R, dtype=np.float64)
    if not isinstance(n_banks, int | np.integer) or n_banks < 1:
        raise ValueError(f"n_banks must be an integer >= 1, got {n_banks!r}")
    if R.ndim != 2 or R.shape[0] < 2 * n_banks:
        raise ValueError(
            f"R must have at least 2 directions per bank (n_banks={n_banks}), "
            f"got shape {R.shape}"
        )
    size = R.shape[0] // n_banks
    recs = [
        analyze(R[b * size : (b + 1) * size], eps, q, windows, **kw)
        for b in range(n_banks)
    ]
    st = lambda f: np.array([f(r) for r in recs])  # noqa: E731
    return BankSummary(
        recs[0].q,
        st(lambda r: r.mean("tau")),
        st(lambda r: r.mean("alpha_ratio")),
        st(lambda r: r.mean("f_ratio")),
        st(lambda r: r.mean("alpha_slope")),
        st(lambda r: r.mean("f_slope")),
        st(lambda r: float(np.nanmean(r.m_tau))),
        st(lambda r: r.exponent_std),
        st(lambda r: r.exponent_span),
        st(lambda r: r.f_width),
        st(lambda r: r.mean("exponents")),
    )


@dataclass(frozen=True)
class Trend:
    """Correlation of a bank-averaged descriptor with a covariate across checkpoints.

    Attributes
    ----------
    r : float
        Pearson (or Spearman) correlation of the bank means with ``x``.
    lo, hi : float
        95 % bootstrap interval (banks resampled with replacement at every checkpoint);
        NaN with a single bank.
    change, change_se : float
        Last minus first checkpoint of the bank means, and its standard error.
    """

    r: float
    lo: float
    hi: float
    change: float
    change_se: float

    def verdict(self, expected_sign: int) -> str:
        """Whether the trend has the expected sign, in words.

        A bootstrap over few banks gives a coarse, often too narrow interval, hence the
        second condition of ``"holds"``.

        Parameters
        ----------
        expected_sign : int
            +1 or -1, the sign the trend is expected to have.

        Returns
        -------
        str
            ``"holds"`` if the correlation interval excludes 0 with the expected sign
            *and* the first-to-last change has that sign by more than two standard
            errors; ``"weak (correlation only)"`` if only the correlation does;
            ``"reversed"`` if the interval excludes 0 with the other sign; else
            ``"not resolved"``.
        """
        if expected_sign * self.lo > 0 and expected_sign * self.hi > 0:
            strong = expected_sign * self.change > 2 * self.change_se
            return "holds" if strong else "weak (correlation only)"
        if expected_sign * self.lo < 0 and expected_sign * self.hi < 0:
            return "reversed"
        return "not resolved"

    def __str__(self) -> str:
        return f"r = {self.r:+.2f} [{self.lo:+.2f}, {self.hi:+.2f}]"


def _corr(x: np.ndarray, y: np.ndarray, method: str) -> float:
    if method == "spearman":
        x, y = (
            np.argsort(np.argsort(x)).astype(float),
            np.argsort(np.argsort(y)).astype(float),
        )
    xm, ym = x - x.mean(), y - y.mean()
    den = np.sqrt((xm @ xm) * (ym @ ym))
    return float(xm @ ym / den) if den > 0 else float("nan")


def bank_trend(
    x: Sequence[float] | np.ndarray,
    y_banks: np.ndarray,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    method: Literal["pearson", "spearman"] = "pearson",
) -> Trend:
    """Correlation of a covariate with the bank means of a descriptor across
    checkpoints.

    The bank means and the standard error of the change are
    :func:`~fractal_lib.core.fits.mean_sem` over banks (a bank whose value is NaN is
    left out). The interval is a seeded percentile bootstrap over banks: at every
    checkpoint the banks are resampled with replacement, independently of the other
    checkpoints, and the correlation of ``x`` with the resampled means is recomputed.

    Parameters
    ----------
    x : sequence of float, shape (n_ckpt,)
        The covariate, one value per checkpoint (at least 3; finite, not constant).
    y_banks : ndarray, shape (n_ckpt, n_banks)
        The descriptor per checkpoint and bank.
    n_boot : int
        Number of bootstrap resamples (>= 1).
    seed : int
        Seed of the resampling generator.
    method : {"pearson", "spearman"}
        Correlation coefficient.

    Returns
    -------
    Trend
        The correlation, its 95 % interval (NaN with one bank) and the first-to-last
        change.

    Raises
    ------
    ValueError
        Shapes that do not match or fewer than 3 checkpoints; ``x`` not finite or
        constant; ``y_banks`` all NaN or with constant bank means (no correlation is
        defined there); unknown ``method``; ``n_boot < 1``.

    Notes
    -----
    The bootstrap is not :func:`~fractal_lib.core.fits.bootstrap_ci`, which would change
    its meaning: ``bootstrap_ci`` draws one set of row indices for the whole sample, so
    over ``y_banks.T`` it would resample the *same* banks at every checkpoint (a paired
    bootstrap), while this interval resamples the banks of each checkpoint
    independently, as the chapter and :class:`Trend` state. ``bootstrap_ci`` also
    rejects NaN values, which mark a bank without a valid window here, and at least 10
    resamples.
    """
    xa = np.asarray(x, dtype=np.float64)
    Y = np.asarray(y_banks, dtype=np.float64)
    if Y.ndim != 2 or Y.shape[0] != xa.size or xa.size < 3:
        raise ValueError(
            f"y_banks must have shape (n_ckpt >= 3, n_banks) matching x, got {Y.shape} "
            f"for {xa.size} values of x"
        )
    if not np.all(np.isfinite(xa)):
        raise ValueError("x must be finite")
    if np.ptp(xa) == 0:
        raise ValueError("x is constant: no correlation with it is defined")
    if Y.size == 0 or not np.any(np.isfinite(Y)):
        raise ValueError("y_banks has no finite value (all NaN or empty)")
    m, se = mean_sem(Y, axis=1)
    if np.all(np.isfinite(m)) and np.ptp(m) == 0:
        raise ValueError(
            "y_banks: the bank means are constant over checkpoints; no correlation is "
            "defined"
        )
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    if not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise ValueError(f"n_boot must be an integer >= 1, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    nb = Y.shape[1]
    reps = np.empty(int(n_boot))
    rows = np.arange(Y.shape[0])[:, None]
    for b in range(int(n_boot) if nb > 1 else 0):
        resampled = mean_sem(Y[rows, rng.integers(0, nb, size=Y.shape)], axis=1)[0]
        reps[b] = _corr(xa, resampled, method)
    lo, hi = (
        np.nanpercentile(reps, [2.5, 97.5])
        if nb > 1 and np.any(np.isfinite(reps))
        else (np.nan, np.nan)
    )
    return Trend(
        _corr(xa, m, method),
        float(lo),
        float(hi),
        float(m[-1] - m[0]),
        float(np.hypot(se[-1], se[0])),
    )


# ------------------------------------------------------------------- reference measures
def binomial_cascade(
    p: float, levels: int, *, seed: int | None = None
) -> list[np.ndarray]:
    """Binomial multiplicative cascade on [0, 1], deterministic or with random sides.

    At level ``n`` the interval is cut into ``2**n`` boxes of size ``2**-n``; each split
    sends a fraction ``p`` of the mass left and ``1 - p`` right (``seed=None``), or,
    with a seed, ``p`` to a side drawn at random (probability 1/2, independently for
    every box, numpy Generator). Every level holds the same multiset of masses either
    way, so :func:`binomial_tau` is exact for both. ``np.cumsum`` of the last level
    samples the cascade's integral (a signal whose wavelet leaders have ``tau(q)``, see
    :attr:`~fractal_lib.multifractal.wavelet_leaders.MFSpectrum.tau`).

    Parameters
    ----------
    p : float
        Fraction of the mass sent to the left (or the drawn) half, in (0, 1).
    levels : int
        Number of levels, in [1, 24].
    seed : int, optional
        Seed of the random sides; None (default): ``p`` always goes left.

    Returns
    -------
    list of ndarray
        The measures at levels ``1 .. levels`` (use
        ``eps = 2.0**-np.arange(1, levels + 1)``).

    Raises
    ------
    ValueError
        ``p`` outside (0, 1) or ``levels`` outside [1, 24].
    """
    if not (0 < p < 1):
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    if not isinstance(levels, int | np.integer) or not 1 <= levels <= 24:
        raise ValueError(f"levels must be an integer in [1, 24], got {levels!r}")
    rng = None if seed is None else np.random.default_rng(seed)
    out, m = [], np.ones(1)
    for _ in range(levels):
        if rng is None:
            m = np.stack([p * m, (1 - p) * m], axis=1).reshape(-1)
        else:  # the same two factors, sides swapped at random (exact multiset)
            swap = rng.random(m.size) < 0.5
            left = np.where(swap, 1 - p, p)
            m = np.stack([left * m, np.where(swap, p, 1 - p) * m], axis=1).reshape(-1)
        out.append(m)
    return out


def binomial_tau(q: Sequence[float] | np.ndarray, p: float) -> np.ndarray:
    """Closed-form mass exponents of the binomial cascade, ``-log2(p**q + (1 - p)**q)``.

    Parameters
    ----------
    q : sequence of float
        Moment orders.
    p : float
        Cascade parameter, in (0, 1) (see :func:`binomial_cascade`).

    Returns
    -------
    ndarray, shape (n_q,)
        ``tau(q)`` in the sign convention of this module.

    Raises
    ------
    ValueError
        Bad ``q`` or ``p`` outside (0, 1).
    """
    qa = _check_q(q)
    if not (0 < p < 1):
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    return -np.log2(p**qa + (1 - p) ** qa)


def binomial_spectrum(
    q: Sequence[float] | np.ndarray, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form ``alpha(q)`` and ``f(q)`` of the binomial cascade.

    ``alpha = tau'(q)`` and ``f = q alpha - tau`` with :func:`binomial_tau`.

    Parameters
    ----------
    q : sequence of float
        Moment orders.
    p : float
        Cascade parameter, in (0, 1) (see :func:`binomial_cascade`).

    Returns
    -------
    alpha, f : ndarray, shape (n_q,)
        The spectrum.

    Raises
    ------
    ValueError
        Bad ``q`` or ``p`` outside (0, 1).
    """
    qa = _check_q(q)
    if not (0 < p < 1):
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    a, b = p**qa, (1 - p) ** qa
    alpha = -(a * np.log2(p) + b * np.log2(1 - p)) / (a + b)
    return alpha, qa * alpha - binomial_tau(qa, p)
