"""Which channel each new enactment is credited to (strategies, peers, mandate, external).

An adopter by hazard is credited to one channel with probability proportional to that
channel's part of their hazard; the draw comes from the model's ``attribution`` stream.
"""

from __future__ import annotations

import numpy as np


def attribute(parts: dict[str, np.ndarray], u: np.ndarray) -> dict[str, int]:
    """New enactments by channel.

    Args:
        parts: For each channel, its rate for each new adopter (same order, same length).
        u: One uniform draw per adopter.

    Returns:
        Adopters credited to each channel of ``parts`` (every channel listed, zeros too).
    """
    names = list(parts)
    counts = dict.fromkeys(names, 0)
    k = u.size
    if not k:
        return counts
    # Pick each adopter's channel: a uniform draw scaled by the total rate, compared with the
    # running sum of the rates.
    total = np.zeros(k)
    for arr in parts.values():
        total += arr
    target = np.where(total > 0, u * total, 0.0)
    acc = np.zeros(k)
    pick = np.zeros(k, dtype=np.int64)
    for arr in list(parts.values())[:-1]:
        acc += arr
        pick += target >= acc
    # No rate at all (cannot happen for a hazard adopter): spread evenly.
    pick = np.where(total > 0, pick, (u * len(names)).astype(np.int64))
    for c, cnt in zip(names, np.bincount(pick, minlength=len(names)), strict=True):
        counts[c] = int(cnt)
    return counts
