"""Scale study of the Chen, Qu & Gong chapter: projected landscape and toy model.

Two misses of ``notebooks/chen2022_anomalous_diffusion.md``:

* (d) the box-counting dimension of the projected landscape (ours about 1, the paper's
  about 1.8). Rerun at 21, 33 (book) and 51 (the paper's grid) points per side, three
  planes (direction seeds) at 21, and with ``--extend`` more planes and 101 points per
  side, through the chapter's trained book network, counting every candidate set:
  iso-loss contours at several quantiles of the loss, the graph surface of the loss
  and of its logarithm, and the structure function of the loss (the authors'
  ``projected_landscape_fractal_fbm.m``). A rough fractional Brownian control surface
  of known contour dimension checks the estimator at the same grids.
* (e) the toy model of Fig. 8: no early superdiffusion, and a convex control that is
  not close to 2. Rerun on a finer landscape grid (2^9 -> 2^11), with more steps and
  more walkers, five landscape seeds each; and with the authors' protocol (every
  walker starts at the corner, single trajectories are fitted, the learning rate of
  the text) and the authors' convex landscape (a cone, from the file their script
  loads) against the chapter's Gaussian bowl.

Writes ``benchmarks/recorded/chen2022_landscape_plane.json`` and
``chen2022_landscape_toy.json`` (:mod:`fractal_lib.core.studies`). Every point calls
the chapter's recipes (:mod:`fractal_lib.papers.chen2022`).

usage: python benchmarks/studies/study_chen2022_landscape.py
           [--quick] [--extend] [--part {plane,toy,all}] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fractal_lib.core import studies as ST
from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.core.fits import line_fit
from fractal_lib.nets import trajectory as TR
from fractal_lib.papers import chen2022 as P
from fractal_lib.papers.presets import chen2022_anomalous_diffusion as presets
from fractal_lib.surfaces import fields
from fractal_lib.surfaces import toy_diffusion as TOY

#: (points per side, direction seed) of every loss plane, in the order they are run:
#: the book's grid (33), the paper's (51) and a coarser one (21), and two more planes
#: (direction seeds) at 21 for the spread between planes. A 51^2 plane costs about 4
#: CPU minutes on one core, a 21^2 one 40 s.
PLANE_POINTS = ((21, 0), (33, 0), (51, 0), (21, 1), (21, 2))
#: Further planes of ``--extend`` (a 101^2 plane: about 15 CPU minutes).
PLANE_EXTEND = ((33, 1), (33, 2), (51, 1), (51, 2), (101, 0))
#: Hurst exponent of the control surface (contour dimension ``2 - H = 1.8``).
CONTROL_HURST = 0.2
#: Landscape (and walker) seeds of every toy point.
TOY_SEEDS = (0, 1, 2, 3, 4)
#: Learning rates of the text's range, its ends and their geometric middle (the
#: script's is ``P.TOY_LR``).
TEXT_LRS = tuple(
    float(v)
    for v in np.geomspace(*P.REPORTED["toy_lr_range"].value, 3)  # type: ignore[misc]
)


def plane_row(run: TR.RecordedRun, sizes: Any, n: int, seed: int) -> dict[str, Any]:
    """Every candidate dimension of one loss plane (the chapter's call, other ``n``)."""
    plane = TR.landscape_plane(run, 1.0, n, n_batch=sizes.hessian_batch, seed=seed)
    return {"set": "network", **surface_dims(plane["loss"]), "n": n, "seed": seed}


def surface_dims(loss: np.ndarray) -> dict[str, Any]:
    """Contour, graph and structure-function dimensions of one plane."""
    row: dict[str, Any] = {
        "loss_min": float(loss.min()),
        "loss_median": float(np.median(loss)),
        "loss_max": float(loss.max()),
    }
    with warnings.catch_warnings():  # saturated or degenerate fits are recorded
        warnings.simplefilter("ignore", EstimatorWarning)
        for q in P.PLANE_QUANTILES:
            fit = P.contour_dimension(loss, q)
            row[f"contour_q{q:g}"] = fit.alpha
            row[f"contour_q{q:g}_fit_se"] = fit.stderr
        for name, z in (("graph", loss), ("graph_log", np.log10(loss))):
            fit = P.graph_dimension(z)
            row[name] = fit.alpha
            row[f"{name}_fit_se"] = fit.stderr
        lags = [int(s) for s in P.plane_box_sizes(loss.shape[0])]
        hfit = fields.hurst_exponent(loss, lags)
        hlog = fields.hurst_exponent(np.log10(loss), lags)
    # the authors' projected_landscape_fractal_fbm.m: mean |loss difference| (order 1)
    s1 = fields.structure_function(loss, lags, order=1)
    row["hurst1"] = float(line_fit(np.log(lags), np.log(s1)).slope)
    row["hurst"] = hfit.hurst
    row["hurst_saturated"] = hfit.saturated
    row["hurst_log"] = hlog.hurst
    return row


def control_row(n: int, seed: int) -> dict[str, Any]:
    """The estimators on an fBm surface whose contours have dimension ``2 - H``."""
    z = fields.fbm_surface(n, CONTROL_HURST, seed=seed)
    row = surface_dims(z - z.min() + 1.0)  # positive, like a loss
    return {**row, "set": "fbm", "hurst_true": CONTROL_HURST, "n": n, "seed": seed}


def toy_landscape(kind: str, levels: int, seed: int) -> TOY.ToyLandscape:
    """The chapter's fractal landscape, its convex bowl, or the authors' cone."""
    if kind == "fractal":
        ds = TOY.douillet_landscape(levels, seed=seed, roughness=P.TOY_ROUGHNESS)
        return TOY.add_wide_minimum(ds)
    if kind == "bowl":
        return TOY.convex_control(levels)
    if kind == "cone":
        return P.toy_cone_control(levels)
    raise ValueError(f"kind must be 'fractal', 'bowl' or 'cone', got {kind!r}")


def toy_row(
    kind: str,
    levels: int,
    steps: int,
    n_trials: int,
    seed: int,
    start: str,
    lr: float,
    window: int,
) -> dict[str, Any]:
    """First and last windows of one toy run: trial-averaged and single-walker ``α``."""
    x0 = np.tile(P.TOY_CORNER, (n_trials, 1)) if start == "corner" else None
    land = toy_landscape(kind, levels, seed)
    run = P.toy_run(land, n_trials, steps=steps, lr=lr, seed=seed, x0=x0)
    lags = np.arange(1, window)
    row: dict[str, Any] = {}
    for part, t_w in (("first", 0), ("last", steps + 1 - window)):
        fit = P.toy_alpha_fit(lags, P.toy_msd(run, t_w, lags, window), window)
        trial = P.toy_trial_alphas(run, t_w, window)
        row[f"alpha_{part}"] = fit.alpha
        row[f"rule_met_{part}"] = bool(fit.rule_met)
        row[f"trial_alpha_{part}"] = [round(float(a), 4) for a in trial]
        row[f"alpha_{part}_walkers"] = float(np.mean(trial))  # the authors' fits
        row[f"super_{part}"] = float(np.mean(trial > 1))  # superdiffusive walkers
    return {
        **row,
        "kind": kind,
        "levels": levels,
        "steps": steps,
        "n_trials": n_trials,
        "seed": seed,
        "start": start,
        "lr": lr,
        "window": window,
        "n_settled": int(np.sum(run.t0 >= 0)),
    }


def toy_points(quick: bool, extend: bool) -> list[dict[str, Any]]:
    """The toy settings: (kind, levels, steps, n_trials, start, lr, window, group)."""
    if quick:
        base = dict(kind="fractal", levels=5, steps=200, n_trials=3, start="random")
        return [
            {**base, "lr": P.TOY_LR, "window": 40, "group": "levels"},
            {
                **base,
                "kind": "cone",
                "start": "corner",
                "lr": P.TOY_LR,
                "window": 30,
                "group": "convex",
            },
        ]
    win = P.TOY_STEPS // 5
    base = dict(
        kind="fractal",
        levels=9,
        steps=P.TOY_STEPS,
        n_trials=10,
        start="random",
        lr=P.TOY_LR,
        window=win,
    )
    pts = [{**base, "levels": lv, "group": "levels"} for lv in (9, 10, 11)]
    pts += [
        {**base, "steps": s, "window": s // 5, "group": "steps"} for s in (4000, 16000)
    ]
    pts += [{**base, "n_trials": m, "group": "trials"} for m in (40, 160)]
    pts += [{**base, "start": "corner", "group": "corner"}]
    pts += [{**base, "lr": lr, "n_trials": 40, "group": "text_lr"} for lr in TEXT_LRS]
    for kind in ("bowl", "cone"):
        pts.append({**base, "kind": kind, "group": "convex"})
        pts.append(
            {
                **base,
                "kind": kind,
                "start": "corner",
                "window": P.TOY_CONVEX_STEPS,
                "group": "convex",
            }
        )
    if extend:
        pts += [{**base, "steps": 64000, "window": 12800, "group": "steps"}]
    return pts


def toy_key(pt: dict[str, Any], seed: int) -> str:
    """The row key of a toy point."""
    return (
        f"{pt['kind']},levels={pt['levels']},steps={pt['steps']},"
        f"trials={pt['n_trials']},start={pt['start']},lr={pt['lr']:g},"
        f"window={pt['window']},seed={seed}"
    )


def run_plane(rec: ST.StudyRecorder, quick: bool, extend: bool) -> None:
    """The landscape part: planes through the book network and the fBm control."""
    sizes = presets.sizes("smoke" if quick else "book")
    checkpoints = tuple(float(f) for f in np.linspace(0, 1, sizes.hessian_points))
    main = P.record(P.run_spec(sizes, checkpoints=checkpoints))
    if quick:
        points = [(9, 0), (11, 0), (9, 1), (11, 1)]
    else:
        points = list(PLANE_POINTS) + (list(PLANE_EXTEND) if extend else [])
    for n, seed in points:
        rec.point(
            f"network,n={n},seed={seed}",
            lambda n=n, seed=seed: plane_row(main, sizes, n, seed),
        )
    for n, seed in points:
        rec.point(f"fbm,n={n},seed={seed}", lambda n=n, s=seed: control_row(n, s))
    book = presets.sizes("book").plane_n
    med = [r for r in rec.data["rows"] if r["set"] == "network"]
    by_n = sorted({r["n"] for r in med})
    vals = [
        float(np.mean([r["contour_q0.5"] for r in med if r["n"] == n])) for n in by_n
    ]
    verdict = (
        ST.toward_paper(vals, P.REPORTED["landscape_box_dimension"]).text
        if len(vals) >= 2
        else ""
    )
    rec.set(
        book_n=book,
        paper_n=P.LANDSCAPE_GRID,
        verdict=f"median contour over n = {by_n}: {verdict}",
    )


def run_toy(rec: ST.StudyRecorder, quick: bool, extend: bool) -> None:
    """The toy part: scale axes and the authors' protocol, five seeds per point."""
    seeds = (0, 1) if quick else TOY_SEEDS
    for pt in toy_points(quick, extend):
        for seed in seeds:
            settings = {k: v for k, v in pt.items() if k != "group"}
            rec.point(
                toy_key(pt, seed),
                lambda s=settings, sd=seed, g=pt["group"]: {
                    **toy_row(**s, seed=sd),
                    "group": g,
                },
            )
    rec.set(book_levels=presets.sizes("book").toy_levels, seeds=list(seeds))


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Run the study; returns the files written."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tiny run, temporary files")
    ap.add_argument("--extend", action="store_true", help="add the larger points")
    ap.add_argument("--part", choices=("plane", "toy", "all"), default="all")
    ap.add_argument("--out", type=Path, default=None, help="folder of the records")
    args = ap.parse_args(args_in)
    out = args.out
    if args.quick and out is None:
        out = Path(tempfile.mkdtemp(prefix="study_chen2022_landscape_"))
    written = []
    common = dict(script=__file__, argv=args_in, directory=out)
    if args.part in ("plane", "all"):
        rec = ST.StudyRecorder(
            "chen2022_landscape_plane",
            description="Box-counting dimension of the loss plane through the "
            "chapter's book network (Sec. III D of the paper: about 1.8) at several "
            "grids and for every candidate set, with an fBm control of known "
            "dimension.",
            scale_axis="plane points per side",
            **common,
        )
        run_plane(rec, args.quick, args.extend)
        written.append(rec.path)
    if args.part in ("toy", "all"):
        rec = ST.StudyRecorder(
            "chen2022_landscape_toy",
            description="MSD exponents of the Fig. 8 toy model (first and last "
            "window) on finer landscapes, longer runs and more walkers, and under the "
            "authors' protocol (corner start, single walkers, their cone-shaped "
            "convex landscape).",
            scale_axis="landscape levels / steps / walkers",
            **common,
        )
        run_toy(rec, args.quick, args.extend)
        written.append(rec.path)
    for p in written:
        print(f"wrote {p}")
    return written


if __name__ == "__main__":
    main()
