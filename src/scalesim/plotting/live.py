"""The app's figures: the district as tiles and the live plots, drawn from plain data.

The app copies what a figure shows out of the model into :class:`DistrictData` or
:class:`PlotsData` (``scalesim.app.snapshots``, under the model's lock); drawing needs
no model and no lock. Colours are colour-blind safe: the district uses four steps of
viridis (ordered light to dark, so the states also read in grey scale) and the plots use
the Okabe–Ito palette with distinct line styles.
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

from scalesim.plotting.style import OI, png_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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
# The app's frames are small and redrawn every step: a lower resolution than the report's.
DPI = 80


# --------------------------------------------------------------------------- the district


@dataclass(frozen=True)
class DistrictData:
    """What the district view shows, copied out of the model (drawing needs no lock).

    Attributes:
        states: State code of every educator slot (an index into :data:`STATES`).
        start: First educator slot of each school.
        size: Educators in each school.
        high: High-need schools in display order.
        other: The other schools in display order.
        month: The model's month.
    """

    states: np.ndarray
    start: np.ndarray
    size: np.ndarray
    high: list[int]
    other: list[int]
    month: float


def district_png(d: DistrictData) -> bytes:
    """The district view of ``d`` as PNG bytes."""
    return png_bytes(draw_district(d), dpi=DPI)


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
            # Short handles and tight padding: two columns of panels fit a projector's width.
            leg = ax.legend(
                fontsize=9,
                loc="upper left",
                frameon=True,
                framealpha=0.85,
                handlelength=1.6,
                handletextpad=0.4,
                borderpad=0.3,
                borderaxespad=0.3,
            )
            leg.set_animated(True)
            self.legends.append((ax, leg))
        tl = self.axes[5]
        tl.set_yticks([])
        tl_title = tl.set_title(
            "Strategies · shocks · pit stops", fontsize=11, loc="left", fontweight="bold"
        )
        tl.grid(axis="x", alpha=0.3)
        for ax in self.axes:
            ax.set_xlim(0, d.horizon)
        for ax in axes[-1]:
            ax.set_xlabel("month", fontsize=10)
        _fit_inside(fig, [leg for _, leg in self.legends], [tl_title])
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


# The smallest text the plots use (the depth bar's note): fitting never goes below it.
MIN_FONT_PT = 8.0
# Rounds of fitting (layout, then smaller legend type or a wrapped title) before giving up.
FIT_ROUNDS = 3
# Above this many strategies, the timeline's labels take the smallest type.
TIMELINE_ROWS_AT_FULL_SIZE = 6


def _fit_inside(fig: Figure, legends: list[Any], titles: list[Any]) -> None:
    """Lay the figure out so every title, tick label and legend stays inside it.

    Fixed margin fractions cut the first digit of y tick labels and the timeline's title at
    the app's projector size, so the margins are fitted to the texts (once, when the static
    part is drawn: frames reuse the layout). A legend that would still leave the figure gets
    smaller type (down to :data:`MIN_FONT_PT`), and one of ``titles`` wider than the figure
    wraps at its last separator.
    """
    renderer = fig.canvas.get_renderer()
    right = fig.bbox.x1
    for _ in range(FIT_ROUNDS):
        fig.tight_layout(pad=0.4, h_pad=0.8, w_pad=1.0)
        changed = False
        for leg in legends:
            texts = leg.get_texts()
            size = texts[0].get_fontsize() if texts else MIN_FONT_PT
            if leg.get_window_extent(renderer).x1 > right and size > MIN_FONT_PT:
                for t in texts:
                    t.set_fontsize(max(size - 0.5, MIN_FONT_PT))
                changed = True
        for title in titles:
            text = title.get_text()
            if title.get_window_extent(renderer).x1 > right and " · " in text and "\n" not in text:
                head, _, tail = text.rpartition(" · ")
                title.set_text(f"{head} ·\n{tail}")
                changed = True
        if not changed:
            return
    # The last round changed type or wrapped a title: lay out what it left.
    fig.tight_layout(pad=0.4, h_pad=0.8, w_pad=1.0)


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
    # Smaller type when many strategies share the panel (never below MIN_FONT_PT).
    size = 9.0 if len(labels) <= TIMELINE_ROWS_AT_FULL_SIZE else MIN_FONT_PT
    for y, label in enumerate(labels):
        out.append(ax.text(0.3, y - 0.1, label.replace("_", " "), fontsize=size, va="bottom"))
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
