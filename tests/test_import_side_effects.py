"""Importing scalesim changes no global state: backend, environment, pyplot, warnings, logging.

A notebook that imports scalesim (or draws one of its figures) keeps its matplotlib backend,
its environment variables, its warning filters and its logging. Each check imports every
module of the package (found with :mod:`pkgutil`, without importing anything first) in a
fresh interpreter, so nothing a test imported earlier hides an effect.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "scalesim"
# Modules that import Mesa's visualization (SolaraViz, its update counter): Mesa 3.5.1's
# ``mesa.visualization`` package imports pyplot itself (mpl_space_drawing), so these
# cannot avoid it. Importing pyplot selects no backend; the backend check covers them.
PYPLOT_VIA_MESA = (
    "scalesim.app.components",
    "scalesim.app.page",
    "scalesim.app.play_view",
    "scalesim.app.monitors",
)
# A backend that is not Agg and needs no display: a change to it would show.
BACKEND = "svg"

# Lists the package's modules without importing any of them (pkgutil.walk_packages would
# import every package to find its subpackages, before the state is recorded).
PREAMBLE = r"""
import importlib, importlib.util, json, os, pkgutil, sys

def module_names():
    out = []
    def walk(path, prefix):
        for info in pkgutil.iter_modules(path, prefix):
            if info.name.endswith(".__main__"):
                continue  # runs the command line
            out.append(info.name)
            if info.ispkg:
                walk([os.path.join(path[0], info.name.rsplit(".", 1)[1])], info.name + ".")
    walk(list(importlib.util.find_spec("scalesim").submodule_search_locations), "scalesim.")
    return sorted(out)

def import_all(names, failures):
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
"""

BACKEND_AND_PYPLOT = (
    PREAMBLE
    + r"""
import matplotlib

def refuse(*args, **kwargs):
    raise RuntimeError(f"matplotlib.use{args} called while importing scalesim")

matplotlib.use = refuse
exempt = set(json.loads(sys.argv[1]))
backend = dict.__getitem__(matplotlib.rcParams, "backend")  # raw: resolves nothing
env = dict(os.environ)
failures = []
names = module_names()
import_all([n for n in names if n not in exempt], failures)
pyplot_after_import = "matplotlib.pyplot" in sys.modules

png = b""
try:
    from scalesim.plotting.style import new_figure, png_bytes
    fig, axes = new_figure(1, 1, 3.0, 2.0)
    axes[0, 0].plot([0, 1], [0, 1])
    png = png_bytes(fig)
except Exception as exc:
    failures.append(f"drawing: {type(exc).__name__}: {exc}")
pyplot_after_drawing = "matplotlib.pyplot" in sys.modules

import_all(sorted(exempt), failures)
print(json.dumps({
    "modules": names,
    "failures": failures,
    "backend_before": str(backend),
    "backend_after": str(dict.__getitem__(matplotlib.rcParams, "backend")),
    "env_changed": sorted(k for k in set(env) | set(os.environ) if env.get(k) != os.environ.get(k)),
    "pyplot_after_import": pyplot_after_import,
    "pyplot_after_drawing": pyplot_after_drawing,
    "png": png[:8].hex(),
}))
"""
)

GLOBAL_STATE = (
    PREAMBLE
    + r"""
import logging, multiprocessing, warnings
# Everything scalesim imports from elsewhere comes first: what changes after that is
# scalesim's own doing (SciPy, for one, adds warning filters when it is imported).
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception:
        pass

import matplotlib
import numpy as np

def state():
    return {
        "warnings": [repr(f) for f in warnings.filters],
        "numpy_errors": np.geterr(),
        "root_logger": [logging.root.level, [repr(h) for h in logging.root.handlers]],
        "logger_levels": {
            n: getattr(lg, "level", None)
            for n, lg in sorted(logging.root.manager.loggerDict.items())
        },
        "start_method": multiprocessing.get_start_method(allow_none=True),
        "recursion_limit": sys.getrecursionlimit(),
        "environ": dict(os.environ),
        "rc": {k: repr(dict.__getitem__(matplotlib.rcParams, k)) for k in matplotlib.rcParams},
    }

before = state()
failures = []
import_all(module_names(), failures)
after = state()
changed = {}
for key in before:
    if before[key] != after[key]:
        if isinstance(before[key], dict):
            changed[key] = sorted(
                k for k in set(before[key]) | set(after[key])
                if before[key].get(k) != after[key].get(k)
                # a logger first created by the import is new, not changed
                and not (key == "logger_levels" and k not in before[key] and after[key][k] == 0)
            )
            if not changed[key]:
                del changed[key]
        else:
            changed[key] = [before[key], after[key]]
print(json.dumps({"failures": failures, "changed": changed}, default=str))
"""
)


def _run(script: str, arg: Any) -> dict[str, Any]:
    env = {**os.environ, "MPLBACKEND": BACKEND}
    proc = subprocess.run(
        [sys.executable, "-c", script, json.dumps(arg)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _third_party_imports() -> list[str]:
    """Every module scalesim's source imports from outside the package (any depth)."""
    names: set[str] = set()
    for f in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
    return sorted(n for n in names if n.split(".")[0] not in ("scalesim", "__future__"))


@pytest.fixture(scope="module")
def imported() -> dict[str, Any]:
    return _run(BACKEND_AND_PYPLOT, PYPLOT_VIA_MESA)


def test_every_module_imports(imported: dict[str, Any]) -> None:
    assert imported["failures"] == []
    assert len(imported["modules"]) > 50  # the walk found the package
    assert {"scalesim.plotting.style", "scalesim.app.page", "scalesim.cli.cmd_app"} <= set(
        imported["modules"]
    )


def test_importing_keeps_the_backend_and_never_calls_matplotlib_use(
    imported: dict[str, Any],
) -> None:
    # matplotlib.use raises in the subprocess, so a call would also be an import failure.
    assert imported["backend_before"] == BACKEND
    assert imported["backend_after"] == BACKEND
    assert not [f for f in imported["failures"] if "matplotlib.use" in f]


def test_importing_leaves_the_environment_as_it_was(imported: dict[str, Any]) -> None:
    assert imported["env_changed"] == []


def test_importing_and_drawing_need_no_pyplot(imported: dict[str, Any]) -> None:
    assert imported["pyplot_after_import"] is False
    assert imported["png"] == b"\x89PNG\r\n\x1a\n".hex()
    assert imported["pyplot_after_drawing"] is False


def test_the_pyplot_exemption_is_mesas_own_import() -> None:
    """The exempt modules import Mesa's visualization, and that alone imports pyplot."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mesa.visualization; print('matplotlib.pyplot' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": BACKEND},
        timeout=300,
    )
    assert proc.stdout.strip() == "True", "Mesa no longer imports pyplot: drop PYPLOT_VIA_MESA"
    users = set()
    for f in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "mesa.visualization"
            ):
                rel = f.relative_to(SRC.parent).with_suffix("")
                users.add(".".join(rel.parts))
    assert users == set(PYPLOT_VIA_MESA)


def test_importing_sets_no_warning_filter_logging_or_other_global_state() -> None:
    got = _run(GLOBAL_STATE, _third_party_imports())
    assert got["failures"] == []
    assert got["changed"] == {}
