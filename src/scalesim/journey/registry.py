"""Registries of strategies and shocks: the names scenario files use, and their classes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def register_entry(
    classes: dict[str, Any],
    params: dict[str, type[BaseModel]],
    cls: Any,
    kind: str,
    names: dict[str, str],
) -> None:
    """Register ``cls`` under its ``type_name`` in ``classes``, and its ``Params`` in ``params``.

    The same class registered again (same module and qualified name: a re-imported module or a
    re-run notebook cell) replaces the earlier one. Another class under a taken name is an
    error, as is a built-in name whose parameter model differs from the scenario schema's.
    Every type has a plain name users read (``names``, :mod:`scalesim.scenario.names`): a
    built-in's is in that table, a class from outside brings its own as ``title``.

    Raises:
        ValueError: On a name clash, or a type with no plain name.
    """
    name = cls.type_name
    if not name:
        raise ValueError(f"{kind} class {cls.__qualname__} has no type_name")
    title = getattr(cls, "title", "")
    if not title and name not in names:
        raise ValueError(
            f"{kind} {name!r} has no plain name: give its class a `title` (what users read, "
            f"e.g. {names[next(iter(names))]!r} for {next(iter(names))!r})"
        )
    old = classes.get(name)
    if old is not None and (old.__module__, old.__qualname__) != (
        cls.__module__,
        cls.__qualname__,
    ):
        raise ValueError(
            f"{kind} {name!r} is already registered by {old.__module__}.{old.__qualname__}"
        )
    known = params.get(name)
    if old is None and known is not None and known is not cls.Params:
        raise ValueError(
            f"{kind} {name!r}: its Params must be the schema's {known.__qualname__} "
            "(scalesim.scenario.params)"
        )
    classes[name] = cls
    params[name] = cls.Params
    if title:
        names[name] = title
