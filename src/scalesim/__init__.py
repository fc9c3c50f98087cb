"""scalesim: rehearse how an educational innovation scales across a district, for equity.

The public API is small; the CLI, the app and notebooks all call it. Names are imported on
first use (PEP 562), so ``import scalesim`` and the CLI start fast and a bad input file is
reported before Mesa is even imported.

Examples:
    >>> import scalesim
    >>> sc = scalesim.load_scenario("scenarios/default.yaml")  # doctest: +SKIP
    >>> res = scalesim.run(sc, seed=1)                          # doctest: +SKIP
    >>> res.timeseries[["month", "share_enacting", "equity_ratio"]].tail()  # doctest: +SKIP
    >>> cmp = scalesim.compare([sc, "scenarios/baseline.yaml"], reps=10)  # doctest: +SKIP
    >>> cmp.means(), cmp.plot(), cmp.report("compare.html")              # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "DEFAULT_SEED": "scalesim.common.seeds",
    "METRICS": "scalesim.metrics",
    "PHASES": "scalesim.simulation.model",
    "RunResult": "scalesim.simulation.runner",
    "ScalesimInputError": "scalesim.common.errors",
    "ScalingModel": "scalesim.simulation.model",
    "Scenario": "scalesim.scenario",
    "ScenarioError": "scalesim.common.errors",
    "compare": "scalesim.notebook",
    "load_results": "scalesim.workbench.store",
    "load_scenario": "scalesim.scenario",
    "rehearse": "scalesim.notebook",
    "run": "scalesim.simulation.runner",
    "run_one": "scalesim.simulation.runner",
}

__all__ = [
    "DEFAULT_SEED",
    "METRICS",
    "PHASES",
    "RunResult",
    "ScalesimInputError",
    "ScalingModel",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_results",
    "load_scenario",
    "rehearse",
    "run",
    "run_one",
]

if TYPE_CHECKING:  # pragma: no cover
    from scalesim.common.errors import ScalesimInputError, ScenarioError
    from scalesim.common.seeds import DEFAULT_SEED
    from scalesim.metrics import METRICS
    from scalesim.notebook import compare, rehearse
    from scalesim.scenario import Scenario, load_scenario
    from scalesim.simulation.model import PHASES, ScalingModel
    from scalesim.simulation.runner import RunResult, run, run_one
    from scalesim.workbench.store import load_results


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'scalesim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
