"""``scalesim rehearse``: from a pit stop, branch the same history into alternative options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalesim.cli.progress import (
    FORCE_HELP,
    Dask,
    Workers,
    command_line,
    print_comparison,
    progress_bar,
)
from scalesim.common.seeds import DEFAULT_SEED


def orphan_note(option: str, rules: list[tuple[int, str]]) -> None:
    """Say on stderr which adaptation rules cannot act in an option's branch."""
    listed = ", ".join(f"[{i}] {action}" for i, action in rules)
    typer.echo(
        f"note: option {option}: adaptation rules {listed} name a strategy not in its set; "
        "they do nothing in that branch",
        err=True,
    )


def register(app: typer.Typer) -> None:
    """Add ``rehearse`` to the CLI."""

    @app.command()
    def rehearse(
        scenario: Annotated[Path, typer.Argument(help="Scenario whose history is shared.")],
        at: Annotated[
            str,
            typer.Option("--at", help="Branch month (a pit stop), or 'today' (last observation)."),
        ],
        options: Annotated[
            Path,
            typer.Option(
                "--options",
                help="Options YAML file: named alternatives; the first is the baseline.",
            ),
        ],
        reps: Annotated[int, typer.Option(help="Replicates (seeds).")] = 20,
        seed: Annotated[int, typer.Option(help="Root seed the replicate seeds derive from.")] = (
            DEFAULT_SEED
        ),
        seeds: Annotated[str | None, typer.Option(help="Explicit comma-separated seeds.")] = None,
        workers: Workers = None,
        dask: Dask = None,
        out: Annotated[Path | None, typer.Option(help="Results folder.")] = None,
        force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
        quiet: Annotated[bool, typer.Option(help="No progress bar or table.")] = False,
        from_calibration: Annotated[
            Path | None,
            typer.Option(
                "--from-calibration",
                help="Calibration folder: start from the observed state, draw parameters "
                "from its posterior per replicate.",
            ),
        ] = None,
        ignore_orphan_rules: Annotated[
            bool,
            typer.Option(
                help="Accept options whose strategy set leaves out a strategy an adaptation "
                "rule names (the rule then does nothing in that branch)."
            ),
        ] = False,
    ) -> None:
        """Run SCENARIO to month --at, then each option from that exact state; compare them."""
        from scalesim.cli.cmd_compare import parse_seeds
        from scalesim.scenario import load_scenario
        from scalesim.workbench.executors import make_executor
        from scalesim.workbench.from_calibration import (
            branch_month,
            observed_state,
            posterior_draws,
        )
        from scalesim.workbench.rehearse import load_options
        from scalesim.workbench.rehearse import rehearse as run_rehearse

        sc = load_scenario(scenario)
        # The note goes to stderr even with --quiet: it says the branch differs from the file.
        opts = load_options(options, sc, ignore_orphan_rules, on_orphans=orphan_note)
        seed_list = parse_seeds(reps, seed, seeds)
        extra: dict = {}
        if from_calibration is not None:
            draws, info = posterior_draws(from_calibration, len(seed_list), seed)
            extra = {"params": draws, "observed": observed_state(sc)}
        elif at == "today":
            from scalesim.common.errors import ScalesimInputError

            raise ScalesimInputError("--at", "", "'today' needs --from-calibration DIR")
        month = branch_month(sc, at)
        if not 0 <= month < sc.horizon_months:
            from scalesim.common.errors import ScalesimInputError

            raise ScalesimInputError(
                "--at",
                "",
                f"expected a month in [0, {sc.horizon_months:g}) (the horizon), got {month:g}",
            )
        out = out or Path("out") / f"rehearse-{sc.name}-m{month:g}"
        from scalesim.common.files import check_target

        check_target(out, "rehearse", force=force)  # before any run
        with make_executor(workers, dask) as ex, progress_bar("rehearse", quiet) as update:
            tables = run_rehearse(
                sc,
                month,
                opts,
                seed_list,
                ex,
                out,
                scenario_source=str(scenario),
                options_source=str(options),
                command=command_line(),
                seed_root=None if seeds else seed,
                on_progress=update,
                force=force,
                manifest_extra={"calibration": info} if from_calibration is not None else None,
                **extra,
            )
        title = (
            f"Rehearse {sc.name} from month {month:g}: {', '.join(opts)} on "
            f"{len(seed_list)} common seeds"
        )
        print_comparison(out, tables, quiet, failed_runs="branch runs", title=title)
