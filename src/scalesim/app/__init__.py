"""The browser app: a Mesa SolaraViz page over the same model and registries as the CLI.

- :mod:`scalesim.app.model`: :class:`~scalesim.app.model.AppModel`, flat keyword
  parameters → ``load_scenario(path, overrides)`` →
  :class:`~scalesim.simulation.model.ScalingModel`.
- :mod:`scalesim.app.snapshots`: what the district and the live plots show, copied out of
  the model (drawn by :mod:`scalesim.plotting.live`).
- :mod:`scalesim.app.components`: Solara components (figures, controls, pit stops, log).
- :mod:`scalesim.app.page`: the SolaraViz page served by ``scalesim app`` (docs/app.md).
"""
