"""Where fractal_lib's compiled numba kernels are cached (private).

Every kernel module imports :func:`njit` from here instead of from numba. With
``cache=True`` numba writes compiled kernels next to the source (the ``__pycache__``
folders of ``fractal_lib/boundaries`` and ``fractal_lib/surfaces``); when that folder is
not writable it uses ``NUMBA_CACHE_DIR`` if set, else its user-wide folder
(``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``). When none of these is writable (a
package installed read-only in a container whose home folder is read-only too), numba
raises ``RuntimeError: cannot cache function ...: no locator available`` at import. Then
:func:`njit`

1. caches the kernel in ``numba/`` under fractal_lib's own cache folder
   (:func:`fractal_lib.core.config.cache_dir`: ``FRACTAL_CACHE_DIR`` if set), if that is
   writable;
2. otherwise compiles it in memory only (every new process compiles again), and says so
   with one :class:`KernelCacheWarning` per process.

A user's ``NUMBA_CACHE_DIR`` is never overridden: numba tries it first, and the fallback
above only applies to fractal_lib's kernels.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numba

__all__ = ["KernelCacheWarning", "njit", "kernel_cache_status"]

_NO_LOCATOR = "no locator available"
_warned = False
# "numba" (numba's own folders), "fractal_lib" (the fallback folder) or "memory" (no
# cache), per file.
_status: dict[str, str] = {}


class KernelCacheWarning(UserWarning):
    """Compiled numba kernels cannot be cached on disk: each process recompiles them."""


def kernel_cache_status() -> dict[str, str]:
    """Where the kernels compiled so far are cached, by source file.

    Returns
    -------
    dict of str to str
        ``"numba"`` (numba's own folders: ``__pycache__``, ``NUMBA_CACHE_DIR`` or the
        user-wide folder), ``"fractal_lib"`` (``numba/`` under
        :func:`fractal_lib.core.config.cache_dir`) or ``"memory"`` (not cached).
    """
    return dict(_status)


def _fallback_dir() -> str:
    from .core.config import cache_dir

    return str(cache_dir() / "numba")


def _compile(func: Callable[..., Any], options: dict[str, Any]) -> Any:
    """Decorate ``func`` with ``numba.njit(**options)``, with the module's fallbacks."""
    name = func.__code__.co_filename
    if not options.get("cache"):
        return numba.njit(**options)(func)
    try:
        dispatcher = numba.njit(**options)(func)
        _status.setdefault(name, "numba")
        return dispatcher
    except RuntimeError as exc:
        if _NO_LOCATOR not in str(exc):
            raise
    # numba's UserProvidedCacheLocator reads config.CACHE_DIR when the dispatcher is
    # created and keeps the path, so setting it for this one decoration affects no other
    # function.
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = _fallback_dir()
    try:
        dispatcher = numba.njit(**options)(func)
        _status[name] = "fractal_lib"
        return dispatcher
    except RuntimeError as exc:
        if _NO_LOCATOR not in str(exc):
            raise
    finally:
        numba.config.CACHE_DIR = previous
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            "fractal_lib: no writable folder for numba's compiled kernels (the package "
            "folder, "
            "NUMBA_CACHE_DIR, ~/.cache/numba and FRACTAL_CACHE_DIR/numba are read-only "
            "or unset); "
            "kernels are compiled in memory, again in every new process. Set "
            "NUMBA_CACHE_DIR or "
            "FRACTAL_CACHE_DIR to a writable folder to keep them.",
            KernelCacheWarning,
            stacklevel=3,
        )
    _status[name] = "memory"
    return numba.njit(**{**options, "cache": False})(func)


def njit(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``numba.njit`` that never fails for want of a writable cache folder.

    Parameters
    ----------
    func : callable, optional
        The function to compile, when used as a bare ``@njit``.
    **options
        Passed to :func:`numba.njit` (``cache``, ``parallel``, ``nogil``, ...).

    Returns
    -------
    numba dispatcher, or a decorator returning one
        As :func:`numba.njit`.
    """
    if func is not None:
        return _compile(func, options)
    return lambda f: _compile(f, options)
