"""``scalesim discover``: where in a sweep's uncertainty space an outcome condition holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer


def register(app: typer.Typer) -> None:
    """Add ``discover`` to the CLI."""

    @app.command()
    def discover(
        sweep: Annotated[Path, typer.Argument(help="Results folder of scalesim sweep.")],
        outcome: Annotated[
            str,
            typer.Option(
                help="Condition over outcome columns in the rule language, e.g. "
                "'share_enacting_m24 < 0.6' or 'trip_ticket_missed'."
            ),
        ],
        method: Annotated[
            Literal["prim", "cart"],
            typer.Option(help="Where the chosen box comes from (both tables are written)."),
        ] = "prim",
        option: Annotated[
            str | None,
            typer.Option(help="Only this option's runs (default: all, option as a dimension)."),
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Folder to write (default SWEEP/discover).")
        ] = None,
        quiet: Annotated[bool, typer.Option(help="Do not print the box.")] = False,
    ) -> None:
        """Find the region of SWEEP's uncertainties where --outcome holds (PRIM and CART)."""
        from scalesim.cli.progress import command_line
        from scalesim.workbench.discover import discover as find
        from scalesim.workbench.discover import sweep_cases, write_discovery

        manifest, x, y = sweep_cases(sweep, outcome, option)
        found = find(x, y, outcome, method=method)
        folder = write_discovery(
            found, manifest, out or sweep / "discover", sweep, command_line(), option
        )
        if not quiet:
            typer.echo((folder / "discover.md").read_text(encoding="utf-8"))
        typer.echo(f"wrote {folder}/ (box, peeling_trajectory, cart tables; figures/)")
