"""The writers' lock: one writer per run directory, named when it refuses another, never stale."""

import os
import signal
import subprocess
import sys
import time

import pytest

from infonet.rundir.lock import LOCK, RunLocked, locked

HOLD = """
import sys, time
from pathlib import Path
from infonet.rundir.lock import locked
with locked(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(run_dir, seconds):
    """A process holding ``run_dir``'s lock for ``seconds``; returns once it holds it."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir), str(seconds)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "locked\n"
    return process


def test_a_second_writer_is_refused_with_the_holders_process_id(tmp_path):
    holder = _holder(tmp_path, 60)
    try:
        with pytest.raises(RunLocked, match=f"being written by process {holder.pid}"), \
                locked(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_writer_leaves_no_stale_lock(tmp_path):
    holder = _holder(tmp_path, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (tmp_path / LOCK).exists()  # the file stays, the lock does not
    with locked(tmp_path):
        assert (tmp_path / LOCK).read_text() == f"{os.getpid()}\n"


def test_a_waiting_writer_gets_the_lock_when_the_holder_ends(tmp_path):
    holder = _holder(tmp_path, 1)
    heard = []
    start = time.monotonic()
    with locked(tmp_path, wait=True, announce=heard.append):
        waited = time.monotonic() - start
    holder.wait()
    assert heard == [f"waiting for process {holder.pid} to finish writing {tmp_path}"]
    assert waited > 0.3


def test_two_writers_in_one_process_exclude_each_other(tmp_path):
    with locked(tmp_path), pytest.raises(RunLocked), locked(tmp_path):
        pass


def test_the_lock_file_exists_only_while_held(tmp_path):
    with locked(tmp_path):
        assert (tmp_path / LOCK).is_file()
    assert not (tmp_path / LOCK).exists()


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_kept(tmp_path):
    (tmp_path / "elsewhere.txt").write_text("precious")
    (tmp_path / LOCK).symlink_to(tmp_path / "elsewhere.txt")
    with pytest.raises(ValueError, match=f"{LOCK} is a symbolic link"), locked(tmp_path):
        pass
    assert (tmp_path / "elsewhere.txt").read_text() == "precious"
    assert (tmp_path / LOCK).is_symlink()
