"""Calibration figures: fitted curve and band against the observed history, posterior, ABC runs.

The fitted curve is drawn pooled and per school.

Each function takes the plain tables a calibration folder holds (``fit``, ``posterior``,
``parameters``, ``generations``; docs/calibration.md) and returns a
:class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from scalesim.plotting.style import colour, new_figure

OBSERVED = "#000000"


def _curve(ax: object, cur: pd.DataFrame, c: str, label: bool) -> None:
    ax.fill_between(  # type: ignore[attr-defined]
        cur["month"],
        cur["lo"],
        cur["hi"],
        color=c,
        alpha=0.22,
        linewidth=0,
        label="predictive band" if label else None,
    )
    ax.plot(
        cur["month"],
        cur["mean"],
        color=c,
        linewidth=1.6,  # type: ignore[attr-defined]
        label="model (mean)" if label else None,
    )
    obs = cur[cur["observed"].notna()]
    ax.plot(
        obs["month"],
        obs["observed"],
        "o",
        color=OBSERVED,
        markersize=3.2,  # type: ignore[attr-defined]
        label="observed" if label else None,
    )
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))  # type: ignore[attr-defined]


def fit_figure(fit: pd.DataFrame, title: str, max_schools: int = 25) -> Figure:
    """Pooled panel (large) and small multiples per school, band against observed points.

    Args:
        fit: Rows ``unit, month, observed, mean, lo, hi``; unit ``pooled`` or a school.
        title: Figure title (the band's level, RMSE...).
        max_schools: Schools drawn (the first ones, in table order).
    """
    schools = [u for u in dict.fromkeys(fit["unit"]) if u != "pooled"][:max_schools]
    ncols = 6 if len(schools) > 12 else 4
    nrows = 2 + int(np.ceil(len(schools) / ncols))
    fig, axes = new_figure(nrows, ncols, 2.2 * ncols, 1.55 * nrows + 0.6)
    gs = axes[0, 0].get_gridspec()
    for ax in axes[:2].ravel():
        ax.remove()
    big = fig.add_subplot(gs[:2, :])
    _curve(big, fit[fit["unit"] == "pooled"], colour(0), label=True)
    big.set_title("Pooled: share enacting (started)")
    big.set_xlabel("model month")
    big.legend(loc="upper left", fontsize=8, frameon=False)
    for k, ax in enumerate(axes[2:].ravel()):
        if k >= len(schools):
            ax.set_visible(False)
            continue
        _curve(ax, fit[fit["unit"] == schools[k]], colour(2), label=False)
        ax.set_title(str(schools[k]), fontsize=8)
        ax.set_ylim(0, 1)
        ax.tick_params(labelsize=6)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def posterior_figure(particles: pd.DataFrame, parameters: pd.DataFrame) -> Figure:
    """One weighted histogram per parameter, with its interval and the prior's range."""
    names = list(parameters["parameter"])
    n = len(names)
    fig, axes = new_figure(1, n, 3.0 * n, 2.6)
    w = particles["weight"].to_numpy() if "weight" in particles else None
    for ax, (_, row) in zip(axes[0], parameters.iterrows(), strict=True):
        x = particles[row["parameter"]].to_numpy()
        bins = np.linspace(row["low"], row["high"], 30)
        if row["prior"] == "loguniform":
            bins = np.geomspace(row["low"], row["high"], 30)
            ax.set_xscale("log")
        ax.hist(x, bins=bins, weights=w, color=colour(0), alpha=0.7)
        ax.axvspan(row["lo"], row["hi"], color=colour(1), alpha=0.15)
        ax.axvline(row["mean"], color=colour(1), linewidth=1.2)
        ax.set_title(row["parameter"], fontsize=8)
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def generations_figure(generations: pd.DataFrame) -> Figure:
    """Epsilon and acceptance rate by ABC generation."""
    fig, axes = new_figure(1, 2, 7.0, 2.6)
    a, b = axes[0]
    a.plot(generations["generation"], generations["epsilon"], "o-", color=colour(0))
    a.set_yscale("log")
    a.set_title("epsilon (distance threshold)")
    a.set_xlabel("generation")
    b.plot(generations["generation"], generations["acceptance"], "s-", color=colour(1))
    b.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    b.set_title("acceptance rate")
    b.set_xlabel("generation")
    fig.tight_layout()
    return fig
