"""Speed of the batched trainer (fractal_lib.dynamical.batched_mlp.train) against a
plain per-run loop.

Workload: the dynamical-loss chapter's spiral (300 points, float64), one-hidden-layer
ReLU networks, full-batch gradient descent with cross-entropy at lr = 1, ``--seeds``
seeds.

* (a) plain loop: for each seed an ``nn.Sequential(Linear, ReLU, Linear)``,
  ``F.cross_entropy``, ``loss.backward()`` and ``torch.optim.SGD``; the loss is read
  every step (as the trainer does).
* (b) batched, default backend: all seeds in one call of ``batched_mlp.train`` (the
  fused numba kernels on the CPU; it also records the static loss, the accuracy and the
  update cosine/ratio every step).
* (b') batched, ``backend="torch"``: the same with batched matrix products (the
  reference, and the path on GPUs).
* (c) the default trainer called once per seed (``M = 1``): separates the gain of
  batching from the gain of the kernels.
* (d) the fused forward and backward kernels alone (no loss, update or records): the
  ceiling of (b); the gap between (b) and (d) is the loss (softmax: exponentials and
  logarithms, not counted as useful flops) and the per-step bookkeeping.

Useful flops per step are counted by
:func:`fractal_lib.dynamical.batched_mlp.step_flops`: ``2 N (2 d_in w + 3 w C)`` per
model of width ``w`` on ``N`` points (forward ``x W1`` and ``h W2``, backward
``h^T g``, ``g W2^T`` and ``x^T dz``; biases, activations and the loss not counted).
Each loop's rate is printed as a fraction of this machine's float64 matrix-product rate
(``torch.matmul`` of 256 x 256 matrices, one thread), measured in the same run,
interleaved with the loops.

All variants run in this one process, interleaved, each repeated ``--repeats`` times
(the best is kept), so the ratios are comparable even on a busy machine. Usage:
``python benchmarks/bench_batched_trainer.py [--quick]``; writes
``benchmarks/results/bench_batched_trainer.json`` (not with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from fractal_lib.dynamical import batched_mlp as B
from fractal_lib.dynamical import spirals
from fractal_lib.nets.torchtools import matmul_rate

RESULTS = Path(__file__).resolve().parent / "results" / "bench_batched_trainer.json"


def plain_loop(x, y, width: int, seeds, steps: int, lr: float) -> np.ndarray:
    final = []
    for s in seeds:
        params = B.init_params([width], [s])
        net = torch.nn.Sequential(
            torch.nn.Linear(2, width), torch.nn.ReLU(), torch.nn.Linear(width, 3)
        ).double()
        with torch.no_grad():  # same initial weights as the trainer
            net[0].weight.copy_(params[0][0].T)
            net[0].bias.copy_(params[1][0])
            net[2].weight.copy_(params[2][0].T)
            net[2].bias.copy_(params[3][0])
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            last = loss.item()
        final.append(last)
    return np.array(final)


def batched(x, y, width, seeds, steps, lr, backend="auto") -> np.ndarray:
    r = B.train(
        width,
        list(seeds),
        x,
        y,
        loss="ce",
        lr=lr,
        steps=steps,
        progress=False,
        backend=backend,
    )
    return r.static_loss[:, -2]


def batched_torch(x, y, width, seeds, steps, lr) -> np.ndarray:
    return batched(x, y, width, seeds, steps, lr, backend="torch")


def per_run_trainer(x, y, width, seeds, steps, lr) -> np.ndarray:
    runs = [
        B.train(width, s, x, y, loss="ce", lr=lr, steps=steps, progress=False)
        for s in seeds
    ]
    return np.array([r.static_loss[0, -2] for r in runs])


def kernels_only(x, y, width, seeds, steps, lr) -> np.ndarray:
    """Only the fused forward and backward kernels, ``steps`` times (no loss, no
    update, no records): the ceiling of the default loop."""
    params = B.init_params([width] * len(seeds), list(seeds))
    pn = [p.numpy() for p in params]
    grads = [np.zeros_like(p) for p in pn]
    xt = np.ascontiguousarray(x.numpy().T)
    live = np.full(len(seeds), width, dtype=np.int64)
    out = np.empty((len(seeds), 3, len(x)))
    g = np.full_like(out, 1e-3)
    for _ in range(steps):
        B._kernel_forward(xt, *pn, live, out)
        B._kernel_backward(xt, *pn[:3], g, live, *grads)
    return out[:, 0, 0]


def best_time(fn, repeats: int) -> tuple[float, np.ndarray]:
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.threads < 1:
        ap.error(f"--threads must be >= 1, got {args.threads}")
    steps = 20 if args.quick else args.steps
    if args.quick:
        args.seeds, args.repeats = 2, 1
    torch.set_num_threads(args.threads)
    data = spirals.spiral(100, 3, seed=0)
    x, y = data.x, data.y
    seeds = range(args.seeds)
    rows = []
    peak = {"float64": 0.0, "float32": 0.0}
    loops = {
        "plain_loop": plain_loop,
        "batched": batched,
        "batched_torch": batched_torch,
        "trainer_per_run": per_run_trainer,
        "kernels_only": kernels_only,
    }
    for width in (10, 100):
        kw = (x, y, width, seeds, steps, 1.0)
        flops = B.step_flops([width] * args.seeds, len(x)) * steps
        for fn in loops.values():  # warm-up (and the kernels' compilation)
            fn(x, y, width, [0, 1], 5, 1.0)
        best = dict.fromkeys(loops, np.inf)
        final = {}
        for _ in range(args.repeats):  # interleaved: the ratios hold under load
            for dt, name in ((torch.float64, "float64"), (torch.float32, "float32")):
                peak[name] = max(peak[name], matmul_rate(256, 256, 256, dt, repeats=2))
            for k, fn in loops.items():
                t, final[k] = best_time(lambda fn=fn, kw=kw: fn(*kw), 1)
                best[k] = min(best[k], t)
        row = {"width": width, "seeds": args.seeds, "steps": steps, "flops": flops}
        for k, t in best.items():
            row[f"{k}_s"] = t
            row[f"{k}_flops_per_s"] = flops / t
            row[f"{k}_fraction_f64"] = flops / t / peak["float64"]
        row["speedup_vs_plain_loop"] = best["plain_loop"] / best["batched"]
        row["speedup_vs_torch_backend"] = best["batched_torch"] / best["batched"]
        row["speedup_vs_trainer_per_run"] = best["trainer_per_run"] / best["batched"]
        row["max_rel_diff_final_loss"] = float(
            np.max(np.abs(final["plain_loop"] - final["batched"]))
            / np.max(np.abs(final["plain_loop"]))
        )
        rows.append(row)
        print(
            f"width {width:4d}, {args.seeds} seeds, {steps} steps: "
            + ", ".join(
                f"{k} {best[k]:.2f} s ({row[f'{k}_flops_per_s'] / 1e9:.2f} GFLOP/s = "
                f"{row[f'{k}_fraction_f64']:.3f} of matmul)"
                for k in loops
            )
            + f"; batched x{row['speedup_vs_plain_loop']:.1f} vs plain loop, "
            f"x{row['speedup_vs_torch_backend']:.1f} vs torch backend; final losses "
            f"agree to {row['max_rel_diff_final_loss']:.1e}",
            flush=True,
        )
    print(
        f"matrix-product rate (torch.matmul 256^3, {args.threads} thread(s)): "
        f"float64 {peak['float64'] / 1e9:.1f} GFLOP/s, float32 "
        f"{peak['float32'] / 1e9:.1f} GFLOP/s"
    )
    out = {
        "machine": platform.platform(),
        "processor": platform.processor(),
        "torch": torch.__version__,
        "threads": args.threads,
        "quick": args.quick,
        "repeats": args.repeats,
        "matmul_f64_flops_per_s": peak["float64"],
        "matmul_f32_flops_per_s": peak["float32"],
        "rows": rows,
        "note": "ratios measured in one process, interleaved; absolute times depend on "
        "machine load",
    }
    if not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(out, indent=1))
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
