"""The answer at the top of a comparison's report, and what the pit-stop checklist judges.

Also each option's own measurement, and a checklist that judges only strategies that have had
time to work. Real runs through the real CLI (``scalesim compare`` then ``scalesim report``),
read back from the HTML and checked against the results tables.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from scalesim.common.units import month_to_week
from scalesim.scenario import scenario_from_dict
from scalesim.simulation.model import ScalingModel

REPO = Path(__file__).resolve().parents[1]
NUM = re.compile(r"<span ([^>]*)>([^<]*)</span>")


def _attrs(text: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', text))


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory, scalesim_cmd: list[str]) -> Path:
    """Baseline vs the flagship on four seeds, with its report."""
    out = tmp_path_factory.mktemp("lead") / "cmp"
    subprocess.run(
        [
            *scalesim_cmd,
            "compare",
            str(REPO / "scenarios" / "baseline.yaml"),
            str(REPO / "scenarios" / "dlplusd_full.yaml"),
            "--reps",
            "4",
            "--out",
            str(out),
            "--quiet",
        ],
        check=True,
        capture_output=True,
        env={"MPLBACKEND": "agg", "PATH": "/usr/bin:/bin"},
    )
    subprocess.run(
        [*scalesim_cmd, "report", str(out), "--out", str(out / "report.html")],
        check=True,
        capture_output=True,
        env={"MPLBACKEND": "agg", "PATH": "/usr/bin:/bin"},
    )
    return out


def _lead(html: str) -> str:
    start = html.index('<section id="lead"')
    return html[start : html.index("</section>", start)]


def test_lead_comes_first_with_a_nonzero_paired_difference(compared: Path) -> None:
    """Before any other section: the flagship's paired difference with its interval."""
    html = (compared / "report.html").read_text(encoding="utf-8")
    first_other = min(m.start() for m in re.finditer(r"<section[^>]*data-section=", html))
    assert html.index('<section id="lead"') < first_other
    lead = _lead(html)
    comp = pd.read_parquet(compared / "comparison.parquet")
    diffs = {}
    for attrs, _text in NUM.findall(lead):
        a = _attrs(attrs)
        if a.get("data-src") == "comparison":
            where = json.loads(a["data-where"].replace("&#34;", '"'))
            row = comp[(comp["option"] == where["option"]) & (comp["metric"] == where["metric"])]
            assert float(a["data-value"]) == float(row.iloc[0][a["data-col"]])
            diffs[a["data-col"]] = float(a["data-value"])
    assert diffs["diff"] != 0
    assert diffs["diff_ci_low"] <= diffs["diff"] <= diffs["diff_ci_high"]
    assert diffs["diff_ci_low"] > 0, "the flagship is clearly ahead of doing nothing"
    assert (compared / "figures" / "report-lead-progress.png").exists()


def test_progress_is_the_share_of_the_way_from_the_start(compared: Path) -> None:
    """Each progress figure is (end mean − start) / (target − start), from the tables."""
    lead = _lead((compared / "report.html").read_text(encoding="utf-8"))
    shown = [
        float(_attrs(a)["data-value"])
        for a, _ in NUM.findall(lead)
        if _attrs(a).get("data-derived") == "progress"
    ]
    comp = pd.read_parquet(compared / "comparison.parquet")
    bands = pd.read_parquet(compared / "bands.parquet")
    tt = pd.read_parquet(compared / "trip_ticket.parquet").iloc[0]
    want = []
    for option in ("baseline", "dlplusd_full"):
        for metric, target in (
            ("destination_share", tt["target"]),
            ("destination_equity_share", tt["equity_target"]),
        ):
            b = bands[(bands["option"] == option) & (bands["metric"] == metric)]
            start = float(b.sort_values("month")["mean"].iloc[0])
            r = comp[(comp["option"] == option) & (comp["metric"] == metric)].iloc[0]
            want += [(r[c] - start) / (target - start) for c in ("mean", "ci_low", "ci_high")]
    assert shown == pytest.approx(want, rel=1e-12)


def test_each_option_shows_its_own_measurement(compared: Path) -> None:
    """The flagship surveys 300 educators; the baseline observes everyone: both are said."""
    html = (compared / "report.html").read_text(encoding="utf-8")
    assert "baseline: every educator (a census)" in html
    assert "dlplusd_full: a survey sample of 300 educators" in html


def test_checklist_judges_only_strategies_active_long_enough() -> None:
    """A strategy is never flagged before it has run JUDGE_AFTER_WEEKS, nor after it ended.

    Coaching that recruits no one is never credited, so once judged it is flagged at every
    stop; the stops before that and after its end must not name it.
    """
    from scalesim.journey.pitstops import JUDGE_AFTER_WEEKS

    data = {
        "name": "checklist",
        "horizon_months": 12,
        "district": {"generated": {"n_schools": 12}},
        "trip_ticket": {
            "pit_stops": [float(m) for m in range(1, 12)],
            "destination": {"by_month": 12},
        },
        "strategies": [
            {
                "type": "coaching",
                "start_month": 2,
                "end_month": 7,
                "params": {"recruit": 0.0},
            }
        ],
    }
    m = ScalingModel(scenario_from_dict(data, "<t>"), seed=1).run()
    start, end = month_to_week(2), month_to_week(7)
    flagged_weeks = []
    for ev in m.log.of_kind("pit_stop"):
        q2 = ev["checklist"][1]
        assert "threshold" in q2 and str(JUDGE_AFTER_WEEKS) in q2["threshold"]
        if "coaching" in q2["answer"]:
            flagged_weeks.append(ev["week"])
    assert flagged_weeks, "judged once it has run long enough"
    assert all(start + JUDGE_AFTER_WEEKS <= w < end + 1 for w in flagged_weeks)
    for ev in m.log.of_kind("pit_stop"):
        assert all("threshold" in q for q in ev["checklist"])
