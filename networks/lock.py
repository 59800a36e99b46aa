"""The writers' lock of a run directory: one process at a time trains, resumes or measures a run.

``locked(run_dir)`` holds an operating-system lock (``fcntl.flock``, exclusive) on
``RUN_DIR/writer.lock`` for as long as the block runs, and writes the holder's process id into
the file so that a refused writer can name it. The operating system releases the lock when the
process ends in any way, ``kill -9`` included, so a lock is never left stale; the file itself
stays (deleting a lock file races with the next writer) and is emptied on a clean release.
Readers (plots, movies) never take the lock: every file is appended in whole lines or replaced
atomically, so they never see a torn row (``networks.run_directory``). POSIX only.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = "writer.lock"


class RunLocked(ValueError):
    """Another process holds the run directory's writers' lock."""


@contextmanager
def locked(run_dir: Path, wait: bool = False,
           announce: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``run_dir``'s writers' lock inside the block (``run_dir`` must exist).

    When another process holds it: RunLocked naming that process, or with ``wait`` block
    until it is released (``announce`` hears one line saying whom we wait for).
    """
    with open(run_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            if not wait:
                raise RunLocked(f"{run_dir} is being written by {holder}; wait for it to end "
                                "(or pass --wait)") from None
            if announce is not None:
                announce(f"waiting for {holder} to finish writing {run_dir}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _holder(handle: object) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f"process {pid}" if pid.isdigit() else "another process"
