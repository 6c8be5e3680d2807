"""The package layout of issue 13: concept subpackages, imports one way, lazy
re-exports."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fractal_lib

PKG = Path(fractal_lib.__file__).resolve().parent
REPO = PKG.parent
SUBPACKAGES = [
    "core",
    "boundaries",
    "surfaces",
    "diffusion",
    "multifractal",
    "dynamical",
    "nets",
    "papers",
]


def test_imports_run_one_way():
    spec = importlib.util.spec_from_file_location(
        "check_layers", REPO / ".ci" / "check_layers.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    found = mod.arrows(PKG)
    assert found  # the checker sees the imports
    upward = [(m, a, b) for m, a, b, _ in found if mod.LAYERS[b] > mod.LAYERS[a]]
    assert upward == []


def test_no_flat_modules_left():
    assert sorted(p.name for p in PKG.glob("*.py")) == [
        "__init__.py",
        "_numba.py",
        "_version.py",
    ]


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_importing_a_subpackage_imports_no_module_of_it(sub):
    code = (
        f"import sys, fractal_lib.{sub} as p; "
        "print('torch' in sys.modules, 'numba' in sys.modules, "
        f"sorted(m for m in sys.modules if m.startswith('fractal_lib.{sub}.')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.split(maxsplit=2)
    assert out[:2] == ["False", "False"]
    # fractal_lib itself reads the scale (core.config); core's __init__ uses
    # core.exports
    expected = (
        "['fractal_lib.core.config', 'fractal_lib.core.exports']"
        if sub == "core"
        else "[]"
    )
    assert out[2].strip() == expected


def test_subpackages_reexport_names_and_modules():
    from fractal_lib.boundaries import LRGrid, sweep, trainability

    assert sweep is trainability.sweep and LRGrid is trainability.LRGrid
    from fractal_lib.core import DimensionFit, use_style
    from fractal_lib.core.fits import DimensionFit as D2
    from fractal_lib.core.style import use_style as u2

    assert DimensionFit is D2 and use_style is u2
    for sub in SUBPACKAGES:
        p = importlib.import_module(f"fractal_lib.{sub}")
        for name in p.__all__:
            assert hasattr(p, name), (sub, name)
        for name, owners in p.CLASHES.items():
            assert name not in p.__all__ and len(owners) > 1
    with pytest.raises(AttributeError):
        fractal_lib.boundaries.no_such_name  # noqa: B018
