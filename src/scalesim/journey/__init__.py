"""The scaling journey: strategies, selection rules, shocks, pit stops and the travel log.

Strategies and shocks act on the world only through weekly effects and the declared actions
of :mod:`scalesim.core.actions`.
"""
