"""Shared pieces of the multi-run commands: the progress bar, executor options, seeds."""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

Workers = Annotated[
    int | None,
    typer.Option("--workers", "-w", help="Local worker processes (default 1: run serially)."),
]
Dask = Annotated[
    str | None,
    typer.Option(
        "--dask",
        help="'local' starts a Dask LocalCluster; tcp://host:8786 uses an existing scheduler.",
    ),
]


FORCE_HELP = (
    "Replace --out even if it is not a results folder of this command (never the current "
    "folder, a parent of it, or the home folder). Without it, an earlier result of the same "
    "command is replaced whole and anything else is refused."
)
# Most replicates compare and rehearse accept: they hold every run's tables in memory.
MAX_REPS = 10_000


def command_line() -> str:
    """The command as typed, for manifests."""
    return "scalesim " + shlex.join(sys.argv[1:])


@contextlib.contextmanager
def progress_bar(label: str, quiet: bool = False) -> Iterator[Callable[[int, int, int], None]]:
    """A rich progress bar (on stderr) showing runs done, failures and time left.

    Yields:
        ``update(done, failed, total)``.
    """
    if quiet:
        yield lambda done, failed, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs · [red]{task.fields[failed]} failed[/red]"),
        TimeElapsedColumn(),
        TextColumn("· left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as prog:
        tid = prog.add_task(label, total=None, failed=0)

        def update(done: int, failed: int, total: int) -> None:
            prog.update(tid, completed=done, total=total, failed=failed)

        yield update


def resume_hint(out: Path, command: str = "sweep") -> str:
    """The command that resumes the interrupted sweep in ``out`` (as typed, plus --resume)."""
    args = [a for a in sys.argv[1:] if a not in ("--resume", "--force", "--no-resume")]
    if "--out" not in args and not any(a.startswith("--out=") for a in args):
        args += ["--out", str(out)]
    return "scalesim " + shlex.join([*args, "--resume"])


def stored_runs(out: Path) -> int:
    """How many runs a sweep folder holds (intact ``runs`` chunks), 0 if none."""
    import pyarrow.parquet as pq

    folder = Path(out) / "parts" / "runs"
    n = 0
    for f in sorted(folder.glob("chunk-*.parquet")) if folder.is_dir() else []:
        try:
            n += pq.read_metadata(f).num_rows
        except Exception:  # a damaged chunk is re-run by --resume
            continue
    return n


def print_comparison(
    out: Path, tables: dict, quiet: bool, failed_runs: str = "runs", title: str = ""
) -> None:
    """Print the comparison's tables (unless quiet) and what was written.

    The tables are rich tables (:mod:`scalesim.cli.tables`) sized to the terminal: four
    columns each, so they fit 80 columns; ``comparison.md`` holds the same numbers.
    """
    if not quiet and len(tables.get("comparison", ())):
        from rich.console import Console

        from scalesim.cli.tables import comparison_group

        Console().print(
            comparison_group(tables["comparison"], tables.get("trip_ticket"), title or str(out))
        )
    nerr = int((tables["runs"]["status"] != "ok").sum())
    typer.echo(
        f"wrote {out}/ (comparison.md, tables .parquet/.csv, figures/)"
        + (f"; {nerr} {failed_runs} failed (see runs.csv)" if nerr else "")
    )
