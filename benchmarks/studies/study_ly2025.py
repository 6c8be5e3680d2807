"""Scale and protocol study of Ly & Gong 2025: the four misses of the chapter.

``notebooks/ly2025_multifractal_landscape.md`` already runs the synthetic landscape at
the authors' size (1024 x 1024) with their seeds, trials and learning rates, so the
study's axes are the settings the authors did not record or that we changed, each
rerun through the chapter's own recipes (:mod:`fractal_lib.papers.ly2025`):

* ``tamsd`` (short-lag TAMSD exponent and late confinement at eta = 1000): quantised
  Hurst levels 8 -> 16 (book) -> 32 and three realisations (landscape seeds) each; the
  trajectory is run 3 x longer than the paper's 10^4 steps (its first 10^4 steps are
  the paper's run, GD does not depend on where it stops); the TAMSD of the unfolded
  path (the authors') and of the folded path on the grid; the fraction of steps at a
  wall. Protocol knob: the amplitude of the landscape, scaled by 1/3 and 1/10 (exactly
  the learning rate scaled by the same factor, since GD is linear in the field).
* ``lyapunov`` (first positive exponent): cold start (every eta burns in from the
  maximum, the book) against the authors' warm start (each eta burns in from the
  previous eta's end point), 16 and 32 levels, three realisations, the paper's 100
  trials x 100 renormalisations.
* ``alpha_h`` (every trajectory trapped on fBs with H >= 0.8): trajectories per H 5
  (book) -> 20 -> 50, surface side 512 and 1024, and the amplitude knob (x 3).
  Each row also holds the authors' estimate, which keeps trapped trajectories.

``--extend`` adds 64 levels (a few minutes of synthesis per realisation on an idle
core; not in the recorded file, which the shared machine's load kept to the default
points); ``--big`` adds the 2048 x 2048 fBs of the ``alpha_h`` part (several GB of
memory, not recorded). Writes ``benchmarks/recorded/ly2025_scale.json``.

Usage: ``python benchmarks/studies/study_ly2025.py [--quick] [--extend] [--big]
[--parts tamsd,lyapunov,alpha_h] [--directory DIR]``. ``--quick`` is a tiny run that
checks the script and writes to a temporary folder (or ``--directory``), never to the
recorded file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from fractal_lib.core import fits
from fractal_lib.core.checks import EstimatorWarning
from fractal_lib.core.studies import StudyRecorder
from fractal_lib.papers import ly2025 as P
from fractal_lib.papers.presets import ly2025_multifractal_landscape as presets

#: The recorded file's stem.
NAME = P.STUDY
#: The parts of the study, in the order they run.
PARTS = ("tamsd", "lyapunov", "alpha_h")
#: Landscape realisations (seeds of the shared white noise) per point.
SEEDS = (0, 1, 2)
#: Quantised Hurst levels of the default run (the book uses 16) and of ``--extend``.
LEVELS, LEVELS_EXTEND = (8, 16, 32), (64,)
#: Length of the long trajectories (3 x the paper's 10^4 steps).
T_LONG = 3 * P.T_MAIN
#: Waiting times of the long trajectory's TAMSD windows.
T_WAITS_LONG = np.arange(0, T_LONG - P.TAMSD_WINDOW + 1, 1500)
#: Amplitude factors of the landscape (applied as the same factor on the lr).
AMPLITUDES = (1.0, 1.0 / 3.0, 0.1)
#: Distance to a wall (pixels) counted as "at the wall".
WALL = 3.0
#: fBs exponents of the alpha-vs-H part (the two misses and their neighbours).
ALPHA_H = (0.6, 0.7, 0.8, 0.9)
#: alpha_h points (side, trajectories per H, amplitude); the first is ``book``.
ALPHA_POINTS = ((P.N, 5, 1.0), (P.N, 20, 1.0), (P.N, 50, 1.0), (512, 50, 1.0))
ALPHA_AMPLITUDE = ((P.N, 50, 3.0),)
#: Added by ``--big``: the 2048 x 2048 fBs (the circulant embedding of H > 3/4 needs
#: several GB, its complex noise alone over 2 GB; not run for the recorded file).
ALPHA_BIG = ((2048, 50, 1.0),)


def _clean(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by None (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def _mean_sem(v: list[float]) -> tuple[float, float]:
    a = np.asarray(v, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return float("nan"), float("nan")
    if a.size == 1:
        return float(a[0]), float("nan")
    m, e = fits.mean_sem(a)
    return float(m), float(e)


def _fam_summary(fam: dict[str, np.ndarray]) -> dict[str, Any]:
    late = fam["t_w"] >= P.REPORTED["tamsd_confined_from"].value
    return {
        "t_w": fam["t_w"].tolist(),
        "short": fam["short"].tolist(),
        "long": fam["long"].tolist(),
        "short_min": float(np.min(fam["short"][1:])),
        "short_max": float(np.max(fam["short"][1:])),
        "short_mean": float(np.mean(fam["short"][1:])),
        "long_early": float(np.mean(fam["long"][~late])),
        "long_late": float(np.mean(fam["long"][late])) if late.any() else None,
    }


def _tamsd_point(
    rec: StudyRecorder, n: int, levels: int, seed: int, amp: float, steps: int
) -> None:
    lr = P.LR_MAIN * amp

    def compute() -> dict[str, Any]:
        tr = P.trajectory(n, levels, seed=seed, lr=lr, steps=steps)
        head = slice(0, P.T_MAIN + 1)
        book = _fam_summary(P.tamsd_family(tr["positions"][head]))
        folded = _fam_summary(P.tamsd_family(tr["folded"][head]))
        fam_long = P.tamsd_family(tr["positions"], t_waits=T_WAITS_LONG)
        conf = fam_long["t_w"][fam_long["long"] < P.CONFINED_EXPONENT]
        f = tr["folded"]
        t_book = min(P.T_MAIN, steps)
        edge = np.minimum(f, n - 1 - f).min(axis=1)
        end = f[-1]
        hmap = P.hurst_map(n)
        return {
            "part": "tamsd",
            "n": n,
            "levels": levels,
            "seed": seed,
            "amplitude": amp,
            "lr": lr,
            "steps": steps,
            "unfolded": book,
            "folded": folded,
            "long_t_w": fam_long["t_w"].tolist(),
            "long_exponents": fam_long["long"].tolist(),
            "confined_from": int(conf[0]) if conf.size else None,
            "confined_frac": float(np.mean(fam_long["long"] < P.CONFINED_EXPONENT)),
            "wall_frac": float(np.mean(edge[t_book // 2 : t_book + 1] < WALL)),
            "wall_frac_long": float(np.mean(edge[-t_book:] < WALL)),
            "end_hurst": float(hmap[int(round(end[1])), int(round(end[0]))]),
            "end": [float(end[0]), float(end[1])],
        }

    key = f"tamsd,n={n},levels={levels},seed={seed},amp={amp:.4g},T={steps}"
    rec.point(key, lambda: _clean(compute()))


def _lyap_point(
    rec: StudyRecorder,
    n: int,
    levels: int,
    seed: int,
    warm: bool,
    lrs: np.ndarray,
    trials: int,
    estimates: int,
) -> None:
    def compute() -> dict[str, Any]:
        with warnings.catch_warnings():  # the flags are stored in the row
            warnings.simplefilter("ignore", EstimatorWarning)
            mle = P.lyapunov_sweep(
                n,
                levels,
                lrs,
                trials=trials,
                estimates=estimates,
                seed=seed,
                warm_start=warm,
            )
        sig = np.isfinite(mle["lo"]) & (mle["lo"] > 0)
        band = P.plateau(mle, lrs)
        return {
            "part": "lyapunov",
            "n": n,
            "levels": levels,
            "seed": seed,
            "warm_start": warm,
            "trials": trials,
            "estimates": estimates,
            "lrs": lrs.tolist(),
            "mean": mle["mean"].tolist(),
            "lo": mle["lo"].tolist(),
            "hi": mle["hi"].tolist(),
            "saturated_frac": mle["saturated_frac"].tolist(),
            "first_positive": float(P.first_positive(mle, lrs)),
            "first_ci_positive": float(lrs[np.argmax(sig)]) if sig.any() else None,
            "plateau_mean": float(np.mean(mle["mean"][band])) if band.any() else None,
        }

    start = "warm" if warm else "cold"
    key = f"lyapunov,n={n},levels={levels},seed={seed},{start},trials={trials}"
    rec.point(key, lambda: _clean(compute()))


def _alpha_point(
    rec: StudyRecorder, n: int, n_traj: int, amp: float, hs: tuple[float, ...]
) -> None:
    def compute() -> dict[str, Any]:
        res = P.alpha_vs_h(n, np.array(hs), n_traj=n_traj, lr=P.LR_MAIN * amp)
        table = P.alpha_table(res)
        moving = res["tamsd"].max(axis=-1) > P.TRAPPED
        frac = 1.0 - moving.mean(axis=1)
        authors = [_mean_sem(list(row)) for row in res["alpha"]]
        return {
            "part": "alpha_h",
            "n": n,
            "n_traj": n_traj,
            "amplitude": amp,
            "hs": list(hs),
            "trapped": table["trapped"].tolist(),
            "trapped_frac": frac.tolist(),
            "trapped_se": np.sqrt(frac * (1 - frac) / n_traj).tolist(),
            "alpha_moving": table["mean"].tolist(),
            "alpha_moving_lo": table["lo"].tolist(),
            "alpha_moving_hi": table["hi"].tolist(),
            "alpha_all": [a for a, _ in authors],
            "alpha_all_sem": [e for _, e in authors],
        }

    key = f"alpha_h,n={n},traj={n_traj},amp={amp:.4g}"
    rec.point(key, lambda: _clean(compute()))


def main(argv: list[str] | None = None) -> Path:
    """Run the study; return the path of the file written.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    Path
        The JSON file written.
    """
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run, temporary file")
    ap.add_argument("--extend", action="store_true", help="add 64 quantised levels")
    ap.add_argument("--big", action="store_true", help="add 2048^2 fBs (GBs)")
    ap.add_argument("--parts", default=",".join(PARTS), help="comma-separated parts")
    ap.add_argument("--directory", type=Path, default=None, help="output folder")
    args = ap.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    bad = sorted(set(parts) - set(PARTS))
    if bad:
        ap.error(f"unknown parts {bad}; choose from {PARTS}")
    directory = args.directory
    if args.quick and directory is None:
        directory = Path(tempfile.mkdtemp(prefix="study_ly2025_"))
    rec = StudyRecorder(
        NAME,
        script=__file__,
        argv=argv,
        description=(
            "Ly & Gong 2025 misses (short-lag TAMSD exponent, late confinement, first "
            "positive Lyapunov exponent, trapping on fBs H >= 0.8) rerun over "
            "quantised levels, realisations, trajectory length and count, surface "
            "side, and the protocol knobs (landscape amplitude, warm start, folded "
            "path)."
        ),
        scale_axis="levels, seeds, steps, trajectories, side; amplitude, warm start",
        directory=directory,
    )
    book = presets.sizes("book")
    if args.quick:
        n, seeds, levels, steps = 128, (0,), (4,), 2 * P.T_MAIN // 5
        amps, lrs, trials, est = (1.0,), P.EOS_LRS[::13], 4, 5
        alpha_points: tuple[tuple[int, int, float], ...] = ((128, 2, 1.0),)
    else:
        n, seeds, levels, steps = P.N, SEEDS, LEVELS, T_LONG
        amps, lrs, trials, est = AMPLITUDES, P.EOS_LRS, P.LYAP_TRIALS, P.LYAP_ESTIMATES
        alpha_points = ALPHA_POINTS + ALPHA_AMPLITUDE
        if args.extend:
            levels = levels + LEVELS_EXTEND
        if args.big:
            alpha_points = alpha_points + ALPHA_BIG
    if "tamsd" in parts:
        for lv in levels:
            for s in seeds:
                _tamsd_point(rec, n, lv, s, 1.0, steps)
        for amp in amps[1:]:
            for s in seeds:
                _tamsd_point(rec, n, book.n_levels, s, amp, steps)
    if "lyapunov" in parts:
        for lv in (book.n_levels, 2 * book.n_levels) if not args.quick else levels:
            for s in seeds:
                for warm in (False, True):
                    _lyap_point(rec, n, lv, s, warm, lrs, trials, est)
    if "alpha_h" in parts:
        hs = ALPHA_H if not args.quick else (0.5, 0.9)
        for side, n_traj, amp in alpha_points:
            _alpha_point(rec, side, n_traj, amp, hs)
    rec.set(
        paper={
            k: P.REPORTED[k].text()
            for k in ("tamsd_short", "tamsd_confined", "mle_first_positive")
        },
        quick=bool(args.quick),
    )
    print(f"wrote {rec.path}")
    return rec.path


if __name__ == "__main__":
    main()
