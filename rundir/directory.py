"""The run directory: where one experiment's files live, and how they are written and removed.

Layout::

    RUN_DIR/config.json            everything needed to reproduce the run, and a record of
                                   every measurement made on it (schema: rundir.config)
    RUN_DIR/metrics.csv            loss and accuracy per repeat and epoch (networks.train)
    RUN_DIR/information.csv        one row per measurement (rundir.results)
    RUN_DIR/snapshots/repeat-R/    the weights of every epoch of repeat R (rundir.snapshots)
    RUN_DIR/snapshots/state-F-L.npy  the training state of repeats F..L, trained together
                                   (rundir.group_state)
    RUN_DIR/samples.npz            only in a run recorded by RunRecorder: its samples
    RUN_DIR/information_plane.png  drawn by main_data.py when it has measured (plotting.plane)
    RUN_DIR/writer.lock            while a process writes the run: its id (rundir.lock)

Lives here: the file names, ``replace_file`` (the one atomic write every file goes through),
``table_lines`` (the complete lines of an appended table), creating a run directory and
``remove_run`` (which deletes only the files this tool writes, in a directory it recognises as
its own). Not here: what config.json must hold (``rundir.config``), the lock
(``rundir.lock``), training or measuring.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from rundir.config import RunConfig, brief
from rundir.lock import LOCK, locked

CONFIG = "config.json"
METRICS = "metrics.csv"
INFORMATION = "information.csv"
SNAPSHOTS = "snapshots"
RECORDED = "recorded"
"""The dataset name of a run recorded by ``networks.recorder.RunRecorder``."""
RECORDED_SAMPLES = "samples.npz"
"""Where a recorded run keeps its measured samples: arrays X (N, D) float32 and y (N,)."""
FIGURES = ("information_plane.png", "information_curves.png", "metrics.png",
           "information_plane.gif")
"""Pictures the commands write into a run directory by default."""
SNAPSHOT_FILES = ("layout.json", "weights.bin", "state.npy")
"""Files in a repeat's folder (``state.npy`` only in runs from before repeats were grouped)."""
GROUP_STATE_FILE = re.compile(r"state-(\d+)-(\d+)\.npy")
"""Names of the group state files in ``snapshots/`` (``rundir.group_state``)."""
TEMPORARY = ".tmp"
"""Suffix of the file ``replace_file`` writes before renaming it into place."""


def snapshot_dir(run_dir: Path, repeat: int) -> Path:
    """The folder holding repeat ``repeat``'s weight snapshots."""
    return run_dir / SNAPSHOTS / f"repeat-{repeat}"


def default_run_dir(dataset: str, activation: str, hidden: tuple[int, ...]) -> Path:
    """``runs/<dataset>-<activation>-<shape>-<timestamp>`` under the current directory."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(dataset).stem)
    shape = "".join(f"-{'x'.join(str(w) for w in hidden)}" for _ in hidden[:1])
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{stem}-{activation}{shape}-{stamp}"


def replace_file(path: Path, content: str | bytes) -> None:
    """Replace ``path``'s content atomically (temporary file + ``os.replace``): a reader, or a
    job killed half-way, sees the old content or the new, never a mix."""
    tmp = path.with_name(path.name + TEMPORARY)
    if isinstance(content, str):
        tmp.write_text(content)
    else:
        tmp.write_bytes(content)
    os.replace(tmp, path)


def table_lines(path: Path) -> list[str]:
    """The complete lines of a table that is appended to (no line ends): a torn last line,
    left by a killed writer or being written right now, is not returned."""
    return path.read_text().split("\n")[:-1]


def write_config(run_dir: Path, config: RunConfig) -> None:
    """Write config.json atomically."""
    replace_file(run_dir / CONFIG, config.to_json())


def read_config(run_dir: Path) -> RunConfig:
    """The run's configuration, its values' types checked and complete (``RunConfig``); a
    clear error when there is none."""
    path = run_dir / CONFIG
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory: it holds no {CONFIG}")
    return RunConfig.from_json(path.read_text(), path)


@contextmanager
def writing(run_dir: Path, wait: bool = False,
            announce: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``run_dir``'s writers' lock inside the block, creating the directory if needed.

    A directory this call created is removed again (with the folders created for it) when the
    block fails before anything was written into it: a refused command leaves no trace.
    The lock file exists only while the lock is held (``rundir.lock``).
    """
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"run directory {run_dir} is a file")
    created = [p for p in (run_dir, *run_dir.parents) if not p.exists()]
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        with locked(run_dir, wait, announce):
            yield
    except BaseException:
        for folder in created:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise


def has_files(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds anything besides the writers' lock file."""
    return run_dir.is_dir() and any(p.name != LOCK for p in run_dir.iterdir())


def remove_run(run_dir: Path) -> None:
    """Delete the run in ``run_dir``: only the files this tool writes, never anything else.

    Refused (ValueError, nothing touched) unless ``run_dir`` is recognisably a run directory
    (a config.json of this tool's schema, and nothing in snapshots/ but repeat folders and
    group state files), and never for the current directory, one of its parents, the home
    directory or the root.
    Files the tool did not write stay, and so do the folders holding them; the lock file stays
    (its holder is the caller).
    """
    _refuse_to_delete(run_dir)
    snapshots = run_dir / SNAPSHOTS
    repeats = sorted(snapshots.glob("repeat-*")) if snapshots.is_dir() else []
    for folder in repeats:
        _remove_files(folder, SNAPSHOT_FILES)
        _remove_folder_if_empty(folder)
    if snapshots.is_dir():
        _remove_files(snapshots, [p.name.removesuffix(TEMPORARY) for p in snapshots.iterdir()
                                  if _is_group_state(p)])
        _remove_folder_if_empty(snapshots)
    _remove_files(run_dir, (CONFIG, METRICS, INFORMATION, RECORDED_SAMPLES, *FIGURES))


def _refuse_to_delete(run_dir: Path) -> None:
    here = Path.cwd().resolve()
    target = run_dir.resolve()
    if target == here or target in here.parents or \
            target == Path.home().resolve() or target == Path(target.anchor):
        raise ValueError(f"refusing to delete {run_dir}: it is the current "
                         "directory, one of its parents, the home directory or the root")
    if not (run_dir / CONFIG).is_file():
        raise ValueError(f"refusing to delete {run_dir}: it is not a run directory (it holds "
                         f"no {CONFIG}); remove it yourself if you mean to")
    try:
        RunConfig.from_json((run_dir / CONFIG).read_text(), run_dir / CONFIG)
    except ValueError as error:
        raise ValueError(f"refusing to delete {run_dir}: {error}") from None
    snapshots = run_dir / SNAPSHOTS
    strange = [p.name for p in snapshots.iterdir()
               if not (p.is_dir() and re.fullmatch(r"repeat-\d+", p.name)
                       or _is_group_state(p))] \
        if snapshots.is_dir() else []
    if snapshots.exists() and not snapshots.is_dir() or strange:
        raise ValueError(f"refusing to delete {run_dir}: {snapshots} holds "
                         f"{brief(strange) or 'a file'}, not this tool's snapshots")


def _is_group_state(path: Path) -> bool:
    """Whether ``path`` is a group state file, or the temporary file of one."""
    name = path.name.removesuffix(TEMPORARY)
    return path.is_file() and GROUP_STATE_FILE.fullmatch(name) is not None


def _remove_files(folder: Path, names: Sequence[str]) -> None:
    for name in names:
        for path in (folder / name, folder / (name + TEMPORARY)):
            if path.is_file() or path.is_symlink():
                path.unlink()


def _remove_folder_if_empty(folder: Path) -> None:
    if not any(folder.iterdir()):
        folder.rmdir()
