"""Run every chapter at one scale and print its paper-versus-here ledger (Markdown).

Usage: ``python .ci/collect_ledgers.py [OUT.md]`` (scale from ``FRACTAL_SCALE``,
default smoke). Each chapter is executed with nbclient; its ``ledger.save`` cell writes
its rows (:func:`fractal_lib.core.report.ledger_path`), which are read back here,
checked to belong to this run (:func:`fractal_lib.core.report.glance`) and printed, so
two runs (before and after a change) can be compared with ``diff``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(chapter: Path) -> None:
    """Execute ``chapter`` (a MyST notebook) in its folder; a failing cell raises."""
    nb = jupytext.read(chapter)
    NotebookClient(
        nb,
        timeout=1200,
        kernel_name="python3",
        resources={"metadata": {"path": str(chapter.parent)}},
    ).execute()


def _markdown(ledger: dict) -> str:
    from fractal_lib.core import report

    rows = report.Ledger([report.Comparison(**r) for r in ledger["rows"]])
    return f"Scale: {ledger['scale']}\n\n{rows.markdown()}"


def ledger_of(chapter: Path) -> str:
    """Run ``chapter`` and return the ledger it saved, as a Markdown table.

    Raises ``RuntimeError`` when the chapter saved no ledger in this run.
    """
    from fractal_lib.core import report

    path = report.ledger_path(chapter.stem)
    path.unlink(missing_ok=True)
    run(chapter)
    if chapter.stem in report.NO_LEDGER:
        return f"{chapter.name} ran; it compares with no paper and saves no ledger"
    data = report.read_json_or_none(path)
    if not isinstance(data, dict):
        raise RuntimeError(f"{chapter.name} saved no ledger at {path}")
    return _markdown(data)


def main() -> None:
    os.environ.setdefault("FRACTAL_SCALE", "smoke")
    from fractal_lib.core import report

    chapters = sorted((ROOT / "notebooks").glob("*.md"))
    for chapter in chapters:
        print(f"running {chapter.name}", file=sys.stderr, flush=True)
        run(chapter)
    results = report.glance(
        [c.stem for c in chapters if c.stem not in report.NO_LEDGER]
    )
    parts = [str(results.counts())]
    parts += [f"## {led['chapter']}\n\n{_markdown(led)}" for led in results.ledgers]
    text = "\n\n".join(parts) + "\n"
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
