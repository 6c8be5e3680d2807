"""The book's scale switch and the on-disk cache location, read in one place.

``FRACTAL_SCALE`` selects how much work every chapter does:

``smoke``
    seconds per chapter; what CI executes.
``book``
    what the published book shows (minutes on a 2-core laptop).
``paper``
    the papers' own sizes (hours; meant for a cluster or a GPU).

Grids nest: a smaller scale's learning-rate grid is an exact subset of a larger one, so
a ``smoke`` number can be compared point for point with a ``book`` or ``paper`` number.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, TypeVar

#: The name of a scale.
Scale = Literal["smoke", "book", "paper"]
#: Every scale, smallest first.
SCALES: tuple[Scale, ...] = ("smoke", "book", "paper")
#: The scale when ``FRACTAL_SCALE`` is not set.
DEFAULT_SCALE: Scale = "book"

_T = TypeVar("_T")


def get_scale() -> Scale:
    """Return the scale this process runs at, from the ``FRACTAL_SCALE`` variable.

    Returns
    -------
    str
        One of ``"smoke"``, ``"book"`` (the default) or ``"paper"``.

    Raises
    ------
    ValueError
        If ``FRACTAL_SCALE`` is set to anything else.
    """
    value = (
        os.environ.get("FRACTAL_SCALE", DEFAULT_SCALE).strip().lower() or DEFAULT_SCALE
    )
    if value not in SCALES:
        raise ValueError(f"FRACTAL_SCALE must be one of {SCALES}, got {value!r}")
    return value  # type: ignore[return-value]


#: How the chapters' explorers are built: redrawn by a kernel, or precomputed frames.
ExplorerMode = Literal["live", "static"]
#: Every explorer mode, the default first.
EXPLORER_MODES: tuple[ExplorerMode, ...] = ("live", "static")


def get_explorer_mode() -> ExplorerMode:
    """Return how this process builds explorers, from ``FRACTAL_EXPLORERS``.

    ``live`` (the default, JupyterLab) redraws the figure in the kernel on every change;
    ``static`` (set by the Makefile's book targets) renders the figure over a small grid
    of settings into PNG frames that the page switches between without a kernel
    (:func:`fractal_lib.core.explorer.static_explorer`).

    Returns
    -------
    str
        ``"live"`` or ``"static"``.

    Raises
    ------
    ValueError
        If ``FRACTAL_EXPLORERS`` is set to anything else.
    """
    value = os.environ.get("FRACTAL_EXPLORERS", "").strip().lower() or "live"
    if value not in EXPLORER_MODES:
        raise ValueError(
            f"FRACTAL_EXPLORERS must be one of {EXPLORER_MODES}, got {value!r}"
        )
    return value  # type: ignore[return-value]


def by_scale(smoke: _T, book: _T, paper: _T, *, scale: Scale | None = None) -> _T:
    """Pick the value for the current (or the given) scale.

    Parameters
    ----------
    smoke, book, paper : object
        The value to use at each scale.
    scale : {"smoke", "book", "paper"}, optional
        Override the scale read from ``FRACTAL_SCALE``.

    Returns
    -------
    object
        The one of ``smoke``, ``book``, ``paper`` that belongs to the scale.

    Raises
    ------
    ValueError
        If the scale is not one of :data:`SCALES`.
    """
    s = get_scale() if scale is None else scale
    if s not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {s!r}")
    return {"smoke": smoke, "book": book, "paper": paper}[s]


def _source_root() -> Path | None:
    """The repository root when fractal_lib runs from a source checkout, else None."""
    root = (
        Path(__file__).resolve().parents[2]
    )  # fractal_lib/core/config.py -> repository
    return (
        root
        if (root / "pyproject.toml").is_file() and (root / "_config.yml").is_file()
        else None
    )


def cache_dir() -> Path:
    """Directory of the on-disk result cache.

    ``FRACTAL_CACHE_DIR`` if set; otherwise ``.fractal_cache/`` at the root of a source
    checkout (git-ignored), or ``$XDG_CACHE_HOME/fractal_lib``
    (``~/.cache/fractal_lib``) for an installed package. A folder that cannot be written
    is not an error: results are then computed without being stored, with one
    :class:`fractal_lib.core.cache.CacheWarning`.

    Returns
    -------
    Path
        The folder (not created here).
    """
    env = os.environ.get("FRACTAL_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    root = _source_root()
    if root is not None:
        return root / ".fractal_cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "fractal_lib"


def progress_enabled() -> bool:
    """Whether long computations show tqdm progress bars.

    Returns
    -------
    bool
        False when ``FRACTAL_PROGRESS`` is ``0``, ``false``, ``no`` or empty; True when
        it is unset or anything else.
    """
    return os.environ.get("FRACTAL_PROGRESS", "1").strip() not in (
        "0",
        "false",
        "no",
        "",
    )
