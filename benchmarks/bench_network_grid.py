"""Speed of the network-trainability grid: plain per-point NumPy vs fractal_lib's numba
kernel.

Workload (Sohl-Dickstein 2024's main image): a two-layer tanh network of width 16, 272
training points, full-batch GD in float64 for 500 steps, one network per point of a 64 x
64 grid of (input-layer, output-layer) learning rates on [1e-3, 1e6]^2.

* (a) NumPy: :func:`fractal_lib.boundaries.network_trainability.reference_run`, one grid
  point after the other, each step a handful of NumPy calls on 272 x 16 arrays (BLAS for
  the products). Timing all 4096 points takes many minutes on 2 cores, so by default it
  times every ``--stride``-th point (a regular subsample of the grid, so converged and
  divergent runs appear in the same proportion) and extrapolates; ``--stride 1`` times
  them all.
* (b) fractal_lib: :func:`fractal_lib.boundaries.network_trainability.run_points` on the
  whole grid, 8 networks (16 in float32) in lock step per thread (vectorised over the
  networks), all cores; and the same single-threaded.

Both use the same rule for divergent runs (the run ends at the first non-finite loss or
weight), so they do the same useful work. Throughput is grid-point-steps per second:
grid points x 500 / wall time. Then a 513 x 513 x 500 image is timed on a subset of its
rows and extrapolated, and the paper's keyframe (4096 x 4096 networks x 1000 steps) is
estimated on this CPU and, from its FLOP count at an assumed sustained rate, on a GPU
(estimates, said so in the output).

* (c) The kernel against the machine: in the same run, a 2000 x 2000 NumPy matrix
  product (best of 3, in a subprocess with as many BLAS threads as numba has, and with
  one) gives the float64 and float32 matrix-product rates; the kernel's useful FLOP
  rate (per network step ``2 * 2 * N * n * n + 40 * N * n`` FLOP: the two ``N x n x
  n`` products plus the elementwise work, times the steps actually computed) is
  printed as a fraction of them, for float64 and float32 (issue 14 asks for >= 0.5 in
  float64), and float32's throughput against float64's.
* (d) :func:`adaptive_section`: the adaptive renderer's speed-up over a full render of
  the root window (``--adaptive-res``, default 129 x 129) and the boundary pixels it
  missed.
* (e) :func:`gpu_section`: the torch backend on a GPU, when torch sees one (otherwise
  it says that none was visible and the GPU figure stays an estimate).

Usage: ``python benchmarks/bench_network_grid.py [--stride 16] [--quick]``; writes
``benchmarks/results/bench_network_grid.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault(
    "OPENBLAS_NUM_THREADS", "1"
)  # the NumPy baseline: one thread, like one point
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402

from fractal_lib.boundaries import network_trainability as NT  # noqa: E402

GEMM_SIZE = 2000
_GEMM_CODE = """
import json, sys, time
import numpy as np
n = int(sys.argv[1])
out = {}
for name in ("float64", "float32"):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(name)
    b = a.T.copy()
    a @ b
    best = cpu = float("inf")
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        a @ b
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    out[name] = 2.0 * n**3 / best
    out[name + "_cpu"] = 2.0 * n**3 / cpu
print(json.dumps(out))
"""

RESULTS = Path(__file__).resolve().parent / "results" / "bench_network_grid.json"
WINDOW = NT.Window()  # [-3, 6] x [-3, 6] decades


def grid_rates(side: int) -> tuple[np.ndarray, np.ndarray]:
    g = np.logspace(-3, 6, side)
    lr1, lr2 = np.meshgrid(g, g)
    return lr1.ravel(), lr2.ravel()


def gemm_rates(threads: int, size: int = GEMM_SIZE) -> dict[str, float]:
    """FLOP/s of an ``size x size`` NumPy matrix product (best of 3), float64 and
    float32, with ``threads`` BLAS threads (in a subprocess, so that this process keeps
    its one-thread BLAS for the NumPy baseline); ``<dtype>_cpu``: FLOP per second of
    CPU time (all threads), which other work on the machine disturbs less."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    res = subprocess.run(
        [sys.executable, "-c", _GEMM_CODE, str(size)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout)


def kernel_rate(
    prob: NT.NetworkProblem,
    lr1: np.ndarray,
    lr2: np.ndarray,
    steps: int,
    dtype: str,
    parallel: bool,
    repeats: int = 3,
) -> tuple[float, np.ndarray]:
    """Best of ``repeats``: computed network steps per second of wall time and per
    second of CPU time (all threads), and the measures."""
    NT.run_points(prob, lr1[:32], lr2[:32], steps=2, parallel=parallel, dtype=dtype)
    best = cpu = 0.0
    m = np.empty(0)
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        m, done = NT.run_points(
            prob, lr1, lr2, steps=steps, parallel=parallel, dtype=dtype
        )
        best = max(best, done.sum() / (time.perf_counter() - t0))
        cpu = max(cpu, done.sum() / (time.process_time() - c0))
    return best, cpu, m


def machine_section(
    prob: NT.NetworkProblem, lr1: np.ndarray, lr2: np.ndarray, steps: int, flop: int
) -> dict:
    """(c): the kernel's useful FLOP rate as a fraction of the matrix-product rate.

    A regular subsample of at most 1024 grid points and at most 100 steps (a rate per
    computed step does not depend on either), best of 3.
    """
    stride = max(1, -(-lr1.size // 1024))
    lr1, lr2, steps = lr1[::stride], lr2[::stride], min(steps, 100)
    threads = numba.get_num_threads()
    load0 = os.getloadavg()[0]
    gemm = gemm_rates(threads)
    gemm1 = gemm_rates(1)
    out: dict = {
        "gemm_size": GEMM_SIZE,
        "threads": threads,
        "points": int(lr1.size),
        "steps": steps,
    }
    rates = {}
    for dtype in ("float64", "float32"):
        par, par_cpu, m = kernel_rate(prob, lr1, lr2, steps, dtype, parallel=True)
        ser, _, _ = kernel_rate(prob, lr1[::4], lr2[::4], steps, dtype, parallel=False)
        rates[dtype] = (par, m)
        frac = par * flop / gemm[dtype]
        frac1 = ser * flop / gemm1[dtype]
        frac_cpu = par_cpu * flop / gemm[dtype + "_cpu"]
        print(
            f"(c) kernel {dtype}: {par:,.0f} network-steps/s = "
            f"{par * flop / 1e9:.1f} GFLOP/s useful on {threads} threads; "
            f"{dtype} matrix product {gemm[dtype] / 1e9:.1f} GFLOP/s -> fraction "
            f"{frac:.2f}" + (" (target >= 0.5)" if dtype == "float64" else "")
        )
        print(
            f"    one thread: {ser:,.0f} network-steps/s, fraction {frac1:.2f} of the "
            f"one-thread product ({gemm1[dtype] / 1e9:.1f} GFLOP/s); per CPU second "
            f"(less disturbed by other work): fraction {frac_cpu:.2f}"
        )
        out[dtype] = {
            "network_steps_per_s": par,
            "useful_flops": par * flop,
            "gemm_flops": gemm[dtype],
            "fraction": frac,
            "serial_network_steps_per_s": ser,
            "serial_gemm_flops": gemm1[dtype],
            "serial_fraction": frac1,
            "cpu_time_fraction": frac_cpu,
        }
    ratio = rates["float32"][0] / rates["float64"][0]
    same = float(np.mean(np.sign(rates["float32"][1]) == np.sign(rates["float64"][1])))
    print(
        f"    float32 / float64 throughput: {ratio:.2f}x; same outcome in {same:.1%} "
        f"of the points; load average {load0:.1f} -> {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine lowers both rates)"
    )
    out["float32_over_float64"] = ratio
    out["float32_same_outcome"] = same
    out["loadavg"] = (load0, os.getloadavg()[0])
    return out


def adaptive_section(args: argparse.Namespace) -> dict | None:
    """(d) The adaptive renderer's speed-up against a full render of the same grid.

    The tanh network's root window at ``2**args.adaptive_res + 1`` points per side and
    ``args.steps`` steps, rendered in full and adaptively with the renderer's defaults
    (:func:`adaptive_render_study.adaptive_speedup`; both go through the on-disk cache
    with the wall time measured when they were computed): wall-time and work (GD steps)
    ratios, the boundary pixels the adaptive render missed and the outcomes it got
    wrong.
    """
    from adaptive_render_study import adaptive_speedup

    from fractal_lib.papers import sohl_dickstein2024 as P

    t0 = time.perf_counter()
    row = adaptive_speedup(
        P.problem("tanh"),
        P.ROOT,
        log2_res=args.adaptive_res,
        steps=args.steps,
    )
    side = row["side"]
    print(
        f"(d) adaptive render, tanh root window {side} x {side} x {args.steps} steps: "
        f"{row['fraction_computed']:.1%} of the points computed, wall-time speed-up "
        f"{row['speedup']:.1f}x, work speed-up {row['work_speedup']:.1f}x; boundary "
        f"pixels missed {row['missed']} of {row['boundary_pixels']} "
        f"({row['miss_rate']:.2%}), wrong outcomes {row['wrong_points']} "
        f"({time.perf_counter() - t0:.0f} s for both renders)"
    )
    return row


def gpu_section(
    args: argparse.Namespace,
    prob: NT.NetworkProblem,
    lr1: np.ndarray,
    lr2: np.ndarray,
    steps: int,
    flop: int,
    reference: np.ndarray,
) -> dict | None:
    """(e) The torch backend on a GPU, if torch sees one; ``None`` otherwise.

    ``reference``: the numba kernel's float64 measures of the same points, for the
    outcome agreement.
    """
    try:
        import torch
    except ImportError:
        print("(e) GPU: torch is not installed; skipped")
        return None
    if not torch.cuda.is_available():
        print(
            "(e) GPU: no GPU visible to torch; skipped (the GPU figure is an estimate)"
        )
        return None
    name = torch.cuda.get_device_name(0)
    out: dict = {"device": name}
    try:
        for dtype in ("float64", "float32"):
            NT.run_points(
                prob, lr1[:64], lr2[:64], steps=2, dtype=dtype, backend="torch"
            )
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            m, done = NT.run_points(
                prob, lr1, lr2, steps=steps, dtype=dtype, backend="torch"
            )
            torch.cuda.synchronize()
            t = time.perf_counter() - t0
            rate = done.sum() / t
            same = float(np.mean(np.sign(m) == np.sign(reference)))
            print(
                f"(e) GPU {name}, torch {dtype}: {lr1.size} points x {steps} steps in "
                f"{t:.2f} s -> {rate:,.0f} network-steps/s "
                f"({rate * flop / 1e9:.0f} GFLOP/s useful); same outcome as the numba "
                f"float64 kernel in {same:.1%} of the points"
            )
            out[dtype] = {
                "seconds": t,
                "network_steps_per_s": rate,
                "useful_flops": rate * flop,
                "same_outcome_as_numba": same,
            }
    except TypeError as exc:  # run_points without the torch backend (older API)
        print(f"(e) GPU: the torch backend is not available ({exc}); skipped")
        return None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=64)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument(
        "--stride", type=int, default=16, help="time every stride-th point with NumPy"
    )
    ap.add_argument(
        "--big-rows", type=int, default=8, help="rows of the 513 x 513 image to time"
    )
    ap.add_argument(
        "--adaptive-res",
        type=int,
        default=7,
        help="log2 of the side of the full vs adaptive comparison (d)",
    )
    ap.add_argument("--quick", action="store_true", help="32 x 32 grid, 100 steps")
    args = ap.parse_args()
    if args.quick:
        args.side, args.steps, args.stride, args.big_rows = 32, 100, 8, 2
        args.adaptive_res = 6
    prob = NT.NetworkProblem("tanh", width=16)
    N, n = prob.data_size, prob.width
    flop = (
        2 * 2 * N * n * n + 40 * N * n
    )  # two N x n x n products (x2 flop) + elementwise/tanh
    side, steps = args.side, args.steps
    lr1, lr2 = grid_rates(side)
    B = lr1.size
    print(
        f"workload: tanh, width {n}, {N} data points, {side} x {side} grid, {steps} "
        "steps, "
        f"numba {numba.__version__}, {os.cpu_count()} cores, threads "
        f"{numba.get_num_threads()}"
    )

    # warm-up (JIT / on-disk cache load) on a few points
    t0 = time.perf_counter()
    NT.run_points(prob, lr1[:16], lr2[:16], steps=2, parallel=True)
    NT.run_points(prob, lr1[:4], lr2[:4], steps=2, parallel=False)
    first_call = time.perf_counter() - t0

    # (a) NumPy, one point at a time, on a regular subsample; its two halves are timed
    # before and after (b) so that both see the same (shared, varying) machine load
    idx = np.arange(0, B, args.stride)
    halves = (idx[0::2], idx[1::2])
    ref = np.empty(idx.size)

    def numpy_half(h: int) -> float:
        t0 = time.perf_counter()
        for k, i in zip(range(h, idx.size, 2), halves[h], strict=True):
            ref[k] = NT.reference_run(prob, lr1[i], lr2[i], steps=steps)
        return time.perf_counter() - t0

    t_np = numpy_half(0)
    # (b) fractal_lib, all cores and one thread
    t0 = time.perf_counter()
    m_par, done = NT.run_points(prob, lr1, lr2, steps=steps, parallel=True)
    t_par = time.perf_counter() - t0
    t0 = time.perf_counter()
    m_ser, _ = NT.run_points(prob, lr1[idx], lr2[idx], steps=steps, parallel=False)
    t_ser = time.perf_counter() - t0
    t_np += numpy_half(1)
    np_rate = idx.size * steps / t_np
    print(
        f"(a) numpy per point: {idx.size} of {B} points in {t_np:.1f} s -> "
        f"{np_rate:,.0f} grid-point-steps/s ({1e6 / np_rate:.1f} us each); "
        f"whole grid extrapolated {B * steps / np_rate:.0f} s"
    )
    par_rate = B * steps / t_par
    ser_rate = idx.size * steps / t_ser
    useful = done.sum() / (B * steps)
    print(
        f"(b) fractal_lib, all cores: {B} points in {t_par:.2f} s -> {par_rate:,.0f} "
        f"grid-point-steps/s ({1e6 / par_rate:.2f} us each; {useful:.0%} of the steps "
        "are "
        f"computed, divergent runs stop early)"
    )
    print(
        f"    fractal_lib, one thread (same subsample as numpy): {ser_rate:,.0f} "
        "grid-point-steps/s"
    )
    agree = float(np.mean(np.sign(ref) == np.sign(m_par[idx])))
    same_thread = bool(np.array_equal(m_ser, m_par[idx]))
    print(
        f"ratio all cores / numpy: {par_rate / np_rate:.1f}x; one thread / numpy: "
        f"{ser_rate / np_rate:.1f}x"
    )
    print(
        f"outcome agreement with numpy on the subsample: {agree:.1%}; serial == "
        "parallel "
        f"bit for bit: {same_thread}; converged fraction {np.mean(m_par < 0):.1%}"
    )

    # (c) the kernel against the machine's matrix-product rate, float64 and float32
    machine = machine_section(prob, lr1, lr2, steps, flop)

    # 512 x 512 x 500 image: time a regular subset of rows of the 513 x 513 grid,
    # extrapolate
    big = 9
    xs, ys = WINDOW.coords(big)
    rows = np.linspace(0, ys.size - 1, args.big_rows).round().astype(int)
    blr1, blr2, _ = NT.plane_rates("lr_vs_lr", xs, ys[rows])
    t0 = time.perf_counter()
    _, bdone = NT.run_points(prob, blr1, blr2, steps=steps, parallel=True)
    t_big = time.perf_counter() - t0
    t_img = t_big * ys.size / rows.size
    print(
        f"513 x 513 x {steps} image: {rows.size} of {ys.size} rows in {t_big:.1f} s -> "
        f"extrapolated {t_img:.0f} s ({t_img / 60:.1f} min) on this machine"
    )
    # the paper's keyframe, 4096 x 4096 networks x 1000 steps: estimates, not
    # measurements (no GPU was used unless section (e) ran)
    share = bdone.sum() / (blr1.size * steps)  # steps computed per step asked
    paper_steps = 4096 * 4096 * 1000 * share
    paper_flop = flop * paper_steps
    cpu_s = paper_steps / (bdone.sum() / t_big)
    gpu_flops = 10e12  # assumed sustained FP64 on an H100/H200-class GPU
    print(
        f"paper keyframe 4096^2 x 1000 steps: {paper_flop:.2e} FLOP useful; on this "
        f"CPU about {cpu_s / 3600:.0f} h in full; on a GPU at an assumed sustained "
        f"10 TFLOP/s FP64 (H100/H200 peak 34 TFLOP/s vector, 67 tensor) about "
        f"{paper_flop / gpu_flops / 60:.0f} min in full (estimates, not measured; "
        "the adaptive renderer computes a few per cent of the root window's points)"
    )

    adaptive = adaptive_section(args)
    gpu = gpu_section(args, prob, lr1, lr2, steps, flop, m_par)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    out = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cores": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "loadavg": os.getloadavg(),
        },
        "workload": {
            "activation": "tanh",
            "width": n,
            "n_data": N,
            "side": side,
            "steps": steps,
        },
        "first_call_s": first_call,
        "numpy": {
            "points_timed": int(idx.size),
            "stride": args.stride,
            "seconds": t_np,
            "point_steps_per_s": np_rate,
        },
        "fractal_lib_parallel": {
            "points": B,
            "seconds": t_par,
            "point_steps_per_s": par_rate,
            "useful_step_fraction": float(useful),
        },
        "fractal_lib_serial": {
            "points": int(idx.size),
            "seconds": t_ser,
            "point_steps_per_s": ser_rate,
        },
        "ratio_parallel": par_rate / np_rate,
        "ratio_serial": ser_rate / np_rate,
        "sign_agreement": agree,
        "serial_equals_parallel": same_thread,
        "image_513": {
            "rows_timed": int(rows.size),
            "seconds": t_big,
            "extrapolated_s": t_img,
        },
        "paper_keyframe_estimate": {
            "networks": 4096 * 4096,
            "steps": 1000,
            "useful_flop": paper_flop,
            "cpu_full_s": cpu_s,
            "gpu_full_s_at_10_tflops": paper_flop / gpu_flops,
        },
        "kernel_vs_matmul": machine,
        "adaptive": adaptive,
        "gpu": gpu,
    }
    RESULTS.write_text(json.dumps(out, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
