"""Miss rate and speed-up of the adaptive network render against full renders.

Workload: Sohl-Dickstein 2024's tanh network (``papers.sohl_dickstein2024.problem``),
learning-rate plane, the root window ``P.ROOT`` and the zoom windows that
:func:`~fractal_lib.boundaries.network_trainability.best_child` picks (``zoom_log2=2``,
found on the full image of the previous depth, or on a ``--find-res`` one), full-batch
GD for ``steps`` steps.

For each case (window, resolution, steps) the full render (every grid point) is the
reference; the adaptive render
(:func:`~fractal_lib.boundaries.network_trainability.render` with ``adaptive=True``) is
run for each ``guard`` and compared with it:

* ``miss_rate``: boundary pixels of the full image (2 x 2 blocks with both outcomes)
  that are not boundary pixels of the adaptive image, over all boundary pixels of the
  full image;
* ``wrong_fraction``: grid points whose outcome (diverged or not) differs;
* ``exact_boundary``: whether every boundary pixel of the adaptive image has its four
  corners computed (the renderer's guarantee);
* ``fraction_computed``: points computed / grid points;
* ``work_speedup``: GD steps run by the full render / by the adaptive one (machine
  independent; divergent runs stop early in both);
* ``speedup``: wall time of the full render / of the adaptive one, each measured when
  it was computed (both with all cores of this machine; a case whose full render was
  resumed from a partial cache has its full time underestimated, so its speed-up too;
  NaN when a render came whole from an older cache). At a coarser resolution derived
  from a finer full image the full time is the finer one's scaled by the share of
  points (``full_s_estimated``).

A full image at ``2**L + 1`` points holds the full images at every coarser dyadic
resolution of the same window (every ``2**j``-th point), so one full render per window
serves all resolutions up to its own. Every render goes through the on-disk cache (the
times measured when it was computed are cached with it), so a rerun costs only what is
missing. Writes ``benchmarks/recorded/adaptive_render_study.json`` after every case and
prints a table.

Usage: ``python benchmarks/adaptive_render_study.py [--quick]
[--cases root:9:200,z1:8:200:0+1,...]``: a case ``name:L:steps[:guards]`` is a window
(``root``, ``z1``, ``z2``, ``z3`` = zoom depth), the full resolution ``2**L + 1``, the
steps and optionally the guards; ``--also-coarser j`` also evaluates the adaptive render
at ``L - 1 .. L - j`` against the same full image.
:func:`adaptive_speedup` is the entry point for ``bench_network_grid.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from fractal_lib.boundaries import network_trainability as NT
from fractal_lib.boundaries.boxcount import edges_2d
from fractal_lib.core.cache import default_cache
from fractal_lib.core.studies import provenance
from fractal_lib.papers import sohl_dickstein2024 as P

# Kept in git (unlike results/): the network chapter reads the measured miss rates.
RESULTS = Path(__file__).resolve().parent / "recorded" / "adaptive_render_study.json"


def _commit() -> str:
    """The git commit of the working tree, with ``+dirty`` when it has changes."""
    return provenance()["commit"]


def _timed_render(
    problem: NT.NetworkProblem, window: NT.Window, **kw: Any
) -> dict[str, Any]:
    """A render through the on-disk cache, with the wall time measured when it was
    computed (cached next to it)."""
    params = {
        "problem": problem.params(),
        "window": asdict(window),
        **{k: v for k, v in kw.items() if k != "progress"},
    }

    def compute() -> dict[str, np.ndarray]:
        im = NT.render(problem, window, cache=True, **kw)
        exact = np.ones_like(im.measure, bool) if im.exact is None else im.exact
        return {
            "measure": im.measure,
            "exact": exact,
            "steps_run": np.array(im.steps_run),
            # compute time of the chunks computed now; NaN when all came from
            # render's own cache (not measured)
            "seconds": np.array(im.seconds if im.seconds > 0 else np.nan),
        }

    out = default_cache().cached(
        "adaptive_render_study", params, NT.CODE_VERSION, compute
    )
    return {k: np.asarray(v) for k, v in out.items()}


def compare(full: dict[str, Any], ad: dict[str, Any]) -> dict[str, Any]:
    """Miss rate, wrong outcomes, work and speed-up of an adaptive render.

    Parameters
    ----------
    full : dict
        The full render (``measure``, ``steps_run``, ``seconds``).
    ad : dict
        The adaptive render of the same grid (``measure``, ``exact``, ``steps_run``,
        ``seconds``).

    Returns
    -------
    dict
        The figures listed in the module docstring.
    """
    e_full, e_ad = edges_2d(full["measure"]), edges_2d(ad["measure"])
    ex = ad["exact"]
    blocks = ex[:-1, :-1] & ex[:-1, 1:] & ex[1:, :-1] & ex[1:, 1:]
    wrong = (full["measure"] > 0) != (ad["measure"] > 0)
    n_b = int(e_full.sum())
    return {
        "boundary_pixels": n_b,
        "missed": int((e_full & ~e_ad).sum()),
        "miss_rate": float((e_full & ~e_ad).sum() / max(n_b, 1)),
        "extra": int((e_ad & ~e_full).sum()),
        "wrong_points": int(wrong.sum()),
        "wrong_fraction": float(wrong.mean()),
        "wrong_exact_points": int((wrong & ex).sum()),
        "exact_boundary": bool(np.all(blocks[e_ad])),
        "points_computed": int(ex.sum()),
        "points_total": int(ex.size),
        "fraction_computed": float(ex.mean()),
        "full_steps_run": int(full["steps_run"]),
        "adaptive_steps_run": int(ad["steps_run"]),
        "work_speedup": float(full["steps_run"] / max(int(ad["steps_run"]), 1)),
        "full_s": float(full["seconds"]),
        "adaptive_s": float(ad["seconds"]),
        "speedup": float(full["seconds"]) / float(ad["seconds"]),
    }


def adaptive_speedup(
    problem: NT.NetworkProblem | None = None,
    window: NT.Window | None = None,
    *,
    log2_res: int = 8,
    steps: int = 200,
    guard: int = 4,
    dense: float = 0.5,
    base_log2_res: int | None = None,
    plane: str = "lr_vs_lr",
    full: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Adaptive against full render of one grid: miss rate, work and wall-time ratio.

    Parameters
    ----------
    problem : NetworkProblem, optional
        Default: the paper's tanh network.
    window : Window, optional
        Default: ``P.ROOT``.
    log2_res : int
        ``2**log2_res + 1`` points per side.
    steps : int
        GD steps.
    guard : int
        Guard cells of the adaptive render.
    dense : float
        Fraction of a level above which the adaptive render computes it in full (1:
        never).
    base_log2_res : int, optional
        Base level of the adaptive render (default: the renderer's).
    plane : str
        The hyperparameter plane.
    full : dict, optional
        The full render of this grid (``measure``, ``steps_run``, ``seconds``), if
        already at hand (e.g. every other point of a finer one).

    Returns
    -------
    dict
        :func:`compare`'s figures plus the case's parameters.
    """
    problem = P.problem("tanh") if problem is None else problem
    window = P.ROOT if window is None else window
    kw: dict[str, Any] = {
        "log2_res": log2_res,
        "steps": steps,
        "plane": plane,
        "progress": False,
    }
    if full is None:
        full = _timed_render(problem, window, **kw)
    ad = _timed_render(
        problem,
        window,
        adaptive=True,
        guard=guard,
        dense=dense,
        base_log2_res=base_log2_res,
        **kw,
    )
    base = max(0, log2_res - 4) if base_log2_res is None else base_log2_res
    return {
        "window": asdict(window),
        "side": (1 << log2_res) + 1,
        "steps": steps,
        "guard": guard,
        "dense": dense,
        "base_log2_res": base,
        **compare(full, ad),
    }


def _subsample(full: dict[str, Any], j: int) -> dict[str, Any]:
    """The full image at ``2**-j`` the resolution (its time and work scaled by the
    share of points)."""
    m = full["measure"][:: 1 << j, :: 1 << j]
    share = m.size / full["measure"].size
    return {
        "measure": m,
        "steps_run": np.array(int(round(float(full["steps_run"]) * share))),
        "seconds": np.array(float(full["seconds"]) * share),
    }


def zoom_window(
    prob: NT.NetworkProblem,
    steps: int,
    depth: int,
    seen: dict[tuple[int, int], tuple[NT.Window, NT.NetImage | None]],
    find_res: int,
) -> NT.Window:
    """Window at zoom ``depth`` (``P.ROOT`` at 0): the ``best_child`` (``zoom_log2=2``)
    of the full image of depth ``depth - 1`` already computed in this run, or of one
    at ``2**find_res + 1`` points."""
    if (steps, depth) in seen:
        return seen[steps, depth][0]
    if depth == 0:
        return P.ROOT
    parent = zoom_window(prob, steps, depth - 1, seen, find_res)
    im = seen.get((steps, depth - 1), (parent, None))[1]
    if im is None:
        im = NT.render(prob, parent, log2_res=find_res, steps=steps, progress=True)
        seen[steps, depth - 1] = (parent, im)
    return parent.child(*NT.best_child(im, 2), 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--cases",
        default="root:8:200,z1:8:200,z2:8:200:0+1,root:9:200:0+1",
        help="comma-separated window:log2_res:steps[:guards] (window root, z1, z2, "
        "z3; guards like 0+1, default --guards)",
    )
    ap.add_argument("--guards", default="0,1,2")
    ap.add_argument(
        "--denses", default="0.5,1", help="comma-separated values of render's dense"
    )
    ap.add_argument("--find-res", type=int, default=6)
    ap.add_argument("--also-coarser", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="65^2 and 129^2, 100 steps")
    args = ap.parse_args()
    if args.quick:
        args.cases, args.also_coarser = "root:7:100,z1:6:100,z2:6:100", 1
    guards = [int(g) for g in args.guards.split(",")]
    denses = [float(d) for d in args.denses.split(",")]
    cases = [(c.split(":") + [""])[:4] for c in args.cases.split(",")]
    prob = P.problem("tanh")
    NT.render(prob, P.ROOT, log2_res=2, steps=2, cache=False, progress=False)  # JIT
    # rows of earlier runs are kept unless this run redoes their case
    rows: list[dict[str, Any]] = (
        json.loads(RESULTS.read_text())["rows"] if RESULTS.exists() else []
    )
    out: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cores": os.cpu_count(),
            "loadavg_start": os.getloadavg(),
        },
        "command": "python benchmarks/adaptive_render_study.py "
        + " ".join(sys.argv[1:]),
        "commit": _commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "rows": rows,
    }
    seen: dict[tuple[int, int], tuple[NT.Window, NT.NetImage | None]] = {}
    head = (
        f"{'window':>6} {'side':>5} {'steps':>5} {'g':>2} {'dense':>4} {'boundary':>8} "
        f"{'missed':>6} {'miss%':>6} {'wrong':>6} {'exact':>5} {'computed':>8} "
        f"{'work x':>6} {'wall x':>6}"
    )
    print(head)
    for name, L, steps, case_guards in cases:
        L, steps = int(L), int(steps)
        gs = [int(g) for g in case_guards.split("+")] if case_guards else guards
        depth = 0 if name == "root" else int(name[1:])
        win = zoom_window(prob, steps, depth, seen, args.find_res)
        full = _timed_render(
            prob, win, log2_res=L, steps=steps, plane="lr_vs_lr", progress=True
        )
        image = NT.NetImage(prob, "lr_vs_lr", win, L, steps, full["measure"], 0, 0.0)
        seen[steps, depth] = (win, image)
        for j in range(args.also_coarser + 1):
            for g, dense in [(g, d) for g in gs for d in denses]:
                sub = _subsample(full, j)
                row = adaptive_speedup(
                    prob,
                    win,
                    log2_res=L - j,
                    steps=steps,
                    guard=g,
                    dense=dense,
                    full=sub,
                )
                row["full_s_estimated"] = j > 0
                row["name"] = name
                row["code_version"] = NT.CODE_VERSION
                key = (name, row["side"], steps, g, dense)
                rows[:] = [
                    r
                    for r in rows
                    if (
                        r["name"],
                        r["side"],
                        r["steps"],
                        r["guard"],
                        r.get("dense", 1.0),
                    )
                    != key
                ]
                rows.append(row)
                print(
                    f"{name:>6} {row['side']:>5} {steps:>5} {g:>2} {dense:>4} "
                    f"{row['boundary_pixels']:>8} {row['missed']:>6} "
                    f"{100 * row['miss_rate']:>6.2f} {row['wrong_points']:>6} "
                    f"{str(row['exact_boundary']):>5} {row['fraction_computed']:>8.3f} "
                    f"{row['work_speedup']:>6.1f} {row['speedup']:>6.1f}",
                    flush=True,
                )
                out["machine"]["loadavg_end"] = os.getloadavg()
                RESULTS.parent.mkdir(parents=True, exist_ok=True)
                RESULTS.write_text(json.dumps(out, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
