"""Check that fractal_lib's imports run one way: papers -> concept packages -> nets ->
core.

Every import of a fractal_lib module (relative or absolute, at module level or inside a
function) is resolved to the subpackage it lands in. An import is a violation when it
goes to a higher layer, and the imports between concept packages must not form a cycle.
Prints the arrows between subpackages and the violations; exits 1 if there are any.

usage: python .ci/check_layers.py [path/to/fractal_lib]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

LAYERS = {
    "core": 0,
    "_numba": 0,
    "_version": 0,
    "nets": 1,
    "boundaries": 2,
    "surfaces": 2,
    "diffusion": 2,
    "multifractal": 2,
    "dynamical": 2,
    "papers": 3,
}


def arrows(pkg: Path) -> list[tuple[str, str, str, int]]:
    """``(importing module, its subpackage, imported subpackage, line)`` for every
    import."""
    out = []
    for f in sorted(pkg.rglob("*.py")):
        rel = f.relative_to(pkg.parent).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        name = parts[:-1] if is_pkg else parts
        here = name[1] if len(name) > 1 else None  # None: fractal_lib/__init__.py
        package = name if is_pkg else name[:-1]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - (node.level - 1)]
                    mod = base + (node.module.split(".") if node.module else [])
                else:
                    mod = (node.module or "").split(".")
                if mod[0] == pkg.name:
                    if len(mod) > 1:
                        targets.append(mod[1])
                    else:
                        targets += [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                targets += [
                    a.name.split(".")[1]
                    for a in node.names
                    if a.name.startswith(pkg.name + ".")
                ]
            for t in targets:
                if here is not None and t != here:
                    out.append((".".join(name), here, t, node.lineno))
    return out


def main() -> int:
    pkg = Path(
        sys.argv[1]
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "fractal_lib"
    )
    found = arrows(pkg)
    edges: dict[tuple[str, str], int] = {}
    bad = []
    for mod, a, b, line in found:
        edges[(a, b)] = edges.get((a, b), 0) + 1
        if b not in LAYERS or a not in LAYERS:
            bad.append(f"{mod}:{line}: {a} -> {b} (not a known subpackage)")
        elif LAYERS[b] > LAYERS[a]:
            bad.append(f"{mod}:{line}: {a} -> {b} (upward)")
    concepts = {k for k, v in LAYERS.items() if v == 2}
    graph = {c: {b for (a, b) in edges if a == c and b in concepts} for c in concepts}

    def reaches(src: str, dst: str, seen: set[str]) -> bool:
        return any(
            n == dst or (n not in seen and reaches(n, dst, seen | {n}))
            for n in graph[src]
        )

    for a in sorted(concepts):
        for b in sorted(graph[a]):
            if reaches(b, a, {b}):
                bad.append(f"cycle between concept packages: {a} -> {b} -> ... -> {a}")
    print("arrows between subpackages (count of imports):")
    for (a, b), n in sorted(edges.items()):
        print(f"  {a:13s} -> {b:13s} {n}")
    print("violations:" if bad else "violations: none")
    for v in bad:
        print("  " + v)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
