"""The play-mode page (``?play`` after the app's address): the class plays the team.

Laid out for a 1024x768 classroom projector: one column of full-width rows (no sidebar, no
draggable grid, nothing that scrolls inside a panel): the status and the headline monitors,
the plots beside the pit stop (its checklist and the class's choice), the travel log, and at
the end the comparison with the rule-based team and with no strategies. The logic is in
:mod:`scalesim.app.play`; here there is only wiring and formatting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import solara
from mesa.visualization.utils import force_update, update_counter

from scalesim.app.components import PLOTS_SIZE, UI_RULES, PlotsView
from scalesim.app.controls import select_with_rule
from scalesim.app.monitors import MONITOR_CSS, monitors_html
from scalesim.app.play import (
    ACTIONS,
    ARMS,
    HEADLINE,
    PlaySession,
    checklist_items,
    comparison_rows,
    describe_event,
    strategy_name,
)
from scalesim.app.snapshots import destination
from scalesim.common.errors import ScalesimInputError
from scalesim.metrics import METRICS
from scalesim.metrics.units import format_value

if TYPE_CHECKING:
    from scalesim.app.model import AppModel

LOG_ROWS = 14
CSS = """
.scalesim-play { font-size: 16px; max-width: 1024px; }
.scalesim-play table { border-collapse: collapse; width: 100%; }
.scalesim-play td, .scalesim-play th { border: 1px solid #ccc; padding: 2px 6px;
  text-align: left; vertical-align: top; }
.scalesim-play .bar { background: #0072B2; height: 0.7em; display: inline-block; }
.scalesim-play ul { margin: 2px 0 4px 0; padding-left: 1.2em; }
"""


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def status_text(session: PlaySession) -> str:
    """Where the run is: week, month, pit stops so far, the destination now."""
    m = session.model
    dest = destination(m)
    stops = len(m.pit_stops.rows)
    if session.finished:
        where = "Journey's end"
    elif session.at_stop:
        where = f"Pit stop {stops}: the class decides"
    else:
        where = "Ready to drive" if m.week == 0 else "Driving"
    return (
        f"{where} · week {m.week} of {m.n_weeks} (month {format_value(m.month, 'month')}) · "
        f"destination: {format_value(dest.target, 'share')} at depth by month "
        f"{format_value(dest.by_month, 'month')}, {format_value(dest.equity_target, 'share')} "
        "in high-need schools"
    )


def checklist_html(model: AppModel) -> str:
    """The latest checklist: each question, its answer, the observed evidence."""
    items = checklist_items(model)
    if not items:
        return "<p>No pit stop yet: drive on to the first one.</p>"
    out = []
    for it in items:
        ev = "".join(f"<li>{_esc(e)}</li>" for e in it.evidence)
        out.append(
            f"<p style='margin:4px 0 0 0'><b>{_esc(it.question)}</b> "
            f"<span style='color:#B3441E'>{_esc(it.answer)}</span></p><ul>{ev}</ul>"
        )
    return "".join(out)


def log_html(model: AppModel, rows: int = LOG_ROWS) -> str:
    """The latest travel-log events, newest first, in words."""
    events = model.log.events[-rows:]
    body = "".join(
        f"<tr><td>{format_value(e['month'], 'month')}</td><td>{_esc(describe_event(e))}</td></tr>"
        for e in reversed(events)
    )
    return (
        f"<p style='margin:0'>{len(model.log.events)} events; the latest {len(events)}, "
        "newest first.</p><table><tr><th>month</th><th>what happened</th></tr>"
        f"{body}</table>"
    )


def comparison_html(result: dict[str, dict[str, list[float]]], seeds: list[int]) -> str:
    """The end comparison: a table of means (ranges), with bars for the means."""
    head = "".join(f"<th>{_esc(METRICS[n].label)}</th>" for n in HEADLINE)
    rows = comparison_rows(result)
    body = ""
    for (arm, _), cells in zip(ARMS, rows, strict=True):
        tds = ""
        for n, cell in zip(HEADLINE, cells[1:], strict=True):
            mean = sum(result[arm][n]) / len(result[arm][n])
            width = max(0.0, min(mean, 1.0)) * 100
            tds += f'<td>{_esc(cell)}<br><span class="bar" style="width:{width:.0f}%"></span></td>'
        body += f"<tr><th>{_esc(cells[0])}</th>{tds}</tr>"
    return (
        f"<p style='margin:0'>At the horizon, mean (lowest–highest) over seeds "
        f"{', '.join(map(str, seeds))}: the same seeds for the three (common random "
        f"numbers).</p><table class='scalesim-compare'><tr><th></th>{head}</tr>{body}</table>"
    )


@solara.component
def Html(html: str, classes: list[str] | None = None) -> None:  # noqa: N802 (CapWords)
    """Server-built HTML (the texts are escaped when built)."""
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=classes or [])


@solara.component
def ChoicePanel(session: PlaySession, on_change: Any) -> None:  # noqa: N802 (CapWords)
    """The class's choice at a pit stop: an action, its strategy and its setting."""
    action = solara.use_reactive("retarget")
    label = solara.use_reactive("")
    rule = solara.use_reactive("highest_need")
    factor = solara.use_reactive(1.5)
    dest = destination(session.model)
    target = solara.use_reactive(float(dest.target))
    equity = solara.use_reactive(float(dest.equity_target))
    by_month = solara.use_reactive(float(dest.by_month))
    message = solara.use_reactive("")
    error = solara.use_reactive("")

    kind = action.value
    if kind == "add":
        options = session.addable()
    elif kind in ("retarget",):
        options = [s for s in session.in_set() if session.targets(s)]
    else:
        options = session.in_set()
    chosen = label.value if label.value in options else (options[0] if options else "")

    def apply() -> None:
        try:
            if kind == "recalibrate":
                act: dict[str, Any] = {
                    "recalibrate": {
                        "target": round(target.value, 2),
                        "equity_target": round(equity.value, 2),
                        "by_month": round(by_month.value, 1),
                    }
                }
            elif not chosen:
                raise ValueError("no strategy to choose for this action")
            elif kind == "add":
                spec: dict[str, Any] = {"type": chosen}
                if session.targets(chosen):
                    spec["select"] = select_with_rule(spec, rule.value)
                act = {"add": spec}
            elif kind == "drop":
                act = {"drop": chosen}
            elif kind == "retarget":
                sel = {**session.current_select(chosen), "rule": rule.value}
                sel.pop("schools", None)
                act = {"retarget": {"strategy": chosen, "select": sel}}
            else:
                act = {"rescale": {"strategy": chosen, "factor": float(factor.value)}}
            message.set("The class chose: " + session.choose(act))
            error.set("")
        except (ScalesimInputError, ValueError) as exc:
            error.set(str(exc))
            message.set("")
        on_change()

    with solara.Column(gap="4px"):
        solara.ToggleButtonsSingle(
            value=action,
            children=[
                solara.Button(text, value=a, style={"text-transform": "none"})
                for a, text in ACTIONS
            ],
            dense=True,
            style={"flex-wrap": "wrap"},
        )
        if kind != "recalibrate":
            solara.Select(
                label="Strategy",
                values=options,
                value=chosen,
                on_value=label.set,
                dense=True,
            )
        if kind in ("add", "retarget") and chosen and session.targets(chosen):
            solara.Select(label="Schools chosen by", values=UI_RULES, value=rule, dense=True)
        if kind == "rescale":
            solara.SliderFloat(
                f"Intensity factor: ×{factor.value:g}", value=factor, min=0.0, max=3.0, step=0.25
            )
        if kind == "recalibrate":
            solara.SliderFloat(
                f"Target: {format_value(target.value, 'share')}",
                value=target,
                min=0.1,
                max=1.0,
                step=0.05,
            )
            solara.SliderFloat(
                f"Equity target: {format_value(equity.value, 'share')}",
                value=equity,
                min=0.1,
                max=1.0,
                step=0.05,
            )
            solara.SliderFloat(
                f"Deadline: month {format_value(by_month.value, 'month')}",
                value=by_month,
                min=1.0,
                max=60.0,
                step=1.0,
            )
        solara.Button("Apply this choice", on_click=apply, color="primary", block=True)
        if message.value:
            solara.Success(message.value, dense=True)
        if error.value:
            solara.Error(error.value, dense=True)


@solara.component
def PlayView(session: PlaySession) -> None:  # noqa: N802 (Solara components are CapWords)
    """The play page: drive from pit stop to pit stop, choose, compare at the end."""
    update_counter.get()
    model = session.model
    result = solara.use_reactive(None)

    def drive() -> None:
        session.drive()
        force_update()

    def compare() -> None:
        result.set(session.compare())

    solara.Style(CSS + MONITOR_CSS)
    with solara.Column(classes=["scalesim-play"], gap="8px", style={"padding": "8px 12px"}):
        solara.Text(
            f"Play mode · {model.sc.name} · seed {model.seed}: your class is the improvement "
            "team. The run stops at every pit stop; read the checklist, choose, drive on.",
            style={"font-weight": "bold", "font-size": "1.05em"},
        )
        solara.Text(status_text(session), classes=["scalesim-status"])
        Html(monitors_html(model), classes=["scalesim-monitors"])
        with solara.Row(gap="12px", style={"align-items": "flex-start"}):
            with solara.Column(
                style={"flex": "0 0 55%", "min-width": "0"}, classes=["scalesim-left"]
            ):
                PlotsView(model, PLOTS_SIZE)
            with solara.Column(
                style={"flex": "1 1 0", "min-width": "0"}, classes=["scalesim-stop"]
            ):
                if not session.finished:
                    label = (
                        "Drive on to the next pit stop"
                        if model.week
                        else "Start: drive to the first pit stop"
                    )
                    solara.Button(label, on_click=drive, color="success", block=True)
                solara.Text("Pit-stop checklist", style={"font-weight": "bold"})
                Html(checklist_html(model), classes=["scalesim-checklist"])
                if session.at_stop:
                    ChoicePanel(session, force_update).key(f"choice-{model.week}")
                solara.Text(
                    "In the set: "
                    + (", ".join(strategy_name(s) for s in session.in_set()) or "none"),
                    classes=["scalesim-set"],
                )
        if session.finished:
            with solara.Column(classes=["scalesim-end"], gap="4px"):
                solara.Text(
                    "Journey's end: your class beside the rule-based team and no strategies",
                    style={"font-weight": "bold"},
                )
                if result.value is None:
                    solara.Button(
                        f"Compare over {len(session.compare_seeds())} seeds",
                        on_click=compare,
                        color="primary",
                    )
                else:
                    Html(comparison_html(result.value, session.compare_seeds()))
                solara.FileDownload(
                    session.scenario_yaml,
                    filename=f"{session.base.name}_class_journey.yaml",
                    label="Save the class's choices as a scenario file",
                )
        solara.Text("Travel log", style={"font-weight": "bold"})
        Html(log_html(model), classes=["scalesim-log"])
