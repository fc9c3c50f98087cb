"""Reading scenario files: YAML, ``base:`` files, overrides and cross-field checks.

A bad file gets one :class:`~scalesim.common.errors.ScenarioError` naming the file, the field
and what was expected; nothing runs before the whole file is valid.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scalesim.common.errors import ScenarioError
from scalesim.common.validation import did_you_mean, input_error
from scalesim.scenario.budget import DEFAULT_LIMITS, Limits, check_budget
from scalesim.scenario.observed_history import district_school_names, resolve_observed
from scalesim.scenario.schema import Scenario
from scalesim.scenario.school_csv import load_school_csv

# Input files are small documents; a bigger one is a mistake (or an attack on memory).
MAX_FILE_BYTES = 5_000_000
# Sections nest a few levels deep; far deeper nesting is not a scenario.
MAX_NESTING = 50


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (YAML says "unique")."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one section (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _depth(x: Any) -> int:
    """Nesting depth of a parsed document (iterative: a deep one cannot overflow the stack)."""
    deepest, stack = 0, [(x, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_NESTING:
            break
        if isinstance(node, dict):
            stack.extend((v, d + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, d + 1) for v in node)
    return deepest


def parse_yaml(path: Path) -> Any:
    """Read a YAML file: syntax errors with line and column, duplicate keys, size and depth.

    Raises:
        ScenarioError: Naming the file (and the line) and what is wrong.
    """
    src = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                src, "", f"file is {size:,} bytes; input files are at most {MAX_FILE_BYTES:,}"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(src, "", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(src, "", "is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            src, "", f"not a UTF-8 text file (byte {exc.start} cannot be decoded)"
        ) from None
    except OSError as exc:
        raise ScenarioError(src, "", f"cannot read file ({exc.strerror or exc})") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(src, "", f"YAML syntax error at {where}{problem}") from None
    except RecursionError:
        raise ScenarioError(src, "", f"nested more than {MAX_NESTING} levels deep") from None
    if _depth(data) > MAX_NESTING:
        raise ScenarioError(src, "", f"nested more than {MAX_NESTING} levels deep")
    return data


def scenario_from_dict(
    data: Any,
    source: str = "<scenario>",
    base_dir: Path | None = None,
    limits: Limits | None = DEFAULT_LIMITS,
) -> Scenario:
    """Validate a plain mapping as a scenario.

    Args:
        data: The parsed YAML document.
        source: Name used in error messages (usually the file path).
        base_dir: Directory relative CSV paths resolve from.
        limits: Refuse scenarios larger than this (None: no size check; see
            :mod:`scalesim.scenario.budget`).

    Raises:
        ScenarioError: With the field path, the bad value and what was expected.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            source, "", f"expected a mapping of sections, got {type(data).__name__}"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise input_error(source, exc, Scenario, ScenarioError) from None
    if scenario.district.source == "csv":
        assert scenario.district.csv is not None
        csv_path = Path(scenario.district.csv.path)
        if not csv_path.is_absolute() and base_dir is not None:
            csv_path = (base_dir / csv_path).resolve()
        scenario.district.csv.path = str(csv_path)
        if not csv_path.is_file():
            raise ScenarioError(
                source,
                "district.csv.path",
                f"no such CSV file: {csv_path} (relative paths start at the "
                "scenario file's folder)",
            )
        load_school_csv(csv_path)  # validate now, before anything runs
    resolve_observed(scenario, source, base_dir)
    _check_consistency(scenario, source)
    _check_school_names(scenario, source)
    if limits is not None:
        check_budget(scenario, source, limits)
    return scenario


def _check_school_names(s: Scenario, source: str) -> None:
    """Every school named by an explicit selection or a principal-turnover shock exists."""
    refs: list[tuple[str, list[str]]] = []
    for i, sp in enumerate(s.strategies):
        if sp.select is not None and sp.select.schools:
            refs.append((f"strategies[{i}].select.schools", sp.select.schools))
    for i, r in enumerate(s.adaptation):
        if r.then.retarget is not None and r.then.retarget["select"].get("schools"):
            refs.append(
                (
                    f"adaptation[{i}].then.retarget.select.schools",
                    r.then.retarget["select"]["schools"],
                )
            )
        add = r.then.add
        if add is not None and add.select is not None and add.select.schools:
            refs.append((f"adaptation[{i}].then.add.select.schools", add.select.schools))
    for i, sh in enumerate(s.shocks):
        if sh.params.get("schools"):
            refs.append((f"shocks[{i}].params.schools", sh.params["schools"]))
    if not refs:
        return
    names = district_school_names(s)
    known = set(names)
    for field, listed in refs:
        for j, name in enumerate(listed):
            if name not in known:
                raise ScenarioError(
                    source,
                    f"{field}[{j}]",
                    f"no school named {name!r} in this district (its "
                    f"{len(names)} schools are named {names[0]!r} … "
                    f"{names[-1]!r})",
                )


def _check_consistency(s: Scenario, source: str) -> None:
    """Cross-field checks pydantic cannot express per field."""
    if s.start.from_csv and s.district.source != "csv":
        raise ScenarioError(source, "start.from_csv", "true needs district.source: csv")
    tt = s.trip_ticket
    if "pit_stops" not in tt.model_fields_set:
        # The default dates assume a three-year run: a shorter run keeps those inside it
        # instead of rejecting dates the file never wrote.
        tt.pit_stops = [mo for mo in tt.pit_stops if mo <= s.horizon_months]
    for i, m in enumerate(s.trip_ticket.pit_stops):
        if m > s.horizon_months:
            raise ScenarioError(
                source,
                f"trip_ticket.pit_stops[{i}]",
                f"pit stop at month {m} is after the horizon ({s.horizon_months} months)",
            )
    labels = [sp.label for sp in s.strategies]
    for i, lab in enumerate(labels):
        if labels.index(lab) != i:
            raise ScenarioError(
                source,
                f"strategies[{i}].name",
                f"duplicate strategy label {lab!r}; give each a unique name",
            )
    known = set(labels) | {r.then.add.label for r in s.adaptation if r.then.add is not None}
    for i, r in enumerate(s.adaptation):
        a = r.then
        ref = a.drop or (a.retarget or {}).get("strategy") or (a.rescale or {}).get("strategy")
        if ref is not None and ref not in known:
            key = "drop" if a.drop else "retarget" if a.retarget else "rescale"
            raise ScenarioError(
                source,
                f"adaptation[{i}].then.{key}",
                f"no strategy labelled {ref!r}{did_you_mean(ref, known)}; known: "
                f"{', '.join(sorted(known)) or '(none)'}; keep {ref!r} in the strategies or "
                "change the rule (a file with `base:` inherits the base's adaptation rules: "
                "give `adaptation:` to replace them)",
            )
    pilots = {sp.label for sp in s.strategies if sp.type == "pilot"}
    for i, sp in enumerate(s.strategies):
        if sp.gate is not None and sp.gate.pilot not in pilots:
            raise ScenarioError(
                source,
                f"strategies[{i}].gate.pilot",
                f"no pilot labelled {sp.gate.pilot!r} in the strategy set; pilots: "
                f"{', '.join(sorted(pilots)) or '(none)'}",
            )
    if s.n_weeks < 1:
        raise ScenarioError(
            source,
            "horizon_months",
            f"{s.horizon_months:g} months is shorter than one week (the model's step)",
        )
    for i, sh in enumerate(s.shocks):
        if sh.at_month is not None and sh.at_month > s.horizon_months:
            raise ScenarioError(
                source,
                f"shocks[{i}].at_month",
                f"shock at month {sh.at_month:g} is after the horizon "
                f"({s.horizon_months:g} months)",
            )
    for i, sp in enumerate(s.strategies):
        if sp.start_month > s.horizon_months:
            raise ScenarioError(
                source,
                f"strategies[{i}].start_month",
                f"{sp.start_month} is after the horizon ({s.horizon_months})",
            )
    if s.network.kind == "watts_strogatz" and s.network.ws_k % 2:
        raise ScenarioError(source, "network.ws_k", f"must be even (got {s.network.ws_k})")
    for name in ("need_share_high", "need_share_other"):
        lo, hi = getattr(s.district.generated, name)
        if lo > hi:
            raise ScenarioError(
                source, f"district.generated.{name}", f"low end {lo} is above high end {hi}"
            )


def load_scenario(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    limits: Limits | None = DEFAULT_LIMITS,
    base_roots: Sequence[Path] | None = None,
) -> Scenario:
    """Load and validate a scenario file.

    Args:
        path: The YAML file.
        overrides: Optional ``{"dotted.path": value}`` changes applied before validation
            (used by experiments and the app).
        limits: Refuse scenarios larger than this (None: no size check).
        base_roots: Folders a ``base:`` file may come from (default: :func:`base_roots_for`;
            an empty list allows any folder).

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: For any problem, with the file, the field and what was expected.
    """
    path = Path(path)
    raw = parse_yaml(path)
    if raw is None:
        raise ScenarioError(
            str(path),
            "",
            "the file is empty; write the sections you want to change (a file with just "
            "`base: default.yaml` runs the default district)",
        )
    roots = base_roots_for(path) if base_roots is None else list(base_roots)
    data = resolve_base(path, raw, roots=roots)
    if overrides:
        data = apply_overrides(data if isinstance(data, dict) else {}, overrides)
    return scenario_from_dict(data, source=str(path), base_dir=path.parent, limits=limits)


# The scenarios that ship with scalesim (a base may always extend them).
SHIPPED_SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def base_roots_for(path: Path) -> list[Path]:
    """Where a ``base:`` chain starting at ``path`` may read files from.

    The folder of the file and everything below it, the current working folder and
    everything below it, and the shipped scenarios. A ``base:`` elsewhere (``../../etc``) is
    refused unless the caller widens the roots (``scalesim run --allow-any-base``).
    """
    return [path.resolve().parent, Path.cwd().resolve(), SHIPPED_SCENARIOS.resolve()]


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: mappings merge key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def resolve_base(
    path: Path, data: Any, seen: tuple[Path, ...] = (), roots: Sequence[Path] = ()
) -> Any:
    """Apply a scenario's ``base: other.yaml`` key (a file it extends), recursively.

    The base's sections are merged with this file's: mappings key by key, lists and values
    replaced. Paths are relative to the file that names them. A base must be a ``.yaml`` or
    ``.yml`` file inside one of ``roots`` (no check when ``roots`` is empty).
    """
    if not isinstance(data, dict) or "base" not in data:
        return data
    ref = data["base"]
    if not isinstance(ref, str):
        raise ScenarioError(str(path), "base", f"expected a file name, got {ref!r}")
    base_path = (path.parent / ref).resolve()
    if base_path.suffix not in (".yaml", ".yml"):
        raise ScenarioError(str(path), "base", f"expected a .yaml scenario file, got {ref!r}")
    if roots and not any(base_path.is_relative_to(r) for r in roots):
        raise ScenarioError(
            str(path),
            "base",
            f"{ref!r} is outside the scenario's folder, the working folder and the shipped "
            "scenarios; pass --allow-any-base to read it anyway",
        )
    if base_path in seen or base_path == path.resolve():
        raise ScenarioError(str(path), "base", f"circular base: {ref}")
    if not base_path.exists():
        raise ScenarioError(str(path), "base", f"base scenario {ref!r} not found")
    base = resolve_base(base_path, parse_yaml(base_path), (*seen, path.resolve()), roots)
    if not isinstance(base, dict):
        raise ScenarioError(str(base_path), "", "expected a mapping of sections")
    rest = {k: v for k, v in data.items() if k != "base"}
    merged = deep_merge(base, rest)
    # A CSV path in the base stays relative to the base file.
    csv_ref = (
        (base.get("district") or {}).get("csv") if isinstance(base.get("district"), dict) else None
    )
    if (
        isinstance(csv_ref, dict)
        and isinstance(csv_ref.get("path"), str)
        and not (isinstance(rest.get("district"), dict) and "csv" in rest["district"])
    ):
        merged["district"]["csv"]["path"] = str((base_path.parent / csv_ref["path"]).resolve())
    return merged


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with ``{"a.b.c": value}`` overrides set (creating sections)."""
    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node = out
        parts = dotted.split(".")
        for key in parts[:-1]:
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                node[key] = nxt
            node = nxt
        node[parts[-1]] = value
    return out
