"""On-disk result cache: npz arrays and a json sidecar, keyed by parameters and code.

* Keys are a hash of the parameters (as canonical json) and of the code version, so a
  change in either gives a new entry instead of a stale result. The code version of a
  computation is derived in one place, :func:`code_version_of`: a hash of the source of
  its module and of every ``fractal_lib`` module that module imports, directly or
  indirectly (imports inside functions included), plus the versions of numpy, scipy,
  numba and torch where those are imported.
* Every write goes to a temporary file in the same folder, is flushed to disk and moved
  into place with :func:`os.replace` (then the folder is synced), so a crash or a
  ``kill -9`` never leaves a half-written entry, and everything written before it stays
  usable. Temporary files a crash leaves behind are ignored, and removed once they are
  an hour old.
* Every npz records the names, dtypes and shapes of its arrays; a reader checks them. An
  entry that cannot be read back whole (truncated, empty, wrong arrays, unreadable or
  missing sidecar) is treated as missing: it is recomputed and rewritten, with one
  :class:`CacheWarning`.
* Long sweeps are stored chunk by chunk (:class:`ChunkStore`); an interrupted sweep
  resumes from the chunks already on disk.
* Nothing is pickled: arrays are read back with ``allow_pickle=False``.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import tempfile
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .._version import __version__
from .config import cache_dir

#: A cache entry: array name -> array.
Arrays = dict[str, np.ndarray]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "_asdict"):
        return obj._asdict()
    if hasattr(obj, "__dataclass_fields__"):
        return {k: getattr(obj, k) for k in obj.__dataclass_fields__}
    raise TypeError(f"cannot put {type(obj).__name__} into a cache key")


def canonical_json(obj: Any) -> str:
    """Deterministic json text for a parameter mapping (sorted keys, exact floats).

    Parameters
    ----------
    obj : object
        Json-able data; numpy scalars and arrays, paths, named tuples and dataclasses
        are converted (arrays to lists, dataclasses and named tuples to dicts).

    Returns
    -------
    str
        Compact json with sorted keys; floats are written with ``repr`` precision.

    Raises
    ------
    TypeError
        For an object that cannot be converted.
    """
    return json.dumps(obj, sort_keys=True, default=_jsonable, separators=(",", ":"))


def code_version(*files: str | Path) -> str:
    """Package version plus a hash of the given source files (low level).

    The library's cache keys use :func:`code_version_of` instead, which finds the files
    itself.

    Parameters
    ----------
    *files : str or Path
        Source files whose bytes enter the hash, in order.

    Returns
    -------
    str
        ``"<package version>+<12 hex digits>"``.
    """
    h = hashlib.sha256(__version__.encode())
    for f in files:
        h.update(Path(f).read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


TRACKED_LIBRARIES = ("numpy", "scipy", "numba", "torch", "pymittagleffler")
"""Third-party libraries whose installed version is part of a code version when a module
of the closure imports them (import name = distribution name for all of them)."""


def _module_file(base: Path, name: str) -> Path | None:
    """Source file of module ``name`` under the folder ``base`` (None if none)."""
    p = base.joinpath(*name.split("."))
    if (p / "__init__.py").is_file():
        return p / "__init__.py"
    f = p.parent / f"{p.name}.py"
    return f if f.is_file() else None


@functools.lru_cache(maxsize=1024)
def _parse_imports(
    path: str, mtime_ns: int, size: int, name: str, is_pkg: bool
) -> tuple[bytes, tuple[str, ...], tuple[str, ...]]:
    """Source of one module and the imports in it, at any depth (inside functions too).

    Returns the source bytes, the absolute names of the modules it may import
    (``from a import b`` gives ``a`` and ``a.b``; the caller keeps those that are
    modules) and the top-level names of absolute imports. ``mtime_ns`` and ``size`` only
    key the memo, so an edited file is re-read.
    """
    src = Path(path).read_bytes()
    tree = ast.parse(src, filename=path)
    package = name if is_pkg else name.rpartition(".")[0]
    internal: list[str] = []
    external: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                internal += [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
                external.add(parts[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                up = package.split(".") if package else []
                up = up[: len(up) - (node.level - 1)] if node.level > 1 else up
                mod = ".".join(up + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
                external.add(mod.split(".")[0])
            parts = mod.split(".")
            internal += [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
            internal += [
                f"{mod}.{alias.name}" for alias in node.names if alias.name != "*"
            ]
    return src, tuple(internal), tuple(sorted(external))


def _locate(obj: Any) -> tuple[Path, str]:
    """``(base folder, dotted module name)`` of a module, object, name or file."""
    if isinstance(obj, str) and not obj.endswith(".py"):
        f = _module_file(Path(__file__).resolve().parents[2], obj)
        if f is None:
            raise ValueError(
                f"no module {obj!r} in {Path(__file__).resolve().parents[2]}"
            )
    elif isinstance(obj, str | Path):
        f = Path(obj)
    elif isinstance(obj, ModuleType):
        f = Path(obj.__file__ or "")
    elif hasattr(obj, "__module__"):
        import sys

        f = Path(sys.modules[obj.__module__].__file__ or "")
    else:
        raise TypeError(
            f"need a module, function, class, module name or .py file, got {obj!r}"
        )
    f = f.resolve()
    if not f.is_file() or f.suffix != ".py":
        raise ValueError(f"no Python source file for {obj!r} ({f})")
    parts = [] if f.name == "__init__.py" else [f.stem]
    d = f.parent
    while (d / "__init__.py").is_file():
        parts.insert(0, d.name)
        d = d.parent
    return d, ".".join(parts)


def code_dependencies(obj: Any) -> tuple[dict[str, Path], dict[str, str]]:
    """The package modules a module depends on, and the tracked libraries it imports.

    Parameters
    ----------
    obj : module, function, class, str or Path
        A module (or something defined in one), a dotted module name of this package, or
        the path of a ``.py`` file inside a package (any copy of it).

    Returns
    -------
    modules : dict
        Dotted name -> source file, for the module itself and every module of its
        package it imports, transitively: ``import p.x``, ``from . import x``,
        ``from .x import y`` (and ``p/x/y.py`` when ``x`` is a sub-package),
        ``from .. import x``, at module level or inside functions, plus the parent
        packages (their ``__init__`` runs on import). Imports by computed name
        (:func:`importlib.import_module`) are not seen.
    libraries : dict
        Name -> installed version for each of :data:`TRACKED_LIBRARIES` imported
        anywhere in ``modules`` (``"absent"`` if not installed). Read with
        :mod:`importlib.metadata`, so nothing is imported.
    """
    base, name = _locate(obj)
    top = name.split(".")[0]
    modules: dict[str, Path] = {}
    external: set[str] = set()
    todo = [name]
    while todo:
        m = todo.pop()
        if m in modules:
            continue
        f = _module_file(base, m)
        if f is None:
            continue
        modules[m] = f
        st = f.stat()
        _, internal, ext = _parse_imports(
            str(f), st.st_mtime_ns, st.st_size, m, f.name == "__init__.py"
        )
        external.update(ext)
        todo += [c for c in internal if c.split(".")[0] == top and c not in modules]
        if "." in m:
            todo.append(m.rpartition(".")[0])
    libraries = {}
    for lib in TRACKED_LIBRARIES:
        if lib in external:
            try:
                libraries[lib] = metadata.version(lib)
            except metadata.PackageNotFoundError:
                libraries[lib] = "absent"
    return dict(sorted(modules.items())), libraries


def library_version() -> str:
    """The code version of the whole library: its version and a hash of every source
    file of ``fractal_lib`` (see :func:`code_version`).

    Returns
    -------
    str
        ``"<package version>+<12 hex digits>"``.
    """
    package = Path(__file__).resolve().parents[1]
    files = sorted(
        p
        for p in package.rglob("*")
        if p.suffix in (".py", ".mplstyle") and p.is_file()
    )
    return code_version(*files)


def code_version_of(obj: Any) -> str:
    """Code version of the results computed by a module (where cache keys come from).

    A hash of the source of the module and of every module of the package it imports,
    directly or indirectly (see :func:`code_dependencies`), plus the installed versions
    of numpy, scipy, numba, torch and pymittagleffler where those modules import them.
    Editing any of those files, or upgrading one of those libraries, changes the
    version, hence every key built from it. Module names, not paths, enter the hash, so
    an unchanged copy of the package elsewhere gives the same version.

    Parameters
    ----------
    obj : module, function, class, str or Path
        As in :func:`code_dependencies`; call sites pass ``__name__``.

    Returns
    -------
    str
        ``"src-<16 hex>"`` followed by ``" <library>=<version>"`` for each tracked
        library.
    """
    modules, libraries = code_dependencies(obj)
    h = hashlib.sha256()
    for m, f in modules.items():
        st = f.stat()
        src = _parse_imports(
            str(f), st.st_mtime_ns, st.st_size, m, f.name == "__init__.py"
        )[0]
        h.update(m.encode() + b"\0" + hashlib.sha256(src).digest())
    return f"src-{h.hexdigest()[:16]}" + "".join(
        f" {k}={v}" for k, v in sorted(libraries.items())
    )


def make_key(name: str, params: Mapping[str, Any], version: str) -> str:
    """File-system-safe cache key ``<name>-<hash>`` of parameters and code version.

    Parameters
    ----------
    name : str
        Readable prefix of the key (the computation's name).
    params : mapping
        The parameters of the computation, json-able as in :func:`canonical_json`.
    version : str
        Its code version (:func:`code_version_of`).

    Returns
    -------
    str
        ``"<name>-<20 hex digits of the SHA-256 of params and version>"``.
    """
    digest = hashlib.sha256(
        canonical_json({"p": params, "v": version}).encode()
    ).hexdigest()
    return f"{name}-{digest[:20]}"


class CacheWarning(UserWarning):
    """A cache entry cannot be read back whole, or the cache folder cannot be written.

    A damaged entry is recomputed (one warning per entry); an unwritable folder gives
    one warning per folder, and results are computed but not stored.
    """


_unwritable: set[str] = set()


def _store_failed(folder: Path, err: OSError) -> None:
    """Record that ``folder`` cannot be written and warn once per folder and process."""
    key = str(folder)
    if key not in _unwritable:
        _unwritable.add(key)
        warnings.warn(
            f"cache folder {folder} cannot be written ({err.strerror or err}): results "
            "are "
            "computed but not stored; set FRACTAL_CACHE_DIR to a writable folder",
            CacheWarning,
            stacklevel=4,
        )


class CacheEntryError(ValueError):
    """An npz file that cannot be read back whole, or not with the arrays recorded."""


LAYOUT_KEY = "__layout__"
"""Member of every npz written by :func:`save_npz` that records its arrays' layout."""

STALE_TMP_SECONDS = 3600.0
"""Temporary files older than this are leftovers of a crash and are removed."""


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; no-op where folders cannot open)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_mode() -> int:
    """Permissions of a new file under the process umask (``mkstemp`` alone gives 0600,
    which would make a cache folder shared between users unreadable to the others)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def _atomic_write(path: Path, write: Callable[[Any], None], mode: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, mode) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def clean_stale_tmp(folder: str | Path, max_age_s: float = STALE_TMP_SECONDS) -> int:
    """Remove the temporary files (``.*.tmp``) a crash left in ``folder``.

    Only files not modified for ``max_age_s`` seconds go: a write in progress in another
    process keeps its file fresh. Readers never look at these files in any case.

    Parameters
    ----------
    folder : str or Path
        The folder to clean (a missing folder is not an error).
    max_age_s : float
        Minimum age, in seconds since the last modification, of a file to remove.

    Returns
    -------
    int
        How many files were removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    now, n = time.time(), 0
    for f in folder.glob(".*.tmp"):
        try:
            if now - f.stat().st_mtime > max_age_s:
                f.unlink()
                n += 1
        except OSError:
            pass
    return n


def layout(arrays: Mapping[str, np.ndarray]) -> dict[str, list]:
    """The layout of a mapping of arrays, as :func:`save_npz` records it.

    Parameters
    ----------
    arrays : mapping of str to array_like
        The arrays.

    Returns
    -------
    dict
        ``{name: [dtype string, shape as a list]}``, sorted by name.
    """
    return {
        k: [np.asarray(v).dtype.str, list(np.shape(v))]
        for k, v in sorted(arrays.items())
    }


def _prepare(arrays: Mapping[str, np.ndarray]) -> tuple[Arrays, dict[str, list]]:
    out = {str(k): np.asarray(v) for k, v in arrays.items()}
    if LAYOUT_KEY in out:
        raise ValueError(f"{LAYOUT_KEY!r} is reserved")
    bad = [k for k, v in out.items() if v.dtype.hasobject]
    if bad:
        raise ValueError(f"object arrays cannot be cached without pickling: {bad}")
    return out, layout(out)


def save_npz(path: str | Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write arrays to ``path`` atomically (uncompressed npz), with their layout.

    Parameters
    ----------
    path : str or Path
        The file to write (its folder is created if needed).
    arrays : mapping of str to ndarray
        The arrays to store, by name.

    Raises
    ------
    ValueError
        For object arrays (they would need pickling) or an array named
        :data:`LAYOUT_KEY`.
    """
    out, lay = _prepare(arrays)
    out[LAYOUT_KEY] = np.array(json.dumps(lay, sort_keys=True))
    _atomic_write(Path(path), lambda fh: np.savez(fh, **out), "wb")


def load_npz(
    path: str | Path,
    *,
    keys: Collection[str] | None = None,
    require_layout: bool = False,
) -> Arrays:
    """Read an npz written by :func:`save_npz` whole (never unpickles) and check it.

    Parameters
    ----------
    path : str or Path
        The npz file.
    keys : collection of str, optional
        Arrays that must be present.
    require_layout : bool
        Refuse a file without the layout record of :func:`save_npz` (the cache's readers
        do).

    Returns
    -------
    dict of str to ndarray
        Every array of the file by name, the layout record removed.

    Raises
    ------
    FileNotFoundError
        If there is no file.
    CacheEntryError
        If the file is not a readable npz (empty, truncated, corrupt, pickled data), or
        its arrays differ from its layout record or lack one of ``keys``.
    """
    try:
        with open(path, "rb") as fh:  # ours to close, also when numpy fails half-way
            data = np.load(fh, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("not an npz archive")
            with data:
                out = {
                    k: data[k] for k in data.files
                }  # reads every byte: a bad CRC raises here
    except FileNotFoundError:
        raise
    except (
        OSError,
        EOFError,
        ValueError,
        KeyError,
        NotImplementedError,
        zipfile.BadZipFile,
        zlib.error,
    ) as e:
        raise CacheEntryError(
            f"{path} cannot be read back ({type(e).__name__}: {e})"
        ) from e
    rec = out.pop(LAYOUT_KEY, None)
    if rec is not None:
        try:
            recorded = json.loads(str(rec[()]))
        except (ValueError, TypeError, IndexError) as e:
            raise CacheEntryError(f"{path}: unreadable layout record") from e
        if recorded != layout(out):
            raise CacheEntryError(
                f"{path}: arrays {layout(out)} differ from the recorded layout "
                f"{recorded}"
            )
    elif require_layout:
        raise CacheEntryError(
            f"{path} has no layout record (not written by "
            "fractal_lib.core.cache.save_npz)"
        )
    missing = sorted(set(keys or ()) - set(out))
    if missing:
        raise CacheEntryError(f"{path} lacks the arrays {missing}")
    return out


def warn_damaged(message: str) -> None:
    """Issue the :class:`CacheWarning` for one damaged entry.

    Parameters
    ----------
    message : str
        What is damaged, and that it is recomputed.
    """
    warnings.warn(message, CacheWarning, stacklevel=3)


def read_npz_or_none(
    path: str | Path, *, keys: Collection[str] | None = None
) -> Arrays | None:
    """The arrays of a cache file, or None if it is missing or damaged.

    A damaged file is anything :func:`load_npz` (with ``require_layout=True``) refuses,
    or one that cannot be opened; it gives one :class:`CacheWarning`, and the caller
    recomputes it and overwrites it atomically.

    Parameters
    ----------
    path : str or Path
        The npz file.
    keys : collection of str, optional
        Arrays the caller needs (a file without one of them counts as damaged).

    Returns
    -------
    dict of str to ndarray or None
        The arrays, or None.
    """
    p = Path(path)
    if not p.is_file():
        return None
    try:
        return load_npz(p, keys=keys, require_layout=True)
    except FileNotFoundError:
        return None
    except (CacheEntryError, OSError) as e:
        warn_damaged(f"damaged cache entry treated as missing and recomputed: {e}")
        return None


def save_json(path: str | Path, obj: Any) -> None:
    """Write json atomically.

    Parameters
    ----------
    path : str or Path
        The file to write (its folder is created if needed).
    obj : object
        Json-able data (converted as in :func:`canonical_json`), written with sorted
        keys.
    """
    text = json.dumps(obj, sort_keys=True, indent=1, default=_jsonable)
    _atomic_write(Path(path), lambda fh: fh.write(text), "w")


def read_json_or_none(path: str | Path) -> Any:
    """Parsed json of ``path``, or None if missing or unreadable.

    No warning is issued: the callers decide what a missing file means.

    Parameters
    ----------
    path : str or Path
        The json file.

    Returns
    -------
    object or None
        The parsed content, or None.
    """
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


class ResultCache:
    """A folder of cached results.

    Each entry is ``<key>.npz`` plus a sidecar ``<key>.json`` (name, parameters, code
    version and the layout of the arrays). The sidecar is written first and the npz
    last, so an npz on disk means a finished entry; an entry whose npz or sidecar cannot
    be read, or whose arrays differ from the sidecar, is recomputed with one
    :class:`CacheWarning`.

    Parameters
    ----------
    root : path, optional
        Cache folder; defaults to :func:`fractal_lib.core.config.cache_dir`.
    enabled : bool
        When False nothing is read or written (every call computes).
    """

    def __init__(self, root: str | Path | None = None, *, enabled: bool = True) -> None:
        self.root = Path(root) if root is not None else cache_dir()
        self.enabled = enabled
        if enabled:
            clean_stale_tmp(self.root)

    def path(self, key: str) -> Path:
        """The npz file of the entry ``key``.

        Parameters
        ----------
        key : str
            A key from :func:`make_key`.

        Returns
        -------
        Path
            ``<root>/<key>.npz`` (which may not exist).
        """
        return self.root / f"{key}.npz"

    def get(self, key: str, *, keys: Collection[str] | None = None) -> Arrays | None:
        """Arrays stored under ``key``; None if absent or damaged.

        A damaged entry gives one :class:`CacheWarning`.

        Parameters
        ----------
        key : str
            A key from :func:`make_key`.
        keys : collection of str, optional
            Arrays the caller needs (an entry without one of them counts as damaged).

        Returns
        -------
        dict of str to ndarray or None
            The arrays, or None (always None when the cache is disabled).
        """
        p = self.path(key)
        if not self.enabled or not p.is_file():
            return None
        side = self.root / f"{key}.json"
        meta = read_json_or_none(side)
        if not isinstance(meta, dict) or "arrays" not in meta:
            warn_damaged(
                f"damaged cache entry treated as missing and recomputed: {side} is "
                "missing, "
                "unreadable or has no array layout"
            )
            return None
        arrays = read_npz_or_none(p, keys=keys)
        if arrays is not None and layout(arrays) != meta["arrays"]:
            warn_damaged(
                "damaged cache entry treated as missing and recomputed: the arrays of "
                f"{p} "
                f"differ from those its sidecar {side.name} records"
            )
            return None
        return arrays

    def put(
        self, key: str, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]
    ) -> None:
        """Store arrays and a json sidecar describing them (sidecar first, npz last).

        Nothing is written when the cache is disabled; a folder that cannot be written
        gives one :class:`CacheWarning` and the results are not stored.

        Parameters
        ----------
        key : str
            A key from :func:`make_key`.
        arrays : mapping of str to ndarray
            The result.
        meta : mapping
            Json-able description written to the sidecar (name, parameters, version).
        """
        if not self.enabled or str(self.root) in _unwritable:
            return
        out, lay = _prepare(arrays)
        try:
            save_json(self.root / f"{key}.json", {**dict(meta), "arrays": lay})
            save_npz(self.path(key), out)
        except OSError as err:  # read-only or full disk: compute without storing
            _store_failed(self.root, err)

    def cached(
        self,
        name: str,
        params: Mapping[str, Any],
        version: str,
        compute: Callable[[], Arrays],
    ) -> Arrays:
        """The result for ``(name, params, version)``, computed if absent or damaged.

        Parameters
        ----------
        name : str
            Name of the computation (prefix of the key).
        params : mapping
            Its parameters (json-able).
        version : str
            Its code version (:func:`code_version_of`).
        compute : callable
            ``compute() -> dict of ndarray``, called when nothing usable is stored; its
            result is stored.

        Returns
        -------
        dict of str to ndarray
            The stored or freshly computed arrays.
        """
        key = make_key(name, params, version)
        hit = self.get(key)
        if hit is not None:
            return hit
        arrays = compute()
        self.put(key, arrays, {"name": name, "params": params, "version": version})
        return arrays

    def chunks(self, name: str, params: Mapping[str, Any], version: str) -> ChunkStore:
        """A :class:`ChunkStore` for a resumable, chunked computation.

        Parameters
        ----------
        name : str
            Name of the computation.
        params : mapping
            Its parameters (json-able).
        version : str
            Its code version (:func:`code_version_of`).

        Returns
        -------
        ChunkStore
            The store in the folder ``<root>/<key>``.
        """
        key = make_key(name, params, version)
        return ChunkStore(
            self.root / key,
            enabled=self.enabled,
            meta={"name": name, "params": params, "version": version},
        )


class ChunkStore:
    """Per-chunk storage of one long computation, so it resumes after an interruption.

    Each chunk is one npz, written atomically as soon as it is computed; a chunk that
    cannot be read back whole is treated as missing (recomputed, rewritten, one
    :class:`CacheWarning`).

    Parameters
    ----------
    folder : Path
        The folder of the chunks (usually ``<cache root>/<key>``, from
        :meth:`ResultCache.chunks`).
    enabled : bool
        When False nothing is read or written.
    meta : mapping, optional
        Json-able description written once to ``folder/meta.json``.
    """

    def __init__(
        self,
        folder: Path,
        *,
        enabled: bool = True,
        meta: Mapping[str, Any] | None = None,
    ):
        self.folder = folder
        self.enabled = enabled
        if enabled:
            clean_stale_tmp(folder)
            if meta is not None and not isinstance(
                read_json_or_none(folder / "meta.json"), dict
            ):
                self._write(
                    lambda: save_json(folder / "meta.json", dict(meta))
                )  # (re)write it

    def _write(self, write: Callable[[], None]) -> None:
        root = (
            self.folder.parent
        )  # the cache folder: one warning for all its chunk stores
        if str(root) in _unwritable:
            return
        try:
            write()
        except OSError as err:  # read-only or full disk: compute without storing
            _store_failed(root, err)

    def _p(self, start: int, stop: int) -> Path:
        return self.folder / f"chunk-{start:012d}-{stop:012d}.npz"

    FINGERPRINT = "__store__"
    """Member of every chunk that records the store (its folder name, the cache key) and
    the chunk's bounds, so a chunk copied from another computation or position is not
    used."""

    def _fingerprint(self, start: int, stop: int) -> str:
        return f"{self.folder.name}:{int(start)}:{int(stop)}"

    def has(self, start: int, stop: int) -> bool:
        """Whether a file (whole or not) exists for the chunk ``[start, stop)``.

        Parameters
        ----------
        start, stop : int
            Bounds of the chunk (indices of the flattened computation).

        Returns
        -------
        bool
            True if the file exists (always False when disabled).
        """
        return self.enabled and self._p(start, stop).is_file()

    def get(
        self, start: int, stop: int, *, keys: Collection[str] | None = None
    ) -> Arrays | None:
        """The chunk ``[start, stop)``, or None if absent or damaged (then one warning).

        Damaged: unreadable, without one of ``keys``, or without this store's
        fingerprint for these bounds (a chunk of another computation). Shapes are
        checked by :func:`fractal_lib.core.executors.read_chunk`, the reader the
        library's sweeps use.

        Parameters
        ----------
        start, stop : int
            Bounds of the chunk.
        keys : collection of str, optional
            Arrays the caller needs.

        Returns
        -------
        dict of str to ndarray or None
            The chunk's arrays (fingerprint removed), or None.
        """
        if not self.enabled:
            return None
        p = self._p(start, stop)
        out = read_npz_or_none(p, keys=keys)
        if out is None:
            return None
        fp = out.pop(self.FINGERPRINT, None)
        want = self._fingerprint(start, stop)
        got = (
            str(fp[()])
            if fp is not None and fp.ndim == 0 and fp.dtype.kind == "U"
            else None
        )
        if got != want:
            warn_damaged(
                f"damaged cache entry treated as missing and recomputed: {p} belongs "
                "to "
                f"{got or 'no recorded computation'}, not {want}"
            )
            return None
        return out

    def put(self, start: int, stop: int, arrays: Mapping[str, np.ndarray]) -> None:
        """Store the chunk ``[start, stop)`` atomically, with this store's fingerprint.

        Parameters
        ----------
        start, stop : int
            Bounds of the chunk.
        arrays : mapping of str to ndarray
            The chunk's results.
        """
        if self.enabled:
            rec = {**arrays, self.FINGERPRINT: np.array(self._fingerprint(start, stop))}
            self._write(lambda: save_npz(self._p(start, stop), rec))

    def n_stored(self) -> int:
        """The number of chunk files in the folder (whole or not).

        Returns
        -------
        int
            How many ``chunk-*.npz`` files exist.
        """
        return len(list(self.folder.glob("chunk-*.npz"))) if self.folder.is_dir() else 0


_default: ResultCache | None = None


def default_cache() -> ResultCache:
    """The process-wide cache at :func:`fractal_lib.core.config.cache_dir`.

    Returns
    -------
    ResultCache
        One cache per process, replaced when the cache folder setting has changed.
    """
    global _default
    if _default is None or _default.root != cache_dir():
        _default = ResultCache()
    return _default
