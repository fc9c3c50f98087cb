"""Benchmark the shipped calibration example (issue 12): kfamily, ABC-SMC, 2 workers.

Runs ``scalesim calibrate scenarios/real/kfamily.yaml -c experiments/calibration/kfamily.yaml
--workers 2`` as a subprocess, then reads its summary: wall time, simulations used,
simulations per second, and the fit criteria of the issue (posterior-predictive RMSE of the
pooled cumulative share against a closed-form Bass fit with the ceiling free; the share of
villages whose observed final share lies in the 90% predictive band). With ``--write`` the
table goes into ``benchmarks/RESULTS.md`` between the ``bench_calibration`` markers.

Usage: ``python benchmarks/bench_calibration.py [--workers 2] [--out DIR] [--write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "RESULTS.md"
TARGET_S = 600.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=REPO / "out" / "bench-calibration")
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    cmd = [
        sys.executable,
        "-m",
        "scalesim",
        "calibrate",
        "scenarios/real/kfamily.yaml",
        "-c",
        "experiments/calibration/kfamily.yaml",
        "--workers",
        str(a.workers),
        "--out",
        str(a.out),
        "--quiet",
    ]
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=True)
    wall = time.perf_counter() - t0
    load1 = os.getloadavg()[0]
    s = json.loads((a.out / "summary.json").read_text(encoding="utf-8"))
    fit = s["fit"]
    rows = [
        (
            "wall time, whole command",
            f"{wall:.0f} s",
            f"<= {TARGET_S:.0f} s",
            "yes" if wall <= TARGET_S else "no",
        ),
        ("of which ABC-SMC (fit)", f"{s['wall_s']:.0f} s", "", ""),
        ("simulations used (fit + predictive)", f"{s['simulations']:,}", "", ""),
        ("simulations per second (fit)", f"{s['sims_per_s']:.1f}", "", ""),
        ("generations", str(s["diagnostics"]["generations"]), "", ""),
        ("pooled RMSE, predictive mean", f"{fit['rmse_pooled']:.4f}", "", ""),
        ("closed-form Bass (m free) RMSE", f"{s['bass_closed_form']['rmse_pooled']:.4f}", "", ""),
        (
            "ratio",
            f"{s['rmse_ratio_to_bass']:.2f}",
            "<= 1.25",
            "yes" if s["rmse_ratio_to_bass"] <= 1.25 else "no",
        ),
        (
            "villages in the 90% band of their final share",
            f"{100 * fit['final_band_coverage_schools']:.0f}%",
            ">= 80%",
            "yes" if fit["final_band_coverage_schools"] >= 0.8 else "no",
        ),
    ]
    text = "\n".join(
        [
            "<!-- bench_calibration:begin -->",
            "## Calibration example (issue 12): kfamily, ABC-SMC",
            "",
            f"- **date**: {dt.date.today().isoformat()}",
            f"- **machine**: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load "
            f"average (1 min) at start and end: {load0:.1f}, {load1:.1f} (a shared machine: "
            "wall time includes time the cores were busy elsewhere)",
            f"- **command**: `{' '.join(cmd[2:])}` (via `python benchmarks/bench_calibration.py`)",
            f"- **settings**: {json.dumps(s.get('params') and list(s['params']))} fitted; "
            "population, generations and distance from the calibration file",
            "",
            "| measure | result | target | met |",
            "|---|---|---|---|",
            *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
            "<!-- bench_calibration:end -->",
        ]
    )
    print(text)
    if a.write:
        old = RESULTS.read_text(encoding="utf-8")
        pat = re.compile(r"<!-- bench_calibration:begin -->.*?<!-- bench_calibration:end -->", re.S)
        new = pat.sub(text, old) if pat.search(old) else old.rstrip() + "\n\n" + text + "\n"
        RESULTS.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
