"""Districts from a CSV of real schools: the columns, their checks, and school names.

Required columns: ``name, region, enrollment, need_share, n_educators``; optional
``enacting_share`` (educators already enacting at month 0). Every problem names the file, the
line and the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from scalesim.common.errors import ScenarioError
from scalesim.scenario.csv_files import CsvFile

if TYPE_CHECKING:
    from scalesim.scenario.schema import Scenario

CSV_COLUMNS = ("name", "region", "enrollment", "need_share", "n_educators")


def load_school_csv(path: Path) -> list[dict[str, Any]]:
    """Read and validate a CSV of real schools.

    Returns:
        One dict per school with typed values.

    Raises:
        ScenarioError: Naming the file, the column (and line) and what was expected.
    """
    f = CsvFile(
        path,
        CSV_COLUMNS,
        ("enacting_share",),
        what="district CSV",
        empty="empty district: the CSV has no schools",
    )
    out = []
    first_line: dict[str, int] = {}
    for row in f.rows():
        name = row.text("name")
        if name in first_line:
            raise ScenarioError(
                str(path),
                row.where("name"),
                f"school {name!r} is listed twice (first on line {first_line[name]}); "
                "school names must be unique",
            )
        first_line[name] = row.line
        rec: dict[str, Any] = {
            "name": name,
            "region": row.text("region"),
            "enrollment": row.number("enrollment", 0, 1e6),
            "need_share": row.number("need_share", 0, 1),
            "n_educators": int(row.number("n_educators", 1, 10_000, integer=True)),
        }
        if "enacting_share" in f.header and row.has("enacting_share"):
            rec["enacting_share"] = row.number("enacting_share", 0, 1)
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
