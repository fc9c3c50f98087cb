"""``scalesim validate FILE``: check an input file the way the command that reads it does.

The kind of file is read from its top-level keys (or given with ``--kind``): a scenario
(``scalesim run``), an experiment (``sweep``, ``sensitivity``), a rehearsal options file
(``rehearse --options``), a levers file (``optimize --levers``), a calibration file
(``calibrate``) or a lesson's ``lesson.yaml`` (``app --lesson``). Each kind is checked by
the loader its command calls, so ``validate`` accepts exactly what the command accepts;
nothing is built beyond that (no district, no model), nothing runs and nothing is written.
An options, levers or calibration file is checked against a scenario (``--scenario``; the
options and levers files also name strategies and paths of that scenario).

Exit code 0 with one line ``ok: <kind> <path>``; a bad file gives the one clear message
(file, field, what was expected) and exit code 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

Kind = Literal["scenario", "experiment", "options", "levers", "calibration", "lesson"]
# Kinds checked against a scenario (they name its strategies or its dotted paths).
NEEDS_SCENARIO = ("options", "levers", "calibration")
# Keys only that kind has at its top level (a scenario's are its schema's fields).
SIGNATURE_KEYS: dict[str, tuple[str, ...]] = {
    "options": ("options",),
    "lesson": ("arms", "claims"),
    "calibration": ("params", "abc", "distance", "predictive"),
    "experiment": ("replicates", "outcomes", "uncertainties", "design", "store"),
    "levers": ("keep_scenario_strategies", "fixed", "sample", "capacity"),
}


def _scenario_keys() -> list[str]:
    from scalesim.scenario import Scenario

    return ["base", *Scenario.model_fields]


def detect_kind(path: Path, data: Any) -> str:
    """Which kind of input ``data`` (the parsed file) is, from its top-level keys.

    Raises:
        ScalesimInputError: If the keys match no kind (with the closest known key).
    """
    from scalesim.common.errors import ScalesimInputError
    from scalesim.common.validation import did_you_mean

    if data is None:
        return "scenario"  # the scenario loader explains what an empty file needs
    if not isinstance(data, dict):
        raise ScalesimInputError(
            str(path), "", f"expected a mapping of sections, got {type(data).__name__}"
        )
    keys = set(map(str, data))
    if isinstance(data.get("strategies"), dict) and "options" not in keys:
        # A levers file maps strategy names to ranges (and may share an experiment's keys,
        # uncertainties and replicates); a scenario lists its strategies.
        return "levers"
    for kind, sig in SIGNATURE_KEYS.items():
        if keys & set(sig):
            return kind
    scenario_keys = _scenario_keys()
    if keys & set(scenario_keys):
        return "scenario"
    known = sorted({*scenario_keys, *(k for sig in SIGNATURE_KEYS.values() for k in sig)})
    close = next((h for k in sorted(keys) if (h := did_you_mean(k, known))), "")
    raise ScalesimInputError(
        str(path),
        "",
        f"cannot tell which kind of file this is: its keys ({', '.join(sorted(keys)) or 'none'})"
        f" match no scalesim input{close}; expected a scenario (district, "
        "strategies, trip_ticket, ...), an experiment (scenario, replicates, outcomes), an "
        "options file (options), a levers file (strategies as a mapping), a calibration "
        "file (params) or a lesson.yaml (arms, claims); or give --kind",
    )


def _base_scenario(scenario: Path | None, kind: str) -> Any:
    from scalesim.common.errors import ScalesimInputError
    from scalesim.scenario import load_scenario

    if scenario is None:
        raise ScalesimInputError(
            "--scenario",
            "",
            f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} file is checked against the "
            "scenario it applies to; give --scenario SCENARIO",
        )
    return load_scenario(scenario)


def _check_scenario(path: Path, scenario: Path | None) -> None:
    from scalesim.scenario import load_scenario
    from scalesim.scenario.budget import DEFAULT_LIMITS

    load_scenario(path, limits=DEFAULT_LIMITS)


def _check_experiment(path: Path, scenario: Path | None) -> None:
    from scalesim.workbench.experiment import load_experiment

    load_experiment(path)


def _check_options(path: Path, scenario: Path | None) -> None:
    from scalesim.workbench.rehearse import load_options

    load_options(path, _base_scenario(scenario, "options"))


def _check_levers(path: Path, scenario: Path | None) -> None:
    from scalesim.workbench.optimize import load_problem

    if scenario is None:
        _base_scenario(scenario, "levers")
    assert scenario is not None
    load_problem(scenario, path)


def _check_calibration(path: Path, scenario: Path | None) -> None:
    from scalesim.workbench.calibration_file import load_calibration

    sc = _base_scenario(scenario, "calibration")
    load_calibration(path, sc, None)


def _check_lesson(path: Path, scenario: Path | None) -> None:
    from scalesim.common.errors import ScalesimInputError
    from scalesim.scenario import load_scenario
    from scalesim.scenario.lessons import Lesson

    if path.name != "lesson.yaml":
        raise ScalesimInputError(
            str(path), "", "a lesson is a folder with a lesson.yaml; expected that file"
        )
    lesson = Lesson(path.parent)
    for arm in lesson.arm_names:
        load_scenario(lesson.arm_file(arm))


CHECKS: dict[str, Callable[[Path, Path | None], None]] = {
    "scenario": _check_scenario,
    "experiment": _check_experiment,
    "options": _check_options,
    "levers": _check_levers,
    "calibration": _check_calibration,
    "lesson": _check_lesson,
}


def validate_file(path: Path, kind: str | None = None, scenario: Path | None = None) -> str:
    """Check ``path`` as the command that reads it would; returns the kind.

    Raises:
        ScalesimInputError: The one clear message of the first problem found.
    """
    from scalesim.common.errors import ScalesimInputError
    from scalesim.scenario import parse_yaml

    try:
        data = parse_yaml(path)
    except ScalesimInputError as exc:  # a scenario error class for any file: say it plainly
        raise ScalesimInputError(str(path), exc.field, exc.problem) from None
    kind = kind or detect_kind(path, data)
    CHECKS[kind](path, scenario)
    return kind


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the CLI."""

    @app.command()
    def validate(
        file: Annotated[Path, typer.Argument(help="The input file to check.")],
        kind: Annotated[
            Kind | None,
            typer.Option(help="The kind of file (default: read from its keys)."),
        ] = None,
        scenario: Annotated[
            Path | None,
            typer.Option(help="The scenario an options, levers or calibration file applies to."),
        ] = None,
    ) -> None:
        """Check FILE as the command that reads it would (kind read from its keys); run nothing."""
        got = validate_file(file, kind, scenario)
        against = f" (against {scenario})" if got in NEEDS_SCENARIO and scenario else ""
        typer.echo(f"ok: {got} {file}{against}")
