"""Run a calibration end to end and write its folder.

The folder (format ``scalesim.calibration/1``, docs/calibration.md):

* ``parameters`` — one row per fitted parameter: prior and range, posterior mean and median
  (or best fit), the interval at ``predictive.level`` (posterior quantiles, or the range of
  near-best trials for the point fit);
* ``posterior`` — the last ABC generation's particles and weights (or every Optuna trial);
* ``generations`` — per generation: epsilon, simulations, accepted, acceptance rate, ESS;
* ``fit`` — per unit (``pooled`` and each school) and observation month: observed, the
  predictive mean and band;
* ``goodness`` — per unit: RMSE of the cumulative share of the predictive mean, the observed
  final share and the band of the final share, whether the band covers it;
* ``figures/calibration.png``, ``figures/posterior.png``, ``figures/generations.png``;
* ``summary.json`` — method, fit, diagnostics, simulations used, wall time, the closed-form
  Bass reference, provenance; ``manifest.json`` for the report; ``scenario.yaml``.

Tables are Parquet (with provenance metadata) and CSV.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from scalesim.common.files import results_folder
from scalesim.common.provenance import versions
from scalesim.plotting.calibration import fit_figure, generations_figure, posterior_figure
from scalesim.plotting.style import png_bytes
from scalesim.scenario import Scenario
from scalesim.simulation.output import write_table
from scalesim.workbench.calibrate import (
    CalibrationResult,
    Target,
    bass_fit,
    fit_abc,
    predictive,
)
from scalesim.workbench.calibrate_optimize import fit_optimize
from scalesim.workbench.calibration_file import CalibrationFile

CALIBRATION_FORMAT = "scalesim.calibration/1"
TABLES = ("parameters", "posterior", "generations", "fit", "goodness")


def fit_tables(
    target: Target, pp: np.ndarray, level: float
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The fitted curve with its band against the observed one, and the goodness of fit.

    Args:
        target: The observed history.
        pp: Posterior-predictive school curves, draws x schools x times.
        level: Band level (0.9: the 5th to 95th percentile).
    """
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    months = np.array(target.months)
    pooled_draws = np.stack([target.pooled(x) for x in pp])
    units: list[tuple[str, np.ndarray, np.ndarray]] = [
        ("pooled", target.pooled(target.observed), pooled_draws)
    ]
    for k, name in enumerate(target.school_names):
        units.append((name, target.observed[k], pp[:, k, :]))
    rows, good = [], []
    for name, obs, draws in units:
        mean = draws.mean(axis=0)
        lo, hi = np.quantile(draws, lo_q, axis=0), np.quantile(draws, hi_q, axis=0)
        for j, m in enumerate(months):
            rows.append(
                {
                    "unit": name,
                    "month": float(m),
                    "observed": float(obs[j]) if np.isfinite(obs[j]) else np.nan,
                    "mean": float(mean[j]),
                    "lo": float(lo[j]),
                    "hi": float(hi[j]),
                }
            )
        ok = np.isfinite(obs)
        last = int(np.flatnonzero(ok)[-1]) if ok.any() else len(months) - 1
        good.append(
            {
                "unit": name,
                "rmse": float(np.sqrt(np.mean((mean[ok] - obs[ok]) ** 2))) if ok.any() else np.nan,
                "observed_final": float(obs[last]) if ok.any() else np.nan,
                "band_lo_final": float(lo[last]),
                "band_hi_final": float(hi[last]),
                "covered": bool(lo[last] - 1e-12 <= obs[last] <= hi[last] + 1e-12)
                if ok.any()
                else False,
            }
        )
    goodness = pd.DataFrame(good)
    schools = goodness[goodness["unit"] != "pooled"]
    stats = {
        "rmse_pooled": float(goodness["rmse"].iloc[0]),
        "rmse_schools_mean": float(schools["rmse"].mean()) if len(schools) else None,
        "final_band_coverage_schools": float(schools["covered"].mean()) if len(schools) else None,
        "band_level": level,
    }
    return pd.DataFrame(rows), goodness, stats


def calibrate(
    sc: Scenario,
    cal: CalibrationFile,
    method: str,
    executor: Any,
    out: Path,
    *,
    scenario_source: str,
    calibration_source: str,
    command: str | None = None,
    on_progress: Any = None,
) -> dict[str, Any]:
    """Fit, simulate the posterior predictive, write the folder; returns the summary."""
    target = Target.from_scenario(sc, cal.distance)
    fit = fit_abc if method == "abc" else fit_optimize
    res: CalibrationResult = fit(target, cal, executor, on_progress)
    pp = predictive(target, res.draws, cal.seed, executor)
    fit_df, good, stats = fit_tables(target, pp, cal.predictive.level)
    obs_pooled = target.pooled(target.observed)
    bass_params, bass_rmse = bass_fit(np.array(target.months), obs_pooled)
    meta = {
        "format": CALIBRATION_FORMAT,
        "scenario": sc.name,
        "scenario_hash": sc.scenario_hash(),
        "seed": cal.seed,
        "method": method,
        "versions": {**versions(), **_fit_versions()},
    }
    summary = {
        **meta,
        "command": command,
        "scenario_source": scenario_source,
        "calibration_source": calibration_source,
        "history_kind": target.kind,
        "params": {
            r["parameter"]: {k: r[k] for k in ("mean", "median", "lo", "hi", "low", "high")}
            for r in res.parameters.to_dict("records")
        },
        "fit": stats,
        "diagnostics": {
            "generations": len(res.generations),
            "final_epsilon": res.extra.get("final_epsilon"),
            "final_acceptance": float(res.generations["acceptance"].iloc[-1])
            if "acceptance" in res.generations
            else None,
            "final_ess": float(res.generations["ess"].iloc[-1])
            if "ess" in res.generations
            else None,
            **{k: v for k, v in res.extra.items() if k != "final_epsilon"},
        },
        "simulations": res.simulations + len(res.draws),
        "simulations_fit": res.simulations,
        "simulations_predictive": len(res.draws),
        "wall_s": round(res.wall_s, 2),
        "sims_per_s": round(res.simulations / max(res.wall_s, 1e-9), 2),
        "bass_closed_form": {**bass_params, "rmse_pooled": bass_rmse},
        "rmse_ratio_to_bass": stats["rmse_pooled"] / bass_rmse if bass_rmse > 0 else None,
    }
    with results_folder(out, "calibration") as tmp:
        write_table(res.parameters, tmp / "parameters", meta)
        write_table(res.particles, tmp / "posterior", meta)
        write_table(res.generations, tmp / "generations", meta)
        write_table(fit_df, tmp / "fit", meta)
        write_table(good, tmp / "goodness", meta)
        figs = tmp / "figures"
        figs.mkdir()
        title = (
            f"{sc.name}: {method}, {int(cal.predictive.level * 100)}% predictive band; "
            f"pooled RMSE {stats['rmse_pooled']:.4f} (closed-form Bass {bass_rmse:.4f})"
        )
        (figs / "calibration.png").write_bytes(png_bytes(fit_figure(fit_df, title)))
        if method == "abc":
            (figs / "posterior.png").write_bytes(
                png_bytes(posterior_figure(res.particles, res.parameters))
            )
            (figs / "generations.png").write_bytes(png_bytes(generations_figure(res.generations)))
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True, default=float) + "\n", encoding="utf-8"
        )
        (tmp / "manifest.json").write_text(
            json.dumps(
                {**meta, "kind": "calibration", "tables": list(TABLES)}, indent=2, sort_keys=True
            )
            + "\n",
            encoding="utf-8",
        )
        (tmp / "scenario.yaml").write_text(
            yaml.safe_dump(sc.to_dict(), sort_keys=True), encoding="utf-8"
        )
        (tmp / "calibration.yaml").write_text(
            yaml.safe_dump(cal.model_dump(mode="json"), sort_keys=True), encoding="utf-8"
        )
    return summary


def _fit_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"pyabc": version("pyabc"), "optuna": version("optuna")}


def load_calibration_dir(path: Path) -> dict[str, Any]:
    """Read a calibration folder: its summary, tables and scenario (for report and rehearse).

    Raises:
        ScalesimInputError: If it is not a calibration folder or a table is missing.
    """
    from scalesim.common.errors import ScalesimInputError

    man = path / "manifest.json"
    try:
        manifest = json.loads(man.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ScalesimInputError(
            str(path), "", "not a calibration folder (no manifest.json)"
        ) from None
    if manifest.get("format") != CALIBRATION_FORMAT:
        raise ScalesimInputError(
            str(path),
            "manifest.json",
            f"expected format {CALIBRATION_FORMAT}, got {manifest.get('format')!r}",
        )
    tables = {}
    for name in TABLES:
        f = path / f"{name}.parquet"
        if not f.is_file():
            raise ScalesimInputError(str(path), name, f"table {name}.parquet is missing")
        tables[name] = pd.read_parquet(f)
    summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    return {"manifest": manifest, "summary": summary, **tables}
