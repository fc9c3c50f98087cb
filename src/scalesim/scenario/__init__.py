"""Scenario files: the schema, loading (``base:``, overrides), CSV districts and lessons."""

from scalesim.scenario.schema import *  # noqa: F403  (temporary during the move)
from scalesim.scenario.schema import (  # noqa: F401
    WEEKS_PER_MONTH,
    WEEKS_PER_YEAR,
    _check_consistency,
    validation_message,
)
