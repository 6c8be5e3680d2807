"""Scale study of Lavin & Ruiz-Garcia 2024: Fig. 1a's loss ordering and Fig. 3's gains.

At the ``book`` scale (Fig. 1: 3000 steps; Fig. 3: 6 periods of 1000 steps) neither the
ordering of Fig. 1a's final loss by width and learning rate nor the validation-accuracy
gain of the dynamical losses over the static ones (Fig. 3) is resolved; the authors'
code trains 14 periods of 5000 steps (70 000). This study reruns both with more steps
through the chapter's own recipes (:func:`fractal_lib.papers.lavin2024.fig1`,
:func:`~fractal_lib.papers.lavin2024.fig3`) and the ``book`` preset with only the
steps and the number of seeds changed:

* ``fig3_ce`` / ``fig3_mse``: the period stays the book's (``T = 1000``) and the number
  of periods grows, 6 (book) -> 12 -> 24 (the last one static, as in the paper). Each
  row holds the validation accuracy of every loss, width and seed, and the paired gains
  (dynamical minus static, same seeds) per width and averaged over the widths.
* ``fig3_ce_paper``: CE/DCE with the paper's protocol, 14 periods of 5000 steps
  (``--extend`` adds it for MSE/DMSE).
* ``fig3_ce_wide``: CE/DCE with widths 128 and 256 at 24 periods of 1000 steps (where
  does the gain peak with width?).
* ``fig1``: one run of 40 000 steps, read at 3000 (book), 6000, 12 000, 20 000 (the
  ``paper`` preset) and 40 000 steps (a run's loss at step ``s`` is that of an
  ``s``-step run: GD does not depend on where it stops); ``--extend`` reads a
  70 000-step run. Each row
  holds the final loss per width, learning rate and seed and the share of the text's
  orderings that hold (:func:`~fractal_lib.papers.lavin2024.fig1_order_share`, seed
  bootstrap).

Seeds nest: the first seeds are the book's. Writes
``benchmarks/recorded/lavin2024_steps.json``.

Usage: ``python benchmarks/studies/study_lavin2024_steps.py [--quick] [--extend]
[--parts fig3_ce,fig1,...] [--directory DIR]``. ``--quick`` is a tiny run that
checks the script and writes to a temporary folder (or ``--directory``), never to the
recorded file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from fractal_lib.core import fits
from fractal_lib.core.studies import StudyRecorder
from fractal_lib.papers import lavin2024 as P
from fractal_lib.papers.presets import lavin2024_dynamical_loss as presets

#: The recorded file's stem.
NAME = "lavin2024_steps"
#: Fig. 3 points (period in steps, periods) at the book's period; the first is ``book``.
FIG3_POINTS = ((1000, 6), (1000, 12), (1000, 24))
#: The paper's protocol (14 periods of 5000 steps), run for CE/DCE (``--extend`` adds
#: it for MSE/DMSE).
FIG3_PAPER = (P.T, P.CODE_PERIODS)
#: Wider networks than the book's for CE/DCE, at the longest point of
#: :data:`FIG3_POINTS`: where does the gain peak with width?
FIG3_WIDE = (128, 256)
#: Runs per width for CE/DCE and for MSE/DMSE1/DMSE2 (the book uses 4 and 2).
FIG3_SEEDS_CE, FIG3_SEEDS_MSE = 8, 4
#: Fig. 1: steps at which the loss of one run is read (the first is ``book``; 20 000 is
#: the ``paper`` preset's run length); ``--extend`` adds :data:`FIG1_EXTEND`.
FIG1_STEPS = (3000, 6000, 12000, 20000, 40000)
#: Fig. 1: the longer read-out of ``--extend`` (the code's 70 000 steps).
FIG1_EXTEND = P.T * P.CODE_PERIODS
#: Fig. 1: runs per (width, learning rate) (the book uses 4, the paper 20).
FIG1_SEEDS = 8
#: The parts, in the order they run: Fig. 3a along the steps, Fig. 1, Fig. 3b along
#: the steps, Fig. 3a at the paper's protocol, Fig. 3a with wider networks.
PARTS = ("fig3_ce", "fig1", "fig3_mse", "fig3_ce_paper", "fig3_ce_wide")


def _fig3(rec: StudyRecorder, S: Any, part: str, T_: int, periods: int, n: int) -> None:
    ce = part.startswith("fig3_ce")
    losses = ("ce", "dce") if ce else ("mse", "dmse1", "dmse2")
    lr = P.LR_CE if ce else P.LR_MSE
    static = losses[0]

    def compute() -> dict[str, Any]:
        acc = P.fig3(
            S.fig3_widths, n, losses=losses, lr=lr, A_=P.A, T_=T_, periods=periods
        )
        gain: dict[str, Any] = {}
        for k in losses[1:]:
            d = acc[k] - acc[static]  # (widths, seeds), paired by seed
            m, e = fits.mean_sem(d, axis=1)
            ma, ea = fits.mean_sem(d.mean(axis=0))
            gain[k] = {
                "mean": m.tolist(),
                "sem": e.tolist(),
                "all_mean": float(ma),
                "all_sem": float(ea),
            }
        return {
            "part": part,
            "T": int(T_),
            "periods": int(periods),
            "steps": int(T_) * int(periods),
            "n_seeds": int(n),
            "widths": list(S.fig3_widths),
            "lr": float(lr),
            "A": float(P.A),
            "acc": {k: v.tolist() for k, v in acc.items()},
            "acc_mean": {
                k: fits.mean_sem(v, axis=1)[0].tolist() for k, v in acc.items()
            },
            "gain": gain,
        }

    widths = ",".join(map(str, S.fig3_widths))
    rec.point(f"{part},T={T_},periods={periods},seeds={n},widths={widths}", compute)


def _fig1(rec: StudyRecorder, S: Any, checkpoints: tuple[int, ...], n: int) -> None:
    run_steps = max(checkpoints)
    cache: dict[str, Any] = {}

    def runs() -> dict[int, Any]:
        if "runs" not in cache:  # one run, read at every checkpoint
            cache["runs"] = P.fig1(S.fig1_widths, S.fig1_lrs, n, run_steps, 0)
        return cache["runs"]

    for steps in checkpoints:

        def compute(steps: int = steps) -> dict[str, Any]:
            res = runs()
            # (seeds, widths, lrs); models of a width are lr major, seed minor
            final = np.stack(
                [
                    res[w].static_loss[:, steps].reshape(len(S.fig1_lrs), n).T
                    for w in S.fig1_widths
                ],
                axis=1,
            )
            m, e = fits.mean_sem(final, axis=0)
            out: dict[str, Any] = {
                "part": "fig1",
                "steps": int(steps),
                "run_steps": int(run_steps),
                "n_seeds": int(n),
                "widths": list(S.fig1_widths),
                "lrs": list(S.fig1_lrs),
                "loss": final.tolist(),
                "loss_mean": m.tolist(),
                "loss_sem": e.tolist(),
                "n_diverged": int((~np.isfinite(final)).sum()),
            }
            if np.isfinite(final).all():
                ci = P.fig1_order_share(final)
                out.update(
                    orderings=P.fig1_orderings(m).tolist(),
                    order_share=ci.estimate,
                    order_ci=[ci.low, ci.high],
                    order_se=float(np.std(ci.replicates, ddof=1)),
                )
            return out

        rec.point(f"fig1,steps={steps},seeds={n}", compute)


def main(argv: list[str] | None = None) -> Path:
    """Run the study (see the module docstring).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    Path
        The file written.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run, temporary folder")
    ap.add_argument(
        "--extend",
        action="store_true",
        help="add Fig. 3b's paper protocol, Fig. 1 to 70k",
    )
    ap.add_argument("--parts", default=",".join(PARTS), help="comma-separated parts")
    ap.add_argument("--directory", type=Path, help="write here instead")
    args = ap.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    bad = sorted(set(parts) - set(PARTS))
    if bad:
        ap.error(f"--parts: unknown {bad}; choose from {PARTS}")
    book = presets.sizes("book")
    if args.quick:
        S = replace(book, fig3_widths=(4,), fig1_widths=(4, 8), fig1_lrs=(0.5, 1.0))
        points, paper, wide, seeds_ce, seeds_mse = (
            ((20, 2), (20, 3)),
            (30, 2),
            (8,),
            2,
            2,
        )
        fig1_steps, fig1_seeds = (20, 40), 2
        directory = args.directory or Path(tempfile.mkdtemp(prefix="study_lavin_"))
    else:
        S, points, paper, wide = book, FIG3_POINTS, FIG3_PAPER, FIG3_WIDE
        seeds_ce, seeds_mse = FIG3_SEEDS_CE, FIG3_SEEDS_MSE
        fig1_steps, fig1_seeds = FIG1_STEPS, FIG1_SEEDS
        if args.extend:
            fig1_steps += (FIG1_EXTEND,)
        directory = args.directory
    rec = StudyRecorder(
        NAME,
        script=__file__,
        argv=argv,
        description=(
            "Fig. 1a's final loss by width and learning rate, and Fig. 3's validation "
            "gain of DCE over CE and of DMSE1/DMSE2 over MSE, against the number of "
            "GD steps (book preset otherwise)."
        ),
        scale_axis="steps",
        directory=directory,
    )
    rec.set(
        book_steps={
            "fig1": int(book.fig1_steps),
            "fig3": int(book.fig3_T * book.fig3_periods),
        },
        paper_steps={
            "fig1": int(presets.sizes("paper").fig1_steps),
            "fig3": int(P.T * P.CODE_PERIODS),
        },
    )
    for part in parts:
        if part == "fig1":
            _fig1(rec, S, fig1_steps, fig1_seeds)
        elif part == "fig3_ce_paper":
            _fig3(rec, S, part, *paper, seeds_ce)
        elif part == "fig3_ce_wide":
            _fig3(rec, replace(S, fig3_widths=wide), part, *points[-1], seeds_ce)
        else:
            n = seeds_ce if part == "fig3_ce" else seeds_mse
            extra = (paper,) if part == "fig3_mse" and args.extend else ()
            for T_, periods in points + extra:
                _fig3(rec, S, part, T_, periods, n)
    print(f"wrote {rec.path}")
    return rec.path


if __name__ == "__main__":
    os.environ.setdefault("FRACTAL_PROGRESS", "0")
    main()
