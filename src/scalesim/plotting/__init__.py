"""Every figure scalesim draws, for the CLI, the report, the app and notebooks.

Figures are built as :class:`matplotlib.figure.Figure` objects, never through pyplot's global
state, and nothing here calls ``matplotlib.use``: a notebook keeps its inline backend.
Functions take plain tables (pandas) or the app's plain data classes and return a figure;
:func:`scalesim.plotting.style.png_bytes` renders one to PNG. This package reads only
:mod:`scalesim.common` and :mod:`scalesim.metrics`, so anything above may draw with it.

- :mod:`~scalesim.plotting.style`: palette, line styles, markers, rc settings, PNG output.
- :mod:`~scalesim.plotting.markers`: summers, pit stops, shocks and branch points on time axes.
- :mod:`~scalesim.plotting.outcomes`: trajectories, the destination, probabilities, differences.
- :mod:`~scalesim.plotting.equity`: reach by school need and region, concentration of reach.
- :mod:`~scalesim.plotting.journey`: strategy timeline, capacity, channels, pit-stop measurement.
- :mod:`~scalesim.plotting.factors`: factor profile, sensitivity indices, correlations, scatter.
- :mod:`~scalesim.plotting.live`: the app's district tiles and live plots.
- :mod:`~scalesim.plotting.discovery`: PRIM trajectory and box, robustness, the Pareto front.
"""
