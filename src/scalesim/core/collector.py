"""The model's DataCollector: Mesa's, without a per-value deep copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel


class WeeklyCollector(mesa.DataCollector):
    """Mesa's DataCollector, recording this week's metric values without per-value copies.

    Metric values are floats computed once per week in ``model.current``; Mesa's generic
    ``collect`` would call one reporter and one ``deepcopy`` per value, which was a fifth of
    a 5,000-educator run (benchmarks/RESULTS.md). The reporters are kept (named, picklable),
    so ``get_model_vars_dataframe`` and everything else behave as in Mesa.
    """

    def collect(self, model: ScalingModel) -> None:
        """Append this week's values of every model reporter."""
        self._collection_steps.append(model.time)
        cur = model.current
        for name, values in self.model_vars.items():
            if name in cur:
                values.append(cur[name])
            else:  # attribute-name reporters: week, month, in_session
                values.append(getattr(model, self.model_reporters[name]))

    def replace_last(self, model: ScalingModel) -> None:
        """Overwrite the last row with this week's values (after a change between steps)."""
        cur = model.current
        for name, values in self.model_vars.items():
            if values and name in cur:
                values[-1] = cur[name]
