"""The travel log (the Navigator's Tool #6): everything that happened, in order."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel


class TravelLog:
    """An append-only list of JSON-safe events, each with its week and month."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def record(self, m: ScalingModel, kind: str, **fields: Any) -> dict[str, Any]:
        """Append one event of ``kind`` at the model's current week."""
        ev = {"week": int(m.week), "month": round(m.month, 3), "kind": kind, **fields}
        self.events.append(ev)
        return ev

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """Events of one kind, in order."""
        return [e for e in self.events if e["kind"] == kind]

    def to_jsonl(self) -> str:
        """The log as JSON lines (keys sorted, so the text is reproducible)."""
        return "".join(json.dumps(e, sort_keys=True) + "\n" for e in self.events)
