"""Helpers shared by the experiment tests (issue 4): tiny experiments written to files."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "scenarios" / "default.yaml"

# About 160 educators in 8 schools over 6 months: a run takes a few hundredths of a second.
TINY: dict[str, Any] = {
    "district.generated.n_schools": 8,
    "district.generated.educators_per_school": {"mean": 20, "sd": 5, "min": 4},
    "horizon_months": 6,
    "trip_ticket.pit_stops": [3],
    "trip_ticket.destination.by_month": 6,
    "trip_ticket.destination.target": 0.2,
    "trip_ticket.destination.equity_target": 0.2,
    "trip_ticket.destination.min_depth": 0.3,
}


def experiment(**fields: Any) -> dict[str, Any]:
    """A tiny experiment document; ``fields`` replace or add top-level keys."""
    doc: dict[str, Any] = {
        "name": "t",
        "scenario": str(DEFAULT),
        "overrides": dict(TINY),
        "uncertainties": {"conditions.leadership_support": {"low": 0.3, "high": 0.7}},
        "levers": {"baseline": {}, "mandate": {"overrides": {"conditions.mandate": "tight"}}},
        "design": {"method": "full_grid", "levels": 2},
        "replicates": {"count": 2, "seed": 5},
        "outcomes": ["share_enacting", {"metric": "equity_ratio", "at": 3}, "tt_reached"],
    }
    doc.update(fields)
    return doc


def write(path: Path, doc: dict[str, Any]) -> Path:
    """Write a YAML document and return its path."""
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def tree_digest(
    root: Path, patterns: tuple[str, ...] = ("parts/**/*.parquet", "runs.parquet", "runs.csv")
) -> dict[str, str]:
    """SHA-256 of every result file (relative path -> digest)."""
    out = {}
    for pat in patterns:
        for p in sorted(root.glob(pat)):
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out
