"""Benchmark: scalesim side by side with the peer implementations in ``../shared/bench/``.

Issue 15's target: scalesim's full default model at 10,000 educators and 108 weeks within
4x of the bare numpy kernel (``vectorized.py``) and at least 50x faster than idiomatic Mesa
(``mesa_idiomatic.py --graph numpy``). Every measurement is a fresh process; the three
implementations are interleaved (one of each per round) so a change of machine load hits
them alike; figures are medians of ``total_s`` (build + run + collect, in process; imports
and interpreter start excluded), as the peers report it.

scalesim's arm is ``scenarios/default.yaml`` with ``district.generated.n_schools: 240``
(about 10,000 educators), built with ``ScalingModel``, run for 108 weeks with
``run_for(108)``, then ``collect()``.

Usage::

    .venv/bin/python benchmarks/bench_peers.py --rounds 5          # writes RESULTS.md
    .venv/bin/python benchmarks/bench_peers.py --rounds 1 --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT.parent / "shared" / "bench"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SCENARIO = ROOT / "scenarios" / "default.yaml"
N_SCHOOLS, WEEKS, N_EDUCATORS = 240, 108, 10_000
TARGET_VS_NUMPY, TARGET_VS_MESA = 4.0, 50.0
BEGIN, END = "<!-- bench_peers:begin -->", "<!-- bench_peers:end -->"


def child(seed: int) -> dict[str, float]:
    """One scalesim measurement in this (fresh) process."""
    from scalesim.scenario import apply_overrides, load_scenario, scenario_from_dict
    from scalesim.simulation.model import ScalingModel
    from scalesim.simulation.runner import collect

    base = load_scenario(SCENARIO).to_dict()
    sc = scenario_from_dict(
        apply_overrides(base, {"district.generated.n_schools": N_SCHOOLS}), source="bench"
    )
    t0 = time.perf_counter()
    model = ScalingModel(sc, seed=seed)
    build = time.perf_counter() - t0
    model.run_for(WEEKS)
    collect(model)
    total = time.perf_counter() - t0
    return {"impl": "scalesim", "n": int(model.ed.n), "build_s": build, "total_s": total}


def measure(impl: str, seed: int, python: str) -> dict[str, float]:
    """One measurement of ``impl`` in a fresh process."""
    if impl == "scalesim":
        cmd = [python, str(Path(__file__).resolve()), "--child", str(seed)]
        cwd = ROOT
    else:
        script = {"numpy": "vectorized.py", "mesa": "mesa_idiomatic.py"}[impl]
        cmd = [python, script, "--n", str(N_EDUCATORS), "--steps", str(WEEKS), "--seed", str(seed)]
        cmd += ["--graph", "numpy"] if impl == "mesa" else []
        cwd = PEERS
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the rounds (or, with --child, one scalesim measurement)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the three implementations")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    ap.add_argument("--note", default="", help="a remark written next to the figures")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return 0
    if not (PEERS / "vectorized.py").exists():
        print(f"no peer implementations in {PEERS}", file=sys.stderr)
        return 2
    times: dict[str, list[float]] = {"numpy": [], "scalesim": [], "mesa": []}
    load0 = os.getloadavg()[0]
    for r in range(args.rounds):
        for impl in times:
            rec = measure(impl, seed=r, python=sys.executable)
            times[impl].append(float(rec["total_s"]))
            print(f"round {r + 1}: {impl} {rec['total_s']:.3f} s", file=sys.stderr)
    load1 = os.getloadavg()[0]
    med = {k: statistics.median(v) for k, v in times.items()}
    vs_numpy = med["scalesim"] / med["numpy"]
    vs_mesa = med["mesa"] / med["scalesim"]
    given = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--no-write"]
    if "--note" in given:  # the note is shown on its own line
        i = given.index("--note")
        del given[i : i + 2]
    lines = [
        BEGIN,
        "## Side by side with the peer implementations (issue 15)",
        "",
        f"- **date**: {dt.datetime.now(dt.UTC):%Y-%m-%d, %H:%M} UTC, load average "
        f"{load0:.1f} → {load1:.1f} (2 CPUs shared), Python {platform.python_version()}",
        f"- **command**: `.venv/bin/python benchmarks/bench_peers.py {shlex.join(given)}`",
        f"- **workload**: {N_EDUCATORS:,} educators, {WEEKS} weeks; scalesim = the full default "
        f"model (`default.yaml`, `n_schools: {N_SCHOOLS}`); peers from `../shared/bench/` "
        "(`vectorized.py`, `mesa_idiomatic.py --graph numpy`); fresh processes, interleaved, "
        f"{args.rounds} rounds; `total_s` = build + run + collect",
    ]
    if args.note:
        lines.append(f"- **note**: {args.note}")
    lines += [
        "",
        "| implementation | median s | min s | max s |",
        "|---|---|---|---|",
    ]
    for k, label in (
        ("numpy", "bare numpy kernel"),
        ("scalesim", "scalesim"),
        ("mesa", "idiomatic Mesa"),
    ):
        v = times[k]
        lines.append(f"| {label} | {med[k]:.3f} | {min(v):.3f} | {max(v):.3f} |")
    ok1 = "met" if vs_numpy <= TARGET_VS_NUMPY else "**not met**"
    ok2 = "met" if vs_mesa >= TARGET_VS_MESA else "**not met**"
    lines += [
        "",
        f"scalesim / numpy = {vs_numpy:.2f}x (target ≤ {TARGET_VS_NUMPY:g}x: {ok1}); "
        f"Mesa / scalesim = {vs_mesa:.1f}x (target ≥ {TARGET_VS_MESA:g}x: {ok2}).",
        END,
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    if not args.no_write:
        text = RESULTS.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + section.rstrip("\n") + rest.split(END, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n" + section
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
