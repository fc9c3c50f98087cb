"""``scalesim compare``: strategy sets on common seeds, with honest intervals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from scalesim.cli.progress import (
    FORCE_HELP,
    MAX_REPS,
    Dask,
    Workers,
    command_line,
    print_comparison,
    progress_bar,
)
from scalesim.common.seeds import DEFAULT_SEED

NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


def parse_seeds(reps: int, seed: int, seeds: str | None, option: str = "--seeds") -> list[int]:
    """Explicit seeds (``"1,2,3"``) or ``reps`` seeds derived from ``seed``.

    Every seed, explicit or the root, is in the one seed range [0, 2**63)
    (:func:`scalesim.common.seeds.check_seed`); derived seeds are unchanged (in [0, 2**31)).
    At most :data:`~scalesim.cli.progress.MAX_REPS` replicates, checked before any is made.
    """
    from scalesim.common.errors import ScalesimInputError
    from scalesim.common.seeds import check_seed
    from scalesim.workbench.experiment_schema import derive_seeds

    if seeds:
        parts = [s.strip() for s in seeds.split(",") if s.strip()]
        if len(parts) > MAX_REPS:
            raise ScalesimInputError(option, "", f"{len(parts):,} seeds; at most {MAX_REPS:,}")
        if not all(p.lstrip("+-").isdigit() for p in parts):
            raise ScalesimInputError(
                option, "", f"expected comma-separated integers, got {seeds!r}"
            )
        out = [check_seed(int(s), option) for s in parts]
        if not out or len(set(out)) != len(out):
            raise ScalesimInputError(
                option, "", f"expected distinct whole numbers in [0, 2**63), got {seeds!r}"
            )
        return out
    if not 1 <= reps <= MAX_REPS:
        raise ScalesimInputError("--reps", "", f"expected 1 to {MAX_REPS:,} (got {reps:,})")
    return derive_seeds(check_seed(seed, "--seed"), reps)


def option_names(paths: list[Path], names: list[str] | None) -> list[str]:
    """Option names: ``--name`` values, or the files' stems made unique."""
    from scalesim.common.errors import ScalesimInputError
    from scalesim.workbench.compare import unique_names

    if names:
        if len(names) != len(paths):
            raise ScalesimInputError(
                "--name", "", f"give one --name per scenario ({len(paths)}), got {len(names)}"
            )
        if len(set(names)) != len(names):
            raise ScalesimInputError("--name", "", "names must be distinct")
        out = names
    else:
        out = unique_names([p.stem for p in paths])
    for n in out:
        if not NAME_RE.match(n):
            raise ScalesimInputError("--name", "", f"{n!r}: use letters, digits, '_', '-', '.'")
    return out


def register(app: typer.Typer) -> None:
    """Add ``compare`` to the CLI."""

    @app.command()
    def compare(
        scenarios: Annotated[
            list[Path],
            typer.Argument(help="Scenario files, one per strategy set; the first is the baseline."),
        ],
        reps: Annotated[int, typer.Option(help="Replicates (seeds) per option.")] = 20,
        seed: Annotated[int, typer.Option(help="Root seed the replicate seeds derive from.")] = (
            DEFAULT_SEED
        ),
        seeds: Annotated[
            str | None,
            typer.Option(help="Explicit comma-separated seeds (overrides --reps/--seed)."),
        ] = None,
        name: Annotated[
            list[str] | None, typer.Option(help="Option name (repeat, one per scenario).")
        ] = None,
        workers: Workers = None,
        dask: Dask = None,
        out: Annotated[Path | None, typer.Option(help="Results folder.")] = None,
        force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
        quiet: Annotated[bool, typer.Option(help="No progress bar or table.")] = False,
    ) -> None:
        """Run SCENARIOS on the same seeds; report means, paired differences and P(destination)."""
        from scalesim.common.errors import ScalesimInputError
        from scalesim.common.files import check_target
        from scalesim.scenario import load_scenario
        from scalesim.workbench.compare import Option
        from scalesim.workbench.compare import compare as run_compare
        from scalesim.workbench.executors import make_executor

        if len(scenarios) < 2:
            raise ScalesimInputError("SCENARIOS", "", "give at least two scenario files")
        names = option_names(scenarios, name)
        seed_list = parse_seeds(reps, seed, seeds)
        options = [
            Option(n, load_scenario(p), str(p)) for n, p in zip(names, scenarios, strict=True)
        ]
        out = out or Path("out") / ("compare-" + "-vs-".join(names))
        check_target(out, "compare", force=force)  # before any run
        with make_executor(workers, dask) as ex, progress_bar("compare", quiet) as update:
            tables = run_compare(
                options,
                seed_list,
                ex,
                out,
                command=command_line(),
                seed_root=None if seeds else seed,
                on_progress=update,
                force=force,
            )
        title = f"Compare {', '.join(names)} on {len(seed_list)} common seeds"
        print_comparison(out, tables, quiet, failed_runs="runs", title=title)
