"""Where measuring tasks run: this machine's processes (joblib's loky) or a dask cluster.

The runner always calls ``joblib.Parallel``; this context manager only chooses the engine. With
``dask`` the tasks go to the dask.distributed scheduler at ``scheduler_address`` through
joblib's dask backend. The scheduler (which unpickles the tasks) and every worker must import
this project's measuring code: on connecting, ``execution`` waits up to ``WORKER_WAIT``
seconds for a worker, asks the scheduler and the workers to import it, and where one cannot
(a scheduler or ``dask worker --nworkers N`` started outside the project, whose processes
would fail to unpickle every task while the client waited forever) sends them the project's
packages as a zip (``PROJECT_PACKAGES``, a dask upload plugin, so workers joining later get
it too), then asks again; a cluster that still cannot is one ValueError. Workers must have the
project's requirements and read the run directory at the same path (a shared file system).

Trust: anyone who can reach a dask scheduler can run any code on its workers. Use a cluster
on a trusted network, or a secured one: a ``tls://`` address with the certificate files of
``Tls`` (or dask's own ``distributed.comm.tls`` configuration when no file is given), which
encrypts the traffic and admits only holders of a certificate signed by the cluster's CA.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

_Result = TypeVar("_Result")

BACKENDS = ("local", "dask")

PARENT_POLL_SECONDS = 0.5
"""How often a local worker looks whether the command that started it is still alive."""

_watched: set[int] = set()
"""The commands this process, a local worker, watches (at most one)."""


def in_worker(parent: int, function: Callable[..., _Result], *args: object) -> _Result:
    """``function(*args)``, run as a task of the command whose process id is ``parent``.

    In a local worker process (a child of ``parent``) this first makes sure the worker ends
    once ``parent`` has ended, even by ``kill -9``: joblib keeps its workers for minutes
    after a job, and a killed command's workers would go on holding its terminal or log
    file. In ``parent`` itself (``--jobs 1``) and on a dask worker it only calls.
    """
    if os.getppid() == parent and parent not in _watched:
        _watched.add(parent)
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    return function(*args)


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(0)  # the command is gone: nobody reads what this worker would return

PROJECT_PACKAGES = ("information", "rundir", "analysis", "data", "networks", "measuring")
"""The packages measuring tasks are made of: what a dask scheduler and its workers import."""
MEASURING_IMPORTS = "import infonet.measuring.runner, infonet.information.estimators"
"""What a scheduler or worker must be able to run to unpickle and run measuring tasks."""
WORKER_WAIT = 20
"""Seconds ``execution`` waits for a dask scheduler to have at least one worker."""


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
        _check_cluster(client, scheduler_address)
        yield


def _check_cluster(client: object, address: str) -> None:
    """ValueError unless the cluster has a worker and, after its code was sent where needed,
    its scheduler and every worker import this project's measuring code."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise ValueError(f"the dask scheduler at {address} has no workers (none joined within "
                         f"{WORKER_WAIT} s)") from None
    if _import_failure(client) is None:
        return
    _send_project(client)
    failure = _import_failure(client)
    if failure is not None:
        raise ValueError(f"the dask cluster at {address} cannot import this project's "
                         f"measuring code even with its packages sent ({failure}): give the "
                         "scheduler and every worker the requirements of requirements.txt")


def _import_failure(client: object) -> str | None:
    """What the scheduler or a worker raised importing the measuring code; None if none did.
    (``exec`` is sent by reference to the builtins, which every Python has.)"""
    try:
        client.run_on_scheduler(exec, MEASURING_IMPORTS)
        client.run(exec, MEASURING_IMPORTS)
    except Exception as error:  # whatever the cluster's Python raises while importing
        return f"{type(error).__name__}: {error}"
    return None


def _send_project(client: object) -> None:
    """Upload PROJECT_PACKAGES' Python files as one zip to the scheduler and the workers
    (present and future), where it goes first on ``sys.path``; named by a hash of its files,
    so sending the same code again replaces the plugin instead of adding one."""
    from distributed.diagnostics.plugin import SchedulerUploadFile, UploadFile

    root = Path(__file__).parents[2]  # the folder holding the infonet package
    files = sorted([root / "infonet" / "__init__.py",
                    *(path for package in PROJECT_PACKAGES
                      for path in (root / "infonet" / package).rglob("*.py"))])
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    name = f"information_networks_{digest.hexdigest()[:16]}.zip"
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / name
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed:
            for path in files:
                packed.write(path, path.relative_to(root))
        client.register_plugin(SchedulerUploadFile(str(archive)), name=name)
        client.register_plugin(UploadFile(str(archive)), name=name)
