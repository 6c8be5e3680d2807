"""Lazy re-exports for the subpackages:
``from fractal_lib.boundaries import sweep, LRGrid`` and
``from fractal_lib.boundaries import trainability`` both work, and importing a
subpackage imports none of its modules (so no numba or torch) until one of its names is
used.

The public names of a module are its ``__all__`` if it has one, else the names its top
level defines (functions, classes, assignments) that do not start with an underscore.
They are read from the source with :mod:`ast`, so nothing is imported to list them, and
the cache keys (:func:`fractal_lib.core.cache.code_version_of`) of a module do not grow
with its siblings. A name defined by two modules of a subpackage is not re-exported (use
the module: ``boundaries.trainability.CODE_VERSION``); the subpackage lists those in
``CLASHES``.
"""

from __future__ import annotations

import ast
import functools
import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["public_names", "lazy_exports"]


def public_names(path: str | Path) -> list[str]:
    """The public names of the module at ``path``, read from its source (no import).

    Parameters
    ----------
    path : str or Path
        The module's source file.

    Returns
    -------
    list of str
        Its ``__all__`` if it assigns one (a list or tuple of strings), else the names
        its top level defines (functions, classes, assignments) that do not start with
        an underscore, in order of definition.
    """
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                is_all = isinstance(t, ast.Name) and t.id == "__all__"
                if is_all and isinstance(node.value, ast.List | ast.Tuple):
                    return [ast.literal_eval(e) for e in node.value.elts]
                if isinstance(t, ast.Name):
                    names.append(t.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
    return [n for n in dict.fromkeys(names) if not n.startswith("_")]


def lazy_exports(
    package: str, init_file: str, modules: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Build the module-level ``__getattr__`` and ``__dir__`` of a subpackage.

    Parameters
    ----------
    package : str
        The subpackage's ``__name__``.
    init_file : str
        Its ``__file__`` (the modules are looked up next to it).
    modules : sequence of str
        The submodules whose public names the subpackage re-exports, in order.

    Returns
    -------
    getattr, dir : callable
        Module-level ``__getattr__`` and ``__dir__``. ``__getattr__`` imports the
        defining submodule on first use of a name, and also answers ``__all__`` (the
        submodules and every public name defined by exactly one of them) and ``CLASHES``
        (name -> the modules that each define it; those names are not re-exported). The
        sources are read on the first such request, not at import.
    """
    folder = Path(init_file).parent
    mods = tuple(modules)

    @functools.cache
    def tables() -> tuple[dict[str, str], dict[str, tuple[str, ...]], list[str]]:
        owners: dict[str, list[str]] = {}
        for m in mods:
            path = (
                folder / m / "__init__.py"
                if (folder / m).is_dir()
                else folder / f"{m}.py"
            )
            for n in public_names(path):
                owners.setdefault(n, []).append(m)
        table = {n: ms[0] for n, ms in owners.items() if len(ms) == 1}
        clashes = {n: tuple(ms) for n, ms in owners.items() if len(ms) > 1}
        return table, clashes, list(mods) + list(table)

    def __getattr__(name: str) -> Any:
        if name in mods:
            return importlib.import_module(f"{package}.{name}")
        if name == "__all__":
            return list(tables()[2])
        if name == "CLASHES":
            return dict(tables()[1])
        if not name.startswith("__") and name in tables()[0]:
            return getattr(
                importlib.import_module(f"{package}.{tables()[0][name]}"), name
            )
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(
            {
                *tables()[2],
                "CLASHES",
                "__all__",
                "__doc__",
                "__file__",
                "__name__",
                "__path__",
            }
        )

    return __getattr__, __dir__
