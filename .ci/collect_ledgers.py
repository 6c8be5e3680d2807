"""Run every chapter at one scale and print its paper-versus-here ledger (Markdown).

Usage: ``python .ci/collect_ledgers.py [OUT.md]`` (scale from ``FRACTAL_SCALE``, default
smoke). Each chapter's last ``ledger`` cell is executed with nbclient and its Markdown
output collected, so two runs (before and after a change) can be compared with ``diff``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def ledger_of(chapter: Path) -> str:
    nb = jupytext.read(chapter)
    NotebookClient(
        nb,
        timeout=1200,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
    ).execute()
    for cell in reversed(nb.cells):
        if cell.cell_type == "code" and cell.source.strip() == "ledger":
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "text/markdown" in data:
                    return data["text/markdown"]
    return "(no ledger cell)"


def main() -> None:
    os.environ.setdefault("FRACTAL_SCALE", "smoke")
    parts = []
    for chapter in sorted((ROOT / "notebooks").glob("*.md")):
        print(f"running {chapter.name}", file=sys.stderr, flush=True)
        parts.append(f"## {chapter.stem}\n\n{ledger_of(chapter)}\n")
    text = "\n".join(parts)
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
