"""Issue 12, cases 2 and 3: damaged cache entries are recomputed (one CacheWarning
each), a kill -9 loses nothing already written, and cache keys follow every fractal_lib
module a result depends on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

import fractal_lib
from fractal_lib.boundaries import landscapes as L
from fractal_lib.boundaries import trainability as T
from fractal_lib.core import cache as C

PKG = Path(fractal_lib.__file__).resolve().parent
REPO = PKG.parent


# --------------------------------------------------------------------------- helpers
def _damage(path: Path, how: str) -> None:
    """Damage one file the ways disks, crashes and people do."""
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "bitflip":  # inside the first array's data: only the zip CRC can tell
        b = bytearray(data)
        b[200] ^= 0x01
        path.write_bytes(bytes(b))
    elif how == "garbage":
        path.write_bytes(b"not json {")
    elif how == "deleted":
        path.unlink()
    elif how == "pickled":  # an object array: loading it would need pickling
        with open(path, "wb") as fh:
            np.savez(fh, v=np.array([{"x": 1}], dtype=object))
    elif (
        how == "wrong_keys"
    ):  # a complete, valid npz with other arrays than the sidecar records
        C.save_npz(path, {"w": np.zeros(3)})
    elif (
        how == "wrong_dtype"
    ):  # a valid npz whose array differs from its own layout record
        with open(path, "wb") as fh:
            np.savez(
                fh,
                v=np.arange(300, dtype=np.int32),
                __layout__=np.array(json.dumps({"v": ["<f8", [300]]})),
            )
    else:
        raise ValueError(how)


def _cache_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, C.CacheWarning)]


# ------------------------------------------------------------------ case 2: ResultCache
@pytest.mark.parametrize(
    "target, how",
    [
        ("npz", "truncated"),
        ("npz", "empty"),
        ("npz", "bitflip"),
        ("npz", "pickled"),
        ("npz", "wrong_keys"),
        ("npz", "wrong_dtype"),
        ("json", "garbage"),
        ("json", "empty"),
        ("json", "deleted"),
    ],
)
def test_damaged_result_is_recomputed_once_with_one_warning(tmp_path, target, how):
    rc = C.ResultCache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return {"v": np.linspace(0.0, 1.0, 300), "n": np.array(7)}

    first = rc.cached("thing", {"a": 1}, "v1", compute)
    key = C.make_key("thing", {"a": 1}, "v1")
    _damage(tmp_path / f"{key}.{target}", how)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        second = rc.cached("thing", {"a": 1}, "v1", compute)
    assert len(_cache_warnings(rec)) == 1, [str(w.message) for w in rec]
    assert len(calls) == 2
    np.testing.assert_array_equal(second["v"], first["v"])
    # rewritten whole: the next call reads it back without computing or warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", C.CacheWarning)
        third = rc.cached("thing", {"a": 1}, "v1", compute)
    assert len(calls) == 2
    np.testing.assert_array_equal(third["v"], first["v"])
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".npz"]


def test_missing_npz_is_a_plain_miss_without_warning(tmp_path):
    # the sidecar is written first, so a crash between the two writes leaves only the
    # sidecar
    rc = C.ResultCache(tmp_path)
    rc.cached("t", {}, "v", lambda: {"a": np.ones(2)})
    next(tmp_path.glob("*.npz")).unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error", C.CacheWarning)
        assert rc.get(C.make_key("t", {}, "v")) is None


def test_load_npz_checks_layout_and_keys(tmp_path):
    p = tmp_path / "a.npz"
    C.save_npz(p, {"x": np.arange(4), "y": np.ones((2, 3), dtype=bool)})
    back = C.load_npz(p, keys=("x", "y"), require_layout=True)
    assert (
        set(back) == {"x", "y"}
        and back["y"].dtype == bool
        and back["y"].shape == (2, 3)
    )
    with pytest.raises(C.CacheEntryError, match="lacks"):
        C.load_npz(p, keys=("x", "z"))
    with open(tmp_path / "plain.npz", "wb") as fh:
        np.savez(fh, x=np.arange(4))
    assert set(C.load_npz(tmp_path / "plain.npz")) == {
        "x"
    }  # other npz files still load
    with pytest.raises(C.CacheEntryError, match="no layout record"):
        C.load_npz(tmp_path / "plain.npz", require_layout=True)
    with pytest.raises(ValueError, match="object arrays"):
        C.save_npz(tmp_path / "o.npz", {"o": np.array([None])})
    with pytest.raises(FileNotFoundError):
        C.load_npz(tmp_path / "none.npz")


# ----------------------------------------------------------------------- case 2: sweeps
def test_issue_case_truncated_sweep_chunk_is_recomputed(tmp_path):
    """Issue 12 case 2: before, the second sweep raised BadZipFile."""
    rc = C.ResultCache(tmp_path)
    loss, grid = L.multiplicative(0.2, 0.1), T.LRGrid(0.0, 1.5, log2_n=10)
    kw = dict(x0=1.0, steps=200, chunk_size=256, cache=rc, progress=False)
    a = T.sweep(loss, grid, **kw)
    chunks = sorted(tmp_path.glob("sweep-*/chunk-*.npz"))
    assert len(chunks) == 5
    size = chunks[1].stat().st_size
    _damage(chunks[1], "truncated")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        b = T.sweep(loss, grid, **kw)
    assert len(_cache_warnings(rec)) == 1
    np.testing.assert_array_equal(b.diverged, a.diverged)
    assert b.useful_steps == a.useful_steps
    assert chunks[1].stat().st_size == size  # rewritten whole
    with warnings.catch_warnings():
        warnings.simplefilter("error", C.CacheWarning)
        c = T.sweep(loss, grid, **kw)
    assert c.seconds == 0.0  # everything read back, nothing computed
    np.testing.assert_array_equal(c.diverged, a.diverged)


def _damage_chunk(path: Path, how: str, foreign: Path | None = None) -> None:
    """A chunk that reads back whole but is wrong (key lost, point short, foreign)."""
    d = C.load_npz(path)
    if how == "missing_key":
        d.pop("diverged", None) if "diverged" in d else d.pop("measure")
        C.save_npz(path, d)
    elif how == "short":
        C.save_npz(
            path,
            {k: (v[:-1] if v.ndim else v) for k, v in d.items() if k != "__store__"}
            | {"__store__": d["__store__"]},
        )
    elif how == "foreign":
        shutil.copyfile(foreign, path)
    else:
        raise ValueError(how)


@pytest.mark.parametrize("how", ["missing_key", "short", "foreign"])
def test_wrong_sweep_chunk_is_recomputed_with_one_warning(tmp_path, how):
    """Before: missing ``diverged`` raised KeyError; a chunk one point short gave 1024
    results for 1025 learning rates; another sweep's chunk was used as is (28 wrong
    learning rates)."""
    rc = C.ResultCache(tmp_path)
    loss, grid = L.multiplicative(0.2, 0.1), T.LRGrid(0.0, 1.5, log2_n=10)
    kw = dict(x0=1.0, steps=200, chunk_size=256, cache=rc, progress=False)
    a = T.sweep(loss, grid, **kw)
    other = T.sweep(loss, grid, **{**kw, "steps": 5})  # another sweep in the same cache
    assert np.count_nonzero(other.diverged[256:512] != a.diverged[256:512]) > 0
    name = "chunk-000000000256-000000000512.npz"
    folders = sorted(tmp_path.glob("sweep-*"))
    folder = next(
        f
        for f in folders
        if np.array_equal(C.load_npz(f / name)["diverged"], a.diverged[256:512])
    )
    theirs = next(f for f in folders if f != folder)
    victim = folder / name
    _damage_chunk(victim, how, theirs / victim.name)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        b = T.sweep(loss, grid, **kw)
    assert len(_cache_warnings(rec)) == 1, _cache_warnings(rec)
    assert b.diverged.shape == (1025,)
    np.testing.assert_array_equal(b.diverged, a.diverged)
    assert b.useful_steps == a.useful_steps
    with warnings.catch_warnings():
        warnings.simplefilter("error", C.CacheWarning)
        c = T.sweep(
            loss, grid, **kw
        )  # rewritten: read back without a warning, nothing computed
    assert c.seconds == 0.0
    np.testing.assert_array_equal(c.diverged, a.diverged)


@pytest.mark.parametrize("how", ["missing_key", "short", "foreign"])
def test_wrong_render_chunk_is_recomputed_with_one_warning(tmp_path, how):
    from fractal_lib.boundaries import network_trainability as NT

    rc = C.ResultCache(tmp_path)
    prob = NT.NetworkProblem("tanh", width=6, n_data=20)
    kw = dict(log2_res=3, chunk_rows=3, cache=rc, progress=False)
    a = NT.render(prob, steps=30, **kw)
    other = NT.render(prob, steps=10, **kw)
    assert not np.array_equal(other.measure[3:6], a.measure[3:6])
    folders = sorted(tmp_path.glob("netgrid-*"))
    victim_name = "chunk-000000000003-000000000006.npz"
    mine = next(
        f
        for f in folders
        if np.array_equal(C.load_npz(f / victim_name)["measure"], a.measure[3:6])
    )
    theirs = next(f for f in folders if f != mine)
    _damage_chunk(mine / victim_name, how, theirs / victim_name)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        b = NT.render(prob, steps=30, **kw)
    assert len(_cache_warnings(rec)) == 1, _cache_warnings(rec)
    np.testing.assert_array_equal(b.measure, a.measure)
    with warnings.catch_warnings():
        warnings.simplefilter("error", C.CacheWarning)
        c = NT.render(prob, steps=30, **kw)
    assert c.seconds == 0.0


def test_chunk_store_damage_kinds(tmp_path):
    store = C.ResultCache(tmp_path).chunks("s", {"a": 1}, "v")
    for how in ("truncated", "empty", "bitflip", "pickled", "wrong_dtype"):
        store.put(0, 300, {"v": np.linspace(0, 1, 300)})
        _damage(store._p(0, 300), how)
        with pytest.warns(C.CacheWarning, match="damaged cache entry"):
            assert store.get(0, 300) is None, how
    store.put(0, 300, {"v": np.linspace(0, 1, 300)})
    with pytest.warns(C.CacheWarning, match="lacks"):
        assert store.get(0, 300, keys=("v", "w")) is None
    np.testing.assert_array_equal(
        store.get(0, 300, keys=("v",))["v"], np.linspace(0, 1, 300)
    )
    _damage(store.folder / "meta.json", "garbage")
    C.ResultCache(tmp_path).chunks(
        "s", {"a": 1}, "v"
    )  # an unreadable meta.json is rewritten
    assert json.loads((store.folder / "meta.json").read_text())["params"] == {"a": 1}


# ---------------------------------------------------------------------- crash leftovers
def test_stale_temp_files_are_ignored_and_cleaned(tmp_path):
    rc = C.ResultCache(tmp_path)
    rc.cached("t", {}, "v", lambda: {"a": np.ones(2)})
    old = tmp_path / ".t-x.npz.abcd.tmp"
    new = tmp_path / ".t-y.npz.efgh.tmp"
    old.write_bytes(b"half a file")
    new.write_bytes(b"being written")
    past = time.time() - 2 * C.STALE_TMP_SECONDS
    os.utime(old, (past, past))
    C.ResultCache(tmp_path)
    assert (
        not old.exists() and new.exists()
    )  # a write in progress elsewhere is left alone
    store = rc.chunks("s", {}, "v")
    leftover = store.folder / ".chunk-000000000000-000000000004.npz.zz.tmp"
    leftover.write_bytes(b"x")
    os.utime(leftover, (past, past))
    assert store.get(0, 4) is None and store.n_stored() == 0
    rc.chunks("s", {}, "v")
    assert not leftover.exists()


def test_atomic_write_syncs_the_folder(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(C, "_fsync_dir", lambda d: synced.append(Path(d)))
    C.save_npz(tmp_path / "a.npz", {"a": np.ones(1)})
    C.save_json(tmp_path / "a.json", {})
    assert synced == [tmp_path, tmp_path]


# --------------------------------------------------------------------------- kill -9
_KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    from fractal_lib.core import cache as C
    from fractal_lib.boundaries import landscapes as L, trainability as T
    root, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
    computed = []
    job = T._chunk_job
    def counting(landscape, grid, start, stop, *rest):
        computed.append(start)
        return job(landscape, grid, start, stop, *rest)
    T._chunk_job = counting
    put = C.ChunkStore.put
    def slow_put(self, start, stop, arrays):
        put(self, start, stop, arrays)
        print("stored", start, flush=True)
        if mode == "slow":
            time.sleep(0.4)
    C.ChunkStore.put = slow_put
    r = T.sweep(L.multiplicative(0.2, 0.1), T.LRGrid(0.0, 1.5, log2_n=11), x0=1.0,
                steps=300, chunk_size=128, cache=C.ResultCache(root), progress=False)
    np.savez(out, diverged=r.diverged, useful=np.array(r.useful_steps),
             computed=np.array(computed))
""")


def test_kill_9_mid_sweep_loses_nothing_written(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(_KILL_SCRIPT)
    root = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(REPO), "FRACTAL_PROGRESS": "0"}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(root), "slow", str(tmp_path / "a.npz")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        seen = 0
        deadline = time.monotonic() + 60
        while seen < 4 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen += line.startswith("stored")
        assert seen == 4, "the sweep did not get going"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    on_disk = sorted(root.glob("sweep-*/chunk-*.npz"))
    n_chunks = 17  # 2**11 + 1 points in chunks of 128
    assert 4 <= len(on_disk) < n_chunks
    subprocess.run(
        [sys.executable, str(script), str(root), "fast", str(tmp_path / "b.npz")],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    with np.load(tmp_path / "b.npz") as b:
        resumed = dict(b)
    # only the chunks not yet on disk were computed
    assert resumed["computed"].size == n_chunks - len(on_disk)
    ref = T.sweep(
        L.multiplicative(0.2, 0.1),
        T.LRGrid(0.0, 1.5, log2_n=11),
        x0=1.0,
        steps=300,
        chunk_size=128,
        cache=False,
        progress=False,
    )
    np.testing.assert_array_equal(resumed["diverged"], ref.diverged)
    assert int(resumed["useful"]) == ref.useful_steps
    for p in root.rglob(
        "*"
    ):  # only finished entries (and perhaps one temp file the kill left)
        if p.is_file() and not (p.name.startswith(".") and p.suffix == ".tmp"):
            assert p.name == "meta.json" or C.load_npz(p, require_layout=True)


# ----------------------------------------------------------------- case 2: trajectories
def _train_recorded(folder, epochs=2, chunk_steps=4):
    import torch

    from fractal_lib.nets import models, training
    from fractal_lib.nets import trajectory as TR

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 6, generator=g), torch.randint(0, 3, (64,), generator=g)
    torch.manual_seed(0)
    net = models.mlp([6, 8, 3])
    rec = TR.TrajectoryRecorder(
        net, folder, full_max=0, n_proj=16, n_grad=3, chunk_steps=chunk_steps
    )
    training.train(
        net, x, y, epochs=epochs, batch_size=16, lr=0.1, on_step=rec, progress=False
    )
    rec.flush()
    return rec


def test_recorder_survives_a_truncated_last_chunk(tmp_path):
    pytest.importorskip("torch")
    from fractal_lib.nets import trajectory as TR

    _train_recorded(tmp_path / "ref")
    ref = TR.load_trajectory(tmp_path / "ref")
    _train_recorded(tmp_path / "b")
    last = sorted((tmp_path / "b").glob("chunk-*.npz"))[-1]
    _damage(last, "truncated")
    with pytest.raises(C.CacheEntryError, match="cannot be read back"):
        TR.load_trajectory(
            tmp_path / "b"
        )  # a clear error naming the file, not BadZipFile
    with pytest.warns(C.CacheWarning) as rec:
        assert TR.stored_steps(tmp_path / "b") == 4
    assert len(_cache_warnings(rec)) == 1
    with pytest.warns(C.CacheWarning):
        r = _train_recorded(
            tmp_path / "b"
        )  # resumes after the good chunk, re-records the rest
    assert r.n_stored == 8
    again = TR.load_trajectory(tmp_path / "b")
    np.testing.assert_array_equal(again.positions, ref.positions)
    np.testing.assert_array_equal(again.grad, ref.grad)


def test_recorder_repairs_its_meta_files(tmp_path):
    pytest.importorskip("torch")
    from fractal_lib.nets import trajectory as TR

    _train_recorded(tmp_path / "ref")
    ref = TR.load_trajectory(tmp_path / "ref")
    # a crash between meta.json and meta.npz: resuming writes meta.npz again
    _train_recorded(tmp_path / "a")
    (tmp_path / "a" / "meta.npz").unlink()
    _train_recorded(tmp_path / "a")
    np.testing.assert_array_equal(
        TR.load_trajectory(tmp_path / "a").positions, ref.positions
    )
    # an unreadable meta.json: the recording starts over (one warning)
    _damage(tmp_path / "a" / "meta.json", "garbage")
    with pytest.warns(C.CacheWarning, match="starts over"):
        _train_recorded(tmp_path / "a")
    np.testing.assert_array_equal(
        TR.load_trajectory(tmp_path / "a").positions, ref.positions
    )


@pytest.mark.parametrize("victim", ["chunk", "epochs", "ckpt", "done"])
def test_record_run_rerecords_a_damaged_run(tmp_path, monkeypatch, victim):
    torch = pytest.importorskip("torch")
    from fractal_lib.nets import trajectory as TR

    def fake_data(dataset, n, *, pool=1, split="train", cifar_root=None):
        g = torch.Generator().manual_seed(1)
        return torch.randn(n, 1, 8, 8, generator=g), torch.arange(n) % 10

    monkeypatch.setattr(TR, "image_data", fake_data)
    spec = TR.RunSpec(
        depth=8,
        width=2,
        shortcut=True,
        batch_size=16,
        lr=0.05,
        epochs=1,
        n_train=48,
        n_proj=8,
        n_grad=2,
        checkpoints=(0.0, 1.0),
    )
    first = TR.record_run(spec, root=tmp_path, progress=False)
    folder = first.folder
    target = {
        "chunk": sorted(folder.glob("chunk-*.npz"))[-1],
        "epochs": folder / "epochs.npz",
        "ckpt": folder / "ckpt-1.0000.npz",
        "done": folder / "done.json",
    }[victim]
    _damage(target, "garbage" if victim == "done" else "truncated")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        again = TR.record_run(spec, root=tmp_path, progress=False)
    assert len(_cache_warnings(rec)) == 1, _cache_warnings(rec)
    np.testing.assert_array_equal(
        again.trajectory.positions, first.trajectory.positions
    )
    np.testing.assert_array_equal(again.epoch_loss, first.epoch_loss)
    ck1, ck2 = first.checkpoint(1.0), again.checkpoint(1.0)
    assert all(torch.equal(ck1[k], ck2[k]) for k in ck1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", C.CacheWarning)
        TR.record_run(spec, root=tmp_path, progress=False)


# ------------------------------------------------------------------------- case 3: keys
def _copy_package(dst: Path) -> Path:
    shutil.copytree(
        PKG, dst / "fractal_lib", ignore=shutil.ignore_patterns("__pycache__")
    )
    return dst / "fractal_lib"


def _edit(f: Path) -> None:
    f.write_text(f.read_text() + "\n# an edit\n")


def test_key_follows_transitive_dependencies_in_a_copy(tmp_path):
    """Issue 12 case 3: editing hessian.py changes the lavin2024 key, others do not."""
    pkg = _copy_package(tmp_path)
    v0 = C.code_version_of(pkg / "papers" / "lavin2024.py")
    deps, _ = C.code_dependencies(pkg / "papers" / "lavin2024.py")
    assert {
        "fractal_lib.nets.hessian",
        "fractal_lib.dynamical.batched_mlp",
        "fractal_lib.nets.torchtools",
    } <= set(deps)
    assert all(Path(f).is_relative_to(pkg) for f in deps.values())
    assert "fractal_lib.boundaries.widgets" not in deps
    _edit(pkg / "boundaries" / "widgets.py")
    assert C.code_version_of(pkg / "papers" / "lavin2024.py") == v0
    _edit(pkg / "nets" / "hessian.py")
    v1 = C.code_version_of(pkg / "papers" / "lavin2024.py")
    assert v1 != v0
    _edit(
        pkg / "nets" / "torchtools.py"
    )  # two levels down: lavin2024 -> hessian -> torchtools
    assert C.code_version_of(pkg / "papers" / "lavin2024.py") not in (v0, v1)


def test_names_not_paths_enter_the_key(tmp_path):
    a = _copy_package(tmp_path / "a")
    b = _copy_package(tmp_path / "b")
    assert C.code_version_of(a / "boundaries" / "trainability.py") == C.code_version_of(
        b / "boundaries" / "trainability.py"
    )


@pytest.mark.parametrize(
    "module, needs",
    [
        ("papers.lavin2024", {"nets.hessian"}),
        (
            "papers.ly2025",
            {
                "nets.training",
                "nets.models",
                "nets.data",
                "nets.directions",
                "surfaces.fields",
                "surfaces.grid_descent",
            },
        ),
        (
            "nets.trajectory",
            {
                "nets.training",
                "nets.models",
                "nets.data",
                "nets.hessian",
                "nets.directions",
            },
        ),
        ("multifractal.probing", {"nets.directions", "nets.hessian", "nets.training"}),
        (
            "boundaries.trainability",
            {"boundaries._gd_kernels", "boundaries.landscapes"},
        ),
        (
            "boundaries.network_trainability",
            {"boundaries._net_kernels", "core.executors"},
        ),
        ("papers.liu2024", {"boundaries.trainability", "boundaries.landscapes"}),
    ],
)
def test_the_modules_the_issue_names_are_in_the_keys(module, needs):
    deps, _ = C.code_dependencies(f"fractal_lib.{module}")
    assert {f"fractal_lib.{m}" for m in needs} <= set(deps)


def test_lazy_and_relative_imports_are_followed(tmp_path):
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "sub/__init__.py": "",
        "unused.py": "X = 0\n",
        "top.py": (
            "import numpy as np\n\ndef f():\n    from .lazy import g\n    return g()\n"
        ),
        "lazy.py": (
            "def g():\n    from . import deep\n    import toy.absolute\n    return 1\n"
        ),
        "deep.py": "from .sub import leaf\n",
        "absolute.py": "def h():\n    import scipy\n",
        "sub/leaf.py": "from .. import parent_level\n",
        "parent_level.py": "Y = 1\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    deps, libs = C.code_dependencies(pkg / "top.py")
    assert set(deps) == {
        "toy",
        "toy.top",
        "toy.lazy",
        "toy.deep",
        "toy.absolute",
        "toy.sub",
        "toy.sub.leaf",
        "toy.parent_level",
    }
    assert set(libs) == {"numpy", "scipy"}
    v0 = C.code_version_of(pkg / "top.py")
    _edit(pkg / "unused.py")
    assert C.code_version_of(pkg / "top.py") == v0
    _edit(
        pkg / "parent_level.py"
    )  # reached only through lazy imports, four levels down
    assert C.code_version_of(pkg / "top.py") != v0


def test_library_versions_enter_the_key_without_importing_them(tmp_path):
    v = C.code_version_of("fractal_lib.boundaries.trainability")
    assert (
        f"numba={metadata.version('numba')}" in v
        and f"numpy={metadata.version('numpy')}" in v
    )
    assert "torch=" not in v  # trainability does not use torch
    code = (
        "import sys; from fractal_lib.core import cache as C; "
        "v = C.code_version_of('fractal_lib.papers.lavin2024'); "
        "print('torch=' in v, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout.split()
    assert out == ["True", "False"]


def test_every_call_site_uses_the_one_derivation():
    """No hand-written file list or format number is left: every module that caches uses
    ``code_version_of(__name__)``."""
    users = []
    for f in sorted(PKG.rglob("*.py")):
        if f.name == "cache.py":
            continue
        text = f.read_text()
        assert "code_version(" not in text, f.name
        assert "RECORD_FORMAT" not in text, f.name
        if ".cached(" in text or ".chunks(" in text or "make_key(" in text:
            users.append(f.stem)
            assert "CODE_VERSION = code_version_of(__name__)" in text, f.name
    assert {
        "lavin2024",
        "ly2025",
        "trainability",
        "network_trainability",
        "probing",
        "trajectory",
    } <= set(users)
    from fractal_lib.nets import trajectory
    from fractal_lib.papers import lavin2024

    assert lavin2024.CODE_VERSION == C.code_version_of(lavin2024)
    assert trajectory.CODE_VERSION == C.code_version_of("fractal_lib.nets.trajectory")


def test_corrupt_gzip_data_file_is_reported_not_crashed(tmp_path):
    """Same kind outside the cache: a corrupt downloaded .gz raised bare zlib.error."""
    import gzip

    from fractal_lib.nets import data

    raw = bytearray(gzip.compress(bytes(range(256)) * 64))
    raw[30] ^= 0xFF
    f = tmp_path / "x.gz"
    f.write_bytes(bytes(raw))
    with pytest.raises(data.DataNotFoundError, match="cannot read"):
        data._read_verified(f, "0" * 64, 256 * 64)


def test_unwritable_cache_folder_computes_with_one_warning(monkeypatch):
    # /proc cannot hold new folders even for root: the cache is unwritable whatever the
    # user.
    root = "/proc/fractal-lib-unwritable-cache"
    monkeypatch.setenv("FRACTAL_CACHE_DIR", root)
    monkeypatch.setattr(C, "_unwritable", set())
    loss = L.multiplicative(0.2, 0.1)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        a = T.sweep(loss, T.LRGrid(0.0, 1.5, log2_n=6), x0=1.0, steps=50).diverged
        b = T.sweep(loss, T.LRGrid(0.0, 1.5, log2_n=6), x0=1.0, steps=60).diverged
        c = C.ResultCache(root).cached("x", {"a": 1}, "v", lambda: {"y": np.arange(3)})
    msgs = [str(w.message) for w in rec if issubclass(w.category, C.CacheWarning)]
    assert len(msgs) == 1 and "cannot be written" in msgs[0], msgs
    assert a.shape == b.shape == (65,)
    np.testing.assert_array_equal(c["y"], np.arange(3))


def test_cache_files_follow_the_umask_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        C.save_npz(tmp_path / "a.npz", {"x": np.arange(3)})
        C.save_json(tmp_path / "a.json", {"x": 1})
    finally:
        os.umask(old)
    expected = 0o666 & ~old
    assert (tmp_path / "a.npz").stat().st_mode & 0o777 == expected
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == expected


def test_training_key_follows_models_py_and_the_factory_source(tmp_path):
    """Issue 12 case 3, cached trainings: the probing-train key hashes the model
    factory's source and nets.models / nets.data (a factory in user code calls them,
    probing does not import them)."""
    pkg = _copy_package(tmp_path)
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from fractal_lib.multifractal import probing
        from fractal_lib.nets import models
        assert Path(probing.__file__).is_relative_to(sys.argv[1])
        def build():
            return models.resnet18(in_channels=1, width=2)
        def build_other():
            return models.resnet18(in_channels=1, width=2).double()
        v0 = probing.training_version(build)
        assert "fractal_lib.nets.models" in probing.factory_dependencies(build)[0]
        assert probing.training_version(build_other) != v0
        pkg = Path(sys.argv[1])
        for name in ("models", "data"):
            f = pkg / "nets" / f"{name}.py"
            f.write_text(f.read_text() + "\\n# an edit\\n")
            v = probing.training_version(build)
            assert v != v0, name
            v0 = v
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", script, str(pkg)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
