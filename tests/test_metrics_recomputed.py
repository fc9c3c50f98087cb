"""Every metric equals an independent recomputation from the model's raw state.

The recomputation uses a pandas table of educators grouped by school (not the metrics'
own per-school snapshot), at several weeks of a run with strategies, turnover and a pit
stop, so each formula of docs/metrics.md is checked against the state it describes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from scalesim.metrics import METRICS
from scalesim.simulation.model import ScalingModel


def recompute(m: ScalingModel) -> dict[str, float]:
    """Each metric from the model's arrays, written out plainly."""
    ed, sch, d, cfg = m.ed, m.schools, m.dist, m.sc.metrics
    min_depth = m.sc.trip_ticket.destination.min_depth
    df = pd.DataFrame(
        {
            "school": ed.school,
            "aware": ed.aware,
            "enacting": ed.enacting,
            "deep": ed.enacting & (ed.depth >= cfg.depth_bar),
            "dest": ed.enacting & (ed.depth >= min_depth),
            "depth": ed.depth,
            "own": ed.ownership,
        }
    )
    by = df.groupby("school").agg(
        n=("enacting", "size"),
        enacting=("enacting", "sum"),
        deep=("deep", "sum"),
        dest=("dest", "sum"),
    )
    share = by["enacting"] / by["n"]
    deep_share = by["deep"] / by["n"]
    enroll = pd.Series(sch.enrollment, index=by.index)
    need = pd.Series(sch.need_share, index=by.index)
    high = pd.Series(sch.high_need, index=by.index)
    reach_all = float((enroll * share).sum() / enroll.sum())
    reach_fo = float((enroll * need * share).sum() / (enroll * need).sum())
    enacting = df[df["enacting"]]
    n = len(df)
    # Schools' routines, weighted by the educators each school has.
    per_educator = pd.DataFrame(
        {"routines": sch.routines[ed.school], "improvement": sch.improvement[ed.school]}
    )
    routines = float(per_educator["routines"].mean())
    return {
        "share_enacting": df["enacting"].mean(),
        "share_aware": df["aware"].mean(),
        "schools_reached": float((share >= cfg.school_reached_share).mean()),
        "students_reached": reach_all,
        "mean_depth": float(enacting["depth"].mean()) if len(enacting) else 0.0,
        "share_deep": df["deep"].mean(),
        "students_reached_deep": float((enroll * deep_share).sum() / enroll.sum()),
        "mean_ownership": float(enacting["own"].mean()) if len(enacting) else 0.0,
        "district_ownership": d.district_ownership,
        "institutionalization": (
            d.policy_alignment
            + d.district_ownership
            + df["deep"].mean()
            + enacting["own"].sum() / n
        )
        / 4,
        "school_routines": routines,
        "improvement_routines": float(per_educator["improvement"].mean()),
        "ownership_shift": (routines + d.district_ownership) / 2,
        "district_improvement": d.district_improvement,
        "leadership_support": d.leadership_support,
        "policy_alignment": d.policy_alignment,
        "reach_furthest": reach_fo,
        "equity_ratio": reach_fo / reach_all if reach_all > 0 else 1.0,
        "equity_gap": reach_fo - reach_all,
        "high_need_coverage": by["enacting"][high].sum() / by["n"][high].sum(),
        "other_coverage": by["enacting"][~high].sum() / by["n"][~high].sum(),
        "high_need_deep": by["deep"][high].sum() / by["n"][high].sum(),
        "schools_left_behind": float((share < cfg.left_behind_share).sum()),
        "high_need_left_behind": float(((share < cfg.left_behind_share) & high).sum()),
        "destination_share": df["dest"].mean(),
        "destination_equity_share": by["dest"][high].sum() / by["n"][high].sum(),
        "capacity_spent": m.team.spent_total,
        "capacity_left": m.team.left_share,
    }


@pytest.fixture(scope="module")
def snapshots(make_scenario: Callable) -> list[tuple[dict[str, float], dict[str, float]]]:
    """(model's metrics, recomputed metrics) at weeks 0, 10, 30 and the end."""
    sc = make_scenario(
        {
            "horizon_months": 14,
            "trip_ticket.destination": {"by_month": 14, "min_depth": 0.3},
            "trip_ticket.pit_stops": [6.0],
            "adoption.p_external": 0.5,
            "strategies": [
                {"type": "coaching"},
                {"type": "local_champions"},
                {"type": "shape_local_policy"},
                {"type": "educate_policymakers"},
            ],
        }
    )
    m = ScalingModel(sc, seed=6)
    out = [(dict(m.current), recompute(m))]
    for weeks in (10, 20):
        m.run_for(weeks)
        out.append((dict(m.current), recompute(m)))
    m.run()
    out.append((dict(m.current), recompute(m)))
    return out


def test_every_metric_is_recomputed(snapshots) -> None:
    """The recomputation covers every registered metric (a new one needs its formula here)."""
    assert set(snapshots[0][1]) == set(METRICS)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metric_equals_its_recomputation(name: str, snapshots) -> None:
    """The registered metric equals the plain formula at every sampled week."""
    for model_value, plain in snapshots:
        assert model_value[name] == pytest.approx(plain[name], rel=1e-9, abs=1e-12), name


def test_the_run_moved_every_kind_of_metric(snapshots) -> None:
    """The sampled weeks differ (so the comparison is not of one frozen state)."""
    first, last = snapshots[0][0], snapshots[-1][0]
    moved = [k for k in METRICS if not np.isclose(first[k], last[k])]
    assert {"share_enacting", "mean_depth", "policy_alignment", "capacity_spent"} <= set(moved)
