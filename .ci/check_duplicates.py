"""Find code written twice and module-level names nobody uses; exit 1 if there are any.

Two checks over ``fractal_lib``, ``tests``, ``benchmarks``, ``.ci`` and the code cells
of the chapters (``notebooks/*.md``, read with jupytext and written to a temporary
folder, one ``.py`` file per chapter):

1. Duplicate code: pylint's similarity checker (``duplicate-code``, R0801) reports every
   block of at least ``MIN_LINES`` lines that appears twice, imports, docstrings and
   comments ignored.
2. Unused module-level names: vulture lists unused definitions; those defined at the top
   level of a module (functions, classes, constants, imports) are reported. The chapters
   are part of the scan, so a name a chapter uses counts as used; names used only by
   tools (pytest fixtures and hooks, lazy exports) are listed in
   ``.ci/vulture_whitelist.py``.

usage: python .ci/check_duplicates.py [--only duplicates|unused]
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import jupytext

REPO = Path(__file__).resolve().parents[1]
SOURCES = ["fractal_lib", "tests", "benchmarks", ".ci"]
WHITELIST = REPO / ".ci" / "vulture_whitelist.py"
MIN_LINES = 6
MIN_CONFIDENCE = 60
VULTURE_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+): (?P<what>unused \w+ '[^']+')"
)


def export_chapters(folder: Path) -> list[Path]:
    """Write the code cells of each chapter to ``folder/<chapter>.py``; IPython magics
    and shell lines are commented out. Returns the files written."""
    written = []
    for md in sorted((REPO / "notebooks").glob("*.md")):
        nb = jupytext.read(md)
        cells = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            lines = [
                f"# {line}" if line.lstrip().startswith(("%", "!")) else line
                for line in cell.source.splitlines()
            ]
            cells.append("\n".join(lines))
        path = folder / f"{md.stem}.py"
        path.write_text("\n\n\n".join(cells) + "\n", encoding="utf-8")
        written.append(path)
    return written


def duplicates(paths: list[str]) -> str:
    """Pylint's report of duplicated blocks (empty when there are none)."""
    cmd = [
        sys.executable,
        "-m",
        "pylint",
        "--disable=all",
        "--enable=duplicate-code",
        f"--min-similarity-lines={MIN_LINES}",
        "--ignore-imports=yes",
        "--ignore-docstrings=yes",
        "--ignore-comments=yes",
        "--ignore-signatures=yes",
        "--score=no",
        "--persistent=no",
        # pylint files each report under the last module it read: print the message only
        "--msg-template={msg}",
        *paths,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if out.returncode & 1 or out.returncode & 32:  # fatal or usage error
        raise SystemExit(out.stdout + out.stderr)
    lines = [x for x in out.stdout.splitlines() if not x.startswith("*************")]
    return "\n".join(lines).strip()


def _top_level_lines(path: Path) -> set[int]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return set()
    lines = set()
    for node in tree.body:
        lines.add(node.lineno)
        for dec in getattr(node, "decorator_list", []):
            lines.add(dec.lineno)
    return lines


def unused(paths: list[str]) -> list[str]:
    """Vulture's unused definitions that sit at the top level of a module."""
    cmd = [
        sys.executable,
        "-m",
        "vulture",
        f"--min-confidence={MIN_CONFIDENCE}",
        *paths,
        str(WHITELIST),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if out.returncode not in (0, 3):  # 3: unused code found
        raise SystemExit(out.stdout + out.stderr)
    found, tops = [], {}
    for line in out.stdout.splitlines():
        m = VULTURE_LINE.match(line)
        if not m:
            continue
        path = Path(m["file"])
        if path not in tops:
            tops[path] = _top_level_lines(REPO / path)
        if int(m["line"]) in tops[path]:
            found.append(line)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["duplicates", "unused"])
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="chapters_") as tmp:
        chapters = [str(p) for p in export_chapters(Path(tmp))]
        paths = [*SOURCES, *chapters]
        if args.only in (None, "duplicates"):
            report = duplicates(paths)
            for c in chapters:  # pylint names a chapter by its temporary module
                stem = Path(c).stem
                report = report.replace(f"=={stem}:", f"==notebooks/{stem}.md, code:")
            print(f"== duplicate code (blocks of >= {MIN_LINES} lines)")
            print(report or "none")
            failed |= bool(report)
        if args.only in (None, "unused"):
            # a chapter's line numbers count its code cells' lines only
            names = [
                re.sub(
                    rf"^{re.escape(tmp)}/(\w+)\.py:", r"notebooks/\1.md, code line ", n
                )
                for n in unused(paths)
            ]
            print(
                "== unused module-level names (vulture, confidence >= "
                f"{MIN_CONFIDENCE})"
            )
            print("\n".join(names) or "none")
            failed |= bool(names)
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
