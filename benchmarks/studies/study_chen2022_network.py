"""Scale study of the network misses of the Chen, Qu & Gong (2022) chapter.

Three misses of ``notebooks/chen2022_anomalous_diffusion.md`` come from the trained
ResNets: (a) the α-stable index of the minibatch gradients falls from the first to the
last window (the paper's rises, Fig. 5b/c); (b) the top Hessian eigenvalue rises over
training (the paper's falls); (c) τ0 of the first window is not smaller with shortcut
connections (Fig. 3). This script reruns them with the chapter's recipes
(:mod:`fractal_lib.papers.chen2022`) at the ``book`` sizes and at wider networks, over
seeds, and computes the top eigenvalue both with BatchNorm in evaluation mode (the
chapter's protocol) and in training mode (the loss SGD descends), so that the protocol
question of (b) is answered by running both.

Rows go to ``benchmarks/recorded/chen2022_network.json``:

- ``kind="main"``: one main run (depth, batch, learning rate and data of ``book``;
  checkpoints at 0, ½ and 1 of training) per width and seed: ``alpha_first`` and
  ``alpha_last`` (the chapter's Fig. 5b/c fits) and the top Hessian eigenvalue at each
  checkpoint in eval mode (``hess_eval``) and train mode (``hess_train``);
- ``kind="scan"``: one Fig. 3 run per width, depth, shortcut and seed: ``tau0`` (and
  ``alpha``) of the first window.

Usage::

    python benchmarks/studies/study_chen2022_network.py           # the recorded points
    python benchmarks/studies/study_chen2022_network.py --extend  # + width 16, 3x steps
    python benchmarks/studies/study_chen2022_network.py --quick   # tiny, temp dir

Run it with one thread per process (``OMP_NUM_THREADS=1``; torch reads
``FRACTAL_TORCH_THREADS``, default 1).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from fractal_lib.core import studies as ST
from fractal_lib.nets import trajectory as TR
from fractal_lib.papers import chen2022 as P
from fractal_lib.papers.presets import chen2022_anomalous_diffusion as presets

#: Name of the recorded study (``benchmarks/recorded/<NAME>.json``).
NAME = "chen2022_network"
#: Widths of the recorded points (the first is the ``book`` width).
WIDTHS = (4, 8)
#: Widths added by ``--extend`` (toward the paper's width 16).
EXTEND_WIDTHS = (16,)
#: ``--extend`` also trains the ``book`` width this many times longer (main runs).
EXTEND_EPOCHS_FACTOR = 3
#: Seeds of the main runs.
MAIN_SEEDS = (0, 1)
#: Seeds of the Fig. 3 scan runs (at the deepest scan depth; all depths with
#: ``--extend``).
SCAN_SEEDS = (0, 1)
#: Checkpoints of the main runs (fractions of training) for the Hessians.
HESSIAN_POINTS = 3
#: Top eigenvalues per checkpoint (the first is compared with the paper).
HESSIAN_K = 1


def main_row(sizes: presets.Chen2022Scale, seed: int) -> dict[str, Any]:
    """One main run: gradient α_dist first/last, top eigenvalue eval/train mode."""
    checkpoints = tuple(float(f) for f in np.linspace(0, 1, sizes.hessian_points))
    run = P.record(P.run_spec(sizes, seed=seed, checkpoints=checkpoints))
    first, last = P.gradient_first_last(run.trajectory, sizes)
    ev = TR.hessian_over_training(run, sizes.hessian_k, n_batch=sizes.hessian_batch)
    tr = P.hessian_train_mode(run, sizes.hessian_k, n_batch=sizes.hessian_batch)
    return {
        "kind": "main",
        "width": sizes.width,
        "epochs": sizes.epochs,
        "steps": int(run.trajectory.loss.size),
        "seed": seed,
        "n_params": int(run.trajectory.settings["n_params"]),
        "final_acc": float(run.epoch_acc[-1]),
        "alpha_first": first.alpha,
        "alpha_first_ci": list(first.alpha_ci),
        "alpha_first_at_bound": bool(first.at_bound),
        "alpha_last": last.alpha,
        "alpha_last_ci": list(last.alpha_ci),
        "alpha_last_at_bound": bool(last.at_bound),
        "hess_fractions": ev["fractions"].tolist(),
        "hess_eval": ev["values"][:, 0].tolist(),
        "hess_eval_converged": bool(np.all(ev["converged"])),
        "hess_train": tr["values"][:, 0].tolist(),
        "hess_train_converged": bool(np.all(tr["converged"])),
        "two_over_lr": 2 / P.LR,
    }


def scan_row(
    sizes: presets.Chen2022Scale, depth: int, shortcut: bool, seed: int
) -> dict[str, Any]:
    """One Fig. 3 run (batch ``sizes.scan_batch``): τ0 and α of its first window."""
    run = P.scan_run(sizes, depth, sizes.scan_batch, shortcut, seed)
    fit = P.first_window(run, sizes.window)
    return {
        "kind": "scan",
        "width": sizes.width,
        "window": sizes.window,
        "depth": depth,
        "batch_size": sizes.scan_batch,
        "shortcut": shortcut,
        "seed": seed,
        "steps": int(run.trajectory.loss.size),
        "tau0": float(fit.tau0),
        "alpha": float(fit.alpha),
        "rule_met": bool(fit.rule_met),
    }


def verdicts(summary: dict[str, list[dict]]) -> dict[str, str]:
    """One sentence per miss from the summary (trend along the width axis)."""
    main = [p for p in summary["main"] if p["epochs"] == summary["main"][0]["epochs"]]
    out: dict[str, str] = {}
    if len(main) >= 2:
        for which, fact in (("first", "alpha_dist_first"), ("last", "alpha_dist_last")):
            vals = [p[f"alpha_{which}"] for p in main]
            out[f"alpha_{which}"] = ST.toward_paper(
                [v[0] for v in vals],
                P.REPORTED[fact],
                [0.0 if math.isnan(v[1]) else v[1] for v in vals],
            ).text
    return out


def _main_point(rec: ST.StudyRecorder, sizes: presets.Chen2022Scale, seed: int) -> None:
    rec.point(
        f"main,width={sizes.width},epochs={sizes.epochs},seed={seed}",
        lambda: main_row(sizes, seed),
    )


def run_study(
    *,
    quick: bool = False,
    extend: bool = False,
    directory: Path | None = None,
    argv: list[str] | None = None,
) -> dict[str, Any]:
    """Compute (or reuse) every point and write the study; returns its data."""
    base = presets.sizes("smoke" if quick else "book")
    base = dataclasses.replace(base, hessian_points=HESSIAN_POINTS, hessian_k=HESSIAN_K)
    widths = (base.width,) if quick else WIDTHS + (EXTEND_WIDTHS if extend else ())
    main_seeds = (0,) if quick else MAIN_SEEDS
    scan_seeds = (0,) if quick else SCAN_SEEDS
    rec = ST.StudyRecorder(
        NAME,
        script=__file__,
        argv=sys.argv[1:] if argv is None else argv,
        description=(
            "Network misses of the Chen, Qu & Gong chapter against the ResNet width: "
            "gradient α_dist (first/last window), top Hessian eigenvalue start → end "
            "with BatchNorm in eval and in train mode, and τ0 with/without shortcuts."
        ),
        scale_axis="width",
        directory=directory,
    )
    # in order of use, so that an interrupted run leaves whole comparisons: one seed
    # of each width, the shortcut scans, then the second seed of each width
    scan_depths = base.scan_depths[-1:] if not extend else base.scan_depths
    for w in widths:
        _main_point(rec, dataclasses.replace(base, width=w), main_seeds[0])
    for seed in scan_seeds:
        for w in widths:
            s = dataclasses.replace(base, width=w)
            for d in scan_depths:
                for sc in (True, False):
                    rec.point(
                        f"scan,width={w},T={s.window},depth={d},shortcut={sc},"
                        f"seed={seed}",
                        lambda s=s, d=d, sc=sc, seed=seed: scan_row(s, d, sc, seed),
                    )
    for seed in main_seeds[1:]:
        for w in widths:
            _main_point(rec, dataclasses.replace(base, width=w), seed)
    if extend and not quick:  # the steps axis: the book width, trained longer
        s = dataclasses.replace(base, epochs=base.epochs * EXTEND_EPOCHS_FACTOR)
        for seed in main_seeds:
            _main_point(rec, s, seed)
    summary = P.network_study_summary(rec.data["rows"])
    rec.set(
        book_width=presets.sizes("book").width,
        paper_width=P.WIDTH,
        summary=summary,
        verdicts=verdicts(summary),
        quick=quick,
    )
    print(f"wrote {len(rec.data['rows'])} rows to {rec.path}")
    return {**rec.data, "path": str(rec.path)}


def main(argv: list[str] | None = None) -> Path:
    """Run the study; return the path of the file written.

    Parameters
    ----------
    argv : list of str, optional
        ``--quick`` (tiny, into a temporary directory unless ``--directory``),
        ``--extend`` (add width 16, and the book width trained
        :data:`EXTEND_EPOCHS_FACTOR` times longer), ``--directory`` (default
        ``benchmarks/recorded``).

    Returns
    -------
    Path
        The JSON file written.
    """
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run, temporary file")
    ap.add_argument(
        "--extend", action="store_true", help="add width 16 and longer runs"
    )
    ap.add_argument("--directory", type=Path, default=None, help="output folder")
    args = ap.parse_args(argv)
    import torch  # the train-mode Hessian runs outside the library's thread guard

    torch.set_num_threads(int(os.environ.get("FRACTAL_TORCH_THREADS", "1")))
    directory = args.directory
    if args.quick and directory is None:
        directory = Path(tempfile.mkdtemp(prefix="study_chen2022_network_"))
    data = run_study(
        quick=args.quick, extend=args.extend, directory=directory, argv=argv
    )
    for k, v in data["verdicts"].items():
        print(f"  {k}: {v}")
    return Path(data["path"])


if __name__ == "__main__":
    main()
