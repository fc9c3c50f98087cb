"""Parameter recovery: ABC's 90% posterior intervals cover the true values.

On histories simulated from known parameters, on a generated district and on the observed
network (the shipped district export).

Each case draws true (p_external, q_peer) from the prior (fixed seeds), simulates one history,
fits it with ABC-SMC and checks whether each 90% interval covers its true value: at least 80%
of at least 20 cases must (a calibrated posterior covers 90% in expectation; a biased or
overconfident one fails). The point fit (Optuna) lands within a stated tolerance of the truth.
Tiny districts, six months, small populations keep it fast.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import scalesim
from scalesim.common.units import month_to_week
from scalesim.scenario import apply_overrides, scenario_from_dict
from scalesim.simulation.model import ScalingModel
from scalesim.workbench.calibrate import Target, fit_abc, simulate
from scalesim.workbench.calibrate_optimize import fit_optimize
from scalesim.workbench.calibration_file import CalibrationFile, Distance
from scalesim.workbench.executors import ProcessExecutor

PRIOR = {"adoption.p_external": (0.1, 2.0), "adoption.q_peer": (0.0, 8.0)}
TEXTBOOK = {
    "horizon_months": 6,
    "start.enacting_share": 0.0,
    "start.aware_share": 1.0,
    "adoption.modulate": False,
    "adoption.credibility_weighted": False,
    "abandonment.enabled": False,
    "turnover.enabled": False,
    "calendar.summer_weeks": 0,
    "trip_ticket.pit_stops": [],
}
GENERATED = {
    "district": {"generated": {"n_schools": 5, "educators_per_school": {"mean": 30, "sd": 5}}},
    "network": {"kind": "district", "within_school_degree": 6, "cross_school_degree": 1},
}
MONTHS = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)


def target_of(base: dict[str, Any], truth: dict[str, float], seed: int) -> Target:
    """The target whose observed history is one run with the true parameters."""
    sc = scenario_from_dict(apply_overrides(base, TEXTBOOK), "<recovery>")
    data = sc.to_dict()
    data["history"] = None
    m = ScalingModel(scenario_from_dict(data, "<recovery>"), seed=0)
    counts = np.bincount(m.ed.school, minlength=m.schools.n).astype(float)
    proto = Target(
        scenario=data,
        weeks=tuple(month_to_week(mo) for mo in MONTHS),
        months=MONTHS,
        kind="per_educator",
        observed=np.zeros((m.schools.n, len(MONTHS))),
        counts=counts,
        school_names=tuple(str(n) for n in m.schools.name),
        distance=Distance(pooled=1.0, schools=0.0),
    )
    return replace(proto, observed=simulate(proto, truth, seed))


def calibration(seed: int, **abc: int) -> CalibrationFile:
    return CalibrationFile.model_validate(
        {
            "params": {k: {"low": lo, "high": hi} for k, (lo, hi) in PRIOR.items()},
            "abc": {"population": 60, "generations": 4, **abc},
            "optimize": {"trials": 24, "batch": 6, "replicates": 3},
            "predictive": {"draws": 2},
            "distance": {"pooled": 1.0, "schools": 0.0},
            "seed": seed,
        }
    )


def truths(n: int, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [{k: float(rng.uniform(lo, hi)) for k, (lo, hi) in PRIOR.items()} for _ in range(n)]


def observed_base(repo: Path) -> dict[str, Any]:
    sc = scalesim.load_scenario(repo / "scenarios" / "observed_district.yaml")
    data = sc.to_dict()
    data["history"] = None
    return data


@pytest.mark.slow
def test_abc_intervals_cover_the_truth_in_80_percent_of_cases(repo: Path) -> None:
    cases = [(GENERATED, t, 100 + i) for i, t in enumerate(truths(12, 7))]
    obs_base = observed_base(repo)
    cases += [(obs_base, t, 200 + i) for i, t in enumerate(truths(10, 8))]
    covered, total = 0, 0
    with ProcessExecutor(2) as ex:
        for base, truth, seed in cases:
            tgt = target_of(base, truth, seed)
            res = fit_abc(tgt, calibration(seed), ex)
            for r in res.parameters.to_dict("records"):
                total += 1
                covered += r["lo"] <= truth[r["parameter"]] <= r["hi"]
    assert len(cases) >= 20
    assert covered / total >= 0.8, f"{covered}/{total} intervals cover the truth"


@pytest.mark.slow
def test_point_fit_lands_near_the_truth(repo: Path) -> None:
    """Tolerance: within 35% of each prior's width of the true value (three cases)."""
    with ProcessExecutor(2) as ex:
        for i, truth in enumerate(truths(3, 11)):
            tgt = target_of(GENERATED, truth, 300 + i)
            res = fit_optimize(tgt, calibration(300 + i), ex)
            for r in res.parameters.to_dict("records"):
                lo, hi = PRIOR[r["parameter"]]
                assert abs(r["mean"] - truth[r["parameter"]]) <= 0.35 * (hi - lo), (r, truth)
