#!/usr/bin/env bash
# Checks for a lent GPU machine, in one command (the guide: "if one is lent, run the GPU
# paths and the `paper` scale there and report the figures"):
#   1. the torch tests with FRACTAL_DEVICE=cuda (counts, and which tests touched CUDA);
#   2. speed: the training loop of bench_torch_training.py's workloads on the GPU as a
#      fraction of the GPU's float32 matrix-product rate, and the Sohl-Dickstein
#      network plane (tanh, width 16, 129^2 x 500 steps) in torch on the GPU against
#      the numba kernel on all cores (257^2 did not fit: numba float64 alone took more
#      than 75 s on the H200 machine's 16 cores);
#   3. paper-scale points: the Chen network study's Fig. 3 scan rows at the paper's
#      width 16 (its --extend width), written by the study's own StudyRecorder to
#      $OUT/study/, and the time of one float64 HVP (what its main rows would cost).
# Usage, from the repository root: OUT=dir bash benchmarks/device_check.sh [--dry]
# (--dry: tiny sizes on the CPU, to check the script). Every step runs under `timeout`,
# and all of them within DC_BUDGET seconds (default 400). Writes $OUT/device_check.log,
# $OUT/figures.json and $OUT/study/chen2022_network.json. Fashion-MNIST is read from
# FRACTAL_DATA_DIR (default ./.h5data if present); a numpy wheel in .whl/ is used
# when numba refuses the machine's numpy.
set -o pipefail
: "${OUT:?set OUT to the output folder}"
mkdir -p "$OUT/study"
DRY=0
[ "${1:-}" = --dry ] && DRY=1
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export DC_DRY=$DRY DC_OUT=$OUT FRACTAL_PROGRESS=0
export FRACTAL_CACHE_DIR=${FRACTAL_CACHE_DIR:-$(mktemp -d)}
[ -z "${FRACTAL_DATA_DIR:-}" ] && [ -d .h5data ] && export FRACTAL_DATA_DIR=$PWD/.h5data
PY=${PY:-python3}
LOG=$OUT/device_check.log
T0=$(date +%s)
END=$((T0 + ${DC_BUDGET:-400}))

step() { # step NAME LIMIT_S COMMAND...: run within min(LIMIT_S, time left), log it
  local name=$1 lim=$2 t rc
  shift 2
  t=$(date +%s)
  ((lim > END - t)) && lim=$((END - t))
  if ((lim < 15)); then
    echo "=== $name skipped: ${lim}s left" | tee -a "$LOG"
    return
  fi
  echo "=== $name (limit ${lim}s, at +$((t - T0))s)" | tee -a "$LOG"
  timeout -k 5 "$lim" "$@" 2>&1 | tee -a "$LOG"
  rc=$?
  echo "=== $name rc=$rc in $(($(date +%s) - t))s" | tee -a "$LOG"
}

# shared helpers for the Python steps
mkdir -p /tmp/dc_py
cat >/tmp/dc_py/dc_util.py <<'EOF'
import json, os
from pathlib import Path
DRY = os.environ["DC_DRY"] == "1"
FIG = Path(os.environ["DC_OUT"]) / "figures.json"
def put(section, value):
    d = json.loads(FIG.read_text()) if FIG.is_file() else {}
    d[section] = value
    FIG.write_text(json.dumps(d, indent=1, default=float))
EOF
cat >/tmp/dc_py/cudaprobe.py <<'EOF'
import sys
import pytest
_used = []
def _allocs():
    t = sys.modules.get("torch")
    if t is None or not t.cuda.is_available() or not t.cuda.is_initialized():
        return 0
    return t.cuda.memory_stats().get("allocation.all.allocated", 0)
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    a = _allocs()
    yield
    if _allocs() > a:
        _used.append(item.nodeid)
def pytest_terminal_summary(terminalreporter):
    from dc_util import put
    st = terminalreporter.stats
    n = {k: len(st.get(k, [])) for k in ("passed", "failed", "skipped", "error")}
    failed = [r.nodeid for r in st.get("failed", []) + st.get("error", [])]
    terminalreporter.write_line(f"tests that allocated CUDA memory: {len(_used)}")
    for u in _used:
        terminalreporter.write_line(f"  cuda: {u}")
    put("tests", {**n, "failed_ids": failed, "cuda_tests": len(_used), "cuda_ids": _used})
EOF
export PYTHONPATH="$PYTHONPATH:/tmp/dc_py"

if ! err=$("$PY" -c "import numba" 2>&1); then # numba refuses too new a numpy
  echo "import numba failed: ${err##*$'\n'}" | tee -a "$LOG"
  if ls .whl/numpy-*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
      --target /tmp/dc_site .whl/numpy-*.whl 2>&1 | tee -a "$LOG"
    export PYTHONPATH="/tmp/dc_site:$PYTHONPATH"
    echo "using the carried $(ls .whl/numpy-*.whl)" | tee -a "$LOG"
  fi
fi
step gpu 20 nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm \
  --format=csv
step env 90 "$PY" - <<'EOF'
import os, time, platform, numpy, scipy, numba, torch
from dc_util import put
print("python", platform.python_version(), "numpy", numpy.__version__, "scipy",
      scipy.__version__, "numba", numba.__version__, "torch", torch.__version__,
      "cuda", torch.cuda.is_available() and torch.cuda.get_device_name(0),
      "cores", os.cpu_count(), "numba threads", numba.get_num_threads())
t0 = time.perf_counter()
import fractal_lib
from fractal_lib.boundaries import network_trainability as NT
p = NT.NetworkProblem("tanh", width=16)
for dt in ("float64", "float32"):  # compiles (and caches) the numba kernels
    NT.run_points(p, [1.0, 10.0], [1.0, 10.0], steps=3, dtype=dt)
    NT.run_points(p, [1.0], [1.0], steps=3, dtype=dt, parallel=False)
s = time.perf_counter() - t0
print(f"fractal_lib imported and its numba grid kernels compiled in {s:.1f} s")
put("env", {"python": platform.python_version(), "numpy": numpy.__version__,
    "numba": numba.__version__, "torch": torch.__version__,
    "gpu": torch.cuda.is_available() and torch.cuda.get_device_name(0),
    "cores": os.cpu_count(), "numba_compile_s": s})
EOF

if ((DRY)); then
  TESTS=(tests/test_net_torch.py::test_float32_training_is_float32_and_close
    tests/test_model_state.py)
  DEV=cpu
else
  TESTS=(tests/test_net_torch.py tests/test_torch_shared.py tests/test_training_fast.py
    tests/test_model_state.py tests/test_trajectory.py tests/test_trust_curvature.py
    tests/test_batched_mlp.py tests/test_network_problem.py tests/test_probing.py
    tests/test_dynamical_loss.py)
  DEV=cuda
  # needs jupytext, which the GPU machine lacks (and touches no torch code)
  TESTS+=(--deselect
    tests/test_probing.py::test_chapter_shows_every_comparison_and_names_the_authors_settings)
fi
step tests 120 env FRACTAL_DEVICE=$DEV "$PY" -m pytest -q -rfEs -p no:cacheprovider \
  -p cudaprobe --durations=8 "${TESTS[@]}"

step bench_torch 75 "$PY" - <<'EOF'
# bench_torch_training.py times the CPU only (its matmul reference is device="cpu"):
# its workloads and flop count, trained on the GPU by fractal_lib.nets.training.train.
import sys, time, torch
sys.path.insert(0, "benchmarks")
import bench_torch_training as B
from fractal_lib.nets import training
from fractal_lib.nets.torchtools import matmul_rate, seed_everything
from dc_util import put, DRY
dev = torch.device("cuda" if torch.cuda.is_available() and not DRY else "cpu")
table = {"chen-book": B.WORKLOADS["chen-book"]} if DRY else {**B.WORKLOADS, **B.EXTEND}
nb, reps, big = (2, 1, 256) if DRY else (16, 3, 8192)
peak = matmul_rate(big, big, big, torch.float32, device=dev)
torch.backends.cuda.matmul.allow_tf32 = True
tf32 = matmul_rate(big, big, big, torch.float32, device=dev)
torch.backends.cuda.matmul.allow_tf32 = False
m512 = matmul_rate(512, 512, 512, torch.float32, repeats=5, device=dev)
print(f"{dev}: float32 matmul {big}^3 {peak/1e12:.1f} TFLOP/s (highest precision), "
      f"TF32 {tf32/1e12:.1f}, 512^3 {m512/1e12:.2f}; cudnn.allow_tf32="
      f"{torch.backends.cudnn.allow_tf32}")
out = {"device": str(dev), "matmul_f32": peak, "matmul_tf32": tf32, "matmul_512": m512,
       "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32, "batches": nb, "rows": []}
for name, (build, side, sgd) in table.items():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(128 * nb, 1, side, side, generator=gen)
    y = torch.randint(0, 10, (len(x),), generator=gen)
    seed_everything(0)
    flops, shapes = B.layer_flops(build(), x[:128])
    row = {"workload": name, "flops_per_step": flops}
    for cl in (False, True):
        def run():
            training.train(build().to(dev), x, y, epochs=1, batch_size=128,
                           progress=False, channels_last=cl, **sgd)
            if dev.type == "cuda":
                torch.cuda.synchronize()
        run()  # warm-up (cuDNN plans, allocator)
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t0)
        rate = flops * nb / best
        k = "train+channels_last" if cl else "train"
        row[k] = {"s_per_step": best / nb, "flops_per_s": rate,
                  "fraction_f32": rate / peak, "fraction_tf32": rate / tf32}
        print(f"{name:14s} {k:20s} {best / nb * 1e3:7.2f} ms/step "
              f"{rate / 1e12:6.3f} TFLOP/s = {rate / peak:.4f} of f32 matmul, "
              f"{rate / tf32:.4f} of TF32", flush=True)
    out["rows"].append(row)
    put("bench_torch", out)
EOF

step netgrid 90 "$PY" - <<'EOF'
# The Sohl-Dickstein plane (tanh, width 16, 272 points, root window): networks per
# second, numba on all cores vs torch on the GPU, same plane, float64 and float32.
import time, numba, numpy as np, torch
from fractal_lib.boundaries import network_trainability as NT
from dc_util import put, DRY
dev = "cuda" if torch.cuda.is_available() and not DRY else "cpu"
prob = NT.NetworkProblem("tanh", width=16)
log2, steps = (4, 50) if DRY else (7, 500)
lr1, lr2, _ = NT.plane_rates("lr_vs_lr", *NT.Window().coords(log2))
N, n = prob.data_size, prob.width
flop = 2 * 2 * N * n * n + 40 * N * n  # per network-step, bench_network_grid's count
out = {"side": 2**log2 + 1, "steps": steps, "numba_threads": numba.get_num_threads(),
       "torch_device": dev}
ref = None
def timed(**kw):
    NT.run_points(prob, lr1[:64], lr2[:64], steps=2, **kw)
    if kw.get("backend") == "torch" and dev == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    m, done = NT.run_points(prob, lr1, lr2, steps=steps, **kw)
    return m, done, time.perf_counter() - t0
for dtype in ("float64", "float32"):
    for backend in ("numba", "torch"):
        m, done, t = timed(dtype=dtype, backend=backend)
        if ref is None:
            ref = m
        same = float(np.mean(np.sign(m) == np.sign(ref)))
        r = {"seconds": t, "networks_per_s": lr1.size / t,
             "network_steps_per_s": done.sum() / t,
             "useful_flops": done.sum() * flop / t, "same_sign_as_numba_f64": same,
             "converged": float(np.mean(m < 0))}
        out[f"{backend}_{dtype}"] = r
        print(f"{backend:5s} {dtype} {lr1.size} networks x {steps} steps: {t:.2f} s, "
              f"{r['networks_per_s']:,.0f} networks/s, "
              f"{r['network_steps_per_s']:,.0f} network-steps/s, "
              f"{r['useful_flops'] / 1e9:.0f} GFLOP/s; same outcome as numba float64 "
              f"{same:.2%}", flush=True)
        put("netgrid", out)
for dtype in ("float64", "float32"):
    out[f"gpu_over_cpu_{dtype}"] = (out[f"torch_{dtype}"]["networks_per_s"]
                                    / out[f"numba_{dtype}"]["networks_per_s"])
put("netgrid", out)
print({k: round(v, 2) for k, v in out.items() if k.startswith("gpu_over")})
EOF

step study 240 env FRACTAL_DEVICE=$DEV FRACTAL_TORCH_THREADS="$(nproc)" "$PY" - <<'EOF'
# Paper-scale points: the Chen network study's Fig. 3 scan rows at the paper's width 16
# (its --extend width), each written as soon as it is computed; the main rows are not
# run (their Hessians run in float64 on the CPU): one HVP is timed instead.
import dataclasses, os, sys, time
from pathlib import Path
import torch
sys.path.insert(0, "benchmarks/studies")
import study_chen2022_network as S
from fractal_lib.core import studies as ST
from fractal_lib.nets import models
from fractal_lib.papers.presets import chen2022_anomalous_diffusion as presets
from dc_util import put, DRY
torch.set_num_threads(int(os.environ["FRACTAL_TORCH_THREADS"]))
base = presets.sizes("smoke" if DRY else "book")
width = base.width if DRY else S.EXTEND_WIDTHS[0]
s = dataclasses.replace(base, width=width)
rec = ST.StudyRecorder(
    S.NAME, script=S.__file__,
    argv=["--extend", f"(benchmarks/device_check.sh: scan rows at width {width} only)"],
    description="Chen network study, Fig. 3 scan rows at the paper's width (device)",
    scale_axis="width", directory=Path(os.environ["DC_OUT"]) / "study")
keep = ("key", "seconds", "steps", "tau0", "alpha", "rule_met", "source_hash")
hvp = {}
for seed in S.SCAN_SEEDS[:1] if DRY else S.SCAN_SEEDS:
    for d in sorted(s.scan_depths, reverse=True):
        for sc in (True, False):
            t0 = time.perf_counter()
            rec.point(f"scan,width={width},T={s.window},depth={d},shortcut={sc},"
                      f"seed={seed}", lambda d=d, sc=sc, seed=seed: S.scan_row(s, d, sc, seed))
            r = rec.data["rows"][-1]
            print(f"{time.perf_counter() - t0:5.1f} s " + ", ".join(
                  f"{k}={r[k]}" for k in keep[:-1]), flush=True)
            put("study", {"path": str(rec.path), "hvp_s": hvp, "rows": [
                {k: q.get(k) for k in keep} for q in rec.data["rows"]]})
# what a main row's Hessians would cost: one float64 HVP, width 16, hessian_batch images
m = models.resnet_cifar(base.depth, in_channels=1, width=width).double().eval()
x = torch.randn(base.hessian_batch, 1, 14, 14, dtype=torch.float64)
y = torch.randint(0, 10, (len(x),))
for dev in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
    m, x, y = m.to(dev), x.to(dev), y.to(dev)
    ps = list(m.parameters())
    v = [torch.randn_like(p) for p in ps]
    for i in range(3):
        t0 = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(m(x), y)
        g = torch.autograd.grad(loss, ps, create_graph=True)
        torch.autograd.grad(g, ps, grad_outputs=v)
        if dev == "cuda":
            torch.cuda.synchronize()
        hvp[dev] = time.perf_counter() - t0
    print(f"one float64 HVP, width {width}, {len(x)} images, {dev}: {hvp[dev]:.3f} s")
put("study", {"path": str(rec.path), "hvp_s": hvp, "rows": [
    {k: q.get(k) for k in keep} for q in rec.data["rows"]]})
EOF
echo "=== total $(($(date +%s) - T0))s" | tee -a "$LOG"
