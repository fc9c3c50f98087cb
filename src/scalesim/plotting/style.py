"""The look every figure shares: palette, line styles, markers, rc settings, PNG output.

Colours are the Okabe & Ito (2008) palette, which stays distinguishable under the common
colour-vision deficiencies; options are also told apart by line style and marker, so a
grey-scale print still reads. Figures are :class:`matplotlib.figure.Figure` objects built
without pyplot, so drawing one never touches pyplot's global state or the backend.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from scalesim.metrics.units import PERCENT_UNITS

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion,
# reddish purple, sky blue, yellow, black.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
# The same colours by name, for figures whose lines have fixed meanings.
OI = dict(
    zip(
        ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black"),
        OKABE_ITO,
        strict=True,
    )
)
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
SHOCK_COLOUR = "#D55E00"
PIT_COLOUR = "0.35"
STYLE = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.facecolor": "white",
}


def colour(i: int) -> str:
    """The ``i``-th palette colour (options keep their colour in every figure)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def png_bytes(fig: Figure, dpi: float | None = None) -> bytes:
    """Render ``fig`` as PNG bytes: the same figure gives the same bytes.

    Args:
        fig: The figure.
        dpi: Resolution (default: the figure's own).
    """
    buf = io.BytesIO()
    # metadata Software=None: no version string; PNG from Agg has no date either.
    fig.savefig(buf, format="png", dpi=dpi or "figure", metadata={"Software": None})
    return buf.getvalue()


def new_figure(nrows: int, ncols: int, w: float, h: float, **kw: Any) -> tuple[Figure, np.ndarray]:
    """A ``w`` × ``h`` inch figure in :data:`STYLE` with a 2-D array of axes.

    Args:
        nrows: Rows of panels.
        ncols: Columns of panels.
        w: Width in inches.
        h: Height in inches.
        **kw: Passed to :meth:`matplotlib.figure.Figure.subplots` (``sharex``,
            ``gridspec_kw``…).
    """
    # The style reaches what is created inside the context (figure size and dpi, axes,
    # spines, grid, tick labels). Titles and labels set afterwards read the rc settings in
    # force at that moment; the report's figures have always been drawn that way, and
    # widening the context would change every one of them.
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(w, h))
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def unit_axis(ax: Any, unit: str, axis: str = "y", label: str | None = None) -> None:
    """Label an axis with its unit; shares as percentages."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if unit in PERCENT_UNITS:
        target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        text = label or unit.replace("share of ", "% of ")
    elif unit == "person-days":
        target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        text = label or "person-days"
    else:
        text = label or unit
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(text)
