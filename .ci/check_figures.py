#!/usr/bin/env python3
"""Fail when the built book lost a figure: every figure in a page's source has an image
in its HTML.

A figure cell whose plot never reached the notebook (for example matplotlib's Agg
backend, which ``MPLBACKEND=Agg`` selects, draws nothing into the notebook) still
builds: myst-nb just renders no figure, and ``jupyter-book build -W`` exits 0. This
check compares, for every page of ``_toc.yml``,

* the figures of its source: code cells with a ``mystnb: figure:`` option (caption,
  name) and ``{figure}`` / ``{glue:figure}`` directives, and
* its rendered HTML: ``<figure>`` elements and the images (``img``, inline ``svg``,
  ``object``) in them,

and fails, naming the page and the figure, when a named figure is missing or has no
image, when a ``<figure>`` has no image, or when the page has fewer figures with an
image than its source has figure directives.

Usage: ``python .ci/check_figures.py [BOOK_ROOT] [HTML_DIR]`` (defaults: the repository
root and ``BOOK_ROOT/_build/html``). Exit status 0 when every page is complete, 1
otherwise.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import yaml
from bs4 import BeautifulSoup
from docutils.nodes import make_id

_DIRECTIVE = re.compile(
    r"^\s*(?:`{3,}|:{3,})\{(?:figure|glue:figure)\}[^\n]*\n((?:\s*:[^\n]*\n)*)", re.M
)
_NAME_OPTION = re.compile(r"^\s*:name:\s*(\S+)", re.M)
IMAGE_TAGS = ("img", "svg", "object")


@dataclass
class PageReport:
    """Figures of one page: declared in its source and found in its HTML."""

    page: str
    declared: int = 0
    names: list[str] = field(default_factory=list)
    figures: int = 0
    with_image: int = 0
    images: int = 0
    errors: list[str] = field(default_factory=list)


def toc_pages(book_root: Path) -> list[str]:
    """Every page of ``_toc.yml`` (root first), as a path relative to ``book_root``, no
    suffix."""
    toc = yaml.safe_load((book_root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [
        str(Path(p).with_suffix("")) if Path(p).suffix in (".md", ".ipynb") else p
        for p in pages
    ]


def source_figures(path: Path) -> tuple[int, list[str]]:
    """Number of figure directives in a MyST or ipynb page, and the names given to
    them."""
    nb = jupytext.read(path, fmt="md:myst" if path.suffix == ".md" else None)
    count, names = 0, []
    for cell in nb.cells:
        if cell.cell_type == "code":
            figure = (cell.metadata.get("mystnb") or {}).get("figure")
            if figure is not None:
                count += 1
                if isinstance(figure, dict) and figure.get("name"):
                    names.append(str(figure["name"]))
        elif cell.cell_type == "markdown":
            for match in _DIRECTIVE.finditer(cell.source + "\n"):
                count += 1
                name = _NAME_OPTION.search(match.group(1))
                if name:
                    names.append(name.group(1))
    return count, names


def _has_image(tag: object) -> bool:
    return any(tag.find(t) is not None for t in IMAGE_TAGS)  # type: ignore[attr-defined]


def check_page(page: str, source: Path, html: Path) -> PageReport:
    """Compare one page's source figures with its rendered HTML."""
    report = PageReport(page)
    report.declared, report.names = source_figures(source)
    if not html.is_file():
        report.errors.append(f"{page}: no rendered page {html}")
        return report
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main") or soup.find("article") or soup
    figures = main.find_all("figure")
    report.figures = len(figures)
    report.with_image = sum(_has_image(f) for f in figures)
    report.images = sum(len(main.find_all(t)) for t in IMAGE_TAGS)
    for name in report.names:
        node = main.find(id=name) or main.find(id=make_id(name))
        if node is None:
            report.errors.append(
                f"{page}: figure '{name}' is not in the HTML (its cell drew no image)"
            )
        elif not _has_image(node):
            report.errors.append(f"{page}: figure '{name}' has a caption but no image")
    for fig in figures:
        if not _has_image(fig) and fig.get("id") not in report.names:
            caption = fig.find("figcaption")
            text = (
                " ".join(caption.get_text().split())[:60] if caption else "(no caption)"
            )
            report.errors.append(
                f"{page}: figure '{fig.get('id', '?')}' ({text}) has no image"
            )
    if report.with_image < report.declared:
        report.errors.append(
            f"{page}: {report.with_image} figures with an image in the HTML, "
            f"{report.declared} figure directives in the source"
        )
    return report


def check_book(book_root: Path, html_dir: Path) -> list[PageReport]:
    """Check every page of the table of contents that has a source file."""
    reports = []
    for page in toc_pages(book_root):
        source = next(
            (
                book_root / f"{page}{s}"
                for s in (".md", ".ipynb")
                if (book_root / f"{page}{s}").is_file()
            ),
            None,
        )
        if source is None:
            continue
        reports.append(check_page(page, source, html_dir / f"{page}.html"))
    return reports


def main(argv: list[str]) -> int:
    book_root = (
        Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    )
    html_dir = Path(argv[2]) if len(argv) > 2 else book_root / "_build" / "html"
    reports = check_book(book_root, html_dir)
    print(
        f"{'page':45s} {'directives':>10s} {'figures':>8s} {'with image':>10s} "
        f"{'images':>7s}"
    )
    for r in reports:
        print(
            f"{r.page:45s} {r.declared:10d} {r.figures:8d} {r.with_image:10d} "
            f"{r.images:7d}"
        )
    errors = [e for r in reports for e in r.errors]
    for e in errors:
        print(f"ERROR {e}", file=sys.stderr)
    if errors:
        print(
            f"check_figures: {len(errors)} missing figure(s); the book lost images "
            "(is MPLBACKEND set to a non-inline backend?)",
            file=sys.stderr,
        )
        return 1
    total = sum(r.declared for r in reports)
    print(f"check_figures: all {total} figures of {len(reports)} pages have images")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
