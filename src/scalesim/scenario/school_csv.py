"""Districts from a CSV of real schools: the columns, their checks, and school names.

Required columns: ``name, region, enrollment, need_share, n_educators``; optional
``enacting_share`` (educators already enacting at month 0). Every problem names the file, the
line and the column.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scalesim.common.errors import ScenarioError

if TYPE_CHECKING:
    from scalesim.scenario.schema import Scenario

CSV_COLUMNS = ("name", "region", "enrollment", "need_share", "n_educators")


def load_school_csv(path: Path) -> list[dict[str, Any]]:
    """Read and validate a CSV of real schools.

    Returns:
        One dict per school with typed values.

    Raises:
        ScenarioError: Naming the file, the column (and row) and what was expected.
    """
    src = str(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in CSV_COLUMNS if c not in header]
            if missing:
                raise ScenarioError(
                    src,
                    f"column {missing[0]!r}",
                    f"missing; expected columns {', '.join(CSV_COLUMNS)} "
                    "(optional: enacting_share)",
                )
            rows = list(reader)
    except FileNotFoundError:
        raise ScenarioError(src, "", "district CSV not found") from None
    if not rows:
        raise ScenarioError(src, "", "empty district: the CSV has no schools")
    out = []
    for i, row in enumerate(rows, start=2):  # line 1 is the header

        def num(
            col: str,
            lo: float,
            hi: float,
            integer: bool = False,
            row: dict[str, str] = row,
            line: int = i,
        ) -> float:
            raw = (row.get(col) or "").strip()
            try:
                val = int(raw) if integer else float(raw)
            except ValueError:
                kind = "an integer" if integer else "a number"
                raise ScenarioError(
                    src, f"line {line}, column {col!r}", f"expected {kind}, got {raw!r}"
                ) from None
            if not lo <= val <= hi:
                raise ScenarioError(
                    src,
                    f"line {line}, column {col!r}",
                    f"expected a value in [{lo}, {hi}], got {val}",
                )
            return val

        rec = {
            "name": row["name"].strip(),
            "region": row["region"].strip(),
            "enrollment": num("enrollment", 0, 1e6),
            "need_share": num("need_share", 0, 1),
            "n_educators": int(num("n_educators", 1, 10_000, integer=True)),
        }
        if "enacting_share" in header and (row.get("enacting_share") or "").strip():
            rec["enacting_share"] = num("enacting_share", 0, 1)
        out.append(rec)
    return out


def generated_school_name(k: int) -> str:
    """The name of the ``k``-th (0-based) school of a generated district."""
    return f"school-{k + 1:04d}"


def school_names(sc: Scenario) -> list[str]:
    """The names the district's schools will have, without building the district."""
    if sc.district.source == "csv":
        assert sc.district.csv is not None
        return [r["name"] for r in load_school_csv(Path(sc.district.csv.path))]
    return [generated_school_name(k) for k in range(sc.district.generated.n_schools)]
