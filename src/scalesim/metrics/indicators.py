"""What a pit stop's adaptation rule may read: every metric plus the checklist's own values.

The team reads metrics as *observed* (sampled, noisy, lagged; ``scalesim.journey.pitstops``);
the derived indicators below come from the checklist (Tool #2 of 000_*.txt). Scenario files
name these in their rules, so the scenario schema checks rule names against this list.
"""

from __future__ import annotations

from scalesim.metrics.definitions import METRICS

# Derived indicators of the pit-stop checklist: name -> meaning.
DERIVED: dict[str, str] = {
    "month": "months since the start",
    "on_track": "1 when the observed destination share is at or above the planned trajectory",
    "trajectory_gap": "observed destination share minus where the trajectory says it should be",
    "expected_share": "where the straight line from the start to the destination stands now",
    "shortfall_since_last": "capacity short since the previous pit stop (person-days)",
    "superintendent_changes": "superintendent changes so far",
    "unplanned": "1 at an unplanned pit stop (called by a shock)",
}
INDICATOR_NAMES: tuple[str, ...] = (*METRICS, *DERIVED)
