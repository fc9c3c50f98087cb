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
from scalesim.metrics.units import (
    PERCENT_UNITS,
    format_metric,
    format_value,
    metric_label,
    metric_unit,
)
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


# --------------------------------------------------------------------------- compare tables


@pytest.fixture(scope="module", params=["educators", "students"])
def compared(request, make_scenario: Callable, tmp_path_factory: pytest.TempPathFactory):
    """A two-option comparison whose destination counts educators, or students."""
    from scalesim.workbench.compare import Option, compare
    from scalesim.workbench.executors import SerialExecutor

    measure = request.param
    over = {"trip_ticket.destination.measure": measure, "trip_ticket.pit_stops": [6.0]}
    none = make_scenario(over)
    some = make_scenario({**over, "strategies": [{"type": "coaching"}]})
    out = tmp_path_factory.mktemp(f"cmp-{measure}") / "cmp"
    tables = compare(
        [Option("none", none), Option("coaching", some)], [3, 4, 5], SerialExecutor(), out
    )
    return measure, tables, out


def _cells(table) -> list[list[str]]:
    """A rich table's rows as plain strings, one per cell."""
    cols = [[str(c) for c in col.cells] for col in table.columns]
    return [list(r) for r in zip(*cols, strict=True)]


def test_cli_compare_tables_use_each_metrics_unit(compared) -> None:
    """``scalesim compare``'s table: mean, interval and paired difference in the row's unit."""
    from scalesim.cli.tables import comparison_tables, interval_text
    from scalesim.workbench.markdown import MAIN_METRICS

    measure, tables, _ = compared
    comp = tables["comparison"]
    [opt, tt] = comparison_tables(comp, tables["trip_ticket"])
    rows = _cells(opt)
    assert len(rows) == len(MAIN_METRICS)
    for m, (metric, base, mine, diff) in zip(MAIN_METRICS, rows, strict=True):
        b = comp[(comp["metric"] == m) & (comp["option"] == "none")].iloc[0]
        o = comp[(comp["metric"] == m) & (comp["option"] == "coaching")].iloc[0]
        unit = o["unit"]
        assert unit == metric_unit(m, measure)
        assert metric.splitlines() == [metric_label(m, measure), unit]
        assert base.splitlines() == [
            format_value(b["mean"], unit),
            interval_text(b["ci_low"], b["ci_high"], unit),
        ]
        assert mine.splitlines()[0] == format_value(o["mean"], unit)
        assert diff.splitlines()[:2] == [
            format_value(o["diff"], unit, diff=True),
            interval_text(o["diff_ci_low"], o["diff_ci_high"], unit, diff=True),
        ]
        if unit in PERCENT_UNITS:
            assert mine.splitlines()[0].endswith("%") and diff.splitlines()[0].endswith(" pp")
    assert f"of {measure} at depth" in str(tt.title)
    for option, p, *_ in _cells(tt):
        r = tables["trip_ticket"].set_index("option").loc[option]
        assert p.startswith(format_value(r["p_reached"], "probability") + " (")


@pytest.mark.parametrize("face", ["metrics", "cli run", "cli compare", "report"])
def test_trip_ticket_shares_take_the_destinations_measure(
    compared, face: str, make_scenario: Callable
) -> None:
    """destination_share reads "share of students" when the destination counts students.

    On every face: the metric's unit, the run and compare tables, and the report (the
    compared options' table and every number of the trip ticket's shares).
    """
    measure, tables, out = compared
    want = f"share of {measure}"
    other = "share of educators" if measure == "students" else "share of students"
    if face == "metrics":
        for m in ("destination_share", "destination_equity_share"):
            assert metric_unit(m, measure) == want
        assert metric_unit("share_enacting", measure) == "share of educators"
        assert metric_unit("students_reached", measure) == "share of students"
    elif face == "cli run":
        sc = make_scenario({"trip_ticket.destination.measure": measure})
        res = collect(ScalingModel(sc, seed=2).run())
        console = Console(record=True, width=400)
        console.print(summary_table(res.summary, "t", measure))
        text = console.export_text()
        assert metric_label("destination_share", measure) in text
        assert ("Students at the destination's depth" in text) == (measure == "students")
    elif face == "cli compare":
        from scalesim.cli.tables import comparison_tables

        [opt, _] = comparison_tables(tables["comparison"], tables["trip_ticket"])
        by_label = {r[0].splitlines()[0]: r[0] for r in _cells(opt)}
        for m in ("destination_share", "destination_equity_share"):
            assert by_label[metric_label(m, measure)].splitlines()[1] == want
    else:
        page = render_report(load(out)).html
        shown = html.unescape(re.sub(r"<[^>]+>", " ", page))
        label = metric_label("destination_share", measure)
        assert f"{label}  ({want})" in shown or f"{label} ({want})" in shown
        units = {
            html.unescape(dict(re.findall(r'([\w-]+)="([^"]*)"', attrs)).get("data-unit", ""))
            for _, attrs, _ in NUM.findall(page)
            if re.search(r'data-(col|metric)="[^"]*destination_(equity_)?share', attrs)
            or 'data-col="achieved_mean"' in attrs
            or 'data-col="equity_achieved_mean"' in attrs
        }
        assert want in units and other not in units, units
