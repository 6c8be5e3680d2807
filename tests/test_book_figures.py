"""Issue 12, case 5: the check that fails a built book whose figures lost their images.

``.ci/check_figures.py`` runs after the smoke build in ``.ci/run``; here it is checked
on a tiny synthetic book (a MyST page and hand-written HTML in myst-nb's shape), without
building anything. The chapters themselves select the inline backend in their setup
cell, checked last.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "bs4", reason="the check parses HTML with BeautifulSoup (a jupyter-book dependency)"
)

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "check_figures", ROOT / ".ci" / "check_figures.py"
)
assert _spec is not None and _spec.loader is not None
check_figures = importlib.util.module_from_spec(_spec)
sys.modules["check_figures"] = check_figures  # dataclasses look their module up there
_spec.loader.exec_module(check_figures)

PAGE = """---
jupytext:
  formats: md:myst
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

```{code-cell} ipython3
x = 1
```

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: First.
    name: fig-first
---
plot()
```

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: Second, unnamed.
---
plot()
```

```{figure} static.png
:name: fig-static
:width: 50%

A static figure.
```
"""


def _figure(fig_id: str | None, image: bool, caption: str) -> str:
    ident = f' id="{fig_id}"' if fig_id else ""
    img = '<img alt="A line plot." src="../_images/x.png" />' if image else ""
    return (
        f'<figure class="align-default"{ident}>\n{img}\n<figcaption>\n<p><span '
        'class="caption-number">'
        "Fig. 1 </span><span "
        f'class="caption-text">{caption}</span></p>\n</figcaption>\n</figure>\n'
    )


def _book(tmp_path: Path, figures: list[str]) -> tuple[Path, Path]:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "ch.md").write_text(PAGE)
    (tmp_path / "intro.md").write_text("# Intro\n\nNo figures.\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: notebooks/ch\n"
    )
    html = tmp_path / "_build" / "html"
    (html / "notebooks").mkdir(parents=True)
    (html / "intro.html").write_text(
        "<html><body><main><h1>Intro</h1></main></body></html>"
    )
    body = "".join(figures)
    (html / "notebooks" / "ch.html").write_text(
        '<html><body><div class="logo"><img '
        f'src="logo.png"/></div><main><article>{body}</article>'
        "</main></body></html>"
    )
    return tmp_path, html


def test_source_figures_counts_cells_and_directives(tmp_path: Path) -> None:
    root, _ = _book(tmp_path, [])
    count, names = check_figures.source_figures(root / "notebooks" / "ch.md")
    assert count == 3
    assert names == ["fig-first", "fig-static"]


def test_complete_page_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, html = _book(
        tmp_path,
        [
            _figure("fig-first", True, "First."),
            _figure(None, True, "Second."),
            _figure("fig-static", True, "A static figure."),
        ],
    )
    reports = check_figures.check_book(root, html)
    assert [r.page for r in reports] == ["intro", "notebooks/ch"]
    assert all(r.errors == [] for r in reports), [r.errors for r in reports]
    assert check_figures.main(["check", str(root), str(html)]) == 0
    assert "all 3 figures of 2 pages" in capsys.readouterr().out


def test_figure_drawn_nowhere_fails_naming_the_chapter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What MPLBACKEND=Agg did: the cell's figure never reached the notebook, so myst-nb
    # rendered no <figure> at all. The logo image outside <main> must not make up for
    # it.
    root, html = _book(
        tmp_path,
        [_figure(None, True, "Second."), _figure("fig-static", True, "A static.")],
    )
    assert check_figures.main(["check", str(root), str(html)]) == 1
    err = capsys.readouterr().err
    assert "notebooks/ch: figure 'fig-first' is not in the HTML" in err
    assert (
        "notebooks/ch: 2 figures with an image in the HTML, 3 figure directives" in err
    )


def test_caption_without_image_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, html = _book(
        tmp_path,
        [
            _figure("fig-first", True, "First."),
            _figure(None, False, "Second."),
            _figure("fig-static", True, "A static figure."),
        ],
    )
    assert check_figures.main(["check", str(root), str(html)]) == 1
    err = capsys.readouterr().err
    assert "notebooks/ch: figure '?' (Fig. 1 Second.) has no image" in err


def test_missing_page_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, html = _book(tmp_path, [])
    (html / "notebooks" / "ch.html").unlink()
    assert check_figures.main(["check", str(root), str(html)]) == 1
    assert "notebooks/ch: no rendered page" in capsys.readouterr().err


def _png(path: Path, width_in: float, dpi: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width_in, 1.0))
    fig.savefig(path, dpi=dpi)  # matplotlib writes the dpi into the pHYs chunk
    plt.close(fig)


def test_png_size_and_dpi_are_read(tmp_path: Path) -> None:
    _png(tmp_path / "a.png", 4.0, 110)
    width, height, dpi = check_figures.png_size_dpi(tmp_path / "a.png")
    assert (width, height) == (440, 110)
    assert dpi == pytest.approx(110, abs=0.1)


def test_smallest_text_of_the_house_style_is_the_legend() -> None:
    # legend.fontsize 9 is the smallest font size of fractal.mplstyle
    assert check_figures.SMALLEST_PT == 9
    # 9 pt at 110 dpi is 13.75 px natural; a 1400 px image is shown at 660 px
    assert check_figures.shown_label_px(1400, 110) == pytest.approx(6.48, abs=0.01)
    assert check_figures.shown_label_px(600, 110) == pytest.approx(13.75, abs=0.01)


@pytest.mark.parametrize(("width_in", "ok"), [(9.0, True), (12.0, False)])
def test_figure_too_wide_to_read_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], width_in: float, ok: bool
) -> None:
    root, html = _book(
        tmp_path,
        [
            _figure("fig-first", True, "First."),
            _figure(None, True, "Second."),
            _figure("fig-static", True, "A static figure."),
        ],
    )
    (html / "_images").mkdir()
    _png(html / "_images" / "x.png", width_in, 110)
    assert check_figures.main(["check", str(root), str(html)]) == (0 if ok else 1)
    err = capsys.readouterr().err
    assert ("is 1320 px wide at 110 dpi" in err) is not ok
    assert ("make it at most 9.2 inches wide" in err) is not ok


@pytest.mark.parametrize("alt", ["", "../_images/x.png", "x.png"])
def test_figure_without_alt_text_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], alt: str
) -> None:
    figure = _figure("fig-first", True, "First.").replace(
        'alt="A line plot."', f'alt="{alt}"'
    )
    root, html = _book(
        tmp_path,
        [
            figure,
            _figure(None, True, "Second."),
            _figure("fig-static", True, "A static figure."),
        ],
    )
    assert check_figures.main(["check", str(root), str(html)]) == 1
    assert "figure 'fig-first' has no alt text" in capsys.readouterr().err


def test_chapter_parts_number_figures_per_chapter() -> None:
    """Numbered parts make Sphinx number figures per chapter (Fig. 3.2), not through
    the whole book; ``numbered: 1`` leaves the sections of a chapter unnumbered."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for part in toc["parts"]:
        files = [c["file"] for c in part["chapters"]]
        if any(f.startswith("notebooks/") for f in files):
            assert part.get("numbered") == 1, part["caption"]


# Library figures are at most this wide (inches): the check above allows 9.2 at the
# house style's 9 pt, so 9 leaves room for a tight bounding box's overhang.
MAX_WIDTH_IN = 9.0
FIGURE_SOURCES = sorted(
    [
        *(ROOT / "fractal_lib").glob("*/plotting*.py"),
        *(ROOT / "fractal_lib").glob("*/widgets*.py"),
        *(ROOT / "fractal_lib" / "papers" / "studies").glob("*.py"),
        *(ROOT / "notebooks").glob("*.md"),
    ]
)


@pytest.mark.parametrize(
    "source", FIGURE_SOURCES, ids=lambda p: str(p.relative_to(ROOT))
)
def test_figure_sizes_and_fonts_stay_readable(source: Path) -> None:
    """Every literal ``figsize=(w, h)`` is at most :data:`MAX_WIDTH_IN` wide and every
    literal font size is at least the house style's smallest (9 pt), so labels stay
    at 9 px or more in the page's column (see ``.ci/check_figures.py``)."""
    import re

    text = source.read_text(encoding="utf-8")
    wide = [
        m.group(0)
        for m in re.finditer(r"figsize=\(\s*([0-9.]+)\s*,", text)
        if float(m.group(1)) > MAX_WIDTH_IN
    ]
    small = [
        m.group(0)
        for m in re.finditer(r"(?:fontsize|labelsize)=([0-9.]+)", text)
        if float(m.group(1)) < check_figures.SMALLEST_PT
    ]
    assert not wide, f"figures wider than {MAX_WIDTH_IN} in: {wide}"
    assert not small, f"text smaller than {check_figures.SMALLEST_PT} pt: {small}"


@pytest.mark.parametrize(
    "chapter", sorted((ROOT / "notebooks").glob("*.md")), ids=lambda p: p.stem
)
def test_chapter_setup_selects_inline_backend(chapter: Path) -> None:
    """With MPLBACKEND=Agg exported, figures reach the notebook only if the inline
    backend is chosen."""
    import jupytext

    nb = jupytext.read(chapter)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "%matplotlib inline" in first_code.source.splitlines(), chapter.name


def _legend_labels_drawn(ax) -> list[str]:  # noqa: ANN001
    """Legend entries of ``ax`` with no drawn artist (line, collection) of that
    label holding data."""
    drawn = {
        a.get_label()
        for a in [*ax.lines, *ax.collections, *ax.patches, *ax.containers]
        if (not hasattr(a, "get_xdata") or len(a.get_xdata()) > 0)
    }
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()] if legend else []
    return [label for label in labels if label not in drawn]


def test_box_counts_draw_the_papers_line_they_name() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from fractal_lib.boundaries import plotting

    fig = plotting.plot_box_counts(
        np.ones(6, int), None, label="x^2", paper="paper: 1", paper_line=(0.0, 0.0)
    )
    ax = fig.axes[0]
    assert _legend_labels_drawn(ax) == []
    (line,) = [ln for ln in ax.lines if ln.get_label() == "paper: 1"]
    assert np.array_equal(line.get_ydata(), [0.0, 0.0])
    plt.close(fig)
    with pytest.raises(ValueError, match="paper_line"):
        plotting.plot_box_counts(np.ones(6, int), paper="paper: 1")


def test_alpha_vs_dim_series_do_not_hide_each_other() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from fractal_lib.boundaries import plotting

    dims, alpha, err = [1, 10, 100], np.array([0.5, 0.6, 0.7]), np.zeros(3)
    fig = plotting.plot_alpha_vs_dim(dims, alpha, err, label="a")
    ax = fig.axes[0]
    plotting.plot_alpha_vs_dim(
        dims, alpha, err, ax=ax, label="b", marker="s", filled=False, offset=0.03
    )
    first, second = ax.lines[0], ax.lines[-1]
    # same values, but drawn at shifted x, with another marker and open face
    assert np.allclose(second.get_xdata(), np.array(dims) * 10**0.03)
    assert first.get_marker() != second.get_marker()
    assert second.get_markerfacecolor() == "white"
    assert _legend_labels_drawn(ax) == []
    plt.close(fig)
    with pytest.raises(ValueError, match="offset"):
        plotting.plot_alpha_vs_dim(dims, alpha, err, offset=0.5)


@pytest.mark.parametrize(("width_in", "ok"), [(8.0, True), (11.5, False)])
def test_explorer_frames_too_wide_to_read_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], width_in: float, ok: bool
) -> None:
    import base64
    import json

    _png(tmp_path / "frame.png", width_in, 150)
    state = {
        "version_major": 2,
        "state": {
            "m1": {
                "model_name": "ImageModel",
                "state": {"format": "png"},
                "buffers": [
                    {
                        "path": ["value"],
                        "encoding": "base64",
                        "data": base64.b64encode(
                            (tmp_path / "frame.png").read_bytes()
                        ).decode(),
                    }
                ],
            },
            "m2": {"model_name": "LayoutModel", "state": {}},
        },
    }
    script = (
        '<script type="application/vnd.jupyter.widget-state+json">'
        f"{json.dumps(state)}</script>"
    )
    root, html = _book(
        tmp_path,
        [
            _figure("fig-first", True, "First."),
            _figure(None, True, "Second."),
            _figure("fig-static", True, "A static figure." + script),
        ],
    )
    assert check_figures.main(["check", str(root), str(html)]) == (0 if ok else 1)
    assert ("explorer frames up to 1725 px wide" in capsys.readouterr().err) is not ok
