"""Matplotlib figures of the app: the district and the live plots (pure functions of a model).

Both read the model only through its public views: the educator agents' ``state``, the
school columns, the DataCollector's table, the trip ticket, the travel log. Colours are
colour-blind safe: the district uses four steps of viridis (ordered light to dark, so the
states also read in grey scale) and the plots use the Okabe–Ito palette with distinct line
styles.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from scalesim.model import ScalingModel

# unaware, aware, enacting, deep: light grey, then viridis yellow → teal → dark purple.
STATES = ("unaware", "aware", "enacting", "deep")
STATE_COLOURS = ("#E3E3E3", "#FDE725", "#21918C", "#3B0F70")
STATE_LABELS = {
    "unaware": "unaware",
    "aware": "aware, not enacting",
    "enacting": "enacting",
    "deep": "enacting at depth",
}
HIGH_NEED_FRAME = "#000000"
# Okabe & Ito (2008) colour-blind-safe palette.
OI = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "purple": "#CC79A7",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "black": "#000000",
}
DPI = 80


def to_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


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


def district_figure(model: ScalingModel, width: float = 6.2, height: float = 5.6) -> Figure:
    """One waffle tile per school, educators coloured by state; high-need schools outlined.

    Within a tile educators are sorted deep → enacting → aware → unaware, so the coloured
    area of a tile reads as its share at a glance. High-need schools come first.
    """
    states = educator_states(model)
    sch = model.schools
    high, other = school_order(model)
    side = max(2, math.ceil(math.sqrt(int(sch.size.max()))))
    pitch = side + 2  # margins hold the high-need frame and keep neighbouring frames apart
    n_total = len(high) + len(other)
    cols = max(4, math.ceil(math.sqrt(n_total * 1.25)))
    rows_high = math.ceil(len(high) / cols)
    rows_other = math.ceil(len(other) / cols)
    gap_rows = 1 if high and other else 0
    n_rows = rows_high + gap_rows + rows_other
    img = np.ones((n_rows * pitch, cols * pitch, 3))
    palette = np.array([_rgb(c) for c in STATE_COLOURS])
    frames: list[Rectangle] = []

    def place(schools: list[int], row0: int, framed: bool) -> None:
        for k, s in enumerate(schools):
            r, c = row0 + k // cols, k % cols
            y0, x0 = r * pitch + 1, c * pitch + 1
            st = np.sort(states[sch.start[s] : sch.start[s] + sch.size[s]])[::-1]
            cells = np.ones((side * side, 3))
            cells[: st.size] = palette[st]
            img[y0 : y0 + side, x0 : x0 + side] = cells.reshape(side, side, 3)
            if framed:
                frames.append(Rectangle((x0 - 1.0, y0 - 1.0), side + 1.0, side + 1.0))

    place(high, 0, framed=True)
    place(other, rows_high + gap_rows, framed=False)

    fig = Figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0.01, 0.12, 0.98, 0.80))
    ax.imshow(img, interpolation="nearest", aspect="equal")
    ax.add_collection(PatchCollection(frames, facecolor="none", edgecolor=HIGH_NEED_FRAME,
                                      linewidth=1.6))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if high:
        ax.text(0, -0.3, f"High-need schools ({len(high)}, outlined)", fontsize=10,
                va="bottom", fontweight="bold")
    if other:
        y = (rows_high + gap_rows) * pitch - 0.3
        ax.text(0, y, f"Other schools ({len(other)})", fontsize=10, va="bottom",
                fontweight="bold")
    counts = np.bincount(states, minlength=len(STATES))
    handles = [
        Patch(facecolor=STATE_COLOURS[i], edgecolor="#888888",
              label=f"{STATE_LABELS[s]}: {counts[i]:,}")
        for i, s in enumerate(STATES)
    ]
    fig.legend(handles=handles, loc="lower center", ncols=2, frameon=False, fontsize=10)
    fig.suptitle(
        f"District at month {model.month:.1f}: {model.ed.n:,} educators in {sch.n} schools",
        fontsize=12, y=0.985,
    )
    return fig


def _rgb(colour: str) -> tuple[float, float, float]:
    h = colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


# --------------------------------------------------------------------------- the plots

# (panel title, [(metric, label, colour, line style)])
PANELS: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = (
    ("Spread", (
        ("share_enacting", "educators enacting", OI["blue"], "-"),
        ("destination_share", "enacting at destination depth", OI["orange"], "--"),
    )),
    ("Depth", (
        ("mean_depth", "mean depth (enacting)", OI["blue"], "-"),
        ("share_deep", "educators at depth", OI["orange"], "--"),
    )),
    ("Ownership", (
        ("mean_ownership", "mean ownership (enacting)", OI["blue"], "-"),
        ("district_ownership", "district ownership", OI["orange"], "--"),
    )),
    ("Sustainability", (
        ("institutionalization", "institutionalization", OI["blue"], "-"),
        ("leadership_support", "leadership support", OI["orange"], "--"),
        ("policy_alignment", "policy alignment", OI["green"], ":"),
    )),
    ("Equity of reach", (
        ("high_need_coverage", "enacting, high-need schools", OI["vermillion"], "-"),
        ("other_coverage", "enacting, other schools", OI["sky"], "--"),
        ("destination_equity_share", "at destination depth, high-need", OI["purple"], "-."),
    )),
)


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
            out.append((e["month"], e["type"].replace("_", " ")))
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


def plots_figure(model: ScalingModel, width: float = 8.6, height: float = 7.4) -> Figure:
    """Five dimensions over time with the trip-ticket targets, and the strategy timeline."""
    df = model.datacollector.get_model_vars_dataframe()
    month = df["month"].to_numpy(dtype=float)
    horizon = model.n_weeks * 12 / 52
    dest = destination(model)
    shocks = shock_events(model)
    # A fixed layout: constrained layout costs most of a second per frame.
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.96, bottom=0.06, wspace=0.32,
                        hspace=0.3)
    axes = fig.subplots(3, 2, sharex=True)
    flat: list[Axes] = list(axes.flat)
    for ax, (title, lines) in zip(flat, PANELS, strict=False):
        for metric, label, colour, style in lines:
            ax.plot(month, df[metric].to_numpy(dtype=float), color=colour, ls=style,
                    lw=2, label=label)
        ax.set_title(title, fontsize=11, loc="left", fontweight="bold")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        _mark_shocks(ax, shocks)
    _target(flat[0], dest.target, dest.by_month, f"target {dest.target:.0%} by month "
            f"{dest.by_month:g}")
    flat[1].axhline(dest.min_depth, color="#555555", ls=":", lw=1)
    flat[1].text(0.5, dest.min_depth + 0.01, f"destination depth {dest.min_depth:g}",
                 fontsize=8, color="#555555")
    _target(flat[4], dest.equity_target, dest.by_month, f"equity target "
            f"{dest.equity_target:.0%}")
    for ax, (_, lines) in zip(flat, PANELS, strict=False):
        ax.legend(fontsize=9, loc="upper left", frameon=True, framealpha=0.8)
        ax.tick_params(labelsize=9)
        del lines
    _timeline(flat[5], model, shocks, horizon)
    for ax in flat:
        ax.set_xlim(0, horizon)
    for ax in axes[-1]:
        ax.set_xlabel("month", fontsize=10)
    if model.month > 0:
        for ax in flat:
            ax.axvline(model.month, color="#999999", lw=0.8)
    return fig


def _target(ax: Axes, level: float, by_month: float, label: str) -> None:
    """The destination as a dashed target line and a flag at its deadline."""
    ax.axhline(level, color=OI["black"], ls=(0, (6, 3)), lw=1.2)
    ax.plot([by_month], [level], marker=">", ms=9, color=OI["black"], ls="none", label=label)


def _mark_shocks(ax: Axes, shocks: list[tuple[float, str]]) -> None:
    for month, _ in shocks:
        ax.axvline(month, color=OI["vermillion"], ls="--", lw=1.2, alpha=0.9)


def _timeline(ax: Axes, model: ScalingModel, shocks: list[tuple[float, str]],
              horizon: float) -> None:
    """Strategies as bars over time, shocks as labelled lines, pit stops as ticks."""
    rows = strategy_intervals(model)
    labels: list[str] = []
    for label, start, stop, pending in rows:
        if label not in labels:
            labels.append(label)
        y = labels.index(label)
        end = stop if stop is not None else (horizon if pending else max(model.month, start))
        if pending:
            ax.hlines(y + 0.15, start, end, colors=OI["blue"], linestyles=":", lw=2)
        else:
            ax.broken_barh([(start, max(end - start, 0.15))], (y - 0.05, 0.4),
                           facecolors=OI["blue"], alpha=0.85)
    for y, label in enumerate(labels):
        ax.text(0.3, y - 0.1, label.replace("_", " "), fontsize=9, va="bottom")
    ax.set_yticks([])
    ax.set_ylim(-0.9, max(len(labels), 1) - 0.3)
    ax.invert_yaxis()
    for month, label in shocks:
        ax.axvline(month, color=OI["vermillion"], ls="--", lw=1.2)
        ax.text(month, -0.85, " " + label, va="top", ha="left", fontsize=8,
                color=OI["vermillion"])
    for stop in model.pit_stops.rows:
        ax.plot([stop["month"]], [-0.45], marker="v", ms=6,
                color=OI["green"] if stop["planned"] else OI["purple"])
    ax.set_title("Strategies · shocks · pit stops", fontsize=11, loc="left",
                 fontweight="bold")
    ax.grid(axis="x", alpha=0.3)
