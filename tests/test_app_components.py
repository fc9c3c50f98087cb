"""The app's components without a browser (``solara.render``, mesa-notes §9 tier 1).

Every test drives the real widgets (switches, selects, buttons, text fields) the way the
front end does, and checks the effect on the real model: no mocks.
"""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import ipyvuetify as v
import numpy as np
import PIL.Image
import pytest
import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import force_update

from scalesim.app.components import (
    DistrictView,
    PitStopPanel,
    PlotsView,
    ShockPanel,
    StatusBar,
    StrategyPanel,
    TravelLogPanel,
)
from scalesim.app.controls import strategy_rows
from scalesim.app.model import AppModel
from scalesim.app.page import app_view, model_params
from scalesim.plotting.live import DPI
from scalesim.scenario.names import plain_label

REPO = Path(__file__).resolve().parents[1]
DEFAULT = str(REPO / "scenarios" / "default.yaml")
SMALL = {"n_schools": 20}  # through the app's own slider parameter: a quick district


_MOUNTED: list = []


def render(element: object) -> solara.core.RenderContext:
    """``solara.render`` that raises component errors, unmounted after the test."""
    _, rc = solara.render(element, handle_error=False)
    _MOUNTED.append(rc)
    return rc


@pytest.fixture(autouse=True)
def _unmount() -> object:
    """Unmount this test's renders.

    Components subscribe to Mesa's global ``update_counter``: a render left mounted would
    re-render on every later test's steps.
    """
    yield
    while _MOUNTED:
        _MOUNTED.pop().close()


def small_model(**kw: object) -> AppModel:
    return AppModel(scenario_file=DEFAULT, **{**SMALL, **kw})  # type: ignore[arg-type]


# A guard against a hung drawing thread, not a timing: a frame takes a fraction of a second.
HANG_GUARD_S = 120.0


def _drain_figures() -> None:
    """Join every figure-drawing thread until none is left: each asked-for frame is published.

    The render pass only asks ``FigureWorker`` for a frame; its thread draws the frame and
    publishes it (which re-renders the image widget) before it ends, and a frame asked for
    while it ends starts the next thread first. So once no ``scalesim-figure-…`` thread is
    alive, the widgets show the model as it is now: no polling, no sleep.
    """
    while workers := [t for t in threading.enumerate() if t.name.startswith("scalesim-figure-")]:
        for t in workers:
            t.join(HANG_GUARD_S)
            assert not t.is_alive(), f"{t.name} still drawing after {HANG_GUARD_S:g} s: hung"


def _image(rc: solara.core.RenderContext, css_class: str) -> bytes:
    """The PNG an image component shows once every requested frame is drawn."""
    import ipywidgets

    _drain_figures()
    found = [w for w in rc.find(ipywidgets.Image).widgets if css_class in w._dom_classes]
    assert len(found) == 1, f"{len(found)} {css_class} images"
    return bytes(found[0].value)


def _pixels(png: bytes) -> np.ndarray:
    """The PNG decoded to an (height, width, RGB) array of 0–255 integers."""
    with PIL.Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def _count(px: np.ndarray, colour: str) -> int:
    """Pixels of exactly ``colour`` (``#RRGGBB``)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return int(np.all(px == rgb, axis=-1).sum())


def test_page_builds_with_every_panel() -> None:
    model = small_model()
    rc = render(app_view(model))
    html = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "scenario <strong>default</strong>" in html
    assert "events; newest first" in html  # travel log
    assert "Next planned stop: month 6" in html  # pit stops
    assert rc.find(v.Switch, label="Coaching").widget is not None
    assert rc.find(v.Btn, children=["Superintendent leaves"]).widget is not None


def test_model_params_are_init_kwargs_with_the_scenario_values() -> None:
    model = small_model()
    params = model_params(model)
    assert params["q_peer"]["value"] == pytest.approx(0.38)
    assert params["n_schools"] == {
        "type": "SliderInt",
        "value": 20,
        "min": 10,
        "max": 300,
        "step": 10,
        "label": "Schools in the district (schools)",
    }
    rebuilt = AppModel(**{k: (p["value"] if isinstance(p, dict) else p) for k, p in params.items()})
    assert rebuilt.input_problems == []
    assert rebuilt.sc.scenario_hash() == model.sc.scenario_hash()


def test_step_button_advances_the_model_and_the_plots() -> None:
    model = solara.reactive(small_model())

    @solara.component
    def Harness() -> None:  # noqa: N802
        ModelController(
            model,
            play_interval=solara.reactive(100),
            render_interval=solara.reactive(1),
            use_threads=solara.reactive(False),
        )
        PlotsView(model.value)

    rc = render(Harness())
    before = _image(rc, "scalesim-plots")
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert model.value.week == 1
    after = _image(rc, "scalesim-plots")
    assert after != before and _pixels(after).shape == _pixels(before).shape


def test_district_view_shows_the_educators_states() -> None:
    """The district PNG decodes to the figure's size, and its tiles follow the model's state.

    Each educator is one equal cell of a school's tile, so the pixels of the enacting
    colours are a fixed area per enacting educator plus the legend's swatches (a constant):
    measured at three moments of a run, they lie on one line, within a few pixels per cell
    (cells are whole pixels, so their areas differ slightly).
    """
    model = small_model(p_external=0.3)
    rc = render(DistrictView(model))
    enacting = ("#21918C", "#3B0F70")  # enacting, enacting at depth (plotting.live)
    seen: list[tuple[int, int, np.ndarray]] = []
    for weeks in (0, 20, 20):
        for _ in range(weeks):
            model.step()
        force_update()
        px = _pixels(_image(rc, "scalesim-district"))
        assert px.shape == (round(5.6 * DPI), round(6.2 * DPI), 3)
        seen.append((int(model.ed.enacting.sum()), sum(_count(px, c) for c in enacting), px))
    (n0, p0, px0), (n1, p1, px1), (n2, p2, _) = seen
    assert n0 < n1 - 10 < n2 - 20, [s[0] for s in seen]
    per_cell = (p1 - p0) / (n1 - n0)
    assert 10 < per_cell < 200, per_cell  # a cell is a few pixels on a side
    predicted = p1 + per_cell * (n2 - n1)
    assert abs(p2 - predicted) < 0.05 * (p2 - p0), (p2, predicted)
    assert _count(px1, "#E3E3E3") < _count(px0, "#E3E3E3")  # fewer unaware cells


def test_strategy_toggle_changes_the_strategy_set() -> None:
    model = small_model()
    for _ in range(4):
        model.step()
    rc = render(StrategyPanel(model))
    assert model.strategy_set.get("local_champions") is None

    rc.find(v.Select, label="Local champions: chosen by").widget.v_model = "volunteer"
    rc.find(v.Switch, label="Local champions").widget.v_model = True
    strat = model.strategy_set.get("local_champions")
    assert strat is not None
    assert strat.select.rule == "volunteer"
    assert strat.spec.start_month == pytest.approx(model.month)
    model.step()
    assert strat.active and strat.members.size > 0
    assert any(
        e["kind"] == "strategy_start" and e["strategy"] == "local_champions"
        for e in model.log.events
    )

    # A new rule restarts the strategy with new targets.
    rc.find(v.Select, label="Local champions: chosen by").widget.v_model = "highest_need"
    assert model.strategy_set.get("local_champions").select.rule == "highest_need"

    # Every switch shows what the model holds (rows keep their order and widgets).
    # Switches read plain names ("Local champions"), not the scenario's type ids.
    shown = {w.label: w.v_model for w in rc.find(v.Switch).widgets}
    by_name = {plain_label(row.label): row.label for row in strategy_rows(model)}
    assert set(shown) == set(by_name)
    assert shown == {name: model.strategy_set.get(by_name[name]) is not None for name in shown}
    assert shown["Local champions"] is True and shown["Educate policymakers"] is False

    rc.find(v.Switch, label="Local champions").widget.v_model = False
    assert model.strategy_set.get("local_champions") is None
    stops = [e for e in model.log.events if e["kind"] == "strategy_stop"]
    assert stops[-1]["reason"] == "switched off in the app"


def test_shock_button_fires_the_shock_now() -> None:
    model = small_model()
    model.step()
    rc = render(ShockPanel(model))
    rc.find(v.Checkbox, label="call an unplanned pit stop next week").widget.v_model = True
    rc.find(v.Btn, children=["Superintendent leaves"]).widget.click()
    shocks = model.log.of_kind("shock")
    assert [e["type"] for e in shocks] == ["superintendent_turnover"]
    assert shocks[0]["week"] == 1 and shocks[0]["pit_stop"] is True
    assert model.dist.superintendent_changes == 1
    assert "superintendent turnover fired at month 0.2" in rc.find(v.Alert).widget.children[0]

    rc.find(v.Btn, children=["Pandemic (5 months)"]).widget.click()
    assert model.log.of_kind("shock")[-1]["type"] == "pandemic"
    model.step()  # the unplanned pit stop the checkbox asked for
    assert model.pit_stops.rows[-1]["reason"] == "shock: superintendent_turnover"


def test_pit_stops_and_travel_log_update_as_the_run_goes() -> None:
    model = small_model()
    rc = render(PitStopPanel(model))
    rc_log = render(TravelLogPanel(model))
    for _ in range(27):  # the first planned pit stop is at month 6 (week 26)
        model.step()
    force_update()
    html = rc.find(solara.widgets.HTML).widget.unsafe_innerHTML
    assert "Latest: month 6.0, planned" in html
    assert "Are we still headed towards our destination?" in html
    log_html = rc_log.find(solara.widgets.HTML).widget.unsafe_innerHTML
    assert "Planned pit stop. on track:" in log_html
    assert f"{len(model.log.events)} events" in log_html
    assert "=" not in re.sub(r"<[^>]+>", "", log_html)  # words, not key=value


def _controls(model: solara.Reactive[AppModel]) -> solara.core.RenderContext:
    params = solara.reactive({})
    user_params = model_params(model.value)

    @solara.component
    def Harness() -> None:  # noqa: N802
        ModelController(
            model,
            model_parameters=params,
            play_interval=solara.reactive(100),
            render_interval=solara.reactive(1),
            use_threads=solara.reactive(False),
        )
        ModelCreator(model, user_params, model_parameters=params)
        StatusBar(model.value)

    rc = render(Harness())
    return rc


def _errors(rc: solara.core.RenderContext) -> list[str]:
    return [w.children[0] for w in rc.find(v.Alert).widgets]


def test_typed_seed_is_used_and_a_bad_seed_shows_a_message() -> None:
    model = solara.reactive(small_model())
    rc = _controls(model)
    seed = rc.find(v.TextField, label="Seed (a whole number)").widget
    seed.v_model = " 42 "
    seed.fire_event("focusout", None)
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert model.value.seed == 42 and model.value.input_problems == []

    seed.v_model = "forty-two"
    seed.fire_event("focusout", None)
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert model.value.seed == 1
    assert _errors(rc) == [
        "Not applied: seed: expected a whole number such as 42, got 'forty-two'; using seed 1"
    ]


def test_out_of_range_slider_value_shows_a_message_not_a_traceback() -> None:
    model = solara.reactive(small_model())
    rc = _controls(model)
    # What a tampered front end could send: a value outside the slider's range.
    rc.find(v.Slider, label="Peer influence q (per year)").widget.v_model = 55.0
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert model.value.sc.adoption.q_peer == pytest.approx(0.38)
    assert _errors(rc) == [
        "Not applied: Peer influence q (per year): 55 is outside the slider's range 0–2; "
        "kept the scenario's value"
    ]
    # A value inside the slider but refused by the scenario schema is reported too.
    bad = AppModel(scenario_file=DEFAULT, n_schools=20, mandate="strict")
    assert bad.input_problems == [
        "Mandate: expected one of loose, tight, got 'strict'; kept the scenario's value"
    ]


def test_a_figure_that_fails_shows_a_message_not_a_traceback() -> None:
    from scalesim.app.components import FigureView

    def broken(data: object) -> bytes:
        raise ValueError("no data")

    rc = render(FigureView(small_model(), lambda m: m.week, lambda: broken, "scalesim-broken"))
    _drain_figures()
    assert rc.find(v.Alert).widget.children == ["Could not draw the figure: no data"]


def test_lesson_opens_its_first_arm_with_its_page_and_arm_selector() -> None:
    from scalesim.app.components import LessonPanel

    model = AppModel(lesson="volunteer_trap", n_schools=20)
    assert model.arm == "volunteers"
    assert model.scenario_file.endswith("volunteer_trap/volunteers.yaml")
    assert model.sc.strategies[0].select.rule == "volunteer"
    assert model_params(model)["arm"]["values"] == ["volunteers", "highest_need_first"]
    html = render(LessonPanel(model)).find(solara.widgets.HTML).widget.unsafe_innerHTML
    assert "<h1>The volunteer trap</h1>" in html and "Question for the class" in html

    other = AppModel(lesson="volunteer_trap", arm="highest_need_first", n_schools=20)
    assert other.sc.strategies[0].select.rule == "highest_need"
    wrong = AppModel(lesson="volunteer_trap", arm="volunteer", n_schools=20)
    assert wrong.arm == "volunteers"
    assert wrong.input_problems == [
        "lesson arm: no arm 'volunteer' in volunteer_trap; expected one of: volunteers, "
        "highest_need_first; opened the first arm instead"
    ]


def test_sliders_show_their_values_and_reset_applies_them() -> None:
    model = small_model()
    rc = render(app_view(model))
    slider = rc.find(v.Slider, label="Peer influence q (per year): 0.38").widget
    slider.v_model = 0.5
    assert rc.find(v.Slider, label="Peer influence q (per year): 0.5").widget is slider
    rc.find(v.Btn, children=["Reset"]).widget.click()
    html = " ".join(w.children[0] for w in rc.find(v.Html).widgets if w.children)
    assert "peer influence q 0.5" in html
    # No Mesa leftovers: no tabs, no threading switch.
    assert not rc.find(v.Tab).widgets
    assert not rc.find(v.Checkbox, label="Use Threads").widgets
