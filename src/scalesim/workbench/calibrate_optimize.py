"""The quick alternative to ABC: an Optuna point fit (``scalesim calibrate --method optimize``).

Optuna's TPE sampler with batched ask/tell: every ask and tell happens in the parent in trial
order, the sampler is seeded per batch from (seed, trials so far), and each trial averages
``replicates`` simulations on common seeds, so the trials are a function of the seed and the
batch size only, never of the executor. The "interval" of a point fit is the range of the
trials within ``near_best`` of the best distance.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from scalesim.workbench.calibrate import KEY_OPTIMIZE, CalibrationResult, Target, simulate
from scalesim.workbench.calibration_file import CalibrationFile


def _trial_task(task: tuple[Target, int, dict[str, float], list[int]]) -> tuple[int, float]:
    target, number, params, seeds = task
    pooled, schools = [], []
    for s in seeds:
        sh = simulate(target, params, s)
        pooled.append(target.pooled(sh))
        schools.append(target.school_stat(sh))
    return number, target.distance_of(np.mean(pooled, axis=0), np.mean(schools, axis=0))


def fit_optimize(
    target: Target,
    cal: CalibrationFile,
    executor: Any,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> CalibrationResult:
    """Optuna TPE point fit, batched ask/tell; each trial averages replicates (common seeds)."""
    import optuna
    import pandas as pd

    o = cal.optimize
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize")
    rep_seeds = [
        int(np.random.SeedSequence(cal.seed, spawn_key=(KEY_OPTIMIZE, 0, r)).generate_state(1)[0])
        for r in range(o.replicates)
    ]
    t0 = time.perf_counter()
    done = 0
    batches = []
    while done < o.trials:
        # A sampler seeded from (seed, trials so far) for each batch: the sequence of asks is a
        # function of the seed and the batch size only, never of the executor.
        sd = np.random.SeedSequence(cal.seed, spawn_key=(KEY_OPTIMIZE, 1, done))
        study.sampler = optuna.samplers.TPESampler(
            seed=int(sd.generate_state(1)[0]), n_startup_trials=2 * o.batch, constant_liar=True
        )
        trials = [study.ask() for _ in range(min(o.batch, o.trials - done))]
        tasks = []
        for tr in trials:
            params = {
                n: tr.suggest_float(n, p.low, p.high, log=p.prior == "loguniform")
                for n, p in cal.params.items()
            }
            tasks.append((target, tr.number, params, rep_seeds))
        values = dict(executor.map_unordered(_trial_task, tasks))
        for tr in trials:  # tell in trial order, never completion order
            tr.set_user_attr("replicates", o.replicates)
            study.tell(tr, values[tr.number])
        done += len(trials)
        batches.append(
            {
                "generation": len(batches),
                "best": float(study.best_value),
                "simulations": len(trials) * o.replicates,
            }
        )
        if on_progress is not None:
            on_progress(done, 0, o.trials)
    wall = time.perf_counter() - t0
    names = list(cal.params)
    trials_df = pd.DataFrame(
        [{"trial": t.number, **t.params, "value": t.value} for t in study.trials]
    )
    best = study.best_trial
    near = trials_df[trials_df["value"] <= best.value * (1 + o.near_best)]
    rows = [
        {
            "parameter": n,
            "prior": cal.params[n].prior,
            "low": cal.params[n].low,
            "high": cal.params[n].high,
            "mean": float(best.params[n]),
            "median": float(best.params[n]),
            "lo": float(near[n].min()),
            "hi": float(near[n].max()),
        }
        for n in names
    ]
    draws = [dict(best.params)] * cal.predictive.draws
    return CalibrationResult(
        method="optimize",
        names=names,
        particles=trials_df,
        parameters=pd.DataFrame(rows),
        generations=pd.DataFrame(batches),
        simulations=o.trials * o.replicates,
        wall_s=wall,
        draws=draws,
        extra={"best_value": float(best.value), "near_best": o.near_best},
    )
