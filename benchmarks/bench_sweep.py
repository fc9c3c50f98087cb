"""Benchmark: sweeps of the default scenario, and what the sweep machinery costs.

Measures, for ``--runs`` runs of ``scenarios/default.yaml`` (about 4,900 educators, 36
months) on ``--workers`` local processes:

1. **model time per run**, single process, split into model build, weekly loop and
   ``collect()`` (tables of one run), and the encoding of the sweep's per-run tables;
2. **bare pool**: the same runs through the same process pool, each worker calling
   ``run_one`` and returning nothing (the floor any sweep on this machine can reach);
3. **sweep**: ``run_sweep`` end to end (tables encoded in the workers, Parquet parts and
   manifest written by the parent, final consolidation), with the full set of per-run
   tables and with a lean store (``store: {tables: []}``: the ``runs`` table only).

The machinery overhead is reported two ways: wall time against the bare pool
(``sweep wall / bare-pool wall − 1``; noisy on a shared machine), and CPU time: parent CPU
plus workers' CPU minus the CPU the model itself used (measured around ``run_one`` in each
worker), over that model CPU. Issue 4's targets: 1,000 runs in ≤ 60 s with 2 workers;
overhead < 10%.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py --runs 1000 --workers 2
    .venv/bin/python benchmarks/bench_sweep.py --runs 100 --workers 2 --quick   # smoke
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "default.yaml"


def bare_task(seed: int) -> float:
    """Run the default scenario once and return only the time it took (no tables)."""
    from scalesim.scenario import load_scenario
    from scalesim.simulation.runner import run_one

    sc = _scenario_cache.get("sc")
    if sc is None:
        sc = _scenario_cache["sc"] = load_scenario(SCENARIO)
    t0 = time.perf_counter()
    run_one(sc, seed)
    return time.perf_counter() - t0


_scenario_cache: dict[str, object] = {}


def single_process_profile(n: int) -> dict[str, float]:
    """Mean ms per run of build, loop, collect and table encoding, in this process."""
    from scalesim.scenario import load_scenario
    from scalesim.simulation.model import ScalingModel
    from scalesim.simulation.runner import collect
    from scalesim.workbench.store import parquet_bytes, run_tables

    sc = load_scenario(SCENARIO)
    ScalingModel(sc, seed=999).run()  # warm caches and imports
    acc = {"build": [], "loop": [], "collect": [], "tables": []}
    for seed in range(n):
        t0 = time.perf_counter()
        m = ScalingModel(sc, seed=seed)
        t1 = time.perf_counter()
        m.run()
        t2 = time.perf_counter()
        res = collect(m)
        t3 = time.perf_counter()
        ident = {"task_id": seed, "option": "base", "replicate": seed, "seed": seed, "point": 0}
        tabs = run_tables(res, ident, (), ("timeseries", "schools", "channels", "log", "extra"))
        for t in tabs.values():
            parquet_bytes(t, {"format": "scalesim.sweep/1"})
        t4 = time.perf_counter()
        for k, v in zip(acc, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            acc[k].append(v)
    return {k: 1000 * statistics.mean(v) for k, v in acc.items()}


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def startup_cpu(workers: int) -> float:
    """CPU seconds a pool spends starting its workers and doing the warm-up runs."""
    from scalesim.workbench.executors import ProcessExecutor

    ch0 = _children_cpu()
    with ProcessExecutor(workers) as ex:
        list(ex.map_unordered(bare_task, range(workers)))
    return _children_cpu() - ch0


def bare_pool(n: int, workers: int, startup: float) -> dict[str, float]:
    """Run n times through a spawn pool, each returning only a float: wall and CPU seconds."""
    from scalesim.workbench.executors import ProcessExecutor

    ch0 = _children_cpu()
    with ProcessExecutor(workers) as ex:
        list(ex.map_unordered(bare_task, range(min(workers, n))))  # start workers (warm-up)
        t0 = time.perf_counter()
        model = sum(ex.map_unordered(bare_task, range(n)))
        wall = time.perf_counter() - t0
    return {"wall": wall, "children_cpu": _children_cpu() - ch0 - startup, "model_wall": model}


def sweep(n: int, workers: int, tables: list[str], startup: float) -> dict[str, float]:
    """run_sweep for n runs (workers started before the clock starts): wall and CPU."""
    from scalesim.workbench.executors import ProcessExecutor
    from scalesim.workbench.experiment import experiment_from_dict
    from scalesim.workbench.sweep import run_sweep

    exp = experiment_from_dict(
        {
            "name": "bench",
            "scenario": str(SCENARIO),
            "replicates": {"count": n, "seed": 1},
            "outcomes": ["share_enacting", "equity_ratio", "tt_reached"],
            "store": {"tables": tables},
        },
        source="<bench>",
    )
    out = Path(tempfile.mkdtemp(prefix="bench-sweep-")) / "sweep"
    ch0 = _children_cpu()
    try:
        with ProcessExecutor(workers) as ex:
            list(ex.map_unordered(bare_task, range(workers)))  # start workers (warm-up)
            t0, p0 = time.perf_counter(), time.process_time()
            rep = run_sweep(exp, out, ex)
            wall, parent = time.perf_counter() - t0, time.process_time() - p0
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    assert rep.ok == n, f"{rep.error} runs failed"
    # Workers' CPU counts once they have exited; take away start-up and warm-up.
    children = _children_cpu() - ch0 - startup
    return {
        "wall": wall,
        "parent_cpu": parent,
        "children_cpu": children,
        "model_cpu": rep.model_cpu,
        "model_wall": rep.model_seconds,
        "table_wall": rep.table_seconds,
        "mb": size / 1e6,
    }


def report(label: str, r: dict[str, float], bare: dict[str, float], n: int) -> None:
    machinery_cpu = r["parent_cpu"] + r["children_cpu"] - r["model_cpu"]
    print(
        f"sweep, {label}: {r['wall']:.1f} s wall ({1000 * r['wall'] / n:.1f} ms/run); "
        f"vs bare pool {100 * (r['wall'] / bare['wall'] - 1):+.1f}% wall. CPU: model "
        f"{r['model_cpu']:.1f} s, workers' other {r['children_cpu'] - r['model_cpu']:.1f} s "
        f"(tables {r['table_wall']:.1f} s wall), parent {r['parent_cpu']:.1f} s ⇒ "
        f"machinery {100 * machinery_cpu / r['model_cpu']:.1f}% of model CPU; "
        f"{r['mb']:.1f} MB written"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--profile-runs", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="skip the lean-store sweep")
    args = ap.parse_args()
    n, w = args.runs, args.workers

    prof = single_process_profile(args.profile_runs)
    total = sum(prof.values())
    print(
        f"single process, mean of {args.profile_runs} runs (ms/run): "
        + ", ".join(f"{k} {v:.1f}" for k, v in prof.items())
        + f"; total {total:.1f}"
    )
    startup = startup_cpu(w)
    print(f"pool start-up + warm-up: {startup:.1f} s CPU (subtracted below)")
    bare = bare_pool(n, w, startup)
    print(
        f"bare pool: {n} runs on {w} workers: {bare['wall']:.1f} s wall "
        f"({1000 * bare['wall'] / n:.1f} ms/run); workers' CPU {bare['children_cpu']:.1f} s"
    )
    full = sweep(n, w, ["timeseries", "schools", "channels", "log", "extra"], startup)
    report("all tables", full, bare, n)
    if not args.quick:
        lean = sweep(n, w, [], startup)
        report("lean (runs table only)", lean, bare, n)
    print(
        f"targets: {n} runs ≤ {60 * n / 1000:.0f} s wall with 2 workers "
        "(1,000 runs ≤ 60 s); machinery < 10% of model time"
    )


if __name__ == "__main__":
    main()
