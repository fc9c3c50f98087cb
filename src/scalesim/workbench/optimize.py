"""``scalesim optimize``: the cheapest strategy sets that reach the trip ticket, as a front.

The search (Optuna 5.0's multi-objective samplers: multivariate TPE by default, NSGA-II on
request) proposes candidates from the levers file (:mod:`scalesim.workbench.optimize_levers`):
which strategies, their targeting, start months and intensities. Each candidate runs on
the *same* replicate seeds (common random numbers), and on the same sample of futures when
the levers file names uncertainties (robust optimisation); its objectives are means over
those runs, e.g. ``capacity_spent`` (cost, minimised) and ``tt_reached`` (the probability
of reaching the destination with its equity clause, maximised). A candidate that leaves
more than ``capacity.max_shortfall_share`` of its strategies' need unfunded is over the
team's capacity: it is recorded, marked infeasible (``trial.set_constraint``) and kept off
the front.

**Deterministic, whatever runs the runs.** Candidates are asked in batches of ``batch``;
the batch's runs go through any executor (serial, processes, Dask) and come back in any
order; the parent sorts them by task id, and tells Optuna the results in ask order. The
sampler is re-created for every batch with a seed derived from (seed, batch index), so the
search depends only on the seed and the batch size, not on the backend or the number of
workers. The study is kept in an Optuna journal file (``study.journal``) next to the tables.

**Everything is recorded**: ``trials`` (one row per candidate: genes, the decoded set,
objectives with a 95% Wilson interval on the probability, the capacity check, whether on
the front), ``runs`` (every run, in the sweep's ``runs`` layout plus ``trial``), ``front``,
and the front's sets as runnable scenario files (``sets/trial-NNNN.yaml``) for ``scalesim
run``, ``compare`` and ``rehearse``. Fronts of noisy objectives keep lucky points (the
winner's curse): compare a set from the front again on fresh seeds before deciding.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from scalesim.common.errors import ScalesimInputError
from scalesim.common.files import atomic_write_text, write_json
from scalesim.common.provenance import versions
from scalesim.metrics import METRICS
from scalesim.scenario import apply_overrides, load_scenario
from scalesim.workbench.executors import Executor
from scalesim.workbench.experiment import Task
from scalesim.workbench.experiment_schema import Design, Experiment
from scalesim.workbench.optimize_levers import (
    Levers,
    Objective,
    batch_seed,
    load_levers,
    make_sampler,
    parse_objectives,
    suggest,
)
from scalesim.workbench.stats import wilson
from scalesim.workbench.store import KNOWN_FORMATS, write_table_files
from scalesim.workbench.tasks import execute_task, gather

DEFAULT_OBJECTIVES = ("capacity_spent", "tt_reached")
DEFAULT_BATCH = 8
PROBABILITY_OBJECTIVES = ("tt_reached", "tt_equity_clause_holds")


@dataclass
class Problem:
    """Everything a search needs, validated: the levers, objectives, futures and seeds."""

    levers: Levers
    scenario_source: str
    objectives: list[Objective]
    futures: list[dict[str, Any]]
    seeds: list[int]
    trials: int
    batch: int
    sampler: str
    seed: int
    hash: str = ""
    outcome_cols: tuple[tuple[str, str, float | str], ...] = field(default_factory=tuple)


def load_problem(
    scenario: str | Path,
    levers: str | Path,
    objectives: str | Sequence[str] = DEFAULT_OBJECTIVES,
    trials: int = 64,
    batch: int = DEFAULT_BATCH,
    sampler: str = "tpe",
    seed: int = 1,
) -> Problem:
    """Validate every input of a search (nothing runs, nothing is written).

    Raises:
        ScalesimInputError: For any problem, naming the file or option.
    """
    if trials < 1:
        raise ScalesimInputError("--trials", "", f"expected at least 1 trial (got {trials})")
    if batch < 1:
        raise ScalesimInputError("--batch", "", f"expected at least 1 (got {batch})")
    if sampler not in ("tpe", "nsga2"):
        raise ScalesimInputError("--sampler", "", f"expected tpe or nsga2, got {sampler!r}")
    objs = parse_objectives(objectives)
    path = Path(scenario)
    if not path.is_file():
        raise ScalesimInputError("SCENARIO", "", f"scenario file not found: {path}")
    base = load_scenario(path).to_dict()
    lev = load_levers(levers, base)
    futures = _futures(lev)
    seeds = lev.spec.replicates.resolve()
    blob = json.dumps(
        {
            "levers": lev.spec.model_dump(mode="json"),
            "base": lev.base,
            "objectives": [o.name for o in objs],
            "futures": futures,
            "seeds": seeds,
            "batch": batch,
            "sampler": sampler,
            "seed": seed,
        },
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(blob.encode()).hexdigest()[:16]
    cols = tuple((o.name, o.name, "end") for o in objs if o.name in METRICS)
    return Problem(lev, str(path), objs, futures, seeds, trials, batch, sampler, seed, digest, cols)


def _futures(lev: Levers) -> list[dict[str, Any]]:
    """The sampled futures (one empty future without uncertainties)."""
    u = lev.spec.uncertainties
    if not u:
        return [{}]
    from scalesim.workbench.experiment import design_points

    spec = Experiment.model_construct(
        uncertainties=u,
        design=Design(method="latin_hypercube", n=lev.spec.sample.n, seed=lev.spec.sample.seed),
    )
    points, _ = design_points(spec, lev.source)
    return points


@dataclass
class OptimizeReport:
    """What a search did."""

    out: Path
    trials: int
    runs: int
    failed_runs: int
    front: list[int]
    picked: list[int]
    wall_seconds: float
    model_seconds: float
    model_cpu: float
    parent_cpu: float
    sampler_seconds: float


def _tasks(prob: Problem, number: int, scen: dict[str, Any]) -> list[Task]:
    per = len(prob.futures) * len(prob.seeds)
    out = []
    for j, values in enumerate(prob.futures):
        sc = apply_overrides(scen, values) if values else scen
        for r, s in enumerate(prob.seeds):
            tid = number * per + j * len(prob.seeds) + r
            out.append(
                Task(
                    tid,
                    j,
                    f"trial-{number:04d}",
                    r,
                    s,
                    sc,
                    tuple(values.items()),
                    prob.outcome_cols,
                    ("strategies",),
                    source=f"{prob.levers.source} (trial {number})",
                )
            )
    return out


def _score(prob: Problem, runs: pd.DataFrame, strat: pd.DataFrame | None) -> dict[str, Any]:
    """Objective values, the capacity check and the probability's interval for one trial."""
    ok = runs[runs["status"] == "ok"]
    row: dict[str, Any] = {"runs": len(runs), "runs_ok": len(ok)}
    for o in prob.objectives:
        row[o.name] = float(ok[o.name].astype(float).mean()) if len(ok) else float("nan")
        if o.name in PROBABILITY_OBJECTIVES and len(ok):
            _, lo, hi = wilson(int(ok[o.name].sum()), len(ok))
            row[f"{o.name}_ci_low"], row[f"{o.name}_ci_high"] = lo, hi
    need = float(strat["shortfall"].sum()) if strat is not None and len(strat) else 0.0
    cap = float(ok["capacity_total"].sum()) if len(ok) else 0.0
    share = need / cap if cap > 0 else (0.0 if need == 0 else 1.0)
    row["shortfall_share"] = share
    row["capacity_excess"] = share - prob.levers.spec.capacity.max_shortfall_share
    row["feasible"] = bool(row["capacity_excess"] <= 0)
    return row


def evaluate_set(prob: Problem, params: dict[str, Any], executor: Executor) -> dict[str, Any]:
    """Evaluate one candidate (genes as in ``trials``) exactly as the search does.

    Used to place a known set (for instance the team's current plan) next to the front.
    """
    tasks = _tasks(prob, 0, prob.levers.scenario(params))
    outputs = sorted(executor.map_unordered(execute_task, tasks), key=lambda o: o.task_id)
    tables = {n: t.to_pandas() for n, t in gather(outputs).items()}
    return _score(prob, tables["runs"], tables.get("strategies"))


def run_optimize(
    prob: Problem,
    out: str | Path,
    executor: Executor,
    *,
    command: str | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> OptimizeReport:
    """Search, record every candidate, and write the results folder ``out``."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    from scalesim.simulation.output import check_out_dir

    out = Path(out)
    check_out_dir(out)
    if out.exists() and any(out.iterdir()):
        raise ScalesimInputError("--out", "", f"{out} exists and is not empty; choose another")
    out.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    storage = JournalStorage(JournalFileBackend(str(out / "study.journal")))
    lev = prob.levers
    n_startup = max(prob.batch, min(16, prob.trials // 4))
    study = optuna.create_study(
        directions=[o.direction for o in prob.objectives],
        sampler=make_sampler(prob.sampler, prob.seed, prob.batch, n_startup),
        storage=storage,
        study_name=lev.spec.name,
    )
    per = len(prob.futures) * len(prob.seeds)
    total = prob.trials * per
    done = failed = 0
    if on_progress:
        on_progress(0, 0, total)
    trial_rows: list[dict[str, Any]] = []
    run_parts: list[pd.DataFrame] = []
    scenarios: dict[int, dict[str, Any]] = {}
    model_s = model_cpu = sampler_s = 0.0
    n_batches = -(-prob.trials // prob.batch)
    for b in range(n_batches):
        k = min(prob.batch, prob.trials - b * prob.batch)
        ts = time.perf_counter()
        study.sampler = make_sampler(prob.sampler, batch_seed(prob.seed, b), prob.batch, n_startup)
        asked = [study.ask() for _ in range(k)]
        params = [suggest(t, lev) for t in asked]
        sampler_s += time.perf_counter() - ts
        tasks: list[Task] = []
        bad: dict[int, str] = {}
        for t, p in zip(asked, params, strict=True):
            try:
                scen = lev.scenario(p)
            except ScalesimInputError as exc:
                bad[t.number] = str(exc)
                continue
            scenarios[t.number] = scen
            tasks.extend(_tasks(prob, t.number, scen))
        outputs = []
        for res in executor.map_unordered(execute_task, tasks):
            outputs.append(res)
            model_s += res.model_seconds
            model_cpu += res.model_cpu
            done += 1
            failed += res.status != "ok"
            if on_progress:
                on_progress(done, failed, total)
        outputs.sort(key=lambda o: o.task_id)
        tables = {n: t.to_pandas() for n, t in gather(outputs).items()} if outputs else {}
        runs = tables.get("runs", pd.DataFrame())
        strat = tables.get("strategies")
        if len(runs):
            runs.insert(0, "trial", runs["task_id"] // per)
            run_parts.append(runs)
        ts = time.perf_counter()
        for t, p in zip(asked, params, strict=True):
            row: dict[str, Any] = {"trial": t.number, "batch": b, **p}
            strategies, ov = lev.decode(p)
            row["set"] = json.dumps({"strategies": strategies, "overrides": ov}, sort_keys=True)
            if t.number in bad:
                row.update(state="fail", error=bad[t.number])
                study.tell(t, state=TrialState.FAIL)
                trial_rows.append(row)
                continue
            cur = runs[runs["trial"] == t.number]
            scur = strat[strat["task_id"] // per == t.number] if strat is not None else None
            sc = _score(prob, cur, scur)
            row.update(sc)
            if sc["runs_ok"] < sc["runs"] or not len(cur):
                err = cur.loc[cur["status"] != "ok", "error"]
                row.update(state="fail", error=str(err.iloc[0]) if len(err) else "no runs")
                study.tell(t, state=TrialState.FAIL)
            else:
                row.update(state="complete", error="")
                t.set_constraint("capacity", float(sc["capacity_excess"]))
                study.tell(t, [float(sc[o.name]) for o in prob.objectives])
            trial_rows.append(row)
        sampler_s += time.perf_counter() - ts
    trials = pd.DataFrame(trial_rows)
    runs_all = pd.concat(run_parts, ignore_index=True) if run_parts else pd.DataFrame()
    front = front_trials(trials, prob.objectives)
    trials["on_front"] = trials["trial"].isin(front)
    picked = pick_three(trials, front, prob.objectives)
    wall = time.perf_counter() - t0
    parent_cpu = time.process_time() - c0
    write_results(
        prob,
        out,
        trials,
        runs_all,
        front,
        picked,
        scenarios,
        command,
        {
            "wall_seconds": round(wall, 3),
            "model_seconds": round(model_s, 3),
            "model_cpu_seconds": round(model_cpu, 3),
            "parent_cpu_seconds": round(parent_cpu, 3),
            "sampler_seconds": round(sampler_s, 3),
            "backend": executor.name,
            "workers": executor.workers,
        },
    )
    return OptimizeReport(
        out,
        len(trials),
        done,
        failed,
        front,
        picked,
        wall,
        model_s,
        model_cpu,
        parent_cpu,
        sampler_s,
    )


def front_trials(trials: pd.DataFrame, objectives: list[Objective]) -> list[int]:
    """Trial numbers on the Pareto front of the feasible, complete trials.

    A set found twice (same decoded set) is listed once, at its first trial.
    """
    if trials.empty or "feasible" not in trials:
        return []
    ok = trials[(trials["state"] == "complete") & trials["feasible"].fillna(False).astype(bool)]
    ok = ok.drop_duplicates("set", keep="first")
    if ok.empty:
        return []
    sign = np.array([1.0 if o.direction == "minimize" else -1.0 for o in objectives])
    v = ok[[o.name for o in objectives]].to_numpy(float) * sign
    keep = []
    for i in range(len(v)):
        dominated = np.any(np.all(v <= v[i], axis=1) & np.any(v < v[i], axis=1))
        if not dominated:
            keep.append(int(ok["trial"].iloc[i]))
    cost = objectives[0].name
    order = trials.set_index("trial").loc[keep].sort_values([cost, "trial"]).index
    return [int(t) for t in order]


def pick_three(trials: pd.DataFrame, front: list[int], objectives: list[Objective]) -> list[int]:
    """Three points of the front to show: its cheapest, its best, and the one between.

    The best is the best in the second objective (the goal); ties go to the further
    objectives, then to the cheaper set.
    """
    if not front:
        return []
    fr = trials.set_index("trial").loc[front]
    keys = [o.name for o in objectives[1:]] + [objectives[0].name]
    asc = [o.direction == "minimize" for o in objectives[1:]] + [True]
    best = int(fr.sort_values(keys, ascending=asc, kind="stable").index[0])
    mid = front[len(front) // 2]
    return list(dict.fromkeys([front[0], mid, best]))


def write_results(
    prob: Problem,
    out: Path,
    trials: pd.DataFrame,
    runs: pd.DataFrame,
    front: list[int],
    picked: list[int],
    scenarios: dict[int, dict[str, Any]],
    command: str | None,
    timing: dict[str, Any],
) -> None:
    """The tables, the front's scenario files and the manifest (the manifest last)."""
    meta = {"format": KNOWN_FORMATS["optimize"], "kind": "optimize", "hash": prob.hash}
    write_table_files(trials, out / "trials", meta)
    if len(runs):
        write_table_files(runs, out / "runs", meta)
    fr = trials[trials["trial"].isin(front)].set_index("trial").loc[front].reset_index()
    write_table_files(fr, out / "front", meta)
    sets = out / "sets"
    sets.mkdir(exist_ok=True)
    lev = prob.levers
    for t in front:
        scen = dict(scenarios[t])
        scen["name"] = f"{lev.spec.name}-trial-{t:04d}"
        scen["description"] = (
            f"Strategy set found by scalesim optimize ({lev.spec.name}, trial {t}); "
            + ", ".join(
                f"{o.name} {float(fr.set_index('trial').loc[t, o.name]):.4g}"
                for o in prob.objectives
            )
        )
        atomic_write_text(sets / f"trial-{t:04d}.yaml", yaml.safe_dump(scen, sort_keys=False))
    atomic_write_text(out / "levers.yaml", yaml.safe_dump(lev.spec.model_dump(mode="json")))
    atomic_write_text(out / "base_scenario.yaml", yaml.safe_dump(lev.base, sort_keys=False))
    n_ok = int((trials["state"] == "complete").sum()) if len(trials) else 0
    write_json(
        out / "manifest.json",
        {
            "format": KNOWN_FORMATS["optimize"],
            "kind": "optimize",
            "name": lev.spec.name,
            "hash": prob.hash,
            "scenario": prob.scenario_source,
            "levers": lev.source,
            "objectives": [{"name": o.name, "direction": o.direction} for o in prob.objectives],
            "genes": [g.name for g in lev.genes],
            "futures": prob.futures,
            "replicates": {"count": len(prob.seeds), "seeds": prob.seeds},
            "sampler": prob.sampler,
            "seed": prob.seed,
            "batch": prob.batch,
            "trials": {"asked": len(trials), "complete": n_ok},
            "capacity": lev.spec.capacity.model_dump(),
            "front": front,
            "picked": picked,
            "sets": [f"sets/trial-{t:04d}.yaml" for t in front],
            "horizon_months": float(lev.base.get("horizon_months", 0)),
            "timing": timing,
            "versions": {**versions(), **_opt_versions()},
            "command": command,
            "tables": ["trials", "runs", "front"],
        },
    )


def _opt_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"optuna": version("optuna")}
