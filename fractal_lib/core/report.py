"""Paper-versus-here comparisons, shown next to each figure and collected for a summary table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .fits import DimensionFit


def fmt(value: tuple[float, float] | DimensionFit | float, digits: int = 3) -> str:
    """``"0.996 ± 0.005"`` from a (value, error) pair, a fit, or a number."""
    if isinstance(value, DimensionFit):
        value = (value.alpha, value.stderr)
    if isinstance(value, tuple):
        v, e = value
        return f"{v:.{digits}f} ± {e:.{digits}f}" if np.isfinite(e) else f"{v:.{digits}f}"
    return f"{value:.{digits}f}"


@dataclass(frozen=True)
class Comparison:
    """One number of the paper next to ours."""

    figure: str
    quantity: str
    paper: str
    here: str
    note: str = ""

    def __str__(self) -> str:
        tail = f" ({self.note})" if self.note else ""
        return f"{self.figure}, {self.quantity}: paper {self.paper}, here {self.here}{tail}"

    def _repr_markdown_(self) -> str:
        tail = f" *({self.note})*" if self.note else ""
        return (f"**{self.figure}**, {self.quantity}: paper **{self.paper}**, "
                f"here **{self.here}**{tail}")

    def __repr__(self) -> str:
        return str(self)


@dataclass
class Ledger:
    """Collects :class:`Comparison` rows; ``add`` returns the row so a cell can display it."""

    rows: list[Comparison] = field(default_factory=list)

    def add(self, figure: str, quantity: str, *, paper: str, here: str,
            note: str = "") -> Comparison:
        row = Comparison(figure, quantity, paper, here, note)
        self.rows.append(row)
        return row

    def markdown(self) -> str:
        """All rows as a Markdown table."""
        lines = ["| figure | quantity | paper | here | note |", "|---|---|---|---|---|"]
        for r in self.rows:
            cells = [r.figure, r.quantity, r.paper, r.here, r.note]
            lines.append("| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown()
