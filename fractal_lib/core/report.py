"""Paper-versus-here comparisons, shown next to each figure and collected for a summary
table.

A paper's reported values are written once, as :class:`Reported` facts in its module
under :mod:`fractal_lib.papers`; a chapter compares its own result with one of them
through :meth:`Ledger.compare`, which takes the paper's side of the row from the fact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any, Literal

import numpy as np

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


def fmt(value: tuple[float, float] | DimensionFit | float, digits: int = 3) -> str:
    """Format a (value, error) pair, a fit or a number, e.g. ``"0.996 ± 0.005"``.

    Parameters
    ----------
    value : tuple of two floats, DimensionFit or float
        ``(value, error)``; a fit gives ``(alpha, stderr)``; a number is printed alone.
    digits : int
        Decimals of the value and the error.

    Returns
    -------
    str
        ``"v ± e"``, or ``"v"`` for a number or a non-finite error.
    """
    if isinstance(value, DimensionFit):
        value = (value.alpha, value.stderr)
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"value: expected (value, error), got {value!r}")
        v, e = value
        return (
            f"{v:.{digits}f} ± {e:.{digits}f}" if np.isfinite(e) else f"{v:.{digits}f}"
        )
    return f"{value:.{digits}f}"


@dataclass(frozen=True)
class Comparison:
    """One number of the paper next to ours.

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
    """

    figure: str
    quantity: str
    paper: str
    here: str
    note: str = ""

    def __str__(self) -> str:
        tail = f" ({self.note})" if self.note else ""
        return (
            f"{self.figure}, {self.quantity}: paper {self.paper}, "
            f"here {self.here}{tail}"
        )

    def _repr_markdown_(self) -> str:
        tail = f" *({self.note})*" if self.note else ""
        return (
            f"**{self.figure}**, {self.quantity}: paper **{self.paper}**, "
            f"here **{self.here}**{tail}"
        )

    def __repr__(self) -> str:
        return str(self)


@dataclass
class Ledger:
    """Collects :class:`Comparison` rows; ``add`` returns the row so a cell can display
    it.

    Parameters
    ----------
    rows : list of Comparison
        The rows so far (empty for a new ledger).
    """

    rows: list[Comparison] = field(default_factory=list)

    def add(
        self, figure: str, quantity: str, *, paper: str, here: str, note: str = ""
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

        Returns
        -------
        Comparison
            The new row.
        """
        row = Comparison(figure, quantity, paper, here, note)
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
    ) -> Comparison:
        """Add the row comparing ``here`` with the paper's ``fact`` and return it.

        Parameters
        ----------
        fact : Reported
            The paper's value, from the paper's module in :mod:`fractal_lib.papers`.
        here : str, (value, error), DimensionFit or float
            Our value; anything but a string is formatted with :func:`fmt`.
        note : str
            Why the two differ or how ours was measured.
        figure, quantity : str, optional
            Override the fact's figure or quantity label (for example when the chapter
            compares a derived quantity with it).
        digits : int
            Decimals of ``here`` when it is formatted here.

        Returns
        -------
        Comparison
            The new row (a cell that ends with it displays it).
        """
        text = here if isinstance(here, str) else fmt(here, digits)
        return self.add(
            figure or fact.figure,
            quantity or fact.quantity,
            paper=fact.text(),
            here=text,
            note=note,
        )

    def markdown(self) -> str:
        """All rows as a Markdown table.

        Returns
        -------
        str
            A header (figure, quantity, paper, here, note) and one line per row.
        """
        lines = ["| figure | quantity | paper | here | note |", "|---|---|---|---|---|"]
        for r in self.rows:
            cells = [r.figure, r.quantity, r.paper, r.here, r.note]
            lines.append("| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown()


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
