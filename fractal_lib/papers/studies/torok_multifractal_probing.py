"""The recorded scale studies of the Török & Bartha chapter, as the chapter shows them.

Two studies are read: ``torok_trends`` (:data:`STUDY`, the ``book`` preset with more
directions per bank, more banks and longer training, written by
``benchmarks/studies/study_torok_trends.py``) and ``torok_min_total``
(:data:`MIN_TOTAL_STUDY`, the ``smoke`` preset as it is, written by
``study_torok_min_total.py``). Every row is analysed with the chapter's
``min_total = 0`` and with the authors' ``min_total``
(:data:`fractal_lib.papers.torok_bartha.MIN_TOTAL`). Nothing here computes a study: the
functions read the stored rows (:func:`fractal_lib.core.studies.load_study`) and turn
them into the chapter's figure (:func:`figure`), its printed trends
(:func:`trend_text`) and its misses (:func:`misses`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ...core import studies as ST
from .. import torok_bartha as P
from ..presets import torok_multifractal_probing as presets

#: Stem of the recorded study of the ``book`` preset and its larger points.
STUDY = "torok_trends"
#: Stem of the recorded ``min_total`` comparison at the ``smoke`` preset.
MIN_TOTAL_STUDY = "torok_min_total"
#: The scale axes of the figure: label to (field of the preset, sizes beyond ``book``).
GROW: dict[str, tuple[str, tuple[int, ...]]] = {
    "directions per bank": ("bank_size", (32,)),
    "banks": ("n_banks", (5,)),
    "epochs": ("epochs", (12,)),
}
#: The points of the miss table: label to the change of the ``book`` preset.
POINTS: dict[str, dict[str, int]] = {
    "book": {},
    "32/bank": {"bank_size": 32},
    "5 banks": {"n_banks": 5},
    "12 epochs": {"epochs": 12},
}
#: The measured cause of every miss (claims of ``P.CLAIM_FIELDS`` and ``min_total``),
#: or what was ruled out where the miss is open.
CAUSES: dict[str, str] = {
    "trend_m_tau": "none resolves a decrease: the correlation turns negative as "
    "directions, banks or epochs grow, within its error. Ruled out as the whole cause: "
    "directions per bank (to 32), banks (to 5), training (to 12 epochs); out of reach: "
    "128 x 8 directions, the ResNet-18 on CIFAR-10",
    "trend_exponent_std": "the first checkpoint is the most dispersed, so the change "
    "is negative, but the correlation with training stays positive: no trend along "
    "training. Ruled out: directions per bank, banks, training length (as for M_τ)",
    "trend_f_width": "no change at any size; the ratio form's ln N offset moves with "
    "the bank size, not along training. Ruled out: directions per bank, banks, "
    "training length (as for M_τ)",
    "trend_alpha_width": "the book's reversal is not resolved with 32 directions per "
    "bank, 5 banks or 12 epochs, and the correlation turns negative after 12 epochs, "
    "but within its error: no decrease is resolved, so the miss stays open (a longer "
    "run is the candidate)",
    "min_total": "in float64 a total under P.MIN_TOTAL is a real response (the "
    "float64 floor is about 1e-16 of the loss); the authors' float32 guard drops the "
    "smallest scales of weakly curved banks, which raises M_τ early in training",
}
#: Where every claim's miss is shown (a MyST reference to the chapter's figure).
EVIDENCE = "{numref}`fig-torok-scale`"


def study_row(
    study: Mapping[str, Any], base: Any, min_total: float = 0.0, **change: int
) -> dict[str, Any]:
    """One row of a recorded Török & Bartha study.

    The rows are written by ``benchmarks/studies/study_torok_trends.py``, one per
    point (the preset ``base`` with ``change`` applied) and ``min_total``.

    Parameters
    ----------
    study : mapping
        :func:`fractal_lib.core.studies.load_study` of :data:`STUDY` or
        :data:`MIN_TOTAL_STUDY`.
    base : TorokProbingScale
        The preset the point changes (``book`` for :data:`STUDY`, ``smoke`` for
        :data:`MIN_TOTAL_STUDY`).
    min_total : float
        0 (the chapter) or :data:`~fractal_lib.papers.torok_bartha.MIN_TOTAL` (the
        authors).
    **change : int
        Fields of ``base`` to replace (``bank_size``, ``n_banks``, ``epochs``,
        ``width``).

    Returns
    -------
    dict
        The row: the point's sizes, ``claims`` (per claim of ``P.CLAIM_FIELDS``: the
        bank means per checkpoint, ``change`` and ``change_se``, the correlation ``r``
        with its 95 % interval ``lo``, ``hi``, and the ``verdict``), and
        ``dropped_columns`` (bank scales under ``min_total``).

    Raises
    ------
    KeyError
        The study holds no such row.
    """
    S = dataclasses.replace(base, **change)
    key = (
        f"width={S.width},epochs={S.epochs},bank_size={S.bank_size},"
        f"n_banks={S.n_banks},min_total={min_total:g}"
    )
    for row in study["rows"]:
        if row["key"] == key:
            return row
    raise KeyError(f"the study has no row {key!r} (run its script)")


def series(
    study: Mapping[str, Any], claim: str, axis: str, min_total: float = 0.0
) -> tuple[list[float], list[float], list[float]]:
    """A claim's correlation with training along one scale axis of :data:`GROW`.

    Parameters
    ----------
    study : mapping
        The recorded :data:`STUDY`.
    claim : str
        A claim of ``P.CLAIM_FIELDS``.
    axis : str
        A label of :data:`GROW`.
    min_total : float
        0 (the chapter) or ``P.MIN_TOTAL`` (the authors).

    Returns
    -------
    sizes : list of float
        Each point's size relative to ``book`` (1 first).
    r : list of float
        The correlation of the bank-mean descriptor with the fraction of training.
    se : list of float
        Its standard error, the 95 % bootstrap interval's width over 3.92.

    Raises
    ------
    KeyError
        An unknown ``axis`` or ``claim``, or a row the study lacks.
    """
    ST.study_rows(study, STUDY)
    field, sizes = GROW[axis]
    book = presets.sizes("book")
    values = (getattr(book, field), *sizes)
    rows = [
        study_row(study, book, min_total, **{field: v})["claims"][claim] for v in values
    ]
    x = [v / getattr(book, field) for v in values]
    return x, [t["r"] for t in rows], [(t["hi"] - t["lo"]) / 3.92 for t in rows]


def trends(study: Mapping[str, Any]) -> dict[tuple[str, str], ST.Trend]:
    """Does each claim's correlation move toward the claimed sign along each axis?

    Parameters
    ----------
    study : mapping
        The recorded :data:`STUDY`.

    Returns
    -------
    dict of (claim, axis) to Trend
        :func:`fractal_lib.core.studies.toward_paper` of :func:`series` against
        ``P.CLAIMED_CORRELATION``, for every claim and axis of :data:`GROW`.
    """
    ST.study_rows(study, STUDY)
    out = {}
    for c in P.CLAIM_FIELDS:
        for a in GROW:
            _, r, se = series(study, c, a)
            out[c, a] = ST.toward_paper(r, P.CLAIMED_CORRELATION, se)
    return out


def moved(study: Mapping[str, Any]) -> dict[str, list[str]]:
    """The axes of :data:`GROW` along which each claim moves toward the claim.

    Parameters
    ----------
    study : mapping
        The recorded :data:`STUDY`.

    Returns
    -------
    dict of str to list of str
        Claim to the labels of the axes whose :func:`trends` entry moves toward the
        claim and ends resolved inside it (``toward`` and ``reached``); a trend that
        passes the test within the noise of its last point does not count.
    """
    tr = trends(study)
    return {
        c: [a for a in GROW if tr[c, a].toward and tr[c, a].reached]
        for c in P.CLAIM_FIELDS
    }


def figure(study: Mapping[str, Any]) -> Figure:
    """The chapter's scale-study figure: one panel per claim, one series per axis.

    Each panel draws the correlation with training of one claim's descriptor
    (:func:`series`, bars ±1.96 SE) against the size relative to ``book`` along every
    axis of :data:`GROW`, with :func:`fractal_lib.core.studies.plot_scale_trend`; the
    first series carries the claimed sign (``P.CLAIMED_CORRELATION``) and the book.

    Parameters
    ----------
    study : mapping
        The recorded :data:`STUDY`.

    Returns
    -------
    matplotlib.figure.Figure
        Four axes (two by two) sharing x and y, one per claim of
        ``P.CLAIM_FIELDS``.
    """
    ST.study_rows(study, STUDY)
    fig, grid = plt.subplots(
        2, 2, figsize=(8.4, 6.4), layout="constrained", sharey=True, sharex=True
    )
    axs = list(grid.flat)
    for ax, claim in zip(axs, P.CLAIM_FIELDS, strict=True):
        for i, axis in enumerate(GROW):
            x, r, se = series(study, claim, axis)
            ST.plot_scale_trend(
                x,
                r,
                se,
                label=axis,
                ax=ax,
                paper=None if i else P.CLAIMED_CORRELATION,
                logx=False,
                book=None if i else 1.0,
                xlabel="size / book size" if ax in axs[2:] else "",
                ylabel="correlation with training" if ax in axs[::2] else "",
            )
        ax.set_title(P.REPORTED[claim].quantity, fontsize=9)
        if ax is not axs[0]:
            ax.get_legend().remove()
    return fig


def ours_text(study: Mapping[str, Any], claim: str, min_total: float = 0.0) -> str:
    """A claim's change, correlation and verdict at every point of :data:`POINTS`.

    Parameters
    ----------
    study : mapping
        The recorded :data:`STUDY`.
    claim : str
        A claim of ``P.CLAIM_FIELDS``.
    min_total : float
        0 (the chapter) or ``P.MIN_TOTAL`` (the authors).

    Returns
    -------
    str
        ``"book +0.038 ± 0.042, r +0.16 (not resolved); 32/bank ..."``.
    """
    book = presets.sizes("book")
    ts = {
        k: study_row(study, book, min_total, **c)["claims"][claim]
        for k, c in POINTS.items()
    }
    return "; ".join(
        f"{k} {t['change']:+.3f} ± {t['change_se']:.3f}, r {t['r']:+.2f} "
        f"({t['verdict']})"
        for k, t in ts.items()
    )


def protocol_text(row: Mapping[str, Any]) -> str:
    """``M_τ`` first → last and the dropped bank scales of one row.

    Parameters
    ----------
    row : mapping
        A row of :func:`study_row`.

    Returns
    -------
    str
        ``"M_τ 0.132 ± 0.030 → 0.488 (reversed), 0 of 42 dropped"``.
    """
    t = row["claims"]["trend_m_tau"]
    return (
        f"M_τ {t['first']:.3f} ± {t['ses'][0]:.3f} → {t['last']:.3f} "
        f"({t['verdict']}), {row['dropped_columns']} of {row['columns']} dropped"
    )


def dropped(
    study: Mapping[str, Any], smoke_study: Mapping[str, Any]
) -> dict[str, tuple[int, int]]:
    """Bank scales the authors' ``P.MIN_TOTAL`` drops, at ``smoke`` and beyond.

    Parameters
    ----------
    study : mapping
        The recorded :data:`STUDY`.
    smoke_study : mapping
        The recorded :data:`MIN_TOTAL_STUDY`.

    Returns
    -------
    dict
        ``"smoke"`` and ``"book and larger"`` (summed over :data:`POINTS`) to
        (dropped, all) bank scales.
    """
    smoke = study_row(smoke_study, presets.sizes("smoke"), P.MIN_TOTAL)
    book = presets.sizes("book")
    larger = [study_row(study, book, P.MIN_TOTAL, **c) for c in POINTS.values()]
    return {
        "smoke": (smoke["dropped_columns"], smoke["columns"]),
        "book and larger": (
            sum(r["dropped_columns"] for r in larger),
            sum(r["columns"] for r in larger),
        ),
    }


def trend_text(study: Mapping[str, Any], smoke_study: Mapping[str, Any]) -> str:
    """The chapter's printout: the axes that move each claim, and the dropped scales.

    Parameters
    ----------
    study : mapping
        The recorded :data:`STUDY`.
    smoke_study : mapping
        The recorded :data:`MIN_TOTAL_STUDY`.

    Returns
    -------
    str
        Two lines: claim to the axes of :func:`moved` (or that none moves), and the
        bank scales dropped under ``P.MIN_TOTAL`` (:func:`dropped`).
    """
    ST.study_rows(study, STUDY)
    ST.study_rows(smoke_study, MIN_TOTAL_STUDY)
    mv = {c: a or "no axis moves toward the claim" for c, a in moved(study).items()}
    d = dropped(study, smoke_study)
    return (
        f"{mv}\nbank scales under P.MIN_TOTAL: smoke {d['smoke'][0]} of "
        f"{d['smoke'][1]}; book and larger {d['book and larger'][0]} of "
        f"{d['book and larger'][1]}"
    )


def misses(study: Mapping[str, Any], smoke_study: Mapping[str, Any]) -> list[ST.Miss]:
    """Every miss of the chapter with its class, numbers read from the recorded rows.

    A claim is ``scale`` where some axis of :data:`GROW` moves it toward the claimed
    sign (:func:`moved`), else ``open``; ``min_total`` is a ``protocol`` difference.

    Parameters
    ----------
    study : mapping
        The recorded :data:`STUDY`.
    smoke_study : mapping
        The recorded :data:`MIN_TOTAL_STUDY`.

    Returns
    -------
    list of Miss
        One per claim of ``P.CLAIM_FIELDS`` (paper side ``P.REPORTED[claim].text()``),
        then the ``min_total`` protocol.
    """
    ST.study_rows(study, STUDY)
    ST.study_rows(smoke_study, MIN_TOTAL_STUDY)
    mv = moved(study)
    out = [
        ST.Miss(
            P.REPORTED[c].quantity,
            P.REPORTED[c].text(),
            f"change first → last checkpoint ± SE: {ours_text(study, c)}",
            "scale" if mv[c] else "open",
            EVIDENCE,
            CAUSES[c],
        )
        for c in P.CLAIM_FIELDS
    ]
    smoke = {
        m: study_row(smoke_study, presets.sizes("smoke"), m) for m in (0.0, P.MIN_TOTAL)
    }
    d = dropped(study, smoke_study)["book and larger"]
    out.append(
        ST.Miss(
            "valid scales of a bank (`min_total`)",
            f"a scale with total ≤ {P.MIN_TOTAL:g} is dropped",
            f"smoke: ours {protocol_text(smoke[0.0])}; authors' "
            f"{protocol_text(smoke[P.MIN_TOTAL])}. Book and larger: "
            f"{d[0]} of {d[1]} dropped",
            "protocol",
            "this table (both rules on the same responses)",
            CAUSES["min_total"],
        )
    )
    return out
