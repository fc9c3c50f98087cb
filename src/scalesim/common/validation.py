"""Strict input models and one formatter that turns pydantic's errors into one clear line.

Every file scalesim reads (scenarios, experiments, rehearsal options, lessons, calibration
files) is a tree of :class:`Strict` models; when validation fails, :func:`input_error` picks
the most telling error (a misspelt key first) and words it as ``file: field: problem``,
naming the keys that were expected where a key was unknown.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from scalesim.common.errors import ScalesimInputError


def did_you_mean(name: object, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for a misspelt ``name``, or ``""`` when nothing is close.

    Uses :func:`difflib.get_close_matches` (ratio cut 0.6, its default), so a typo of one
    or two letters is caught and an unrelated word suggests nothing.
    """
    if not isinstance(name, str) or not name:
        return ""
    close = difflib.get_close_matches(name, [str(c) for c in choices], n=1)
    if not close or close[0] == name:
        return ""
    return f" (did you mean {close[0]!r}?)"


def _accepts_bool(ann: Any) -> bool:
    """Whether a field's annotation takes ``true``/``false`` as such."""
    if ann is bool or ann is Any:
        return True
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return _accepts_bool(typing.get_args(ann)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_accepts_bool(a) for a in typing.get_args(ann))
    if origin is typing.Literal:
        return any(isinstance(a, bool) for a in typing.get_args(ann))
    return False


class Strict(BaseModel):
    """Base of every input section.

    Unknown keys are errors; assignments are validated; numbers must be finite (``.inf`` and
    ``.nan`` are refused); and ``true``/``false`` is not a number (pydantic would otherwise
    read ``true`` as 1 for an integer or float field).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        if isinstance(v, bool) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            if field is not None and not _accepts_bool(field.annotation):
                raise ValueError("a yes/no value is not a number")
        return v


def location(loc: tuple[Any, ...]) -> str:
    """A pydantic location as a dotted path with list indices (``strategies[1].params``)."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif "[" in str(item) and ("(" in str(item) or "function" in str(item)):
            continue  # pydantic's tags for union members and validators
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _model_args(ann: Any) -> list[type[BaseModel]]:
    """The pydantic models inside an annotation (``Model | None``, ``list[Model]``, ...)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [ann]
    out: list[type[BaseModel]] = []
    for a in typing.get_args(ann):
        out += _model_args(a)
    return out


def allowed_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The valid keys of the section that holds the last element of ``loc``."""
    cls: type[BaseModel] | None = root
    skip_key = False
    for item in loc[:-1]:
        if cls is None:
            break
        if skip_key or isinstance(item, int):
            skip_key = False  # a mapping key or a list index below a dict or list field
            continue
        field = cls.model_fields.get(item)
        if field is None:
            return []
        ann = field.annotation
        origin = typing.get_origin(ann)
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(ann) if a is not type(None)]
            origin = typing.get_origin(inner[0]) if len(inner) == 1 else None
        skip_key = origin is dict
        models = _model_args(ann)
        cls = models[-1] if models else None
    return sorted(cls.model_fields) if cls is not None else []


def input_error(
    source: str,
    exc: ValidationError,
    root: type[BaseModel],
    error_cls: type[ScalesimInputError] = ScalesimInputError,
) -> ScalesimInputError:
    """Pydantic's most telling error (a misspelt key first) as one clear message.

    Args:
        source: The file (or option) the input came from.
        exc: The validation error.
        root: The model that was validated (to list the keys expected at an unknown key).
        error_cls: The error class to return (e.g. :class:`ScenarioError`).
    """
    errs = exc.errors()
    err = next((e for e in errs if e["type"] == "extra_forbidden"), errs[0])
    loc = tuple(err.get("loc", ()))
    where = location(loc)
    if err["type"] == "unknown_parameter":
        keys = str((err.get("ctx") or {}).get("keys", "")).split(", ")
        head, sep, tail = err["msg"].partition(";")
        close = did_you_mean(loc[-1] if loc else "", keys)
        return error_cls(source, where, head + close + sep + tail)
    if err["type"] == "extra_forbidden":
        keys = allowed_keys(root, loc)
        hint = f"; expected one of: {', '.join(keys)}" if keys else ""
        close = did_you_mean(loc[-1], keys) if loc else ""
        return error_cls(source, where, f"unknown key{close}{hint}")
    if err["type"] == "missing":
        return error_cls(source, where, "required key is missing")
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    if err["type"] == "literal_error":  # e.g. a misspelt selection rule
        expected = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        msg += did_you_mean(got, expected)
    if isinstance(got, dict | list) or "(got " in msg:  # a section-level check says it all
        return error_cls(source, where or "(top level)", msg)
    got_s = json.dumps(got, default=str)
    if len(got_s) > 80:
        got_s = got_s[:77] + "..."
    return error_cls(source, where, f"{msg} (got {got_s})")
