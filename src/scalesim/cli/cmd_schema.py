"""``scalesim schema [--out FILE]``: the JSON Schema of scenario files, for editor completion.

The schema is pydantic's :meth:`~pydantic.BaseModel.model_json_schema` of
:class:`scalesim.scenario.Scenario`, completed with what the model checks in validators and
so cannot state itself: the ``base:`` key (resolved before validation), the registered
strategy and shock names as enums, and each strategy's and shock's own ``params`` (one
``if``/``then`` per registered name). An editor with a YAML language server then completes
keys and names and flags a misspelt one, e.g. with a first line
``# yaml-language-server: $schema=scenario.schema.json``. The loader remains the judge: the
schema cannot express cross-field checks (labels, dates within the horizon, rule names).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

SCHEMA_ID = "https://scalesim.invalid/scenario.schema.json"


def _registered(defs: dict[str, Any], spec: str, registry: dict[str, Any], prefix: str) -> None:
    """Enum of the registered names on ``spec.type``; each name's params schema on ``params``."""
    props = defs[spec]["properties"]
    props["type"]["enum"] = sorted(registry)
    cases = []
    for name, model in sorted(registry.items()):
        sch = model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(sch.pop("$defs", {}))
        key = f"{prefix}_{name}"
        defs[key] = sch
        cases.append(
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {"properties": {"params": {"$ref": f"#/$defs/{key}"}}},
            }
        )
    defs[spec]["allOf"] = cases


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    from scalesim.scenario import Scenario
    from scalesim.scenario.params import SHOCK_PARAMS, STRATEGY_PARAMS

    sch = Scenario.model_json_schema()
    defs = sch["$defs"]
    _registered(defs, "StrategySpec", STRATEGY_PARAMS, "StrategyParams")
    _registered(defs, "ShockSpec", SHOCK_PARAMS, "ShockParams")
    sch["properties"] = {
        "base": {
            "type": "string",
            "description": "A scenario file this one extends (its sections are merged "
            "under this file's; docs/scenario.md).",
        },
        **sch["properties"],
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **sch}


def register(app: typer.Typer) -> None:
    """Add ``schema`` to the CLI."""

    @app.command()
    def schema(
        out: Annotated[
            Path | None,
            typer.Option(help="Write the schema to this .json file (default: print it)."),
        ] = None,
    ) -> None:
        """Print (or write) the JSON Schema of scenario files, for editor completion."""
        from scalesim.common.errors import ScalesimInputError
        from scalesim.common.files import atomic_write_text

        text = json.dumps(scenario_json_schema(), indent=2, sort_keys=True) + "\n"
        if out is None:
            typer.echo(text, nl=False)
            return
        if out.is_dir():
            raise ScalesimInputError("--out", "", f"{out} is a folder; expected a .json file")
        if out.suffix.lower() != ".json":
            raise ScalesimInputError("--out", "", f"expected a path ending in .json, got {out}")
        if not out.parent.is_dir():
            raise ScalesimInputError("--out", "", f"folder {out.parent} does not exist")
        atomic_write_text(out, text)
        typer.echo(f"wrote {out}")
