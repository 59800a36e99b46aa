"""What resuming needs of repeats trained together: their optimizer states, one file per group.

``RUN_DIR/snapshots/state-<first>-<last>.npy`` holds a float64 array (R, 2 + S), one row per
repeat of the group trained together: the repeat, its last completed epoch, then its
optimizer's variables flattened as ``networks.snapshots.write_state`` stores them (Adam's step
count, learning rate, moments; all exact in float64). It is replaced atomically (temporary
file + ``os.replace``) after every epoch, once for the whole group: one file write per epoch
instead of one per repeat, and a kill leaves the repeats of a group at the epochs they had
together, so the group resumes as one. Runs trained before repeats were grouped have
``snapshots/repeat-R/state.npy`` per repeat instead (``networks.snapshots``); ``read_states``
reads both kinds, and for each repeat the latest epoch found wins (a group file written after
its repeats were regrouped supersedes the older one). No TensorFlow here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from networks import run_directory
from networks.snapshots import read_state

State = tuple[int, np.ndarray]
"""(last completed epoch, the optimizer's flat float64 state)."""


def group_state_path(run_dir: Path, repeats: Sequence[int]) -> Path:
    """The state file of the group of ``repeats`` (consecutive, first to last)."""
    return run_dir / "snapshots" / f"state-{repeats[0]}-{repeats[-1]}.npy"


def write_group_state(run_dir: Path, repeats: Sequence[int], epochs: Sequence[int],
                      states: np.ndarray) -> None:
    """Atomically record each repeat's last completed epoch and optimizer state (R, S)."""
    path = group_state_path(run_dir, repeats)
    table = np.column_stack([np.asarray(repeats, np.float64), np.asarray(epochs, np.float64),
                             np.asarray(states, np.float64)])
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.save(handle, table)
    os.replace(tmp, path)


def read_states(run_dir: Path, repeats: Sequence[int]) -> dict[int, State | None]:
    """Each repeat's latest saved (epoch, optimizer state); None for one never saved."""
    found: dict[int, State | None] = {
        repeat: read_state(run_directory.snapshot_dir(run_dir, repeat)) for repeat in repeats}
    for path in sorted((run_dir / "snapshots").glob("state-*-*.npy")):
        table = np.load(path, allow_pickle=False)
        if table.ndim != 2 or table.shape[1] < 2:
            raise ValueError(f"cannot resume: {path} is not a group's training state")
        for row in table:
            repeat, epoch = int(row[0]), int(row[1])
            if repeat in found and (found[repeat] is None or epoch > found[repeat][0]):
                found[repeat] = (epoch, row[2:])
    return found
