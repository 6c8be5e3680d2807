"""Scale studies: runs beyond the book's scale, kept in git with their provenance.

A chapter that misses a paper's value says why. Where the suspected cause is the size of
the run, a *scale study* reruns the quantity at several sizes beyond ``book`` and
records every point in ``benchmarks/recorded/<name>.json`` (kept in git, unlike the
result cache): the exact command, the commit, a hash of the library source that computed
each row, the date and the machine. The study scripts live in ``benchmarks/studies/``
and ``make studies`` reruns them all; the chapters read the files (:func:`load_study`),
plot the trend (:func:`plot_scale_trend`) and state the class of each miss
(:class:`Miss`, :func:`miss_table`):

``scale``
    the quantity moves toward the paper's value as the scale grows (the trend shown);
``protocol``
    a documented difference of method explains it, shown by running both methods;
``open``
    neither explains it (yet).

A row is reused by a resumed study only if the library source and the study script are
unchanged since it was computed (:func:`source_hash`), so a code change never serves a
stale row.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.figure import Figure

from .cache import save_json
from .fits import mean_sem
from .report import RECORDED_DIR, Reported, recorded
from .style import PAPER_COLOR, fig_ax

__all__ = [
    "MISS_CLASSES",
    "MissClass",
    "Miss",
    "MissTable",
    "StudyRecorder",
    "Trend",
    "describe",
    "load_study",
    "miss_table",
    "plot_scale_trend",
    "provenance",
    "select",
    "series",
    "source_hash",
    "study_rows",
    "toward_paper",
]

#: The classes of a miss, in the order a chapter's table lists them.
MISS_CLASSES: tuple[str, ...] = ("scale", "protocol", "open")
#: The type of a miss's class (one of :data:`MISS_CLASSES`).
MissClass = Literal["scale", "protocol", "open"]

_ROOT = Path(__file__).resolve().parents[2]
_PACKAGE = Path(__file__).resolve().parents[1]


def source_hash(*extra: str | Path) -> str:
    """SHA-256 (first 16 hex digits) of the library's source and of ``extra`` files.

    Every ``*.py`` file of :mod:`fractal_lib` (and the files in ``extra``, typically
    the study script) is hashed with its path relative to the package, so any edit to
    the code that computes a row changes the hash.

    Parameters
    ----------
    *extra : str or Path
        Further files to include (missing files raise).

    Returns
    -------
    str
        16 hexadecimal digits.

    Raises
    ------
    FileNotFoundError
        A file of ``extra`` does not exist.
    """
    h = hashlib.sha256()
    files = sorted(_PACKAGE.rglob("*.py"))
    for f in files:
        h.update(str(f.relative_to(_PACKAGE)).encode())
        h.update(f.read_bytes())
    for e in extra:
        p = Path(e)
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def _commit() -> str:
    """Short HEAD commit; ``+dirty`` when tracked code (not results) changed."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git(
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!benchmarks/recorded",
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("numpy", "scipy", "numba", "torch"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def provenance() -> dict[str, Any]:
    """Where and with what a result is being computed.

    Returns
    -------
    dict
        ``commit`` (short hash, ``+dirty`` with uncommitted code changes), ``date``
        (UTC), ``machine`` (platform, CPU model, cores, load average, the thread
        settings of the environment) and ``versions`` (Python and the numerical
        packages).
    """
    threads = {
        k: os.environ[k]
        for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "FRACTAL_DEVICE")
        if k in os.environ
    }
    return {
        "commit": _commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "platform": platform.platform(),
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
            "env": threads,
        },
        "versions": _versions(),
    }


class StudyRecorder:
    """Writes one scale study to ``benchmarks/recorded/<name>.json``, row by row.

    Each row is written atomically as soon as it is computed, with the commit, the
    source hash and the seconds it took, so an interrupted study resumes where it
    stopped: :meth:`stored` returns a stored row only if it was computed by the same
    library source and study script.

    Parameters
    ----------
    name : str
        The file's stem (letters, digits, ``_`` and ``-``).
    script : str or Path
        The study script (``__file__``); part of the source hash and of the command.
    argv : sequence of str
        The script's arguments, recorded in the command.
    description : str
        What the study measures and why (one or two sentences).
    scale_axis : str
        What grows from point to point (``"steps"``, ``"width"``, ...).
    directory : Path, optional
        Where to write (default :data:`fractal_lib.core.report.RECORDED_DIR`).

    Raises
    ------
    ValueError
        ``name`` not a plain file stem, or ``description`` / ``scale_axis`` empty.
    """

    def __init__(
        self,
        name: str,
        *,
        script: str | Path,
        argv: Sequence[str],
        description: str,
        scale_axis: str,
        directory: Path | None = None,
    ) -> None:
        if not name or not all(c.isalnum() or c in "_-" for c in name):
            raise ValueError(f"name must be a plain file stem, got {name!r}")
        if not description or not scale_axis:
            raise ValueError("description and scale_axis must be non-empty")
        self.path = Path(directory or RECORDED_DIR) / f"{name}.json"
        self.argv = [str(a) for a in argv]
        script = Path(script).resolve()
        self.source = source_hash(script)
        try:
            rel = script.relative_to(_ROOT)
        except ValueError:
            rel = Path(script.name)
        old: dict[str, Any] = (
            json.loads(self.path.read_text()) if self.path.is_file() else {}
        )
        self.data: dict[str, Any] = {
            "study": name,
            "description": description,
            "scale_axis": scale_axis,
            "command": " ".join(["python", rel.as_posix(), *map(str, argv)]),
            **provenance(),
            "source_hash": self.source,
            "rows": list(old.get("rows", [])),
        }
        for k, v in old.items():
            if k not in self.data:  # fields set by set() in an earlier run
                self.data[k] = v

    def stored(self, key: str) -> dict[str, Any] | None:
        """The stored row ``key`` if computed by the current source, else None.

        Parameters
        ----------
        key : str
            Identifies the point.

        Returns
        -------
        dict or None
            The row, or None when it is missing or was computed by other code.
        """
        for r in self.data["rows"]:
            if r.get("key") == key and r.get("source_hash") == self.source:
                return r
        return None

    def add(self, key: str, row: dict[str, Any], *, seconds: float) -> dict[str, Any]:
        """Store ``row`` under ``key`` (replacing an older one) and write the file.

        Parameters
        ----------
        key : str
            Identifies the point (for example ``"steps=2000,seed=0"``).
        row : dict
            Json-able values of the point (its scale settings and measurements).
        seconds : float
            Wall time the point took.

        Returns
        -------
        dict
            The stored row, with ``key``, ``seconds``, ``commit``, ``date``,
            ``loadavg``, ``argv``, ``cpu``, ``cores`` and ``source_hash`` added.

        Raises
        ------
        ValueError
            A value of ``row`` cannot be written as json (the stored rows are kept).
        """
        prov = provenance()
        full = {
            **row,
            "key": key,
            "seconds": round(float(seconds), 2),
            "commit": prov["commit"],
            "date": prov["date"],
            "loadavg": prov["machine"]["loadavg"],
            "argv": self.argv,
            "cpu": prov["machine"]["cpu"],
            "cores": prov["machine"]["cores"],
            "source_hash": self.source,
        }
        old = self.data["rows"]
        self.data["rows"] = [r for r in old if r.get("key") != key] + [full]
        try:
            self.write()
        except (TypeError, ValueError) as exc:
            self.data["rows"] = old  # the file and the recorder keep the old rows
            raise ValueError(f"row: values must be json-able ({exc})") from None
        return full

    def point(self, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The row ``key``: stored if computed by the current source, else computed now.

        Parameters
        ----------
        key : str
            Identifies the point.
        compute : callable
            Returns the row's json-able values; timed and stored with :meth:`add`.

        Returns
        -------
        dict
            The stored row.
        """
        row = self.stored(key)
        if row is not None:
            print(f"[{self.path.stem}] {key}: recorded ({row['seconds']} s)")
            return row
        t0 = time.perf_counter()
        row = self.add(key, compute(), seconds=time.perf_counter() - t0)
        print(f"[{self.path.stem}] {key}: {row['seconds']} s", flush=True)
        return row

    def set(self, **fields: Any) -> None:
        """Set top-level fields (a verdict, the paper's value) and write the file.

        Parameters
        ----------
        **fields : object
            Json-able values stored at the top level of the study.
        """
        self.data.update(fields)
        self.write()

    def write(self) -> None:
        """Write the study atomically."""
        save_json(self.path, self.data)


def load_study(name: str) -> dict[str, Any]:
    """A recorded study (:func:`fractal_lib.core.report.recorded`), rows checked.

    Parameters
    ----------
    name : str
        The file's stem.

    Returns
    -------
    dict
        With ``command``, ``commit``, ``date``, ``machine`` and a non-empty ``rows``.

    Raises
    ------
    ValueError
        The file lacks one of those fields or has no rows.
    FileNotFoundError
        No such recorded study.
    """
    data = recorded(name)
    missing = [k for k in ("command", "commit", "date", "machine") if k not in data]
    if missing or not data.get("rows"):
        raise ValueError(
            f"recorded study {name!r} lacks {missing or ['rows']} (rerun its script)"
        )
    return data


def describe(study: dict[str, Any]) -> str:
    """Where a recorded study came from, in one sentence for a chapter to print.

    Parameters
    ----------
    study : dict
        A study from :func:`load_study`.

    Returns
    -------
    str
        The command, the commit(s) and dates of its rows, the machine and the number of
        rows (a study whose rows come from several commits lists them all; rows
        computed by uncommitted code or by several versions of the code are said to
        be).
    """
    rows = study["rows"]
    commits = sorted({str(r.get("commit", study["commit"])) for r in rows})
    dates = sorted(str(r.get("date", study["date"])) for r in rows)
    m = study["machine"]
    span = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    hashes = {r.get("source_hash") for r in rows}
    text = (
        f"Recorded by `{study['command']}` ({len(rows)} rows, commit "
        f"{', '.join(commits)}, {span}, {m.get('cpu', m.get('platform', '?'))}, "
        f"{m.get('cores', '?')} cores); `make studies` reruns it."
    )
    if any(c.endswith("+dirty") for c in commits):
        text += (
            " The rows were computed by code with uncommitted changes on top of that "
            "commit (their library source hash is stored with each row)."
        )
    if len(hashes) > 1:
        text += f" They come from {len(hashes)} versions of the code."
    return text


def study_rows(study: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The rows of ``study``, which must be the recorded study ``name``.

    Parameters
    ----------
    study : dict
        A study from :func:`load_study`.
    name : str
        The study a reader expects.

    Returns
    -------
    list of dict

    Raises
    ------
    ValueError
        ``study`` is another study (or not a study).
    """
    got = study.get("study") if isinstance(study, dict) else None
    if got != name:
        raise ValueError(f"study: expected the recorded study {name!r}, got {got!r}")
    return study["rows"]


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, float) and isinstance(a, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
    return bool(a == b)


def select(rows: Sequence[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    """The rows whose fields equal ``match`` (floats to 1e-9 relative).

    Parameters
    ----------
    rows : sequence of dict
        Rows of a recorded study.
    **match
        Field values a row must have.

    Returns
    -------
    list of dict
        The matching rows, in their recorded order.

    Raises
    ------
    ValueError
        No row matches (a point the study did not record: rerun its script).
    """
    out = [r for r in rows if all(_same(r.get(k), v) for k, v in match.items())]
    if not out:
        raise ValueError(f"no row of the study matches {match} (rerun its script)")
    return out


def series(
    rows: Sequence[dict[str, Any]],
    x: str,
    value: str | Callable[[dict[str, Any]], float | None],
    **match: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and standard error of one quantity over the rows at each value of ``x``.

    Parameters
    ----------
    rows : sequence of dict
        Rows of a recorded study.
    x : str
        The field that grows from point to point (the scale axis).
    value : str or callable
        The field averaged (over seeds or realisations), or a function of a row
        (``None`` counts as NaN).
    **match
        Fields a row must have (:func:`select`).

    Returns
    -------
    xs, mean, se : ndarray
        Sorted values of ``x``; the mean and the standard error of ``value`` over the
        rows at each (:func:`fractal_lib.core.fits.mean_sem`: NaN error for one row).

    Raises
    ------
    ValueError
        No row matches.
    """
    use = select(rows, **match)
    get = (lambda r: r[value]) if isinstance(value, str) else value
    xs = np.array(sorted({r[x] for r in use}))
    stats = []
    for v in xs:
        vals = [get(r) for r in use if _same(r[x], v)]
        stats.append(
            mean_sem(np.array([np.nan if g is None else g for g in vals], float))
        )
    return xs, np.array([s[0] for s in stats]), np.array([s[1] for s in stats])


@dataclass(frozen=True)
class Trend:
    """Whether a measured quantity moves toward the paper's value as the scale grows.

    Attributes
    ----------
    distances : tuple of float
        Distance of each point to the paper's value (0 inside a reported range).
    sigmas : tuple of float
        The standard error of each point (0 where none was given).
    toward : bool
        The last point is closer than the first by more than twice their combined
        standard error, and no step moves away by more than its combined error.
    reached : bool
        The last point is resolved at the paper's value: inside its range or interval
        by more than twice its standard error (for a single value: within twice its
        standard error), and no farther from it than the first point.
    text : str
        One sentence saying so, with the numbers.
    """

    distances: tuple[float, ...]
    sigmas: tuple[float, ...]
    toward: bool
    reached: bool
    text: str


def _distance(v: float, paper: Reported) -> float:
    if paper.kind == "range":
        lo, hi = paper.value  # type: ignore[misc]
        return 0.0 if lo <= v <= hi else min(abs(v - lo), abs(v - hi))
    if paper.kind == "interval":
        lo, hi = paper.error  # type: ignore[misc]
        return 0.0 if lo <= v <= hi else min(abs(v - lo), abs(v - hi))
    return abs(v - float(paper.value))  # type: ignore[arg-type]


def _resolved_inside(v: float, e: float, paper: Reported) -> bool:
    """The last point lies in the paper's range or interval beyond twice its error, or
    within twice its error of the paper's single value."""
    if paper.kind in ("range", "interval"):
        band = paper.value if paper.kind == "range" else paper.error
        lo, hi = band  # type: ignore[misc]
        return lo <= v - 2 * e and v + 2 * e <= hi
    return abs(v - float(paper.value)) <= 2 * e  # type: ignore[arg-type]


def toward_paper(
    values: Sequence[float],
    paper: Reported,
    errors: Sequence[float] | None = None,
) -> Trend:
    """Does a quantity approach the paper's value along growing scales?

    Parameters
    ----------
    values : sequence of float, length >= 2
        The quantity at growing scales, in order.
    paper : Reported
        The paper's value, range or interval (not a claim).
    errors : sequence of float, optional
        Standard errors of ``values`` (same length; 0 where unknown).

    Returns
    -------
    Trend

    Raises
    ------
    ValueError
        Fewer than two values, a non-finite value or error, mismatched lengths, or a
        ``claim`` fact (no number to approach).
    """
    if any(
        isinstance(v, (bool, np.bool_, str))
        for v in [*values, *([] if errors is None else errors)]
    ):
        raise ValueError("values and errors must be numbers, not bools or strings")
    try:
        vals = [float(v) for v in values]
        errs = [0.0] * len(vals) if errors is None else [float(e) for e in errors]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values and errors must be numbers: {exc}") from None
    if len(vals) < 2:
        raise ValueError(f"values: need at least 2 scales, got {len(vals)}")
    if len(errs) != len(vals):
        raise ValueError("errors: must have the same length as values")
    if not all(math.isfinite(x) for x in vals + errs) or min(errs) < 0:
        raise ValueError("values and errors must be finite (errors >= 0)")
    if paper.kind == "claim":
        raise ValueError("paper: a claim has no value to approach")
    d = [_distance(v, paper) for v in vals]

    def comb(i: int, j: int) -> float:
        return math.hypot(errs[i], errs[j])

    monotone = all(d[i + 1] <= d[i] + comb(i, i + 1) for i in range(len(d) - 1))
    toward = d[-1] < d[0] - 2 * comb(0, -1) and monotone
    consistent = d[-1] <= 2 * errs[-1]
    inside = _resolved_inside(vals[-1], errs[-1], paper)
    reached = consistent and d[-1] <= d[0] and inside
    pts = ", ".join(f"{v:.3g}" for v in vals)
    if reached:
        text = f"reaches the paper's value ({pts}; paper {paper.text()})"
    elif toward:
        text = f"moves toward the paper ({pts}; paper {paper.text()})"
    elif consistent:
        text = (
            f"consistent with the paper within its error, no resolved trend "
            f"({pts}; paper {paper.text()})"
        )
    else:
        text = f"does not move toward the paper ({pts}; paper {paper.text()})"
    return Trend(tuple(d), tuple(errs), toward, reached, text)


def plot_scale_trend(
    scales: Sequence[float],
    values: Sequence[float],
    errors: Sequence[float] | None = None,
    *,
    paper: Reported | None = None,
    label: str = "here",
    xlabel: str = "scale",
    ylabel: str = "",
    book: float | None = None,
    logx: bool = True,
    ax: Any = None,
) -> Figure:
    """One quantity against the scale of the run, with the paper's value.

    Parameters
    ----------
    scales, values : sequence of float, same length
        The scale of each point (steps, width, ...) and the quantity measured there.
    errors : sequence of float, optional
        Standard errors (error bars).
    paper : Reported, optional
        Drawn as a dashed line (a value) or a grey band (a range or an interval).
    label, xlabel, ylabel : str
        Legend entry of the series and the axis labels.
    book : float, optional
        The scale the book runs at (a dotted vertical line).
    logx : bool
        Logarithmic scale axis.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        ``scales`` and ``values`` (or ``errors``) differ in length, or are empty.
    """
    if not len(scales) or len(scales) != len(values):
        raise ValueError("scales and values must be non-empty and of the same length")
    if errors is not None and len(errors) != len(values):
        raise ValueError("errors must have the same length as values")
    fig, ax = fig_ax(ax)
    ax.errorbar(scales, values, yerr=errors, marker="o", capsize=3, label=label)
    if paper is not None and paper.kind != "claim":
        if paper.kind == "value":
            ax.axhline(
                float(paper.value),  # type: ignore[arg-type]
                color=PAPER_COLOR,
                ls="--",
                label=f"paper {paper.text()}",
            )
        else:
            band = paper.value if paper.kind == "range" else paper.error
            lo, hi = band  # type: ignore[misc]
            ax.axhspan(
                lo, hi, color=PAPER_COLOR, alpha=0.2, label=f"paper {paper.text()}"
            )
    if book is not None:
        ax.axvline(book, color="0.6", ls=":", label="book scale")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig


@dataclass(frozen=True)
class Miss:
    """One miss against a paper, its class and the evidence for it.

    Parameters
    ----------
    quantity : str
        What misses (``"α-stable index, early → late"``).
    paper : str
        The paper's value, usually ``P.REPORTED[...].text()``.
    scales : str
        Ours at each scale studied (``"book 1.33 → 1.17; ×4 steps 1.30 → 1.21"``).
    cls : {"scale", "protocol", "open"}
        The class (see the module docstring).
    evidence : str
        The figure or table that shows it (a MyST reference or a label).
    cause : str
        The measured cause, or what was ruled out when ``cls`` is ``"open"``.

    Raises
    ------
    ValueError
        ``cls`` not one of :data:`MISS_CLASSES`, or an empty field.
    """

    quantity: str
    paper: str
    scales: str
    cls: MissClass
    evidence: str
    cause: str

    def __post_init__(self) -> None:
        if self.cls not in MISS_CLASSES:
            raise ValueError(f"cls: expected one of {MISS_CLASSES}, got {self.cls!r}")
        for f in ("quantity", "paper", "scales", "evidence", "cause"):
            if not getattr(self, f):
                raise ValueError(f"{f}: must be non-empty")


class MissTable:
    """The misses of a chapter as a Markdown table (shown by a cell that ends with it).

    Parameters
    ----------
    misses : sequence of Miss
    """

    def __init__(self, misses: Sequence[Miss]) -> None:
        self.misses = list(misses)

    def markdown(self) -> str:
        """The table: quantity, paper, ours by scale, class, evidence, cause.

        Returns
        -------
        str
            Markdown, one line per miss.
        """
        head = "| quantity | paper | ours, by scale | class | shown in | cause |"
        lines = [head, "|---|---|---|---|---|---|"]
        for m in self.misses:
            cells = [m.quantity, m.paper, m.scales, f"**{m.cls}**", m.evidence, m.cause]
            lines.append("| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |")
        return "\n".join(lines)

    def counts(self) -> dict[str, int]:
        """How many misses fall in each class.

        Returns
        -------
        dict
            Class name to count, for every class of :data:`MISS_CLASSES`.
        """
        return {c: sum(m.cls == c for m in self.misses) for c in MISS_CLASSES}

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __str__(self) -> str:
        return self.markdown()


def miss_table(misses: Sequence[Miss]) -> MissTable:
    """A chapter's misses with their classes, for its "Differences" section.

    Parameters
    ----------
    misses : sequence of Miss

    Returns
    -------
    MissTable

    Raises
    ------
    ValueError
        No misses (a chapter without misses shows no table).
    """
    if not misses:
        raise ValueError("misses: empty")
    return MissTable(misses)


def _main(argv: Sequence[str]) -> None:  # pragma: no cover - tiny CLI
    """``python -m fractal_lib.core.studies NAME...``: print a recorded study's rows."""
    for name in argv:
        data = load_study(name)
        print(f"{name}: {data['command']} ({data['commit']}, {data['date']})")
        for r in data["rows"]:
            print("  ", {k: v for k, v in r.items() if k not in ("source_hash",)})


if __name__ == "__main__":  # pragma: no cover
    _main(sys.argv[1:])
