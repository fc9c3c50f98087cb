"""Benchmark: how long the app takes to show a step of the default scenario.

Renders the app's real components in-process (``solara.render``, no browser): Mesa's
ModelController and every panel of the page. For each of the first ``--weeks`` weeks it
clicks Step (the model steps, the page's render pass runs: status, controls, pit stops,
travel log) and then waits until both figures (district and plots, drawn by the
background ``FigureWorker``) show the new week. That click-to-frame latency is "the app
renders a step" (issue 5: under 1 s at the default render interval, one week per frame).

    .venv/bin/python benchmarks/bench_app.py [--weeks 52] [--write] [--note TEXT]

``--write`` replaces the "App (issue 5)" section of benchmarks/RESULTS.md (read right
before writing, since other benchmarks append to the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "agg")

import ipyvuetify as v
import ipywidgets
import solara

from scalesim.app.model import AppModel
from scalesim.app.page import RENDER_INTERVAL, ExploreView
from scalesim.app.snapshots import district_data, plots_data
from scalesim.plotting.live import PlotsRenderer, district_png

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- bench_app:begin -->", "<!-- bench_app:end -->"
TARGET_S = 1.0


def _frames(rc: solara.core.RenderContext) -> dict[str, bytes]:
    out = {}
    for w in rc.find(ipywidgets.Image).widgets:
        for cls in ("scalesim-district", "scalesim-plots"):
            if cls in w._dom_classes:
                out[cls] = bytes(w.value)
    return out


def _wait_new(
    rc: solara.core.RenderContext, before: dict[str, bytes], timeout: float = 60.0
) -> None:
    deadline = time.perf_counter() + timeout
    while True:
        now = _frames(rc)
        if len(now) == 2 and all(now[k] != before.get(k) for k in now):
            return
        if time.perf_counter() > deadline:
            raise TimeoutError("figures did not update")
        time.sleep(0.02)


def measure(weeks: int) -> dict[str, object]:
    """Click Step ``weeks`` times; time the render pass and the click-to-frame latency."""
    t0 = time.perf_counter()
    m = AppModel(scenario_file=str(REPO / "scenarios" / "default.yaml"))
    build_s = time.perf_counter() - t0
    # The explore page itself (Mesa's controller and every panel, as the browser gets it).
    t0 = time.perf_counter()
    _, rc = solara.render(ExploreView(m), handle_error=False)
    _wait_new(rc, {})
    first_s = time.perf_counter() - t0
    step_btn = rc.find(v.Btn, children=["Step"]).widget
    passes, latency, cpu = [], [], []
    for _ in range(weeks):
        before = _frames(rc)
        c0, t0 = time.process_time(), time.perf_counter()
        step_btn.click()  # model.step() and the render pass, synchronously
        t1 = time.perf_counter()
        _wait_new(rc, before)
        t2 = time.perf_counter()
        passes.append(t1 - t0)
        latency.append(t2 - t0)
        cpu.append(time.process_time() - c0)
    figs = {}
    plots = PlotsRenderer()
    plots.png(plots_data(m))  # the static part is drawn once per session
    for name, frame in (
        ("district", lambda: district_png(district_data(m))),
        ("plots", lambda: plots.png(plots_data(m))),
    ):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            frame()
            times.append(time.perf_counter() - t0)
        figs[name] = statistics.median(times)
    rc.close()
    return {
        "educators": int(m.ed.n),
        "schools": int(m.schools.n),
        "weeks": weeks,
        "build_s": build_s,
        "first_s": first_s,
        "passes": passes,
        "latency": latency,
        "cpu": cpu,
        "figs": figs,
    }


def _q(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def report(r: dict[str, object], note: str) -> str:
    """The RESULTS.md section."""
    lat, passes, cpu = r["latency"], r["passes"], r["cpu"]  # type: ignore[assignment]
    med = statistics.median(lat)  # type: ignore[arg-type]
    load = os.getloadavg()
    lines = [
        BEGIN,
        "## App (issue 5)",
        "",
        f"- **date**: {dt.date.today().isoformat()} (provisional: {note or 'shared machine'})",
        f"- **machine**: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; load average at the end "
        f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}",
        f"- **command**: `.venv/bin/python benchmarks/bench_app.py --weeks {r['weeks']} --write`",
        f"- **scenario**: scenarios/default.yaml ({r['educators']:,} educators as Mesa agents, "
        f"{r['schools']} schools); render interval {RENDER_INTERVAL} (one week per frame)",
        "- **timed**: in-process `solara.render` of the page's components with Mesa's "
        "ModelController; per week, click Step → model step + render pass (synchronous) → "
        "both figures (district, plots; drawn by the background worker) show the new week",
        "",
        "| measure | median | 90th pct | max | target | met |",
        "|---|---|---|---|---|---|",
        f"| click Step → new frame of both figures (wall) | {med:.3f} s | "
        f"{_q(lat, 0.9):.3f} s | {max(lat):.3f} s | < {TARGET_S:g} s | "  # type: ignore[arg-type]
        f"{'yes' if med < TARGET_S else 'no'} |",
        f"| of which step + render pass (wall) | {statistics.median(passes):.3f} s | "
        f"{_q(passes, 0.9):.3f} s | {max(passes):.3f} s | | |",  # type: ignore[arg-type]
        f"| CPU time of the whole process per week | {statistics.median(cpu):.3f} s | "
        f"{_q(cpu, 0.9):.3f} s | {max(cpu):.3f} s | | |",  # type: ignore[arg-type]
        "",
        f"One frame alone, at week {r['weeks']}: district {r['figs']['district']:.3f} s, "  # type: ignore[index]
        f"plots {r['figs']['plots']:.3f} s (median of 5). Building the model "  # type: ignore[index]
        f"{r['build_s']:.2f} s; first page render with both figures {r['first_s']:.2f} s.",
        END,
    ]
    return "\n".join(lines)


def write(section: str) -> None:
    """Replace (or append) the App section of RESULTS.md, re-reading it just before."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally record) the result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    ap.add_argument("--note", default="", help="context for the figures (e.g. machine load)")
    args = ap.parse_args(argv)
    section = report(measure(args.weeks), args.note)
    print(section)
    if args.write:
        write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
