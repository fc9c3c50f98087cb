"""What the app's controls do and say: strategy rows, switch, retarget; status lines.

No Solara here, so the logic is tested without a browser. Every change goes through the
model's mutation API (``add_strategy``, ``drop_strategy``, ``retarget_strategy``) under the
model's lock, and is written to the travel log as a user action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scalesim.journey.strategies import STRATEGIES
from scalesim.scenario.names import plain_label, plain_text

if TYPE_CHECKING:
    from scalesim.app.model import AppModel


@dataclass
class StrategyRow:
    """One line of the strategy panel."""

    label: str
    type: str
    on: bool
    rule: str | None
    status: str
    spec: dict[str, Any]


def strategy_rows(model: AppModel) -> list[StrategyRow]:
    """The scenario's strategies, every other registered type, then any added since.

    The order never changes as strategies are switched (widgets stay with their row).
    """
    specs: dict[str, dict[str, Any]] = {}
    for s in model.sc.strategies:
        specs[s.label] = s.model_dump(exclude_none=True)
    in_scenario = {d["type"] for d in specs.values()}
    for name in sorted(STRATEGIES):
        if name not in specs and name not in in_scenario:
            specs[name] = {"type": name}
    for s in [*model.strategy_set.retired, *model.strategy_set.items]:
        specs.setdefault(s.label, s.spec.model_dump(exclude_none=True))
    rows = []
    for label, spec in specs.items():
        cls = STRATEGIES[spec["type"]]
        live = model.strategy_set.get(label)
        if cls.targets == "none":
            rule = None
        elif live is not None:
            rule = live.select.rule
        else:
            rule = (spec.get("select") or cls.default_select).get("rule", "random")
        if live is None:
            status = "off"
        elif live.active:
            status = f"active since week {live.start_week}" if live.start_week else "active"
        else:
            status = f"starts month {live.spec.start_month:.1f}"
        rows.append(StrategyRow(label, spec["type"], live is not None, rule, status, spec))
    return rows


def switch_strategy(model: AppModel, row: StrategyRow, on: bool, rule: str | None) -> str:
    """Put a strategy in the set (from now on) or take it out; returns what was done.

    Both go through the model's mutation API (``add_strategy``, ``drop_strategy``).
    """
    with model.lock:
        if not on:
            model.drop_strategy(row.label, reason="switched off in the app")
            model.log.record(model, "user_action", action="strategy off", strategy=row.label)
            return f"{plain_label(row.label)} switched off"
        spec = dict(row.spec)
        start = max(float(spec.get("start_month", 0.0)), model.month)
        spec["start_month"] = start
        if spec.get("end_month") is not None and spec["end_month"] <= start:
            spec.pop("end_month")
        if rule is not None and rule != "explicit":
            spec["select"] = select_with_rule(spec, rule)
        strategy = model.add_strategy(spec)
        model.log.record(
            model,
            "user_action",
            action="strategy on",
            strategy=row.label,
            rule=strategy.select.rule,
            start_month=round(start, 3),
        )
        return f"{plain_label(row.label)} on from month {start:.1f}" + (
            f", schools chosen by {plain_text(strategy.select.rule)}" if rule else ""
        )


def select_with_rule(spec: dict[str, Any], rule: str) -> dict[str, Any]:
    """The strategy's selection (or its type's default) with another rule."""
    cls = STRATEGIES[spec["type"]]
    select = dict(spec.get("select") or cls.default_select)
    select.pop("schools", None)
    return {**select, "rule": rule}


def retarget_strategy(model: AppModel, row: StrategyRow, rule: str) -> str:
    """Change the selection rule of a strategy in the set, keeping what it has built up.

    Goes through ``ScalingModel.retarget_strategy``, as a pit stop's retarget does: an active
    strategy picks again now, with its progress (co-design's gains, champions' time in role).
    """
    with model.lock:
        live = model.strategy_set.get(row.label)
        assert live is not None, f"{row.label} is not in the set"
        spec = live.spec.model_dump(exclude_none=True)
        if live.select is not None:
            spec["select"] = live.select.model_dump(exclude_none=True)
        s = model.retarget_strategy(row.label, select_with_rule(spec, rule))
        model.log.record(
            model, "user_action", action="retarget", strategy=row.label, rule=s.select.rule
        )
        return f"{plain_label(row.label)}: schools now chosen by {plain_text(s.select.rule)}"


# The heading that starts a lesson page's answer (scenarios/teaching/*/lesson.md): the page
# shows what comes before it, and the answer only when the instructor asks for it.
ANSWER_HEADING = "## What usually happens, and why"


def split_answer(page: str) -> tuple[str, str]:
    """A lesson page as (everything up to the answer, the answer); the answer may be ""."""
    at = page.find(ANSWER_HEADING)
    if at < 0:
        return page, ""
    return page[:at], page[at:]


def status_line(model: AppModel) -> str:
    """One line: scenario, lesson arm, seed, time, session, destination."""
    sc = model.sc
    dest = sc.trip_ticket.destination
    where = f"lesson **{model.lesson_name}**, arm **{model.arm}** · " if (model.lesson_name) else ""
    season = "in session" if model.in_session else "summer"
    return (
        f"{where}scenario **{sc.name}** (`{model.scenario_file}`, hash "
        f"`{sc.scenario_hash()}`) · seed **{model.seed}** · week **{model.week}** of "
        f"{model.n_weeks} (month {model.month:.1f}, {season}) · destination: "
        f"{dest.target:.0%} of educators at depth ≥ {dest.min_depth:g} by month "
        f"{dest.by_month:g}, {dest.equity_target:.0%} in high-need schools"
    )


def factors_line(model: AppModel) -> str:
    """The main factors' values in the running scenario (what the sliders set on Reset)."""
    from scalesim.app.model import FACTORS, factor_value

    parts = []
    for f in FACTORS:
        if f.generated_only and model.sc.district.source != "generated":
            continue
        v = factor_value(model.sc, f)
        parts.append(
            f"{f.label.split(' (')[0].lower()} {f'{v:.3g}' if isinstance(v, float) else v}"
        )
    return " · ".join(parts)
