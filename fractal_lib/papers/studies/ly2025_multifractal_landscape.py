"""The recorded scale study of ``notebooks/ly2025_multifractal_landscape.md``.

Reads :data:`fractal_lib.papers.ly2025.STUDY` (written by
``benchmarks/studies/study_ly2025.py``) and turns it into what the chapter's "Scale
studies" section shows: the six-panel trend figure (:func:`figure`) and the class of
every miss with ours at each scale (:func:`misses`). Nothing here computes a study; the
rows are selected with :func:`study_rows`, averaged over realisations with
:func:`study_series` and written out with :func:`series_text`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ...core import studies as ST
from .. import ly2025 as P
from ..presets import ly2025_multifractal_landscape as presets

#: The two TAMSD paths of the study: the authors' unfolded one and ours on the grid.
PATHS: dict[str, str] = {
    "unfolded": "unfolded path (authors)",
    "folded": "path on the grid",
}
#: The Hurst exponents of the fBs surfaces whose trapped share the study follows.
TRAPPED_HS: tuple[float, ...] = (0.8, 0.9)


def study_rows(study: dict[str, Any], part: str, **match: Any) -> list[dict[str, Any]]:
    """The rows of one part of the recorded scale study that match given settings.

    Parameters
    ----------
    study : dict
        The study (:func:`fractal_lib.core.studies.load_study` of
        :data:`fractal_lib.papers.ly2025.STUDY`).
    part : {"tamsd", "lyapunov", "alpha_h"}
        The part of the study.
    **match : object
        Settings the rows must have (floats compared with a relative tolerance of
        1e-9), for example ``levels=16`` or ``warm_start=True``.

    Returns
    -------
    list of dict
        The matching rows, in the order they were recorded.

    Raises
    ------
    ValueError
        No row matches (a missing point of the study: rerun its script).
    """

    rows = ST.study_rows(study, P.STUDY)
    try:
        return ST.select(rows, part=part, **match)
    except ValueError:
        raise ValueError(f"part={part!r}, {match}: no such row in the study") from None


def study_series(
    rows: list[dict[str, Any]],
    axis: str,
    get: Callable[[dict[str, Any]], float | None],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and standard error of a quantity over the rows of each value of ``axis``.

    Parameters
    ----------
    rows : list of dict
        Rows of the study (:func:`study_rows`).
    axis : str
        The setting that varies (``"levels"``, ``"amplitude"``, ``"n_traj"``, ...).
    get : callable
        ``get(row) -> float`` (None or NaN where the row has no value).

    Returns
    -------
    xs, mean, sem : ndarray
        The sorted values of ``axis``, and per value the mean and standard error of
        ``get`` over its rows (realisations); the error is NaN with one row.
    """
    xs, mean, sem = ST.series(rows, axis, get)
    return xs.astype(float), mean, sem


def series_text(
    xs: np.ndarray, mean: np.ndarray, sem: np.ndarray, label: str, digits: int = 2
) -> str:
    """``"label 8: 0.94 ± 0.04; 16: ..."``: a series of :func:`study_series` in words.

    Parameters
    ----------
    xs, mean, sem : ndarray
        The series.
    label : str
        What ``xs`` is (written before the first point).
    digits : int
        Decimals of the mean and its error.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        ``xs``, ``mean`` and ``sem`` differ in length.
    """
    parts = []
    for x, m, e in zip(xs, mean, sem, strict=True):
        err = f" ± {e:.{digits}f}" if np.isfinite(e) else ""
        parts.append(f"{x:.3g}: {m:.{digits}f}{err}")
    return f"{label} " + "; ".join(parts)


def _readings(study: dict[str, Any]) -> dict[str, Any]:
    """Every series the figure and the miss table read, from the recorded rows."""
    book = presets.sizes("book")
    tam = study_rows(study, "tamsd", amplitude=1.0)
    alp = study_rows(study, "alpha_h", n=P.N, amplitude=1.0)
    hs = alp[0]["hs"]
    return {
        "book": book,
        "tam": tam,
        "alp": alp,
        "hs": hs,
        "short": {
            k: study_series(tam, "levels", lambda r, k=k: r[k]["short_mean"])
            for k in PATHS
        },
        "late": {
            k: study_series(tam, "levels", lambda r, k=k: r[k]["long_late"])
            for k in PATHS
        },
        "first": {
            w: study_series(
                study_rows(study, "lyapunov", warm_start=w),
                "levels",
                lambda r: r["first_positive"],
            )
            for w in (False, True)
        },
        "conf": study_series(
            study_rows(study, "tamsd", levels=book.n_levels),
            "amplitude",
            lambda r: r["confined_frac"],
        ),
        "trapped": {
            h: (
                [r["n_traj"] for r in alp],
                [r["trapped_frac"][hs.index(h)] for r in alp],
                [r["trapped_se"][hs.index(h)] for r in alp],
            )
            for h in TRAPPED_HS
        },
        "wall": [r["wall_frac"] for r in tam],
        "excess": [
            r["unfolded"]["short_mean"] - r["folded"]["short_mean"] for r in tam
        ],
    }


def figure(study: dict[str, Any]) -> Figure:
    """The chapter's scale-study figure (``fig-ly2025-scale``), six panels.

    (a) The short-lag TAMSD exponent at :math:`\\eta = 1000` against the number of
    quantised levels, unfolded path and path on the grid; (b) the excess of the
    unfolded exponent over the grid's against the share of steps at a wall, one point
    per realisation; (c) the long-lag exponent late in the run; (d) the first learning
    rate with a positive Lyapunov exponent, cold and warm start; (e) the share of
    trapped trajectories on fBs with :data:`TRAPPED_HS` against their number; (f) the
    share of confined windows against the amplitude of the landscape. The paper's
    value is drawn where it exists, the book's setting dotted.

    Parameters
    ----------
    study : dict
        The recorded study (:func:`fractal_lib.core.studies.load_study` of
        :data:`fractal_lib.papers.ly2025.STUDY`).

    Returns
    -------
    matplotlib.figure.Figure
        A 2 x 3 grid of axes titled (a) to (f).

    Raises
    ------
    ValueError
        The study lacks a row the figure reads (:func:`study_rows`).
    """
    d = _readings(study)
    book, short, late, first = d["book"], d["short"], d["late"], d["first"]
    trapped, conf = d["trapped"], d["conf"]
    fig, ax = plt.subplots(2, 3, figsize=(9, 6.4), constrained_layout=True)
    lv = {"xlabel": "quantised H levels", "logx": True}
    for i, (k, lab) in enumerate(PATHS.items()):
        mark = {"book": book.n_levels} if i == 0 else {}
        ST.plot_scale_trend(
            *short[k],
            paper=None if i else P.REPORTED["tamsd_short"],
            label=lab,
            ylabel="exponent, lags 1-10",
            ax=ax[0, 0],
            **lv,
            **mark,
        )
        ST.plot_scale_trend(
            *late[k],
            paper=None if i else P.REPORTED["tamsd_confined"],
            label=lab,
            ylabel="exponent, lags 100-999, late",
            ax=ax[0, 2],
            **lv,
            **mark,
        )
    ax[0, 1].scatter(d["wall"], d["excess"])
    ax[0, 1].set(
        xlabel="share of steps at a wall", ylabel="unfolded minus grid exponent"
    )
    starts = {False: "cold start (book)", True: "warm start"}
    for i, (w, lab) in enumerate(starts.items()):
        ST.plot_scale_trend(
            *first[w],
            paper=None if i else P.REPORTED["mle_first_positive"],
            label=lab,
            ax=ax[1, 0],
            ylabel="first eta with exponent > 0",
            **lv,
            **({} if i else {"book": book.n_levels}),
        )
    ax[1, 0].set_yscale("log")
    for i, h in enumerate(TRAPPED_HS):
        ST.plot_scale_trend(
            *trapped[h],
            label=f"H = {h}",
            xlabel="trajectories per H",
            ylabel="share trapped",
            ax=ax[1, 1],
            **({} if i else {"book": book.alpha_traj}),
        )
    ST.plot_scale_trend(
        *conf,
        label="unfolded path",
        xlabel="amplitude (x book)",
        ylabel="share of windows confined",
        book=1.0,
        ax=ax[1, 2],
    )
    levels = short["unfolded"][0]
    ticks = (levels, levels, levels, trapped[TRAPPED_HS[0]][0], conf[0])
    for a, xs in zip(ax.flat[[0, 2, 3, 4, 5]], ticks, strict=True):
        a.set_xticks(xs, [f"{x:.2g}" for x in xs])
        a.minorticks_off()
    for a, letter in zip(ax.flat, "abcdef", strict=True):
        a.set_title(f"({letter})", loc="left")
    return fig


def misses(study: dict[str, Any]) -> list[ST.Miss]:
    """The chapter's misses, with ours at each scale of the study and their class.

    Four rows, all *open*: the short-lag TAMSD exponent and the late confinement at
    :math:`\\eta = 1000` (candidates: realisation and walls), the first learning rate
    with a positive Lyapunov exponent, and "every trajectory trapped" on fBs with
    :math:`H \\ge 0.8` (a sensitivity to the unrecorded amplitude). The paper's side is
    ``P.REPORTED[...].text()``; ours is formatted from the recorded rows.

    Parameters
    ----------
    study : dict
        The recorded study (:func:`fractal_lib.core.studies.load_study` of
        :data:`fractal_lib.papers.ly2025.STUDY`).

    Returns
    -------
    list of fractal_lib.core.studies.Miss
        For :func:`fractal_lib.core.studies.miss_table`.

    Raises
    ------
    ValueError
        The study lacks a row the table reads (:func:`study_rows`).
    """
    d = _readings(study)
    book, tam, alp, hs = d["book"], d["tam"], d["alp"], d["hs"]
    short, late, first = d["short"], d["late"], d["first"]
    wall, excess = d["wall"], d["excess"]
    book_run = study_rows(study, "tamsd", amplitude=1.0, levels=book.n_levels, seed=0)[
        0
    ]
    _, u_mean, u_sem = short["unfolded"]
    trend = ST.toward_paper(u_mean, P.REPORTED["tamsd_short"], u_sem)
    unfolded = [r["unfolded"]["short_mean"] for r in tam]
    grid_conf = sum(r["folded"]["long_late"] < P.CONFINED_EXPONENT for r in tam)
    firsts = [r["first_positive"] for r in study_rows(study, "lyapunov")]
    runs = {
        "1024 px": study_rows(study, "alpha_h", n=P.N, n_traj=50, amplitude=1.0),
        "512 px": study_rows(study, "alpha_h", n=512, n_traj=50, amplitude=1.0),
        "amplitude x3": study_rows(study, "alpha_h", amplitude=3.0),
    }
    share = "; ".join(
        k
        + " "
        + ", ".join(
            f"{100 * r[0]['trapped_frac'][hs.index(h)]:.0f} %" for h in TRAPPED_HS
        )
        for k, r in runs.items()
    )
    trapped_counts = "; ".join(
        f"{r['n_traj']} runs "
        + ", ".join(f"{r['trapped'][hs.index(h)]}/{r['n_traj']}" for h in TRAPPED_HS)
        for r in alp
    )
    alpha_paper = ", ".join(
        f"{P.REPORTED[f'alpha_vs_h[{h}]'].text()} at H = {h}" for h in TRAPPED_HS
    )
    hs_text = ", ".join(f"{h}" for h in TRAPPED_HS)
    return [
        ST.Miss(
            "TAMSD exponent, lags 1-10 (eta = 1000)",
            P.REPORTED["tamsd_short"].text(),
            series_text(*short["unfolded"], "levels")
            + "; on the grid "
            + series_text(*short["folded"], "levels"),
            "open",
            "{numref}`fig-ly2025-scale` (a, b)",
            "not the levels or the run length; candidates, neither a documented "
            "difference of method: the realisation and the walls. Over "
            f"{len(tam)} realisations "
            f"{min(unfolded):.2f}-{max(unfolded):.2f}; the excess over the grid path "
            "follows the share of steps at a wall (r = "
            f"{np.corrcoef(wall, excess)[0, 1]:.2f}); levels: {trend.text}, "
            f"{'a' if trend.toward else 'no'} significant trend",
        ),
        ST.Miss(
            "late confinement (lags 100-999, t_w >= 3600)",
            P.REPORTED["tamsd_confined"].text(),
            series_text(*late["unfolded"], "levels")
            + "; on the grid "
            + series_text(*late["folded"], "levels"),
            "open",
            "{numref}`fig-ly2025-scale` (c, f)",
            "candidates, not a documented difference of method (we unfold the path "
            "as the authors do): the realisation and the walls; the path on the grid "
            "is confined late in "
            f"{grid_conf} of {len(tam)} realisations, the unfolded path drifts along a "
            f"wall (book run: {100 * book_run['wall_frac']:.0f} % of its steps at a "
            "wall); share of windows confined against the amplitude: "
            + series_text(*d["conf"], "x"),
        ),
        ST.Miss(
            "first eta with a positive Lyapunov exponent",
            P.REPORTED["mle_first_positive"].text(),
            series_text(*first[False], "cold, levels", 0)
            + "; warm "
            + series_text(*first[True], "levels", 0),
            "open",
            "{numref}`fig-ly2025-scale` (d)",
            f"ruled out: warm start, levels and trials (the paper's {P.LYAP_TRIALS}); "
            f"the realisation moves it between {np.nanmin(firsts):.0f} and "
            f"{np.nanmax(firsts):.0f}, never to the paper's",
        ),
        ST.Miss(
            "every trajectory trapped on fBs H >= 0.8",
            f"alpha {alpha_paper} (moving)",
            f"trapped at H = {hs_text}: {trapped_counts}",
            "open",
            "{numref}`fig-ly2025-scale` (e)",
            "a sensitivity, not a protocol shown: the paper's 'every run' is a 5-run "
            "sample, and trapping falls as the landscape's amplitude grows (the "
            "authors' amplitude is not recorded, so both cannot be run); trapped of "
            f"50 runs at H = {hs_text}: {share}",
        ),
    ]
