"""Hashes of every shipped scenario's outputs for three seeds (the golden outputs).

``tests/test_golden_outputs.py`` compares a fresh run of each scenario with the hashes in
``tests/data/golden_hashes.json``. A restructuring must leave them identical; a change of
behaviour made on purpose regenerates them with this script and names the change (and its
before/after figures) in the commit and in ``docs/decisions.md``.

Usage: ``python scripts/golden_hashes.py [--write]`` (prints the JSON; ``--write`` saves it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "data" / "golden_hashes.json"
SEEDS = (1, 2, 3)


def scenario_files() -> list[Path]:
    """Every shipped scenario file (lesson definitions excluded)."""
    return sorted(
        p
        for p in (REPO / "scenarios").rglob("*")
        if p.suffix in (".yaml", ".yml") and p.name != "lesson.yaml"
    )


def result_hash(result: object) -> str:
    """SHA-256 of a run's tables and travel log, floats written to 10 significant digits.

    Ten digits keep the hash independent of last-bit differences in floating-point sums
    between machines, while any change of history (one educator more or less) changes it.
    """
    h = hashlib.sha256()
    tables = {
        "timeseries": result.timeseries,
        "schools": result.schools,
        "channels": result.channels,
        **result.extra,
    }
    for name in sorted(tables):
        h.update(name.encode())
        h.update(tables[name].to_csv(index=False, float_format="%.10g").encode())
    for ev in result.log:
        h.update(json.dumps(ev, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def compute(path: Path, seed: int) -> str:
    """The golden hash of one scenario file and seed."""
    import scalesim

    return result_hash(scalesim.run(scalesim.load_scenario(path), seed=seed))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"save to {OUT.relative_to(REPO)}")
    args = ap.parse_args()
    table = {
        str(p.relative_to(REPO)): {str(s): compute(p, s) for s in SEEDS} for p in scenario_files()
    }
    text = json.dumps(table, indent=1, sort_keys=True) + "\n"
    if args.write:
        OUT.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
