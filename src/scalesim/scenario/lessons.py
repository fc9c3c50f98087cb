"""Classroom lessons: paired scenarios, a short page, and the claims a test verifies.

A lesson is a folder ``scenarios/teaching/<name>/`` holding

- ``lesson.yaml``: its title, the source documents it draws on, its arms (each arm is a
  scenario file ``<arm>.yaml`` in the same folder) and its claims: the direction and the
  minimum size of each effect the page states, checked over paired seeds (common random
  numbers) by ``tests/test_lessons.py``;
- ``lesson.md``: the page (the concept with its source, what to try in the app, a question
  for the class, what usually happens and why). Each claim's ``text`` appears in it word
  for word, so the page says exactly what is tested;
- one scenario file per arm (usually extending ``../../default.yaml`` with ``base:``).

The format is documented in ``docs/lessons.md``. The first arm is what ``scalesim app
--lesson NAME`` opens; the app's sidebar switches arms on Reset.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from scalesim.common.errors import ScalesimInputError, ScenarioError
from scalesim.common.validation import Strict, did_you_mean, input_error
from scalesim.metrics import METRICS
from scalesim.scenario.loading import SHIPPED_SCENARIOS, parse_yaml

ENV_DIR = "SCALESIM_LESSONS_DIR"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
SECTIONS = (
    "## Concept",
    "## Try it in the app",
    "## Question for the class",
    "## What usually happens, and why",
)


class Arm(Strict):
    """One arm of a lesson: a scenario file ``<name>.yaml`` next to ``lesson.yaml``."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    label: str = Field(description="What this arm does, in a few words.")


class Claim(Strict):
    """An effect the lesson page states: ``arm_a − arm_b`` of a metric, paired by seed.

    With ``since_month`` the compared quantity is the metric's change from ``since_month``
    to ``at_month`` within each run (e.g. the drop at a superintendent's departure).
    """

    text: str = Field(description="The sentence of lesson.md that states the claim.")
    metric: str
    compare: tuple[str, str] = Field(description="[arm_a, arm_b]: the effect is a − b.")
    direction: Literal["higher", "lower"] = Field(description="Arm a is higher/lower than b.")
    min_effect: Annotated[float, Field(gt=0)] = Field(
        description="Smallest mean paired difference (in the metric's unit) the page claims."
    )
    at_month: Annotated[float, Field(ge=0)] | None = Field(
        None, description="When to read the metric (default: the end of the run)."
    )
    since_month: Annotated[float, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _known_metric(self) -> Claim:
        if self.metric not in METRICS:
            raise ValueError(
                f"unknown metric {self.metric!r}{did_you_mean(self.metric, METRICS)}; "
                f"expected one of: {', '.join(METRICS)}"
            )
        if self.since_month is not None and (
            self.at_month is None or self.since_month >= self.at_month
        ):
            raise ValueError("since_month needs an at_month after it")
        return self


class Verify(Strict):
    """How the claims are checked: seeds ``1..seeds`` for every arm."""

    seeds: Annotated[int, Field(ge=5, le=200)] = 12


class LessonSpec(Strict):
    """The contents of ``lesson.yaml``."""

    title: str
    summary: str = Field(description="One sentence for `scalesim lessons`.")
    sources: list[Annotated[str, Field(pattern=r"^00[0-4]_\*\.txt$")]] = Field(min_length=1)
    arms: list[Arm] = Field(min_length=2)
    verify: Verify = Field(default_factory=Verify)
    claims: list[Claim] = Field(min_length=1)

    @model_validator(mode="after")
    def _claims_name_arms(self) -> LessonSpec:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError("arm names must be unique")
        for c in self.claims:
            for arm in c.compare:
                if arm not in names:
                    raise ValueError(f"claim names arm {arm!r}; arms are: {', '.join(names)}")
        return self


class Lesson:
    """A lesson folder, validated.

    Args:
        folder: ``scenarios/teaching/<name>/``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = folder.name
        src = folder / "lesson.yaml"
        try:
            self.spec = LessonSpec.model_validate(parse_yaml(src))
        except ValidationError as exc:
            raise input_error(str(src), exc, LessonSpec, ScenarioError) from None
        for arm in self.spec.arms:
            if not self.arm_file(arm.name).exists():
                raise ScalesimInputError(
                    str(src), "arms", f"arm {arm.name!r} has no scenario file {arm.name}.yaml"
                )
        if not self.page_path.exists():
            raise ScalesimInputError(str(folder), "", "no lesson.md page")

    @property
    def title(self) -> str:
        """The lesson's title."""
        return self.spec.title

    @property
    def arm_names(self) -> list[str]:
        """Arm names, in order (the first is opened by default)."""
        return [a.name for a in self.spec.arms]

    def arm_file(self, arm: str) -> Path:
        """The scenario file of ``arm``."""
        return self.folder / f"{arm}.yaml"

    def arm_path(self, arm: str | None) -> Path:
        """The scenario file of ``arm`` (None: the first arm).

        Raises:
            ScalesimInputError: If the lesson has no such arm.
        """
        if arm is None:
            return self.arm_file(self.arm_names[0])
        if arm not in self.arm_names:
            raise ScalesimInputError(
                f"lesson {self.name}",
                "arm",
                f"no arm {arm!r}; expected one of: {', '.join(self.arm_names)}",
            )
        return self.arm_file(arm)

    def arm_label(self, arm: str) -> str:
        """The one-line description of ``arm``."""
        return next(a.label for a in self.spec.arms if a.name == arm)

    @property
    def page_path(self) -> Path:
        """The lesson's Markdown page."""
        return self.folder / "lesson.md"

    @cached_property
    def page(self) -> str:
        """The lesson's Markdown page."""
        return self.page_path.read_text(encoding="utf-8")


def lessons_dir() -> Path:
    """Where lessons live: ``$SCALESIM_LESSONS_DIR``, else this checkout's folder.

    Falls back to ``./scenarios/teaching`` (for an installed package run from a checkout).
    """
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    here = SHIPPED_SCENARIOS / "teaching"
    return here if here.is_dir() else Path.cwd() / "scenarios" / "teaching"


def lesson_names() -> list[str]:
    """Names of the lesson folders, sorted."""
    root = lessons_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "lesson.yaml").is_file())


def get_lesson(name: str) -> Lesson:
    """Load the lesson called ``name``.

    Raises:
        ScalesimInputError: If there is no such lesson (the message lists the valid names)
            or its files are invalid.
    """
    names = lesson_names()
    if name not in names:
        valid = ", ".join(names) if names else f"(none found in {lessons_dir()})"
        raise ScalesimInputError(
            "--lesson",
            "NAME",
            f"no lesson named {name!r}{did_you_mean(name, names)}; valid names: {valid}",
        )
    return Lesson(lessons_dir() / name)


def all_lessons() -> list[Lesson]:
    """Every lesson, sorted by name."""
    return [Lesson(lessons_dir() / n) for n in lesson_names()]
