"""Benchmark: one run of a large district, its memory, and how run time scales with size.

Issue 2's targets, "on one core of these 2-core machines":

- a district of 75,000 educators in 1,800 schools over 156 weeks, default mechanisms on,
  runs in at most 2 s median wall time (building the district included, interpreter start
  excluded);
- peak memory at most 400 MiB;
- time per run grows no faster than about linearly from 5,000 to 300,000 educators (the
  exponent *b* of a least-squares fit log t = a + b log n is at most about 1.1).

Every measurement runs in a fresh child process pinned to one core
(``os.sched_setaffinity``). The child imports scalesim first (not timed), then times
``ScalingModel(scenario, seed)`` + ``.run()`` (build and weekly loop, the target) and
``collect()`` (the result tables), and reports ``ru_maxrss``, the peak resident memory of the
whole process (interpreter and libraries included), before and after the run. The scenario is
``scenarios/default.yaml`` with ``district.generated.n_schools`` and
``educators_per_school.mean`` set so that a school has about 41.7 educators (75,000 / 1,800).

Usage::

    .venv/bin/python benchmarks/bench_model.py                 # full: writes RESULTS.md
    .venv/bin/python benchmarks/bench_model.py --quick --no-write   # smoke test
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "default.yaml"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PER_SCHOOL = 75_000 / 1_800
SIZES = (5_000, 10_000, 20_000, 40_000, 75_000, 150_000, 300_000)
TARGET_S, TARGET_MIB, TARGET_B = 2.0, 400.0, 1.1
BEGIN, END = "<!-- bench_model:begin -->", "<!-- bench_model:end -->"


def child(educators: int, seed: int, core: int, weeks: int | None) -> dict[str, float]:
    """One measurement, in this (fresh) process: returns timings and memory."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    from scalesim.scenario import load_scenario
    from scalesim.simulation.model import ScalingModel
    from scalesim.simulation.runner import collect

    n_schools = max(round(educators / PER_SCHOOL), 1)
    overrides: dict[str, object] = {
        "district.generated.n_schools": n_schools,
        "district.generated.educators_per_school.mean": educators / n_schools,
    }
    if weeks is not None:
        overrides["horizon_months"] = weeks * 12 / 52
        overrides["trip_ticket.pit_stops"] = []
    sc = load_scenario(SCENARIO, overrides=overrides)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    c0, t0 = time.process_time(), time.perf_counter()
    model = ScalingModel(sc, seed=seed)
    t1 = time.perf_counter()
    model.run()
    c2, t2 = time.process_time(), time.perf_counter()
    collect(model)
    t3 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "educators": int(model.ed.n),
        "schools": int(model.schools.n),
        "weeks": int(model.week),
        "build_s": t1 - t0,
        "loop_s": t2 - t1,
        "run_s": t2 - t0,
        "run_cpu_s": c2 - c0,
        "collect_s": t3 - t2,
        "peak_mib": rss,
        "peak_mib_before_run": rss_before,
    }


def measure(educators: int, seed: int, core: int, weeks: int | None) -> dict[str, float]:
    """Run :func:`child` in a fresh interpreter and return its report."""
    cmd = [
        sys.executable,
        __file__,
        "--child",
        str(educators),
        "--seed",
        str(seed),
        "--core",
        str(core),
    ]
    if weeks is not None:
        cmd += ["--weeks", str(weeks)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"measurement failed ({shlex.join(cmd)}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    """The machine: number of CPUs and the CPU model (from /proc/cpuinfo)."""
    model = "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        found = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.M)
        model = found.group(1).strip() if found else model
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}"


def fit_exponent(sizes: list[int], times: list[float]) -> float:
    """Slope b of log t = a + b log n (least squares)."""
    b, _a = np.polyfit(np.log(sizes), np.log(times), 1)
    return float(b)


def report(
    big: list[dict[str, float]],
    scaling: dict[int, list[dict[str, float]]],
    command: str,
    load: tuple[float, float],
    note: str = "",
) -> str:
    """The Markdown section for RESULTS.md."""
    sizes = [statistics.median(r["educators"] for r in rows) for rows in scaling.values()]
    exponent = fit_exponent(
        sizes, [statistics.median(r["run_s"] for r in rows) for rows in scaling.values()]
    )
    exponent_cpu = fit_exponent(
        sizes, [statistics.median(r["run_cpu_s"] for r in rows) for rows in scaling.values()]
    )
    lo, hi = min(scaling), max(scaling)
    # Small districts are dominated by fixed per-week costs, which flatten the overall fit;
    # the fit over the upper sizes shows how the per-educator work grows.
    upper = [n for n in scaling if n >= 40_000]
    exponent_upper = (
        fit_exponent(
            [statistics.median(r["educators"] for r in scaling[n]) for n in upper],
            [statistics.median(r["run_cpu_s"] for r in scaling[n]) for n in upper],
        )
        if len(upper) >= 2
        else float("nan")
    )
    med = statistics.median
    run_med = med(r["run_s"] for r in big)
    peak = max(r["peak_mib"] for r in big)
    weeks = big[0]["weeks"]
    lines = [
        BEGIN,
        f"## Model run (issue 2): 75,000 educators, 1,800 schools, {weeks} weeks",
        "",
        f"- **date**: {dt.date.today().isoformat()}",
        f"- **machine**: {machine()}; each measurement in a fresh process pinned to one core",
        f"- **load average** (1 min) at start and end: {load[0]:.1f}, {load[1]:.1f}"
        + (f"; {note}" if note else ""),
        f"- **command**: `{command}`",
        "- **timed**: `ScalingModel(scenario, seed)` + `.run()` (district, network and state "
        f"built, {weeks} weekly steps, every metric recorded each week); `collect()` (result "
        "tables) is shown apart; interpreter start and imports are excluded. CPU time "
        "(`time.process_time`) is shown next to wall time: on a machine shared with other "
        "work, wall time exceeds CPU time by the time the core was busy elsewhere",
        "- **memory**: `ru_maxrss` of the child process (peak resident set of the whole "
        "process, interpreter and libraries included)",
        "",
        "| measure | result | target | met |",
        "|---|---|---|---|",
        f"| median wall time, build + {weeks} weeks ({len(big)} runs) | {run_med:.2f} s "
        f"(min {min(r['run_s'] for r in big):.2f}, max {max(r['run_s'] for r in big):.2f}) "
        f"| ≤ {TARGET_S:g} s | {'yes' if run_med <= TARGET_S else 'no'} |",
        f"| median CPU time, same runs | {med(r['run_cpu_s'] for r in big):.2f} s | | |",
        f"| of which building the district (wall) | {med(r['build_s'] for r in big):.2f} s | | |",
        f"| `collect()` (result tables, not in the target) | "
        f"{med(r['collect_s'] for r in big):.2f} s | | |",
        f"| peak memory (ru_maxrss) | {peak:.0f} MiB (after imports, before the run: "
        f"{max(r['peak_mib_before_run'] for r in big):.0f} MiB) | ≤ {TARGET_MIB:g} MiB "
        f"| {'yes' if peak <= TARGET_MIB else 'no'} |",
        f"| scaling exponent b, {lo:,}–{hi:,} educators (fit on median wall times) "
        f"| {exponent:.2f} (on CPU times: {exponent_cpu:.2f}; CPU times from 40,000 up: "
        f"{exponent_upper:.2f}) | ≲ {TARGET_B:g} "
        f"| {'yes' if exponent <= TARGET_B else 'no'} |",
        "",
        "Time per run by district size (median over runs, build + weekly loop):",
        "",
        "| educators | schools | runs | median wall s | median CPU s | wall s per 1,000 "
        "educators | peak MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for _n, rows in sorted(scaling.items()):
        t = med(r["run_s"] for r in rows)
        e = rows[0]["educators"]
        c = med(r["run_cpu_s"] for r in rows)
        lines.append(
            f"| {e:,} | {rows[0]['schools']:,} | {len(rows)} | {t:.3f} | {c:.3f} "
            f"| {1000 * t / e:.4f} | {max(r['peak_mib'] for r in rows):.0f} |"
        )
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_results(section: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md (other sections are left alone)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --child, one measurement)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="runs of the 75k district")
    ap.add_argument("--scaling-runs", type=int, default=3, help="runs per size for the fit")
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--core", type=int, default=0, help="CPU core to pin children to")
    ap.add_argument("--weeks", type=int, default=None, help="fewer weeks (smoke tests)")
    ap.add_argument(
        "--quick", action="store_true", help="smoke test: 2 runs, sizes 5k-20k, 13 weeks"
    )
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    ap.add_argument("--note", default="", help="a remark written next to the figures")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child is not None:
        print(json.dumps(child(args.child, args.seed, args.core, args.weeks)))
        return 0
    if args.quick:
        args.runs, args.scaling_runs, args.sizes, args.weeks = 2, 1, [5_000, 10_000, 20_000], 13

    # The command as typed, minus --note (shown on its own line).
    given = list(argv if argv is not None else sys.argv[1:])
    if "--note" in given:
        i = given.index("--note")
        del given[i : i + 2]
    given = [a for a in given if not a.startswith("--note=")]
    command = ".venv/bin/python benchmarks/bench_model.py " + shlex.join(given)
    load_start = os.getloadavg()[0]
    big = []
    for seed in range(args.runs):
        big.append(measure(75_000, seed, args.core, args.weeks))
        print(
            f"75k run {seed + 1}/{args.runs}: {big[-1]['run_s']:.2f} s, "
            f"{big[-1]['peak_mib']:.0f} MiB",
            file=sys.stderr,
        )
    scaling: dict[int, list[dict[str, float]]] = {}
    for n in args.sizes:
        scaling[n] = [measure(n, seed, args.core, args.weeks) for seed in range(args.scaling_runs)]
        print(
            f"{n:,} educators: {statistics.median(r['run_s'] for r in scaling[n]):.3f} s",
            file=sys.stderr,
        )
    load = (load_start, os.getloadavg()[0])
    section = report(big, scaling, command.strip(), load, args.note)
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
