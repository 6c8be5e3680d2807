"""On-disk result cache: npz arrays plus a json sidecar, keyed by parameters and code version.

* Keys are a hash of the parameters (as canonical json) and of the code version, so a change in
  either gives a new entry instead of a stale result.
* Every write goes to a temporary file in the same folder and is moved into place with
  :func:`os.replace`, so a crash never leaves a half-written entry.
* Long sweeps are stored chunk by chunk (:class:`ChunkStore`); an interrupted sweep resumes from
  the chunks already on disk.
* Nothing is pickled: arrays are read back with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .config import cache_dir

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
    """Deterministic json text for a parameter mapping (sorted keys, exact floats)."""
    return json.dumps(obj, sort_keys=True, default=_jsonable, separators=(",", ":"))


def code_version(*files: str | Path) -> str:
    """Package version plus a hash of the given source files.

    Passing the kernel modules a result depends on makes any edit to them invalidate the cache.
    """
    h = hashlib.sha256(__version__.encode())
    for f in files:
        h.update(Path(f).read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


def make_key(name: str, params: Mapping[str, Any], version: str) -> str:
    """File-system-safe cache key ``<name>-<hash>`` of parameters and code version."""
    digest = hashlib.sha256(canonical_json({"p": params, "v": version}).encode()).hexdigest()
    return f"{name}-{digest[:20]}"


def _atomic_write(path: Path, write: Callable[[Any], None], mode: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_npz(path: str | Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write arrays to ``path`` atomically (uncompressed npz)."""
    _atomic_write(Path(path), lambda fh: np.savez(fh, **arrays), "wb")


def load_npz(path: str | Path) -> Arrays:
    """Read an npz written by :func:`save_npz` (never unpickles)."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def save_json(path: str | Path, obj: Any) -> None:
    """Write json atomically."""
    text = json.dumps(obj, sort_keys=True, indent=1, default=_jsonable)
    _atomic_write(Path(path), lambda fh: fh.write(text), "w")


class ResultCache:
    """A folder of cached results.

    Parameters
    ----------
    root : path, optional
        Cache folder; defaults to :func:`fractal_lib.config.cache_dir`.
    enabled : bool
        When False nothing is read or written (every call computes).
    """

    def __init__(self, root: str | Path | None = None, *, enabled: bool = True) -> None:
        self.root = Path(root) if root is not None else cache_dir()
        self.enabled = enabled

    def path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def get(self, key: str) -> Arrays | None:
        """Arrays stored under ``key``, or None."""
        p = self.path(key)
        if not self.enabled or not p.is_file():
            return None
        return load_npz(p)

    def put(self, key: str, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
        """Store arrays and a json sidecar describing them."""
        if not self.enabled:
            return
        save_npz(self.path(key), arrays)
        save_json(self.root / f"{key}.json", dict(meta))

    def cached(
        self,
        name: str,
        params: Mapping[str, Any],
        version: str,
        compute: Callable[[], Arrays],
    ) -> Arrays:
        """Return the stored result for ``(name, params, version)``, computing it if absent."""
        key = make_key(name, params, version)
        hit = self.get(key)
        if hit is not None:
            return hit
        arrays = compute()
        self.put(key, arrays, {"name": name, "params": params, "version": version})
        return arrays

    def chunks(self, name: str, params: Mapping[str, Any], version: str) -> ChunkStore:
        """A :class:`ChunkStore` for a resumable, chunked computation."""
        key = make_key(name, params, version)
        return ChunkStore(self.root / key, enabled=self.enabled,
                          meta={"name": name, "params": params, "version": version})


class ChunkStore:
    """Per-chunk storage of one long computation, so it can resume after an interruption."""

    def __init__(self, folder: Path, *, enabled: bool = True, meta: Mapping[str, Any] | None = None):
        self.folder = folder
        self.enabled = enabled
        if enabled and meta is not None and not (folder / "meta.json").is_file():
            save_json(folder / "meta.json", dict(meta))

    def _p(self, start: int, stop: int) -> Path:
        return self.folder / f"chunk-{start:012d}-{stop:012d}.npz"

    def get(self, start: int, stop: int) -> Arrays | None:
        p = self._p(start, stop)
        if not self.enabled or not p.is_file():
            return None
        return load_npz(p)

    def put(self, start: int, stop: int, arrays: Mapping[str, np.ndarray]) -> None:
        if self.enabled:
            save_npz(self._p(start, stop), arrays)

    def n_stored(self) -> int:
        return len(list(self.folder.glob("chunk-*.npz"))) if self.folder.is_dir() else 0


_default: ResultCache | None = None


def default_cache() -> ResultCache:
    """The process-wide cache at :func:`fractal_lib.config.cache_dir` (re-read if it changed)."""
    global _default
    if _default is None or _default.root != cache_dir():
        _default = ResultCache()
    return _default
