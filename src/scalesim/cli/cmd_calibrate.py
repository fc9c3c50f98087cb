"""``scalesim calibrate``: fit scenario parameters to an observed adoption history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from scalesim.cli.progress import Dask, Workers, command_line, progress_bar


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to the CLI."""

    @app.command()
    def calibrate(
        scenario: Annotated[Path, typer.Argument(help="Scenario to fit (its history section).")],
        calibration: Annotated[
            Path,
            typer.Option("--calibration", "-c", help="Calibration file: priors and settings."),
        ],
        history: Annotated[
            Path | None,
            typer.Option(
                "--history",
                help="History CSV replacing the scenario's history.path (same columns).",
            ),
        ] = None,
        params: Annotated[
            str | None,
            typer.Option(
                "--params", help="Comma-separated parameters to fit (default: all in the file)."
            ),
        ] = None,
        method: Annotated[
            str, typer.Option("--method", help="abc (posterior, pyabc) or optimize (Optuna).")
        ] = "abc",
        seed: Annotated[
            int | None, typer.Option(help="Seed (default: the calibration file's).")
        ] = None,
        workers: Workers = None,
        dask: Dask = None,
        out: Annotated[Path | None, typer.Option(help="Results folder.")] = None,
        quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    ) -> None:
        """Fit PARAMS of SCENARIO to its observed history; write posterior, fit and figures."""
        from scalesim.common.errors import ScalesimInputError
        from scalesim.scenario import apply_overrides, load_scenario, scenario_from_dict
        from scalesim.simulation.output import check_out_dir
        from scalesim.workbench.calibration_file import load_calibration
        from scalesim.workbench.calibration_output import calibrate as run_calibration
        from scalesim.workbench.executors import make_executor

        if method not in ("abc", "optimize"):
            raise ScalesimInputError("--method", "", f"expected abc or optimize, got {method!r}")
        m: Literal["abc", "optimize"] = method  # type: ignore[assignment]
        sc = load_scenario(scenario)
        if history is not None:
            data = sc.to_dict()
            hist = dict(data.get("history") or {"kind": "per_school"})
            hist["path"] = str(history.resolve())
            sc = scenario_from_dict(apply_overrides(data, {"history": hist}), str(scenario))
        if sc.history is None:
            raise ScalesimInputError(
                str(scenario), "history", "no history section: give one, or --history FILE"
            )
        names = [p.strip() for p in params.split(",") if p.strip()] if params else None
        cal = load_calibration(calibration, sc, names)
        if seed is not None:
            cal.seed = seed
        out = out or Path("out") / f"calibrate-{sc.name}-{m}"
        check_out_dir(out)
        with make_executor(workers, dask) as ex, progress_bar(f"calibrate ({m})", quiet) as up:
            summary = run_calibration(
                sc,
                cal,
                m,
                ex,
                out,
                scenario_source=str(scenario),
                calibration_source=str(calibration),
                command=command_line(),
                on_progress=up,
            )
        fit = summary["fit"]
        if not quiet:
            for name, p in summary["params"].items():
                typer.echo(f"{name}: {p['mean']:.4g} [{p['lo']:.4g}, {p['hi']:.4g}]")
            typer.echo(
                f"pooled RMSE {fit['rmse_pooled']:.4f} (closed-form Bass "
                f"{summary['bass_closed_form']['rmse_pooled']:.4f}); "
                f"{summary['simulations']} simulations in {summary['wall_s']:.0f} s"
            )
        typer.echo(f"wrote {out}/ (parameters, posterior, generations, fit, goodness; figures/)")
