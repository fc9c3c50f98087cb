"""The SolaraViz page: `scalesim app` serves :data:`Page` with ``solara run``.

What to open is an :class:`AppConfig` (a scenario file, or a lesson, and a seed) that
``scalesim app`` hands to :func:`configure` before it starts the Solara server in the same
process; the server imports this module by name and so finds it. Each browser session gets
its own model, built from the configuration when the session starts.

Layout: Mesa 3.5.1's SolaraViz places components in a draggable grid of half-width cells
and has no layout argument, so :func:`install_layout` gives ``make_initial_grid_layout`` a
layout for this page's components (the status across the top, the district and the plots
side by side, the controls and logs below); any other component count gets Mesa's default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization import solara_viz as _solara_viz

from scalesim.app.components import (
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

# While playing, the model steps every PLAY_INTERVAL_MS (one week per step, RENDER_INTERVAL
# steps per Step click and per frame). The figures are drawn in the background
# (components.FigureWorker), so a render pass is short and Mesa's own threading option is
# not needed.
PLAY_INTERVAL_MS = 200
RENDER_INTERVAL = 1
USE_THREADS = False

# (component, grid cell x, y, w, h) on a 12-column grid of 30-px rows.
Cell = tuple[Callable[[Any], Any], int, int, int, int]


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


def _district(model: AppModel) -> Any:
    return DistrictView(model)


def _plots(model: AppModel) -> Any:
    return PlotsView(model)


def _status(model: AppModel) -> Any:
    return StatusBar(model)


def _strategies(model: AppModel) -> Any:
    return StrategyPanel(model)


def _shocks(model: AppModel) -> Any:
    return ShockPanel(model)


def _pit_stops(model: AppModel) -> Any:
    return PitStopPanel(model)


def _log(model: AppModel) -> Any:
    return TravelLogPanel(model)


def _lesson(model: AppModel) -> Any:
    return LessonPanel(model)


def cells(lesson: bool) -> list[Cell]:
    """The page's components and where they sit (the plots need about 16 rows)."""
    top = 4
    out: list[Cell] = [(_status, 0, 0, 12, top)]
    if lesson:
        out.append((_lesson, 0, top, 12, 10))
        top += 10
    out += [
        (_district, 0, top, 5, 16),
        (_plots, 5, top, 7, 16),
        (_strategies, 0, top + 16, 5, 15),
        (_shocks, 5, top + 16, 3, 15),
        (_pit_stops, 8, top + 16, 4, 15),
        (_log, 0, top + 31, 12, 12),
    ]
    return out


_mesa_layout = _solara_viz.make_initial_grid_layout


def install_layout(layout: list[dict[str, Any]]) -> None:
    """Make SolaraViz use ``layout`` for a page with exactly that many components."""

    def make_initial_grid_layout(num_components: int) -> list[dict[str, Any]]:
        if num_components == len(layout):
            return [dict(item) for item in layout]
        return _mesa_layout(num_components)

    _solara_viz.make_initial_grid_layout = make_initial_grid_layout


def app_view(model: AppModel) -> Any:
    """The SolaraViz element for ``model`` (what :data:`Page` renders)."""
    placed = cells(bool(model.lesson_name))
    install_layout(
        [
            {"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False}
            for i, (_, x, y, w, h) in enumerate(placed)
        ]
    )
    title = f"scalesim · {model.sc.name}" + (
        f" · lesson {model.lesson_name}" if model.lesson_name else ""
    )
    return SolaraViz(
        model,
        components=[(component, 0) for component, *_ in placed],
        model_params=model_params(model),
        name=title,
        play_interval=PLAY_INTERVAL_MS,
        render_interval=RENDER_INTERVAL,
        use_threads=USE_THREADS,
    )


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
