"""``scalesim sweep``: every run of an experiment, on local cores or a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalesim.cli.progress import Dask, Workers, command_line, progress_bar


def register(app: typer.Typer) -> None:
    """Add ``sweep`` to the CLI."""

    @app.command()
    def sweep(
        experiment: Annotated[Path, typer.Argument(help="Experiment YAML file.")],
        workers: Workers = None,
        dask: Dask = None,
        out: Annotated[
            Path | None, typer.Option(help="Results folder (default out/<experiment name>).")
        ] = None,
        resume: Annotated[
            bool,
            typer.Option(help="Continue an interrupted sweep in --out: run only what is missing."),
        ] = False,
        retry_failed: Annotated[
            bool, typer.Option(help="With --resume, also re-run runs stored with an error.")
        ] = False,
        quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    ) -> None:
        """Run every task of EXPERIMENT into a resumable Parquet store."""
        from scalesim.common.errors import ScalesimInputError
        from scalesim.workbench.executors import WorkerLostError, make_executor
        from scalesim.workbench.experiment import load_experiment
        from scalesim.workbench.store import SweepStore
        from scalesim.workbench.sweep import run_sweep

        exp = load_experiment(experiment)
        out = out or Path("out") / exp.spec.name
        if retry_failed and not resume:
            raise ScalesimInputError("--retry-failed", "", "only makes sense with --resume")
        if resume:
            SweepStore.open(out, exp.hash)  # fail before starting any worker
        elif out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ScalesimInputError(
                "--out",
                "",
                f"{out} exists and is not empty; use "
                "--resume to continue a sweep there, or another --out",
            )
        n = len(exp.tasks())
        with (
            make_executor(workers, dask) as ex,
            progress_bar(f"sweep {exp.spec.name}", quiet) as update,
        ):
            try:
                rep = run_sweep(
                    exp,
                    out,
                    ex,
                    resume=resume,
                    retry_failed=retry_failed,
                    command=command_line(),
                    on_progress=update,
                )
            except WorkerLostError as exc:
                typer.echo(f"error: {exc}; run the same command with --resume to finish", err=True)
                raise SystemExit(1) from None
        typer.echo(
            f"{rep.ok + rep.error} of {n} runs stored in {out}/ ({rep.ran} run now, "
            f"{rep.skipped} already there); {rep.error} failed"
            + (" (see the status and error columns of runs.parquet)" if rep.error else "")
        )
