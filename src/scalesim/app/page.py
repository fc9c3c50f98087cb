"""The app's page: `scalesim app` serves :data:`Page` with ``solara run``.

What to open is an :class:`AppConfig` (a scenario file, or a lesson, and a seed) that
``scalesim app`` hands to :func:`configure` before it starts the Solara server in the same
process; the server imports this module by name and so finds it. Each browser session gets
its own model, built from the configuration when the session starts.

Layout: the explore page is Mesa's SolaraViz arrangement (the controls, the parameters and
the time at the top) with the model's own panels in one column of full-width rows. It
uses Mesa's ``ModelController`` (Step, Play, Reset) and ``ShowSteps`` but not ``SolaraViz``
itself: SolaraViz puts components in a draggable grid of fixed-height cells (text spilled
over the figures, panels scrolled inside), always shows a "Page 0" tab and a "Use Threads"
switch, and shows slider values only while dragging (docs/decisions.md, 2026-12-04). The
address ``…/?play`` opens play mode instead (:mod:`scalesim.app.play_view`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import solara
from mesa.visualization.solara_viz import ModelController, ShowSteps

from scalesim.app.components import (
    DISTRICT_SIZE,
    PLOTS_SIZE,
    DistrictView,
    LessonPanel,
    PitStopPanel,
    PlotsView,
    ShockPanel,
    StatusBar,
    StrategyPanel,
    TravelLogPanel,
)
from scalesim.app.model import DEFAULT_SCENARIO, FACTORS, AppModel, factor_value
from scalesim.app.monitors import Monitors

# While playing, the model steps every PLAY_INTERVAL_MS (one week per step, RENDER_INTERVAL
# steps per Step click and per frame). The figures are drawn in the background
# (components.FigureWorker), so a render pass is short and Mesa's own threading option is
# not needed (nor offered).
PLAY_INTERVAL_MS = 200
RENDER_INTERVAL = 1
USE_THREADS = False


@dataclass(frozen=True)
class AppConfig:
    """What the page opens."""

    scenario_file: str = DEFAULT_SCENARIO
    lesson: str | None = None
    seed: str = "1"

    def initial_model(self) -> AppModel:
        """The model the page starts with."""
        return AppModel(scenario_file=self.scenario_file, seed=self.seed, lesson=self.lesson)


# What new sessions open; only configure() changes it. A plain module attribute works
# because the Solara server runs in the process that configured it and, in production
# mode, never re-imports this module.
_config = AppConfig()


def configure(config: AppConfig) -> None:
    """Set what every new browser session opens (``scalesim app`` calls this first)."""
    global _config
    _config = config


def current_config() -> AppConfig:
    """What a new browser session opens: the last :func:`configure`, else the defaults."""
    return _config


def model_params(model: AppModel) -> dict[str, Any]:
    """SolaraViz ``model_params``: the seed, a lesson arm, and a slider per main factor.

    Every slider starts at the opened scenario's own value, so Reset without touching
    anything rebuilds the same scenario.
    """
    params: dict[str, Any] = {
        "scenario_file": model.scenario_file,
        "lesson": model.lesson_name,
        "seed": {"type": "InputText", "value": str(model.seed), "label": "Seed (a whole number)"},
    }
    if model.lesson_name:
        from scalesim.scenario.lessons import get_lesson

        arms = get_lesson(model.lesson_name).arm_names
        params["arm"] = {
            "type": "Select",
            "value": model.arm or arms[0],
            "values": arms,
            "label": "Lesson arm",
        }
    generated = model.sc.district.source == "generated"
    for f in FACTORS:
        if f.generated_only and not generated:
            continue
        value = factor_value(model.sc, f)
        if f.choices:
            params[f.key] = {
                "type": "Select",
                "value": value,
                "values": list(f.choices),
                "label": f.label,
            }
        elif f.lo <= value <= f.hi:
            integer = f.key == "n_schools"
            params[f.key] = {
                "type": "SliderInt" if integer else "SliderFloat",
                "value": int(value) if integer else float(value),
                "min": f.lo,
                "max": f.hi,
                "step": f.step,
                "label": f.label,
            }
    return params


def slider_label(label: str, value: Any) -> str:
    """A parameter's label with its value (shown all the time, not only while dragging)."""
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{label}: {shown}"


@solara.component
def ParamInputs(  # noqa: N802 (Solara components are CapWords)
    user_params: dict[str, Any], model_parameters: solara.Reactive[dict[str, Any]]
) -> None:
    """Mesa's ``ModelCreator`` for :func:`model_params`, every slider showing its value.

    Like ``ModelCreator`` it keeps ``model_parameters`` (what Reset builds the model from):
    the fixed values and each input's current value.
    """
    fixed = {k: p for k, p in user_params.items() if not isinstance(p, dict)}
    inputs = {k: p for k, p in user_params.items() if isinstance(p, dict)}
    start = {**fixed, **{k: p["value"] for k, p in inputs.items()}}
    solara.use_effect(lambda: model_parameters.set(dict(start)), [])
    values = {**start, **model_parameters.value}

    def on_change(name: str, value: Any) -> None:
        model_parameters.value = {**model_parameters.value, name: value}

    for name, p in inputs.items():
        label, value = p.get("label", name), values[name]

        def changed(v: Any, name: str = name) -> None:
            on_change(name, v)

        kind = p["type"]
        if kind in ("SliderInt", "SliderFloat"):
            slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
            slider(
                slider_label(label, value),
                value=value,
                on_value=changed,
                min=p["min"],
                max=p["max"],
                step=p["step"],
            )
        elif kind == "Select":
            solara.Select(label, value=value, values=p["values"], on_value=changed)
        else:
            solara.InputText(label, value=str(value), on_value=changed)


@solara.component
def ExploreView(model: AppModel) -> None:  # noqa: N802 (Solara components are CapWords)
    """The explore page: controls in the sidebar, the model's panels in one column."""
    reactive = solara.use_reactive(model)
    parameters = solara.use_reactive(cast(dict[str, Any], {}))
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(RENDER_INTERVAL)
    use_threads = solara.use_reactive(USE_THREADS)
    user_params = solara.use_memo(lambda: model_params(model), [model])
    m = reactive.value
    title = f"scalesim · {model.sc.name}" + (
        f" · lesson {model.lesson_name}" if model.lesson_name else ""
    )
    with solara.AppBar():
        solara.AppBarTitle(title)
    # No sidebar: at 1024 px Solara's sidebar takes 400 px from the figures. The controls sit
    # on top, the parameters in a section that opens on demand.
    with solara.Column(gap="10px", style={"padding": "4px 0"}, classes=["scalesim-explore"]):
        with solara.Row(gap="16px", style={"align-items": "center", "flex-wrap": "wrap"}):
            with solara.Column(style={"flex": "0 0 260px"}, classes=["scalesim-controls"]):
                ModelController(
                    reactive,
                    model_parameters=parameters,
                    play_interval=play_interval,
                    render_interval=render_interval,
                    use_threads=use_threads,
                )
            ShowSteps(m)
            solara.HTML(
                tag="a",
                unsafe_innerHTML="Play mode: the class is the team",
                attributes={"href": "?play"},
            )
        solara.Details(
            summary="Model parameters (they apply when you press Reset)",
            children=[ParamInputs(user_params, parameters)],
        )
        StatusBar(m)
        Monitors(m)
        if m.lesson_name:
            LessonPanel(m)
        with solara.Row(gap="8px", style={"align-items": "flex-start"}):
            with solara.Column(style={"flex": "0 0 40%", "min-width": "0"}):
                DistrictView(m, DISTRICT_SIZE)
            with solara.Column(style={"flex": "1 1 0", "min-width": "0"}):
                PlotsView(m, PLOTS_SIZE)
        StrategyPanel(m)
        with solara.Row(gap="8px", style={"align-items": "flex-start"}):
            with solara.Column(style={"flex": "0 0 38%", "min-width": "0"}):
                ShockPanel(m)
            with solara.Column(style={"flex": "1 1 0", "min-width": "0"}):
                PitStopPanel(m)
        TravelLogPanel(m)


def app_view(model: AppModel) -> Any:
    """The explore page's element for ``model`` (what :data:`Page` renders)."""
    return ExploreView(model)


def wants_play(search: str | None) -> bool:
    """Whether the address asks for play mode (``?play``, ``?mode=play``)."""
    parts = [p for p in (search or "").split("&") if p]
    return "play" in parts or "mode=play" in parts


@solara.component
def PlayPage(config: AppConfig) -> Any:  # noqa: N802 (Solara components are CapWords)
    """Play mode (app.play_view): one session per browser session."""
    from scalesim.app.play import PlaySession
    from scalesim.app.play_view import PlayView

    session = solara.use_memo(
        lambda: PlaySession(config.scenario_file, seed=config.seed, lesson=config.lesson), [config]
    )
    with solara.AppBar():
        solara.AppBarTitle(f"scalesim · play mode · {session.base.name}")
    return PlayView(session)


@solara.component
def Page() -> Any:  # noqa: N802 (Solara components are CapWords)
    """One model per browser session, opened from :func:`current_config`.

    The address ``…/?play`` opens play mode instead (the class plays the team).
    """
    config = solara.use_memo(current_config, [])
    if wants_play(solara.use_router().search):
        return PlayPage(config)
    model = solara.use_memo(config.initial_model, [config])
    return app_view(model)
