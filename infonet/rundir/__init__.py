"""A run directory's files and their checks: file names, the one atomic write and safe
deletion (``directory``), config.json (``config``), the writers' lock (``lock``), the
per-epoch snapshots and metrics (``snapshots``), the optimizer states of a group of repeats
(``group_state``), the table ``information.csv`` (``results``), and every file checked
against the others (``checks``).

It imports numpy and its own modules only: no TensorFlow, no networks, no estimators.
"""
