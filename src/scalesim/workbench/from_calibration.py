"""Rehearse forward from today: the observed state, and parameters drawn from a posterior.

``scalesim rehearse SCENARIO --from-calibration DIR --at today`` starts every branch from the
observed state at the last observation (who enacts now, in which school) and gives each
replicate its own parameter draw from the calibration's posterior (by weight; the point fit's
best values for an ``optimize`` folder), so the intervals hold both parameter and stochastic
uncertainty. The observed state is imposed through the model's mutation API
(:meth:`~scalesim.simulation.model.ScalingModel.set_enacting`):

* per-educator histories: exactly the educators who had started by the last period enact;
* per-school histories: each observed school has ``round(share × educators)`` enacting,
  keeping as many of those the simulated history made enact as it can (chosen at random from
  the model's ``observed_state`` stream), schools not observed then keep their simulated state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalesim.common.errors import ScalesimInputError
from scalesim.scenario import Scenario
from scalesim.scenario.observed_history import scenario_history
from scalesim.workbench.calibration_output import load_calibration_dir


@dataclass(frozen=True)
class ObservedState:
    """Who enacts at the branch point: per educator, or a share per school (NaN: unknown)."""

    kind: str
    enacting: np.ndarray | None  # per_educator: bool per slot
    share: np.ndarray | None  # per_school: share per school
    month: float


def observed_state(sc: Scenario) -> ObservedState:
    """The state at the scenario history's last observation."""
    h = scenario_history(sc)
    month = float(h.months[-1])
    if h.kind == "per_educator":
        assert h.started_period is not None
        last = len(h.months)
        return ObservedState(
            "per_educator", (h.started_period >= 1) & (h.started_period <= last), None, month
        )
    return ObservedState("per_school", None, h.share[:, -1].copy(), month)


def observed_enacting(model: Any, state: ObservedState) -> np.ndarray:
    """The enacting mask that matches ``state`` in ``model`` (its ``observed_state`` stream)."""
    if state.kind == "per_educator":
        assert state.enacting is not None
        return state.enacting.copy()
    assert state.share is not None
    rng = model.streams["observed_state"]
    ed = model.ed
    out = ed.enacting.copy()
    for k, share in enumerate(state.share):
        if not np.isfinite(share):
            continue
        slots = np.flatnonzero(ed.school == k)
        want = round(float(share) * slots.size)
        now = slots[ed.enacting[slots]]
        rest = slots[~ed.enacting[slots]]
        keep = rng.permutation(now)[:want]
        add = rng.permutation(rest)[: max(want - keep.size, 0)]
        out[slots] = False
        out[keep] = True
        out[add] = True
    return out


def posterior_draws(cal_dir: Path, reps: int, seed: int) -> tuple[list[dict[str, float]], dict]:
    """One parameter draw per replicate (weighted posterior particles, or the best fit)."""
    cal = load_calibration_dir(cal_dir)
    post, summary = cal["posterior"], cal["summary"]
    names = list(summary["params"])
    if summary["method"] == "abc":
        w = post["weight"].to_numpy(dtype=float)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
        idx = rng.choice(len(post), size=reps, p=w / w.sum())
        draws = [{n: float(post[n].iloc[i]) for n in names} for i in idx]
    else:
        best = {n: float(p["mean"]) for n, p in summary["params"].items()}
        draws = [dict(best) for _ in range(reps)]
    info = {
        "folder": str(cal_dir),
        "method": summary["method"],
        "scenario_hash": summary.get("scenario_hash"),
        "seed": summary.get("seed"),
        "params": summary["params"],
    }
    return draws, info


def branch_month(sc: Scenario, at: str) -> float:
    """``today`` (the last observation) or a month number."""
    if at == "today":
        return observed_state(sc).month
    try:
        return float(at)
    except ValueError:
        raise ScalesimInputError("--at", "", f"expected a month or 'today', got {at!r}") from None
