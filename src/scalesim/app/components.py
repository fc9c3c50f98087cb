"""Solara components of the app: the district, the plots, the controls and the logs.

Every component takes the model SolaraViz holds and subscribes to Mesa's
``update_counter``, so it re-renders after each step. Controls change the model only
through its public API, under the model's lock (the Play loop steps in another thread):
``StrategySet.add``/``drop`` for strategy toggles and ``ScalingModel.fire_shock`` for shock
buttons. The logic lives in the model; here there is only wiring and formatting.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import solara
from markdown_it import MarkdownIt
from mesa.visualization.utils import force_update, update_counter

from scalesim.app.controls import (
    StrategyRow,
    factors_line,
    retarget_strategy,
    split_answer,
    status_line,
    strategy_rows,
    switch_strategy,
)
from scalesim.app.play import checklist_items, describe_event
from scalesim.app.snapshots import district_data, plots_data
from scalesim.common.errors import ScalesimInputError
from scalesim.common.sources import cite_titles
from scalesim.journey.selection import RULES
from scalesim.journey.shocks import SHOCKS
from scalesim.plotting.live import DPI, PlotsRenderer, district_png, draw_district
from scalesim.plotting.style import png_bytes
from scalesim.scenario.names import plain_label

if TYPE_CHECKING:
    from scalesim.app.model import AppModel

# "explicit" needs school names, which a selector cannot offer.
UI_RULES = [r for r in RULES if r not in ("explicit", "pilot_members")]
# The three shocks with their own button: (type, params, button label).
SHOCK_BUTTONS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("superintendent_turnover", {}, "Superintendent leaves"),
    ("budget_cut", {"cut": 0.3}, "Budget cut (−30%)"),
    ("pandemic", {}, "Pandemic (5 months)"),
)
OTHER_SHOCKS = sorted(set(SHOCKS) - {s for s, _, _ in SHOCK_BUTTONS})
# Panels grow with their content (the page scrolls, never a panel: a projector shows no
# inner scroll bars).
PANEL_STYLE = {"padding": "4px 10px"}
LOG_ROWS = 40
# solara.Markdown loads KaTeX and Mermaid from a CDN, so the page would not be offline:
# Markdown is rendered here (raw HTML in the text is escaped) and shown as plain HTML.
_MD = MarkdownIt("commonmark", {"html": False}).enable("table")
CSS = """
.scalesim-md table { border-collapse: collapse; font-size: 0.85em; margin: 4px 0; }
.scalesim-md th, .scalesim-md td { border: 1px solid #ccc; padding: 1px 6px;
  vertical-align: top; }
.scalesim-md h1, .scalesim-md h2 { font-size: 1.15em; margin: 8px 0 4px 0; }
.scalesim-md h3, .scalesim-md h4 { font-size: 1.05em; margin: 6px 0 2px 0; }
.scalesim-md p, .scalesim-md ul { margin: 2px 0 6px 0; }
.scalesim-md code { font-size: 0.9em; }
"""


def markdown_html(text: str) -> str:
    """Markdown to HTML, offline, with raw HTML escaped; documents cited by title."""
    return _MD.render(cite_titles(text, fmt="markdown"))


@solara.component
def Md(text: str) -> None:  # noqa: N802 (Solara components are CapWords)
    """Markdown shown as server-rendered HTML (no CDN)."""
    html = solara.use_memo(lambda: markdown_html(text), [text])
    solara.Style(CSS)
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["scalesim-md"])


def _locked[T](model: AppModel, read: Callable[[AppModel], T]) -> T:
    """Read the model between weeks: Mesa's Play loop steps it in another thread."""
    with model.lock:
        return read(model)


@contextmanager
def _panel(title: str) -> Iterator[None]:
    """A panel with a title."""
    with solara.Column(style=PANEL_STYLE, gap="4px"):
        solara.Text(title, style={"font-weight": "bold", "font-size": "1.1em"})
        yield


def _use_messages(model: AppModel) -> tuple[solara.Reactive[str], solara.Reactive[str]]:
    """A message and an error of this panel, cleared when the model is rebuilt (Reset)."""
    message = solara.use_reactive("")
    error = solara.use_reactive("")

    def clear() -> None:
        message.set("")
        error.set("")

    solara.use_effect(clear, [model])
    return message, error


# --------------------------------------------------------------------------- status


@solara.component
def StatusBar(model: AppModel) -> None:  # noqa: N802 (Solara components are CapWords)
    """The status line, and any parameter values that were not applied."""
    update_counter.get()

    def stop_when_gone() -> Any:
        # Mesa's Play loop runs in a thread until the model stops running; when the page
        # closes (or Reset replaces this model) stop it, so closed sessions do not keep
        # stepping and rendering on the server.
        return lambda: setattr(model, "running", False)

    solara.use_effect(stop_when_gone, [model])
    with solara.Column(style={"padding": "0 10px"}, gap="2px"):
        Md(_locked(model, status_line))
        solara.Text("Factors in this run: " + factors_line(model), style={"font-size": "0.85em"})
        solara.Text(
            "Model parameters apply when you press Reset; strategy toggles and "
            "shock buttons act on the running model now.",
            style={"font-size": "0.85em", "color": "#555"},
        )
        for problem in model.input_problems:
            solara.Error(f"Not applied: {problem}", dense=True)


# --------------------------------------------------------------------------- figures


class FigureWorker:
    """Draws the latest requested frame of a figure in a background thread.

    A frame takes a tenth of a second or more. Drawing it inside the render pass would hold
    the render lock that long; while Play keeps stepping, the thread that handled the Play
    click would then keep rendering new frames and the browser would stop receiving
    updates (observed with Mesa 3.5.1 and Solara 1.64.1). So the render pass only asks for
    a frame and shows the last finished one; this worker draws frames one at a time, always
    of the model as it is when the frame starts (frames asked for meanwhile are skipped,
    never half-drawn). The data are copied under the model's lock; drawing needs no lock.

    Args:
        extract: Copies what the figure shows out of the model (called under its lock).
        render: Turns that copy into PNG bytes.
        publish: Receives each finished PNG (or an error message as ``str``).
    """

    def __init__(
        self,
        extract: Callable[[AppModel], Any],
        render: Callable[[Any], bytes],
        publish: Callable[[bytes | str], None],
    ) -> None:
        self.extract = extract
        self.render = render
        self.publish = publish
        self._lock = threading.Lock()
        self._wanted: AppModel | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    def request(self, model: AppModel) -> None:
        """Ask for a frame of ``model`` as it is now (drawn when the worker is free)."""
        with self._lock:
            if self._stopped:
                return
            self._wanted = model
            if self._thread is None:
                self._start()

    def _start(self) -> None:
        """Start the drawing thread (caller holds the lock).

        Every drawing thread is named ``scalesim-figure-…``, so whoever needs every frame
        drawn (a test, a benchmark) can join them by name.
        """
        self._thread = threading.Thread(
            target=self._run,
            daemon=True,
            name=f"scalesim-figure-{getattr(self.extract, '__name__', 'figure')}",
        )
        self._thread.start()

    def stop(self) -> None:
        """Draw no more frames (the component was unmounted)."""
        with self._lock:
            self._stopped = True
            self._wanted = None

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    model, self._wanted = self._wanted, None
                    if model is None:
                        return
                try:
                    out: bytes | str = self.render(_locked(model, self.extract))
                except Exception as exc:  # shown in the page, not a traceback
                    logging.getLogger(__name__).exception("figure failed")
                    out = f"Could not draw the figure: {exc}"
                if not self._stopped:
                    self.publish(out)
        finally:
            with self._lock:
                self._thread = None
                if self._wanted is not None and not self._stopped:  # asked for while exiting
                    self._start()


@solara.component
def FigureView(  # noqa: N802 (Solara components are CapWords)
    model: AppModel,
    extract: Callable[[AppModel], Any],
    make_render: Callable[[], Callable[[Any], bytes]],
    css_class: str,
) -> None:
    """A figure of the model, redrawn in the background after every step."""
    version = update_counter.get()
    frame = solara.use_reactive(cast(bytes | str, b""))
    worker = solara.use_memo(lambda: FigureWorker(extract, make_render(), frame.set), [])
    solara.use_effect(lambda: worker.stop, [])
    solara.use_effect(lambda: worker.request(model), [model, version])
    if isinstance(frame.value, str):
        solara.Error(frame.value)
    elif frame.value:
        solara.Image(frame.value, width="100%", classes=[css_class])
    else:
        solara.Text("Drawing…")


# Figure sizes (inches at plotting.live.DPI) for a 1024-px page: drawn small so that, shown
# at their column's width, their smallest text (8-10 pt) is 11 px or more (read from the back
# of a classroom; tests/test_app_play_browser.py measures it in Chromium).
DISTRICT_SIZE = (4.8, 4.4)
PLOTS_SIZE = (5.0, 5.8)


@solara.component
def DistrictView(  # noqa: N802 (Solara components are CapWords)
    model: AppModel, size: tuple[float, float] | None = None
) -> None:
    """Schools as tiles (high-need first, outlined), educators coloured by state."""

    def make() -> Callable[[Any], bytes]:
        if size is None:
            return district_png
        return lambda d: png_bytes(draw_district(d, *size), dpi=DPI)

    FigureView(model, district_data, make, "scalesim-district")


@solara.component
def PlotsView(  # noqa: N802 (Solara components are CapWords)
    model: AppModel, size: tuple[float, float] | None = None
) -> None:
    """Spread, depth, ownership, sustainability and equity over time, with targets."""
    FigureView(model, plots_data, lambda: PlotsRenderer(*(size or ())).png, "scalesim-plots")


# --------------------------------------------------------------------------- strategies
# (what the controls do lives in app.controls)


@solara.component
def StrategyPanel(model: AppModel) -> None:  # noqa: N802 (Solara components are CapWords)
    """Toggle each strategy and choose the selection rule of those that pick targets."""
    update_counter.get()
    chosen = solara.use_memo(dict, [model])  # rules picked for strategies that are off
    message, error = _use_messages(model)
    # Bumped when an action fails: the rows are rebuilt, so no switch or selector keeps a
    # value the front end set but the model refused.
    nonce = solara.use_reactive(0)

    def act(fn: Any, *args: Any) -> None:
        try:
            message.set(fn(*args))
            error.set("")
        except (ScalesimInputError, ValueError) as exc:
            error.set(str(exc))
            nonce.set(nonce.value + 1)
        force_update()

    with _panel("Strategy set"):
        solara.Text(
            "On = in the set from now on; a new selection rule restarts it.",
            style={"font-size": "0.85em", "color": "#555"},
        )
        for row in _locked(model, strategy_rows):
            rule = row.rule if row.on else chosen.get(row.label, row.rule)
            row_key = f"{row.label}-{row.on}-{rule}-{nonce.value}"
            with solara.Row(style={"align-items": "center"}, gap="8px").key(row_key):
                solara.Switch(
                    label=plain_label(row.label),
                    value=row.on,
                    on_value=lambda on, row=row, rule=rule: act(
                        switch_strategy, model, row, on, rule
                    ),
                    style={"min-width": "210px"},
                )
                if row.rule is not None:

                    def on_rule(new: str, row: StrategyRow = row) -> None:
                        if row.on:
                            act(retarget_strategy, model, row, new)
                        else:
                            chosen[row.label] = new
                            force_update()

                    solara.Select(
                        label=f"{plain_label(row.label)}: chosen by",
                        values=UI_RULES,
                        value=rule,
                        on_value=on_rule,
                        dense=True,
                        style={"max-width": "170px"},
                    )
                solara.Text(row.status, style={"font-size": "0.85em", "color": "#555"})
        if message.value:
            solara.Success(message.value, dense=True)
        if error.value:
            solara.Error(error.value, dense=True)


# --------------------------------------------------------------------------- shocks


def describe_shock(ev: dict[str, Any]) -> str:
    """A sentence about a shock event of the travel log."""
    details = ", ".join(
        f"{k.replace('_', ' ')} {_fmt(v)}"
        for k, v in ev.items()
        if k not in ("week", "month", "kind", "shock", "type", "source", "pit_stop")
    )
    return f"{ev['type'].replace('_', ' ')} fired at month {ev['month']:.1f}" + (
        f": {details}" if details else ""
    )


@solara.component
def ShockPanel(model: AppModel) -> None:  # noqa: N802 (Solara components are CapWords)
    """Buttons that fire a shock now, logged in the travel log."""
    update_counter.get()
    pit_stop = solara.use_reactive(False)
    other = solara.use_reactive(OTHER_SHOCKS[0])
    message, error = _use_messages(model)

    def fire(kind: str, params: dict[str, Any] | None = None) -> None:
        try:
            with model.lock:
                ev = model.fire_shock(kind, params, pit_stop=pit_stop.value)
            message.set(describe_shock(ev))
            error.set("")
        except ScalesimInputError as exc:
            error.set(str(exc))
        force_update()

    with _panel("Fire a shock now"):
        for kind, params, label in SHOCK_BUTTONS:
            solara.Button(
                label,
                on_click=lambda k=kind, p=params: fire(k, p),
                color="error",
                outlined=True,
                block=True,
            )
        with solara.Row(style={"align-items": "center"}):
            solara.Select(label="other shock", values=OTHER_SHOCKS, value=other, dense=True)
            solara.Button("Fire", on_click=lambda: fire(other.value), color="error", outlined=True)
        solara.Checkbox(label="call an unplanned pit stop next week", value=pit_stop)
        if message.value:
            solara.Warning(message.value, dense=True)
        if error.value:
            solara.Error(error.value, dense=True)


# --------------------------------------------------------------------------- pit stops, log


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, (dict, list)):
        text = json.dumps(v, default=str)
        return text if len(text) <= 60 else text[:57] + "..."
    return str(v)


def pit_stop_markdown(model: AppModel) -> str:
    """The latest checklist with its evidence, and a table of every stop so far."""
    upcoming = [m for m in model.sc.trip_ticket.pit_stops if m > model.month]
    lines = [f"Next planned stop: month {upcoming[0]:g}" if upcoming else "No planned stop ahead."]
    stops = model.log.of_kind("pit_stop")
    if not stops:
        lines.append("\nNo pit stop yet.")
        return "\n".join(lines)
    last = stops[-1]
    kind = "planned" if last["planned"] else f"unplanned ({last['reason']})"
    lines.append(f"\n**Latest: month {last['month']:.1f}, {kind}**\n")
    for item in checklist_items(model):
        ev = "; ".join(item.evidence)
        lines.append(f"- *{item.question}* **{item.answer}** ({ev})")
    lines.append("\n| month | stop | on track | broken | fuel low | left behind | decisions |")
    lines.append("|---:|---|---|---|---|---|---|")
    for r in reversed(model.pit_stops.rows):
        stop = "planned" if r["planned"] else "unplanned"
        lines.append(
            f"| {r['month']:.1f} | {stop} | {r['q1']} | {r['q2']} | {r['q3']} | "
            f"{r['q4']} | {r['decisions'] or '–'} |"
        )
    return "\n".join(lines)


@solara.component
def PitStopPanel(model: AppModel) -> None:  # noqa: N802 (Solara components are CapWords)
    """The pit-stop checklist as the run goes."""
    update_counter.get()
    with _panel("Pit stops"):
        Md(_locked(model, pit_stop_markdown))


def travel_log_markdown(model: AppModel, rows: int = LOG_ROWS) -> str:
    """The latest travel-log events, newest first, as a Markdown table."""
    events = model.log.events
    lines = [
        f"{len(events)} events; newest first.\n",
        "| week | month | what happened |",
        "|---:|---:|---|",
    ]
    for e in reversed(events[-rows:]):
        text = describe_event(e).replace("|", "/")
        lines.append(f"| {e['week']} | {e['month']:.1f} | {text} |")
    return "\n".join(lines)


@solara.component
def TravelLogPanel(model: AppModel) -> None:  # noqa: N802 (Solara components are CapWords)
    """The travel log as the run goes."""
    update_counter.get()
    with _panel("Travel log"):
        Md(_locked(model, travel_log_markdown))


@solara.component
def LessonPanel(model: AppModel) -> None:  # noqa: N802 (Solara components are CapWords)
    """The lesson page (when the app was opened on a lesson)."""
    from scalesim.scenario.lessons import get_lesson

    lesson = solara.use_memo(
        lambda: get_lesson(model.lesson_name) if model.lesson_name else None,
        [model.lesson_name],
    )
    if lesson is None:
        return
    arm = model.arm
    shown = solara.use_reactive(False)
    question, answer = split_answer(lesson.page)
    with _panel(f"Lesson: {lesson.title}"):
        solara.Info(
            f"Arm '{arm}': {lesson.arm_label(arm)}. Other arms: "
            + ", ".join(f"'{a}'" for a in lesson.arm_names if a != arm)
            + " (choose under Model parameters, then Reset).",
            dense=True,
        )
        Md(question)
        if answer:
            if shown.value:
                Md(answer)
                solara.Button("Hide the answer", on_click=lambda: shown.set(False), text=True)
            else:
                solara.Button("Show the answer", on_click=lambda: shown.set(True), color="primary")
