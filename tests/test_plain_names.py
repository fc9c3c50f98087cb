"""Users read plain names for strategy and shock types, never the ids scenario files use.

One table (:mod:`scalesim.scenario.names`) names every registered type; registering a type
without a name is refused. The compare and rehearse reports of a scenario that runs every
strategy type and several shocks show no raw id in their text or in their figures' words,
and ``scalesim list`` shows each type's plain name beside its id.
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from matplotlib.text import Text

from scalesim.journey.shocks import SHOCKS, Shock
from scalesim.journey.shocks import register as register_shock
from scalesim.journey.strategies import STRATEGIES, Strategy, register
from scalesim.report import render_report
from scalesim.report.loading import load
from scalesim.scenario.journey import Select
from scalesim.scenario.names import (
    SELECTION_NAMES,
    SHOCK_NAMES,
    STRATEGY_NAMES,
    plain_label,
    plain_text,
    shock_name,
    strategy_name,
)
from scalesim.scenario.params import SHOCK_PARAMS, STRATEGY_PARAMS

REPO = Path(__file__).resolve().parents[1]
RAW_IDS = sorted(set(STRATEGIES) | set(SHOCKS) | set(SELECTION_NAMES), key=len, reverse=True)


def test_every_registered_type_has_a_plain_name() -> None:
    """Each strategy and shock type (registered or in the schema) has a distinct plain name."""
    for kind, types, name in (
        ("strategy", set(STRATEGIES) | set(STRATEGY_PARAMS), strategy_name),
        ("shock", set(SHOCKS) | set(SHOCK_PARAMS), shock_name),
    ):
        names = {t: name(t) for t in sorted(types)}
        assert len(set(names.values())) == len(names), (kind, names)
        for t, n in names.items():
            assert n != t and "_" not in n and n[0].isupper(), (kind, t, n)
    with pytest.raises(KeyError, match="no plain name"):
        strategy_name("not_a_strategy")


def test_registering_a_type_without_a_plain_name_is_refused() -> None:
    """A strategy or shock from outside must bring its ``title``; with one it is named."""

    class Nameless(Strategy):
        type_name = "nameless_strategy_for_test"

    class Quiet(Shock):
        type_name = "nameless_shock_for_test"

    with pytest.raises(ValueError, match="no plain name"):
        register(Nameless)
    with pytest.raises(ValueError, match="no plain name"):
        register_shock(Quiet)
    assert "nameless_strategy_for_test" not in STRATEGIES

    class Named(Strategy):
        type_name = "named_strategy_for_test"
        title: ClassVar[str] = "Named for the test"

    try:
        register(Named)
        assert plain_label("named_strategy_for_test") == "Named for the test"
    finally:
        STRATEGIES.pop("named_strategy_for_test", None)
        STRATEGY_PARAMS.pop("named_strategy_for_test", None)
        STRATEGY_NAMES.pop("named_strategy_for_test", None)


def test_selection_rules_with_snake_case_ids_read_as_words() -> None:
    """A pit stop's retarget decision names the rule in words; one-word rules stay as written."""
    rules = Select.model_fields["rule"].annotation.__args__
    assert {r for r in rules if "_" in r} == set(SELECTION_NAMES)
    assert (
        plain_text("retarget local_champions to highest_need")
        == "retarget Local champions to highest need first"
    )
    assert plain_text("retarget coaching to random") == "retarget Coaching to random"


def test_a_users_own_label_is_kept() -> None:
    assert plain_label("educate_policymakers") == "Educate policymakers"
    assert plain_label("strategy:coaching") == "Coaching"
    assert plain_label("peer") == "Peers"
    assert plain_label("district coaches") == "district coaches"
    assert plain_label("pandemic") == SHOCK_NAMES["pandemic"]


def raw_ids_in(text: str) -> list[str]:
    """Registered type ids that appear as words in ``text``."""
    return [t for t in RAW_IDS if re.search(rf"(?<![\w.\-/]){re.escape(t)}(?![\w\-/])", text)]


def visible_text(page: str) -> str:
    """The words a reader sees: no tags, no embedded images, no code (file and field names)."""
    page = re.sub(r"<(script|style|code)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory, scalesim_cmd: list[str]) -> dict[str, Path]:
    """A compare and a rehearse of a small district running every strategy type and shocks."""
    d = tmp_path_factory.mktemp("names")
    small = {
        "district": {"generated": {"n_schools": 10}},
        "horizon_months": 9,
        "trip_ticket": {"pit_stops": [3, 6], "destination": {"by_month": 9}},
    }
    flagship = yaml.safe_load((REPO / "scenarios" / "dlplusd_full.yaml").read_text("utf-8"))
    every = {
        "base": str(REPO / "scenarios" / "dlplusd_full.yaml"),
        "name": "every",
        **small,
        "strategies": [
            *flagship["strategies"],
            *[
                {"type": t}
                for t in sorted(STRATEGIES)
                if t not in {s["type"] for s in flagship["strategies"]}
            ],
        ],
        "shocks": [
            {"type": "pandemic", "at_month": 2, "duration_months": 2},
            {"type": "principal_turnover", "at_month": 4, "pit_stop": True},
            {"type": "budget_cut", "at_month": 5, "duration_months": 2},
        ],
    }
    none = {"base": str(REPO / "scenarios" / "baseline.yaml"), "name": "none", **small}
    (d / "every.yaml").write_text(yaml.safe_dump(every), encoding="utf-8")
    (d / "none.yaml").write_text(yaml.safe_dump(none), encoding="utf-8")
    options = {
        "options": {
            "continue": {},
            "lean": {"strategies": [{"type": "coaching"}, {"type": "local_champions"}]},
        }
    }
    (d / "options.yaml").write_text(yaml.safe_dump(options), encoding="utf-8")
    runs = {
        "run": ["run", str(d / "every.yaml")],
        "compare": ["compare", str(d / "none.yaml"), str(d / "every.yaml"), "--reps", "2"],
        "rehearse": [
            "rehearse",
            str(d / "every.yaml"),
            "--at",
            "3",
            "--options",
            str(d / "options.yaml"),
            "--reps",
            "2",
            "--ignore-orphan-rules",
        ],
    }
    out = {}
    for kind, args in runs.items():
        out[kind] = d / kind
        proc = subprocess.run(
            [*scalesim_cmd, *args, "--out", str(out[kind]), "--quiet"],
            capture_output=True,
            text=True,
            env={"MPLBACKEND": "agg", "PATH": "/usr/bin:/bin"},
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.parametrize("kind", ["compare", "rehearse", "run"])
def test_reports_show_no_raw_type_ids(folders: dict[str, Path], kind: str) -> None:
    """Neither the page's text nor any figure's words name a strategy or shock by its id."""
    rep = render_report(load(folders[kind]))
    text = visible_text(rep.html)
    assert raw_ids_in(text) == [], [
        text[max(0, m.start() - 60) : m.end() + 20]
        for t in raw_ids_in(text)
        for m in [re.search(rf"(?<![\w.\-/]){re.escape(t)}(?![\w\-/])", text)]
    ]
    # The plain names are there instead (the strategy set of the option that runs them all).
    assert "Educate policymakers" in text and "Design for scale" in text
    drawn = {f: raw_ids_in("\n".join(words)) for f, words in rep.figure_texts.items()}
    assert {f: ids for f, ids in drawn.items() if ids} == {}
    assert any("Coaching" in " ".join(w) for w in rep.figure_texts.values())


@pytest.mark.parametrize("kind", ["strategies", "shocks"])
def test_list_shows_each_types_plain_name(kind: str, scalesim_cmd: list[str]) -> None:
    """``scalesim list`` gives the id a file writes and, on the same row, the plain name."""
    proc = subprocess.run(
        [*scalesim_cmd, "list", kind], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    registry, name = (STRATEGIES, strategy_name) if kind == "strategies" else (SHOCKS, shock_name)
    rows = proc.stdout.splitlines()
    for t in registry:
        row = next(r for r in rows if f" {t} " in r)
        assert f" {name(t)} " in row, (t, row)


def test_run_result_plot_names_shocks_plainly(folders: dict[str, Path]) -> None:
    """``RunResult.plot()`` labels the run's shocks by their plain names."""
    import scalesim

    res = scalesim.run(scalesim.load_scenario(folders["run"] / "scenario.yaml"), seed=1)
    assert any(e.get("kind") == "shock" for e in res.log)
    fig = res.plot()
    words = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert raw_ids_in("\n".join(words)) == []
    assert any(SHOCK_NAMES["pandemic"] in w for w in words)
