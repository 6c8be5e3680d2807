"""Scale study of Sohl-Dickstein 2024: the single-data-point dimension, the zoom depth.

At the ``book`` scale (200 GD steps, zoom frames of 129^2 networks, 5 zooms of 2x, so
the deepest frame is magnified 32 times per side) the pooled box dimension of the
*single data point* configuration is about 1.0, below the paper's range over its six
configurations (1.17-1.98), and the zooms stop at x32 per side where the paper's
videos reach more than ten decades. This study reruns the chapter's own calls
(:func:`~fractal_lib.boundaries.network_trainability.zoom_sequence` with the
configuration of :func:`fractal_lib.papers.sohl_dickstein2024.configuration`, then
:func:`~fractal_lib.boundaries.boxcount.pooled_box_dimension` of the frames' boundary
pixels) with the ``book`` preset and only one size changed at a time:

* **zoom depth** (``n_zooms``): 5 (book) -> 10 -> 15 -> 20 -> 30 -> 40 zooms of 2x,
  i.e. a deepest frame magnified up to 2^40 (12 decades) per side, seeds 0, 1, 2 (the
  seed draws the data point and the initial weights); a shallower sequence is a prefix
  of a deeper one (the zoom is deterministic), so each seed trains one sequence;
* **steps**: 200 (book) -> 500 -> 1000 (the paper's), at depths 5, 10 and 20;
* **frame resolution**: 129^2 (book) -> 257^2 at depths 5, 10, 20 and 513^2 at depth 5;
* **control**: the tanh configuration (272 data points) at the book's frames and 200
  steps, and at 65^2 frames with 200, 500 and 1000 steps (its D should stay inside the
  paper's range); its zoom depth at 33^2 frames and 4x per zoom down to 2^34 per side.

Each row holds the pooled dimension and its standard error, the median local slope
(the paper's estimator), the dimension of every frame and its boundary pixels.
``--extend`` adds the 1000-step and 257^2 sequences to depth 40 and the tanh control
at the book's 129^2 frames with 500 and 1000 steps. Writes
``benchmarks/recorded/sohl_dickstein2024_scale.json``.

Usage: ``python benchmarks/studies/study_sohl_dickstein2024.py [--quick] [--extend]
[--directory DIR]``. ``--quick`` is a tiny run that checks the script and writes to a
temporary folder (or ``--directory``), never to the recorded file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from fractal_lib.boundaries import boxcount
from fractal_lib.boundaries import network_trainability as NT
from fractal_lib.core import fits
from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.core.studies import StudyRecorder, toward_paper
from fractal_lib.papers import sohl_dickstein2024 as P
from fractal_lib.papers.presets import sohl_dickstein2024_network_boundary as presets

#: The recorded file's stem.
NAME = "sohl_dickstein2024_scale"
#: The configuration whose dimension misses at the book scale, and the control.
MISS, CONTROL = "single data point", "tanh"
#: Zoom depths (number of 2x zooms) read from each single-data-point sequence; the
#: first is the book's.
DEPTHS = (5, 10, 15, 20, 30, 40)
#: Seeds of the zoom-depth axis (data point and initial weights).
SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Sequence:
    """One zoom sequence of the study and the depths read from it.

    Attributes
    ----------
    config : str
        Key of :data:`fractal_lib.papers.sohl_dickstein2024.CONFIGURATIONS`.
    seed : int
        Seed of the data and initial weights.
    steps, log2_res, zoom_log2 : int
        GD steps, ``2**log2_res + 1`` networks per frame side, ``2**zoom_log2`` per
        zoom.
    depths : tuple of int
        Numbers of zooms read from the sequence (its length is the largest).
    """

    config: str
    seed: int
    steps: int
    log2_res: int
    zoom_log2: int
    depths: tuple[int, ...]


def plan(extend: bool = False) -> list[Sequence]:
    """The study's sequences, in the order they run (the miss first).

    Parameters
    ----------
    extend : bool
        Add the ``--extend`` sequences.

    Returns
    -------
    list of Sequence
    """
    seqs = [Sequence(MISS, s, 200, 7, 1, DEPTHS) for s in SEEDS]
    seqs += [Sequence(MISS, 0, n, 7, 1, (5, 10, 20)) for n in (500, 1000)]
    seqs += [
        Sequence(MISS, 0, 200, 8, 1, (5, 10, 20)),
        Sequence(MISS, 0, 200, 9, 1, (5,)),
    ]
    seqs += [Sequence(CONTROL, 0, 200, 7, 1, (5,))]
    seqs += [Sequence(CONTROL, 0, n, 6, 1, (5,)) for n in (200, 500)]
    seqs += [Sequence(CONTROL, 0, 200, 5, 2, (5, 10, 17))]
    seqs += [Sequence(CONTROL, 0, 1000, 6, 1, (5,))]
    if extend:
        seqs += [Sequence(MISS, 0, 1000, 7, 1, (30, 40))]
        seqs += [Sequence(MISS, 0, 200, 8, 1, (30, 40))]
        seqs += [Sequence(CONTROL, 0, n, 7, 1, (5,)) for n in (500, 1000)]
    return seqs


def quick_plan() -> list[Sequence]:
    """A tiny plan that checks the script (17^2 frames, 20 steps).

    Returns
    -------
    list of Sequence
    """
    return [
        Sequence(MISS, 0, 20, 4, 1, (1, 2)),
        Sequence(MISS, 1, 20, 4, 1, (1, 2)),
        Sequence(CONTROL, 0, 20, 4, 1, (1,)),
    ]


def key(seq: Sequence, depth: int) -> str:
    """The row key of ``seq`` read at ``depth`` zooms.

    Parameters
    ----------
    seq : Sequence
    depth : int

    Returns
    -------
    str
    """
    return (
        f"{seq.config},seed={seq.seed},steps={seq.steps},"
        f"side={2**seq.log2_res + 1},zoom={2**seq.zoom_log2},depth={depth}"
    )


def _run(seq: Sequence, book: Any) -> list[Any]:
    """The chapter's zoom call with the book preset and this sequence's sizes."""
    S = replace(
        book,
        steps=seq.steps,
        zoom_log2_res=seq.log2_res,
        zoom_log2=seq.zoom_log2,
        n_zooms=max(seq.depths),
    )
    prob, plane, win = P.configuration(seq.config)
    if seq.seed != 0:
        kwargs = {**P.CONFIGURATIONS[seq.config].problem_kwargs, "seed": seq.seed}
        prob = P.problem(**kwargs)
    return NT.zoom_sequence(
        prob,
        S.n_zooms,
        window=win,
        plane=plane,
        zoom_log2=S.zoom_log2,
        log2_res=S.zoom_log2_res,
        **S.render_kwargs(),
    )


def _num(x: float) -> float | None:
    """A json-able number: None where not finite (no estimate)."""
    return float(x) if np.isfinite(x) else None


def row(seq: Sequence, zoom: list[Any], depth: int) -> dict[str, Any]:
    """The measurements of the first ``depth + 1`` frames of a zoom.

    Parameters
    ----------
    seq : Sequence
    zoom : list of NetImage
        The sequence's frames (at least ``depth + 1``).
    depth : int

    Returns
    -------
    dict
        Settings, pooled dimension (``D``, ``D_se``), median local slope, per-frame
        dimension and boundary pixels, networks trained, training seconds.
    """
    frames = zoom[: depth + 1]
    masks = [img.edges() for img in frames]
    fit = boxcount.pooled_box_dimension(masks)
    with warnings.catch_warnings():  # a frame's own fit may rest on few sizes
        warnings.simplefilter("ignore", EstimatorWarning)
        per = [boxcount.box_dimension_2d(m) for m in masks]
    x0, x1, y0, y1 = frames[-1].window.bounds
    return {
        "config": seq.config,
        "seed": seq.seed,
        "steps": seq.steps,
        "side": 2**seq.log2_res + 1,
        "zoom_factor": 2**seq.zoom_log2,
        "depth": depth,
        "magnification": int(frames[-1].window.magnification),
        "decades": round(float(np.log10(frames[-1].window.magnification)), 3),
        "last_window": [x0, x1, y0, y1],
        "n_frames": len(frames),
        "box_sizes": [int(s) for s in fit.fits[0].sizes],
        "D": _num(fit.slope),
        "D_se": _num(fit.stderr),
        "median_local": _num(fit.median_local),
        "frame_D": [_num(f.alpha) for f in per],
        "frame_D_se": [_num(f.stderr) for f in per],
        "frame_boundary": [int(np.count_nonzero(m)) for m in masks],
        "frame_converged": [round(img.converged_fraction, 4) for img in frames],
        "points_computed": int(sum(img.points_computed for img in frames)),
        "train_seconds": round(float(sum(img.seconds for img in frames)), 2),
    }


def summarise(rec: StudyRecorder, axis: list[Sequence]) -> None:
    """Mean and SEM over seeds of the miss's dimension at each depth, and the verdict.

    Parameters
    ----------
    rec : StudyRecorder
        The study, with the rows of ``axis`` recorded.
    axis : list of Sequence
        The zoom-depth axis: one sequence per seed, same sizes and depths.
    """
    rows = {r["key"]: r for r in rec.data["rows"]}
    depths = axis[0].depths
    D = np.array([[rows[key(q, d)]["D"] for q in axis] for d in depths], dtype=float)
    ml = np.array(
        [[rows[key(q, d)]["median_local"] for q in axis] for d in depths], dtype=float
    )
    m, e = fits.mean_sem(D, axis=1)
    mm, me = fits.mean_sem(ml, axis=1)
    trend = toward_paper(m, P.REPORTED["dimension_range"], np.nan_to_num(e))
    rec.set(
        depth_axis={
            "config": axis[0].config,
            "seeds": [q.seed for q in axis],
            "steps": axis[0].steps,
            "side": 2 ** axis[0].log2_res + 1,
            "depths": list(depths),
            "magnification": [2 ** (axis[0].zoom_log2 * d) for d in depths],
            "D_mean": [_num(v) for v in m],
            "D_sem": [_num(v) for v in e],
            "median_local_mean": [_num(v) for v in mm],
            "median_local_sem": [_num(v) for v in me],
        },
        verdict={
            "text": f"single-data-point dimension against zoom depth {trend.text}",
            "toward": trend.toward,
            "reached": trend.reached,
        },
    )


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
    ap.add_argument("--extend", action="store_true", help="add deeper/larger points")
    ap.add_argument("--directory", type=Path, help="write here instead")
    args = ap.parse_args(argv)
    book = presets.sizes("book")
    if args.quick:
        seqs = quick_plan()
        directory = args.directory or Path(tempfile.mkdtemp(prefix="study_sohl_"))
    else:
        seqs, directory = plan(args.extend), args.directory
    rec = StudyRecorder(
        NAME,
        script=__file__,
        argv=argv,
        description=(
            "Pooled box dimension of the single-data-point configuration's zoom "
            "sequence (and of the tanh control) against the zoom depth, the GD steps "
            "and the frame resolution; book preset otherwise."
        ),
        scale_axis="zoom depth (2x zooms); steps; frame side",
        directory=directory,
    )
    rec.set(
        book={
            "steps": book.steps,
            "side": 2**book.zoom_log2_res + 1,
            "depth": book.n_zooms,
            "magnification": 2 ** (book.zoom_log2 * book.n_zooms),
        },
        paper_steps=list(P.STEPS_PAPER),
    )
    axis = [q for q in seqs if q.config == MISS and q.depths == seqs[0].depths]
    for seq in seqs:
        held: dict[str, Any] = {}

        def compute(depth: int, seq: Sequence = seq, held: dict = held) -> dict:
            if "zoom" not in held:  # one sequence, read at every depth
                t0 = time.perf_counter()
                held["zoom"] = _run(seq, book)
                print(f"  sequence {seq}: {time.perf_counter() - t0:.0f} s", flush=True)
            return row(seq, held["zoom"], depth)

        for d in seq.depths:
            rec.point(key(seq, d), lambda d=d, c=compute: c(d))
        if seq in axis and seq == axis[-1]:  # the depth axis is complete
            summarise(rec, axis)
    print(f"wrote {rec.path}")
    return rec.path


if __name__ == "__main__":
    os.environ.setdefault("FRACTAL_PROGRESS", "0")
    main()
