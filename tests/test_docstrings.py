"""Numpydoc on every public name (CONTRIBUTING.md, "Package"), and an API page for each.

Every public function, class and public method of every module of every subpackage is
checked with :func:`numpydoc.validate.validate`: it has a docstring with a summary, a
Parameters section naming each argument (with a type), no unknown parameter, a Returns
section when it returns a value and a Yields section when it is a generator. Dataclasses
and named tuples may document their fields under Attributes instead of Parameters.

The names are listed from the sources with :mod:`ast` (nothing is imported to collect
the tests), and the test ids start with the subpackage, so ``pytest
tests/test_docstrings.py -k boundaries`` checks one subpackage.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
from numpydoc.docscrape import get_doc_object  # noqa: E402

import fractal_lib  # noqa: E402

PKG = Path(fractal_lib.__file__).resolve().parent
REPO = PKG.parent
# core, nets, the concept packages and papers (the layering of .ci/check_layers.py)
SUBPACKAGES = sorted(
    p.parent.name for p in PKG.glob("*/__init__.py") if p.parent.name[0] != "_"
)
# Missing docstring, summary, undocumented / unknown / untyped parameter, missing
# Returns, missing Yields.
CHECKS = ("GL08", "SS01", "PR01", "PR02", "PR04", "RT01", "YD01")


def modules_of(sub: str) -> list[tuple[str, Path]]:
    """The modules of ``fractal_lib.<sub>`` (dotted name, source file), subpackages
    included, private ones (leading underscore) left out."""
    found = []
    folder = PKG / sub
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts):
            continue
        if "__pycache__" in path.parts:
            continue
        found.append((".".join(["fractal_lib", *parts]), path))
    return found


def _exported(tree: ast.Module) -> set[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == "__all__":
                    return set(ast.literal_eval(node.value))
    return None


def _public_defs(path: Path) -> list[tuple[str, ast.AST]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = _exported(tree)
    defs = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.ClassDef):
            continue
        public = node.name in exported if exported is not None else node.name[0] != "_"
        if public:
            defs.append((node.name, node))
    return defs


def public_objects(sub: str) -> list[str]:
    """Dotted names of the public functions, classes and methods defined in ``sub``."""
    names = []
    for mod, path in modules_of(sub):
        try:
            defs = _public_defs(path)
        except SyntaxError:  # reported by the test, which imports the module
            names.append(f"{mod}:__doc__")
            continue
        for name, node in defs:
            names.append(f"{mod}:{name}")
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name[0] != "_":
                        names.append(f"{mod}:{name}.{item.name}")
    return names


def _resolve(target: str):
    mod, _, qual = target.partition(":")
    obj = importlib.import_module(mod)
    owner = None
    for part in qual.split("."):
        owner = obj
        obj = (
            inspect.getattr_static(obj, part)
            if inspect.isclass(obj)
            else getattr(obj, part)
        )
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    if hasattr(obj, "py_func"):  # a numba dispatcher: check the Python function
        obj = obj.py_func
    if not isinstance(obj, property) and callable(obj) and not inspect.isclass(obj):
        obj = inspect.unwrap(obj)
    return obj, owner


def _fields_as_attributes(obj, doc) -> set[str]:
    """Field names a dataclass or named tuple documents under Attributes."""
    is_record = inspect.isclass(obj) and (
        dataclasses.is_dataclass(obj) or hasattr(obj, "_fields")
    )
    if not is_record:
        return set()
    return {n.strip() for item in doc["Attributes"] for n in item.name.split(",")}


def problems(target: str) -> list[str]:
    """The numpydoc errors in :data:`CHECKS` of one public object."""
    obj, _ = _resolve(target)
    doc = get_doc_object(obj)
    result = numpydoc_validate.validate(doc)
    attributes = _fields_as_attributes(obj, doc)
    errors = []
    for code, message in result["errors"]:
        if code not in CHECKS:
            continue
        if code == "PR01" and attributes:
            missing = set(ast.literal_eval(message.split(" not documented")[0][11:]))
            if missing <= attributes:
                continue
        errors.append(f"{code} {message}")
    return errors


def _cases():
    for sub in SUBPACKAGES:
        for target in public_objects(sub):
            yield pytest.param(
                target, id=f"{sub}:{target.removeprefix('fractal_lib.')}"
            )


@pytest.mark.parametrize("target", list(_cases()))
def test_numpydoc(target):
    errors = problems(target)
    assert not errors, f"{target}:\n  " + "\n  ".join(errors)


def undocumented_constants(path: Path) -> list[str]:
    """Public module-level assignments of ``path`` with no doc comment.

    Autodoc shows a module's constant only when it is documented, by a ``#:`` comment
    on the lines above it or a string right after it; the API reference must show them
    all.
    """
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    exported = _exported(tree)
    missing = []
    for i, node in enumerate(tree.body):
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = []
        for t in targets:  # ``a, b = ...`` documents both names with one ``#:``
            names.extend(t.elts if isinstance(t, ast.Tuple | ast.List) else [t])
        for t in names:
            if not isinstance(t, ast.Name) or t.id == "__all__":
                continue
            public = t.id in exported if exported is not None else t.id[0] != "_"
            if not public:
                continue
            after = tree.body[i + 1] if i + 1 < len(tree.body) else None
            has_string = (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            )
            above = lines[node.lineno - 2].lstrip() if node.lineno > 1 else ""
            if not (
                has_string or above.startswith("#:") or "#:" in lines[node.lineno - 1]
            ):
                missing.append(t.id)
    return missing


def _module_cases():
    for sub in SUBPACKAGES:
        for mod, path in modules_of(sub):
            yield pytest.param(path, id=f"{sub}:{mod.removeprefix('fractal_lib.')}")


@pytest.mark.parametrize("path", list(_module_cases()))
def test_constants_documented(path):
    missing = undocumented_constants(path)
    assert not missing, f"{path.name}: add a '#:' comment above {missing}"


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_every_module_has_an_api_page_entry(sub):
    """``book/api/<sub>.md`` documents every public module of the subpackage."""
    page = REPO / "book" / "api" / f"{sub}.md"
    assert page.exists(), f"no API page {page.relative_to(REPO)}"
    toc = (REPO / "_toc.yml").read_text(encoding="utf-8")
    assert f"file: book/api/{sub}\n" in toc, f"_toc.yml does not list book/api/{sub}"
    text = page.read_text(encoding="utf-8")
    missing = [
        mod for mod, _ in modules_of(sub) if f".. automodule:: {mod}\n" not in text
    ]
    assert not missing, f"{page.name} lacks automodule entries for {missing}"
