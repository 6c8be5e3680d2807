"""Paper-versus-here comparisons, shown next to each figure and collected for a summary
table.

A paper's reported values are written once, as :class:`Reported` facts in its module
under :mod:`fractal_lib.papers`; a chapter compares its own result with one of them
through :meth:`Ledger.compare`, which takes the paper's side of the row from the fact.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from numbers import Real
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .cache import library_version, read_json_or_none, save_json
from .config import cache_dir, get_scale
from .fits import DimensionFit

#: How a :class:`Reported` value is read: a number, a range, an interval or a claim.
FactKind = Literal["value", "range", "interval", "claim"]


@dataclass(frozen=True)
class Reported:
    """One value a paper reports, with where it comes from.

    Parameters
    ----------
    figure : str
        Where the paper shows it (``"Fig. 2a"``, ``"Sec. III D"``, ``"Table 1"``).
    quantity : str
        What the value is, in the paper's terms (units included where there are any).
    value : float, tuple of two floats or str
        A number (``kind="value"``); the ends of a range over several runs or settings
        (``kind="range"``); the point estimate of an interval (``kind="interval"``, with
        the interval in ``error``); or a qualitative claim (``kind="claim"``).
    kind : {"value", "range", "interval", "claim"}
        How ``value`` and ``error`` are read and printed.
    error : float or tuple of two floats, optional
        Symmetric error of a value (``value ± error``, finite and >= 0) or the
        interval ``(low, high)`` containing the value of an ``"interval"`` fact. Ranges
        and claims take none.
    source : str
        The text, table or file of the authors' code the value is quoted from.
    display : str, optional
        The paper's side of a comparison row when the generated text would lose
        information (for example ``"1.01–1.42 (Supp. Figs. 3/4)"``); defaults to
        :meth:`text`.
    digits : int, optional
        Decimals with which the paper prints its numbers (``1.60`` is ``1.6`` with
        ``digits=2``); by default six significant digits without trailing zeros.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, or ``value`` or ``error`` does not fit ``kind``
        (a number that is not a real number, a reversed range, a negative or
        non-finite error, an interval that does not contain its value).
    """

    figure: str
    quantity: str
    value: float | tuple[float, float] | str
    kind: FactKind = "value"
    error: float | tuple[float, float] | None = None
    source: str = ""
    display: str | None = None
    digits: int | None = None

    def __post_init__(self) -> None:
        ok = {
            "value": _is_real,
            "range": lambda v: _is_pair(v) and v[0] <= v[1],
            "interval": _is_real,
            "claim": lambda v: isinstance(v, str) and bool(v),
        }
        if self.kind not in ok:
            raise ValueError(f"kind: expected one of {sorted(ok)}, got {self.kind!r}")
        if not ok[self.kind](self.value):
            raise ValueError(f"value: {self.value!r} does not fit kind {self.kind!r}")
        e = self.error
        if self.kind == "interval":
            if not (_is_pair(e) and e[0] <= self.value <= e[1]):  # type: ignore[index,operator]
                raise ValueError(
                    "error: an 'interval' fact needs error=(low, high) around the "
                    f"value {self.value!r}, got {e!r}"
                )
        elif self.kind == "value":
            if e is not None and not (_is_real(e) and np.isfinite(e) and e >= 0):
                raise ValueError(f"error: expected a finite number >= 0, got {e!r}")
        elif e is not None:
            raise ValueError(f"error: a {self.kind!r} fact takes no error, got {e!r}")
        if self.digits is not None and not (
            isinstance(self.digits, int)
            and not isinstance(self.digits, bool)
            and 0 <= self.digits <= 12
        ):
            raise ValueError(f"digits: expected an int in [0, 12], got {self.digits!r}")

    @property
    def number(self) -> float:
        """The value as one number (a range's midpoint).

        Raises
        ------
        ValueError
            For a claim, which has no number.
        """
        if self.kind == "claim":
            raise ValueError(f"{self.figure} {self.quantity}: a claim has no number")
        if self.kind == "range":
            lo, hi = self.value  # type: ignore[misc]
            return 0.5 * (float(lo) + float(hi))
        return float(self.value)  # type: ignore[arg-type]

    def text(self) -> str:
        """The value as a comparison row prints it (``display`` when given).

        Returns
        -------
        str
            ``display``; else the claim, ``"lo–hi"`` for a range, ``"v [lo, hi]"`` for
            an interval, ``"v ± e"`` or ``"v"`` for a value.
        """
        if self.display is not None:
            return self.display
        if self.kind == "claim":
            return str(self.value)
        d = self.digits
        if self.kind == "range":
            lo, hi = self.value  # type: ignore[misc]
            return f"{_num(lo, d)}–{_num(hi, d)}"
        if self.kind == "interval":
            lo, hi = self.error  # type: ignore[misc]
            return f"{_num(self.value, d)} [{_num(lo, d)}, {_num(hi, d)}]"
        if self.error is not None:
            return f"{_num(self.value, d)} ± {_num(self.error, d)}"
        return _num(self.value, d)

    def __str__(self) -> str:
        return self.text()


def _is_real(v: object) -> bool:
    """A finite real number (bools excluded)."""
    return (
        isinstance(v, Real)
        and not isinstance(v, bool | np.bool_)
        and bool(np.isfinite(v))
    )


def _is_pair(v: object) -> bool:
    return isinstance(v, tuple) and len(v) == 2 and all(_is_real(x) for x in v)


def _num(v: object, digits: int | None = None) -> str:
    """A reported number as the paper writes it: ``digits`` decimals when given, else
    up to six significant digits (no float noise such as 0.30000000000000004)."""
    if digits is not None:
        return f"{float(v):.{digits}f}"  # type: ignore[arg-type]
    if isinstance(v, float | np.floating):
        return f"{float(v):.6g}"
    return str(v)


#: Significant digits of an error printed by :func:`fmt` (the value is rounded to the
#: same decimal place).
ERROR_DIGITS = 2

#: Relative error below which :func:`fmt` treats an error as zero (float precision
#: leaves no digits to round to): the value is printed alone.
_NEGLIGIBLE = 1e-12

#: Decimal exponents outside which :func:`fmt` writes numbers as ``(v ± e)e±XX`` instead
#: of positionally: below 1e-4 or from 1e6 on.
_POSITIONAL = (-4, 6)


def _exponent(x: float) -> int:
    """Decimal exponent of ``x != 0`` (``floor(log10 |x|)``)."""
    return int(np.floor(np.log10(abs(x))))


def _fixed(x: float, decimals: int) -> str:
    """``x`` rounded to ``decimals`` places (negative: tens, hundreds, ...), no noise
    and no ``-0``."""
    text = f"{x:.{decimals}f}" if decimals >= 0 else f"{round(x, decimals):.0f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _sig(x: float, digits: int) -> str:
    """``x`` to ``digits`` significant digits, trailing zeros kept (``20.0``)."""
    if x == 0:
        return _fixed(0.0, digits - 1)
    decimals = digits - 1 - _exponent(x)
    rounded = round(x, decimals)
    if rounded != 0 and _exponent(rounded) != _exponent(x):  # 9.96 -> 10.0
        decimals -= 1
    return _fixed(x, decimals)


def _scientific(x: float, digits: int) -> str:
    """``x`` to ``digits`` significant digits as ``m.mme±XX``."""
    return f"{x:.{digits - 1}e}"


def fmt(value: tuple[float, float] | DimensionFit | float, digits: int = 3) -> str:
    """Format a (value, error) pair, a fit or a number, rounded to its uncertainty.

    The error is printed with :data:`ERROR_DIGITS` (two) significant digits, always
    (not the PDG rule, which drops to one digit from 355 on), and the value is rounded
    to the same decimal place: ``(1.23456, 0.0123)`` prints ``"1.235 ± 0.012"``,
    ``(12345.6, 123)`` prints ``"12350 ± 120"``. Numbers whose decimal exponent is
    below -4 or from 6 on share one exponent: ``"(3.00 ± 0.10)e-06"``, and so do
    numbers below 0.1 that would need more than six decimals.
    An error below ``1e-12 |value|`` (or the float spacing of the value) is treated
    as zero, so no output has more than about 15 significant digits.

    Parameters
    ----------
    value : tuple of two floats, DimensionFit or float
        ``(value, error)``; a fit gives ``(alpha, stderr)``; a number is printed alone.
    digits : int
        Significant digits of a value printed without an error: a plain number, or a
        pair whose error is zero or not finite (then the value alone is printed).

    Returns
    -------
    str
        ``"v ± e"``; ``"v"`` for a number or a zero or non-finite error; ``"nan"``
        or ``"inf"`` for a value that is not finite.

    Raises
    ------
    ValueError
        If ``value`` is not a number, a pair of numbers or a fit, the error is
        negative, or ``digits`` is not an int in [1, 15].
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 15:
        raise ValueError(f"digits: expected an int in [1, 15], got {digits!r}")
    if isinstance(value, DimensionFit):
        value = (value.alpha, value.stderr)
    if isinstance(value, tuple | list):
        if len(value) != 2 or not all(_is_number(x) for x in value):
            raise ValueError(f"value: expected (value, error), got {value!r}")
        v, e = float(value[0]), float(value[1])
        if e < 0:
            raise ValueError(f"value: the error must be >= 0, got {e!r}")
    elif _is_number(value):
        v, e = float(value), 0.0  # type: ignore[arg-type]
    else:
        raise ValueError(f"value: expected a number, a pair or a fit, got {value!r}")
    if not np.isfinite(v):
        return str(v)
    with np.errstate(over="ignore"):  # spacing of the largest floats is inf
        ulp = float(np.spacing(v))
    if e < max(_NEGLIGIBLE * abs(v), ulp if np.isfinite(ulp) else 0.0):
        e = 0.0  # below float precision: no digits to round to
    if not (np.isfinite(e) and e > 0):
        if v != 0 and not _POSITIONAL[0] <= _exponent(v) < _POSITIONAL[1]:
            return _scientific(v, digits)
        return _sig(v, digits)
    e_exp = _exponent(e)
    decimals = ERROR_DIGITS - 1 - e_exp
    try:
        bumped = _exponent(round(e, decimals)) != e_exp  # 0.0996 -> 0.100 -> 0.10
    except OverflowError:  # rounds past the largest float: it bumped too
        bumped = True
    if bumped:
        decimals -= 1
    top = _exponent(v) if v != 0 and abs(v) > e else e_exp
    positional = _POSITIONAL[0] <= top < _POSITIONAL[1]
    if not (positional and (top >= -1 or decimals <= -_POSITIONAL[0] + 2)):
        d = decimals + top
        if abs(round(_shifted(v, top), d)) >= 10:  # 9.99996e-5 rounds to 1.0e-4
            top, d = top + 1, d + 1
        return (
            f"({_fixed(_shifted(v, top), d)} ± {_fixed(_shifted(e, top), d)})"
            f"e{top:+03d}"
        )
    return f"{_fixed(v, decimals)} ± {_fixed(e, decimals)}"


def _shifted(x: float, top: int) -> float:
    """``x / 10**top`` without the underflow of ``10.0**top`` (subnormal values)."""
    return float(Decimal(x).scaleb(-top))


def _is_number(x: object) -> bool:
    """A real number (bools excluded; nan and inf included)."""
    return isinstance(x, Real) and not isinstance(x, bool | np.bool_)


#: The verdict of a comparison row, from agreement to none possible.
Status = Literal["reproduced", "partial", "inconclusive", "missed", "not comparable"]

#: The statuses in the order tables list them.
STATUSES: tuple[str, ...] = (
    "reproduced",
    "partial",
    "inconclusive",
    "missed",
    "not comparable",
)

#: Combined standard errors within which a number agrees with the paper's.
AGREEMENT_SIGMAS = 2.0
#: Against a paper number without an uncertainty, our error may be at most this
#: fraction of the larger of the two magnitudes for an agreement to count.
RELATIVE_PRECISION = 0.25


def judge(
    fact: Reported, here: str | tuple[float, float] | DimensionFit | float
) -> Status | None:
    """The status of ``here`` against ``fact`` where both are numbers, else None.

    The rule (:data:`AGREEMENT_SIGMAS` = 2):

    * a value ``p ± s`` (``s = 0`` without an error) against ours ``v ± e``
      (``e = 0`` for a bare number): ``"reproduced"`` if ``|v - p| <= 2 sqrt(e² +
      s²)``, else ``"missed"``; no verdict when both errors are zero;
    * a range or an interval ``[lo, hi]``: ``"reproduced"`` if ``[v - 2e, v + 2e]``
      meets ``[lo, hi]`` (ours inside the range, or consistent with it within two
      standard errors), else ``"missed"``;
    * ``"inconclusive"`` instead of ``"reproduced"`` when the two agree only because
      our error is large: ``e > 2 u`` where ``u > 0`` is the paper's uncertainty (its
      error ``s``, or the half-width of its range or interval); against a paper
      number without one (``u = 0``: a bare value, a range of one point),
      ``e > 0.25 max(|p|, |v|)`` (:data:`RELATIVE_PRECISION`). Such a number is
      consistent with the paper's and with much else; a precise value near zero is
      not;
    * a claim, or ours given as text or with a non-finite value or error: no verdict
      (the chapter states the status, see :meth:`Ledger.compare`).

    Ours must carry a standard error for this rule: a standard deviation over runs
    (a spread) is not one; pass the spread as ``here`` and the standard error as
    ``value`` to :meth:`Ledger.compare`.

    "partial" is never derived: it is the chapter's word for a row that agrees in part.

    Parameters
    ----------
    fact : Reported
        The paper's value.
    here : str, (value, error), DimensionFit or float
        Ours.

    Returns
    -------
    str or None
        ``"reproduced"``, ``"inconclusive"``, ``"missed"`` or None.
    """
    if isinstance(here, DimensionFit):
        here = (here.alpha, here.stderr)
    if isinstance(here, tuple | list) and len(here) == 2:
        if not all(_is_number(x) for x in here):
            return None
        v, e = float(here[0]), float(here[1])
    elif _is_number(here):
        v, e = float(here), 0.0  # type: ignore[arg-type]
    else:
        return None
    if fact.kind == "claim" or not (np.isfinite(v) and np.isfinite(e) and e >= 0):
        return None
    k = AGREEMENT_SIGMAS
    if fact.kind == "value":
        u = float(fact.error or 0.0)  # type: ignore[arg-type]
        sigma = float(np.hypot(e, u))
        if sigma == 0:
            return None
        agrees = abs(v - float(fact.value)) <= k * sigma  # type: ignore[arg-type]
    else:
        lo, hi = fact.value if fact.kind == "range" else fact.error  # type: ignore[misc]
        u = 0.5 * (float(hi) - float(lo))
        agrees = v + k * e >= lo and v - k * e <= hi
    if not agrees:
        return "missed"
    if u > 0:
        vague = e > k * u
    else:
        p = fact.number
        vague = e > RELATIVE_PRECISION * max(abs(p), abs(v))
    if vague:
        return "inconclusive"
    return "reproduced"


#: Characters escaped in the Markdown of a row (MyST would read them as markup).
_MARKUP = set("\\`*_[]<>{}$|#~^")


def _md(text: str) -> str:
    """``text`` with Markdown/MyST markup escaped, and no link made of ``name.py``
    (a web address, ``http://...``, stays one link)."""
    out = []
    for token in re.split(r"(\s+)", text):
        if "://" in token:  # a web address: linkify makes it a link
            out.append(token)
            continue
        for i, c in enumerate(token):
            nxt = token[i + 1] if i + 1 < len(token) else ""
            if c in _MARKUP or (c == "." and nxt.isalpha()):
                out.append("\\" + c)
            else:
                out.append(c)
    return "".join(out)


def _role(text: str) -> str:
    """``text`` fit for the title of a MyST role (``{ref}`title <label>```): role text
    has no escapes, so backticks become quotes and angle brackets ``‹ ›``."""
    return text.replace("`", "'").replace("<", "‹").replace(">", "›")


@dataclass(frozen=True)
class Comparison:
    """One number of the paper next to ours, with its status.

    Parameters
    ----------
    figure : str
        Where the paper shows it.
    quantity : str
        What is compared.
    paper : str
        The paper's value, as printed.
    here : str
        Ours, as printed.
    note : str
        Why the two differ or how ours was measured.
    status : {"reproduced", "partial", "inconclusive", "missed", "not comparable"}
        The verdict (see :func:`judge` and :meth:`Ledger.compare`).
    target : str
        The label of the chapter's figure the row belongs to (``"fig-..."``), or ``""``
        before :meth:`Ledger.show` sets it.

    Raises
    ------
    ValueError
        If ``status`` is not one of :data:`STATUSES`.
    """

    figure: str
    quantity: str
    paper: str
    here: str
    note: str = ""
    status: str = "not comparable"
    target: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(
                f"status: expected one of {list(STATUSES)}, got {self.status!r}"
            )

    def __str__(self) -> str:
        tail = f"; {self.note}" if self.note else ""
        return (
            f"{self.figure}, {self.quantity}: paper {self.paper}, "
            f"here {self.here} ({self.status}{tail})"
        )

    def _repr_markdown_(self) -> str:
        tail = f"; {_md(self.note)}" if self.note else ""
        return (
            f"**{_md(self.figure)}**, {_md(self.quantity)}: "
            f"paper **{_md(self.paper)}**, here **{_md(self.here)}** "
            f"(*{self.status}*{tail})"
        )

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Rows:
    """A few comparison rows shown together (as a list that wraps, not a stdout box).

    Parameters
    ----------
    rows : tuple of Comparison
        The rows, in the order they were added.
    """

    rows: tuple[Comparison, ...]

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self.rows)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return "\n".join(f"- {r._repr_markdown_()}" for r in self.rows)


def _check_stem(name: object, what: str) -> str:
    if (
        not isinstance(name, str)
        or not name
        or not all(c.isalnum() or c in "_-" for c in name)
    ):
        raise ValueError(f"{what} must be a plain file stem, got {name!r}")
    return name


def _check_target(target: object) -> None:
    if not (isinstance(target, str) and target.startswith("fig-") and target[4:]):
        raise ValueError(f"target: expected a figure label 'fig-...', got {target!r}")


@dataclass
class Ledger:
    """Collects :class:`Comparison` rows; a cell adds rows with :meth:`compare` and
    ends with :meth:`show`, which displays them.

    Parameters
    ----------
    rows : list of Comparison
        The rows so far (empty for a new ledger).
    """

    rows: list[Comparison] = field(default_factory=list)
    _shown: int = field(default=0, init=False, repr=False)

    def add(
        self,
        figure: str,
        quantity: str,
        *,
        paper: str,
        here: str,
        note: str = "",
        status: str = "not comparable",
        target: str = "",
    ) -> Comparison:
        """Add a row from its printed parts and return it.

        Chapters use :meth:`compare`, which takes the paper's side from its
        :class:`Reported` fact.

        Parameters
        ----------
        figure, quantity : str
            Where the paper shows it, and what is compared.
        paper, here : str
            The paper's value and ours, as printed.
        note : str
            Why the two differ or how ours was measured.
        status : str
            One of :data:`STATUSES`.
        target : str
            The chapter's figure of the row (see :meth:`show`).

        Returns
        -------
        Comparison
            The new row.
        """
        row = Comparison(figure, quantity, paper, here, note, status, target)
        self.rows.append(row)
        return row

    def compare(
        self,
        fact: Reported,
        here: str | tuple[float, float] | DimensionFit | float,
        *,
        note: str = "",
        figure: str | None = None,
        quantity: str | None = None,
        digits: int = 3,
        status: Status | None = None,
        holds: bool | None = None,
        target: str | None = None,
        value: tuple[float, float] | DimensionFit | float | None = None,
    ) -> Comparison:
        """Add the row comparing ``here`` with the paper's ``fact`` and return it.

        Parameters
        ----------
        fact : Reported
            The paper's value, from the paper's module in :mod:`fractal_lib.papers`.
        here : str, (value, error), DimensionFit or float
            Our value; anything but a string is formatted with :func:`fmt` (rounded to
            its error).
        note : str
            Why the two differ or how ours was measured.
        figure, quantity : str, optional
            Override the fact's figure or quantity label (for example when the chapter
            compares a derived quantity with it).
        digits : int
            Significant digits of ``here`` when it has no error.
        status : str, optional
            The chapter's verdict (one of :data:`STATUSES`), as its text states it.
            It is required for claims
            and for ``here`` given as text unless the row is "not comparable"
            (the default then), and it overrides the verdict of :func:`judge` for
            numbers.
        holds : bool, optional
            Whether the paper's claim holds for ours, as the chapter's cell tests it:
            gives ``"reproduced"`` (True) or ``"missed"`` (False). Not with ``status``.
        target : str, optional
            The chapter's figure of this row (``"fig-..."``) when it is not the one
            that the cell's :meth:`show` names.
        value : (value, error), DimensionFit or float, optional
            The number behind ``here`` when ``here`` is text (for example a fit
            printed with more context), or the standard error behind ``here`` when
            ``here`` shows a spread (mean ± std): :func:`judge` derives the status
            from it.

        Returns
        -------
        Comparison
            The new row.

        Raises
        ------
        ValueError
            If ``status`` is not one of :data:`STATUSES`, ``holds`` is not a bool or
            comes with ``status``, or ``here`` cannot be formatted (see :func:`fmt`).
        """
        if status is not None and status not in STATUSES:
            raise ValueError(
                f"status: expected one of {list(STATUSES)}, got {status!r}"
            )
        if holds is not None:
            if not isinstance(holds, bool | np.bool_) or status is not None:
                raise ValueError(
                    f"holds: expected True or False without a status, got {holds!r}"
                )
            status = "reproduced" if holds else "missed"
        if target is not None:
            _check_target(target)
        text = here if isinstance(here, str) else fmt(here, digits)
        judged = here if value is None else value
        verdict = status or judge(fact, judged) or "not comparable"
        return self.add(
            figure or fact.figure,
            quantity or fact.quantity,
            paper=fact.text(),
            here=text,
            note=note,
            status=verdict,
            target=target or "",
        )

    def show(self, target: str) -> Rows:
        """The rows added since the last ``show``, tied to the chapter's figure
        ``target`` (rows given their own target keep it); a cell that ends with it
        displays them.

        Parameters
        ----------
        target : str
            The ``:name:`` of the chapter's figure the rows belong to (``"fig-..."``);
            the "Results at a glance" page links to it.

        Returns
        -------
        Rows
            The new rows.

        Raises
        ------
        ValueError
            If ``target`` is not ``"fig-"`` followed by a label, or no row was added
            since the last ``show``.
        """
        _check_target(target)
        if self._shown == len(self.rows):
            raise ValueError("target: no row was added since the last show")
        new = [replace(r, target=r.target or target) for r in self.rows[self._shown :]]
        self.rows[self._shown :] = new
        self._shown = len(self.rows)
        return Rows(tuple(new))

    def markdown(self) -> str:
        """All rows as a Markdown table.

        Returns
        -------
        str
            A header (figure, quantity, paper, here, status) and one line per row; the
            note follows our value in parentheses.
        """
        lines = [
            "| figure | quantity | paper | here | status |",
            "|---|---|---|---|---|",
        ]
        for r in self.rows:
            here = _md(r.here) + (f" ({_md(r.note)})" if r.note else "")
            cells = [_md(r.figure), _md(r.quantity), _md(r.paper), here, r.status]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def save(self, chapter: str, name: str) -> Ledger:
        """Write the rows to :func:`ledger_path` for the "Results at a glance" page.

        The file (json, written atomically) records the scale, the library's code
        version (:func:`~fractal_lib.core.cache.library_version`) and a hash of the
        chapter's source, so the page can refuse a ledger another scale, library or
        chapter text produced.

        Parameters
        ----------
        chapter : str
            The chapter's file stem (``notebooks/<chapter>.md``).
        name : str
            The chapter's short name in the summary table (``"Liu 2024"``).

        Returns
        -------
        Ledger
            ``self`` (a cell that ends with it displays the table of all rows).

        Raises
        ------
        ValueError
            If ``chapter`` is not the stem of a chapter in ``notebooks/``, ``name`` is
            empty, the ledger has no rows, or a row has no figure target (a cell
            without :meth:`show`).
        """
        source = CHAPTERS_DIR / f"{_check_stem(chapter, 'chapter')}.md"
        if not source.is_file():
            raise ValueError(f"chapter: no chapter {source.name} in {CHAPTERS_DIR}")
        if not (isinstance(name, str) and name.strip()):
            raise ValueError(f"name: expected a short chapter name, got {name!r}")
        if not self.rows:
            raise ValueError(f"chapter: the ledger of {chapter} has no rows to save")
        loose = [r.quantity for r in self.rows if not r.target]
        if loose:
            raise ValueError(
                f"chapter: rows without a figure (end their cell with show): {loose}"
            )
        data = {
            "chapter": chapter,
            "name": name,
            "scale": get_scale(),
            "code_version": library_version(),
            "chapter_sha256": _sha256(source),
            "rows": [asdict(r) for r in self.rows],
        }
        try:
            save_json(ledger_path(chapter), data)
        except OSError as e:
            warnings.warn(f"ledger of {chapter} not saved: {e}", stacklevel=2)
        return self


#: The chapters' sources (``notebooks/*.md`` of the source checkout).
CHAPTERS_DIR = Path(__file__).resolve().parents[2] / "notebooks"


def ledger_path(chapter: str) -> Path:
    """Where :meth:`Ledger.save` writes a chapter's ledger.

    Parameters
    ----------
    chapter : str
        The chapter's file stem.

    Returns
    -------
    Path
        ``<cache_dir()>/ledgers/<chapter>.json`` (see
        :func:`fractal_lib.core.config.cache_dir`).

    Raises
    ------
    ValueError
        If ``chapter`` is not a plain file stem.
    """
    return cache_dir() / "ledgers" / f"{_check_stem(chapter, 'chapter')}.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class MarkdownText(str):
    """A string that Jupyter and myst-nb display as Markdown (rendered, so it wraps)."""

    def _repr_markdown_(self) -> str:
        return str(self)


class StaleLedgerError(RuntimeError):
    """A chapter's saved ledger is missing or was produced by another scale, library
    or chapter text (the summary page refuses to show it)."""


@dataclass(frozen=True)
class Glance:
    """Every chapter's comparison rows, read from the saved ledgers.

    Parameters
    ----------
    ledgers : tuple of dict
        The saved ledgers (see :meth:`Ledger.save`), in book order.
    """

    ledgers: tuple[dict[str, Any], ...]

    def counts(self) -> MarkdownText:
        """Rows per status per chapter, as a Markdown table.

        Returns
        -------
        MarkdownText
            One line per chapter (linked) and a total line.
        """
        head = "| chapter | " + " | ".join(STATUSES) + " | rows |"
        lines = [head, "|---" + "|---:" * (len(STATUSES) + 1) + "|"]
        total = dict.fromkeys(STATUSES, 0)
        for led in self.ledgers:
            n = [sum(r["status"] == s for r in led["rows"]) for s in STATUSES]
            for s, k in zip(STATUSES, n, strict=True):
                total[s] += k
            link = f"{{doc}}`{_role(led['name'])} </notebooks/{led['chapter']}>`"
            cells = [link, *map(str, n), str(len(led["rows"]))]
            lines.append("| " + " | ".join(cells) + " |")
        all_rows = sum(total.values())
        lines.append(
            "| **all** | "
            + " | ".join(f"**{total[s]}**" for s in STATUSES)
            + f" | **{all_rows}** |"
        )
        return MarkdownText("\n".join(lines))

    def table(self) -> MarkdownText:
        """Every row of every chapter, as one Markdown table.

        Returns
        -------
        MarkdownText
            Columns "chapter: figure" (the chapter's short name and the paper's
            figure, linked to the chapter's figure; one column, so that the table
            fits the page), quantity, paper, ours, status.
        """
        lines = [
            "| chapter: figure | quantity | paper | ours | status |",
            "|---|---|---|---|---|",
        ]
        for led in self.ledgers:
            for r in led["rows"]:
                fig = f"{{ref}}`{_role(r['figure'])} <{r['target']}>`"
                cells = [f"{_md(led['name'])}: {fig}", _md(r["quantity"])]
                cells += [_md(r["paper"]), _md(r["here"]), r["status"]]
                lines.append("| " + " | ".join(cells) + " |")
        return MarkdownText("\n".join(lines))

    def _repr_markdown_(self) -> str:
        return str(self.counts())


#: Chapters that compare with no paper: they save no ledger and "Results at a glance"
#: does not list them.
NO_LEDGER = frozenset({"synthesis_five_lenses"})


def glance(chapters: list[str]) -> Glance:
    """Read the saved ledgers of ``chapters``, refusing any that is missing or stale.

    Parameters
    ----------
    chapters : list of str
        The chapters' file stems, in the order the table lists them: every chapter of
        ``notebooks/``, each once.

    Returns
    -------
    Glance
        Their rows.

    Raises
    ------
    ValueError
        If ``chapters`` is empty, names a chapter twice or one not in ``notebooks/``,
        or leaves out a chapter of ``notebooks/`` (other than those of
        :data:`NO_LEDGER`).
    StaleLedgerError
        If a ledger is missing or corrupt (not json, a row without the keys of
        :class:`Comparison`, an unknown status, no figure target), or was saved at
        another scale (see
        :func:`fractal_lib.core.config.get_scale`), by another library version
        (:func:`~fractal_lib.core.cache.library_version`) or from another text of the
        chapter. The message lists every such chapter and why.
    """
    if not chapters or len(set(chapters)) != len(chapters):
        raise ValueError(f"chapters: expected distinct chapter stems, got {chapters!r}")
    left_out = sorted(
        p.stem
        for p in CHAPTERS_DIR.glob("*.md")
        if p.stem not in set(chapters) and p.stem not in NO_LEDGER
    )
    if left_out:
        raise ValueError(f"chapters: leaves out the chapters {left_out}")
    scale, version = get_scale(), library_version()
    found, problems = [], []
    for chapter in chapters:
        source = CHAPTERS_DIR / f"{_check_stem(chapter, 'chapters')}.md"
        if not source.is_file():
            raise ValueError(f"chapters: no chapter {source.name} in {CHAPTERS_DIR}")
        path = ledger_path(chapter)
        if not path.is_file():
            problems.append(f"{chapter}: no saved ledger at {path}")
            continue
        data = read_json_or_none(path)
        bad = _bad_ledger(data, chapter)
        if bad:
            problems.append(f"{chapter}: corrupt ledger {path} ({bad})")
            continue
        why = [
            f"{what} {data.get(key)!r}, expected {want!r}"
            for what, key, want in (
                ("scale", "scale", scale),
                ("library version", "code_version", version),
                ("chapter text sha256", "chapter_sha256", _sha256(source)),
            )
            if data.get(key) != want
        ]
        if why:
            problems.append(f"{chapter}: stale ledger ({'; '.join(why)})")
        found.append(data)
    if problems:
        raise StaleLedgerError(
            "run these chapters again at this scale and library version before this "
            "page (make book-smoke / make book run them first):\n" + "\n".join(problems)
        )
    return Glance(tuple(found))


#: The keys of a saved row (the fields of :class:`Comparison`, all strings).
_ROW_KEYS = frozenset(Comparison.__dataclass_fields__)


def _bad_ledger(data: object, chapter: str) -> str:
    """Why a saved ledger cannot be shown (``""`` when it can)."""
    if not isinstance(data, dict):
        return "not a json object"
    for key in ("chapter", "name"):
        if not (isinstance(data.get(key), str) and data[key]):
            return f"no {key}"
    if data["chapter"] != chapter:
        return f"saved for chapter {data['chapter']!r}"
    rows = data.get("rows")
    if not isinstance(rows, list) or not rows:
        return "no rows"
    for i, r in enumerate(rows):
        if not isinstance(r, dict) or set(r) != _ROW_KEYS:
            keys = sorted(r) if isinstance(r, dict) else type(r).__name__
            return f"row {i}: expected the keys {sorted(_ROW_KEYS)}, got {keys}"
        if not all(isinstance(x, str) for x in r.values()):
            return f"row {i}: a value is not a string"
        if r["status"] not in STATUSES:
            return f"row {i}: unknown status {r['status']!r}"
        if not r["target"].startswith("fig-") or r["target"] == "fig-":
            return f"row {i}: no figure target ({r['target']!r})"
    return ""


#: Folder of measured results kept in git: runs too long for ``make book``, each a
#: small JSON file with the command, commit and machine that produced it.
RECORDED_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "recorded"


def recorded(name: str) -> dict[str, Any]:
    """A measured result kept in git, ``benchmarks/recorded/<name>.json``.

    Found from the package's location, so a chapter reads it whatever its working
    folder.

    Parameters
    ----------
    name : str
        The file's stem (letters, digits, ``_`` and ``-``).

    Returns
    -------
    dict
        The JSON object (by convention with ``command``, ``commit``, ``date``,
        ``machine`` and ``rows``).

    Raises
    ------
    ValueError
        ``name`` not a plain file stem.
    FileNotFoundError
        No such recorded result (the message names the file and the folder).
    """
    if (
        not isinstance(name, str)
        or not name
        or not all(c.isalnum() or c in "_-" for c in name)
    ):
        raise ValueError(f"name must be a plain file stem, got {name!r}")
    path = RECORDED_DIR / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no recorded result {path.name} in {RECORDED_DIR}")
    return json.loads(path.read_text())
