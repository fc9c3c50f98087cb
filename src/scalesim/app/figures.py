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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from PIL import Image as PILImage

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from scalesim.simulation.model import ScalingModel

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


@dataclass(frozen=True)
class DistrictData:
    """What the district view shows, copied out of the model (drawing needs no lock)."""

    states: np.ndarray
    start: np.ndarray
    size: np.ndarray
    high: list[int]
    other: list[int]
    month: float


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


def district_png(d: DistrictData) -> bytes:
    """The district view of ``d`` as PNG bytes."""
    return to_png(draw_district(d))


def draw_district(d: DistrictData, width: float = 6.2, height: float = 5.6) -> Figure:
    """One waffle tile per school, educators coloured by state; high-need schools outlined.

    Within a tile educators are sorted deep → enacting → aware → unaware, so the coloured
    area of a tile reads as its share at a glance. High-need schools come first.
    """
    states, high, other = d.states, d.high, d.other
    side = max(2, math.ceil(math.sqrt(int(d.size.max()))))
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
            st = np.sort(states[d.start[s] : d.start[s] + d.size[s]])[::-1]
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
    ax.add_collection(
        PatchCollection(frames, facecolor="none", edgecolor=HIGH_NEED_FRAME, linewidth=1.6)
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if high:
        ax.text(
            0,
            -0.3,
            f"High-need schools ({len(high)}, outlined)",
            fontsize=10,
            va="bottom",
            fontweight="bold",
        )
    if other:
        y = (rows_high + gap_rows) * pitch - 0.3
        ax.text(0, y, f"Other schools ({len(other)})", fontsize=10, va="bottom", fontweight="bold")
    counts = np.bincount(states, minlength=len(STATES))
    handles = [
        Patch(
            facecolor=STATE_COLOURS[i],
            edgecolor="#888888",
            label=f"{STATE_LABELS[s]}: {counts[i]:,}",
        )
        for i, s in enumerate(STATES)
    ]
    fig.legend(handles=handles, loc="lower center", ncols=2, frameon=False, fontsize=10)
    fig.suptitle(
        f"District at month {d.month:.1f}: {states.size:,} educators in {d.size.size} schools",
        fontsize=12,
        y=0.985,
    )
    return fig


def _rgb(colour: str) -> tuple[float, float, float]:
    h = colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


# --------------------------------------------------------------------------- the plots

# (panel title, [(metric, label, colour, line style)])
PANELS: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = (
    (
        "Spread",
        (
            ("share_enacting", "educators enacting", OI["blue"], "-"),
            ("destination_share", "enacting at destination depth", OI["orange"], "--"),
        ),
    ),
    (
        "Depth",
        (
            ("mean_depth", "mean depth (enacting)", OI["blue"], "-"),
            ("share_deep", "educators at depth", OI["orange"], "--"),
        ),
    ),
    (
        "Ownership",
        (
            ("mean_ownership", "mean ownership (enacting)", OI["blue"], "-"),
            ("district_ownership", "district ownership", OI["orange"], "--"),
        ),
    ),
    (
        "Sustainability",
        (
            ("institutionalization", "institutionalization", OI["blue"], "-"),
            ("leadership_support", "leadership support", OI["orange"], "--"),
            ("policy_alignment", "policy alignment", OI["green"], ":"),
        ),
    ),
    (
        "Equity of reach",
        (
            ("high_need_coverage", "enacting, high-need schools", OI["vermillion"], "-"),
            ("other_coverage", "enacting, other schools", OI["sky"], "--"),
            ("destination_equity_share", "at destination depth, high-need", OI["purple"], "-."),
        ),
    ),
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


@dataclass(frozen=True)
class PlotsData:
    """What the plots show, copied out of the model (so drawing needs no lock)."""

    month: np.ndarray
    series: dict[str, np.ndarray]
    horizon: float
    now: float
    target: float
    equity_target: float
    min_depth: float
    by_month: float
    shocks: list[tuple[float, str]]
    intervals: list[tuple[str, float, float | None, bool]]
    pit_stops: list[tuple[float, bool]]

    @property
    def static_key(self) -> tuple[float, ...]:
        """What the static part of the figure depends on."""
        return (self.horizon, self.target, self.equity_target, self.min_depth, self.by_month)


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
        shocks=shock_events(model),
        intervals=strategy_intervals(model),
        pit_stops=[(float(r["month"]), bool(r["planned"])) for r in model.pit_stops.rows],
    )


class PlotsRenderer:
    """Draws frames of the plots quickly by blitting.

    The static part (axes, ticks, titles, targets) is drawn once and kept as a bitmap;
    a frame restores it and draws only what changes (the series, legends, shocks, the
    strategy timeline, the current month). A full redraw costs most of a second; a frame
    about a tenth of that (benchmarks/bench_app.py).
    """

    def __init__(self, width: float = 8.6, height: float = 7.4) -> None:
        self.size = (width, height)
        self._key: tuple[float, ...] | None = None

    def _setup(self, d: PlotsData) -> None:
        fig = Figure(figsize=self.size, dpi=DPI)
        self.canvas = FigureCanvasAgg(fig)
        # A fixed layout: constrained layout costs most of a second per frame.
        fig.subplots_adjust(left=0.06, right=0.99, top=0.96, bottom=0.06, wspace=0.32, hspace=0.3)
        axes = fig.subplots(3, 2, sharex=True)
        self.axes: list[Axes] = list(axes.flat)
        self.lines: list[tuple[Any, str]] = []
        self.legends = []
        for ax, (title, lines) in zip(self.axes, PANELS, strict=False):
            for metric, label, colour, style in lines:
                (line,) = ax.plot([], [], color=colour, ls=style, lw=2, label=label, animated=True)
                self.lines.append((line, metric))
            ax.set_title(title, fontsize=11, loc="left", fontweight="bold")
            ax.set_ylim(0, 1.02)
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=9)
        _target(
            self.axes[0], d.target, d.by_month, f"target {d.target:.0%} by month {d.by_month:g}"
        )
        self.axes[1].axhline(d.min_depth, color="#555555", ls=":", lw=1)
        self.axes[1].text(
            0.5,
            d.min_depth + 0.01,
            f"destination depth {d.min_depth:g}",
            fontsize=8,
            color="#555555",
        )
        _target(self.axes[4], d.equity_target, d.by_month, f"equity target {d.equity_target:.0%}")
        for ax in self.axes[:5]:
            leg = ax.legend(fontsize=9, loc="upper left", frameon=True, framealpha=0.85)
            leg.set_animated(True)
            self.legends.append((ax, leg))
        tl = self.axes[5]
        tl.set_yticks([])
        tl.set_title("Strategies · shocks · pit stops", fontsize=11, loc="left", fontweight="bold")
        tl.grid(axis="x", alpha=0.3)
        for ax in self.axes:
            ax.set_xlim(0, d.horizon)
        for ax in axes[-1]:
            ax.set_xlabel("month", fontsize=10)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(fig.bbox)
        self._key = d.static_key

    def figure(self, d: PlotsData) -> Figure:
        """The full figure of ``d`` (for saving; frames use :meth:`png`)."""
        self._draw(d)
        return self.canvas.figure

    def png(self, d: PlotsData) -> bytes:
        """One frame as PNG bytes."""
        self._draw(d)
        w, h = self.canvas.get_width_height()
        img = PILImage.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def _draw(self, d: PlotsData) -> None:
        if self._key != d.static_key:
            self._setup(d)
        self.canvas.restore_region(self.background)
        for line, metric in self.lines:
            line.set_data(d.month, d.series[metric])
            line.axes.draw_artist(line)
        extras: list[Any] = []
        for ax in self.axes[:5]:
            for month, _ in d.shocks:
                extras.append(ax.axvline(month, color=OI["vermillion"], ls="--", lw=1.2, alpha=0.9))
            if d.now > 0:
                extras.append(ax.axvline(d.now, color="#999999", lw=0.8))
        extras += _timeline(self.axes[5], d)
        for artist in extras:
            artist.set_animated(True)
            artist.axes.draw_artist(artist)
        for ax, leg in self.legends:
            ax.draw_artist(leg)
        for artist in extras:
            artist.remove()


def plots_figure(model: ScalingModel) -> Figure:
    """The plots of ``model`` now, as a full figure (five dimensions and the timeline)."""
    return PlotsRenderer().figure(plots_data(model))


def _target(ax: Axes, level: float, by_month: float, label: str) -> None:
    """The destination as a dashed target line and a flag at its deadline."""
    ax.axhline(level, color=OI["black"], ls=(0, (6, 3)), lw=1.2)
    ax.plot([by_month], [level], marker=">", ms=9, color=OI["black"], ls="none", label=label)


def _timeline(ax: Axes, d: PlotsData) -> list[Any]:
    """Strategies as bars over time, shocks as labelled lines, pit stops as ticks."""
    out: list[Any] = []
    labels: list[str] = []
    for label, start, stop, pending in d.intervals:
        if label not in labels:
            labels.append(label)
        y = labels.index(label)
        end = stop if stop is not None else (d.horizon if pending else max(d.now, start))
        if pending:
            out.append(ax.hlines(y + 0.15, start, end, colors=OI["blue"], linestyles=":", lw=2))
        else:
            out.append(
                ax.broken_barh(
                    [(start, max(end - start, 0.15))],
                    (y - 0.05, 0.4),
                    facecolors=OI["blue"],
                    alpha=0.85,
                )
            )
    for y, label in enumerate(labels):
        out.append(ax.text(0.3, y - 0.1, label.replace("_", " "), fontsize=9, va="bottom"))
    ax.set_ylim(max(len(labels), 1) - 0.3, -0.9)  # first strategy on top
    for month, label in d.shocks:
        out.append(ax.axvline(month, color=OI["vermillion"], ls="--", lw=1.2))
        out.append(
            ax.text(
                month, -0.85, " " + label, va="top", ha="left", fontsize=8, color=OI["vermillion"]
            )
        )
    for month, planned in d.pit_stops:
        out += ax.plot(
            [month], [-0.45], marker="v", ms=6, color=OI["green"] if planned else OI["purple"]
        )
    if d.now > 0:
        out.append(ax.axvline(d.now, color="#999999", lw=0.8))
    return out
