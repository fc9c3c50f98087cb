"""``scalesim sensitivity``: Sobol indices or Morris screening of an experiment (SALib)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from scalesim.cli.progress import Dask, Workers, command_line, progress_bar, resume_hint


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
        force: Annotated[
            bool,
            typer.Option(help="Start afresh in --out, replacing what is there (see sweep)."),
        ] = False,
        quiet: Annotated[bool, typer.Option(help="No progress bar or table.")] = False,
    ) -> None:
        """Sample EXPERIMENT's uncertainties with SALib, sweep, and report sensitivity indices."""
        from scalesim.cli.cmd_sweep import interrupted
        from scalesim.common.errors import ScalesimInputError
        from scalesim.common.files import check_target
        from scalesim.workbench.executors import WorkerLostError, make_executor
        from scalesim.workbench.sensitivity import load_for_method, run_sensitivity
        from scalesim.workbench.store import SweepStore

        exp = load_for_method(experiment, method)
        out = out or Path("out") / f"{exp.spec.name}-{method}"
        if resume and force:
            raise ScalesimInputError("--force", "", "give --resume or --force, not both")
        if resume:
            SweepStore.open(out, exp.hash)
        else:
            check_target(out, "sweep", force=force, replace=False)
        try:
            with (
                make_executor(workers, dask) as ex,
                progress_bar(f"{method} {exp.spec.name}", quiet) as update,
            ):
                _, facts = run_sensitivity(
                    exp,
                    out,
                    ex,
                    resume=resume,
                    command=command_line(),
                    on_progress=update,
                    force=force,
                )
        except KeyboardInterrupt:
            raise interrupted(out, len(exp.tasks())) from None
        except WorkerLostError as exc:
            typer.echo(f"error: {exc}; finish with: {resume_hint(out)}", err=True)
            raise SystemExit(1) from None
        if not quiet:
            typer.echo((out / "sensitivity" / "indices.md").read_text(encoding="utf-8"))
        typer.echo(f"{facts['runs']} runs in {out}/; indices and figures in {out}/sensitivity/")
