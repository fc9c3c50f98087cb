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

The machinery overhead is ``sweep wall / bare-pool wall − 1``. Issue 4's targets: 1,000
runs in ≤ 60 s with 2 workers; overhead < 10%.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py --runs 1000 --workers 2
    .venv/bin/python benchmarks/bench_sweep.py --runs 100 --workers 2 --quick   # smoke
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "default.yaml"


def bare_task(seed: int) -> float:
    """Run the default scenario once and return only the time it took (no tables)."""
    from scalesim.runner import run_one
    from scalesim.scenario import load_scenario

    sc = _scenario_cache.get("sc")
    if sc is None:
        sc = _scenario_cache["sc"] = load_scenario(SCENARIO)
    t0 = time.perf_counter()
    run_one(sc, seed)
    return time.perf_counter() - t0


_scenario_cache: dict[str, object] = {}


def single_process_profile(n: int) -> dict[str, float]:
    """Mean ms per run of build, loop, collect and table encoding, in this process."""
    from scalesim.model import ScalingModel
    from scalesim.runner import collect
    from scalesim.scenario import load_scenario
    from scalesim.store import parquet_bytes, run_tables

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


def bare_pool(n: int, workers: int) -> float:
    """Wall seconds for n runs through a spawn pool, nothing returned but a float."""
    from scalesim.executors import ProcessExecutor

    with ProcessExecutor(workers) as ex:
        list(ex.map_unordered(bare_task, range(min(workers, n))))  # start workers (warm-up)
        t0 = time.perf_counter()
        for _ in ex.map_unordered(bare_task, range(n)):
            pass
        return time.perf_counter() - t0


def sweep(n: int, workers: int, tables: list[str]) -> dict[str, float]:
    """Wall seconds of run_sweep for n runs (workers started before the clock starts)."""
    from scalesim.executors import ProcessExecutor
    from scalesim.experiment import experiment_from_dict
    from scalesim.sweep import run_sweep

    exp = experiment_from_dict(
        {"name": "bench", "scenario": str(SCENARIO), "replicates": {"count": n, "seed": 1},
         "outcomes": ["share_enacting", "equity_ratio", "tt_reached"],
         "store": {"tables": tables}},
        source="<bench>",
    )
    out = Path(tempfile.mkdtemp(prefix="bench-sweep-")) / "sweep"
    try:
        with ProcessExecutor(workers) as ex:
            list(ex.map_unordered(bare_task, range(workers)))  # start workers (warm-up)
            t0 = time.perf_counter()
            rep = run_sweep(exp, out, ex)
            wall = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        manifest = json.loads((out / "manifest.json").read_text())
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    assert rep.ok == n, f"{rep.error} runs failed"
    s = manifest["timing"]["sessions"][-1]
    return {"wall": wall, "model_s": s["model_seconds"], "table_s": s["table_seconds"],
            "mb": size / 1e6}


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
    print(f"single process, mean of {args.profile_runs} runs (ms/run): "
          + ", ".join(f"{k} {v:.1f}" for k, v in prof.items()) + f"; total {total:.1f}")
    bare = bare_pool(n, w)
    print(f"bare pool: {n} runs on {w} workers: {bare:.1f} s ({1000 * bare / n:.1f} ms/run)")
    full = sweep(n, w, ["timeseries", "schools", "channels", "log", "extra"])
    print(f"sweep, all tables: {full['wall']:.1f} s; overhead vs bare pool "
          f"{100 * (full['wall'] / bare - 1):+.1f}%; worker model {full['model_s']:.1f} s + "
          f"tables {full['table_s']:.1f} s; {full['mb']:.1f} MB")
    if not args.quick:
        lean = sweep(n, w, [])
        print(f"sweep, lean (runs table only): {lean['wall']:.1f} s; overhead vs bare pool "
              f"{100 * (lean['wall'] / bare - 1):+.1f}%; worker model {lean['model_s']:.1f} s "
              f"+ tables {lean['table_s']:.1f} s; {lean['mb']:.1f} MB")
    print(f"target: {n} runs ≤ {60 * n / 1000:.0f} s with 2 workers (1,000 runs ≤ 60 s)")


if __name__ == "__main__":
    main()
