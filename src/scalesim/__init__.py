"""scalesim: rehearse how an educational innovation scales across a district, for equity.

The public API is small; the CLI, the app and notebooks all call it.

Examples:
    >>> import scalesim
    >>> sc = scalesim.load_scenario("scenarios/default.yaml")  # doctest: +SKIP
    >>> res = scalesim.run(sc, seed=1)                          # doctest: +SKIP
    >>> res.timeseries[["month", "share_enacting", "equity_ratio"]].tail()  # doctest: +SKIP
"""

from scalesim.errors import ScalesimInputError, ScenarioError
from scalesim.metrics import METRICS
from scalesim.model import PHASES, ScalingModel
from scalesim.runner import RunResult, run, run_one
from scalesim.scenario import Scenario, load_scenario
from scalesim.store import load_results

__version__ = "0.1.0"

__all__ = [
    "METRICS",
    "PHASES",
    "RunResult",
    "ScalesimInputError",
    "ScalingModel",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_results",
    "load_scenario",
    "run",
    "run_one",
]
