"""The chunk runner behind every grid computation of the library.

Both kinds of grid (1-D learning-rate sweeps, 2-D network planes) compute the missing
chunks of a cached result here: in this process, on a ``concurrent.futures`` executor or
on a ``dask.distributed`` cluster.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from tqdm import tqdm

from .cache import warn_damaged
from .config import progress_enabled

__all__ = ["ChunkSpec", "read_chunk", "resolve_executor", "run_chunks"]

ChunkSpec = Mapping[str, tuple[tuple[int, ...] | None, str]]
"""What a chunk ``[start, stop)`` must hold: ``{name: (trailing_shape, dtype_kinds)}``.

An array with a trailing shape has shape ``(stop - start, *trailing_shape)``; ``None``
means a scalar (0-d) array. ``dtype_kinds`` lists the accepted ``numpy.dtype.kind``
letters (e.g. ``"b"``, ``"f"``, ``"iu"``)."""


def read_chunk(store: Any, bounds: tuple[int, int], spec: ChunkSpec) -> dict | None:
    """The stored chunk ``bounds`` if it is whole and fits ``spec``, else None.

    The one reader of chunks for every grid computation of the library: a chunk that is
    unreadable, lacks an array of ``spec``, has arrays of another length than
    ``stop - start`` (or another trailing shape or dtype), or was written by another
    computation (the store's fingerprint, checked by
    :meth:`~fractal_lib.core.cache.ChunkStore.get`) counts as damaged: one
    :class:`~fractal_lib.core.cache.CacheWarning`, and the caller recomputes and
    rewrites it.

    Parameters
    ----------
    store : ChunkStore
        The store of the computation (anything with ``get(start, stop, keys=...)``).
    bounds : tuple of int
        ``(start, stop)`` of the chunk.
    spec : ChunkSpec
        The arrays the chunk must hold, with their trailing shapes and dtype kinds.

    Returns
    -------
    dict of str to ndarray or None
        The chunk's arrays, or None if it is absent or damaged.
    """
    start, stop = bounds
    hit = store.get(start, stop, keys=list(spec))
    if hit is None:
        return None
    for name, (trailing, kinds) in spec.items():
        a = np.asarray(hit[name])
        want = () if trailing is None else (stop - start, *trailing)
        if a.shape != want or a.dtype.kind not in kinds:
            warn_damaged(
                f"damaged cache entry treated as missing and recomputed: chunk "
                f"[{start}, {stop}) of {getattr(store, 'folder', store)} has {name!r} "
                "of "
                f"shape {a.shape} and dtype {a.dtype}, expected shape {want} and dtype "
                f"kind {kinds!r}"
            )
            return None
    return hit


def resolve_executor(executor: Any) -> cf.Executor | None:
    """A ``concurrent.futures`` executor from None, an executor or a dask client.

    Every sweep of the library accepts the same ``executor`` argument through this
    function: a ``dask.distributed`` client is turned into its ``get_executor()``, so
    work fans out over the cluster.

    Parameters
    ----------
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Where to run.

    Returns
    -------
    concurrent.futures.Executor or None
        None (run in this process), the executor itself, or the client's executor.

    Raises
    ------
    TypeError
        For anything else.
    """
    if executor is None or isinstance(executor, cf.Executor):
        return executor
    if hasattr(executor, "get_executor"):  # a dask.distributed Client
        return executor.get_executor()
    raise TypeError(
        "executor must be None, a concurrent.futures.Executor or a "
        "dask.distributed.Client"
    )


def run_chunks(
    fn: Any,
    todo: list[tuple[int, int]],
    store: Any,
    results: dict,
    args_of: Any,
    *,
    executor: Any = None,
    desc: str = "",
    progress: bool | None = None,
) -> float:
    """Compute the missing chunks of a chunked, cached computation.

    Every grid computation of the library (1-D learning-rate sweeps, 2-D network planes)
    runs through this one loop.

    Parameters
    ----------
    fn : callable
        A module-level function (so that it pickles for a cluster), called as
        ``fn(*args_of(bounds), in_process)``; ``in_process`` is True when it runs in
        this process (it may then use all cores itself) and False on an executor's
        worker. Returns a dict of arrays.
    todo : list of (int, int)
        Bounds of the chunks to compute.
    store : ChunkStore
        Where each result is written as soon as it arrives (so an interrupted run
        resumes).
    results : dict
        Filled in place: ``results[bounds] = fn(...)``.
    args_of : callable
        ``args_of(bounds)`` gives the positional arguments of ``fn`` before
        ``in_process``.
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        ``None`` (this process), an executor or a client (see :func:`resolve_executor`).
    desc : str
        Label of the progress bar.
    progress : bool, optional
        Show a tqdm bar; default: when more than one chunk is to be computed.

    Returns
    -------
    float
        Wall-clock seconds spent (0.0 when ``todo`` is empty).
    """
    t0 = time.perf_counter()
    show = (len(todo) > 1) if progress is None else progress
    bar = tqdm(
        total=len(todo),
        desc=desc,
        unit="chunk",
        disable=not (show and progress_enabled()),
        leave=False,
    )
    ex = resolve_executor(executor)
    try:
        if ex is None:
            for b in todo:
                results[b] = res = fn(*args_of(b), True)
                store.put(*b, res)
                bar.update()
        else:
            futs = {ex.submit(fn, *args_of(b), False): b for b in todo}
            for fut in cf.as_completed(futs):
                b = futs[fut]
                results[b] = res = fut.result()
                store.put(*b, res)
                bar.update()
    finally:
        bar.close()
    return time.perf_counter() - t0 if todo else 0.0
