"""What every run reports: Coburn's four dimensions of scale plus equity of reach."""

from scalesim.metrics.definitions import *  # noqa: F403  (temporary during the move)
from scalesim.metrics.definitions import METRIC_NAMES, METRICS, compute_all, current_value  # noqa: F401
