"""Global sensitivity analysis of a sweep with SALib: Sobol indices or Morris screening.

The experiment's uncertainties are sampled with SALib (Saltelli/Sobol' sequence for
``sobol``, trajectories for ``morris``), every design point runs on the experiment's
replicate seeds (the same seeds at every point: common random numbers), and the outcomes
are analysed with ``SALib.analyze.sobol`` (first-order ``S1`` and total ``ST`` indices
with 95% bootstrap confidence half-widths) or ``SALib.analyze.morris`` (``mu_star``, its
95% confidence half-width, ``mu`` and ``sigma``).

**Replicate noise.** A stochastic model gives a different outcome on each seed at the same
design point. The analysis uses, for each design point, the *mean over its replicates*;
because every point uses the same seeds, much of the noise left in that mean is common to
all points (a seed that spreads fast does so everywhere) and cancels out of the variance
decomposition. What does not cancel is the point × replicate interaction; its variance per
point mean, over the variance of the point means, is reported for each outcome as
``noise_share``. A small share (say below 0.1) means the indices describe the parameters,
not the dice; a large one asks for more replicates. See docs/experiments.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalesim.common.errors import ScalesimInputError
from scalesim.common.provenance import versions
from scalesim.plotting.factors import sensitivity_bars
from scalesim.plotting.style import png_bytes
from scalesim.scenario import parse_yaml
from scalesim.workbench.executors import Executor
from scalesim.workbench.experiment import LoadedExperiment, experiment_from_dict
from scalesim.workbench.store import KNOWN_FORMATS, atomic_write_text, write_json, write_table_files

METHODS = ("sobol", "morris")
RESAMPLES = 1000


def load_for_method(path: str | Path, method: str) -> LoadedExperiment:
    """Load an experiment file with its design method set to ``method``.

    The file's ``design.n``, ``levels``, ``seed`` and ``second_order`` are kept; any other
    design method in the file is replaced (a sensitivity analysis needs its own sample).
    """
    if method not in METHODS:
        raise ScalesimInputError(
            "--method", "", f"expected one of {', '.join(METHODS)}, got {method!r}"
        )
    path = Path(path)
    data = parse_yaml(path)
    if not isinstance(data, dict):
        raise ScalesimInputError(str(path), "", "expected a mapping")
    design = dict(data.get("design") or {})
    if not isinstance(design, dict):
        raise ScalesimInputError(str(path), "design", "expected a mapping")
    design["method"] = method
    design.pop("points", None)
    data = {**data, "design": design}
    exp = experiment_from_dict(data, source=str(path), base_dir=path.parent)
    if not exp.spec.uncertainties:
        raise ScalesimInputError(
            str(path), "uncertainties", "a sensitivity analysis needs at least one uncertainty"
        )
    return exp


def point_means(
    exp: LoadedExperiment, runs: pd.DataFrame, option: str, outcome: str
) -> tuple[np.ndarray, float]:
    """Per design point, the mean outcome over replicates; and the replicate-noise share.

    The share is the variance of the replicate noise left in a point mean (the point ×
    replicate interaction divided by the number of replicates; noise common to all points,
    which common seeds produce, cancels out of the indices and is not counted) over the
    variance of the point means.
    """
    cur = runs[(runs["option"] == option)]
    bad = cur[cur["status"] != "ok"]
    if len(bad):
        raise ScalesimInputError(
            "sensitivity",
            outcome,
            f"{len(bad)} run(s) of option {option!r} failed (first: "
            f"task {int(bad['task_id'].iloc[0])}: {bad['error'].iloc[0]}); the analysis needs "
            "every design point — fix the ranges or re-run with --resume --retry-failed",
        )
    reps = len(exp.seeds)
    y = cur.pivot_table(index="point", columns="replicate", values=outcome, aggfunc="first")
    y = y.reindex(range(len(exp.points))).to_numpy(dtype=float)
    if np.isnan(y).any():
        raise ScalesimInputError(
            "sensitivity", outcome, "some design points have no value (outcome NaN)"
        )
    means = y.mean(axis=1)
    between = float(np.var(means, ddof=1)) if len(means) > 1 else 0.0
    if reps < 2:
        return means, float("nan")
    # Replicate noise that differs between points (what common seeds do not cancel): the
    # point × replicate interaction of a two-way layout, per point mean.
    resid = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + y.mean()
    dof = max((y.shape[0] - 1) * (reps - 1), 1)
    noise_var = float((resid**2).sum() / dof) / reps
    noise = noise_var / between if between > 0 else (0.0 if noise_var == 0 else float("inf"))
    return means, noise


def analyze(exp: LoadedExperiment, runs: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
    """Sensitivity indices for every option and outcome of a finished sweep.

    Returns:
        One row per option, outcome and parameter (columns in docs/results-format.md).
    """
    from SALib.analyze import morris, sobol

    method = exp.spec.design.method
    problem = exp.problem()
    seed = exp.spec.design.seed if seed is None else seed
    rows = []
    for option in exp.options:
        for o in exp.spec.outcomes:
            assert o.name is not None
            y, noise = point_means(exp, runs, option, o.name)
            flat = bool(np.ptp(y) == 0)
            base = {
                "option": option,
                "outcome": o.name,
                "method": method,
                "noise_share": noise,
                "outcome_varies": not flat,
            }
            if method == "sobol":
                if flat:
                    si = {
                        k: np.zeros(problem["num_vars"]) for k in ("S1", "S1_conf", "ST", "ST_conf")
                    }
                else:
                    si = sobol.analyze(
                        problem,
                        y,
                        calc_second_order=exp.spec.design.second_order,
                        num_resamples=RESAMPLES,
                        conf_level=0.95,
                        seed=seed,
                    )
                for i, name in enumerate(problem["names"]):
                    rows.append(
                        {
                            **base,
                            "parameter": name,
                            **{k: float(si[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf")},
                        }
                    )
            else:
                assert exp.unit_samples is not None
                if flat:
                    si = {
                        k: np.zeros(problem["num_vars"])
                        for k in ("mu_star", "mu_star_conf", "mu", "sigma")
                    }
                else:
                    si = morris.analyze(
                        problem,
                        exp.unit_samples,
                        y,
                        num_resamples=RESAMPLES,
                        conf_level=0.95,
                        num_levels=exp.spec.design.levels or 4,
                        seed=seed,
                    )
                for i, name in enumerate(problem["names"]):
                    rows.append(
                        {
                            **base,
                            "parameter": name,
                            **{
                                k: float(si[k][i])
                                for k in ("mu_star", "mu_star_conf", "mu", "sigma")
                            },
                        }
                    )
    return pd.DataFrame(rows)


def markdown(indices: pd.DataFrame, method: str) -> str:
    """The indices as a Markdown table."""
    cols = (
        ["S1", "S1_conf", "ST", "ST_conf"]
        if method == "sobol"
        else ["mu_star", "mu_star_conf", "mu", "sigma"]
    )
    head = ["option", "outcome", "parameter", *cols, "noise_share"]
    lines = [
        f"# Sensitivity ({method})",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|",
    ]
    for _, r in indices.iterrows():
        lines.append(
            "| "
            + " | ".join(
                [str(r["option"]), str(r["outcome"]), str(r["parameter"])]
                + [f"{r[c]:.4g}" for c in cols]
                + [f"{r['noise_share']:.3g}"]
            )
            + " |"
        )
    conf = (
        "S1/ST: first-order and total Sobol indices; *_conf: 95% bootstrap half-widths (SALib)."
        if method == "sobol"
        else "mu_star: mean absolute elementary effect; mu_star_conf: 95% bootstrap "
        "half-width; sigma: spread of effects (interactions, non-linearity) (SALib)."
    )
    lines += [
        "",
        conf + " Replicates are averaged per design point; noise_share is the "
        "replicate noise left in those means relative to their spread.",
        "",
    ]
    return "\n".join(lines)


def figure(indices: pd.DataFrame, method: str, option: str, outcome: str) -> bytes:
    """One outcome's indices with their 95% confidence intervals, as PNG (the report's bars).

    With several options the panel is titled ``option: outcome``, as in the report.
    """
    cur = indices[(indices["option"] == option) & (indices["outcome"] == outcome)]
    title = outcome if indices["option"].nunique() == 1 else f"{option}: {outcome}"
    return png_bytes(sensitivity_bars(cur.assign(outcome=title), [title], method))


def write_analysis(
    exp: LoadedExperiment, indices: pd.DataFrame, out: Path, command: str | None = None
) -> Path:
    """Write ``out/sensitivity/`` (indices, Markdown, figures, manifest) whole.

    Built beside it and swapped in (:func:`scalesim.common.files.results_folder`); an earlier
    analysis there is replaced.
    """
    from scalesim.common.files import results_folder

    method = exp.spec.design.method
    meta = {
        "format": KNOWN_FORMATS["sensitivity"],
        "kind": "sensitivity",
        "experiment_hash": exp.hash,
    }
    figures = []
    with results_folder(Path(out) / "sensitivity", "sensitivity") as tmp:
        write_table_files(indices, tmp / "indices", meta)
        atomic_write_text(tmp / "indices.md", markdown(indices, method))
        (tmp / "figures").mkdir()
        multi = len(exp.options) > 1
        for option in exp.options:
            for o in exp.spec.outcomes:
                fname = f"{o.name}-{option}.png" if multi else f"{o.name}.png"
                (tmp / "figures" / fname).write_bytes(figure(indices, method, option, str(o.name)))
                figures.append(f"figures/{fname}")
        write_json(
            tmp / "manifest.json",
            {
                "format": KNOWN_FORMATS["sensitivity"],
                "kind": "sensitivity",
                "method": method,
                "experiment": {"name": exp.spec.name, "source": exp.source, "hash": exp.hash},
                "sweep": "..",
                "parameters": exp.paths,
                "outcomes": [o.model_dump() for o in exp.spec.outcomes],
                "options": list(exp.options),
                "design": exp.describe()["design"],
                "replicates": len(exp.seeds),
                "replicate_handling": "mean",
                "confidence": 0.95,
                "resamples": RESAMPLES,
                "versions": versions(),
                "command": command,
                "tables": ["indices"],
                "figures": figures,
            },
        )
    return Path(out) / "sensitivity"


def run_sensitivity(
    exp: LoadedExperiment,
    out: str | Path,
    executor: Executor,
    *,
    resume: bool = False,
    command: str | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    force: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Sweep the SALib sample of ``exp`` into ``out`` and analyse it.

    ``resume`` and ``force`` are those of :func:`scalesim.workbench.sweep.run_sweep`.

    Returns:
        The indices table and a few facts about the sweep (runs, wall time).
    """
    from scalesim.workbench.store import load_results
    from scalesim.workbench.sweep import run_sweep

    t0 = time.perf_counter()
    rep = run_sweep(
        exp, out, executor, resume=resume, command=command, on_progress=on_progress, force=force
    )
    runs = load_results(out, "runs")
    indices = analyze(exp, runs)
    write_analysis(exp, indices, Path(out), command)
    return indices, {
        "runs": rep.n_tasks,
        "failed": rep.error,
        "wall_seconds": time.perf_counter() - t0,
    }
