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

It also fails a figure a reader cannot read or a screen reader cannot describe:

* an image whose alt text is empty or a file path (myst-nb's default when a figure cell
  has no ``mystnb: image: alt:``), and
* a PNG whose smallest text would be shown below :data:`MIN_LABEL_PX` pixels: the page
  shows an image at its natural size, shrunk to the column (:data:`COLUMN_PX`) when
  wider, and the smallest text of the house style (:data:`SMALLEST_PT` points, read
  from ``fractal_lib/core/fractal.mplstyle``) is ``SMALLEST_PT / 72 * dpi`` pixels
  at natural size, with the dpi from the PNG's ``pHYs`` chunk (PNGs without one, or
  whose file is missing, are not measured). The PNG frames of the static explorers
  (``ImageModel`` buffers in the page's embedded widget state) are measured the same
  way.

Usage: ``python .ci/check_figures.py [BOOK_ROOT] [HTML_DIR]`` (defaults: the repository
root and ``BOOK_ROOT/_build/html``). Exit status 0 when every page is complete, 1
otherwise.
"""

from __future__ import annotations

import base64
import json
import re
import struct
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
#: Width at which a figure of the chapter column is shown, in CSS pixels, at a 1280 px
#: window (measured in Chromium: the cell output is 676 px, a figure inside it 660 px).
COLUMN_PX = 660
#: Smallest height, in pixels as shown, allowed for the smallest text of a figure.
MIN_LABEL_PX = 9.0
_STYLE = Path(__file__).resolve().parent.parent / "fractal_lib/core/fractal.mplstyle"
_SIZE_KEY = re.compile(
    r"^\s*(?:font\.size|[\w.]*(?:labelsize|titlesize|fontsize))\s*:\s*([0-9.]+)\s*$",
    re.M,
)


def smallest_style_pt(style: Path = _STYLE) -> float:
    """The smallest font size (points) a matplotlib style sheet sets."""
    sizes = [float(v) for v in _SIZE_KEY.findall(style.read_text(encoding="utf-8"))]
    if not sizes:
        raise ValueError(f"no font size in {style}")
    return min(sizes)


#: Smallest text of the house style, in points (legend text).
SMALLEST_PT = smallest_style_pt()


def png_size_dpi(path: Path | bytes) -> tuple[int, int, float | None]:
    """Width and height in pixels of a PNG (a file or its bytes) and its dpi from the
    ``pHYs`` chunk (None without one, or when its unit is not the metre)."""
    data = path if isinstance(path, bytes) else path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path!r:.60} is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    pos, dpi = 8, None
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"pHYs":
            ppu_x, _, unit = struct.unpack(">IIB", data[pos + 8 : pos + 17])
            dpi = ppu_x * 0.0254 if unit == 1 else None
            break
        if kind in (b"IDAT", b"IEND"):
            break
        pos += 12 + length
    return width, height, dpi


def shown_label_px(width: int, dpi: float, points: float = SMALLEST_PT) -> float:
    """Height in CSS pixels of ``points``-point text of an image ``width`` pixels wide
    at ``dpi``, shown at natural size and shrunk to :data:`COLUMN_PX` when wider."""
    return points / 72 * dpi * min(1.0, COLUMN_PX / width)


def widget_frames(soup: object) -> list[bytes]:
    """The PNG images of the ``ImageModel`` widgets in a page's embedded widget state
    (the frames of the static explorers)."""
    frames = []
    for tag in soup.find_all(  # type: ignore[attr-defined]
        "script", type="application/vnd.jupyter.widget-state+json"
    ):
        models = json.loads(tag.string or "{}").get("state", {})
        for model in models.values():
            if model.get("model_name") != "ImageModel":
                continue
            for buf in model.get("buffers", []):
                data = base64.b64decode(buf.get("data", ""))
                if data[:8] == b"\x89PNG\r\n\x1a\n":
                    frames.append(data)
    return frames


def _path_like(alt: str, src: str) -> bool:
    alt = alt.strip()
    return (
        not alt
        or alt == src
        or re.fullmatch(r"\S*[/\\]\S*|\S+\.(png|gif|jpe?g|svg|pdf)", alt) is not None
    )


@dataclass
class PageReport:
    """Figures of one page: declared in its source and found in its HTML."""

    page: str
    declared: int = 0
    names: list[str] = field(default_factory=list)
    figures: int = 0
    with_image: int = 0
    images: int = 0
    smallest_px: float | None = None
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
    for fig in figures:
        ident = fig.get("id", "?")
        for img in fig.find_all("img"):
            src = str(img.get("src", ""))
            if _path_like(str(img.get("alt", "")), src):
                report.errors.append(
                    f"{page}: figure '{ident}' has no alt text saying what it shows "
                    f"(alt={img.get('alt', '')!r})"
                )
            image = (html.parent / src).resolve()
            if not src.lower().endswith(".png") or not image.is_file():
                continue
            width, _, dpi = png_size_dpi(image)
            if dpi is None:
                continue
            px = shown_label_px(width, dpi)
            report.smallest_px = (
                px if report.smallest_px is None else min(report.smallest_px, px)
            )
            if px < MIN_LABEL_PX:
                report.errors.append(
                    f"{page}: figure '{ident}' is {width} px wide at {dpi:.0f} dpi: "
                    f"its {SMALLEST_PT:g} pt text shows at {px:.1f} px in a "
                    f"{COLUMN_PX} px column (< {MIN_LABEL_PX:g}); make it at most "
                    f"{COLUMN_PX * SMALLEST_PT / 72 / MIN_LABEL_PX:.1f} inches wide "
                    "or split its panels over rows"
                )
    frames = [png_size_dpi(f) for f in widget_frames(soup)]
    measured = [(w, dpi) for w, _, dpi in frames if dpi is not None]
    if measured:
        width, dpi = min(measured, key=lambda wd: shown_label_px(*wd))
        px = shown_label_px(width, dpi)
        report.smallest_px = (
            px if report.smallest_px is None else min(report.smallest_px, px)
        )
        if px < MIN_LABEL_PX:
            report.errors.append(
                f"{page}: explorer frames up to {width} px wide at {dpi:.0f} dpi: "
                f"their {SMALLEST_PT:g} pt text shows at {px:.1f} px in a "
                f"{COLUMN_PX} px column (< {MIN_LABEL_PX:g}); make the explorer's "
                f"figure at most {COLUMN_PX * SMALLEST_PT / 72 / MIN_LABEL_PX:.1f} "
                "inches wide"
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
        f"{'images':>7s} {'min text px':>11s}"
    )
    for r in reports:
        px = "" if r.smallest_px is None else f"{r.smallest_px:.1f}"
        print(
            f"{r.page:45s} {r.declared:10d} {r.figures:8d} {r.with_image:10d} "
            f"{r.images:7d} {px:>11s}"
        )
    errors = [e for r in reports for e in r.errors]
    for e in errors:
        print(f"ERROR {e}", file=sys.stderr)
    if errors:
        print(
            f"check_figures: {len(errors)} error(s): missing images (is MPLBACKEND "
            "set to a non-inline backend?), alt texts or unreadable figures",
            file=sys.stderr,
        )
        return 1
    total = sum(r.declared for r in reports)
    print(
        f"check_figures: all {total} figures of {len(reports)} pages have images, "
        f"alt texts and text of at least {MIN_LABEL_PX:g} px"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
