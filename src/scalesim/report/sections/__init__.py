"""The report's sections, each answering one of the framework's questions from the tables.

The sections mirror the Navigator's tools in the framework (``000_*.txt``, Appendix): the
trip ticket, the pit-stop checklist, the strategy set and the influential factors, plus
the views of scale of ``002_*.txt`` (spread, depth, ownership, sustainability) and equity of
reach. Which sections a folder gets depends on its kind (:data:`SECTIONS`). Every number
is printed through :func:`scalesim.report.formatting.num`, tagged with its source table.
One module per section.
"""

from __future__ import annotations

from collections.abc import Callable

from scalesim.report.sections.base import SECTIONS, TITLES, Ctx, Section
from scalesim.report.sections.calibration import calibration
from scalesim.report.sections.decisions import discovery, optimization, robustness
from scalesim.report.sections.equity import left_behind
from scalesim.report.sections.factors import factors
from scalesim.report.sections.headline import headline
from scalesim.report.sections.journey import where_we_have_been
from scalesim.report.sections.options import compared_options
from scalesim.report.sections.pit_stops import pit_stops
from scalesim.report.sections.provenance import provenance
from scalesim.report.sections.strategy_set import strategies
from scalesim.report.sections.trip_ticket import trip_ticket

__all__ = ["BUILDERS", "SECTIONS", "TITLES", "Ctx", "Section", "build_sections", "headline"]

BUILDERS: dict[str, Callable[[Ctx], Section | None]] = {
    "trip-ticket": trip_ticket,
    "where-we-have-been": where_we_have_been,
    "left-behind": left_behind,
    "pit-stops": pit_stops,
    "strategies": strategies,
    "factors": factors,
    "compared-options": compared_options,
    "discovery": discovery,
    "robustness": robustness,
    "optimization": optimization,
    "provenance": provenance,
    "calibration": calibration,
}


def build_sections(ctx: Ctx) -> list[Section]:
    """Every section that applies to the folder's kind, in page order."""
    out = []
    for sid in SECTIONS[ctx.res.kind]:
        sec = BUILDERS[sid](ctx)
        if sec is not None:
            out.append(sec)
    return out
