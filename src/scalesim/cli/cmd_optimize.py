"""``scalesim optimize``: the Pareto front of cost against reaching the trip ticket."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from scalesim.cli.progress import Dask, Workers, command_line, progress_bar
from scalesim.common.seeds import DEFAULT_SEED


def register(app: typer.Typer) -> None:
    """Add ``optimize`` to the CLI."""

    @app.command()
    def optimize(
        scenario: Annotated[Path, typer.Argument(help="The scenario the team starts from.")],
        levers: Annotated[
            Path, typer.Option(help="Levers YAML: the strategies and fields the search may set.")
        ],
        objectives: Annotated[
            str,
            typer.Option(
                help="Comma-separated metrics or run summary columns, cost first "
                "(directions from the metric registry)."
            ),
        ] = "capacity_spent,tt_reached",
        trials: Annotated[int, typer.Option(help="Candidates to evaluate.")] = 64,
        batch: Annotated[
            int, typer.Option(help="Candidates asked at once (results depend on it).")
        ] = 8,
        sampler: Annotated[Literal["tpe", "nsga2"], typer.Option(help="Optuna sampler.")] = "tpe",
        seed: Annotated[int, typer.Option(help="Seed of the search.")] = DEFAULT_SEED,
        workers: Workers = None,
        dask: Dask = None,
        out: Annotated[
            Path | None, typer.Option(help="Results folder (default out/optimize-<name>).")
        ] = None,
        quiet: Annotated[bool, typer.Option(help="No progress bar or table.")] = False,
    ) -> None:
        """Search LEVERS for the cheapest sets that reach the trip ticket (common seeds)."""
        import logging

        from scalesim.common.errors import ScalesimInputError
        from scalesim.simulation.output import check_out_dir
        from scalesim.workbench.executors import make_executor
        from scalesim.workbench.optimize import load_problem, run_optimize

        prob = load_problem(scenario, levers, objectives, trials, batch, sampler, seed)
        out = out or Path("out") / f"optimize-{prob.levers.spec.name}"
        check_out_dir(out)
        if out.exists() and any(out.iterdir()):
            raise ScalesimInputError("--out", "", f"{out} exists and is not empty")
        # Optuna logs every new study at INFO on its own handler; the progress bar says more.
        import optuna

        optuna.logging.set_verbosity(logging.WARNING)
        with make_executor(workers, dask) as ex, progress_bar("optimize", quiet) as update:
            rep = run_optimize(prob, out, ex, command=command_line(), on_progress=update)
        if not quiet:
            import pandas as pd

            fr = pd.read_csv(out / "front.csv")
            cols = ["trial", *[o.name for o in prob.objectives], "set"]
            typer.echo(fr[cols].to_string(index=False, max_colwidth=90))
        typer.echo(
            f"{rep.trials} candidates ({rep.runs} runs, {rep.failed_runs} failed) in {out}/; "
            f"{len(rep.front)} on the front; their sets in {out}/sets/"
        )
