"""Scale study of the Török & Bartha chapter: do the claimed trends resolve?

At the ``book`` scale none of the abstract's three trends (``M_tau`` falls, the
directional exponents concentrate, the spectrum narrows) is resolved along training.
This study reruns the chapter's pipeline (:func:`fractal_lib.multifractal.probing.
train_checkpoints`, :func:`~fractal_lib.multifractal.probing.probe_checkpoints`,
:func:`fractal_lib.papers.torok_bartha.descriptor_stack` and
:func:`~fractal_lib.papers.torok_bartha.claim_trends`) on the ``book`` preset
(``dataclasses.replace`` of it, :data:`POINTS`), computed in this order:

* the book itself (3 banks of 16 directions, width 4, 6 epochs);
* 32 directions per bank (authors 128);
* 5 banks (authors 8);
* 12 epochs;

and ``--extend`` adds 64 directions per bank, 8 banks and width 8
(:data:`EXTEND_POINTS`). Every point is analysed with the chapter's ``min_total = 0``
and with the authors' ``P.MIN_TOTAL``, on the same responses (a protocol difference
that costs no probing).

Directions nest: direction ``j`` of bank ``b`` has the seed
``BANK_SEED_STRIDE (b + 1) + j`` whatever the bank size, so a larger point probes only
the directions the smaller ones lack (:func:`_responses`) and every point is the
chapter's computation on a superset of the book's directions. Trainings and probes go
through the result cache (``.fractal_cache``); the rows go to
``benchmarks/recorded/torok_trends.json``, each as soon as it is computed.

Usage: ``python benchmarks/studies/study_torok_trends.py [--quick] [--extend]
[--preset smoke] [--directory DIR]``. ``--quick`` runs the ``smoke`` preset on a few
directions and writes to a temporary folder (or ``DIR``), never to the recorded file.
``--preset smoke`` analyses that preset as it is (width 2, probed on 8 images, where
bank totals fall below ``P.MIN_TOTAL``) into
``benchmarks/recorded/torok_min_total.json``; ``study_torok_min_total.py`` runs it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fractal_lib.core.fits import mean_sem
from fractal_lib.core.studies import StudyRecorder
from fractal_lib.multifractal import measures as mf
from fractal_lib.multifractal import probing
from fractal_lib.nets import data, models, torchtools
from fractal_lib.papers import torok_bartha as P
from fractal_lib.papers.presets import torok_multifractal_probing as presets

#: The recorded file's stem.
NAME = "torok_trends"
#: The default points, in the order they are computed: changes to the ``book`` preset
#: (``dataclasses.replace``); the first is the book itself.
POINTS: tuple[dict[str, int], ...] = (
    {},
    {"bank_size": 32},
    {"n_banks": 5},
    {"epochs": 12},
)
#: The file of ``--preset`` runs (``study_torok_min_total.py`` runs the ``smoke``
#: preset): the ``min_total`` comparison at a preset's own size.
PRESET_NAME = "torok_min_total"
#: ``--extend``: further points toward the authors' 128 directions x 8 banks and a
#: wider network (not recorded by default: beyond the CPU budget of the study).
EXTEND_POINTS: tuple[dict[str, int], ...] = (
    {"bank_size": 64},
    {"n_banks": 8},
    {"width": 8},
)
#: ``--quick``: changes to the ``smoke`` preset.
QUICK_POINTS: tuple[dict[str, int], ...] = (
    {"bank_size": 4},
    {},
    {"bank_size": 4, "n_banks": 3},
)
#: Probing cost of every chunk of directions (filled as they are probed, recorded).
COST: dict[str, dict[str, float]] = {}


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run, temp dir")
    ap.add_argument("--extend", action="store_true", help="also train width 8")
    ap.add_argument("--directory", type=Path, help="write here, not the recorded file")
    ap.add_argument(
        "--preset",
        choices=("smoke", "book"),
        help=f"analyse this preset as it is, into {PRESET_NAME}.json",
    )
    return ap.parse_args(argv)


def _data(S: presets.TorokProbingScale) -> tuple[torch.Tensor, ...]:
    """The chapter's Fashion-MNIST tensors (the ``book`` data set)."""
    x, y = data.fashion_mnist_tensors("train", n=S.n_train)
    x_test, y_test = data.fashion_mnist_tensors("test", n=S.n_eval)
    return x, y, x_test, y_test


def _train(S: presets.TorokProbingScale, tensors: tuple[torch.Tensor, ...]) -> Any:
    """The chapter's checkpointed training at the sizes ``S``: (build, run, key)."""
    x, y, x_test, y_test = tensors

    def build() -> torch.nn.Module:
        torchtools.seed_everything(0)
        return models.resnet18(in_channels=x.shape[1], width=S.width)

    key = {"dataset": "Fashion-MNIST", "width": S.width, "n_train": S.n_train}
    key["init_seed"] = 0
    kw = dict(epochs=S.epochs, batch_size=S.batch_size, lr=S.lr, seed=0)
    kw.update(momentum=P.MOMENTUM, nesterov=P.NESTEROV)
    kw.update(weight_decay=P.WEIGHT_DECAY, schedule=P.SCHEDULE)
    run = probing.train_checkpoints(
        build, x, y, fractions=S.fractions, train_kwargs=kw, x_test=x_test,
        y_test=y_test, n_eval=S.n_eval, key_params=key,
    )  # fmt: skip
    return build, run, key


def _probe(
    S: presets.TorokProbingScale,
    trained: Any,
    tensors: tuple[torch.Tensor, ...],
    banks: range,
    have: int,
) -> list[np.ndarray]:
    """Directions ``have .. S.bank_size - 1`` of banks ``banks``, per checkpoint.

    Direction ``j`` of bank ``b`` has the seed ``BANK_SEED_STRIDE (b + 1) + j`` whatever
    the bank size, so probing ``S.bank_size - have`` directions per bank from the base
    seed ``BANK_SEED_STRIDE banks.start + have`` adds exactly the missing ones.
    """
    build, run, key = trained
    x, y = tensors[:2]
    idx = np.random.default_rng(0).choice(len(x), S.probe_batch, replace=False)
    size = S.bank_size - have
    probes = probing.probe_checkpoints(
        build, run, x[idx], y[idx], P.PROBED_SCALES,
        n_directions=len(banks) * size, bank_size=size,
        seed=banks.start * probing.BANK_SEED_STRIDE + have, key_params=key,
    )  # fmt: skip
    chunk = f"banks {banks.start}-{banks.stop - 1}, directions {have}-{S.bank_size - 1}"
    COST[f"width={S.width},epochs={S.epochs}: {chunk}"] = {
        "directions": len(banks) * size,
        "checkpoints": len(probes),
        "forward_passes": int(sum(p.n_evals for p in probes)),
        "seconds_when_computed": round(float(sum(p.seconds for p in probes)), 1),
    }
    return [p.R for p in probes]


def _responses(
    S: presets.TorokProbingScale,
    trained: Any,
    tensors: tuple[torch.Tensor, ...],
    probed: dict[int, list[np.ndarray]],
) -> list[np.ndarray]:
    """Per checkpoint, the first ``S.bank_size`` directions of banks ``0 .. n - 1``,
    probing only those ``probed`` (bank -> responses per checkpoint) lacks."""
    todo = [b for b in range(S.n_banks) if len(probed.get(b, [()])[0]) < S.bank_size]
    while todo:  # runs of consecutive banks that hold the same number of directions
        have = len(probed.get(todo[0], [()])[0])
        run = [todo[0]]
        while (
            len(run) < len(todo)
            and todo[len(run)] == run[-1] + 1
            and len(probed.get(todo[len(run)], [()])[0]) == have
        ):
            run.append(todo[len(run)])
        banks = range(run[0], run[-1] + 1)
        new = _probe(S, trained, tensors, banks, have)
        size = S.bank_size - have
        for i, b in enumerate(banks):
            rows = [r[i * size : (i + 1) * size] for r in new]
            old = probed.get(b)
            probed[b] = rows if old is None else [
                np.concatenate([o, r]) for o, r in zip(old, rows, strict=True)
            ]  # fmt: skip
        todo = todo[len(run) :]
    return [
        np.concatenate([probed[b][k][: S.bank_size] for b in range(S.n_banks)])
        for k in range(len(probed[0]))
    ]


def _trend_row(t: mf.Trend, y: np.ndarray) -> dict[str, Any]:
    m, se = mean_sem(y, axis=1)
    return {
        "means": np.round(m, 5).tolist(),
        "ses": np.round(se, 5).tolist(),
        "first": float(m[0]),
        "last": float(m[-1]),
        "change": t.change,
        "change_se": t.change_se,
        "r": t.r,
        "lo": t.lo,
        "hi": t.hi,
        "verdict": t.verdict(-1),
    }


def _row(
    S: presets.TorokProbingScale, run: Any, R: list[np.ndarray], min_total: float
) -> dict[str, Any]:
    """The chapter's trend statistics of one point (one set of responses)."""
    stack = P.descriptor_stack(R, n_banks=S.n_banks, min_total=min_total)
    trends = P.claim_trends(run.fractions, stack, n_boot=S.n_boot)
    acc = mf.bank_trend(run.train_acc, stack["m_tau"], n_boot=S.n_boot, seed=2)
    totals = [r.reshape(S.n_banks, S.bank_size, -1).sum(1) for r in R]
    dropped = int(sum(np.count_nonzero(t <= min_total) for t in totals))
    return {
        "width": S.width,
        "epochs": S.epochs,
        "bank_size": S.bank_size,
        "n_banks": S.n_banks,
        "n_directions": S.n_directions,
        "min_total": min_total,
        "fractions": run.fractions.tolist(),
        "train_acc": np.round(run.train_acc, 4).tolist(),
        "test_acc": np.round(run.test_acc, 4).tolist(),
        "dropped_columns": dropped,
        "columns": int(sum(t.size for t in totals)),
        "smallest_total": float(min(t.min() for t in totals)),
        "claims": {
            c: _trend_row(t, stack[P.CLAIM_FIELDS[c]]) for c, t in trends.items()
        },
        "m_tau_vs_accuracy": _trend_row(acc, stack["m_tau"]),
    }


def main(argv: Sequence[str] | None = None) -> Path:
    """Run the study; returns the path of the file written.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    Path
        The recorded study (a temporary folder with ``--quick``).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    torch.set_num_threads(1)
    name, base, points = NAME, presets.sizes("book"), POINTS
    points += EXTEND_POINTS if args.extend else ()
    if args.preset:
        name, base, points = PRESET_NAME, presets.sizes(args.preset), ({},)
    directory = args.directory
    if args.quick:
        base, points = presets.sizes("smoke"), QUICK_POINTS
        directory = directory or Path(tempfile.mkdtemp(prefix="study_torok_"))
    rec = StudyRecorder(
        name,
        script=__file__,
        argv=argv,
        description=(
            "Trend statistics of the chapter's four descriptors along training (change "
            "first -> last checkpoint, correlation with the fraction of training and "
            "the verdict) for more directions per bank, more banks and longer training "
            "than the book, each with min_total 0 (chapter) and P.MIN_TOTAL (authors)."
        ),
        scale_axis=(
            f"the {args.preset} preset as it is"
            if args.preset
            else "directions per bank; banks; epochs (width with --extend)"
        ),
        directory=directory,
    )
    tensors = _data(base)
    trainings: dict[tuple[int, int], tuple[Any, dict[int, list[np.ndarray]]]] = {}
    for change in points:
        S = dataclasses.replace(base, **change)
        tk = (S.width, S.epochs)
        if tk not in trainings:
            trainings[tk] = (_train(S, tensors), {})
        trained, probed = trainings[tk]
        R = _responses(S, trained, tensors, probed)
        for min_total in (0.0, P.MIN_TOTAL):
            key = (
                f"width={S.width},epochs={S.epochs},bank_size={S.bank_size},"
                f"n_banks={S.n_banks},min_total={min_total:g}"
            )
            rec.point(key, lambda S=S, R=R, m=min_total, t=trained: _row(S, t[1], R, m))
    rec.set(
        paper_claims={c: P.REPORTED[c].text() for c in P.CLAIM_FIELDS},
        base={f: getattr(base, f) for f in ("width", "epochs", "bank_size", "n_banks")},
        quick=args.quick,
        probe_cost=COST,
    )
    print(f"wrote {rec.path}")
    return rec.path


if __name__ == "__main__":
    main()
