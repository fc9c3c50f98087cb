"""Helpers for the deciding-under-uncertainty tests (issue 13): synthetic sweep folders.

A synthetic sweep is a real sweep folder (manifest, design, ``parts/runs`` chunks) written
with the store's own API, whose outcome columns are set by the test from known rules, so
what discovery and robustness should find is known exactly, whatever the model's
calibration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from scalesim.workbench.store import SWEEP_FORMAT, SweepStore


def write_sweep(
    root: Path,
    runs: pd.DataFrame,
    uncertainties: list[str],
    outcomes: list[dict[str, Any]],
    options: list[str],
) -> Path:
    """Write ``runs`` (one row per run) as a complete sweep folder at ``root``."""
    runs = runs.reset_index(drop=True).copy()
    runs["task_id"] = np.arange(len(runs), dtype=np.int64)
    runs["status"] = "ok"
    runs["error"] = ""
    design = runs.groupby("point", sort=True)[uncertainties].first().reset_index()
    manifest = {
        "format": SWEEP_FORMAT,
        "kind": "sweep",
        "experiment": {"name": root.name, "source": "synthetic", "hash": "synthetic"},
        "uncertainties": [{"path": p} for p in uncertainties],
        "options": [{"name": o} for o in options],
        "outcomes": outcomes,
        "design": {"method": "list", "points": int(design.shape[0])},
        "replicates": {"count": int(runs["replicate"].nunique())},
        "n_tasks": len(runs),
        "status": "complete",
        "counts": {"ok": len(runs), "error": 0, "pending": 0},
        "runs": [],
        "timing": {"sessions": []},
    }
    store = SweepStore.create(root, manifest, {"design": design})
    store.write_chunk(0, {"runs": pa.Table.from_pandas(runs, preserve_index=False)}, {})
    return root


def planted_sweep(root: Path, noise: float = 0.0, n: int = 1500, seed: int = 20261101) -> Path:
    """Five uniform uncertainties; ``share_enacting`` is low exactly in the planted box.

    The box: ``x1`` in [0.2, 0.6] and ``x3`` in [0.7, 1.0]. With ``noise``, that share of
    labels is flipped.
    """
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0.0, 1.0, size=(n, 5)), columns=[f"u.x{i}" for i in range(1, 6)])
    fail = x["u.x1"].between(0.2, 0.6) & (x["u.x3"] > 0.7)
    fail = fail.to_numpy() ^ (rng.random(n) < noise)
    runs = x.assign(
        point=np.arange(n),
        option="base",
        replicate=0,
        seed=1,
        share_enacting=np.where(fail, 0.3, 0.9),
        tt_reached=~fail,
        tt_equity_clause_holds=~fail,
    )
    return write_sweep(
        root, runs, list(x.columns), [{"name": "share_enacting", "kind": "maximize"}], ["base"]
    )


def two_lever_sweep(root: Path, points: int = 9, reps: int = 4) -> Path:
    """Options ``weak``, ``strong`` and ``weak_twin`` over one uncertainty ``u.a``.

    ``strong`` is ``weak`` plus 0.15 in every future and on every seed (so it dominates);
    ``weak_twin`` is ``weak`` exactly (identical levers). Noise is common to the options of a
    seed and point (common random numbers). ``tt_reached`` is ``share_enacting >= 0.6``.
    """
    rows = []
    a = np.linspace(0.0, 1.0, points)
    for p in range(points):
        for opt, lift in (("weak", 0.0), ("strong", 0.15), ("weak_twin", 0.0)):
            for r in range(reps):
                noise = np.random.default_rng(1000 * p + r).normal(0.0, 0.03)
                share = float(np.clip(0.3 + 0.5 * a[p] + lift + noise, 0.0, 1.0))
                rows.append(
                    {
                        "point": p,
                        "u.a": float(a[p]),
                        "option": opt,
                        "replicate": r,
                        "seed": 100 + r,
                        "share_enacting": share,
                        "capacity_spent": 1000.0 if opt == "strong" else 500.0,
                        "tt_reached": share >= 0.6,
                        "tt_equity_clause_holds": share >= 0.6,
                    }
                )
    return write_sweep(
        root,
        pd.DataFrame(rows),
        ["u.a"],
        [
            {"name": "share_enacting", "metric": "share_enacting", "kind": "maximize"},
            {"name": "capacity_spent", "metric": "capacity_spent", "kind": "minimize"},
            {"name": "tt_reached", "metric": "tt_reached", "kind": "maximize"},
        ],
        ["weak", "strong", "weak_twin"],
    )
