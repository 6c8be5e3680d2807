"""The recorded scale study of the Lavin & Ruiz-Garcia chapter, read for the chapter.

The study is ``benchmarks/studies/study_lavin2024_steps.py``, recorded in
``benchmarks/recorded/lavin2024_steps.json`` and read with
:func:`fractal_lib.core.studies.load_study`. It reruns Fig. 1 and Fig. 3 of
:mod:`fractal_lib.papers.lavin2024` with more GD steps (parts ``"fig1"``,
``"fig3_ce"``, ``"fig3_mse"``), once with the code's protocol (``"fig3_ce_paper"``)
and with wider networks at the longest run (``"fig3_ce_wide"``). This module reads
those rows: the series along the steps, the trend figure, the trend sentences and the
miss table of the chapter's "Differences from the paper" section. It computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ...core import studies as ST
from .. import lavin2024 as P
from ..presets import lavin2024_dynamical_loss as presets

#: The label of the chapter's scale-study figure, as a MyST reference.
FIGURE_REF = "{numref}`fig-lavin2024-scale`"


def part_rows(study: dict, part: str, *, T_: int | None = None) -> list[dict]:
    """The rows of one part of the recorded scale study, by growing steps.

    Parameters
    ----------
    study : dict
        The recorded study.
    part : {"fig1", "fig3_ce", "fig3_mse", "fig3_ce_paper", "fig3_ce_wide"}
        Which figure (and which run of it).
    T_ : int, optional
        Only the Fig. 3 rows with this period.

    Returns
    -------
    list of dict
        The rows, sorted by ``steps``.

    Raises
    ------
    ValueError
        No row of that part (and period).
    """
    rows = [
        r
        for r in ST.study_rows(study, "lavin2024_steps")
        if r.get("part") == part and (T_ is None or r.get("T") == T_)
    ]
    if not rows:
        raise ValueError(f"part: no recorded rows for {part!r} (T_={T_})")
    return sorted(rows, key=lambda r: r["steps"])


def gain_series(
    rows: list[dict], loss: str, width: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fig. 3's paired gain of a dynamical loss along the study's steps.

    Parameters
    ----------
    rows : list of dict
        :func:`part_rows` of ``"fig3_ce"`` or ``"fig3_mse"``.
    loss : str
        The dynamical loss (``"dce"``, ``"dmse1"``, ``"dmse2"``).
    width : int, optional
        One width; default the mean over the widths (per seed, then over seeds).

    Returns
    -------
    steps, mean, sem : ndarray
        Steps of each row, the gain in validation accuracy and its error of the mean.

    Raises
    ------
    ValueError
        ``loss`` or ``width`` not in the rows.
    """
    if any(loss not in r["gain"] for r in rows):
        raise ValueError(f"loss: {loss!r} not in the rows")
    if width is not None and any(width not in r["widths"] for r in rows):
        raise ValueError(f"width: {width} not in the rows")
    steps = np.array([r["steps"] for r in rows])
    if width is None:
        m = [r["gain"][loss]["all_mean"] for r in rows]
        e = [r["gain"][loss]["all_sem"] for r in rows]
    else:
        i = [r["widths"].index(width) for r in rows]
        m = [r["gain"][loss]["mean"][j] for r, j in zip(rows, i, strict=True)]
        e = [r["gain"][loss]["sem"][j] for r, j in zip(rows, i, strict=True)]
    return steps, np.array(m, dtype=float), np.array(e, dtype=float)


def order_series(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fig. 1a's share of orderings that hold by steps.

    The share is :func:`fractal_lib.papers.lavin2024.fig1_order_share` of the runs,
    as the study script stored it.

    Parameters
    ----------
    rows : list of dict
        :func:`part_rows` of ``"fig1"``.

    Returns
    -------
    steps, share, se : ndarray
        Steps, the share for the seed means and its bootstrap standard error (NaN
        where a run diverged and no share was computed).
    """
    steps = np.array([r["steps"] for r in rows])
    share = np.array([r.get("order_share", np.nan) for r in rows], dtype=float)
    se = np.array([r.get("order_se", np.nan) for r in rows], dtype=float)
    return steps, share, se


def series_text(
    steps: Sequence[float],
    values: Sequence[float],
    errors: Sequence[float],
    *,
    fmt: str = "+.3f",
) -> str:
    """One scale series as text, ``"6000: +0.010±0.020; 12000: ..."``.

    Parameters
    ----------
    steps, values, errors : sequence
        The series (same length).
    fmt : str
        Format of a value and its error.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        The sequences differ in length.
    """
    if not len(steps) == len(values) == len(errors):
        raise ValueError("steps, values and errors must have the same length")
    return "; ".join(
        f"{int(s)}: {v:{fmt}}±{abs(e):{fmt.lstrip('+')}}"
        for s, v, e in zip(steps, values, errors, strict=True)
    )


def width_profile(study: dict, book: Any = None) -> tuple[np.ndarray, ...]:
    """The DCE − CE gain against the width at the study's longest run.

    The book's widths come from the longest ``"fig3_ce"`` run at the book's period,
    the wider ones from ``"fig3_ce_wide"`` (same run length).

    Parameters
    ----------
    study : dict
        The recorded study.
    book : Sizes, optional
        The ``book`` sizes of the chapter's presets (default
        ``presets.sizes("book")``); its ``fig3_T`` selects the rows.

    Returns
    -------
    widths, gain, sem : ndarray
        The widths, the gain in validation accuracy and its error of the mean.
    """
    book = presets.sizes("book") if book is None else book
    ce = part_rows(study, "fig3_ce", T_=book.fig3_T)
    long = [ce[-1], *part_rows(study, "fig3_ce_wide")]
    widths = np.array([w for r in long for w in r["widths"]], dtype=float)
    by_width = [gain_series([r], "dce", w)[1:] for r in long for w in r["widths"]]
    gain, sem = np.array(by_width).squeeze(-1).T
    return widths, gain, sem


def _step_ticks(ax: Any, rows: list[dict]) -> None:
    ax.minorticks_off()
    ax.set_xticks([r["steps"] for r in rows], [f"{r['steps'] // 1000}k" for r in rows])


def figure(study: dict, book: Any = None) -> Figure:
    """The chapter's scale-study figure, four panels (a)–(d).

    (a) Share of Fig. 1a's orderings that hold against the steps; (b) the DCE − CE
    gain per width and averaged over the widths against the steps, with the code's
    protocol as a square; (c) the same gain against the width at the longest run;
    (d) the DMSE1 − MSE and DMSE2 − MSE gains against the steps. Each panel is drawn
    by :func:`fractal_lib.core.studies.plot_scale_trend` with the paper's reading.

    Parameters
    ----------
    study : dict
        The recorded study.
    book : Sizes, optional
        The ``book`` sizes of the chapter's presets (default
        ``presets.sizes("book")``): the period selecting the rows and the book's
        scale drawn as a dotted line.

    Returns
    -------
    matplotlib.figure.Figure
        With four axes.
    """
    book = presets.sizes("book") if book is None else book
    f1 = part_rows(study, "fig1")
    ce = part_rows(study, "fig3_ce", T_=book.fig3_T)
    mse = part_rows(study, "fig3_mse", T_=book.fig3_T)
    (ce_paper,) = part_rows(study, "fig3_ce_paper")
    fig, axes = plt.subplots(2, 2, figsize=(8.0, 9.6))
    a, b, c, d = axes.flat
    gain = P.REPORTED["fig3_ce_gain"]
    book_fig3 = book.fig3_T * book.fig3_periods
    ST.plot_scale_trend(
        *order_series(f1),
        paper=P.REPORTED["fig1_loss_order"],
        book=book.fig1_steps,
        xlabel="GD steps",
        ylabel="share of orderings",
        ax=a,
    )
    for w in ce[0]["widths"]:
        ST.plot_scale_trend(*gain_series(ce, "dce", w), label=f"width {w}", ax=b)
    ST.plot_scale_trend(
        *gain_series(ce, "dce"),
        label="mean over widths",
        paper=gain,
        book=book_fig3,
        ax=b,
    )
    g = ce_paper["gain"]["dce"]
    b.errorbar(
        ce_paper["steps"],
        g["all_mean"],
        g["all_sem"],
        marker="s",
        color="k",
        label="mean, code's protocol",
    )
    b.set(xlabel="GD steps", ylabel="DCE − CE accuracy")
    ST.plot_scale_trend(
        *width_profile(study, book),
        paper=gain,
        xlabel="hidden width",
        ylabel="DCE − CE accuracy",
        ax=c,
    )
    for k in ("dmse1", "dmse2"):
        first = k == "dmse1"
        ST.plot_scale_trend(
            *gain_series(mse, k),
            label=k.upper(),
            paper=P.REPORTED["fig3_mse_gain"] if first else None,
            book=book_fig3 if first else None,
            xlabel="GD steps",
            ylabel="DMSE − MSE accuracy",
            ax=d,
        )
    for ax, rows in ((a, f1), (b, [*ce, ce_paper]), (d, mse)):
        _step_ticks(ax, rows)
    for ax in (b, c, d):
        ax.set_ylim(-0.1, 0.65)
    # Each legend below its panel: inside, they covered the data; to the side, they
    # made the figure too wide to read in the column.
    for ax in (a, b, c, d):
        ax.legend(
            fontsize=9, loc="upper left", bbox_to_anchor=(0, -0.2), borderaxespad=0
        )
    fig.set_layout_engine("tight")  # the style's constrained layout, switched quietly
    fig.tight_layout()
    return fig


def trends(study: dict, book: Any = None) -> str:
    """Whether each series moves toward the paper, one line per series.

    :func:`fractal_lib.core.studies.toward_paper` of Fig. 1a's share of orderings and
    of the DCE, DMSE1 and DMSE2 gains (mean over the widths) along the steps.

    Parameters
    ----------
    study : dict
        The recorded study.
    book : Sizes, optional
        The ``book`` sizes (default ``presets.sizes("book")``); its ``fig3_T``
        selects the Fig. 3 rows.

    Returns
    -------
    str
        Four lines, ``"Fig. 1a orderings: ..."``, ``"DCE gain: ..."``, ...
    """
    book = presets.sizes("book") if book is None else book
    _, share, share_se = order_series(part_rows(study, "fig1"))
    order = ST.toward_paper(share, P.REPORTED["fig1_loss_order"], share_se)
    lines = [f"Fig. 1a orderings: {order.text}"]
    ce = part_rows(study, "fig3_ce", T_=book.fig3_T)
    mse = part_rows(study, "fig3_mse", T_=book.fig3_T)
    for rows, k, fact in (
        (ce, "dce", "fig3_ce_gain"),
        (mse, "dmse1", "fig3_mse_gain"),
        (mse, "dmse2", "fig3_mse_gain"),
    ):
        _, g, e = gain_series(rows, k)
        lines.append(
            f"{k.upper()} gain: {ST.toward_paper(g, P.REPORTED[fact], e).text}"
        )
    return "\n".join(lines)


def misses(study: dict, book: Any = None, *, ref: str = FIGURE_REF) -> list[ST.Miss]:
    """The chapter's misses of Fig. 1a and Fig. 3 with their classes and numbers.

    Ours at each scale is formatted from the recorded rows; the paper's side is
    ``P.REPORTED[...].text()``.

    Parameters
    ----------
    study : dict
        The recorded study.
    book : Sizes, optional
        The ``book`` sizes (default ``presets.sizes("book")``); its ``fig3_T``
        selects the Fig. 3 rows.
    ref : str
        The reference to the scale-study figure; each row adds its panel.

    Returns
    -------
    list of Miss
        Fig. 1a's orderings (scale), Fig. 3a's DCE gain (scale), where that gain is
        largest (open) and Fig. 3b's DMSE gains (scale).
    """
    book = presets.sizes("book") if book is None else book
    f1 = part_rows(study, "fig1")
    ce = part_rows(study, "fig3_ce", T_=book.fig3_T)
    mse = part_rows(study, "fig3_mse", T_=book.fig3_T)
    (ce_paper,) = part_rows(study, "fig3_ce_paper")
    g = ce_paper["gain"]["dce"]
    protocol = (
        f"; {ce_paper['periods']} × {ce_paper['T']} steps: "
        f"{g['all_mean']:+.3f}±{g['all_sem']:.3f}"
    )
    widths = ", ".join(str(w) for w in ce[0]["widths"])
    at_width = ", ".join(
        f"w{w:.0f}: {v:+.3f}±{e:.3f}"
        for w, v, e in zip(*width_profile(study, book), strict=True)
    )
    ce_text = P.REPORTED["fig3_ce"].text()
    return [
        ST.Miss(
            "Fig. 1a: final loss by width and η (share of the 9 orderings that hold)",
            P.REPORTED["fig1_loss"].text(),
            series_text(*order_series(f1), fmt=".2f"),
            "scale",
            f"{ref} (a)",
            "short runs: at η ≤ 1 the mean loss stays near 1.0 (chance: ln 3 ≈ 1.1) "
            "for most widths and rates, so the orderings turn on small differences; "
            "they settle as networks leave that plateau (width 128 at η = 1 first)",
        ),
        ST.Miss(
            f"Fig. 3a: DCE − CE validation accuracy, mean over widths {widths}",
            ce_text,
            series_text(*gain_series(ce, "dce")) + protocol,
            "scale",
            f"{ref} (b)",
            "static CE at η = 1 hardly fits the spiral at these widths (validation "
            "accuracy about 0.5 even after the code's 70 000 steps) while DCE keeps "
            "improving, so the gain grows with training",
        ),
        ST.Miss(
            f"Fig. 3a: where the gain is largest ({ce[-1]['periods']} × {ce[-1]['T']} "
            "steps)",
            ce_text,
            at_width,
            "open",
            f"{ref} (c)",
            "the gain peaks where DCE fits the spiral and static CE does not yet "
            "(widths 64–128) and vanishes where CE fits too (256): the shifted "
            "transition the paper describes, but whether that is its 'small widths' "
            "cannot be told (its widths are not stated); width 4 fits with neither "
            "loss at any run length; no gain at 256 (paper: also higher at large "
            "widths), not run longer",
        ),
        ST.Miss(
            "Fig. 3b: DMSE1, DMSE2 − MSE validation accuracy, mean over widths",
            P.REPORTED["fig3_mse"].text(),
            "DMSE1 "
            + series_text(*gain_series(mse, "dmse1"))
            + "; DMSE2 "
            + series_text(*gain_series(mse, "dmse2")),
            "scale",
            f"{ref} (d)",
            "MSE at η = 0.075 learns slowly; both gains grow with the steps (4 paired "
            "runs); the code's protocol for MSE is the study's --extend point, not run",
        ),
    ]
