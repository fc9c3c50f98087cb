"""`AppModel`: the parameter plumbing between SolaraViz and :class:`ScalingModel`.

SolaraViz rebuilds the model on Reset as ``type(model)(**params)``, so the model class it
drives must take flat keyword parameters. :class:`AppModel` turns those (a scenario file, a
seed typed as text, slider values, a lesson arm) into ``load_scenario(path, overrides)`` and
hands the validated scenario to :class:`~scalesim.simulation.model.ScalingModel`. It holds no model
logic.

Values that cannot be used (a seed that is not a whole number, a slider value outside the
slider's range, a value the scenario schema rejects) never raise: they are listed in
:attr:`AppModel.input_problems`, which the page shows, and the model is built without them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalesim.common.errors import ScalesimInputError
from scalesim.scenario import Scenario, load_scenario
from scalesim.simulation.model import ScalingModel

DEFAULT_SCENARIO = "scenarios/default.yaml"
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Factor:
    """A main factor the app exposes as a slider (or a select).

    Attributes:
        key: Keyword parameter of :class:`AppModel`.
        path: Dotted scenario field it overrides.
        label: Slider label, with its unit.
        lo: Smallest value the slider offers.
        hi: Largest value the slider offers.
        step: Slider step.
        choices: For a select instead of a slider, the allowed values.
        generated_only: Only meaningful for generated (not CSV) districts.
    """

    key: str
    path: str
    label: str
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.05
    choices: tuple[str, ...] = ()
    generated_only: bool = False


# The main factors of DESIGN §1 a teacher wants at hand. Ranges stay inside the scenario
# schema's own bounds (docs/scenario.md) so a value within the slider is always valid.
FACTORS: tuple[Factor, ...] = (
    Factor(
        "n_schools",
        "district.generated.n_schools",
        "Schools in the district (schools)",
        10,
        300,
        10,
        generated_only=True,
    ),
    Factor(
        "high_need_share",
        "district.generated.high_need_share",
        "High-need schools (share of schools)",
        0.0,
        1.0,
        0.05,
        generated_only=True,
    ),
    Factor("p_external", "adoption.p_external", "External influence p (per year)", 0.0, 0.3, 0.01),
    Factor("q_peer", "adoption.q_peer", "Peer influence q (per year)", 0.0, 2.0, 0.02),
    Factor(
        "capacity",
        "team.capacity_per_month",
        "Team capacity (person-days / month)",
        0.0,
        1000.0,
        10.0,
    ),
    Factor("leadership", "conditions.leadership_support", "Leadership support (0–1)"),
    Factor("attention", "conditions.attention_competition", "Competition for attention (0–1)"),
    Factor("policy", "conditions.policy_alignment", "Policy alignment (0–1)"),
    Factor("complexity", "innovation.complexity", "Innovation complexity (0–1)"),
    Factor(
        "superintendent",
        "turnover.superintendent",
        "Superintendent change hazard (per year)",
        0.0,
        1.0,
        0.05,
    ),
    Factor("mandate", "conditions.mandate", "Mandate", choices=("loose", "tight")),
)
FACTOR_BY_KEY = {f.key: f for f in FACTORS}


def factor_value(sc: Scenario, f: Factor) -> Any:
    """The scenario's own value of factor ``f``."""
    node: Any = sc
    for part in f.path.split("."):
        node = getattr(node, part)
    return node


def parse_seed(raw: object) -> tuple[int | None, str | None]:
    """A seed from a typed value: ``(seed, None)`` or ``(None, problem)``."""
    if isinstance(raw, bool):
        return None, f"seed: expected a whole number, got {raw!r}"
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        text = str(raw).strip()
        try:
            value = int(text)
        except ValueError:
            return None, f"seed: expected a whole number such as 42, got {text!r}"
    if not 0 <= value <= MAX_SEED:
        return None, f"seed: expected a whole number from 0 to {MAX_SEED}, got {value}"
    return value, None


def check_factor(f: Factor, raw: object) -> tuple[Any, str | None]:
    """Validate one factor value against the range (or choices) the app offers."""
    if f.choices:
        if raw in f.choices:
            return raw, None
        return None, f"{f.label}: expected one of {', '.join(f.choices)}, got {raw!r}"
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None, f"{f.label}: expected a number, got {raw!r}"
    if isinstance(raw, bool) or value != value:  # bools and NaN are not numbers here
        return None, f"{f.label}: expected a number, got {raw!r}"
    if not f.lo <= value <= f.hi:
        return None, f"{f.label}: {value:g} is outside the slider's range {f.lo:g}–{f.hi:g}"
    if f.key == "n_schools":
        if not value.is_integer():
            return None, f"{f.label}: expected a whole number, got {value:g}"
        return int(value), None
    return value, None


class AppModel(ScalingModel):
    """:class:`ScalingModel` built from flat keyword parameters (the app's controls).

    Args:
        scenario_file: The scenario YAML file (for a lesson: ignored, the arm decides).
        seed: The seed, as typed (text is accepted; it must be a whole number).
        lesson: A lesson name (``scenarios/teaching/<name>/``), or None.
        arm: The lesson arm to open (default: the lesson's first arm).
        **factors: Values of :data:`FACTORS` by key; None keeps the scenario's value.
        play: Play mode (:mod:`scalesim.app.play`): the scenario's adaptation rules are left
            out, the class takes the decisions at each pit stop.

    Attributes:
        input_problems: Values that were not applied, one clear sentence each.
        lock: Held while the model steps, and by the page while it changes the model.
        factor_overrides: The scenario values the factors changed (``{dotted.path: value}``).
    """

    def __init__(
        self,
        scenario_file: str = DEFAULT_SCENARIO,
        seed: int | str = 1,
        lesson: str | None = None,
        arm: str | None = None,
        n_schools: float | None = None,
        high_need_share: float | None = None,
        p_external: float | None = None,
        q_peer: float | None = None,
        capacity: float | None = None,
        leadership: float | None = None,
        attention: float | None = None,
        policy: float | None = None,
        complexity: float | None = None,
        superintendent: float | None = None,
        mandate: str | None = None,
        play: bool = False,
    ) -> None:
        problems: list[str] = []
        path = Path(scenario_file)
        if lesson:
            from scalesim.scenario.lessons import get_lesson

            les = get_lesson(lesson)
            if arm is not None and arm not in les.arm_names:
                problems.append(
                    f"lesson arm: no arm {arm!r} in {lesson}; expected one of: "
                    f"{', '.join(les.arm_names)}; opened the first arm instead"
                )
                arm = None
            arm = arm or les.arm_names[0]
            path = les.arm_path(arm)
        seed_value, problem = parse_seed(seed)
        if problem:
            problems.append(f"{problem}; using seed 1")
            seed_value = 1
        assert seed_value is not None
        given = {
            "n_schools": n_schools,
            "high_need_share": high_need_share,
            "p_external": p_external,
            "q_peer": q_peer,
            "capacity": capacity,
            "leadership": leadership,
            "attention": attention,
            "policy": policy,
            "complexity": complexity,
            "superintendent": superintendent,
            "mandate": mandate,
        }
        overrides: dict[str, Any] = {}
        for key, raw in given.items():
            if raw is None:
                continue
            f = FACTOR_BY_KEY[key]
            value, problem = check_factor(f, raw)
            if problem:
                problems.append(f"{problem}; kept the scenario's value")
            else:
                overrides[f.path] = value
        try:
            load_scenario(path, overrides)
        except ScalesimInputError as exc:
            problems.append(f"{exc}; ran the scenario with its own values")
            overrides = {}
        # Play mode: the class is the improvement team, so the scenario's own adaptation
        # rules stay out of the run (app.play compares the class with them afterwards).
        sc = load_scenario(path, {**overrides, "adaptation": []} if play else overrides)
        super().__init__(sc, seed=seed_value, educator_agents="eager")
        self.scenario_file = str(path)
        self.lesson_name = lesson
        self.arm = arm
        self.input_problems = problems
        self.factor_overrides = overrides
        self.play = play
        self.lock = threading.RLock()

    def step(self) -> None:
        """One week, under :attr:`lock` (the page's buttons act between weeks)."""
        with self.lock:
            super().step()
