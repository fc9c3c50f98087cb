"""Month-36 figures of the shipped headline scenarios over seeds (docs/decisions.md tables).

Usage::

    python scripts/scenario_figures.py [--seeds 20] [--root .]

Prints one Markdown row per scenario: share enacting, share at the destination's depth (all
and in high-need schools), mean depth, and the share of seeds reaching the trip ticket.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from scalesim.scenario import load_scenario
from scalesim.simulation.runner import run

SCENARIOS = ("default", "dlplusd_full", "superintendent_m14")


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = ap.parse_args(argv)
    print(
        "| scenario | share enacting | at destination depth | same, high-need | mean depth "
        "| trip ticket reached |"
    )
    print("|---|---|---|---|---|---|")
    for name in SCENARIOS:
        sc = load_scenario(args.root / "scenarios" / f"{name}.yaml")
        rows = []
        for seed in range(args.seeds):
            r = run(sc, seed=seed)
            last = r.timeseries.iloc[-1]
            rows.append(
                (
                    last.share_enacting,
                    last.destination_share,
                    last.destination_equity_share,
                    last.mean_depth,
                    float(r.summary["trip_ticket"]["reached"]),
                )
            )
        a = np.array(rows).mean(axis=0)
        print(f"| `{name}` | {a[0]:.3f} | {a[1]:.3f} | {a[2]:.3f} | {a[3]:.3f} | {a[4]:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
