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
    # running sum of the rates (one cumulative sum over the stacked channels: the same
    # additions, in the same order, as adding them one by one).
    acc = np.cumsum(np.stack(list(parts.values())), axis=0)
    total = acc[-1]
    target = np.where(total > 0, u * total, 0.0)
    pick = np.count_nonzero(target >= acc[:-1], axis=0)
    # No rate at all (cannot happen for a hazard adopter): spread evenly.
    pick = np.where(total > 0, pick, (u * len(names)).astype(np.int64))
    for c, cnt in zip(names, np.bincount(pick, minlength=len(names)), strict=True):
        counts[c] = int(cnt)
    return counts
