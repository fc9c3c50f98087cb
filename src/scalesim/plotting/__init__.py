"""Every figure scalesim draws, for the CLI, the report, the app and notebooks.

Figures are built as :class:`matplotlib.figure.Figure` objects, never through pyplot's global
state, and nothing here calls ``matplotlib.use``: a notebook keeps its inline backend.
"""
