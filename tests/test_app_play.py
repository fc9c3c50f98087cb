"""Play mode without a browser: the real widgets (``solara.render``), the real model.

The class drives the flagship scenario (20 schools) from pit stop to pit stop, chooses
through the page's own buttons and selects, and its journey is then replayed from the saved
scenario file, through ``scalesim validate`` and the same loader the CLI uses.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import ipyvuetify as v
import pytest
import solara

from scalesim.app.components import LessonPanel
from scalesim.app.model import AppModel
from scalesim.app.page import wants_play
from scalesim.app.play import ACTIONS, PlaySession
from scalesim.app.play_view import PlayView
from scalesim.app.snapshots import destination
from scalesim.common.units import month_to_week
from scalesim.scenario import load_scenario
from scalesim.scenario.loading import scenario_from_dict
from scalesim.simulation.model import ScalingModel

REPO = Path(__file__).resolve().parents[1]
FLAGSHIP = str(REPO / "scenarios" / "dlplusd_full.yaml")
SEED = 3
_MOUNTED: list = []


@pytest.fixture(autouse=True)
def _unmount() -> object:
    """Unmount this test's renders (components subscribe to Mesa's global counter)."""
    yield
    while _MOUNTED:
        _MOUNTED.pop().close()


def render(element: object) -> solara.core.RenderContext:
    _, rc = solara.render(element, handle_error=False)
    _MOUNTED.append(rc)
    return rc


def session() -> PlaySession:
    return PlaySession(FLAGSHIP, seed=SEED, n_schools=20)


def _html(rc: solara.core.RenderContext, css: str) -> str:
    found = [
        w
        for w in rc.find(solara.widgets.HTML).widgets
        if css in (w.attributes or {}).get("class", "").split()
    ]
    assert len(found) == 1, css
    return found[0].unsafe_innerHTML


def _click(rc: solara.core.RenderContext, text: str) -> None:
    rc.find(v.Btn, children=[text]).widget.click()


def _frames(m: ScalingModel) -> object:
    return m.datacollector.get_model_vars_dataframe()


def test_play_pauses_exactly_at_the_pit_stop_weeks() -> None:
    s = session()
    rc = render(PlayView(s))
    # Where a run of the same scenario holds its pit stops (no choices, no rules).
    plain = ScalingModel(s.model.sc, seed=SEED).run()
    stops = [r["week"] for r in plain.pit_stops.rows]
    planned = sorted({max(month_to_week(mo), 1) for mo in s.base.trip_ticket.pit_stops})
    assert set(planned) <= set(stops)

    _click(rc, "Start: drive to the first pit stop")
    paused = [s.model.week]
    while not s.finished:
        assert s.at_stop
        checklist = re.sub(r"<[^>]+>", "", _html(rc, "scalesim-checklist"))
        assert "Are we still headed towards our destination?" in checklist
        assert "{" not in checklist and "=" not in checklist  # words, not dicts
        assert rc.find(v.Btn, children=["Apply this choice"]).widget is not None
        _click(rc, "Drive on to the next pit stop")
        paused.append(s.model.week)
    assert paused == [*stops, s.model.n_weeks]


def _retarget_by_widgets(rc: solara.core.RenderContext) -> None:
    """Choose 'retarget local champions to highest need' with the page's widgets."""
    toggle = rc.find(v.BtnToggle).widget
    toggle.v_model = [a for a, _ in ACTIONS].index("retarget")
    rc.find(v.Select, label="Strategy").widget.v_model = "local_champions"
    rc.find(v.Select, label="Schools chosen by").widget.v_model = "highest_need"
    _click(rc, "Apply this choice")


def test_a_choice_acts_through_the_mutation_api_like_the_equivalent_rule() -> None:
    s = session()
    rc = render(PlayView(s))
    _click(rc, "Start: drive to the first pit stop")
    assert s.model.week == month_to_week(3)
    before = s.model.strategy_set.get("local_champions").select.rule
    _retarget_by_widgets(rc)
    assert before != "highest_need"
    assert s.model.strategy_set.get("local_champions").select.rule == "highest_need"
    alerts = [w.children[0] for w in rc.find(v.Alert).widgets]
    assert alerts == [
        "The class chose: retarget Local champions: schools chosen by highest need first"
    ]
    log = _html(rc, "scalesim-log")
    assert "The class decided: retarget Local champions to highest need first" in log
    assert "Local champions retargeted: chosen by highest need first" in log
    while not s.finished:
        s.drive()

    # The same decision written by hand as a rule of the scenario: the same run.
    d = s.base.to_dict()
    sel = {**s.base.strategies[4].select.model_dump(exclude_none=True), "rule": "highest_need"}
    d["adaptation"] = [
        {
            "when": "month >= 2.9 and month <= 3.1",
            "then": {"retarget": {"strategy": "local_champions", "select": sel}},
        }
    ]
    rule_run = ScalingModel(scenario_from_dict(d, "<test>"), seed=SEED).run()
    assert _frames(rule_run).equals(_frames(s.model))
    strip = [{k: v for k, v in e.items() if k != "rule"} for e in rule_run.log.events]
    mine = [{k: v for k, v in e.items() if k != "rule"} for e in s.model.log.events]
    assert strip == mine


def test_saved_scenario_validates_and_replays_the_journey(tmp_path: Path) -> None:
    s = session()
    s.drive()
    assert s.choose({"add": {"type": s.addable()[0]}}).startswith("add ")
    s.choose({"recalibrate": {"target": 0.6, "by_month": 30}})
    assert destination(s.model).target == 0.6 and destination(s.model).by_month == 30
    s.drive()
    s.choose({"drop": "coaching"})
    assert s.model.strategy_set.get("coaching") is None
    s.choose({"rescale": {"strategy": "local_champions", "factor": 1.5}})
    assert s.model.strategy_set.get("local_champions").intensity == 1.5
    with pytest.raises(ValueError, match="Coaching is not in the set"):
        s.choose({"drop": "coaching"})
    while not s.finished:
        s.drive()
    with pytest.raises(ValueError, match="at a pit stop"):
        s.choose({"drop": "pilot"})

    path = tmp_path / "journey.yaml"
    path.write_text(s.scenario_yaml())
    done = subprocess.run(
        [sys.executable, "-m", "scalesim", "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    replay = ScalingModel(load_scenario(path), seed=SEED).run()
    assert _frames(replay).equals(_frames(s.model))
    assert replay.log.events[1:] == s.model.log.events[1:]  # all but the scenario's name
    other = ScalingModel(load_scenario(path), seed=SEED + 1).run()
    assert not _frames(other).equals(_frames(s.model))  # the comparison is not vacuous


def test_end_comparison_shows_three_arms_over_common_seeds() -> None:
    s = session()
    rc = render(PlayView(s))
    _click(rc, "Start: drive to the first pit stop")
    _retarget_by_widgets(rc)
    while not s.finished:
        _click(rc, "Drive on to the next pit stop")
    _click(rc, "Compare over 5 seeds")
    html = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    for label in ("Your class's journey", "The scenario's rule-based team", "No strategies"):
        assert label in html
    assert "seeds 3, 4, 5, 6, 7" in html
    result = s.compare([SEED])
    assert result["class"]["share_deep"] == [pytest.approx(s.model.current["share_deep"])]
    rules = ScalingModel(load_scenario(FLAGSHIP, s.model.factor_overrides), seed=SEED).run()
    assert result["rules"]["share_deep"] == [pytest.approx(rules.current["share_deep"])]
    assert result["none"]["share_deep"][0] < result["rules"]["share_deep"][0]
    save = "Save the class's choices as a scenario file"
    assert [b for b in rc.find(v.Btn).widgets if save in b.children]


def test_play_model_leaves_the_scenario_rules_to_the_class() -> None:
    assert AppModel(scenario_file=FLAGSHIP, n_schools=20, play=True).sc.adaptation == []
    assert len(AppModel(scenario_file=FLAGSHIP, n_schools=20).sc.adaptation) == 3
    assert wants_play("play") and wants_play("mode=play&x=1") and not wants_play(None)


def test_lesson_page_hides_the_answer_until_asked() -> None:
    model = AppModel(lesson="volunteer_trap", n_schools=20)
    rc = render(LessonPanel(model))

    def page() -> str:
        return " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)

    assert "Question for the class" in page()
    assert "What usually happens" not in page()
    _click(rc, "Show the answer")
    assert "What usually happens" in page()
    _click(rc, "Hide the answer")
    assert "What usually happens" not in page()
