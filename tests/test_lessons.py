"""Every lesson's claims hold, and the lessons are well formed and reachable from the CLI.

Each claim of ``scenarios/teaching/<name>/lesson.yaml`` states the direction and minimum
size of an effect, in a sentence its ``lesson.md`` page repeats word for word. Here the
lesson's two arms run on the same seeds (common random numbers: every mechanism draws
from its own named stream, so the arms differ only by what the lesson changes), and the
mean paired difference must reach the stated size, with the direction clear of noise
(mean minus three standard errors still on the stated side).
"""

from __future__ import annotations

import re
import subprocess
from functools import cache

import numpy as np
import pytest

from paired import assert_paired
from scalesim.app.model import FACTORS, factor_value
from scalesim.scenario import load_scenario, month_to_week
from scalesim.scenario.lessons import SECTIONS, Claim, Lesson, all_lessons, get_lesson, lesson_names
from scalesim.simulation.model import ScalingModel

NAMES = lesson_names()
# The topics issue 5 asks the lessons to cover, by folder name.
REQUIRED = {
    "volunteer_trap",
    "superficial_spread",
    "superintendent_turnover",
    "champions",
    "co_design_dilemma",
    "tight_mandate",
    "proof_points",
}


def _week(model: ScalingModel, month: float | None) -> int:
    return model.n_weeks if month is None else month_to_week(month)


@cache
def _arm_values(lesson: str, arm: str) -> dict[tuple[str, float | None, float | None], list]:
    """Each claim's quantity in every seed's run of ``arm``."""
    les = get_lesson(lesson)
    sc = load_scenario(les.arm_path(arm))
    claims = [c for c in les.spec.claims if arm in c.compare]
    out: dict[tuple[str, float | None, float | None], list] = {
        (c.metric, c.at_month, c.since_month): [] for c in claims
    }
    # Run only as far as the claims read (a claim without at_month reads the end).
    last = max(sc.n_weeks if c.at_month is None else month_to_week(c.at_month) for c in claims)
    for seed in range(1, les.spec.verify.seeds + 1):
        m = ScalingModel(sc, seed=seed)
        m.run_for(last)
        mv = m.datacollector.model_vars
        for metric, at, since in out:
            val = mv[metric][_week(m, at)]
            if since is not None:
                val -= mv[metric][_week(m, since)]
            out[(metric, at, since)].append(val)
    return out


def paired_effect(lesson: str, claim: Claim) -> np.ndarray:
    """``arm_a − arm_b`` of the claim's metric on each of the lesson's seeds."""
    key = (claim.metric, claim.at_month, claim.since_month)
    a = np.array(_arm_values(lesson, claim.compare[0])[key])
    b = np.array(_arm_values(lesson, claim.compare[1])[key])
    return a - b


@pytest.mark.parametrize("name", NAMES)
def test_lesson_claims_hold(name: str) -> None:
    """Each claim holds by the shared pass rule, with the page's stated least effect."""
    les = get_lesson(name)
    for claim in les.spec.claims:
        what = f"{name}: {claim.metric} ({claim.compare[0]} − {claim.compare[1]})"
        assert_paired(paired_effect(name, claim), claim.direction, what, claim.min_effect)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_there_are_at_least_seven_lessons_covering_the_required_topics() -> None:
    assert len(NAMES) >= 7
    assert set(NAMES) >= REQUIRED


@pytest.mark.parametrize("lesson", all_lessons(), ids=lambda les: les.name)
def test_page_states_each_claim_and_cites_its_sources(lesson: Lesson) -> None:
    page = _norm(lesson.page)
    for section in SECTIONS:
        assert section in lesson.page, f"{lesson.name}: lesson.md lacks '{section}'"
    for claim in lesson.spec.claims:
        assert _norm(claim.text) in page, f"{lesson.name}: page does not state: {claim.text}"
    for src in lesson.spec.sources:
        assert src in page, f"{lesson.name}: page does not cite {src}"
    assert "scalesim app --lesson " + lesson.name in page


@pytest.mark.parametrize("lesson", all_lessons(), ids=lambda les: les.name)
def test_arms_agree_on_the_app_sliders(lesson: Lesson) -> None:
    """Arms agree on every factor the app has a slider for.

    The sliders start at the first arm's values; switching arms on Reset must not silently
    carry a different factor value over.
    """
    scs = [load_scenario(lesson.arm_path(a)) for a in lesson.arm_names]
    for f in FACTORS:
        values = {str(factor_value(sc, f)) for sc in scs}
        assert len(values) == 1, f"{lesson.name}: arms differ on {f.path}: {values}"


def test_lessons_command_lists_every_lesson(scalesim_cmd: list[str]) -> None:
    out = subprocess.run(
        [*scalesim_cmd, "lessons"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    for name in NAMES:
        assert name in out
    shown = subprocess.run(
        [*scalesim_cmd, "lessons", "volunteer_trap"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "The volunteer trap" in shown and "scalesim app --lesson volunteer_trap" in shown


def test_unknown_lesson_is_a_clear_error(scalesim_cmd: list[str]) -> None:
    res = subprocess.run(
        [*scalesim_cmd, "app", "--lesson", "volunteer_trapp"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2, res.stderr
    assert res.stdout == ""
    assert res.stderr == (
        "error: --lesson: NAME: no lesson named 'volunteer_trapp' "
        "(did you mean 'volunteer_trap'?); valid names: " + ", ".join(NAMES) + "\n"
    )
