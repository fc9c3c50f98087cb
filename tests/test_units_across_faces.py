"""One unit convention on every face: shares as %, differences in pp, counts whole.

Every registered metric is walked through the CLI's run table, the report's numbers and the
app's pit-stop panel, on the same real run, and each shows the value exactly as
``scalesim.metrics.units.format_value`` writes it in the metric's unit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from rich.console import Console

from scalesim.app.components import pit_stop_markdown
from scalesim.cli.cmd_run import summary_table
from scalesim.metrics import METRICS
from scalesim.metrics.units import PERCENT_UNITS, format_metric, format_value
from scalesim.report import render_report
from scalesim.report.loading import load
from scalesim.simulation.model import ScalingModel
from scalesim.simulation.output import write_run
from scalesim.simulation.runner import collect

NUM = re.compile(r'<span class="num( diff)?" ([^>]*)>([^<]*)</span>')


@pytest.fixture(scope="module")
def finished(make_scenario: Callable, tmp_path_factory: pytest.TempPathFactory):
    """A small run with strategies and pit stops, its result and its results folder."""
    sc = make_scenario(
        {
            "trip_ticket.pit_stops": [3.0, 6.0, 9.0],
            "strategies": [{"type": "coaching"}, {"type": "local_champions"}],
        }
    )
    m = ScalingModel(sc, seed=4).run()
    res = collect(m)
    out = tmp_path_factory.mktemp("units") / "run"
    write_run(res, out, sc)
    return m, res, out


def test_percent_units_read_as_percent() -> None:
    """The convention itself: a share is a %, its difference pp, a count whole."""
    assert format_value(0.4321, "share of educators") == "43.2%"
    assert format_value(0.05, "share of educators", diff=True) == "+5.0 pp"
    assert format_value(-0.05, "share of students", diff=True) == "\u22125.0 pp"
    assert format_value(12.0, "schools") == "12"
    assert format_value(0.834, "ratio") == "0.83"


def test_cli_run_table_uses_each_metrics_unit(finished) -> None:
    """Each row of ``scalesim run``'s table shows its metric's value in the metric's unit."""
    _, res, _ = finished
    console = Console(record=True, width=400)
    console.print(summary_table(res.summary, "t"))
    text = console.export_text()
    shown = 0
    for name, d in METRICS.items():
        if d.kind == "info" and d.dimension != "cost":
            continue
        want = format_metric(name, res.summary["end"][name])
        row = next(line for line in text.splitlines() if f" {d.label} " in line)
        assert want in row, (name, row)
        if d.unit in PERCENT_UNITS:
            assert want.endswith("%")
        shown += 1
    assert shown >= 20


def test_report_numbers_use_their_units(finished) -> None:
    """Every number of the report is written by the one formatter in its unit.

    And each metric's end value the report shows reads as the CLI shows it.
    """
    _, res, out = finished
    page = render_report(load(out)).html
    seen = 0
    for diff, attrs, text in NUM.findall(page):
        a = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        value = a["data-value"]
        if value in ("nan", "None") or a.get("data-unit") in ("bool", None):
            continue
        try:
            float(value)
        except ValueError:  # a word (a mandate, a rule), not a number
            continue
        unit = html.unescape(a["data-unit"])
        want = format_value(float(value), unit, diff=bool(diff))
        # A gap is written as a difference with its direction in words ("62.8 pp short").
        gap = format_value(float(value), unit, diff=True).lstrip("+")
        shown = html.unescape(text)
        assert shown == want or shown.startswith(gap + " "), (a, text)
        col = a.get("data-col", "")
        if col.startswith("end.") and col[4:] in METRICS:
            assert html.unescape(text) == format_metric(col[4:], res.summary["end"][col[4:]])
            seen += 1
    assert seen >= 3


def test_app_pit_stop_panel_uses_each_metrics_unit(finished) -> None:
    """The app's checklist evidence shows metrics in their units (shares as %)."""
    m, _, _ = finished
    text = pit_stop_markdown(m)
    last = m.log.of_kind("pit_stop")[-1]
    checked = 0
    for item in last["checklist"]:
        for k, v in item["evidence"].items():
            if k in METRICS:
                assert f"{METRICS[k].label} (observed): {format_metric(k, v)}" in text
                checked += 1
    assert checked >= 4
