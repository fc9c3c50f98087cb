"""Benchmark: a multi-objective search of the default district, and what its machinery costs.

``scalesim optimize`` (issue 13) on ``scenarios/default.yaml`` with
``experiments/levers/default-district.yaml``: ``--trials`` candidates (default 200), each evaluated
on the levers file's 8 replicate seeds, asked in batches of ``--batch``, on ``--workers``
local processes (``spawn``). Measured:

* wall time of the whole search (workers started and warmed up before the clock starts),
  and candidates per minute;
* the machinery's share of CPU: the parent's CPU (the sampler, building candidates' scenarios,
  gathering and scoring runs, writing the store) plus the workers' CPU, minus the CPU the
  model itself used (measured around ``run_one`` in each worker), over that model CPU. This
  is the evaluation overhead over the bare runs (target < 10%);
* the sampler's own time (Optuna's ask and tell, in the parent).

Usage::

    .venv/bin/python benchmarks/bench_optimize.py --trials 200 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "default.yaml"
LEVERS = ROOT / "experiments" / "levers" / "default-district.yaml"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    from bench_sweep import bare_task, startup_cpu

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    import optuna

    from scalesim.workbench.executors import ProcessExecutor
    from scalesim.workbench.optimize import load_problem, run_optimize

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    startup = startup_cpu(args.workers)
    prob = load_problem(SCENARIO, LEVERS, trials=args.trials, batch=args.batch)
    out = Path(tempfile.mkdtemp(prefix="bench-optimize-")) / "opt"
    load0 = os.getloadavg()[0]
    ch0 = _children_cpu()
    with ProcessExecutor(args.workers) as ex:
        list(ex.map_unordered(bare_task, range(args.workers)))  # start workers (warm-up)
        t0, p0 = time.perf_counter(), time.process_time()
        rep = run_optimize(prob, out, ex)
        wall, parent = time.perf_counter() - t0, time.process_time() - p0
    children = _children_cpu() - ch0 - startup
    machinery = parent + children - rep.model_cpu
    facts = {
        "trials": rep.trials,
        "runs": rep.runs,
        "failed_runs": rep.failed_runs,
        "replicates": len(prob.seeds),
        "batch": args.batch,
        "workers": args.workers,
        "wall_s": round(wall, 1),
        "trials_per_min": round(rep.trials / wall * 60, 1),
        "runs_per_s": round(rep.runs / wall, 2),
        "model_cpu_s": round(rep.model_cpu, 1),
        "model_wall_s": round(rep.model_seconds, 1),
        "workers_cpu_s": round(children, 1),
        "parent_cpu_s": round(parent, 1),
        "sampler_s": round(rep.sampler_seconds, 2),
        "machinery_cpu_share": round(machinery / rep.model_cpu, 4),
        "front": len(rep.front),
        "load_start": round(load0, 2),
        "load_end": round(os.getloadavg()[0], 2),
        "out": str(out),
    }
    print(json.dumps(facts, indent=1))


if __name__ == "__main__":
    main()
