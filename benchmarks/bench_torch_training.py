"""Speed of the torch training loop (fractal_lib.nets.training.train) as a fraction of
this machine's matrix-product rate.

Workloads (float32, as the Chen and Török runs: models and images are float32):

* ``chen-book``: ResNet-14 of width 4 on 14 x 14 images, batch 128, plain SGD (the
  Chen chapter's ``book`` main run);
* ``torok-book``: ResNet-18 of width 4 on 28 x 28 images, batch 128, SGD with Nesterov
  momentum, weight decay and the cosine schedule (the Török chapter's ``book`` run);
* ``chen-width16``: ResNet-20 of width 16 (the paper's width) on 28 x 28 images, batch
  128: a larger size, where the convolutions are big enough for BLAS.

Variants, interleaved in one process and each the best of ``--repeats`` (so the
ratios hold on a busy machine): ``plain`` (the textbook PyTorch loop: per-parameter
SGD, a ``.item()`` per step for the loss and one for the accuracy), ``train``
(``training.train``, default: bitwise the plain loop) and ``train+channels_last``.

Useful flops are counted from the layer shapes: a convolution's forward pass costs
``2 * (output elements) * (c_in / groups) * k_h * k_w``, a linear layer's
``2 * batch * in * out``; the backward pass costs twice the forward (gradient of the
input and of the weights) for every layer but the first, whose input needs no
gradient (once). BatchNorm, ReLU, pooling, the loss and the optimiser are not counted.
The rate is compared with ``torch.matmul`` of two 512 x 512 float32 matrices (the
machine's peak for one thread, measured in the same run) and with a matrix product of
the shape of the largest convolution's im2col GEMM (``(B H W) x (9 c_in) @ (9 c_in) x
c_out``), which shows how far BLAS itself is from its peak at these sizes, and prints
where the time of one epoch goes (``torch.profiler``, by operator category): at the
book sizes the convolutions' backward pass (oneDNN direct kernels on 4 to 16 channels,
not one BLAS GEMM) takes most of it, then the forward convolutions and the
bandwidth-bound BatchNorm passes, which is why the loop stays far below the rate its
largest GEMM alone reaches. Images are
random (the speed does not depend on the values). Usage:
``python benchmarks/bench_torch_training.py [--quick] [--threads N]``; writes
``benchmarks/results/bench_torch_training.json``; ``--extend --batches 1 --repeats 1``
times the full-width ResNet-18 instead (``..._extend.json``).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from fractal_lib.nets import models, training
from fractal_lib.nets.torchtools import matmul_rate, seed_everything, torch_threads

RESULTS = Path(__file__).resolve().parent / "results" / "bench_torch_training.json"

#: name -> (model factory, image side, SGD settings)
WORKLOADS: dict[str, tuple[Callable[[], nn.Module], int, dict]] = {
    "chen-book": (
        lambda: models.resnet_cifar(14, in_channels=1, width=4),
        14,
        dict(lr=0.1),
    ),
    "torok-book": (
        lambda: models.resnet18(in_channels=1, width=4),
        28,
        dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4, schedule="cosine"),
    ),
    "chen-width16": (
        lambda: models.resnet_cifar(20, in_channels=1, width=16),
        28,
        dict(lr=0.1),
    ),
}
#: ``--extend``: the Török paper's full ResNet-18 width (64), where the convolutions
#: are wide enough for BLAS (about 0.4 TFLOP per step: minutes on two cores).
EXTEND: dict[str, tuple[Callable[[], nn.Module], int, dict]] = {
    "torok-width64": (
        lambda: models.resnet18(in_channels=1, width=64),
        28,
        dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4),
    ),
}


def layer_flops(model: nn.Module, x: torch.Tensor) -> tuple[float, list[tuple]]:
    """Useful flops of one training step on the batch ``x`` and the conv shapes."""
    fwd: list[float] = []
    shapes: list[tuple] = []

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            k = mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
            fwd.append(2.0 * out.numel() * k)
            shapes.append((out.shape[0] * out.shape[2] * out.shape[3], k, out.shape[1]))
        elif isinstance(mod, nn.Linear):
            fwd.append(2.0 * out.shape[0] * mod.in_features * mod.out_features)

    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    with torch.no_grad():
        model.eval()
        model(x)
        model.train()
    for h in handles:
        h.remove()
    return 3.0 * sum(fwd) - 2.0 * fwd[0], shapes  # first layer: no input gradient


def plain_loop(
    model,
    x,
    y,
    *,
    batch_size,
    lr,
    momentum=0.0,
    nesterov=False,
    weight_decay=0.0,
    schedule="constant",
    seed=0,
) -> float:
    """The textbook loop (what training.train computes, bitwise)."""
    opt = torch.optim.SGD(
        model.parameters(),
        lr=lr,
        momentum=momentum,
        nesterov=nesterov,
        weight_decay=weight_decay,
        foreach=False,
    )
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=gen)
    total = math.ceil(len(x) / batch_size)
    correct = 0
    for step, i in enumerate(range(0, len(x), batch_size)):
        idx = perm[i : i + batch_size]
        rate = (
            lr
            if schedule == "constant"
            else 0.5 * lr * (1 + math.cos(math.pi * step / total))
        )
        for g in opt.param_groups:
            g["lr"] = rate
        opt.zero_grad()
        out = model(x[idx])
        loss = nn.functional.cross_entropy(out, y[idx])
        last = loss.item()
        loss.backward()
        opt.step()
        correct += int((out.argmax(1) == y[idx]).sum())
    return last


#: The loops timed, in this order.
VARIANTS = ("plain", "train", "train+channels_last")


def run_variant(kind, build, x, y, batch_size, sgd) -> None:
    """One epoch over ``(x, y)`` of a fresh ``build()`` with loop ``kind``."""
    if kind == "plain":
        plain_loop(build(), x, y, batch_size=batch_size, **sgd)
    else:
        training.train(
            build(),
            x,
            y,
            epochs=1,
            batch_size=batch_size,
            progress=False,
            channels_last=kind != "train",
            **sgd,
        )


#: Operator name fragments -> the category they count toward in the time breakdown.
CATEGORIES = (
    ("convolution_backward", "conv backward"),
    ("conv", "conv forward"),
    ("batch_norm", "BatchNorm"),
    ("relu", "ReLU"),
    ("threshold", "ReLU"),
    ("foreach", "optimiser"),
    ("sgd", "optimiser"),
    ("add", "elementwise"),
    ("mul", "elementwise"),
)


def time_breakdown(build, x, y, batch_size, sgd) -> dict[str, float]:
    """Share of the CPU time of one epoch of ``training.train`` per operator category.

    Measured with ``torch.profiler`` (self CPU time of the ATen operators): why the loop
    is slower than its useful flops at the matrix-product rate would allow.
    """
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run_variant("train", build, x, y, batch_size, sgd)
    shares: dict[str, float] = {}
    for ev in prof.key_averages():
        if not ev.key.startswith("aten::"):
            continue
        cat = next((c for frag, c in CATEGORIES if frag in ev.key), "other")
        shares[cat] = shares.get(cat, 0.0) + ev.self_cpu_time_total
    total = sum(shares.values()) or 1.0
    return {k: v / total for k, v in sorted(shares.items(), key=lambda kv: -kv[1])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="tiny run (checks the script)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batches", type=int, default=4, help="minibatches per timing")
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (default FRACTAL_TORCH_THREADS, else 1)",
    )
    ap.add_argument(
        "--extend",
        action="store_true",
        help="only the wide workload (EXTEND); writes bench_torch_training_extend.json",
    )
    args = ap.parse_args()
    if args.threads is not None and args.threads < 1:
        ap.error(f"--threads must be >= 1, got {args.threads}")
    threads = args.threads or torch_threads()
    torch.set_num_threads(threads)
    repeats, n_batches = (1, 1) if args.quick else (args.repeats, args.batches)
    table = EXTEND if args.extend else WORKLOADS
    names = ["chen-book"] if args.quick else list(table)
    peak32 = peak64 = 0.0
    rows = []
    for name in names:
        build, side, sgd = table[name]
        bs = 128
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(bs * n_batches, 1, side, side, generator=gen)
        y = torch.randint(0, 10, (len(x),), generator=gen)
        seed_everything(0)
        flops_step, shapes = layer_flops(build(), x[:bs])
        big = max(shapes, key=lambda s: s[0] * s[1] * s[2])
        variants = {
            k: functools.partial(run_variant, k, build, x, y, bs, sgd) for k in VARIANTS
        }
        for fn in variants.values():  # warm-up (allocator, oneDNN primitives)
            fn()
        best = dict.fromkeys(variants, math.inf)
        gemm = 0.0
        for _ in range(repeats):
            peak32 = max(
                peak32,
                matmul_rate(512, 512, 512, torch.float32, repeats=2, device="cpu"),
            )
            peak64 = max(
                peak64,
                matmul_rate(512, 512, 512, torch.float64, repeats=2, device="cpu"),
            )
            gemm = max(gemm, matmul_rate(*big, torch.float32, repeats=2, device="cpu"))
            for k, fn in variants.items():
                t0 = time.perf_counter()
                fn()
                best[k] = min(best[k], time.perf_counter() - t0)
        row = {
            "workload": name,
            "side": side,
            "batch_size": bs,
            "batches": n_batches,
            "useful_flops_per_step": flops_step,
            "largest_conv_gemm_mkn": list(big),
            "largest_conv_gemm_rate_f32": gemm,
        }
        for k, t in best.items():
            rate = flops_step * n_batches / t
            row[k] = {"seconds": t, "flops_per_s": rate, "fraction_f32": rate / peak32}
        row["time_breakdown"] = time_breakdown(build, x, y, bs, sgd)
        rows.append(row)
        print(
            f"{name:13s} ({side}x{side}, {flops_step / 1e9:.3f} GFLOP/step): "
            + ", ".join(
                f"{k} {row[k]['flops_per_s'] / 1e9:.2f} GFLOP/s "
                f"= {row[k]['fraction_f32']:.3f} of matmul"
                for k in variants
            )
            + f"; largest conv as one GEMM {big}: {gemm / peak32:.3f} of matmul",
            flush=True,
        )
        print(
            "  where the time goes (torch.profiler, self CPU time): "
            + ", ".join(f"{k} {v:.0%}" for k, v in row["time_breakdown"].items()),
            flush=True,
        )
    print(
        f"matrix-product rate (torch.matmul 512^3, {threads} thread(s)): float32 "
        f"{peak32 / 1e9:.1f} GFLOP/s, float64 {peak64 / 1e9:.1f} GFLOP/s"
    )
    out = {
        "machine": platform.platform(),
        "processor": platform.processor(),
        "cores": os.cpu_count(),
        "loadavg": list(os.getloadavg()),
        "torch": torch.__version__,
        "threads": threads,
        "quick": args.quick,
        "repeats": repeats,
        "matmul_f32_flops_per_s": peak32,
        "matmul_f64_flops_per_s": peak64,
        "rows": rows,
        "note": "fractions measured in one process, interleaved, best of repeats",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not args.quick:
        path = RESULTS.with_stem(RESULTS.stem + "_extend") if args.extend else RESULTS
        path.write_text(json.dumps(out, indent=1))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
