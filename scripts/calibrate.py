"""Fit the default world's ungrounded depth growth to its targets and check every target.

The targets are facts the default world must reproduce (docs/calibration.md lists each with
its source). One coefficient is fitted here, ``depth.growth``: by bisection, so that the
flagship full strategy set (``scenarios/dlplusd_full.yaml``) reaches its own trip ticket in
about half of the seeds — "approaching but not reliably reaching the mandate" (003_*.txt). The
other targets are then checked at the fitted value, with the seeds named below.

Usage::

    python scripts/calibrate.py                # fit, then check every target (about 3 min)
    python scripts/calibrate.py --check-only   # check the targets at the current defaults

The cheap checks are re-run by ``tests/test_calibration_targets.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scalesim.scenario import Depth, load_scenario, scenario_from_dict
from scalesim.simulation.runner import run

REPO = Path(__file__).resolve().parents[1]
FLAGSHIP = REPO / "scenarios" / "dlplusd_full.yaml"
DEFAULT = REPO / "scenarios" / "default.yaml"
# 40 seeds for the reach probability: its standard error at 0.5 is 0.08.
REACH_SEEDS = range(40)
# The band the issue asks for, and the point the bisection aims at.
REACH_BAND = (0.2, 0.8)
REACH_AIM = 0.5


def reach_probability(overrides: dict[str, Any], seeds: range = REACH_SEEDS) -> float:
    """Share of seeds on which the flagship reaches its trip ticket (with its equity clause)."""
    sc = load_scenario(FLAGSHIP, overrides=overrides)
    return float(np.mean([run(sc, seed=s).summary["trip_ticket"]["reached"] for s in seeds]))


def fit_depth_growth(lo: float = 2.0, hi: float = 5.0, steps: int = 6) -> tuple[float, float]:
    """Bisection on ``depth.growth`` for the flagship's reach probability (monotone in it)."""
    best = (lo, reach_probability({"depth.growth": lo}))
    for _ in range(steps):
        mid = round((lo + hi) / 2, 3)
        p = reach_probability({"depth.growth": mid})
        print(f"  depth.growth={mid:.3f}: reach probability {p:.3f}", flush=True)
        if abs(p - REACH_AIM) < abs(best[1] - REACH_AIM):
            best = (mid, p)
        if p < REACH_AIM:
            lo = mid
        else:
            hi = mid
    return best


def _default_drift() -> dict[str, float]:
    """T1: the default district left alone over three years (8 seeds)."""
    sc = load_scenario(DEFAULT)
    ends = [run(sc, seed=s).timeseries.iloc[-1] for s in range(8)]
    return {
        "share_enacting_m36": float(np.mean([e.share_enacting for e in ends])),
        "destination_share_m36": float(np.mean([e.destination_share for e in ends])),
    }


def _flagship_spread() -> dict[str, float]:
    """T4: the flagship's enactment at month 36 (8 seeds)."""
    sc = load_scenario(FLAGSHIP)
    return {
        "share_enacting_m36": float(
            np.mean([run(sc, seed=s).timeseries.iloc[-1].share_enacting for s in range(8)])
        )
    }


def _support_end(district_ownership: float) -> float:
    """Flagship with support ending at month 24, run to 48: share enacting at 48 (6 seeds)."""
    sc = load_scenario(
        FLAGSHIP,
        overrides={
            "team.support_ends_month": 24,
            "horizon_months": 48,
            "conditions.district_ownership": district_ownership,
            "turnover.superintendent": 0.0,
        },
    )
    return float(np.mean([run(sc, seed=s).timeseries.iloc[-1].share_enacting for s in range(6)]))


def _volunteers_high_need(policy_alignment: float) -> float:
    """T6: high-need share among the schools a 25% volunteer call recruits (40 districts)."""
    from scalesim.simulation.model import ScalingModel

    data = load_scenario(DEFAULT).to_dict()
    data["conditions"]["policy_alignment"] = policy_alignment
    data["strategies"] = [
        {"type": "proof_point", "select": {"rule": "volunteer", "share_schools": 0.25}}
    ]
    sc = scenario_from_dict(data, "<calibration>")
    shares = []
    for s in range(40):
        m = ScalingModel(sc, seed=s)
        m.step()
        picked = m.strategy_set.get("proof_point").schools
        shares.append(float(m.schools.high_need[picked].mean()))
    return float(np.mean(shares))


TARGETS: dict[str, tuple[str, Callable[[], Any], Callable[[Any], bool]]] = {
    "T1": (
        "left alone, the default district drifts slowly: share enacting at month 36 within "
        "[0.12, 0.20] of 0.15 at the start, and almost no one at the destination's depth (< 0.05)",
        _default_drift,
        lambda r: 0.12 <= r["share_enacting_m36"] <= 0.20 and r["destination_share_m36"] < 0.05,
    ),
    "T3": (
        f"the flagship reaches its trip ticket in {REACH_BAND[0]:.0%}–{REACH_BAND[1]:.0%} of "
        f"{len(REACH_SEEDS)} seeds",
        lambda: {"reach_probability": reach_probability({})},
        lambda r: REACH_BAND[0] <= r["reach_probability"] <= REACH_BAND[1],
    ),
    "T4": (
        "the flagship approaches the mandate: at least 75% of educators enacting at month 36",
        _flagship_spread,
        lambda r: r["share_enacting_m36"] >= 0.75,
    ),
    "T5": (
        "after support ends (month 24), a district that owns the work keeps more of it: share "
        "enacting at month 48 higher with district ownership 0.9 than 0.05",
        lambda: {"low": _support_end(0.05), "high": _support_end(0.9)},
        lambda r: r["high"] > r["low"],
    ),
    "T6": (
        "the volunteer trap: a 25% volunteer call recruits fewer high-need schools than their "
        "25% share; with evaluation and accountability aligned (alignment 1) it recruits about "
        "their share (at least 0.2)",
        lambda: {"default": _volunteers_high_need(0.2), "aligned": _volunteers_high_need(1.0)},
        lambda r: r["default"] < 0.2 and r["aligned"] >= 0.2,
    ),
}


def main(argv: list[str] | None = None) -> int:
    """Fit (unless ``--check-only``), check every target, print the table; 1 if one fails."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check-only", action="store_true", help="do not fit, only check")
    ap.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {}
    default_growth = float(Depth.model_fields["growth"].get_default())
    if not args.check_only:
        print("fitting depth.growth (target T3):", flush=True)
        growth, p = fit_depth_growth()
        out["fit"] = {"depth.growth": growth, "reach_probability": p}
        print(f"fitted depth.growth = {growth} (schema default now {default_growth})")
        if abs(growth - default_growth) > 0.05:
            print("note: set Depth.growth's default to the fitted value, then re-run --check-only")
    failed = 0
    for key, (what, measure, ok) in TARGETS.items():
        r = measure()
        passed = ok(r)
        failed += not passed
        out[key] = {"target": what, "measured": r, "holds": passed}
        shown = ", ".join(f"{k} {v:.3f}" for k, v in r.items())
        print(f"{key} {'holds' if passed else 'FAILS'}: {shown}\n    {what}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
