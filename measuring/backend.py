"""Where measuring tasks run: this machine's processes (joblib's loky) or a dask cluster.

The runner always calls ``joblib.Parallel``; this context manager only chooses the engine. With
``dask`` the tasks go to the dask.distributed scheduler at ``scheduler_address`` through
joblib's dask backend; each worker must be able to import this project (start it from the
project folder) and read the run directory at the same path (a shared file system).

Trust: anyone who can reach a dask scheduler can run any code on its workers. Use a cluster
on a trusted network, or a secured one: a ``tls://`` address with the certificate files of
``Tls`` (or dask's own ``distributed.comm.tls`` configuration when no file is given), which
encrypts the traffic and admits only holders of a certificate signed by the cluster's CA.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("local", "dask")


@dataclass(frozen=True)
class Tls:
    """Certificate files (PEM) for a ``tls://`` scheduler: the CA that signed the cluster's
    certificates, and this client's certificate and private key (``key`` None: in ``cert``)."""

    ca_file: Path | None = None
    cert: Path | None = None
    key: Path | None = None

    @property
    def given(self) -> bool:
        return any(f is not None for f in (self.ca_file, self.cert, self.key))

    def security(self) -> object:
        """dask's ``Security`` for these files; ValueError naming a missing file or flag."""
        from distributed.security import Security

        if self.ca_file is None or self.cert is None:
            raise ValueError("a TLS connection needs --tls-ca-file and --tls-cert "
                             "(and --tls-key unless the key is in the certificate file)")
        for path in (self.ca_file, self.cert, self.key):
            if path is not None and not Path(path).is_file():
                raise FileNotFoundError(f"no such certificate file: {path}")
        return Security(tls_ca_file=str(self.ca_file), tls_client_cert=str(self.cert),
                        tls_client_key=str(self.key) if self.key else None,
                        require_encryption=True)


MAX_JOBS = 65536
"""More parallel tasks than any machine or cluster runs at once."""


def check_jobs(jobs: int) -> None:
    """``jobs`` is a count of parallel tasks: 1..MAX_JOBS, or -1 for every core (or worker)."""
    if jobs == 0 or jobs < -1 or jobs > MAX_JOBS:
        raise ValueError(f"--jobs must be a positive count (at most {MAX_JOBS}) or -1 for all "
                         f"cores, got {jobs}")


def check_backend(backend: str, scheduler_address: str | None, tls: Tls | None = None) -> None:
    """The flags choosing where measuring runs agree with each other."""
    tls = tls or Tls()
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "local" and (scheduler_address is not None or tls.given):
        raise ValueError("--scheduler-address and --tls-* need --backend dask")
    if backend == "dask" and not scheduler_address:
        raise ValueError("--backend dask needs --scheduler-address tcp://HOST:PORT "
                         "(or tls://HOST:PORT)")
    if tls.given and not str(scheduler_address).startswith("tls://"):
        raise ValueError("--tls-* certificate files need a tls:// scheduler address")


@contextmanager
def execution(backend: str = "local", scheduler_address: str | None = None,
              tls: Tls | None = None) -> Iterator[None]:
    """Run the ``joblib.Parallel`` calls inside this block on ``backend`` (a ``tls://``
    scheduler with the certificate files of ``tls``)."""
    tls = tls or Tls()
    check_backend(backend, scheduler_address, tls)
    if backend == "local":
        yield
        return
    from dask.distributed import Client
    from joblib import parallel_config

    security = tls.security() if tls.given else None
    try:
        client = Client(scheduler_address, timeout="10s", security=security)
    except (OSError, TypeError, ValueError) as error:
        raise ValueError(
            f"cannot reach the dask scheduler at {scheduler_address}: {error}"
        ) from None
    with client, parallel_config(backend="dask"):
        yield
