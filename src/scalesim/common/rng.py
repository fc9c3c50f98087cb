"""Named random streams derived from one seed (common random numbers).

Every mechanism draws from its own stream, keyed by a stable hash of its name, so adding a
strategy or a shock never shifts the draws of unrelated mechanisms, and two strategy sets run
on the same seed share every draw they can.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (Python's ``hash`` is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """A family of independent numpy generators, one per mechanism name.

    Args:
        seed: The run's root seed.

    Examples:
        >>> s = Streams(7)
        >>> a = s["adoption"].random(3)
        >>> b = Streams(7)["adoption"].random(3)
        >>> bool((a == b).all())
        True
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._streams.get(name)
        if gen is None:
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._streams[name] = gen
        return gen

    def names(self) -> list[str]:
        """Names of the streams used so far."""
        return sorted(self._streams)

    def state(self, name: str) -> dict | None:
        """The exact position of one stream (None if it has not been used yet).

        Two runs on the same seed whose stream ``name`` is at the same position have drawn
        exactly the same numbers from it.
        """
        gen = self._streams.get(name)
        return None if gen is None else gen.bit_generator.state
