"""The run directory: where one experiment's files live, and how they are written and removed.

Layout::

    RUN_DIR/config.json            everything needed to reproduce the run, and a record of
                                   every measurement made on it (schema: rundir.config)
    RUN_DIR/metrics.csv            loss and accuracy per repeat and epoch (networks.train)
    RUN_DIR/information.csv        one row per measurement (rundir.results)
    RUN_DIR/snapshots/repeat-R/    the weights of every epoch of repeat R (rundir.snapshots),
                                   or a recorded run's activations of every epoch
    RUN_DIR/snapshots/state-F-L.npy  the training state of repeats F..L, trained together
                                   (rundir.group_state)
    RUN_DIR/samples.npz            only in a run recorded by RunRecorder: its samples
    RUN_DIR/information_plane.png  drawn by main_data.py when it has measured (plotting.plane)
    RUN_DIR/writer.lock            while a process writes the run: its id (rundir.lock)

Lives here: the file names, ``replace_file`` and ``replacing`` (the one atomic write every
file goes through), ``open_appended`` (the one way a table or weights file is opened to grow),
``table_lines`` (the complete lines of an appended table), creating a run directory and
``remove_run`` (which deletes only the files this tool writes, in a directory it recognises as
its own). Not here: what config.json must hold (``rundir.config``), the lock
(``rundir.lock``), training or measuring.

Nothing here follows a symbolic link inside a run directory (RUN_DIR itself may be one): a
replaced file's temporary is a new file under a fresh name, created exclusively, and the
rename replaces a link at the name rather than its target; an appended file that is a link,
and a folder of the run that is one, are refused; deleting removes a link, never what it
points to.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO

from infonet.rundir.config import RunConfig, brief
from infonet.rundir.lock import LOCK, locked

CONFIG = "config.json"
METRICS = "metrics.csv"
INFORMATION = "information.csv"
SNAPSHOTS = "snapshots"
RECORDED = "recorded"
"""The dataset name of a run recorded by ``networks.recorder.RunRecorder``."""
RECORDED_SAMPLES = "samples.npz"
"""Where a recorded run keeps its measured samples: arrays X (N, D) float32 and y (N,)."""
DATA_FILES = (CONFIG, METRICS, INFORMATION, RECORDED_SAMPLES)
"""The files at the top of a run directory that only its writers (holding the lock) write."""
FIGURES = ("information_plane.png", "information_curves.png", "metrics.png",
           "information_plane.gif")
"""Pictures the commands write into a run directory by default."""
WEIGHTS = "weights.bin"
"""The file in a repeat's folder that grows by one row of weights per epoch."""
ACTIVATIONS = "activations.bin"
"""The file that grows instead in a repeat's folder of a run of recorded activations
(``networks.activation_recorder``): one row of the measured layers' outputs per epoch."""
SNAPSHOT_FILES = ("layout.json", WEIGHTS, ACTIVATIONS, "state.npy")
"""Files in a repeat's folder (``state.npy`` only in runs from before repeats were grouped,
and in recorded runs)."""
GROUP_STATE_FILE = re.compile(r"state-(\d+)-(\d+)\.npy")
"""Names of the group state files in ``snapshots/`` (``rundir.group_state``)."""
TEMPORARY = ".tmp"
"""Suffix of the file ``replacing`` writes before renaming it into place: ``NAME.XXXXXXXX.tmp``
(eight random hex digits; ``NAME.tmp`` in runs written by earlier versions)."""
_TEMPORARY_NAME = re.compile(r"(.+?)(?:\.[0-9a-f]{8})?" + re.escape(TEMPORARY))


def snapshot_dir(run_dir: Path, repeat: int) -> Path:
    """The folder holding repeat ``repeat``'s weight snapshots."""
    return run_dir / SNAPSHOTS / f"repeat-{repeat}"


def default_run_dir(dataset: str, activation: str, hidden: tuple[int, ...]) -> Path:
    """``runs/<dataset>-<activation>-<shape>-<timestamp>`` under the current directory."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(dataset).stem)
    shape = "".join(f"-{'x'.join(str(w) for w in hidden)}" for _ in hidden[:1])
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{stem}-{activation}{shape}-{stamp}"


@contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A new file, open for writing in binary, that replaces ``path`` atomically when the block
    ends (``os.replace``): a reader, or a job killed half-way, sees the old content or the new,
    never a mix. When the block fails the new file is deleted and ``path`` is left as it was.

    The new file is created exclusively under a fresh name beside ``path`` (``NAME.XXXXXXXX.tmp``,
    permissions as the umask says), so neither a leftover temporary nor a link planted at such
    a name is ever opened; a link at ``path`` itself is replaced, its target left alone.
    """
    while True:
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}{TEMPORARY}")
        try:
            handle = open(tmp, "xb")
            break
        except FileExistsError:
            continue
    try:
        with handle:
            yield handle
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def replace_file(path: Path, content: str | bytes) -> None:
    """Replace ``path``'s content atomically with ``content`` (text is written as UTF-8)."""
    with replacing(path) as handle:
        handle.write(content.encode() if isinstance(content, str) else content)


def refuse_link(path: Path) -> None:
    """A ValueError naming ``path`` when it is a symbolic link: a file that grows (a table,
    weights.bin, the lock) is never written through one."""
    if path.is_symlink():
        raise ValueError(f"{path} is a symbolic link: a run's files are never written through "
                         "a link; replace the link by the file or remove it")


def open_appended(path: Path, mode: str) -> IO:
    """``path`` opened to grow (created when absent) in ``mode`` ``a``, ``ab`` or ``a+``,
    never through a symbolic link (``refuse_link``), so that appending never changes a file
    outside the run. Text is UTF-8, its line ends written as given."""
    access = os.O_RDWR if "+" in mode else os.O_WRONLY
    try:
        fd = os.open(path, access | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK):
            refuse_link(path)
        raise
    return os.fdopen(fd, mode) if "b" in mode else os.fdopen(fd, mode, encoding="utf-8",
                                                             newline="")


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
    The lock file exists only while the lock is held (``rundir.lock``). A run whose folders
    or appended files (metrics.csv, information.csv, weights.bin) are symbolic links is refused
    before the block runs: writing through them would change files outside the run. The
    temporary files killed writers left of the run's data are deleted, so that a resumed run
    ends with the files of one never killed.
    """
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"run directory {run_dir} is a file")
    created = [p for p in (run_dir, *run_dir.parents) if not p.exists()]
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        with locked(run_dir, wait, announce):
            links = _linked_folders(run_dir) or [path for path in _appended_files(run_dir)
                                                 if path.is_symlink()]
            if links:
                raise ValueError(f"{links[0]} is a symbolic link to {os.readlink(links[0])}: "
                                 "a run's folders and the files it appends to must be its own "
                                 "(link RUN_DIR itself to keep a run elsewhere)")
            _remove_temporaries(run_dir)
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
    directory or the root, nor when snapshots/ or a repeat folder is a symbolic link.
    Files the tool did not write stay, and so do the folders holding them; the lock file stays
    (its holder is the caller). A file of the tool's that is a link is removed as a link: what
    it points to stays.
    """
    _refuse_to_delete(run_dir)
    snapshots = run_dir / SNAPSHOTS
    repeats = sorted(snapshots.glob("repeat-*")) if snapshots.is_dir() else []
    for folder in repeats:
        _remove_files(folder, SNAPSHOT_FILES)
        _remove_folder_if_empty(folder)
    if snapshots.is_dir():
        _remove_files(snapshots, _group_state_names(snapshots))
        _remove_folder_if_empty(snapshots)
    _remove_files(run_dir, (*DATA_FILES, *FIGURES))


def _remove_temporaries(run_dir: Path) -> None:
    """Delete the temporary files of the run's data that killed writers left (only the lock's
    holder makes them; a picture's may be a plot being drawn right now, and stays)."""
    snapshots = run_dir / SNAPSHOTS
    for folder in sorted(snapshots.glob("repeat-*")):
        if folder.is_dir():
            _remove_files(folder, SNAPSHOT_FILES, temporaries_only=True)
    if snapshots.is_dir():
        _remove_files(snapshots, _group_state_names(snapshots), temporaries_only=True)
    _remove_files(run_dir, DATA_FILES, temporaries_only=True)


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
    links = _linked_folders(run_dir)
    if links:
        raise ValueError(f"refusing to delete {run_dir}: {links[0]} is a symbolic link to "
                         f"{os.readlink(links[0])}; nothing was deleted")
    snapshots = run_dir / SNAPSHOTS
    strange = [p.name for p in snapshots.iterdir()
               if not (p.is_dir() and re.fullmatch(r"repeat-\d+", p.name)
                       or _is_group_state(p))] \
        if snapshots.is_dir() else []
    if snapshots.exists() and not snapshots.is_dir() or strange:
        raise ValueError(f"refusing to delete {run_dir}: {snapshots} holds "
                         f"{brief(strange) or 'a file'}, not this tool's snapshots")


def _linked_folders(run_dir: Path) -> list[Path]:
    """The folders of the run (snapshots/ and its repeat folders) that are symbolic links."""
    snapshots = run_dir / SNAPSHOTS
    return [folder for folder in (snapshots, *sorted(snapshots.glob("repeat-*")))
            if folder.is_symlink()]


def _appended_files(run_dir: Path) -> list[Path]:
    """The files of the run that grow by appending: the two tables and each weights.bin (or
    activations.bin)."""
    repeats = sorted((run_dir / SNAPSHOTS).glob("repeat-*"))
    return [run_dir / METRICS, run_dir / INFORMATION,
            *(folder / name for folder in repeats for name in (WEIGHTS, ACTIVATIONS))]


def _written_name(name: str) -> str:
    """The file a temporary file of ``replacing`` named ``name`` was to become; other names
    as they are."""
    match = _TEMPORARY_NAME.fullmatch(name)
    return match.group(1) if match else name


def _group_state_names(snapshots: Path) -> list[str]:
    """The group state files in ``snapshots``, and those their temporary files were to be."""
    return [_written_name(p.name) for p in snapshots.iterdir() if _is_group_state(p)]


def _is_group_state(path: Path) -> bool:
    """Whether ``path`` is a group state file, or the temporary file of one."""
    return path.is_file() and GROUP_STATE_FILE.fullmatch(_written_name(path.name)) is not None


def _remove_files(folder: Path, names: Sequence[str], temporaries_only: bool = False) -> None:
    """Delete the files ``names`` in ``folder`` and their temporary files (with
    ``temporaries_only``, only those); a link is removed itself, never followed."""
    for path in folder.iterdir():
        wanted = _written_name(path.name) in names and not (temporaries_only
                                                            and path.name in names)
        if wanted and (path.is_file() or path.is_symlink()):
            path.unlink()


def _remove_folder_if_empty(folder: Path) -> None:
    if not any(folder.iterdir()):
        folder.rmdir()
