"""Issue 12, case 1: fractal_lib imported and run from a read-only install.

numba caches ``cache=True`` kernels in the package's ``__pycache__``, else in
``NUMBA_CACHE_DIR``, else in ``~/.cache/numba``; with none writable it raised
``RuntimeError: cannot cache function 'sincos': no locator available`` at import. Tests
run as root, which ignores permission bits, so "not writable" is made root-proof:
``__pycache__`` is a regular file (``os.makedirs`` fails) and ``HOME`` /
``XDG_CACHE_HOME`` point below a regular file. Where the sandbox allows it, one test
also uses a real read-only bind mount. Every run is a subprocess on a copy of the
package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fractal_lib

TINY_RUN = """
import warnings
warnings.simplefilter("always")
import numpy as np
import fractal_lib
from fractal_lib import _numba
from fractal_lib.surfaces import grid_descent
from fractal_lib.boundaries import network_trainability, trainability as T
from fractal_lib.boundaries import landscapes as L
assert fractal_lib.__file__.startswith({root!r}), fractal_lib.__file__
out = T.classify(L.quadratic(), np.array([0.25, 0.5, 0.99, 1.01, 1.5]), steps=40,
                 method="reference", parallel=False)
print("DIVERGED", out.diverged.astype(int).tolist())
print("STATUS", sorted(set(_numba.kernel_cache_status().values())))
"""

IMPORT_ONLY = """
import warnings
warnings.simplefilter("always")
import fractal_lib
from fractal_lib import _numba
from fractal_lib.surfaces import grid_descent
from fractal_lib.boundaries import network_trainability, trainability
assert fractal_lib.__file__.startswith({root!r}), fractal_lib.__file__
print("STATUS", sorted(set(_numba.kernel_cache_status().values())))
"""


def _read_only_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the package whose ``__pycache__`` cannot be created, and an environment
    whose home and XDG cache folders cannot be created either."""
    site = tmp_path / "site"
    shutil.copytree(
        Path(fractal_lib.__file__).parent,
        site / "fractal_lib",
        ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"),
    )
    for pkg in [
        site / "fractal_lib",
        *(d for d in (site / "fractal_lib").iterdir() if d.is_dir()),
    ]:
        (pkg / "__pycache__").write_text(
            "not a folder"
        )  # numba caches next to each kernel source
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NUMBA_CACHE_DIR", "FRACTAL_CACHE_DIR", "PYTHONPATH")
    }
    env.update(
        PYTHONPATH=str(site),
        HOME=str(blocker / "home"),
        XDG_CACHE_HOME=str(blocker / "cache"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return site, env


def _run(
    code: str, site: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code.format(root=str(site))],
        env=env,
        cwd=site,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Warning:" in line]


def test_read_only_install_runs_with_one_warning(tmp_path: Path) -> None:
    site, env = _read_only_copy(tmp_path)
    proc = _run(TINY_RUN, site, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # x <- x - lr * 2x diverges for lr > 1; 40 steps push the loss sum past 1e16 at lr
    # 1.5.
    assert "DIVERGED [0, 0, 0, 0, 1]" in proc.stdout, proc.stdout
    assert "STATUS ['memory']" in proc.stdout, proc.stdout
    found = _warnings(proc.stderr)
    assert len(found) == 1, proc.stderr
    assert "KernelCacheWarning" in found[0] and "NUMBA_CACHE_DIR" in found[0]


def test_read_only_install_caches_in_fractal_cache_dir(tmp_path: Path) -> None:
    site, env = _read_only_copy(tmp_path)
    env["FRACTAL_CACHE_DIR"] = str(tmp_path / "results")
    proc = _run(IMPORT_ONLY, site, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "STATUS ['fractal_lib']" in proc.stdout, proc.stdout
    assert _warnings(proc.stderr) == [], proc.stderr
    # numba creates the kernel folder when the dispatcher is made: one per source
    # folder.
    assert sorted(
        p.name.split("_")[0] for p in (tmp_path / "results" / "numba").iterdir()
    ) == ["boundaries", "surfaces"]


def test_user_numba_cache_dir_is_respected(tmp_path: Path) -> None:
    site, env = _read_only_copy(tmp_path)
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "user_numba")
    env["FRACTAL_CACHE_DIR"] = str(tmp_path / "results")
    proc = _run(IMPORT_ONLY, site, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "STATUS ['numba']" in proc.stdout, proc.stdout
    assert _warnings(proc.stderr) == [], proc.stderr
    assert any((tmp_path / "user_numba").iterdir())
    assert not (tmp_path / "results" / "numba").exists()


def _bind_mounts_work() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind -o ro / / 2>/dev/null && echo ok"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return probe.stdout.strip() == "ok"


@pytest.mark.skipif(
    sys.platform != "linux" or not _bind_mounts_work(),
    reason="needs unshare -m and mount (a mount namespace) to make a read-only bind",
)
def test_read_only_bind_mount_imports(tmp_path: Path) -> None:
    """The whole copy, home included, on a read-only file system (root cannot write)."""
    site = tmp_path / "site"
    shutil.copytree(
        Path(fractal_lib.__file__).parent,
        site / "fractal_lib",
        ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"),
    )
    (site / "home").mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("NUMBA_CACHE_DIR", "FRACTAL_CACHE_DIR", "PYTHONPATH", "XDG_CACHE_HOME")
    }
    env.update(
        PYTHONPATH=str(site), HOME=str(site / "home"), PYTHONDONTWRITEBYTECODE="1"
    )
    code = IMPORT_ONLY.format(root=str(site))
    script = tmp_path / "run.py"
    script.write_text(code)
    cmd = (
        f'mount --bind -o ro "{site}" "{site}" && cd "{site}" '
        f'&& exec "{sys.executable}" "{script}"'
    )
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", cmd],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "STATUS ['memory']" in proc.stdout, proc.stdout
    assert len(_warnings(proc.stderr)) == 1, proc.stderr
    assert not any((site / "fractal_lib").rglob("__pycache__"))
