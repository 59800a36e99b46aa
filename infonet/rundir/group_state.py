"""What resuming needs of repeats trained together: their optimizer states, one file per group.

``RUN_DIR/snapshots/state-<first>-<last>.npy`` holds a float64 array (R, 2 + S), one row per
repeat of the group trained together (repeats first..last, in order): the repeat, its last
completed epoch, then its optimizer's variables flattened as ``rundir.snapshots.write_state``
stores them (Adam's step count, learning rate, moments; all exact in float64). It is replaced
atomically (``rundir.directory.replace_file``) after every epoch, once for the whole
group: one file write per epoch instead of one per repeat (for 50 repeats of the default
network 0.7 ms an epoch, against 89 ms for 50 ``state.npy`` files;
``benchmarks/bench_repeats.py`` on a shared 2-core machine), and a kill leaves the repeats of a
group at the epochs they had together, so the group resumes as one. Runs trained before
repeats were grouped have ``snapshots/repeat-R/state.npy`` per repeat instead
(``rundir.snapshots``); the readers here read both kinds, and for each repeat the latest
epoch found wins (a group file written after its repeats were regrouped supersedes the older
one). Every file is checked when read (never unpickled); a damaged one is a ValueError naming
it. No TensorFlow here.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from infonet.rundir import directory as run_directory
from infonet.rundir.snapshots import STATE, read_state


class SavedState(NamedTuple):
    """A repeat's last completed epoch, its optimizer's flat float64 state, and the file."""

    epoch: int
    values: np.ndarray
    path: Path


def group_state_path(run_dir: Path, repeats: Sequence[int]) -> Path:
    """The state file of the group of ``repeats`` (consecutive, first to last)."""
    return run_dir / run_directory.SNAPSHOTS / f"state-{repeats[0]}-{repeats[-1]}.npy"


def write_group_state(run_dir: Path, repeats: Sequence[int], epochs: Sequence[int],
                      states: np.ndarray) -> None:
    """Atomically record each repeat's last completed epoch and optimizer state (R, S)."""
    table = np.column_stack([np.asarray(repeats, np.float64), np.asarray(epochs, np.float64),
                             np.asarray(states, np.float64)])
    buffer = io.BytesIO()
    np.save(buffer, table)
    path = group_state_path(run_dir, repeats)
    path.parent.mkdir(parents=True, exist_ok=True)
    run_directory.replace_file(path, buffer.getvalue())


def read_states(run_dir: Path, repeats: Sequence[int]) -> dict[int, SavedState | None]:
    """Each repeat's latest saved state (None for one never saved), every file checked."""
    return _latest(run_dir, repeats, _read_group)


def saved_epoch(run_dir: Path, repeat: int) -> tuple[int, Path | None]:
    """``repeat``'s last completed epoch (-1: none) and the file recording it; reads only the
    epochs of the group files (memory-mapped), for checks repeated while a run trains."""
    found = _latest(run_dir, [repeat], lambda path: _read_group(path, mmap_mode="r"))[repeat]
    return (-1, None) if found is None else (found.epoch, found.path)


def _latest(run_dir: Path, repeats: Sequence[int],
            read: Callable[[Path], np.ndarray]) -> dict[int, SavedState | None]:
    found: dict[int, SavedState | None] = {}
    for repeat in repeats:
        directory = run_directory.snapshot_dir(run_dir, repeat)
        legacy = read_state(directory)
        found[repeat] = None if legacy is None else SavedState(*legacy, directory / STATE)
    for path, first, last in _group_files(run_dir):
        if not any(first <= repeat <= last for repeat in found):
            continue
        table = read(path)
        for repeat in found:
            if first <= repeat <= last:
                epoch = int(table[repeat - first, 1])
                if found[repeat] is None or epoch > found[repeat].epoch:
                    found[repeat] = SavedState(epoch, np.asarray(table[repeat - first, 2:]),
                                               path)
    return found


def _group_files(run_dir: Path) -> list[tuple[Path, int, int]]:
    """(path, first repeat, last repeat) of every group state file, in name order."""
    folder = run_dir / run_directory.SNAPSHOTS
    if not folder.is_dir():
        return []
    matches = (run_directory.GROUP_STATE_FILE.fullmatch(path.name)
               for path in sorted(folder.iterdir()))
    return [(folder / m.group(0), int(m.group(1)), int(m.group(2))) for m in matches if m]


def _read_group(path: Path, mmap_mode: str | None = None) -> np.ndarray:
    """The table of the group state file ``path``, checked against its name; ValueError naming
    the file when it is damaged. Never unpickles anything."""
    first, last = (int(n) for n in
                   run_directory.GROUP_STATE_FILE.fullmatch(path.name).groups())
    try:
        table = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is damaged ({str(error)[:80]})") from None
    if not (isinstance(table, np.ndarray) and table.dtype == np.float64 and table.ndim == 2
            and table.shape[0] == last - first + 1 and table.shape[1] >= 2):
        raise ValueError(f"{path} is damaged: not a float64 table of repeats {first}..{last} "
                         "(repeat, epoch, optimizer state)")
    repeats, epochs = np.asarray(table[:, 0]), np.asarray(table[:, 1])
    if not (np.array_equal(repeats, np.arange(first, last + 1))
            and np.isfinite(epochs).all() and (epochs == np.floor(epochs)).all()
            and (epochs >= 0).all()):
        raise ValueError(f"{path} is damaged: its rows must be repeats {first}..{last} in "
                         "order, each with an epoch (an integer >= 0)")
    return table
