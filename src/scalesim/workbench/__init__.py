"""Many runs: experiments, sweeps, comparisons, rehearsals and sensitivity analysis.

Also the executors (serial, processes, Dask), the resumable result store and the paired
statistics every comparison uses.
"""
