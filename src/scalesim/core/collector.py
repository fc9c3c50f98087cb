"""The model's DataCollector: Mesa's, without a per-value deep copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from scalesim.simulation.model import ScalingModel


class WeeklyCollector(mesa.DataCollector):
    """Mesa's DataCollector, recording this week's metric values without per-value copies.

    Metric values are floats computed once per week in ``model.current``; Mesa's generic
    ``collect`` would call one reporter and one ``deepcopy`` per value (about 0.04 ms a week
    against 0.002 ms here, a few percent of a small run; benchmarks/RESULTS.md). The
    reporters are kept (named, picklable), so ``model_vars`` and
    ``get_model_vars_dataframe`` (the public API every reader uses: pit stops, the runner's
    time series, the app's snapshots) behave as in Mesa.

    Only public attributes are written: ``model_vars`` and this class's own ``times`` (the
    model time of every row). Mesa's private list of collection times is left as Mesa
    created it, so Mesa's ``batch_run``, which reads that private list, is not supported
    with this collector; scalesim's own runner and sweeps (``scalesim.run``,
    ``workbench.sweep``) are the way to run many models.

    Attributes:
        times: ``model.time`` at each ``collect`` call, one per row of ``model_vars``.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.times: list[float] = []

    def collect(self, model: ScalingModel) -> None:
        """Append this week's values of every model reporter."""
        self.times.append(model.time)
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
