"""Measuring a saved run: which epochs (``schedule``, Batching ``windows``, ``plan``), where the
tasks run (``backend``: local processes or dask), the ``runner`` that plans, executes and
records, and ``measure``, the one call the commands make.

Above ``information`` (the estimators), ``rundir`` (the files), ``data`` (the samples) and
``networks`` (where a layer's activations come from); nothing here trains or draws.
"""
