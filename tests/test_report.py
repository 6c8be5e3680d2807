"""Comparison rows (issue 15): numbers rounded to their uncertainty, a status per row,
rows shown as Markdown that wraps, saved ledgers and the "Results at a glance" page."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fractal_lib.core import report
from fractal_lib.core.fits import DimensionFit
from fractal_lib.core.report import Ledger, Reported, fmt, judge

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_conventions import CHAPTERS, parse  # noqa: E402

# ------------------------------------------------------------------------------ fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ((1.23456, 0.0123), "1.235 ± 0.012"),
        ((0.98, 0.02), "0.980 ± 0.020"),
        ((12345.6, 123), "12350 ± 120"),
        ((0.5, 0.0996), "0.50 ± 0.10"),  # the error rounds up to a new decade
        ((1.0, 0.35), "1.00 ± 0.35"),  # two digits always, not the PDG rule
        ((-0.0004, 0.05), "0.000 ± 0.050"),  # no "-0.000"
        ((3e-6, 1e-7), "(3.00 ± 0.10)e-06"),
        ((1.2e7, 3e5), "(1.200 ± 0.030)e+07"),
        ((19.999999999999996, 0.0), "20.0"),  # a zero error: 3 significant digits
        ((19.999999999999996, math.nan), "20.0"),
        ((2.0, math.inf), "2.00"),
        (19.999999999999996, "20.0"),
        (0.1 + 0.2, "0.300"),
        (0.0, "0.00"),
        (1234567.0, "1.23e+06"),
        (np.float32(0.5), "0.500"),
        ((math.nan, 0.1), "nan"),
        ((7, 1e-17), "7.00"),  # an error below float precision is none
        ((0.9999999, 1e-9), "0.9999999000 ± 0.0000000010"),  # positional
        ((1.0, 1e-9), "1.0000000000 ± 0.0000000010"),
        ((1e300, 1e280), "1.00e+300"),
    ],
)
def test_fmt_exact_cases(value, text):
    assert fmt(value) == text


def test_fmt_digits_and_fits():
    assert fmt(19.999999999999996, 2) == "20"
    assert fmt((2.0, 0.0), 5) == "2.0000"
    fit = DimensionFit(0.99558, 0.005015, 0.0, np.arange(2), np.ones(2))
    assert fmt(fit) == "0.9956 ± 0.0050"


@pytest.mark.parametrize(
    ("value", "param"),
    [
        ((1.0, -0.1), "value"),
        ((1.0,), "value"),
        ("1.0", "value"),
        ((True, 0.1), "value"),
    ],
)
def test_fmt_rejects_what_it_cannot_print(value, param):
    with pytest.raises(ValueError, match=f"^{param}:"):
        fmt(value)


@pytest.mark.parametrize("digits", [0, 16, 2.0, True])
def test_fmt_rejects_bad_digits(digits):
    with pytest.raises(ValueError, match="^digits:"):
        fmt(1.0, digits)


def _parts(text: str) -> tuple[str, str, int]:
    """Value and error text and the shared exponent of a ``fmt`` result."""
    m = re.fullmatch(r"\((\S+) ± (\S+)\)e([+-]\d+)", text)
    if m:
        return m.group(1), m.group(2), int(m.group(3))
    v, e = text.split(" ± ")
    return v, e, 0


def _decimals(s: str) -> int:
    return len(s.split(".")[1]) if "." in s else 0


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1e9, 1e9, allow_nan=False),
    st.floats(1e-9, 1e8, allow_nan=False, allow_infinity=False),
)
def test_fmt_rounds_the_value_to_its_error(v, e):
    assume(e > abs(v) * 1e-12)  # an error below float64 resolution is noise
    text = fmt((v, e))
    vs, es, exp = _parts(text)
    scale = 10.0**exp
    err, val = float(es) * scale, float(vs) * scale
    # two significant digits of the error, the value to the same decimal place
    digits = es.replace(".", "").lstrip("0")
    if "." in es:
        assert len(digits) == 2, text
        ulp = 10.0 ** (exp - _decimals(es))
    else:  # "120": rounded to tens (or hundreds, ...), trailing zeros not significant
        assert len(digits.rstrip("0")) <= 2 and len(digits) >= 2, text
        ulp = 10.0 ** (exp + len(digits) - 2)
    assert _decimals(vs) == _decimals(es), text
    # rounding, not truncation or noise: within half a unit of the last place
    assert abs(err - e) <= 0.5 * ulp * (1 + 1e-9) + 1e-12 * e, text
    assert abs(val - v) <= 0.5 * ulp * (1 + 1e-9) + 1e-12 * abs(v), text
    assert len(vs) < 20 and "e" not in vs, text


def _significant(number: str) -> int:
    """Significant digits of a printed number (its mantissa, leading zeros dropped)."""
    mantissa = number.lstrip("(-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


@settings(max_examples=500, deadline=None)
@given(
    st.floats(-1e200, 1e200, allow_subnormal=False),
    st.floats(0, 1e200, allow_subnormal=False),
)
def test_fmt_never_prints_digits_beyond_float_precision(v, e):
    text = fmt((v, e))
    for number in re.findall(r"[-+(]?[\d.]+(?:e[+-]\d+)?", text.replace(")e", "e")):
        assert _significant(number) <= 15, text
    assert "0000000000000" not in text, text


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e12, 1e12, allow_nan=False), st.integers(1, 6))
def test_fmt_without_error_keeps_significant_digits(v, digits):
    text = fmt(v, digits)
    assert len(text) < 20
    if v != 0 and "e" not in text:
        mantissa = text.lstrip("-").replace(".", "").lstrip("0")
        # trailing zeros of an integer ("10" to one digit) are not significant
        significant = mantissa if "." in text else mantissa.rstrip("0")
        assert len(significant) <= digits <= len(mantissa), text
    back = float(text)
    assert math.isclose(back, v, rel_tol=10.0 ** (1 - digits), abs_tol=1e-300)


# ---------------------------------------------------------------------------- status

VALUE = Reported("Fig. 1", "q", 1.0, error=0.1)
RANGE = Reported("Fig. 1", "q", (1.0, 2.0), kind="range")
INTERVAL = Reported("Fig. 1", "q", 1.5, kind="interval", error=(1.4, 1.6))
CLAIM = Reported("Fig. 1", "q", "rises", kind="claim")


@pytest.mark.parametrize(
    ("fact", "here", "status"),
    [
        (VALUE, (1.2, 0.05), "reproduced"),  # |0.2| <= 2 * hypot(0.1, 0.05) = 0.224
        (VALUE, (1.25, 0.05), "missed"),
        (VALUE, 1.19, "reproduced"),  # a bare number: the paper's error alone
        (VALUE, 1.21, "missed"),
        (Reported("Fig. 1", "q", 1.0), 1.0, None),  # no error on either side
        (RANGE, 1.5, "reproduced"),
        (RANGE, (2.1, 0.06), "reproduced"),  # within 2 SE of the range
        (RANGE, (2.2, 0.05), "missed"),
        (INTERVAL, (1.7, 0.01), "missed"),
        (INTERVAL, 1.45, "reproduced"),
        (CLAIM, 1.0, None),
        (VALUE, "1.2 ± 0.05", None),  # text: no verdict
        (VALUE, (1.2, math.nan), None),
        (VALUE, DimensionFit(1.2, 0.05, 0.0, np.arange(2), np.ones(2)), "reproduced"),
        # agreement only because our error is large: inconclusive, never reproduced
        (Reported("S4", "q", 0.98, error=0.08), (0.59, 0.77), "inconclusive"),
        (Reported("S4", "q", 0.35, error=0.06), (0.24, 0.38), "inconclusive"),
        (VALUE, (1.1, 0.21), "inconclusive"),  # e > 2 * 0.1
        (VALUE, (1.1, 0.2), "reproduced"),  # e = 2 * 0.1: still informative
        (VALUE, (3.0, 0.5), "missed"),  # a large error does not save a miss
        # no paper error: e > 0.25 max(|p|, |v|) is inconclusive
        (Reported("F", "q", 0.3), (0.1, 0.1), "inconclusive"),
        (Reported("F", "q", 0.3), (0.25, 0.05), "reproduced"),
        (Reported("F", "q", 1.0), (3.0, 1.9), "inconclusive"),
        # a precise value near zero is informative
        (Reported("F", "q", 0.0, error=0.05), (0.0, 0.001), "reproduced"),
        (RANGE, (1.5, 1.1), "inconclusive"),  # e > 2 * half-width 0.5
        (INTERVAL, (1.5, 0.21), "inconclusive"),  # e > 2 * half-width 0.1
        (INTERVAL, (1.5, 0.19), "reproduced"),
    ],
)
def test_judge(fact, here, status):
    assert judge(fact, here) == status


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(0, 1e6, allow_nan=False),
    st.floats(0, 1e3, allow_nan=False),
)
def test_judge_never_reproduces_with_an_uninformative_error(p, s, e):
    v = p + 1.5 * e  # within 2 SE of the paper's value
    status = judge(Reported("F", "q", p, error=s), (v, e))
    vague = e > 2 * s if s > 0 else e > 0.25 * max(abs(p), abs(v))
    if vague:
        assert status in ("inconclusive", None)
    else:
        assert status in ("reproduced", None)


def test_a_spread_is_judged_from_its_standard_error():
    """A mean ± std row shows the std; its status comes from the standard error."""
    fact = Reported("S4", "q", 0.98, error=0.08)
    x = np.array([0.1, 0.4, 0.9, 1.2, 1.6, 0.2, 0.8, 0.5, 1.0])
    led = Ledger()
    spread = (x.mean(), x.std())
    assert led.compare(fact, spread).status == "inconclusive"
    row = led.compare(fact, spread, value=(x.mean(), x.std() / np.sqrt(x.size)))
    assert row.here == fmt(spread) and row.status == "reproduced"


def test_compare_status_stated_derived_or_tested():
    led = Ledger()
    assert led.compare(VALUE, (1.2, 0.05)).status == "reproduced"
    assert led.compare(VALUE, "about 1").status == "not comparable"
    assert led.compare(CLAIM, "rises", status="partial").status == "partial"
    assert led.compare(CLAIM, "rises", holds=np.bool_(False)).status == "missed"
    assert led.compare(VALUE, "x", value=(1.5, 0.01)).status == "missed"
    # the chapter's word wins over the rule
    assert led.compare(VALUE, (1.5, 0.01), status="partial").status == "partial"
    with pytest.raises(ValueError, match="^status:"):
        led.compare(VALUE, 1.0, status="ok")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^holds:"):
        led.compare(CLAIM, "x", holds=True, status="missed")
    with pytest.raises(ValueError, match="^holds:"):
        led.compare(CLAIM, "x", holds=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^target:"):
        led.compare(CLAIM, "x", target="figure-1")
    with pytest.raises(ValueError, match="^status:"):
        report.Comparison("Fig. 1", "q", "1", "2", status="fine")


# -------------------------------------------------------------------------- display


def test_show_displays_the_new_rows_as_markdown_that_wraps():
    led = Ledger()
    led.compare(VALUE, (1.2, 0.05), note="see exp-1.jl and model.py")
    led.compare(CLAIM, "a*b_c [x] $y$ {z}|", status="partial", target="fig-b")
    rows = led.show("fig-a")
    assert [r.target for r in rows.rows] == ["fig-a", "fig-b"]
    md = rows._repr_markdown_()
    assert md.count("\n- ") == 1 and md.startswith("- ")
    assert "paper **1 ± 0.1**, here **1.200 ± 0.050** (*reproduced*" in md
    # markup escaped, no link made of "model.py"
    assert r"a\*b\_c \[x\] \$y\$ \{z\}\|" in md and r"model\.py" in md
    assert "1.200" in str(rows) and "reproduced" in repr(rows)
    with pytest.raises(ValueError, match="^target:"):
        led.show("fig-a")  # nothing new
    led.compare(VALUE, 1.0)
    with pytest.raises(ValueError, match="^target:"):
        led.show("a-figure")
    table = led.markdown()
    assert table.count("\n") == 4 and "| status |" in table.splitlines()[0]


# -------------------------------------------------------------------- save and glance


@pytest.fixture
def ledgers(tmp_path, monkeypatch):
    """Two chapters and a cache folder of their own."""
    chapters = tmp_path / "notebooks"
    chapters.mkdir()
    for stem in ("a_ch", "b_ch"):
        (chapters / f"{stem}.md").write_text(f"# {stem}\n")
    monkeypatch.setattr(report, "CHAPTERS_DIR", chapters)
    monkeypatch.setenv("FRACTAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FRACTAL_SCALE", "smoke")
    return chapters


def _saved(stem: str, name: str) -> Ledger:
    led = Ledger()
    led.compare(VALUE, (1.2, 0.05))
    led.compare(CLAIM, "falls", holds=False)
    led.show(f"fig-{stem}")
    return led.save(stem, name)


def test_save_and_glance(ledgers):
    _saved("a_ch", "A 2020")
    _saved("b_ch", "B & C")
    data = json.loads(report.ledger_path("a_ch").read_text())
    assert data["scale"] == "smoke" and data["code_version"] == report.library_version()
    assert [r["status"] for r in data["rows"]] == ["reproduced", "missed"]
    g = report.glance(["b_ch", "a_ch"])
    counts = g.counts()._repr_markdown_()
    assert "| inconclusive | missed |" in counts.splitlines()[0]
    assert "{doc}`B & C </notebooks/b_ch>` | 1 | 0 | 0 | 1 | 0 | 2 |" in counts
    assert "| **all** | **2** | **0** | **0** | **2** | **0** | **4** |" in counts
    table = g.table()._repr_markdown_().splitlines()
    assert len(table) == 2 + 4
    assert table[2].startswith("| B & C: {ref}`Fig. 1 <fig-b_ch>` | q | 1 ± 0.1 |")


def test_glance_refuses_missing_and_stale_ledgers(ledgers, monkeypatch):
    _saved("a_ch", "A")
    with pytest.raises(report.StaleLedgerError, match="b_ch: no saved ledger"):
        report.glance(["a_ch", "b_ch"])
    _saved("b_ch", "B")
    monkeypatch.setenv("FRACTAL_SCALE", "book")
    with pytest.raises(report.StaleLedgerError, match="scale 'smoke', expected 'book'"):
        report.glance(["a_ch", "b_ch"])
    monkeypatch.setenv("FRACTAL_SCALE", "smoke")
    (ledgers / "b_ch.md").write_text("# b_ch, edited\n")
    with pytest.raises(report.StaleLedgerError, match="b_ch: stale.*chapter text"):
        report.glance(["a_ch", "b_ch"])
    _saved("b_ch", "B")
    monkeypatch.setattr(report, "library_version", lambda: "0.0.0+other")
    with pytest.raises(report.StaleLedgerError, match="library version"):
        report.glance(["a_ch", "b_ch"])


def _write_ledger(stem: str, edit) -> None:
    path = report.ledger_path(stem)
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda d: d["rows"][0].pop("status"), "row 0: expected the keys"),
        (lambda d: d["rows"][1].update(status="fine"), "row 1: unknown status 'fine'"),
        (lambda d: d["rows"][0].update(extra="x"), "row 0: expected the keys"),
        (lambda d: d["rows"][0].update(here=1.2), "row 0: a value is not a string"),
        (lambda d: d["rows"][0].update(target=""), "row 0: no figure target"),
        (lambda d: d.update(rows=[]), "no rows"),
        (lambda d: d.update(rows=["x"]), "row 0: expected the keys"),
        (lambda d: d.pop("name"), "no name"),
    ],
)
def test_glance_refuses_bad_rows_naming_the_chapter(ledgers, edit, why):
    _saved("a_ch", "A")
    _saved("b_ch", "B")
    _write_ledger("b_ch", edit)
    with pytest.raises(report.StaleLedgerError, match="b_ch: corrupt ledger") as e:
        report.glance(["a_ch", "b_ch"])
    assert why in str(e.value) and "a_ch" not in str(e.value).split("\n", 1)[1]


def test_glance_reports_a_corrupt_file_as_corrupt(ledgers):
    _saved("a_ch", "A")
    _saved("b_ch", "B")
    report.ledger_path("b_ch").write_text("{not json")
    with pytest.raises(report.StaleLedgerError, match="b_ch: corrupt ledger"):
        report.glance(["a_ch", "b_ch"])


def test_glance_and_save_check_their_arguments(ledgers):
    with pytest.raises(ValueError, match="^chapters:.*leaves out"):
        report.glance(["a_ch"])
    with pytest.raises(ValueError, match="^chapters:"):
        report.glance(["a_ch", "a_ch"])
    with pytest.raises(ValueError, match="^chapters:"):
        report.glance(["a_ch", "b_ch", "c_ch"])
    led = Ledger()
    led.compare(VALUE, 1.0)
    with pytest.raises(ValueError, match="^chapter:.*without a figure"):
        led.save("a_ch", "A")
    led.show("fig-x")
    with pytest.raises(ValueError, match="^chapter:"):
        led.save("no_such_chapter", "A")
    with pytest.raises(ValueError, match="^chapter"):
        led.save("../a_ch", "A")
    with pytest.raises(ValueError, match="^name:"):
        led.save("a_ch", " ")
    with pytest.raises(ValueError, match="^chapter:.*no rows"):
        Ledger().save("a_ch", "A")
    led.compare(VALUE, 1.0)
    with pytest.raises(ValueError, match="^target:"):
        led.show("fig-")
    assert not report.ledger_path("b_ch").exists()


# --------------------------------------------------------------- the chapters' cells


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapters_show_every_row_and_save_their_ledger(path):
    """No comparison in a stdout box; every cell with rows ends with ``ledger.show``
    naming a figure of the chapter; one cell saves the ledger under the chapter's
    name."""
    chapter = parse(path)
    names = set(re.findall(r"^\s*name: (fig-[\w-]+)\s*$", path.read_text(), re.M))
    cells = [c for c in chapter.cells if "ledger." in c.source]
    assert not [c.line for c in cells if "print(ledger" in c.source]
    for c in cells:
        if "ledger.compare(" in c.source:
            last = c.source.strip().splitlines()[-1]
            assert last.startswith("ledger.show("), (c.line, last)
        targets = re.findall(r'(?:show\(|target=)"([^"]+)"', c.source)
        assert set(targets) <= names, (c.line, set(targets) - names)
    if path.stem in report.NO_LEDGER:  # compares with no paper: nothing to save
        assert not cells, [c.line for c in cells]
        return
    saves = [c.source.replace("\n", "") for c in cells if "ledger.save(" in c.source]
    assert len(saves) == 1 and f'ledger.save("{path.stem}",' in saves[0]
    page = (REPO / "results" / "at_a_glance.md").read_text()
    assert f'"{path.stem}"' in page


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ((5e-324, 5e-324), "(4.9 ± 4.9)e-324"),  # subnormal: 10.0**-324 is 0
        ((9.99996e-5, 1e-8), "(1.00000 ± 0.00010)e-04"),  # mantissa rounds to 10
        ((1.79e308, 1.79e308), "(2 ± 2)e+308"),  # rounding past the largest float
    ],
)
def test_fmt_at_the_ends_of_the_float_range(value, text):
    assert fmt(value) == text
