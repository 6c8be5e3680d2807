"""Speed of the learning-rate sweep: plain vectorised numpy vs fractal_lib's kernels.

The workload is Liu 2024's main experiment: the additive landscape f_+ (eps 0.2, lam
0.1), x0 = 1, 2**20 + 1 learning rates on [0, 1.5], 1000 GD steps, divergent when the
sum of the losses after each update reaches 1e16.

* (a) numpy: every learning rate is a lane of a numpy array; a run leaves the active set
  as soon as its outcome is certain (the same rule as the library: the sum can drop by
  at most eps per remaining step), and the arrays are compacted on every step that
  decides a run.
* (b) fractal_lib ``method="fast"``: numba, 64 learning rates in lock step (refilled as
  runs finish) with a vectorisable polynomial sine; the cosine term of the loss is
  bounded, so the sum criterion is decided on sum x^2 and only runs ending within
  steps * eps of the bound are settled exactly; all cores. Timed after a warm-up call;
  the first call's cost (JIT compile, or loading numba's on-disk cache) is reported
  separately.
* (c) fractal_lib ``method="reference"``: one learning rate at a time with libm sin/cos
  -- the float64 reference classification the other two are compared with.

"Useful GD steps" is the number of steps the runs need before their outcome is decided
(the reference's count); throughput is useful steps per second of wall time.

Then: the 2**32-point zoomed sweep of the same landscape and the multiplicative f_x
2**20 sweep (fast kernel). ``--quick`` runs a 2**16 version (zoom to 2**24) in well
under a minute.

Usage: ``python benchmarks/bench_sweep.py [--quick] [--no-cold-compile]``; writes
``benchmarks/results/bench_sweep.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from fractal_lib.boundaries import landscapes as L
from fractal_lib.boundaries import trainability as T
from fractal_lib.core.cache import code_version_of

EPS, LAM, X0, STEPS, BOUND = 0.2, 0.1, 1.0, 1000, 1e16
TWO_PI = 2.0 * math.pi
RESULTS = Path(__file__).resolve().parent / "results" / "bench_sweep.json"


def numpy_sweep(
    lrs: np.ndarray, eps: float, lam: float, x0: float, steps: int, bound: float
):
    """Straightforward vectorised numpy GD on f_+ with early stopping.

    Returns (diverged, steps_run). Same update and loss formulas, in the same order, as
    the library's kernels; numpy's own sin/cos (SIMD) differ from libm in the last bits.
    """
    slack = eps  # f_+ >= -eps, so the sum can drop by at most eps per remaining step
    n = lrs.size
    idx = np.arange(n)
    x = np.full(n, x0)
    s = lrs.copy()
    total = np.zeros(n)
    diverged = np.zeros(n, dtype=bool)
    steps_run = np.full(n, steps, dtype=np.int64)
    k1 = TWO_PI * eps / lam
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            x = x - s * (2.0 * x - k1 * np.sin(TWO_PI * x / lam))
            f = x * x + eps * np.cos(TWO_PI * x / lam)
            total += f
            margin = 0.0 if t == steps else (steps - t) * slack
            dec = ~(total < bound + margin)  # NaN / inf count as divergent
            if dec.any():
                gone = idx[dec]
                diverged[gone] = True
                steps_run[gone] = t
                keep = ~dec
                idx, x, s, total = idx[keep], x[keep], s[keep], total[keep]
                if idx.size == 0:
                    break
    return diverged, steps_run


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def cold_compile_seconds() -> float | None:
    """First fast call in a fresh interpreter with an empty numba cache (pure JIT
    compile)."""
    code = (
        "import time; t0 = time.perf_counter(); "
        "from fractal_lib.boundaries import trainability as T, landscapes as L; "
        "t1 = time.perf_counter(); "
        "T.classify(L.additive(0.2, 0.1), [0.1, 0.5], method='fast'); "
        "print(time.perf_counter() - t1)"
    )
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        try:
            out = subprocess.run(
                [sys.executable, "-c", code],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError):
            return None
    return float(out.stdout.strip().splitlines()[-1])


def fmt_rate(x: float) -> str:
    return f"{x / 1e6:9.1f} M useful steps/s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="2**16 learning rates, zoom to 2**24"
    )
    ap.add_argument(
        "--no-cold-compile",
        action="store_true",
        help="skip timing a compile with an empty numba cache",
    )
    args = ap.parse_args()
    log2 = 16 if args.quick else 20
    zoom_log2, zoom_base = (24, 16) if args.quick else (32, 20)
    grid = T.LRGrid(0.0, 1.5, log2)
    lrs = grid.values()
    add = L.additive(EPS, LAM)
    crit = T.Criterion("sum", BOUND)
    kw = dict(x0=X0, steps=STEPS, criterion=crit, cache=False, progress=False)
    report: dict = {
        "workload": {
            "landscape": add.params(),
            "grid": [0.0, 1.5, log2],
            "x0": X0,
            "steps": STEPS,
            "criterion": "sum of losses >= 1e16",
            "quick": args.quick,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
            "processor": platform.processor(),
            "loadavg_start": os.getloadavg(),
        },
    }
    report["code_version"] = T.CODE_VERSION
    print(
        f"== learning-rate sweep benchmark: f_+ eps={EPS} lam={LAM}, x0={X0}, "
        f"2^{log2}+1 learning rates on [0, 1.5], {STEPS} steps, sum criterion 1e16"
    )
    print(
        f"   {os.cpu_count()} CPUs, numba threads {numba.config.NUMBA_NUM_THREADS}, "
        f"load average at start {os.getloadavg()[0]:.2f}, fractal_lib {T.CODE_VERSION}"
    )

    # ---- compile / first call
    cold = None if args.no_cold_compile else cold_compile_seconds()
    tiny = grid.values(0, 64)
    _, first_fast = timed(T.classify, add, tiny, method="fast")
    _, first_ref = timed(T.classify, add, tiny, method="reference")
    _, warm_fast = timed(T.classify, add, tiny, method="fast")
    report["compile"] = {
        "cold_compile_fast_s": cold,
        "first_call_fast_s": first_fast,
        "first_call_reference_s": first_ref,
        "warm_tiny_call_fast_s": warm_fast,
    }
    print("\n-- compile (excluded from the timings below)")
    if cold is not None:
        print(f"   fast kernel, empty numba cache (JIT compile): {cold:7.2f} s")
    print(
        f"   first call in this process, fast / reference:  {first_fast:7.2f} s / "
        f"{first_ref:.2f} s (numba's on-disk cache when present)"
    )
    print(
        f"   the same tiny call again, warm:                 {warm_fast * 1e3:7.2f} ms"
    )

    # ---- (c) reference, (b) fast, (a) numpy
    ref, t_ref = timed(
        T.classify, add, lrs, x0=X0, steps=STEPS, criterion=crit, method="reference"
    )
    useful = int(ref.steps_run.sum())
    fast, t_fast = timed(
        T.classify, add, lrs, x0=X0, steps=STEPS, criterion=crit, method="fast"
    )
    sw, t_sweep = timed(T.sweep, add, grid, method="fast", **kw)
    (np_div, np_steps), t_np = timed(numpy_sweep, lrs, EPS, LAM, X0, STEPS, BOUND)
    assert np.array_equal(sw.diverged, fast.diverged)
    flips_fast = int(np.count_nonzero(fast.diverged != ref.diverged))
    flips_np = int(np.count_nonzero(np_div != ref.diverged))
    rows = [
        ("numpy (a)", t_np, int(np_steps.sum()), flips_np, np_div),
        ("fractal_lib fast (b)", t_sweep, sw.useful_steps, flips_fast, fast.diverged),
        ("fractal_lib reference (c)", t_ref, useful, 0, ref.diverged),
    ]
    print(
        f"\n-- 2^{log2}+1 = {lrs.size:,} learning rates; useful GD steps under the "
        "reference:"
        f" {useful:,} ({useful / lrs.size:.0f} per run)"
    )
    print(
        f"   {'method':27s} {'wall s':>8s} {'own steps':>15s} {'throughput':>25s} "
        f"{'differ from ref':>16s} {'dimension':>15s}"
    )
    report["sweep"] = {"n_lrs": int(lrs.size), "useful_steps_reference": useful}
    for name, t, own, flips, div in rows:
        fit = T.box_dimension(T.boundary_counts(div))
        print(
            f"   {name:27s} {t:8.2f} {own:15,d} {fmt_rate(useful / t):>25s} "
            f"{flips:16,d} "
            f"{str(fit):>15s}"
        )
        report["sweep"][name.split(" (")[0]] = {
            "seconds": t,
            "own_useful_steps": own,
            "useful_steps_per_s": useful / t,
            "differ_from_reference": flips,
            "dimension": fit.alpha,
            "dimension_stderr": fit.stderr,
        }
    ratio = t_np / t_sweep
    report["sweep"]["speedup_fast_over_numpy"] = ratio
    report["sweep"]["fast_classify_seconds"] = t_fast
    print(
        f"   fractal_lib fast / numpy throughput: {ratio:.1f}x "
        f"(fast kernel alone, without sweep's chunking: {t_fast:.2f} s)"
    )
    print(
        f"   classified differently from the reference: fast {flips_fast} of "
        f"{lrs.size:,} "
        f"({flips_fast / lrs.size:.1e}), numpy {flips_np} ({flips_np / lrs.size:.1e})."
    )
    print(
        "   Differences come from sin/cos results that differ in the last bits from "
        "libm's,"
        " amplified by\n   the chaotic runs next to the boundary -- where every "
        "boundary is,"
        " so |B_N| and the fitted\n   dimension move far more than the fraction of "
        "flipped"
        " learning rates suggests."
    )
    for name, *_, div in rows:
        c = T.boundary_counts(div)
        print(f"   |B_N| at the last 5 levels, {name:27s}: {c[-5:].tolist()}")

    # ---- deep zoom
    zgrid = T.LRGrid(0.0, 1.5, zoom_log2)
    z, t_zoom = timed(
        T.zoom_sweep,
        add,
        zgrid,
        base_log2=zoom_base,
        step_log2=4,
        cache=False,
        progress=False,
    )
    zfit = z.dimension()
    print(
        f"\n-- zoom_sweep to 2^{zoom_log2} (base 2^{zoom_base}, 4 levels per stage, "
        "fast): "
        f"{t_zoom:.1f} s, {z.points_computed:,} points computed, "
        f"{z.useful_steps:,} GD steps"
    )
    print(
        f"   |B_N| at levels {zoom_base}..{zoom_log2}: "
        f"{list(map(int, z.counts[zoom_base:]))}"
    )
    print(f"   box dimension {zfit} ({zfit.rule})")
    report["zoom"] = {
        "log2_n": zoom_log2,
        "base_log2": zoom_base,
        "seconds": t_zoom,
        "points_computed": z.points_computed,
        "useful_steps": z.useful_steps,
        "counts": z.counts.tolist(),
        "dimension": zfit.alpha,
        "dimension_stderr": zfit.stderr,
        "fit_rule": zfit.rule,
        "windows": [(s.log2_n, s.start, int(s.diverged.size)) for s in z.stages],
    }

    # ---- multiplicative
    mul = L.multiplicative(EPS, LAM)
    m, t_mul = timed(T.sweep, mul, grid, method="fast", **kw)
    mfit = m.dimension()
    print(
        f"\n-- f_x (eps {EPS}, lam {LAM}) 2^{log2}+1 learning rates, fast: {t_mul:.2f} "
        "s, "
        f"{m.useful_steps:,} useful steps, {fmt_rate(m.useful_steps / t_mul).strip()}, "
        f"dimension {mfit}"
    )
    report["multiplicative"] = {
        "seconds": t_mul,
        "useful_steps": m.useful_steps,
        "useful_steps_per_s": m.useful_steps / t_mul,
        "dimension": mfit.alpha,
        "dimension_stderr": mfit.stderr,
    }
    report["machine"]["loadavg_end"] = os.getloadavg()
    if code_version_of(T) != T.CODE_VERSION:
        print("   WARNING: fractal_lib's sources changed while this benchmark ran")
        report["code_changed_during_run"] = True
    print(
        f"\n   load average at end {os.getloadavg()[0]:.2f} (timings assume an idle "
        "machine)"
    )
    out = RESULTS.with_name("bench_sweep_quick.json") if args.quick else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(
        "   wrote "
        f"{out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}"
    )


if __name__ == "__main__":
    main()
