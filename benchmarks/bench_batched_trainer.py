"""Speed of the batched trainer (fractal_lib.dynamical.batched_mlp.train) against a
plain per-run loop.

Workload: the dynamical-loss chapter's spiral (300 points, float64), one-hidden-layer
ReLU networks, full-batch gradient descent with cross-entropy at lr = 1, ``--seeds``
seeds.

* (a) plain loop: for each seed an ``nn.Sequential(Linear, ReLU, Linear)``,
  ``F.cross_entropy``, ``loss.backward()`` and ``torch.optim.SGD``; the loss is read
  every step (as the trainer does).
* (b) batched: all seeds in one call of ``batched_mlp.train`` (hand-written batched
  gradients; it also records the static loss, the accuracy and the update cosine/ratio
  every step).
* (c) the same trainer called once per seed (``M = 1``): separates the gain of batching
  from the gain of the hand-written gradients.

All variants run in this one process, interleaved, each repeated ``--repeats`` times
(the best is kept), so the ratios are comparable even on a busy machine. Usage:
``python benchmarks/bench_batched_trainer.py [--quick]``; writes
``benchmarks/results/bench_batched_trainer.json``.
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


def batched(x, y, width, seeds, steps, lr) -> np.ndarray:
    r = B.train(width, list(seeds), x, y, loss="ce", lr=lr, steps=steps, progress=False)
    return r.static_loss[:, -2]


def per_run_trainer(x, y, width, seeds, steps, lr) -> np.ndarray:
    runs = [
        B.train(width, s, x, y, loss="ce", lr=lr, steps=steps, progress=False)
        for s in seeds
    ]
    return np.array([r.static_loss[0, -2] for r in runs])


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
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = ap.parse_args()
    steps = 100 if args.quick else args.steps
    torch.set_num_threads(args.threads)
    data = spirals.spiral(100, 3, seed=0)
    x, y = data.x, data.y
    seeds = range(args.seeds)
    rows = []
    for width in (10, 100):
        kw = (x, y, width, seeds, steps, 1.0)
        batched(x, y, width, [0, 1], 5, 1.0)  # warm-up
        plain_loop(x, y, width, [0], 5, 1.0)
        t_plain, l_plain = best_time(lambda kw=kw: plain_loop(*kw), args.repeats)
        t_batch, l_batch = best_time(lambda kw=kw: batched(*kw), args.repeats)
        t_each, _ = best_time(lambda kw=kw: per_run_trainer(*kw), args.repeats)
        row = {
            "width": width,
            "seeds": args.seeds,
            "steps": steps,
            "plain_loop_s": t_plain,
            "batched_s": t_batch,
            "trainer_per_run_s": t_each,
            "speedup_vs_plain_loop": t_plain / t_batch,
            "speedup_vs_trainer_per_run": t_each / t_batch,
            "max_rel_diff_final_loss": float(
                np.max(np.abs(l_plain - l_batch) / np.abs(l_plain))
            ),
        }
        rows.append(row)
        print(
            f"width {width:4d}: plain loop {t_plain:7.2f} s, batched {t_batch:7.2f} s "
            f"(x{row['speedup_vs_plain_loop']:.1f}), trainer per run {t_each:7.2f} s "
            f"(x{row['speedup_vs_trainer_per_run']:.1f}); final losses agree to "
            f"{row['max_rel_diff_final_loss']:.1e}"
        )
    out = {
        "machine": platform.platform(),
        "processor": platform.processor(),
        "torch": torch.__version__,
        "threads": args.threads,
        "quick": args.quick,
        "repeats": args.repeats,
        "rows": rows,
        "note": "ratios measured in one process, interleaved; absolute times depend on "
        "machine load",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
