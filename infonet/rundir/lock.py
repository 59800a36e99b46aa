"""The writers' lock of a run directory: one process at a time trains, resumes or measures a run.

``locked(run_dir)`` holds an operating-system lock (``fcntl.flock``, exclusive) on
``RUN_DIR/writer.lock`` for as long as the block runs; the file holds the holder's process id
so that a refused writer can name it, and is deleted when the block ends, so a finished command
leaves no trace. The operating system releases the lock when the process ends in any way,
``kill -9`` included, so a lock is never left stale: the file a killed writer leaves behind is
locked and reused by the next writer. A writer that finds the file deleted by the holder it
waited for locks the new one (the usual check that the locked file is still the one at the
path). A lock file that is a symbolic link is refused (ValueError naming it), never opened
through. Readers (plots, movies) never take the lock: every file is appended in whole lines or
replaced atomically, so they never see a torn row (``rundir.directory``). POSIX only.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

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
    path = run_dir / LOCK
    handle = _acquire(path, wait, announce)
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _acquire(path: Path, wait: bool, announce: Callable[[str], None] | None) -> TextIO:
    """The open lock file at ``path``, locked by this process."""
    from infonet.rundir.directory import open_appended  # (run_directory imports this module)

    while True:
        handle = open_appended(path, "a+")  # a planted link is refused, never written through
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            if not wait:
                handle.close()
                raise RunLocked(f"{path.parent} is being written by {holder}; wait for it to "
                                "end (or pass --wait)") from None
            if announce is not None:
                announce(f"waiting for {holder} to finish writing {path.parent}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        if path.exists() and os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
            return handle
        handle.close()  # the holder we waited for deleted this file: lock the one there now


def _holder(handle: TextIO) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f"process {pid}" if pid.isdigit() else "another process"
