"""The package layout matches docs/architecture.md: layers, allowed imports, no cycles.

Imports are read from the source with ``ast`` (imports inside functions count; those under
``if TYPE_CHECKING:`` do not, since they never run). Also checked: no module over 500 lines
without a stated reason, and that strategies, shocks, pit stops and the rules never write
model state directly (every write goes through ``core.actions.Actions``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "scalesim"
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = ("scalesim", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts).removesuffix(".__init__")


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in ast.walk(node):
                if hasattr(sub, "lineno"):
                    lines.add(sub.lineno)
    return lines


def runtime_imports(name: str, path: Path) -> set[str]:
    """The scalesim modules ``name`` imports at run time (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                mod = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            for alias in node.names:
                for cand in (f"{mod}.{alias.name}", mod):
                    if cand in MODULES:
                        out.add(cand)
                        break
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in MODULES}
    return {m for m in out if m != name and not name.startswith(m + ".")}


GRAPH = {name: runtime_imports(name, path) for name, path in MODULES.items()}


def _package(module: str) -> str | None:
    """The layer a module belongs to (None for the top-level API modules)."""
    parts = module.split(".")
    if len(parts) < 2 or (SRC / parts[1]).is_file() or (SRC / f"{parts[1]}.py").is_file():
        return None
    return parts[1]


def documented_layers() -> dict[str, set[str]]:
    """The table of docs/architecture.md: package -> packages it may import."""
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = doc.split("<!-- architecture:begin -->")[1].split("<!-- architecture:end -->")[0]
    layers: dict[str, set[str]] = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        layers[cells[0].strip("`")] = set(re.findall(r"`(\w+)`", cells[2]))
    return layers


def test_the_table_names_every_package() -> None:
    """Every package under src/scalesim is in docs/architecture.md, and nothing else is."""
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(documented_layers()) == packages


def test_imports_follow_the_layers() -> None:
    """No module imports a package its layer may not import (the table's last column)."""
    layers = documented_layers()
    bad = []
    for name, deps in GRAPH.items():
        own = _package(name)
        if own is None:
            continue
        for dep in deps:
            target = _package(dep)
            if target is not None and target != own and target not in layers[own]:
                bad.append(f"{name} -> {dep}")
    assert not bad, "imports against docs/architecture.md:\n" + "\n".join(sorted(bad))


def test_no_import_cycle() -> None:
    """The module graph is acyclic (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size_or_reason(name: str) -> None:
    """A module over 500 lines says at the top why it is longer."""
    path = MODULES[name]
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines > MAX_LINES:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "Longer than 500 lines" in doc, f"{path} has {lines} lines and gives no reason"


# Names through which a mechanism reaches the model's state.
STATE_ROOTS = {"ed", "dist", "schools", "network"}


def _writes_state(target: ast.AST) -> bool:
    """Whether an assignment target is (part of) ``m.ed…``, ``m.dist…`` and so on."""
    node = target
    while isinstance(node, ast.Subscript | ast.Attribute):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.attr in STATE_ROOTS and node.value.id in ("m", "model")
        node = node.value
    return False


WRITERS = sorted(
    name
    for name in MODULES
    if name.startswith("scalesim.journey.") or name == "scalesim.core.rules"
)


@pytest.mark.parametrize("name", WRITERS)
def test_mechanisms_write_state_only_through_actions(name: str) -> None:
    """No strategy, shock, pit stop or rule assigns to the model's state arrays directly."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            for sub in ast.walk(t):
                if _writes_state(sub):
                    bad.append(f"line {node.lineno}: {ast.unparse(t)}")
                    break
    assert not bad, f"{name} writes model state directly:\n" + "\n".join(bad)


def test_the_write_check_can_fail() -> None:
    """The detector flags the kind of write it forbids (so the check above is not vacuous)."""
    tree = ast.parse("m.ed.enacting[x] = True\nm.dist.policy_alignment += 0.1\ny = m.ed.depth[x]")
    flagged = [
        isinstance(n, ast.Assign | ast.AugAssign)
        and any(
            _writes_state(s)
            for t in getattr(n, "targets", [getattr(n, "target", None)])
            for s in ast.walk(t)
        )
        for n in tree.body
    ]
    assert flagged == [True, True, False]
