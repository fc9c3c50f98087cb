"""Benchmark: the full strategy set with shocks and monthly pit stops vs no strategies (issue 3).

Both arms run on the 75,000-educator district (1,800 schools, 156 weeks) in a fresh
subprocess pinned to one core; the figure is the median wall time of a whole run (building
the district included, interpreter start excluded). The full arm is
``scenarios/dlplusd_full.yaml`` with its team capacity scaled to the larger district, pit
stops every month, and four dated shocks (superintendent with an unplanned pit stop, a
competing initiative, a pandemic, a budget cut). Target: full ≤ 1.5 × baseline.

Usage::

    .venv/bin/python benchmarks/bench_strategies.py --reps 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BIG = {"district.generated.n_schools": 1800, "district.generated.educators_per_school.mean": 41.7}
FULL = {
    **BIG,
    # The default set is sized for 120 schools; the district is 15 times larger.
    "team.capacity_per_month": 170 * 15,
    "trip_ticket.pit_stops": [float(m) for m in range(1, 36)],
    "shocks": [
        {"type": "competing_initiative", "at_month": 8},
        {"type": "superintendent_turnover", "at_month": 14, "pit_stop": True},
        {"type": "pandemic", "at_month": 20, "pit_stop": True},
        {"type": "budget_cut", "at_month": 24, "params": {"cut": 0.2}},
    ],
}

CHILD = r"""
import json, os, sys, time
os.sched_setaffinity(0, {0})
from scalesim.simulation.runner import run  # imports Mesa and the model before the clock starts
from scalesim.scenario import load_scenario
path, overrides, seed = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
t, c = time.perf_counter(), time.process_time()
sc = load_scenario(path, overrides=overrides)
res = run(sc, seed=seed)
dt, dc = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"seconds": dt, "cpu": dc, "educators": res.summary["educators"],
                  "pit_stops": len(res.extra["pit_stops"]),
                  "strategies": len(res.extra["strategies"])}))
"""


def measure(path: str, overrides: dict, seed: int) -> dict:
    """One run in a fresh interpreter pinned to core 0."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, path, json.dumps(overrides), str(seed)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run both arms alternately and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    arms = {
        "baseline (no strategies)": ("scenarios/baseline.yaml", BIG),
        "full set + shocks + monthly pit stops": ("scenarios/dlplusd_full.yaml", FULL),
    }
    times: dict[str, list[float]] = {k: [] for k in arms}
    cpu: dict[str, list[float]] = {k: [] for k in arms}
    info: dict[str, dict] = {}
    for rep in range(args.reps):
        for name, (path, ov) in arms.items():  # alternate arms so load drifts hit both
            r = measure(path, ov, seed=rep + 1)
            times[name].append(r["seconds"])
            cpu[name].append(r["cpu"])
            info[name] = r
    base = statistics.median(times["baseline (no strategies)"])
    base_cpu = statistics.median(cpu["baseline (no strategies)"])
    print(f"machine: {os.cpu_count()} cores; one core per run; {args.reps} runs per arm")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    # CPU time beside wall time: on a shared machine the wall time of a run pinned to one
    # core includes the time other work held that core; the CPU ratio is what the code costs.
    print(
        "| arm | educators | strategies | pit stops | median s | min s | max s | ratio "
        "| median CPU s | CPU ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, ts in times.items():
        med, med_cpu = statistics.median(ts), statistics.median(cpu[name])
        i = info[name]
        print(
            f"| {name} | {i['educators']:,} | {i['strategies']} | {i['pit_stops']} | "
            f"{med:.2f} | {min(ts):.2f} | {max(ts):.2f} | {med / base:.2f} "
            f"| {med_cpu:.2f} | {med_cpu / base_cpu:.2f} |"
        )


if __name__ == "__main__":
    main()
