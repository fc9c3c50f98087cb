"""``scalesim run``: one scenario, one seed, every output."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scalesim.cli.progress import FORCE_HELP
from scalesim.common.seeds import DEFAULT_SEED, SEED_MAX
from scalesim.metrics import METRICS
from scalesim.metrics.units import format_metric, format_value, metric_label

# Shortfalls are differences of shares: shown in percentage points.
PP = "share of educators"


def _points(short: float) -> str:
    """A shortfall (a difference of shares) in percentage points, without a sign."""
    return format_value(short, PP, diff=True).lstrip("+")


def summary_table(summary: dict, title: str, measure: str = "educators") -> Table:
    """A readable table of a run's end state and trip-ticket verdict.

    Args:
        summary: The run's summary (``summary.json``).
        title: The table's title.
        measure: What the destination counts (``trip_ticket.destination.measure``): the trip
            ticket's shares are of educators or of students.
    """
    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("dimension")
    t.add_column("metric")
    t.add_column("at the end", justify="right")
    for name, d in METRICS.items():
        if d.kind == "info" and d.dimension not in ("cost",):
            continue
        val = summary["end"].get(name)
        if val is None:
            continue
        t.add_row(
            d.dimension, metric_label(name, measure), format_metric(name, val, measure=measure)
        )
    tt = summary["trip_ticket"]
    verdict = (
        f"reached at month {tt['reached_month']:.1f}"
        if tt["reached"]
        else f"not reached (short by {_points(tt['shortfall'])}; equity clause short by "
        f"{_points(tt['equity_shortfall'])})"
    )
    t.add_row(
        "trip ticket",
        f"{tt['target']:.0%} at depth ≥ {tt['min_depth']} by month "
        f"{tt['by_month']:g} (equity {tt['equity_target']:.0%})",
        verdict,
    )
    return t


def register(app: typer.Typer) -> None:
    """Add ``run`` to the CLI."""

    @app.command()
    def run(
        scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
        seed: Annotated[
            int,
            typer.Option(
                min=0, max=SEED_MAX, help="Random seed in [0, 2**63): one seed, one exact history."
            ),
        ] = DEFAULT_SEED,
        out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
        force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
        quiet: Annotated[bool, typer.Option(help="Do not print the summary table.")] = False,
        allow_large: Annotated[
            bool, typer.Option(help="Run a district larger than the documented limits.")
        ] = False,
        allow_any_base: Annotated[
            bool, typer.Option(help="Let `base:` read a scenario from any folder.")
        ] = False,
    ) -> None:
        """Run SCENARIO once and write its time series, school end states, log and summary."""
        from scalesim.scenario import load_scenario
        from scalesim.scenario.budget import DEFAULT_LIMITS

        # Validate first: a bad file is reported before Mesa and the model are imported.
        sc = load_scenario(
            scenario,
            limits=None if allow_large else DEFAULT_LIMITS,
            base_roots=[] if allow_any_base else None,
        )
        out = out or Path("out") / sc.name

        from scalesim.simulation.output import check_out_dir, write_run
        from scalesim.simulation.runner import collect

        check_out_dir(out, force=force)
        from scalesim.simulation.model import ScalingModel

        model = ScalingModel(sc, seed=seed)
        model.run()
        result = collect(model)
        command = "scalesim " + shlex.join(sys.argv[1:]) if sys.argv else None
        write_run(result, out, sc, command=command, force=force)
        if not quiet:
            Console().print(
                summary_table(
                    result.summary, f"{sc.name} · seed {seed}", sc.trip_ticket.destination.measure
                )
            )
        typer.echo(
            f"wrote {out}/ (timeseries, schools, channels: .parquet/.csv; "
            "travel_log.jsonl; summary.json)"
        )
