"""Benchmark: this tree against an earlier commit, side by side, on the same machine.

Both trees run the same two arms of ``bench_model.py`` and ``bench_strategies.py`` — the
75,000-educator district without strategies, and the full strategy set with shocks and monthly
pit stops — in fresh processes pinned to one core, alternating old/new run by run so a drift in
the machine's speed hits both. The earlier commit is checked out in a temporary git worktree
and imported through ``PYTHONPATH``; the child uses only the public API (``scalesim.run``,
``scalesim.load_scenario``), which both layouts share. The figure to quote is the median of the
paired ratios new / old.

Usage::

    .venv/bin/python benchmarks/bench_vs_commit.py --rev <commit> [--reps 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_strategies import BIG, FULL  # noqa: E402  (the same arms as bench_strategies)

ARMS = {
    "75k educators, no strategies": ("scenarios/baseline.yaml", BIG),
    "75k, full set + shocks + monthly pit stops": ("scenarios/dlplusd_full.yaml", FULL),
}
CHILD = r"""
import json, os, sys, time
os.sched_setaffinity(0, {0})
import scalesim
scalesim.run  # resolve the lazy import before the clock starts
from scalesim import load_scenario, run
path, overrides, seed = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
sc = load_scenario(path, overrides=overrides)
c, t = time.process_time(), time.perf_counter()
res = run(sc, seed=seed)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "educators": res.summary["educators"]}))
"""


def measure(src: Path, path: str, overrides: dict, seed: int) -> dict:
    """One run in a fresh interpreter importing scalesim from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "agg"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, path, json.dumps(overrides), str(seed)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run both trees on both arms, alternating, and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", required=True, help="the earlier commit to compare with")
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    rev = subprocess.run(
        ["git", "rev-parse", "--short", args.rev],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old), rev],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            rows = []
            for arm, (path, overrides) in ARMS.items():
                t_old, t_new, ratios = [], [], []
                for rep in range(args.reps):
                    a = measure(old / "src", path, overrides, seed=rep + 1)
                    b = measure(ROOT / "src", path, overrides, seed=rep + 1)
                    t_old.append(a["cpu"])
                    t_new.append(b["cpu"])
                    ratios.append(b["cpu"] / a["cpu"])
                rows.append((arm, t_old, t_new, ratios))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(old)],
                cwd=ROOT,
                check=False,
                capture_output=True,
            )
    print(
        f"old: {rev}; new: this tree; {args.reps} runs each, alternating; CPU seconds of "
        "one run (build + 156 weeks + result tables), one core\n"
    )
    print("| arm | old median s | new median s | paired ratio new/old (median, min–max) |")
    print("|---|---|---|---|")
    for arm, t_old, t_new, ratios in rows:
        print(
            f"| {arm} | {statistics.median(t_old):.3f} | {statistics.median(t_new):.3f} | "
            f"{statistics.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f}) |"
        )


if __name__ == "__main__":
    main()
