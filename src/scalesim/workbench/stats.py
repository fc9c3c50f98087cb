"""The statistics every comparison reports, as tables (pure pandas and SciPy, no model).

Every option runs on the *same* seeds (common random numbers), so the difference between
two options on one seed is the effect of the options alone, not of luck. For each metric
(its value at the end of the run) the comparison gives:

* the mean across replicates and its 95% t-interval;
* the mean paired difference to the baseline (the first option) and its 95% t-interval,
  computed from the per-seed differences (identical options give exactly 0);
* the probability of reaching the trip-ticket destination *with its equity clause* by
  the deadline, with a 95% Wilson interval (it behaves well near 0 and 1, where the
  normal interval does not; Wilson 1927, via :func:`scipy.stats.binomtest`).

Schools are grouped by their share of students furthest from opportunity in
:data:`NEED_BINS`; :func:`school_groups` is the one aggregation of the ``schools`` table
that the ``equity_by_need`` table and the report's own group tables share. The layouts are
in docs/results-format.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from scalesim.metrics import METRICS
from scalesim.metrics.units import metric_label, metric_unit

CONFIDENCE = 0.95
# Need bands: schools by their share of students furthest from opportunity; the last band
# includes 100%.
NEED_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)
NEED_LABELS = tuple(f"{int(a * 100)}–{int(b * 100)}%" for a, b in itertools.pairwise(NEED_BINS))


# --------------------------------------------------------------------------- intervals


def t_interval(x: np.ndarray, conf: float = CONFIDENCE) -> tuple[float, float, float, float]:
    """Mean, standard deviation and the two-sided t-interval of the mean.

    Returns NaN bounds for fewer than two values; a zero spread gives a zero-width interval.
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return (float("nan"),) * 4  # type: ignore[return-value]
    mean = float(x.mean())
    if n < 2:
        return mean, float("nan"), float("nan"), float("nan")
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + conf / 2, n - 1)) * sd / np.sqrt(n)
    return mean, sd, mean - half, mean + half


def wilson(k: int, n: int, conf: float = CONFIDENCE) -> tuple[float, float, float]:
    """Proportion ``k/n`` with its Wilson score interval."""
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=conf, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def _verdict(kind: str, lo: float, hi: float) -> str:
    if kind == "info":
        return "info"
    if np.isnan(lo) or np.isnan(hi):
        return "too few replicates"
    if lo > 0:
        return "better" if kind == "maximize" else "worse"
    if hi < 0:
        return "worse" if kind == "maximize" else "better"
    return "no clear difference"


def _ok(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"] if "status" in runs else runs


# --------------------------------------------------------------------------- options


def comparison_table(
    runs: pd.DataFrame,
    baseline: str,
    pair_on: Sequence[str] = ("replicate",),
    options: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    conf: float = CONFIDENCE,
    measures: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Per option and metric: mean with its interval, and the paired difference to baseline.

    Args:
        runs: The ``runs`` table (one row per run, with ``option`` and the pairing keys).
        baseline: The option every other is compared with.
        pair_on: Columns that identify a pair across options (the seed's replicate; in a
            sweep, also the design point).
        options: Options in display order (default: order of first appearance).
        metrics: Metric columns (default: every registered metric present).
        conf: Confidence level.
        measures: What each option's destination counts (``educators``, the default, or
            ``students``): the trip ticket's rows take that unit and label.
    """
    ok = _ok(runs)
    options = list(options or dict.fromkeys(runs["option"]))
    metrics = [m for m in (metrics or METRICS) if m in runs.columns]
    base = ok[ok["option"] == baseline].set_index(list(pair_on))
    rows = []
    for opt in options:
        cur = ok[ok["option"] == opt].set_index(list(pair_on))
        joined = cur.join(base, how="inner", suffixes=("", "__base"))
        measure = (measures or {}).get(opt, "educators")
        for m in metrics:
            d = METRICS[m]
            mean, sd, lo, hi = t_interval(cur[m].to_numpy(), conf)
            if opt == baseline:
                diff = diff_sd = dlo = dhi = 0.0
                verdict = "baseline"
            else:
                delta = (joined[m] - joined[m + "__base"]).to_numpy()
                diff, diff_sd, dlo, dhi = t_interval(delta, conf)
                verdict = _verdict(d.kind, dlo, dhi)
            rows.append(
                {
                    "option": opt,
                    "metric": m,
                    "label": metric_label(m, measure),
                    "dimension": d.dimension,
                    "kind": d.kind,
                    "unit": metric_unit(m, measure),
                    "n": int(cur[m].notna().sum()),
                    "mean": mean,
                    "sd": sd,
                    "ci_low": lo,
                    "ci_high": hi,
                    "baseline": baseline,
                    "diff": diff,
                    "diff_sd": diff_sd,
                    "diff_ci_low": dlo,
                    "diff_ci_high": dhi,
                    "verdict": verdict,
                }
            )
    return pd.DataFrame(rows)


def trip_ticket_table(
    runs: pd.DataFrame, options: Sequence[str] | None = None, conf: float = CONFIDENCE
) -> pd.DataFrame:
    """Per option: probability of reaching the destination with its equity clause, by deadline."""
    ok = _ok(runs)
    options = list(options or dict.fromkeys(runs["option"]))
    rows = []
    for opt in options:
        cur = ok[ok["option"] == opt]
        n = len(cur)
        k = int(cur["tt_reached"].sum()) if n else 0
        ke = int(cur["tt_equity_clause_holds"].sum()) if n else 0
        p, lo, hi = wilson(k, n, conf)
        pe, elo, ehi = wilson(ke, n, conf)
        first = cur.iloc[0] if n else None
        rows.append(
            {
                "option": opt,
                "n": n,
                "reached": k,
                "p_reached": p,
                "p_ci_low": lo,
                "p_ci_high": hi,
                "equity_clause_holds": ke,
                "p_equity": pe,
                "p_equity_ci_low": elo,
                "p_equity_ci_high": ehi,
                "achieved_mean": float(cur["tt_achieved_at_deadline"].mean()) if n else np.nan,
                "equity_achieved_mean": (
                    float(cur["tt_equity_achieved_at_deadline"].mean()) if n else np.nan
                ),
                "target": float(first["tt_target"]) if n else np.nan,
                "equity_target": float(first["tt_equity_target"]) if n else np.nan,
                "min_depth": float(first["tt_min_depth"]) if n else np.nan,
                "by_month": float(first["tt_by_month"]) if n else np.nan,
            }
        )
    return pd.DataFrame(rows)


def bands_table(
    timeseries: pd.DataFrame,
    options: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    conf: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per option, week and metric: mean, its t-interval, and the 10th/90th percentiles."""
    options = list(options or dict.fromkeys(timeseries["option"]))
    metrics = [m for m in (metrics or METRICS) if m in timeseries.columns]
    g = timeseries.groupby(["option", "week"], sort=False)[metrics]
    parts = {
        "n": g.count(),
        "mean": g.mean(),
        "sd": g.std(),
        "p10": g.quantile(0.1),
        "p90": g.quantile(0.9),
    }
    long = pd.concat(
        {k: v.rename_axis(columns="metric").stack() for k, v in parts.items()}, axis=1
    ).reset_index()
    month = timeseries.groupby("week")["month"].first()
    long["month"] = long["week"].map(month)
    n = long["n"].to_numpy()
    tq = stats.t.ppf(0.5 + conf / 2, np.maximum(n - 1, 1))
    half = np.where(
        n > 1, tq * long["sd"].fillna(0.0).to_numpy() / np.sqrt(np.maximum(n, 1)), np.nan
    )
    long["ci_low"] = long["mean"] - half
    long["ci_high"] = long["mean"] + half
    long["n"] = long["n"].astype("int64")
    order = {o: i for i, o in enumerate(options)}
    morder = {m: i for i, m in enumerate(metrics)}
    long = long.assign(_o=long["option"].map(order), _m=long["metric"].map(morder))
    long = long.sort_values(["_o", "_m", "week"]).reset_index(drop=True)
    return long[
        ["option", "week", "month", "metric", "n", "mean", "ci_low", "ci_high", "p10", "p90"]
    ]


# --------------------------------------------------------------------------- schools


def need_band(need: pd.Series) -> np.ndarray:
    """The :data:`NEED_BINS` band (an index into :data:`NEED_LABELS`) of each need share."""
    idx = np.searchsorted(NEED_BINS, need.to_numpy(float), side="right") - 1
    return np.clip(idx, 0, len(NEED_LABELS) - 1)


def school_groups(schools: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Schools summed per group: counts, educators, reach, and the shares they give.

    Args:
        schools: A ``schools`` table (one row per school and run).
        by: The grouping columns (``need_bin`` is added from ``need_share`` if asked for
            and absent).

    Returns:
        One row per group (sorted): ``schools``, ``educators``, ``enacting``, ``deep``,
        ``never`` (schools never reached), ``high_need`` (high-need schools), and
        ``share`` / ``share_deep`` (educators enacting / at depth over educators).
    """
    s = schools.copy()
    if "need_bin" in by and "need_bin" not in s.columns:
        s["need_bin"] = need_band(s["need_share"])
    s["never"] = ~s["ever_reached"].astype(bool)
    aggs = {
        "schools": ("school", "count"),
        "educators": ("educators", "sum"),
        "enacting": ("enacting", "sum"),
        "deep": ("deep", "sum"),
        "never": ("never", "sum"),
    }
    if "high_need" in s.columns:
        aggs["high_need"] = ("high_need", "sum")
    g = s.groupby(list(by), sort=True).agg(**aggs).reset_index()
    g["share"] = g["enacting"] / g["educators"]
    g["share_deep"] = g["deep"] / g["educators"]
    return g


def equity_by_need_table(
    schools: pd.DataFrame, options: Sequence[str] | None = None, conf: float = CONFIDENCE
) -> pd.DataFrame:
    """Reach by school need, per option: the mean over replicates of each band's share.

    Each replicate's schools are grouped by :data:`NEED_BINS` (:func:`school_groups`); the
    band's share enacting has a t-interval over replicates.
    """
    options = list(options or dict.fromkeys(schools["option"]))
    per = school_groups(schools, ["option", "replicate", "need_bin"])
    rows = []
    for opt in options:
        for b, lab in enumerate(NEED_LABELS):
            cur = per[(per["option"] == opt) & (per["need_bin"] == b)]
            if cur.empty:
                continue
            mean, _, lo, hi = t_interval(cur["share"].to_numpy(), conf)
            rows.append(
                {
                    "option": opt,
                    "need_bin": lab,
                    "need_low": NEED_BINS[b],
                    "need_high": NEED_BINS[b + 1],
                    "schools": float(cur["schools"].mean()),
                    "educators": float(cur["educators"].mean()),
                    "share_enacting": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "share_deep": float(cur["share_deep"].mean()),
                    "never_reached": float(cur["never"].mean()),
                }
            )
    return pd.DataFrame(rows)


def summary_tables(
    runs: pd.DataFrame,
    timeseries: pd.DataFrame | None,
    schools: pd.DataFrame | None,
    options: Sequence[str],
    conf: float = CONFIDENCE,
    measures: dict[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The comparison, trip-ticket, bands and equity-by-need tables.

    ``measures``: what each option's destination counts (see :func:`comparison_table`).
    """
    out = {
        "comparison": comparison_table(
            runs, options[0], ("replicate",), options, conf=conf, measures=measures
        ),
        "trip_ticket": trip_ticket_table(runs, options, conf),
    }
    ok_keys = _ok(runs)[["option", "replicate"]]
    if timeseries is not None and len(timeseries):
        ts = timeseries.merge(ok_keys, on=["option", "replicate"])
        out["bands"] = bands_table(ts, options, conf=conf)
    if schools is not None and len(schools):
        sch = schools.merge(ok_keys, on=["option", "replicate"])
        out["equity_by_need"] = equity_by_need_table(sch, options, conf)
    return out
