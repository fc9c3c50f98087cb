"""``scalesim robustness``: which option of a sweep holds up across its futures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add ``robustness`` to the CLI."""

    @app.command()
    def robustness(
        sweep: Annotated[
            Path, typer.Argument(help="Results folder of scalesim sweep (levers × futures).")
        ],
        satisfice: Annotated[
            str,
            typer.Option(
                help="Criterion a future must meet, over per-future means (rule language)."
            ),
        ] = "tt_reached >= 0.5",
        out: Annotated[
            Path | None, typer.Option(help="Folder to write (default SWEEP/robustness).")
        ] = None,
        quiet: Annotated[bool, typer.Option(help="Do not print the table.")] = False,
    ) -> None:
        """Satisficing share, mean, 10th percentile, regret and paired differences per future."""
        from scalesim.cli.progress import command_line
        from scalesim.workbench.robustness import analyze, write_robustness

        manifest, tables, text = analyze(sweep, satisfice)
        folder = write_robustness(
            manifest, tables, text, out or sweep / "robustness", sweep, satisfice, command_line()
        )
        if not quiet:
            typer.echo((folder / "robustness.md").read_text(encoding="utf-8"))
        typer.echo(f"wrote {folder}/ (robustness, futures, paired, failures tables; figures/)")
