"""Speed and accuracy of symmetric alpha-stable fits: fractal_lib.diffusion.levy vs
scipy.

The workload is the one of Chen, Qu & Gong 2022 (Fig. 5): 5000 samples of a heavy-tailed
law (here drawn with known alpha, scale 0.3, location 0.1), fitted for the stability
index alpha.

* (a) ``scipy.stats.levy_stable.fit``: generic maximum likelihood over (alpha, beta,
  loc, scale), the density at every sample by numerical integration. Very slow, so it
  runs on few data sets.
* (b) ``fractal_lib.diffusion.levy.fit_sas(method="ml")``: characteristic-function
  regression start, then maximum likelihood for (alpha, gamma, delta) with an FFT
  density.
* (c) ``fractal_lib.diffusion.levy.fit_sas(method="cf")``: the regression alone.

Accuracy is |alpha_hat - alpha| averaged over data sets; speed is wall time per fit,
both measured in one run on the same data (so contention on a shared machine affects
both sides alike). Because one scipy fit can take the better part of an hour, the script
first times a single log-likelihood evaluation on the 5000 samples with both densities
(CPU time) and checks that they agree; ``--n-scipy 0`` stops there.

Usage: ``python benchmarks/bench_levy_fit.py [--n-scipy 2] [--n-ours 20]``; writes
``benchmarks/results/bench_levy_fit.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

from fractal_lib.diffusion import levy

RESULTS = Path(__file__).resolve().parent / "results" / "bench_levy_fit.json"
N_SAMPLES = 5000
ALPHAS = (1.5, 1.1)


def _time(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--n-scipy", type=int, default=1, help="data sets per alpha fitted by scipy"
    )
    ap.add_argument(
        "--n-ours",
        type=int,
        default=20,
        help="data sets per alpha fitted by fractal_lib",
    )
    ap.add_argument(
        "--alphas", type=float, nargs="+", default=list(ALPHAS), help="true alphas"
    )
    args = ap.parse_args()

    rows = []
    x = levy.sample_sas(1.5, N_SAMPLES, gamma=0.3, delta=0.1, seed=100)
    levy.fit_sas(
        levy.sample_sas(1.2, N_SAMPLES, seed=1)
    )  # warm-up (imports, FFT plans)
    t0 = time.process_time()
    ll_scipy = float(stats.levy_stable.logpdf(x, 1.5, 0.0, 0.1, 0.3).sum())
    t_scipy = time.process_time() - t0
    t0 = time.process_time()
    ll_ours = float(levy.sas_logpdf(x, 1.5, 0.3, 0.1).sum())
    t_ours = time.process_time() - t0
    t0 = time.process_time()
    levy.fit_sas(x)
    t_fit = time.process_time() - t0
    evaluation = {
        "scipy_loglik_cpu_s": t_scipy,
        "ours_loglik_cpu_s": t_ours,
        "ours_fit_cpu_s": t_fit,
        "loglik_scipy": ll_scipy,
        "loglik_ours": ll_ours,
        "ratio_one_scipy_eval_to_our_whole_fit": t_scipy / t_fit,
        "ratio_per_evaluation": t_scipy / t_ours,
    }
    print(json.dumps(evaluation, indent=1), flush=True)
    for alpha in args.alphas if args.n_scipy > 0 else []:
        data = [
            levy.sample_sas(alpha, N_SAMPLES, gamma=0.3, delta=0.1, seed=100 + k)
            for k in range(max(args.n_scipy, args.n_ours))
        ]
        res: dict[str, dict[str, list[float]]] = {
            m: {"err": [], "t": []} for m in ("scipy", "ml", "cf")
        }
        for k in range(args.n_ours):
            for m in ("ml", "cf"):
                fit, dt = _time(lambda m=m, s=data[k]: levy.fit_sas(s, method=m))
                res[m]["err"].append(abs(fit.alpha - alpha))
                res[m]["t"].append(dt)
        print(
            f"alpha={alpha}: fractal_lib ml {np.mean(res['ml']['t']):.3f} s/fit, "
            f"err {np.mean(res['ml']['err']):.4f}; cf {np.mean(res['cf']['t']):.4f} "
            "s/fit, "
            f"err {np.mean(res['cf']['err']):.4f}",
            flush=True,
        )
        for k in range(args.n_scipy):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p, dt = _time(lambda s=data[k]: stats.levy_stable.fit(s))
            res["scipy"]["err"].append(abs(p[0] - alpha))
            res["scipy"]["t"].append(dt)
            print(
                f"alpha={alpha}: scipy fit {k}: alpha_hat={p[0]:.4f}, {dt:.1f} s",
                flush=True,
            )
        row = {"alpha": alpha}
        for m, r in res.items():
            row[m] = {
                "mean_abs_err": float(np.mean(r["err"])),
                "sec_per_fit": float(np.mean(r["t"])),
                "n_fits": len(r["t"]),
            }
        # errors on the same data sets as scipy's, for an equal-data comparison
        row["ml_same_sets_err"] = float(np.mean(res["ml"]["err"][: args.n_scipy]))
        row["speedup_ml"] = row["scipy"]["sec_per_fit"] / row["ml"]["sec_per_fit"]
        row["speedup_cf"] = row["scipy"]["sec_per_fit"] / row["cf"]["sec_per_fit"]
        rows.append(row)
        print(json.dumps(row, indent=1), flush=True)
    out = {
        "n_samples": N_SAMPLES,
        "evaluation": evaluation,
        "rows": rows,
        "python": platform.python_version(),
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "machine": platform.machine(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
