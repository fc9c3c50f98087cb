"""One plotting package, low in the layers, and no pyplot anywhere in scalesim.

``scalesim.plotting`` reads only ``scalesim.common`` and ``scalesim.metrics`` (and
matplotlib, NumPy, pandas, Pillow), so the report, the app, the CLI and the workbench can
all draw with it. No module of the package imports pyplot or calls ``matplotlib.use``
(``tests/test_import_side_effects.py`` checks what importing does; this checks the source,
function bodies included).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "scalesim"
PLOTTING_MAY_IMPORT = ("scalesim.common", "scalesim.metrics", "scalesim.plotting")
THIRD_PARTY = ("matplotlib", "numpy", "pandas", "PIL")


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def test_plotting_imports_only_common_metrics_and_drawing_libraries() -> None:
    bad = []
    for f in sorted((SRC / "plotting").rglob("*.py")):
        for line, name in _imports(f):
            root = name.split(".")[0]
            if name.startswith("scalesim."):
                ok = name.startswith(PLOTTING_MAY_IMPORT)
            else:
                ok = root in THIRD_PARTY or root in sys.stdlib_module_names
            if not ok:
                bad.append(f"{f.relative_to(SRC)}:{line}: {name}")
    assert bad == []


def test_no_module_imports_pyplot_or_calls_matplotlib_use() -> None:
    bad = []
    for f in sorted(SRC.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for line, name in _imports(f):
            if name == "matplotlib.pyplot":
                bad.append(f"{f.relative_to(SRC)}:{line}: imports pyplot")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in (
                "matplotlib.use",
                "mpl.use",
            ):
                bad.append(f"{f.relative_to(SRC)}:{node.lineno}: calls matplotlib.use")
    assert bad == []


def test_drawing_happens_only_in_plotting() -> None:
    """The report, compare and sensitivity draw with the same functions: no second copy.

    Matplotlib drawing calls outside the package would be a second implementation.
    """
    drawers = {}
    for f in sorted(SRC.rglob("*.py")):
        if f.parent.name == "plotting":
            continue
        text = f.read_text(encoding="utf-8")
        for call in ("fill_between(", ".barh(", ".bar(", "errorbar(", "imshow("):
            if call in text:
                drawers.setdefault(str(f.relative_to(SRC)), []).append(call)
    assert drawers == {}, "draw in scalesim.plotting, not here"
