"""Reading the CSV files a scenario names: one reader, one way to report a bad cell.

Every CSV input (schools today; rosters, tie lists and adoption histories alike) goes through
:class:`CsvFile`: it checks the encoding, the size, the header's required columns, and words
each problem as ``file: line N, column 'c': what was expected``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scalesim.common.errors import ScenarioError

# A district's input tables are at most tens of thousands of rows; far larger is a mistake.
MAX_CSV_BYTES = 50_000_000


@dataclass
class CsvRow:
    """One data row, with its line number, and typed access to its cells."""

    source: str
    line: int
    cells: dict[str, str]

    def where(self, col: str) -> str:
        """The location of a cell, as error messages name it."""
        return f"line {self.line}, column {col!r}"

    def text(self, col: str, required: bool = True) -> str:
        """A cell's text, stripped (an empty required cell is an error)."""
        raw = (self.cells.get(col) or "").strip()
        if required and not raw:
            raise ScenarioError(self.source, self.where(col), "expected a value, got an empty cell")
        return raw

    def has(self, col: str) -> bool:
        """Whether the cell exists and is not empty."""
        return bool((self.cells.get(col) or "").strip())

    def number(self, col: str, lo: float, hi: float, integer: bool = False) -> float:
        """A cell as a number in ``[lo, hi]`` (an integer when ``integer``)."""
        raw = self.text(col)
        try:
            val = int(raw) if integer else float(raw)
        except ValueError:
            kind = "an integer" if integer else "a number"
            raise ScenarioError(
                self.source, self.where(col), f"expected {kind}, got {raw!r}"
            ) from None
        if not lo <= val <= hi:  # NaN fails too
            raise ScenarioError(
                self.source, self.where(col), f"expected a value in [{lo:g}, {hi:g}], got {raw}"
            )
        return val


@dataclass
class CsvFile:
    """A validated CSV file: its header and its rows.

    Args:
        path: The file.
        required: Columns that must be in the header.
        optional: Columns it may have (named in the message when a column is missing).
        what: What the file holds, for messages ("district CSV", "roster").
        empty: The message for a file with a header and no rows.
    """

    path: Path
    required: Sequence[str]
    optional: Sequence[str] = ()
    what: str = "CSV file"
    empty: str = ""

    def __post_init__(self) -> None:
        src = str(self.path)
        try:
            size = self.path.stat().st_size
            if size > MAX_CSV_BYTES:
                raise ScenarioError(
                    src, "", f"{self.what} is {size:,} bytes; at most {MAX_CSV_BYTES:,}"
                )
            with open(self.path, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                self.header = [h.strip() for h in (reader.fieldnames or [])]
                reader.fieldnames = self.header
                missing = [c for c in self.required if c not in self.header]
                if missing:
                    extra = f" (optional: {', '.join(self.optional)})" if self.optional else ""
                    raise ScenarioError(
                        src,
                        f"column {missing[0]!r}",
                        f"missing; expected columns {', '.join(self.required)}{extra}",
                    )
                self._rows = list(reader)
        except FileNotFoundError:
            raise ScenarioError(src, "", f"{self.what} not found") from None
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                src, "", f"{self.what} is not UTF-8 text (byte {exc.start} cannot be decoded)"
            ) from None
        except csv.Error as exc:
            raise ScenarioError(src, "", f"{self.what} is not a readable CSV ({exc})") from None
        except OSError as exc:
            raise ScenarioError(
                src, "", f"cannot read {self.what} ({exc.strerror or exc})"
            ) from None
        if not self._rows:
            raise ScenarioError(src, "", self.empty or f"{self.what} has a header but no rows")

    def rows(self) -> Iterator[CsvRow]:
        """Every data row (line 1 is the header)."""
        for i, cells in enumerate(self._rows, start=2):
            yield CsvRow(str(self.path), i, cells)

    def __len__(self) -> int:
        return len(self._rows)
