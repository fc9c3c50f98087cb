"""What the app's figures show, copied out of a model into the plotting data classes.

Every function here reads the model only through its public views (the educator agents'
``state``, the school columns, the DataCollector's table, the trip ticket, the travel
log) and is called under the model's lock; drawing the copies
(:mod:`scalesim.plotting.live`) then needs no lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from scalesim.plotting.live import (
    PANELS,
    STATES,
    DistrictData,
    PlotsData,
    PlotsRenderer,
    draw_district,
)
from scalesim.scenario.names import plain_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from scalesim.simulation.model import ScalingModel


# --------------------------------------------------------------------------- the district


def educator_states(model: ScalingModel) -> np.ndarray:
    """State code (index into :data:`STATES`) of every educator slot, from the agent views."""
    code = {s: i for i, s in enumerate(STATES)}
    return np.fromiter(
        (code[model.educator(slot).state] for slot in range(model.ed.n)),
        dtype=np.int8,
        count=model.ed.n,
    )


def school_order(model: ScalingModel) -> tuple[list[int], list[int]]:
    """High-need schools then the others, each by need share (highest first)."""
    agents = model.school_agents
    by_need = sorted(agents, key=lambda s: (-s.need_share, s.index))
    high = [s.index for s in by_need if s.high_need]
    other = [s.index for s in by_need if not s.high_need]
    return high, other


def district_data(model: ScalingModel) -> DistrictData:
    """Copy the educators' states and the school layout out of ``model``."""
    high, other = school_order(model)
    return DistrictData(
        states=educator_states(model),
        start=model.schools.start.copy(),
        size=model.schools.size.copy(),
        high=high,
        other=other,
        month=float(model.month),
    )


def district_figure(model: ScalingModel) -> Figure:
    """The district view of ``model`` now."""
    return draw_district(district_data(model))


# --------------------------------------------------------------------------- the plots


def destination(model: ScalingModel) -> Any:
    """The trip ticket's destination now (pit stops may have recalibrated it)."""
    stops = getattr(model, "pit_stops", None)
    return getattr(stops, "destination", None) or model.sc.trip_ticket.destination


def shock_events(model: ScalingModel) -> list[tuple[float, str]]:
    """``(month, label)`` of every shock so far, from the travel log.

    Dated, hazard-drawn and app-fired shocks log a ``shock`` event; superintendents who
    leave through the annual turnover hazard log only a ``superintendent_change``.
    """
    out = []
    for e in model.log.events:
        if e["kind"] == "shock":
            out.append((e["month"], e["type"]))
        elif e["kind"] == "superintendent_change" and e.get("cause") == "annual_hazard":
            out.append((e["month"], "superintendent leaves"))
    return out


def strategy_intervals(model: ScalingModel) -> list[tuple[str, float, float | None, bool]]:
    """``(label, start_month, stop_month, pending)`` per strategy run, from the travel log.

    Strategies in the set that have not started yet are shown as pending at their start.
    """
    open_: dict[str, float] = {}
    rows: list[tuple[str, float, float | None, bool]] = []
    for e in model.log.events:
        if e["kind"] == "strategy_start":
            open_[e["strategy"]] = e["month"]
        elif e["kind"] == "strategy_stop" and e["strategy"] in open_:
            rows.append((e["strategy"], open_.pop(e["strategy"]), e["month"], False))
    rows.extend((label, start, None, False) for label, start in open_.items())
    for s in model.strategy_set.items:
        if not s.active and s.label not in open_:
            rows.append((s.label, max(s.spec.start_month, model.month), None, True))
    return rows


def plots_data(model: ScalingModel) -> PlotsData:
    """Copy the plotted series and events out of ``model``."""
    mv = model.datacollector.model_vars
    n = min(len(mv["month"]), *(len(mv[m]) for _, lines in PANELS for m, *_ in lines))
    dest = destination(model)
    return PlotsData(
        month=np.asarray(mv["month"][:n], dtype=float),
        series={m: np.asarray(mv[m][:n], dtype=float) for _, lines in PANELS for m, *_ in lines},
        horizon=model.n_weeks * 12 / 52,
        now=float(model.month),
        target=dest.target,
        equity_target=dest.equity_target,
        min_depth=dest.min_depth,
        by_month=dest.by_month,
        # Plain names on the timeline ("Design for scale", not scalable_characteristics).
        shocks=[(month, plain_label(label)) for month, label in shock_events(model)],
        intervals=[(plain_label(lab), *rest) for lab, *rest in strategy_intervals(model)],
        pit_stops=[(float(r["month"]), bool(r["planned"])) for r in model.pit_stops.rows],
    )


def plots_figure(model: ScalingModel) -> Figure:
    """The plots of ``model`` now, as a full figure (five dimensions and the timeline)."""
    return PlotsRenderer().figure(plots_data(model))
