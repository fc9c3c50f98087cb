"""The model and one run: :class:`ScalingModel`, ``run``, its result tables and output folder."""
