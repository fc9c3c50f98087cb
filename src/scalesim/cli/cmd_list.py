"""``scalesim list``: what scenario files can name (strategies, rules, shocks, metrics).

Strategies and shocks are listed by the type a scenario file writes and the plain name the
report and tables show for it.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from scalesim.common.sources import cite_titles

Kind = Literal["strategies", "rules", "shocks", "metrics"]


def _first_line(doc: str | None) -> str:
    """A docstring's first line, with documents cited by title (users read this)."""
    return cite_titles((doc or "").strip().splitlines()[0]) if doc else ""


def register(app: typer.Typer) -> None:
    """Add ``list`` to the CLI."""

    @app.command("list")
    def list_(
        what: Annotated[
            str, typer.Argument(help="strategies, rules, shocks or metrics.")
        ] = "strategies",
    ) -> None:
        """List the registered strategies, selection rules, shocks or metrics."""
        from scalesim.common.errors import ScalesimInputError
        from scalesim.journey.selection import RULES
        from scalesim.journey.shocks import SHOCKS
        from scalesim.journey.strategies import STRATEGIES
        from scalesim.metrics import METRICS
        from scalesim.scenario.names import shock_name, strategy_name

        table = Table(show_header=True, header_style="bold")
        if what == "strategies":
            cols = (
                "type",
                "name",
                "targets",
                "default selection",
                "cost/month",
                "priority",
                "what",
            )
            for col in cols:
                table.add_column(col)
            for name, cls in sorted(STRATEGIES.items()):
                sel = cls.default_select.get("rule", "-") if cls.default_select else "-"
                table.add_row(
                    name,
                    strategy_name(name),
                    cls.targets,
                    sel,
                    f"{cls.default_cost:g}",
                    str(cls.default_priority),
                    _first_line(cls.__doc__),
                )
        elif what == "rules":
            from scalesim.journey import selection

            table.add_column("rule")
            for rule in RULES:
                table.add_row(rule)
            Console().print(_first_line(selection.__doc__))
        elif what == "shocks":
            for col in ("type", "name", "windowed", "what"):
                table.add_column(col)
            for name, cls in sorted(SHOCKS.items()):
                table.add_row(
                    name,
                    shock_name(name),
                    "yes" if cls.windowed else "no",
                    _first_line(cls.__doc__),
                )
        elif what == "metrics":
            for col in ("name", "dimension", "unit", "direction", "label"):
                table.add_column(col)
            for name, d in METRICS.items():
                table.add_row(name, d.dimension, d.unit, d.kind, d.label)
        else:
            from scalesim.common.validation import did_you_mean

            kinds = ["strategies", "rules", "shocks", "metrics"]
            raise ScalesimInputError(
                "scalesim list",
                "WHAT",
                f"unknown list {what!r}{did_you_mean(what, kinds)}; expected one of: "
                f"{', '.join(kinds)}",
            )
        Console(width=140).print(table)
