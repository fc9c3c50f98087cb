"""The calibration file: priors (ABC) or ranges (point fit) of scenario parameters, and settings.

```yaml
params:
  adoption.p_external: {prior: uniform, low: 0.0, high: 1.5}
  heterogeneity.never_adopt_concentration: {prior: loguniform, low: 1, high: 300}
distance: {pooled: 1.0, schools: 1.0, match: sorted}
abc: {population: 300, generations: 8, min_acceptance: 0.02}
optimize: {trials: 60, batch: 4, replicates: 4}
predictive: {draws: 200}
seed: 1
```

Every parameter is a dotted path of a numeric scenario field; ``--params`` picks which of the
file's parameters to fit (the others keep the scenario's values). A prior's bounds are checked
(``low < high``; ``loguniform`` needs ``low > 0``), and each bound is checked against the
scenario (the scenario with the parameter at that value must validate), so a name that does
not exist or a range the field refuses is one clear message before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from scalesim.common.errors import ScalesimInputError
from scalesim.common.validation import Strict, input_error
from scalesim.scenario import Scenario, apply_overrides, scenario_from_dict


class Prior(Strict):
    """A prior (ABC) or search range (point fit) of one parameter."""

    prior: Literal["uniform", "loguniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.prior == "loguniform" and self.low <= 0:
            raise ValueError(f"a loguniform prior needs low > 0 (got {self.low:g})")
        return self


class Distance(Strict):
    """How far a simulated history is from the observed one (the sum of two RMSEs)."""

    pooled: Annotated[float, Field(ge=0)] = 1.0
    schools: Annotated[float, Field(ge=0)] = 1.0
    match: Literal["sorted", "matched"] = Field(
        "sorted",
        description="sorted: compare the schools' shares sorted at each date (the spread "
        "between schools, when which school is which is chance); matched: school by school.",
    )


class AbcSettings(Strict):
    """ABC-SMC settings (pyabc)."""

    population: Annotated[int, Field(ge=10, le=100_000)] = 300
    generations: Annotated[int, Field(ge=1, le=100)] = 8
    min_epsilon: Annotated[float, Field(ge=0)] = 0.0
    min_acceptance: Annotated[float, Field(ge=0, le=1)] = 0.01
    max_simulations: Annotated[int, Field(ge=1)] = 200_000


class OptimizeSettings(Strict):
    """Point-fit settings (Optuna TPE, batched ask/tell)."""

    trials: Annotated[int, Field(ge=2, le=100_000)] = 60
    batch: Annotated[int, Field(ge=1, le=1000)] = 4
    replicates: Annotated[int, Field(ge=1, le=1000)] = 4
    near_best: Annotated[float, Field(gt=0, le=10)] = 0.1


class Predictive(Strict):
    """Posterior-predictive draws for the fitted curve's band."""

    draws: Annotated[int, Field(ge=2, le=100_000)] = 200
    level: Annotated[float, Field(gt=0, lt=1)] = 0.9


class CalibrationFile(Strict):
    """A whole calibration file."""

    params: dict[str, Prior]
    distance: Distance = Field(default_factory=Distance)
    abc: AbcSettings = Field(default_factory=AbcSettings)
    optimize: OptimizeSettings = Field(default_factory=OptimizeSettings)
    predictive: Predictive = Field(default_factory=Predictive)
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 1


def load_calibration(path: Path, sc: Scenario, names: list[str] | None) -> CalibrationFile:
    """Read and check a calibration file against the scenario, keeping the ``names`` to fit.

    Raises:
        ScalesimInputError: Naming the file (or ``--params``), the field and the problem.
    """
    src = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScalesimInputError(src, "", "calibration file not found") from None
    except yaml.YAMLError as exc:
        raise ScalesimInputError(src, "", f"YAML syntax error ({exc})") from None
    if not isinstance(data, dict):
        raise ScalesimInputError(src, "", "expected a mapping with a 'params' section")
    try:
        cal = CalibrationFile.model_validate(data)
    except ValidationError as exc:
        raise input_error(src, exc, CalibrationFile, ScalesimInputError) from None
    if not cal.params:
        raise ScalesimInputError(src, "params", "expected at least one parameter")
    if names:
        missing = [n for n in names if n not in cal.params]
        if missing:
            raise ScalesimInputError(
                "--params",
                "",
                f"{missing[0]!r} has no prior in {src} (it has: {', '.join(cal.params)})",
            )
        cal.params = {n: cal.params[n] for n in names}
    base = sc.to_dict()
    for name, prior in cal.params.items():
        for bound in (prior.low, prior.high):
            check_parameter(base, name, bound, src)
    return cal


def check_parameter(base: dict[str, Any], name: str, value: float, src: str) -> None:
    """Refuse a parameter that is not a numeric scenario field, or a value it cannot take."""
    node: Any = base
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ScalesimInputError(
                src,
                f"params.{name}",
                "no such scenario field (expected a dotted path such as adoption.p_external)",
            )
        node = node[part]
    if node is not None and (isinstance(node, bool) or not isinstance(node, int | float)):
        raise ScalesimInputError(
            src, f"params.{name}", f"not a numeric field (its value is {node!r})"
        )
    try:
        scenario_from_dict(apply_overrides(base, {name: value}), src, limits=None)
    except ScalesimInputError as exc:
        raise ScalesimInputError(
            src, f"params.{name}", f"the scenario refuses {value:g}: {exc.problem}"
        ) from None
