"""The documentation matches the code: scenario fields, metrics, the step order, coefficients."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from scalesim.journey.shocks import SHOCKS
from scalesim.journey.strategies import STRATEGIES
from scalesim.metrics import METRICS
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


def _constants(module: ModuleType) -> dict[str, object]:
    """Numeric UPPER_CASE names (numbers or tuples of numbers) assigned at the module's top."""
    names: set[str] = set()
    for node in ast.parse(inspect.getsource(module)).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign) and node.value is not None
            else []
        )
        for target in targets:
            elts = target.elts if isinstance(target, ast.Tuple) else [target]
            names |= {e.id for e in elts if isinstance(e, ast.Name)}

    def numeric(v: object) -> bool:
        if isinstance(v, tuple):
            return bool(v) and all(numeric(x) for x in v)
        return isinstance(v, int | float) and not isinstance(v, bool)

    values = {k: getattr(module, k) for k in names if re.fullmatch(r"[A-Z][A-Z0-9_]+", k)}
    # DT is 1/52 by definition (a week in years), documented in prose.
    return {k: v for k, v in values.items() if numeric(v) and k != "DT"}


# The packages that hold mechanisms (docs/architecture.md): every module in them, at any
# depth and package __init__ files included, is scanned for coefficients.
MECHANISM_PACKAGES = ("core", "journey", "simulation", "metrics")
SRC = Path(__file__).resolve().parents[1] / "src" / "scalesim"


def _all_modules() -> list[str]:
    """Every module of scalesim, found by walking the package (``__main__`` runs the CLI)."""
    import scalesim

    names = [i.name for i in pkgutil.walk_packages(scalesim.__path__, "scalesim.")]
    return ["scalesim", *(n for n in names if not n.endswith(".__main__"))]


def _is_mechanism(name: str) -> bool:
    """Whether module ``name`` belongs to a mechanism package."""
    parts = name.split(".")
    return len(parts) > 1 and parts[1] in MECHANISM_PACKAGES


def _mechanism_modules() -> list[ModuleType]:
    """Every module of the mechanism packages, at any depth, ``__init__`` files included."""
    return [importlib.import_module(n) for n in _all_modules() if _is_mechanism(n)]


MECHANISM_MODULES = _mechanism_modules()


def test_scan_covers_every_file_of_the_mechanism_packages() -> None:
    """Each .py file under core/, journey/, simulation/ and metrics/ is a scanned module."""
    on_disk = set()
    for pkg in MECHANISM_PACKAGES:
        for f in (SRC / pkg).rglob("*.py"):
            parts = f.relative_to(SRC).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            on_disk.add(".".join(("scalesim", *parts)))
    assert on_disk == {m.__name__ for m in MECHANISM_MODULES}


def test_no_coefficient_hides_outside_the_mechanism_packages() -> None:
    """A mechanism module imports numeric constants from elsewhere only from common.units.

    Scans every module of scalesim: a coefficient moved to a module the table does not
    cover (common, scenario, workbench, ...) and imported back would escape the check.
    The calendar's definitions (a year is 52 weeks, a month 52/12) are one exception; the
    default seed (``common.seeds``: which history a run picks, shared by API and CLI, not a
    coefficient of any mechanism) is the other.
    """
    constants = {n: _constants(importlib.import_module(n)) for n in _all_modules()}
    assert len(constants) > 80
    hidden = []
    for mod in MECHANISM_MODULES:
        for node in ast.walk(ast.parse(inspect.getsource(mod))):
            if isinstance(node, ast.ImportFrom) and (node.module or "") in constants:
                if _is_mechanism(node.module) or node.module in (
                    "scalesim.common.units",
                    "scalesim.common.seeds",
                ):
                    continue
                hidden += [
                    f"{mod.__name__}: {a.name} from {node.module}"
                    for a in node.names
                    if a.name in constants[node.module]
                ]
    assert not hidden, hidden


def _coefficient_rows(doc: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(module, `NAME = value`) -> (meaning, source) from the coefficient table."""
    rows = {}
    for line in doc.splitlines():
        m = re.match(r"^\| `(\w+ = [^`]+)` \| `([\w.]+)` \| (.*) \| (.*) \|$", line)
        if m:
            rows[(m.group(2), m.group(1))] = (m.group(3).strip(), m.group(4).strip())
    return rows


def test_mechanism_modules_are_found() -> None:
    """The scan sees the rules, turnover, the strategies and the model (it is not vacuous)."""
    names = {m.__name__ for m in MECHANISM_MODULES}
    assert {
        "scalesim.core.rules",
        "scalesim.core.turnover",
        "scalesim.journey.strategies.networks",
        "scalesim.simulation.model",
    } <= names


@pytest.mark.parametrize("module", MECHANISM_MODULES, ids=lambda m: m.__name__)
def test_model_doc_has_every_coefficient(module: ModuleType, repo: Path) -> None:
    """Every named numeric constant is in docs/model.md's table: value, module and source."""
    rows = _coefficient_rows((repo / "docs" / "model.md").read_text(encoding="utf-8"))
    short = module.__name__.removeprefix("scalesim.")
    for name, value in _constants(module).items():
        key = (short, f"{name} = {value!r}")
        assert key in rows, f"`{name} = {value!r}` ({short}) missing from docs/model.md"
        meaning, source = rows[key]
        assert meaning and source, f"{name}: the table gives no meaning or no source"


def test_coefficient_table_has_no_stale_rows(repo: Path) -> None:
    """Every row of the table is a constant that exists with that value (no leftovers)."""
    rows = _coefficient_rows((repo / "docs" / "model.md").read_text(encoding="utf-8"))
    live = {
        (m.__name__.removeprefix("scalesim."), f"{k} = {v!r}")
        for m in MECHANISM_MODULES
        for k, v in _constants(m).items()
    }
    assert len(rows) >= 50
    assert set(rows) <= live, f"stale rows: {sorted(set(rows) - live)}"


CITE = re.compile(r"0\d\d_\*\.txt|DESIGN §|NCES|\b(19|20)\d\d\b")
# Phases whose mechanism is documented in docs/strategies.md (strategies, shocks, pit stops)
# or that are bookkeeping (the calendar, recording the metrics).
NOT_RULES = {"calendar", "shocks", "strategies", "record", "pit_stops"}


def _sections(doc: str, level: str, within: str) -> dict[str, str]:
    """Title -> text of the ``level`` headings inside the section headed ``within``."""
    body = doc.split(within, 1)[1].split("\n## ", 1)[0]
    parts = re.split(rf"^{level} ", body, flags=re.M)[1:]
    return {p.splitlines()[0]: p for p in parts}


def test_every_rule_phase_has_a_section_that_cites_a_source(repo: Path) -> None:
    """Each phase of the week that is a rule has its section in docs/model.md, with a source."""
    doc = (repo / "docs" / "model.md").read_text(encoding="utf-8")
    sections = _sections(doc, "###", "## The rules")

    def phase_of(title: str) -> str | None:
        """The phase a section documents: its first word, or the phase method it names."""
        named = [p for p in PHASES if f"ScalingModel._{p}`" in title]
        first = title.split()[0].lower()
        return named[0] if named else first if first in PHASES else None

    by_phase = {phase_of(title): text for title, text in sections.items()}
    assert None not in by_phase, f"a section documents no phase: {sorted(sections)}"
    assert set(by_phase) == set(PHASES) - NOT_RULES, sorted(by_phase, key=str)
    assert len(by_phase) == len(sections), "two sections document the same phase"
    for phase, text in by_phase.items():
        assert CITE.search(text), f"docs/model.md: the {phase} rule cites no source"
    # The functions the headings name exist (no section about a rule that is gone).
    from scalesim.core import rules, turnover

    for title in sections:
        for ref in re.findall(r"`rules\.(\w+)`", title):
            assert callable(getattr(rules, ref, None)), f"{title}: rules.{ref} does not exist"
        for ref in re.findall(r"`(\w+)\.py`", title):
            assert ref == turnover.__name__.rsplit(".", 1)[1], title


def test_every_strategy_and_shock_names_its_source(repo: Path) -> None:
    """Each strategy cites the document it comes from; each shock's entry cites its source."""
    for name, cls in STRATEGIES.items():
        assert re.search(r"0\d\d_\*\.txt", cls.source), f"strategy {name} cites no document"
    doc = (repo / "docs" / "strategies.md").read_text(encoding="utf-8")
    body = doc.split("\n## Shocks\n", 1)[1].split("\n## ", 1)[0]
    entries = {
        m.group(1): m.group(0)
        for m in re.finditer(r"^- `(\w+)` —.*?(?=^- `|^\S|\Z)", body, re.M | re.S)
    }
    assert set(entries) == set(SHOCKS), f"shocks without an entry: {set(SHOCKS) - set(entries)}"
    for name, text in entries.items():
        assert (SHOCKS[name].__doc__ or "").strip(), f"shock {name} has no description"
        assert CITE.search(text), f"docs/strategies.md: shock {name} cites no source"


def test_model_doc_cites_the_domain_documents(repo: Path) -> None:
    """Each mechanism cites its source document by file name."""
    doc = (repo / "docs" / "model.md").read_text(encoding="utf-8")
    for ref in ("000_*.txt", "002_*.txt", "003_*.txt", "004_*.txt"):
        assert ref in doc
