"""Where measuring tasks run: this machine's processes (joblib's loky) or a dask cluster.

The runner always calls ``joblib.Parallel``; this context manager only chooses the engine. With
``dask`` the tasks go to the dask.distributed scheduler at ``scheduler_address`` through
joblib's dask backend; each worker must be able to import this project (start it from the
project folder) and read the run directory at the same path (a shared file system).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from joblib import parallel_config

BACKENDS = ("local", "dask")


def check_jobs(jobs: int) -> None:
    """``jobs`` is a count of parallel tasks: at least 1, or -1 for every core (or worker)."""
    if jobs == 0 or jobs < -1:
        raise ValueError(f"--jobs must be a positive count or -1 for all cores, got {jobs}")


@contextmanager
def execution(backend: str = "local", scheduler_address: str | None = None) -> Iterator[None]:
    """Run the ``joblib.Parallel`` calls inside this block on ``backend``."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "local":
        if scheduler_address is not None:
            raise ValueError("--scheduler-address needs --backend dask")
        yield
        return
    if not scheduler_address:
        raise ValueError("--backend dask needs --scheduler-address tcp://HOST:PORT")
    from dask.distributed import Client

    try:
        client = Client(scheduler_address, timeout="10s")
    except OSError as error:
        raise ValueError(
            f"cannot reach the dask scheduler at {scheduler_address}: {error}"
        ) from None
    with client, parallel_config(backend="dask"):
        yield
