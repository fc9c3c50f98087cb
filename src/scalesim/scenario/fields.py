"""Building blocks of the scenario schema: strict sections and documented fields.

Every field carries its meaning, unit and the source of its default
(``Field(description=..., json_schema_extra={"unit": ..., "source": ...})``);
``docs/scenario.md`` is generated from them by ``scripts/gen_scenario_docs.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from scalesim.common.validation import Strict

Share = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveInt = Annotated[int, Field(ge=1)]


def doc_field(default: Any, description: str, unit: str = "", source: str = "", **kw: Any) -> Any:
    """A documented field: description, unit and the source of its default."""
    extra = {"unit": unit, "source": source}
    return Field(default, description=description, json_schema_extra=extra, **kw)


def dist_field(mean: float, sd: float, description: str, source: str = "") -> Any:
    """A documented :class:`Dist` field with its default mean and standard deviation."""
    return Field(
        default_factory=lambda: Dist(mean=mean, sd=sd),
        description=description,
        json_schema_extra={"unit": "0–1 scale", "source": source},
    )


class Dist(Strict):
    """A normal distribution clipped to [0, 1], used for educator factors."""

    mean: Share = doc_field(0.5, "Mean of the factor across educators.", "0–1 scale")
    sd: Annotated[float, Field(ge=0.0, le=1.0)] = doc_field(
        0.15, "Standard deviation before clipping to [0, 1].", "0–1 scale"
    )


__all__ = ["Dist", "PositiveInt", "Share", "Strict", "dist_field", "doc_field"]
