"""The FRACTAL_SCALE switch, the cache location and the atomic, pickle-free cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fractal_lib.core import cache as C
from fractal_lib.core import config


# ------------------------------------------------------------------------ FRACTAL_SCALE
@pytest.mark.parametrize(
    "value, expected",
    [
        ("smoke", "smoke"),
        ("book", "book"),
        ("paper", "paper"),
        (" Paper ", "paper"),
        ("SMOKE", "smoke"),
        ("", "book"),
    ],
)
def test_scale_parsing(monkeypatch, value, expected):
    monkeypatch.setenv("FRACTAL_SCALE", value)
    assert config.get_scale() == expected


def test_scale_default_is_book(monkeypatch):
    monkeypatch.delenv("FRACTAL_SCALE", raising=False)
    assert config.get_scale() == "book"


@pytest.mark.parametrize("junk", ["huge", "smok", "1", "book,paper"])
def test_scale_junk_raises(monkeypatch, junk):
    monkeypatch.setenv("FRACTAL_SCALE", junk)
    with pytest.raises(ValueError, match="FRACTAL_SCALE"):
        config.get_scale()
    with pytest.raises(ValueError, match="FRACTAL_SCALE"):
        config.by_scale(1, 2, 3)


def test_by_scale(monkeypatch):
    for i, s in enumerate(config.SCALES):
        monkeypatch.setenv("FRACTAL_SCALE", s)
        assert config.by_scale("a", "b", "c") == "abc"[i]
        assert config.by_scale(10, 20, 30, scale="paper") == 30  # explicit scale wins
    with pytest.raises(ValueError, match="scale"):
        config.by_scale(1, 2, 3, scale="huge")


# ----------------------------------------------------------------------- cache location
def test_fractal_cache_dir_respected(monkeypatch, tmp_path):
    target = tmp_path / "somewhere" / "cache"
    monkeypatch.setenv("FRACTAL_CACHE_DIR", str(target))
    assert config.cache_dir() == target
    assert C.ResultCache().root == target
    assert C.default_cache().root == target
    other = tmp_path / "other"
    monkeypatch.setenv("FRACTAL_CACHE_DIR", str(other))
    assert C.default_cache().root == other  # re-read when the variable changes


def test_default_cache_dir_in_checkout_is_ignored_by_git(monkeypatch):
    monkeypatch.delenv("FRACTAL_CACHE_DIR", raising=False)
    root = Path(config.__file__).resolve().parent.parent
    if (root / "_config.yml").is_file():
        assert config.cache_dir() == root / ".fractal_cache"
        assert ".fractal_cache/" in (root / ".gitignore").read_text().split()


# ------------------------------------------------------------------------ atomic writes
def test_atomic_save_leaves_no_tmp_files(tmp_path):
    arrays = {"a": np.arange(5), "b": np.linspace(0, 1, 3)}
    C.save_npz(tmp_path / "x.npz", arrays)
    C.save_json(tmp_path / "x.json", {"k": [1, 2.5], "p": Path("/p")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json", "x.npz"]
    back = C.load_npz(tmp_path / "x.npz")
    np.testing.assert_array_equal(back["a"], arrays["a"])
    assert json.loads((tmp_path / "x.json").read_text()) == {"k": [1, 2.5], "p": "/p"}


def test_failed_write_keeps_old_file_and_leaves_no_tmp(tmp_path):
    target = tmp_path / "r.npz"
    C.save_npz(target, {"a": np.arange(3)})

    def broken(fh):
        fh.write(b"half a file")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        C._atomic_write(target, broken, "wb")
    assert [p.name for p in tmp_path.iterdir()] == ["r.npz"]
    np.testing.assert_array_equal(C.load_npz(target)["a"], np.arange(3))


def test_load_npz_never_unpickles(tmp_path):
    p = tmp_path / "evil.npz"
    np.savez(p, a=np.array([{"x": 1}], dtype=object))  # numpy pickles object arrays
    with pytest.raises(ValueError):
        C.load_npz(p)


# -------------------------------------------------------------------------- ResultCache
def test_cached_computes_once_then_reads_back(tmp_path):
    rc = C.ResultCache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return {"v": np.arange(4) * 1.5}

    first = rc.cached("thing", {"eps": 0.2, "n": 3}, "v1", compute)
    second = rc.cached(
        "thing", {"n": 3, "eps": 0.2}, "v1", compute
    )  # key order irrelevant
    assert len(calls) == 1
    np.testing.assert_array_equal(first["v"], second["v"])
    key = C.make_key("thing", {"eps": 0.2, "n": 3}, "v1")
    meta = json.loads((tmp_path / f"{key}.json").read_text())
    assert meta == {
        "name": "thing",
        "params": {"eps": 0.2, "n": 3},
        "version": "v1",
        "arrays": {"v": ["<f8", [4]]},
    }
    rc.cached("thing", {"eps": 0.2, "n": 4}, "v1", compute)  # other parameters
    rc.cached("thing", {"eps": 0.2, "n": 3}, "v2", compute)  # other code version
    assert len(calls) == 3
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*"))


def test_disabled_cache_always_computes_and_writes_nothing(tmp_path):
    rc = C.ResultCache(tmp_path / "off", enabled=False)
    calls = []
    for _ in range(2):
        rc.cached("t", {}, "v", lambda: calls.append(1) or {"a": np.zeros(1)})
    assert len(calls) == 2
    assert not (tmp_path / "off").exists()
    store = rc.chunks("s", {"a": 1}, "v")
    store.put(0, 10, {"a": np.ones(10)})
    assert store.get(0, 10) is None and store.n_stored() == 0


def test_keys_are_deterministic_and_exact():
    a = C.make_key("s", {"x": 0.1, "y": [1, 2]}, "v")
    assert a == C.make_key("s", {"y": [1, 2], "x": 0.1}, "v")
    assert a != C.make_key("s", {"x": float(np.nextafter(0.1, 1.0)), "y": [1, 2]}, "v")
    assert a.startswith("s-") and len(a) == 22


def test_code_version_tracks_file_contents(tmp_path):
    f = tmp_path / "k.py"
    f.write_text("x = 1\n")
    v1 = C.code_version(f)
    assert v1 == C.code_version(f)
    f.write_text("x = 2\n")
    assert C.code_version(f) != v1
