"""The mechanical rules of CONTRIBUTING.md's "Chapters" section, on every chapter.

Each rule is one test, parametrised over ``notebooks/*.md`` (ids are the chapter names,
so ``pytest tests/test_conventions.py -k liu2024`` checks one chapter):

- the first code cell is the import cell, tagged ``hide-input`` and right after a
  Markdown alias table (``| alias | module |``) that names every alias it defines, each
  once;
- the only ``remove-input`` / ``remove-cell`` cells are the scales admonition and the
  ledger;
- every comparison is ``ledger.compare(...)``, never ``ledger.add(...)``;
- the last three H2 headings are "Differences from the paper", "Explore", "References";
- the model is shown from the library source with a ``literalinclude``;
- code-cell lines stay within 72 characters (the page's code column);
- figure cells of 8 lines or more are tagged ``hide-input``;
- every figure cell has an alt text (``mystnb: image: alt:``) that describes it, not a
  path, and differs from its caption;
- every name the import cell binds is in the table, an alias means one module across the
  book (``P``, the chapter's paper module, ``presets``, its sizes, and ``scale_study``,
  its scale studies, excepted) and every chapter calls its paper module ``P``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((REPO / "notebooks").glob("*.md"))
# 73 characters of 14 px monospace fit the page's 654 px code cells at a 1280 px window
# (measured in Chromium); 72 leaves one to spare.
MAX_LINE = 72
LAST_SECTIONS = ["Differences from the paper", "Explore", "References"]
# Chapters that compare with no paper and have no explorer end with their conclusions.
LAST_SECTIONS_OF = {
    "synthesis_five_lenses": ["What holds, what does not", "References"],
}
HIDDEN = {"remove-input", "remove-cell"}
# Figure cells this long (lines of code) are collapsed on the page (``hide-input``).
LONG_FIGURE_CELL = 8


@dataclass
class Cell:
    """A code cell of a MyST notebook."""

    line: int  # 1-based line of the opening fence
    tags: list[str]
    source: str
    before: str  # the Markdown between the previous cell and this one


@dataclass
class Chapter:
    """A MyST chapter split into code cells and the headings of its Markdown."""

    path: Path
    cells: list[Cell]
    h2: list[str]
    markdown: str


def _tags(options: list[str]) -> list[str]:
    for line in options:
        m = re.match(r"\s*:?tags:?\s*\[(.*)\]", line)
        if m:
            return [t.strip().strip("'\"") for t in m.group(1).split(",") if t.strip()]
    return []


def parse(path: Path) -> Chapter:
    """Split ``path`` into code cells (with their tags) and Markdown."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if lines and lines[0] == "---":  # jupytext front matter
        start = lines.index("---", 1) + 1
    cells, h2, markdown, chunk = [], [], [], []
    fence = None  # the opening backticks of the fence we are in
    i = start
    while i < len(lines):
        line = lines[i]
        if fence is None and line.startswith("```{code-cell}"):
            j, options = i + 1, []
            # options: ":key: value" lines, or a "---" delimited YAML block
            if j < len(lines) and lines[j] == "---":
                k = lines.index("---", j + 1)
                options, j = lines[j + 1 : k], k + 1
            else:
                while j < len(lines) and lines[j].startswith(":"):
                    options.append(lines[j])
                    j += 1
            end = j
            while lines[end].rstrip() != "```":
                end += 1
            source = "\n".join(lines[j:end]).strip("\n")
            cells.append(Cell(i + 1, _tags(options), source, "\n".join(chunk)))
            chunk = []
            i = end + 1
            continue
        if fence is None and re.match(r"^(`{3,}|~{3,})", line):
            fence = re.match(r"^(`{3,}|~{3,})", line).group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None and line.startswith("## "):
            h2.append(line[3:].strip())
        chunk.append(line)
        markdown.append(line)
        i += 1
    return Chapter(path, cells, h2, "\n".join(markdown))


def alias_table(markdown: str) -> list[tuple[str, str]]:
    """The rows of the last ``| alias | module |`` table in ``markdown``."""
    rows: list[tuple[str, str]] = []
    in_table = False
    for line in markdown.splitlines():
        cols = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and [c.lower() for c in cols[:2]] == [
            "alias",
            "module",
        ]:
            rows, in_table = [], True
        elif in_table and line.lstrip().startswith("|"):
            if not set(line.strip()) <= set("|-: "):
                # the module cell may go on after the name: "`a.b` (what it holds)"
                mod = (
                    re.match(r"`?([A-Za-z_][\w.]*)", cols[1]) if len(cols) > 1 else None
                )
                rows.append((cols[0], mod.group(1) if mod else ""))
        elif in_table and line.strip():
            in_table = False
    return rows


def aliases(source: str) -> dict[str, str]:
    """``alias -> module`` for every ``import x as a`` / ``from x import y as a``."""
    found = {}
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    )
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    found[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                if a.asname:
                    found[a.asname] = f"{node.module}.{a.name}"
    return found


@pytest.fixture(params=CHAPTERS, ids=[p.stem for p in CHAPTERS])
def chapter(request) -> Chapter:
    return parse(request.param)


def test_first_code_cell_is_the_visible_import_cell(chapter):
    first = chapter.cells[0]
    assert "hide-input" in first.tags, (
        f"line {first.line}: the first code cell must be tagged hide-input, "
        f"has {first.tags}"
    )
    table = alias_table(first.before)
    assert table, f"line {first.line}: no '| alias | module |' table before it"
    names = [a for a, _ in table]
    twice = sorted({a for a in names if names.count(a) > 1})
    assert not twice, f"aliases listed twice in the table: {twice}"
    imported = aliases(first.source)
    undeclared = sorted(set(imported) - set(names))
    assert not undeclared, f"aliases missing from the table: {undeclared}"
    wrong = [
        (a, mod, imported[a])
        for a, mod in table
        if a in imported
        and not (imported[a].endswith(mod) or mod.endswith(imported[a]))
    ]
    assert not wrong, (
        f"table rows that name another module (alias, table, import): {wrong}"
    )


def test_no_alias_is_redefined_later(chapter):
    defined = aliases(chapter.cells[0].source)
    clashes = []
    for cell in chapter.cells[1:]:
        try:
            later = aliases(cell.source)
        except SyntaxError:  # magics: nothing to check
            continue
        clashes += [
            (cell.line, a)
            for a, mod in later.items()
            if a in defined and mod != defined[a]
        ]
    assert not clashes, f"aliases that mean two modules (line, alias): {clashes}"


def test_only_admonition_and_ledger_are_removed(chapter):
    hidden = [c for c in chapter.cells if HIDDEN & set(c.tags)]
    extra = [
        c.line
        for c in hidden
        if "admonition(" not in c.source and "ledger" not in c.source
    ]
    assert not extra, f"remove-input/remove-cell cells at lines {extra}"
    lines = [c.line for c in hidden]
    assert len(lines) <= 2, f"removed cells at lines {lines}"


def test_comparisons_use_ledger_compare(chapter):
    adds = [c.line for c in chapter.cells if "ledger.add(" in c.source]
    assert not adds, f"ledger.add( in the cells at lines {adds}: use ledger.compare("


def test_last_sections(chapter):
    want = LAST_SECTIONS_OF.get(chapter.path.stem, LAST_SECTIONS)
    last = chapter.h2[-len(want) :]
    assert last == want, f"last H2 headings: {last}"


def test_model_shown_from_the_library_source(chapter):
    found = re.search(r"^(`{3,}|:{3,})\{literalinclude\}", chapter.markdown, re.M)
    assert found is not None, "no literalinclude directive"


def test_code_lines_fit(chapter):
    long = [
        (cell.line, n, len(line))
        for cell in chapter.cells
        for n, line in enumerate(cell.source.splitlines(), 1)
        if len(line) > MAX_LINE
    ]
    assert not long, (
        f"{len(long)} code lines over {MAX_LINE} characters (cell line, line in "
        f"cell, length): {long[:10]}"
    )


def test_every_figure_has_alt_text(chapter):
    """Every figure cell says what it shows in ``mystnb: image: alt:`` (myst-nb's
    default alt text is the image's file path, which tells a screen reader nothing)."""
    import jupytext

    nb = jupytext.read(chapter.path)
    bad = []
    for cell in nb.cells:
        mystnb = cell.metadata.get("mystnb") or {}
        if "figure" not in mystnb:
            continue
        name = (mystnb["figure"] or {}).get("name", "?")
        alt = str((mystnb.get("image") or {}).get("alt") or "").strip()
        if (
            len(alt.split()) < 4
            or re.search(r"(^|\s)\.{0,2}/\S|_images|\.(png|gif|jpe?g|svg)\b", alt)
            or alt == str(mystnb["figure"].get("caption", "")).strip()
        ):
            bad.append((name, alt[:40]))
    assert not bad, f"figures without an alt text saying what they show: {bad}"


def test_long_figure_cells_are_collapsed(chapter):
    """A figure cell of :data:`LONG_FIGURE_CELL` lines or more is tagged ``hide-input``:
    the figure stays on the page, its plotting code behind the "Show code cell source"
    toggle that ``book/how_to_use.md`` describes."""
    import jupytext

    nb = jupytext.read(chapter.path)
    open_ = [
        (cell.metadata["mystnb"]["figure"] or {}).get("name", "?")
        for cell in nb.cells
        if "figure" in (cell.metadata.get("mystnb") or {})
        and len(cell.source.splitlines()) >= LONG_FIGURE_CELL
        and "hide-input" not in cell.metadata.get("tags", [])
    ]
    assert not open_, f"long figure cells without the hide-input tag: {open_}"


def bound_names(source: str) -> dict[str, str]:
    """Every name an import binds (``import x``, ``import x as a``, ``from x import y``,
    ``from x import y as a``) -> the module or object it names."""
    found = {}
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    )
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            for a in node.names:
                found[a.asname or a.name.split(".")[0]] = a.name
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                found[a.asname or a.name] = f"{node.module}.{a.name}"
    return found


def test_every_imported_name_is_in_the_alias_table(chapter):
    first = chapter.cells[0]
    names = {a for a, _ in alias_table(first.before)}
    missing = sorted(set(bound_names(first.source)) - names)
    assert not missing, f"names the import cell binds but the table omits: {missing}"


# Aliases whose module is, by the convention, the chapter's own: ``P`` its paper module,
# ``presets`` its sizes, ``scale_study`` the reading of its recorded scale studies.
CHAPTER_RELATIVE = {
    "P": "fractal_lib.papers",
    "presets": "fractal_lib.papers.presets",
    "scale_study": "fractal_lib.papers.studies",
}


def test_an_alias_means_one_module_across_the_book():
    meaning: dict[str, dict[str, str]] = {}
    for path in CHAPTERS:
        for alias, mod in bound_names(parse(path).cells[0].source).items():
            meaning.setdefault(alias, {})[path.stem] = mod
    clashes = {
        a: chapters
        for a, chapters in meaning.items()
        if a not in CHAPTER_RELATIVE and len(set(chapters.values())) > 1
    }
    assert not clashes, (
        f"aliases that mean different modules in different chapters: {clashes}"
    )
    for alias, prefix in CHAPTER_RELATIVE.items():
        wrong = {
            c: m for c, m in meaning.get(alias, {}).items() if not m.startswith(prefix)
        }
        assert not wrong, f"{alias} must name a module under {prefix}: {wrong}"


def test_each_chapter_calls_its_paper_module_P(chapter):
    papers = {
        a: m
        for a, m in bound_names(chapter.cells[0].source).items()
        if m.startswith("fractal_lib.papers.")
        and ".presets" not in m
        and ".studies" not in m
    }
    assert list(papers) == ["P"], f"paper modules and their aliases: {papers}"
