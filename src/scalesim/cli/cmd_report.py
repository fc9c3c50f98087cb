"""``scalesim report``: the pit-stop report, one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add ``report`` to the CLI."""

    @app.command()
    def report(
        results: Annotated[
            Path,
            typer.Argument(
                help="Results folder written by scalesim run, compare, rehearse or sweep."
            ),
        ],
        out: Annotated[
            Path | None,
            typer.Option(
                help="HTML file to write (default: "
                "RESULTS/report.html); figures go to "
                "figures/ next to it."
            ),
        ] = None,
    ) -> None:
        """Write one self-contained HTML report of RESULTS (figures embedded; no network)."""
        from scalesim.report import build_report

        path = build_report(results, out)
        typer.echo(f"wrote {path}")
