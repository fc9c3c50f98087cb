"""Calibrate scenario parameters to an observed adoption history, by simulation.

Two methods, both running every simulation through the workbench executors (serial, local
processes, Dask) and both deterministic for a given seed:

* ``abc`` (default): approximate Bayesian computation by sequential Monte Carlo (pyabc's
  ``ABCSMC``), a posterior with uncertainty. Parallelism uses pyabc's own
  :class:`pyabc.sampler.MappingSampler`, whose one task is "sample until one particle is
  accepted" and whose results come back in task order; its ``map`` is ours
  (:class:`SeededMap`): it hands the tasks to the executor and gives task ``i`` of map call
  ``k`` its own seed, so a generation is the same on one core, many processes or a Dask
  cluster. pyabc's other parallel samplers reseed every worker from the operating system and
  accept particles in completion order (not reproducible; see docs/decisions.md).
* ``optimize`` (:mod:`scalesim.workbench.calibrate_optimize`): a point fit with Optuna's TPE
  sampler, batched ask/tell (asks and tells in the
  parent in trial order), each trial averaging ``replicates`` simulations with common random
  numbers.

What is compared: the simulated share enacting (per-school histories) or share ever started
(per-educator histories) at the observation dates, per school; the distance is
``w_pooled·RMSE(pooled curve) + w_schools·RMSE(school curves)``, the school curves matched
school by school or sorted at each date (the spread between schools). The results (posterior
or best fit with intervals, the fitted curve and its band against the observed one, RMSE of
the cumulative share pooled and per school, generation diagnostics) are written by
:mod:`scalesim.workbench.calibration_output`.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalesim.common.units import month_to_week
from scalesim.scenario import Scenario, apply_overrides, scenario_from_dict
from scalesim.scenario.observed_history import HistoryData, scenario_history
from scalesim.simulation.model import ScalingModel
from scalesim.workbench.calibration_file import CalibrationFile, Distance

# Spawn keys of the calibration's random streams (derived from the calibration seed).
KEY_SAMPLER = 1  # per-task seeds of the ABC sampler's map calls
KEY_PREDICTIVE = 2  # posterior-predictive draws
KEY_OPTIMIZE = 3  # Optuna's sampler and the trials' replicate seeds (calibrate_optimize)
SIM_SEED_MAX = 2**62


# ---------------------------------------------------------------- what is simulated


@dataclass(frozen=True)
class Target:
    """The observed history and how to simulate the same quantities."""

    scenario: dict[str, Any]
    weeks: tuple[int, ...]
    months: tuple[float, ...]
    kind: str
    observed: np.ndarray  # schools x times, NaN where not observed
    counts: np.ndarray  # educators per school
    school_names: tuple[str, ...]
    distance: Distance

    @classmethod
    def from_scenario(cls, sc: Scenario, distance: Distance) -> Target:
        """The target of a scenario with a ``history`` section."""
        h: HistoryData = scenario_history(sc)
        from scalesim.scenario.observed_history import district_school_names

        return cls(
            scenario=sc.to_dict(),
            weeks=tuple(month_to_week(float(m)) for m in h.months),
            months=tuple(float(m) for m in h.months),
            kind=h.kind,
            observed=h.share,
            counts=np.asarray(h.counts, dtype=float),
            school_names=tuple(district_school_names(sc)),
            distance=distance,
        )

    @property
    def mask(self) -> np.ndarray:
        """Observed cells."""
        return ~np.isnan(self.observed)

    def pooled(self, shares: np.ndarray) -> np.ndarray:
        """Pooled share at each time over the schools observed then (educator-weighted)."""
        w = np.where(self.mask, self.counts[:, None], 0.0)
        return (np.where(self.mask, shares, 0.0) * w).sum(axis=0) / np.maximum(w.sum(axis=0), 1)

    def school_stat(self, shares: np.ndarray) -> np.ndarray:
        """The observed cells of the school curves, sorted at each date unless matched."""
        cols = []
        for j in range(shares.shape[1]):
            v = shares[self.mask[:, j], j]
            cols.append(np.sort(v) if self.distance.match == "sorted" else v)
        return np.concatenate(cols) if cols else np.zeros(0)

    def distance_of(self, pooled: np.ndarray, schools: np.ndarray) -> float:
        """The weighted sum of the pooled and school RMSEs against the observed history."""
        d = self.distance
        rp = _rmse(pooled, self.pooled(self.observed))
        rs = _rmse(schools, self.school_stat(self.observed)) if d.schools else 0.0
        return float(d.pooled * rp + d.schools * rs)


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2))) if len(b) else 0.0


def simulate(target: Target, params: dict[str, float], seed: int) -> np.ndarray:
    """One run with ``params`` set; the school shares at the observation dates (S x T)."""
    sc = scenario_from_dict(
        apply_overrides(target.scenario, {k: float(v) for k, v in params.items()}),
        "<calibration>",
        limits=None,
    )
    m = ScalingModel(sc, seed=int(seed))
    school = m.ed.school
    n_s = len(target.counts)
    size = np.maximum(np.bincount(school, minlength=n_s), 1)
    ever = m.ed.enacting.copy()
    out = np.empty((n_s, len(target.weeks)))
    cumulative = target.kind == "per_educator"
    for j, w in enumerate(target.weeks):
        while m.week < w:
            m.step()
            if cumulative:
                ever |= m.ed.enacting
        state = ever if cumulative else m.ed.enacting
        out[:, j] = np.bincount(school, weights=state.astype(float), minlength=n_s) / size
    return out


# ---------------------------------------------------------------- deterministic map for pyabc


def _task_seed(root: int, call: int, i: int) -> np.ndarray:
    return np.random.SeedSequence(root, spawn_key=(KEY_SAMPLER, call, i)).generate_state(8)


def _run_seeded(task: tuple[int, Callable[[Any], Any], np.ndarray]) -> tuple[int, Any]:
    """Run one MappingSampler task with the global RNGs seeded from its own seed.

    pyabc's ``MappingSampler.map_function`` calls ``np.random.seed()`` and ``random.seed()``
    (operating-system entropy) before sampling; inside this call both use the task's seed
    instead, and the caller's generator state is restored afterwards (a serial run leaves the
    parent exactly where a parallel one does).
    """
    i, fn, words = task
    np_seed, py_seed = np.random.seed, random.seed
    np_state, py_state = np.random.get_state(), random.getstate()

    def seeded_np(s: Any = None) -> None:
        np_seed(words if s is None else s)

    def seeded_py(a: Any = None, version: int = 2) -> None:
        py_seed(int.from_bytes(words.tobytes(), "little") if a is None else a, version)

    np.random.seed, random.seed = seeded_np, seeded_py  # type: ignore[assignment]
    try:
        return i, fn(None)
    finally:
        np.random.seed, random.seed = np_seed, py_seed  # type: ignore[assignment]
        np.random.set_state(np_state)
        random.setstate(py_state)


@dataclass
class SeededMap:
    """The ``map`` of pyabc's MappingSampler, over a scalesim executor, seeded per task.

    Args:
        executor: ``map_unordered(fn, tasks)`` (serial, processes, Dask).
        seed: The calibration's root seed.
        on_task: Called with the number of simulations of each finished task.
    """

    executor: Any
    seed: int
    on_task: Callable[[int], None] | None = None
    calls: int = 0

    def __call__(self, fn: Callable[[Any], Any], args: list[Any]) -> list[Any]:
        """Map ``fn`` over ``args`` (one task each) in task order, task ``i`` seeded."""
        k = self.calls
        self.calls += 1
        tasks = [(i, fn, _task_seed(self.seed, k, i)) for i in range(len(args))]
        out: list[Any] = [None] * len(tasks)
        for i, res in self.executor.map_unordered(_run_seeded, tasks):
            out[i] = res
            if self.on_task is not None:
                self.on_task(int(res[1]))
        return out


# ---------------------------------------------------------------- the pyabc model and distance


@dataclass
class AbcModel:
    """pyabc's model: parameters in, the flattened school curves out."""

    target: Target

    def __call__(self, pars: Any) -> dict[str, np.ndarray]:
        """Simulate once with a seed drawn from the (task-seeded) global generator."""
        seed = int(np.random.randint(SIM_SEED_MAX, dtype=np.int64))
        return {"y": simulate(self.target, dict(pars), seed).ravel()}


@dataclass
class AbcDistance:
    """pyabc's distance: the target's distance between two flattened histories."""

    target: Target

    def __call__(self, x: dict[str, np.ndarray], x0: dict[str, np.ndarray]) -> float:
        """Distance of simulated ``x`` from the observed history (``x0`` is its placeholder)."""
        t = self.target
        shares = np.asarray(x["y"]).reshape(t.observed.shape)
        return t.distance_of(t.pooled(shares), t.school_stat(shares))


# ---------------------------------------------------------------- results


@dataclass
class CalibrationResult:
    """What a calibration found (tables are plain pandas DataFrames)."""

    method: str
    names: list[str]
    particles: Any  # DataFrame: parameter columns, weight (ABC) or trial value (optimize)
    parameters: Any  # DataFrame: one row per parameter with point and interval
    generations: Any  # DataFrame: diagnostics per generation (ABC) or per batch (optimize)
    simulations: int
    wall_s: float
    draws: list[dict[str, float]] = field(default_factory=list)  # predictive parameter draws
    extra: dict[str, Any] = field(default_factory=dict)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` with weights ``w`` (interpolated on the weighted CDF)."""
    o = np.argsort(x, kind="stable")
    cw = np.cumsum(w[o])
    cw = (cw - 0.5 * w[o]) / cw[-1]
    return float(np.interp(q, cw, x[o]))


def _prior(cal: CalibrationFile) -> Any:
    import pyabc

    rvs = {}
    for name, p in cal.params.items():
        if p.prior == "uniform":
            rvs[name] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            rvs[name] = pyabc.RV("loguniform", p.low, p.high)
    return pyabc.Distribution(**rvs)


@contextlib.contextmanager
def _quiet_pyabc() -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in ("ABC", "pyabc")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, lv in zip(loggers, levels, strict=True):
            lg.setLevel(lv)


def fit_abc(
    target: Target,
    cal: CalibrationFile,
    executor: Any,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> CalibrationResult:
    """ABC-SMC with pyabc; the last generation is the posterior."""
    import pandas as pd
    import pyabc
    from pyabc.sampler import MappingSampler
    from pyabc.weighted_statistics import effective_sample_size

    s = cal.abc
    total = s.population * s.generations
    tasks_done = [0]

    def on_task(n: int) -> None:
        # One MappingSampler task is one accepted particle.
        tasks_done[0] += 1
        if on_progress is not None:
            on_progress(min(tasks_done[0], total), 0, total)

    sampler = MappingSampler(map_=SeededMap(executor, cal.seed, on_task))
    t0 = time.perf_counter()
    state = np.random.get_state()
    np.random.seed(np.random.SeedSequence(cal.seed, spawn_key=(0,)).generate_state(8))
    try:
        with _quiet_pyabc():
            abc = pyabc.ABCSMC(
                AbcModel(target),
                _prior(cal),
                AbcDistance(target),
                population_size=s.population,
                sampler=sampler,
            )
            abc.new("sqlite://", {"y": np.nan_to_num(target.observed).ravel()})
            h = abc.run(
                max_nr_populations=s.generations,
                minimum_epsilon=s.min_epsilon,
                min_acceptance_rate=s.min_acceptance,
                max_total_nr_simulations=s.max_simulations,
            )
    finally:
        np.random.set_state(state)
    wall = time.perf_counter() - t0
    names = list(cal.params)
    pops = h.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    gens = []
    for _, row in pops.iterrows():
        t = int(row["t"])
        _, w = h.get_distribution(m=0, t=t)
        w = np.asarray(w, dtype=float)
        gens.append(
            {
                "generation": t,
                "epsilon": float(row["epsilon"]),
                "simulations": int(row["samples"]),
                "accepted": int(row["particles"]),
                "acceptance": float(row["particles"]) / max(float(row["samples"]), 1.0),
                "ess": float(effective_sample_size(w)),
            }
        )
    df, w = h.get_distribution(m=0, t=h.max_t)
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    particles = pd.DataFrame({n: df[n].to_numpy(dtype=float) for n in names})
    particles["weight"] = w
    rows = []
    lo_q = (1 - cal.predictive.level) / 2
    for n in names:
        x = particles[n].to_numpy()
        p = cal.params[n]
        rows.append(
            {
                "parameter": n,
                "prior": p.prior,
                "low": p.low,
                "high": p.high,
                "mean": float(np.sum(x * w)),
                "median": weighted_quantile(x, w, 0.5),
                "lo": weighted_quantile(x, w, lo_q),
                "hi": weighted_quantile(x, w, 1 - lo_q),
            }
        )
    rng = np.random.default_rng(np.random.SeedSequence(cal.seed, spawn_key=(KEY_PREDICTIVE,)))
    idx = rng.choice(len(particles), size=cal.predictive.draws, p=w)
    draws = [{n: float(particles[n].iloc[i]) for n in names} for i in idx]
    return CalibrationResult(
        method="abc",
        names=names,
        particles=particles,
        parameters=pd.DataFrame(rows),
        generations=pd.DataFrame(gens),
        simulations=int(h.total_nr_simulations),
        wall_s=wall,
        draws=draws,
        extra={"final_epsilon": gens[-1]["epsilon"] if gens else None},
    )


# ---------------------------------------------------------------- posterior predictive


def _predict_task(task: tuple[Target, int, dict[str, float], int]) -> tuple[int, np.ndarray]:
    target, i, params, seed = task
    return i, simulate(target, params, seed)


def predictive(
    target: Target, draws: list[dict[str, float]], seed: int, executor: Any
) -> np.ndarray:
    """Simulate each parameter draw once (draw i with its own seed): draws x S x T."""
    ss = np.random.SeedSequence(seed, spawn_key=(KEY_PREDICTIVE, 1))
    seeds = ss.generate_state(len(draws), dtype=np.uint64) % SIM_SEED_MAX
    tasks = [(target, i, d, int(seeds[i])) for i, d in enumerate(draws)]
    out: list[np.ndarray | None] = [None] * len(tasks)
    for i, sh in executor.map_unordered(_predict_task, tasks):
        out[i] = sh
    return np.stack(out)  # type: ignore[arg-type]


def bass_fit(months: np.ndarray, pooled: np.ndarray) -> tuple[dict[str, float], float]:
    """Closed-form Bass curve ``m·F(t)`` with the ceiling m free, least squares; its RMSE.

    The reference the issue sets for the fitted model (Bass 1969; Sultan, Farley & Lehmann
    1990 for the usual ranges): a three-parameter curve fitted directly to the pooled curve.
    """
    from scipy.optimize import curve_fit

    t = np.asarray(months, dtype=float)

    def f(t: np.ndarray, m: float, p: float, q: float) -> np.ndarray:
        e = np.exp(-(p + q) * t)
        return m * (1 - e) / (1 + (q / p) * e)

    popt, _ = curve_fit(
        f,
        t,
        pooled,
        p0=[max(pooled[-1], 0.05), 0.01, 0.1],
        bounds=([1e-3, 1e-6, 0.0], [1.0, 5.0, 20.0]),
        maxfev=20000,
    )
    rmse = _rmse(f(t, *popt), pooled)
    return {"m": float(popt[0]), "p": float(popt[1]), "q": float(popt[2])}, rmse
