"""``scalesim sensitivity``: Sobol indices or Morris screening of an experiment (SALib)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from scalesim.cli.progress import Dask, Workers, command_line, progress_bar


def register(app: typer.Typer) -> None:
    """Add ``sensitivity`` to the CLI."""

    @app.command()
    def sensitivity(
        experiment: Annotated[
            Path,
            typer.Argument(help="Experiment YAML file (its uncertainties are the parameters)."),
        ],
        method: Annotated[
            Literal["sobol", "morris"],
            typer.Option(help="sobol: first/total-order indices; morris: mu*, sigma."),
        ] = "sobol",
        workers: Workers = None,
        dask: Dask = None,
        out: Annotated[
            Path | None,
            typer.Option(help="Results folder (the sweep; the analysis goes to OUT/sensitivity/)."),
        ] = None,
        resume: Annotated[bool, typer.Option(help="Resume an interrupted sweep in --out.")] = False,
        quiet: Annotated[bool, typer.Option(help="No progress bar or table.")] = False,
    ) -> None:
        """Sample EXPERIMENT's uncertainties with SALib, sweep, and report sensitivity indices."""
        from scalesim.common.errors import ScalesimInputError
        from scalesim.workbench.executors import make_executor
        from scalesim.workbench.sensitivity import load_for_method, run_sensitivity
        from scalesim.workbench.store import SweepStore

        exp = load_for_method(experiment, method)
        out = out or Path("out") / f"{exp.spec.name}-{method}"
        if resume:
            SweepStore.open(out, exp.hash)
        elif out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ScalesimInputError(
                "--out",
                "",
                f"{out} exists and is not empty; use --resume to continue there, or another --out",
            )
        with (
            make_executor(workers, dask) as ex,
            progress_bar(f"{method} {exp.spec.name}", quiet) as update,
        ):
            _, facts = run_sensitivity(
                exp, out, ex, resume=resume, command=command_line(), on_progress=update
            )
        if not quiet:
            typer.echo((out / "sensitivity" / "indices.md").read_text(encoding="utf-8"))
        typer.echo(f"{facts['runs']} runs in {out}/; indices and figures in {out}/sensitivity/")
