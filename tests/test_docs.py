"""The documentation matches the code: scenario fields, metrics, the step order, coefficients."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from scalesim.core import rules, turnover
from scalesim.metrics import METRICS
from scalesim.simulation import model, runner
from scalesim.simulation.model import PHASES


@pytest.fixture(scope="module")
def gen(repo: Path) -> ModuleType:
    """scripts/gen_scenario_docs.py, imported as a module."""
    spec = importlib.util.spec_from_file_location(
        "gen_scenario_docs", repo / "scripts" / "gen_scenario_docs.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while it executes
    spec.loader.exec_module(mod)
    return mod


def test_scenario_doc_is_generated_from_schema(gen: ModuleType, repo: Path) -> None:
    """docs/scenario.md equals the generator's output (run scripts/gen_scenario_docs.py)."""
    doc = (repo / "docs" / "scenario.md").read_text(encoding="utf-8")
    assert doc == gen.render(), "docs/scenario.md is stale: run scripts/gen_scenario_docs.py"


def test_every_scenario_field_has_a_description(gen: ModuleType) -> None:
    """Every field of the schema has a description (a single-use section: its docstring)."""
    assert gen.missing_descriptions() == []


def test_every_scenario_field_is_in_the_doc(gen: ModuleType, repo: Path) -> None:
    """Each field appears as a row of its section's table, with its unit when it has one."""
    doc = (repo / "docs" / "scenario.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", doc, flags=re.M)
    by_title = {s.split("\n", 1)[0].strip().strip("`"): s for s in sections}
    rows = list(gen.iter_fields())
    assert len(rows) > 100
    for row in rows:
        if row.path.startswith("<distribution>"):
            title = "Distributions"
        else:
            title = row.path.rsplit(".", 1)[0] if "." in row.path else "Top level"
        # A section reached again through another path is documented at its first path.
        section = by_title.get(title) or next(
            (s for t, s in by_title.items() if t.endswith(title.split(".")[-1])), ""
        )
        assert f"| `{row.name}` |" in section, f"{row.path} missing from docs/scenario.md"
        extra = row.info.json_schema_extra or {}
        if isinstance(extra, dict) and extra.get("unit"):
            assert str(extra["unit"]) in section, f"unit of {row.path} missing"


def test_check_mode_detects_stale_doc(gen: ModuleType, tmp_path: Path) -> None:
    """--check fails on a stale file and passes on a fresh one."""
    out = tmp_path / "scenario.md"
    out.write_text("stale\n", encoding="utf-8")
    assert gen.main(["--check", "--out", str(out)]) == 1
    assert gen.main(["--out", str(out)]) == 0
    assert gen.main(["--check", "--out", str(out)]) == 0


METRIC_ROW = re.compile(
    r"^\| `(\w+)` \| (\w+) \| (\w+) \| ([^|]+) \| ([^|]+(?:\\\|[^|]*)*)\|", re.M
)


def test_every_metric_is_documented(repo: Path) -> None:
    """docs/metrics.md has one row per registered metric with its dimension, direction, unit."""
    doc = (repo / "docs" / "metrics.md").read_text(encoding="utf-8")
    rows = {m[0]: m[1:] for m in METRIC_ROW.findall(doc)}
    assert set(rows) == set(METRICS), (
        f"undocumented: {sorted(set(METRICS) - set(rows))}; "
        f"stale: {sorted(set(rows) - set(METRICS))}"
    )
    for name, d in METRICS.items():
        dimension, kind, unit, formula = (x.strip() for x in rows[name])
        assert dimension == d.dimension, name
        assert kind == d.kind, name
        assert unit == d.unit, name
        assert formula, f"{name} has no formula"


def test_model_doc_lists_the_phases_in_order(repo: Path) -> None:
    """docs/model.md gives the weekly step order exactly as model.PHASES."""
    doc = (repo / "docs" / "model.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\d+\. `(\w+)` —", doc, flags=re.M)
    assert tuple(listed) == PHASES


def _constants(module: ModuleType) -> dict[str, float]:
    """Numeric UPPER_CASE names assigned at the top level of the module's own source."""
    names: set[str] = set()
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                elts = target.elts if isinstance(target, ast.Tuple) else [target]
                names |= {e.id for e in elts if isinstance(e, ast.Name)}
    values = {k: getattr(module, k) for k in names if re.fullmatch(r"[A-Z][A-Z0-9_]+", k)}
    # DT is 1/52 by definition (a week in years), documented in prose.
    return {
        k: v
        for k, v in values.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and k != "DT"
    }


@pytest.mark.parametrize("module", [rules, turnover, model, runner], ids=lambda m: m.__name__)
def test_model_doc_has_every_coefficient(module: ModuleType, repo: Path) -> None:
    """Every named numeric constant of the model's modules is in docs/model.md with its value."""
    doc = (repo / "docs" / "model.md").read_text(encoding="utf-8")
    consts = _constants(module)
    if module is rules:
        assert len(consts) >= 13
    for name, value in consts.items():
        assert f"`{name} = {value!r}`" in doc, f"{name} = {value!r} missing from docs/model.md"


def test_model_doc_cites_the_domain_documents(repo: Path) -> None:
    """Each mechanism cites its source document by file name."""
    doc = (repo / "docs" / "model.md").read_text(encoding="utf-8")
    for ref in ("000_*.txt", "002_*.txt", "003_*.txt", "004_*.txt"):
        assert ref in doc
