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
    img = '<img alt="../_images/x.png" src="../_images/x.png" />' if image else ""
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
