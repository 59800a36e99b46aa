"""Kill-and-resume checks shared by the tests of recorded runs: a run started as a process,
killed with SIGKILL once a table it appends to reaches a number of lines, resumed, and
compared byte for byte with a run never killed."""

import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

Start = Callable[[Path, int, bool], subprocess.Popen]
"""Starts the run in ``FOLDER/run`` as a process: (FOLDER, epochs, resume)."""


def tree(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory``, by relative path, as bytes."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _finished(process: subprocess.Popen) -> None:
    _, err = process.communicate()
    assert process.returncode == 0, err


def assert_kills_resume_identically(start: Start, folder: Path, epochs: int,
                                    kills: Sequence[int], table: str = "metrics.csv") -> None:
    """For each of ``kills``: the run killed once ``run/table`` holds that many lines, then
    resumed, ends with the files of the uninterrupted run."""
    (folder / "clean").mkdir(parents=True)
    _finished(start(folder / "clean", epochs, False))
    clean = tree(folder / "clean" / "run")
    for kill_at in kills:
        killed = folder / f"killed-{kill_at}"
        killed.mkdir()
        process, path = start(killed, epochs, False), killed / "run" / table
        while process.poll() is None:
            if path.exists() and path.read_bytes().count(b"\n") >= kill_at:
                process.kill()
                break
        process.communicate()
        assert process.returncode != 0, f"the run ended before {path} held {kill_at} lines"
        _finished(start(killed, epochs, True))
        assert tree(killed / "run") == clean
