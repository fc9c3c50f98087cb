"""The one helper and the one pass rule for paired comparisons on common random numbers.

Two arms run on the same seeds share the district, the network, the starting state and every
draw their choices do not change, so ``b(seed) − a(seed)`` measures the effect of the change
alone. Every directional test in the suite states its claim through :func:`assert_paired`.

**Pass rule.** Over a fixed seed list, the paired differences' mean must lie in the stated
direction with its two-sided 99% t-interval entirely beyond ``margin`` (above ``+margin`` for
"higher", below ``−margin`` for "lower"; ``margin`` defaults to 0, i.e. the interval excludes
zero). The seeds are fixed, so a test gives the same verdict every time it runs; a verdict can
change only when the model changes. A 99% interval (rather than 95%) keeps the suite's many
claims honest together: a real effect passes comfortably, an effect that is only noise does
not. When all differences are equal (zero spread) the interval is that value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

import numpy as np
from scipy import stats

CONFIDENCE = 0.99
SEEDS: tuple[int, ...] = tuple(range(10))
Direction = Literal["higher", "lower"]


def interval(diffs: Iterable[float], conf: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean of the paired differences and its two-sided t-interval."""
    d = np.asarray(list(diffs), dtype=float)
    if d.size < 2:
        raise ValueError("a paired comparison needs at least two seeds")
    mean = float(d.mean())
    sd = float(d.std(ddof=1))
    half = float(stats.t.ppf(0.5 + conf / 2, d.size - 1)) * sd / np.sqrt(d.size)
    return mean, mean - half, mean + half


def differences(
    a: Callable[[int], float], b: Callable[[int], float], seeds: Iterable[int] = SEEDS
) -> np.ndarray:
    """``b(seed) − a(seed)`` for every seed (arm ``a`` is the reference)."""
    return np.array([b(s) - a(s) for s in seeds], dtype=float)


def assert_paired(
    diffs: Iterable[float], direction: Direction, what: str, margin: float = 0.0
) -> None:
    """Assert the pass rule (module docstring) for paired differences ``b − a``.

    Args:
        diffs: The paired differences, one per seed.
        direction: ``"higher"`` if ``b`` should exceed ``a``, ``"lower"`` otherwise.
        what: What is claimed, for the failure message.
        margin: The least size of effect the claim states (in the metric's units).
    """
    d = np.asarray(list(diffs), dtype=float)
    mean, lo, hi = interval(d)
    ok = lo > margin if direction == "higher" else hi < -margin
    assert ok, (
        f"{what}: expected {direction} by more than {margin:g}; mean paired difference "
        f"{mean:+.4g}, 99% interval [{lo:+.4g}, {hi:+.4g}] over {d.size} seeds; "
        f"differences {np.round(d, 4).tolist()}"
    )
