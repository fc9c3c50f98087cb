"""The simulation core: the district's state and the weekly rules that move it.

Struct-of-arrays state (educators, schools, district conditions), the sparse network, the
week's context, the one writer of state (actions), the rules as pure functions, turnover, the
Mesa agent views and the collector. ``scalesim.simulation.model`` composes it with the journey.
"""
