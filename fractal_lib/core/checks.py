"""Input validation and limit reporting shared by every estimator.

Two rules of the library live here, so that every module applies them the same way:

* **Degenerate input gets a clear ``ValueError``** naming the parameter and the reason
  (:func:`as_float_array` for empty, too short, non-finite or constant input).
* **Limits are reported, never hidden.** An estimator that did not converge, hit a
  bound, lost precision or fell back to another rule records that in its result (fields
  such as ``converged``, ``at_bound``, ``n_used``) *and* calls :func:`warn_limit` once
  per call, which issues one :class:`EstimatorWarning`. Callers that handle the
  condition themselves silence it with ``warnings.catch_warnings`` /
  ``warnings.simplefilter("ignore", EstimatorWarning)`` and read the flag.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["EstimatorWarning", "as_float_array", "check_int", "warn_limit"]


class EstimatorWarning(UserWarning):
    """An estimate was returned, but it did not converge, hit a bound, lost precision or
    fell back to another rule; the result object says which."""


def warn_limit(message: str, *, stacklevel: int = 3) -> None:
    """Issue one :class:`EstimatorWarning` (once per estimator call, never in a loop).

    Parameters
    ----------
    message : str
        What happened and which field of the result records it.
    stacklevel : int
        Passed to :func:`warnings.warn`; the default points at the caller of the
        estimator.
    """
    warnings.warn(message, EstimatorWarning, stacklevel=stacklevel)


def check_int(value: object, name: str, lo: int, hi: int | None = None) -> int:
    """``value`` as an int, if it is an integer (not a bool) in ``[lo, hi]``.

    Parameters
    ----------
    value : object
        The argument to check (Python or NumPy integer).
    name : str
        The parameter's name, for the message.
    lo : int
        Smallest allowed value.
    hi : int, optional
        Largest allowed value (none if None).

    Returns
    -------
    int
        ``int(value)``.

    Raises
    ------
    ValueError
        ``value`` is a bool, not an integer, or out of range; the message names
        ``name``.
    """
    bound = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
    ok = not isinstance(value, bool) and isinstance(value, int | np.integer)
    if not ok or value < lo or (hi is not None and value > hi):
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return int(value)


def as_float_array(
    x: object,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    min_size: int = 1,
    finite: str = "all",
    nonconstant: bool = False,
    axis: int | None = None,
) -> np.ndarray:
    """``x`` as a float64 array, or a ``ValueError`` that names ``name`` and the reason.

    Parameters
    ----------
    x : array_like
        The input.
    name : str
        Parameter name used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    min_size : int
        Minimum number of samples (along ``axis`` when given, else in total).
    finite : {"all", "any", "none"}
        ``"all"``: every value must be finite; ``"any"``: at least ``min_size`` finite
        values (NaN marks missing samples); ``"none"``: no check.
    nonconstant : bool
        Reject input whose finite values are all equal (zero variance).
    axis : int, optional
        Axis along which ``min_size`` counts samples.

    Returns
    -------
    numpy.ndarray
        float64 view or copy of ``x``.

    Raises
    ------
    ValueError
        Empty, wrong number of dimensions, too few samples, non-finite values or
        constant input.
    """
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric: {err}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            raise ValueError(
                f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                f"got shape {a.shape}"
            )
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    n = a.shape[axis] if axis is not None else a.size
    if n < min_size:
        raise ValueError(
            f"{name} is too short: {n} samples, at least {min_size} needed"
        )
    ok = np.isfinite(a)
    if finite == "all" and not ok.all():
        bad = "all-NaN" if not ok.any() else f"{int((~ok).sum())} non-finite value(s)"
        raise ValueError(f"{name} must be finite, got {bad}")
    if finite == "any":
        if not ok.any():
            raise ValueError(f"{name} is all-NaN (no finite value)")
        if int(ok.sum()) < min_size:
            raise ValueError(
                f"{name} has {int(ok.sum())} finite samples, at least {min_size} needed"
            )
    if nonconstant:
        v = a[ok] if finite != "none" else a
        if v.size and np.ptp(v) == 0:
            raise ValueError(f"{name} is constant (zero variance): nothing to estimate")
    return a
