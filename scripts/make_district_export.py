"""Write the small synthetic district export shipped in ``scenarios/data/district_export/``.

The files have the shape a school district exports: a staff roster (``roster.csv``: id,
school, role, years of experience, a surveyed attitude), the answers to a network survey
("whom do you go to for help with your teaching?", ``ties.csv``: ego, alter, weight = how
often, 1–3) and two years of survey data on who enacts the practice, per school and date
(``history.csv``: school, date, share_enacting, depth). The people and ties are drawn from a
fixed seed; the history is one run of ``scenarios/observed_district.yaml`` with the known
rates in :data:`TRUE` (so calibrating it should recover them, docs/calibration.md).

Usage: ``python scripts/make_district_export.py`` (rewrites the three CSVs).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "scenarios" / "data" / "district_export"
SCENARIO = REPO / "scenarios" / "observed_district.yaml"
SCHOOLS = ["Adams ES", "Baker ES", "Carver MS", "Dewey MS", "Eastside HS", "Franklin HS"]
ROLES = ["teacher"] * 8 + ["coach", "specialist"]
SURVEY_DATES = ["2023-10-16", "2024-05-13", "2024-10-14", "2025-05-12"]
TRUE = {"adoption.p_external": 0.3, "adoption.q_peer": 3.0}
SEED = 20250512


def people(rng: np.random.Generator) -> list[dict]:
    """The roster rows."""
    rows = []
    k = 0
    for s in SCHOOLS:
        for _ in range(int(rng.integers(18, 34))):
            k += 1
            rows.append(
                {
                    "id": f"E{k:04d}",
                    "school": s,
                    "role": ROLES[int(rng.integers(len(ROLES)))],
                    "years_experience": round(float(rng.gamma(2.0, 6.0)), 1),
                    "attitude": round(float(np.clip(rng.normal(0.5, 0.15), 0, 1)), 2)
                    if rng.random() > 0.1
                    else "",
                }
            )
    return rows


def ties(rows: list[dict], rng: np.random.Generator) -> list[tuple[str, str, int]]:
    """Up to three nominations each, mostly inside the school; some answer nobody."""
    by_school: dict[str, list[str]] = {}
    for r in rows:
        by_school.setdefault(r["school"], []).append(r["id"])
    everyone = [r["id"] for r in rows]
    out = []
    for r in rows:
        if rng.random() < 0.06:
            continue  # did not answer the survey
        named: set[str] = set()
        for _ in range(int(rng.integers(1, 4))):
            pool = by_school[r["school"]] if rng.random() < 0.85 else everyone
            alter = pool[int(rng.integers(len(pool)))]
            if alter != r["id"] and alter not in named:
                named.add(alter)
                out.append((r["id"], alter, int(rng.integers(1, 4))))
    return out


def main() -> int:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = people(rng)
    with open(OUT / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["id", "school", "role", "years_experience", "attitude"])
        w.writeheader()
        w.writerows(rows)
    with open(OUT / "ties.csv", "w", newline="", encoding="utf-8") as fh:
        w2 = csv.writer(fh)
        w2.writerow(["ego", "alter", "weight"])
        w2.writerows(ties(rows, rng))
    # A placeholder history lets the scenario load; the real one is written from a run.
    hist = OUT / "history.csv"
    with open(hist, "w", newline="", encoding="utf-8") as fh:
        w2 = csv.writer(fh)
        w2.writerow(["school", "date", "share_enacting", "depth"])
        w2.writerows([[s, SURVEY_DATES[0], 0, ""] for s in SCHOOLS])
    import scalesim
    from scalesim.scenario.observed import DAYS_PER_MONTH
    from scalesim.simulation.model import ScalingModel

    sc = scalesim.load_scenario(SCENARIO)
    sc = scalesim.scenario.scenario_from_dict(
        scalesim.scenario.apply_overrides(sc.to_dict(), TRUE), str(SCENARIO)
    )
    assert sc.history is not None and sc.history.start_date is not None
    m = ScalingModel(sc, seed=SEED % 1000)
    records = []
    for date in SURVEY_DATES:
        month = (dt.date.fromisoformat(date) - sc.history.start_date).days / DAYS_PER_MONTH
        week = round(month * 52 / 12)
        m.run_for(week - m.week)
        for k, s in enumerate(SCHOOLS):
            mine = m.ed.school == k
            enact = m.ed.enacting[mine]
            depth = float(m.ed.depth[mine][enact].mean()) if enact.any() else 0.0
            records.append([s, date, round(float(enact.mean()), 4), round(depth, 3)])
    with open(hist, "w", newline="", encoding="utf-8") as fh:
        w2 = csv.writer(fh)
        w2.writerow(["school", "date", "share_enacting", "depth"])
        w2.writerows(records)
    print(f"wrote {OUT}: {len(rows)} educators in {len(SCHOOLS)} schools")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
