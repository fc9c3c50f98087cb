"""The strategy registry: every strategy of DESIGN §3, named in scenario files.

Importing this package registers the built-in strategies. ``STRATEGIES`` maps each name to
its class; ``docs/strategies.md`` documents mechanism, source and expected effects.
"""

from scalesim.journey.strategies import innovation, networks, policy, support  # noqa: F401  (register)
from scalesim.journey.strategies.base import STRATEGIES, Strategy, StrategySet, register

__all__ = ["STRATEGIES", "Strategy", "StrategySet", "register"]
