"""``scalesim sweep``: every run of an experiment, on local cores or a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalesim.cli.progress import (
    Dask,
    Workers,
    command_line,
    progress_bar,
    resume_hint,
    stored_runs,
)


def interrupted(out: Path, n: int, what: str = "runs") -> SystemExit:
    """Report a Ctrl-C in one line (how much is stored, how to resume); exit code 130."""
    if (out / "manifest.json").is_file():
        typer.echo(
            f"interrupted: {stored_runs(out)} of {n} {what} stored in {out}/; "
            f"finish with: {resume_hint(out)}",
            err=True,
        )
    else:
        typer.echo("interrupted before any run was stored; nothing was written", err=True)
    return SystemExit(130)


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
        force: Annotated[
            bool,
            typer.Option(
                help="Start afresh in --out, replacing what is there (an earlier sweep, or "
                "any folder but the current one, its parents and the home folder)."
            ),
        ] = False,
        quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    ) -> None:
        """Run every task of EXPERIMENT into a resumable Parquet store."""
        from scalesim.common.errors import ScalesimInputError
        from scalesim.common.files import check_target
        from scalesim.workbench.executors import WorkerLostError, make_executor
        from scalesim.workbench.experiment import load_experiment
        from scalesim.workbench.store import SweepStore
        from scalesim.workbench.sweep import run_sweep

        exp = load_experiment(experiment)
        out = out or Path("out") / exp.spec.name
        if retry_failed and not resume:
            raise ScalesimInputError("--retry-failed", "", "only makes sense with --resume")
        if resume and force:
            raise ScalesimInputError("--force", "", "give --resume or --force, not both")
        # Fail before starting any worker.
        if resume:
            SweepStore.open(out, exp.hash)
        else:
            check_target(out, "sweep", force=force, replace=False)
        n = len(exp.tasks())
        try:
            with (
                make_executor(workers, dask) as ex,
                progress_bar(f"sweep {exp.spec.name}", quiet) as update,
            ):
                rep = run_sweep(
                    exp,
                    out,
                    ex,
                    resume=resume,
                    retry_failed=retry_failed,
                    command=command_line(),
                    on_progress=update,
                    force=force,
                )
        except KeyboardInterrupt:
            raise interrupted(out, n) from None
        except WorkerLostError as exc:
            typer.echo(f"error: {exc}; finish with: {resume_hint(out)}", err=True)
            raise SystemExit(1) from None
        if rep.corrupt_chunks:
            typer.echo(
                f"re-ran {len(rep.corrupt_chunks)} damaged chunk(s) (first task ids "
                f"{', '.join(map(str, rep.corrupt_chunks))})",
                err=True,
            )
        typer.echo(
            f"{rep.ok + rep.error} of {n} runs stored in {out}/ ({rep.ran} run now, "
            f"{rep.skipped} already there); {rep.error} failed"
            + (" (see the status and error columns of runs.parquet)" if rep.error else "")
        )
