"""The run directory: created and cleaned up safely, deleted only when it is ours, its files
replaced atomically, its appended tables read without a torn line."""

import json
import os
import shutil
from pathlib import Path

import pytest

from infonet.rundir import directory as run_directory
from infonet.rundir.config import RunConfig
from infonet.rundir.lock import LOCK

CONFIG = RunConfig.from_dict(
    {"dataset": {"name": "tishby", "data_path": None, "train_fraction": 0.8, "shuffle": True,
                 "n_samples": 4096},
     "training": {"hidden": [4], "activation": "tanh", "seed": 0, "epochs": 2}, "repeats": 1})


def _run(directory: Path) -> Path:
    """A run directory as the tool leaves it, plus a file of the user's."""
    repeat = run_directory.snapshot_dir(directory, 0)
    repeat.mkdir(parents=True)
    for name in (*run_directory.SNAPSHOT_FILES, "state.npy.tmp"):  # a kill's leftover too
        (repeat / name).write_text("x")
    for name in ("state-0-0.npy", "state-1-2.npy.tmp"):  # group states, a kill's leftover
        (directory / "snapshots" / name).write_text("x")
    run_directory.write_config(directory, CONFIG)
    for name in (run_directory.METRICS, run_directory.INFORMATION, "information_plane.png"):
        (directory / name).write_text("x")
    (directory / "notes.txt").write_text("mine")
    return directory


def _tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_overwrite_deletes_only_the_files_the_tool_wrote(tmp_path):
    run = _run(tmp_path / "run")
    run_directory.remove_run(run)
    assert _tree(run) == {"notes.txt": b"mine"}


def test_overwrite_removes_a_run_completely_when_nothing_else_is_there(tmp_path):
    run = _run(tmp_path / "run")
    (run / "notes.txt").unlink()
    run_directory.remove_run(run)
    assert list(run.iterdir()) == []


def test_overwrite_refuses_a_plain_folder_and_touches_nothing(tmp_path):
    (tmp_path / "thesis.tex").write_text("years of work")
    (tmp_path / "information.csv").write_text("mine")
    before = _tree(tmp_path)
    with pytest.raises(ValueError, match="not a run directory"):
        run_directory.remove_run(tmp_path)
    assert _tree(tmp_path) == before


def test_overwrite_refuses_a_folder_whose_config_is_not_ours(tmp_path):
    (tmp_path / "config.json").write_text('{"my": "settings"}')
    with pytest.raises(ValueError, match="refusing to delete.*lacks dataset"):
        run_directory.remove_run(tmp_path)
    assert (tmp_path / "config.json").read_text() == '{"my": "settings"}'


def test_overwrite_refuses_snapshots_holding_foreign_files(tmp_path):
    run = _run(tmp_path / "run")
    (run / "snapshots" / "backup.tar").write_text("x")
    before = _tree(run)
    with pytest.raises(ValueError, match="backup.tar"):
        run_directory.remove_run(run)
    assert _tree(run) == before


@pytest.mark.parametrize("where", ["", ".", "..", "~"])
def test_overwrite_refuses_the_current_directory_its_parents_and_home(tmp_path, monkeypatch,
                                                                       where):
    run = _run(tmp_path / "run")
    monkeypatch.chdir(run)
    monkeypatch.setenv("HOME", str(tmp_path))
    before = _tree(tmp_path)
    with pytest.raises(ValueError, match="refusing to delete"):
        run_directory.remove_run(Path(where).expanduser())
    assert _tree(tmp_path) == before


def test_writing_creates_the_directory_and_leaves_no_lock_file(tmp_path):
    with run_directory.writing(tmp_path / "runs" / "new"):
        assert (tmp_path / "runs" / "new" / LOCK).read_text() == f"{os.getpid()}\n"
    assert list((tmp_path / "runs" / "new").iterdir()) == []


def test_a_refused_command_leaves_no_directory_behind(tmp_path):
    with pytest.raises(ValueError, match="refused"), \
            run_directory.writing(tmp_path / "runs" / "new"):
        raise ValueError("refused")
    assert list(tmp_path.iterdir()) == []


def test_a_refused_command_keeps_a_directory_it_did_not_create_as_it_was(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError), run_directory.writing(tmp_path):
        raise ValueError("refused")
    assert _tree(tmp_path) == {"notes.txt": b"mine"}


def test_replace_file_leaves_no_temporary_file(tmp_path):
    run_directory.replace_file(tmp_path / "a.txt", "new")
    run_directory.replace_file(tmp_path / "b.bin", b"\x00\x01")
    assert _tree(tmp_path) == {"a.txt": b"new", "b.bin": b"\x00\x01"}


def test_table_lines_drop_a_torn_last_line(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,")
    assert run_directory.table_lines(tmp_path / "t.csv") == ["a,b", "1,2"]


def test_config_round_trips(tmp_path):
    run_directory.write_config(tmp_path, CONFIG)
    assert run_directory.read_config(tmp_path) == CONFIG


def test_reading_a_directory_without_config_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a run directory"):
        run_directory.read_config(tmp_path)


def test_default_name_holds_dataset_activation_and_shape():
    name = run_directory.default_run_dir("tishby", "tanh", (10, 7)).name
    assert name.startswith("tishby-tanh-10x7-")


def test_a_config_without_the_run_settings_names_what_is_missing(tmp_path):
    (tmp_path / "config.json").write_text('{"dataset": {"name": "tishby"}, "training": {}}')
    with pytest.raises(ValueError, match="lacks dataset.data_path.*training.hidden and 4 more"):
        run_directory.read_config(tmp_path)


def test_written_config_is_sorted_json(tmp_path):
    run_directory.write_config(tmp_path, CONFIG)
    text = (tmp_path / "config.json").read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def _linked_runs(tmp_path: Path, name: str) -> tuple[Path, Path, dict[str, bytes]]:
    """A run whose ``name`` (a file or a folder) is a link to the same one in another run:
    (the run, the other run, the other run's files' bytes)."""
    other, run = _run(tmp_path / "other"), _run(tmp_path / "run")
    if (run / name).is_dir():
        shutil.rmtree(run / name)
    else:
        (run / name).unlink()
    (run / name).symlink_to(other / name)
    return run, other, _tree(other)


@pytest.mark.parametrize("folder", ["snapshots", "snapshots/repeat-0"])
def test_overwrite_refuses_a_linked_folder_and_deletes_nothing(tmp_path, folder):
    run, other, theirs = _linked_runs(tmp_path, folder)
    ours = _tree(run)
    with pytest.raises(ValueError, match=f"refusing to delete .*{folder} is a symbolic link"):
        run_directory.remove_run(run)
    assert _tree(other) == theirs and _tree(run) == ours


@pytest.mark.parametrize("name", ["metrics.csv", "snapshots/repeat-0/weights.bin",
                                  "snapshots/state-0-0.npy", "config.json"])
def test_overwrite_removes_a_linked_file_not_its_target(tmp_path, name):
    run, other, theirs = _linked_runs(tmp_path, name)
    run_directory.remove_run(run)
    assert _tree(other) == theirs
    assert not (run / name).is_symlink() and _tree(run) == {"notes.txt": b"mine"}


def test_overwrite_removes_the_temporary_files_of_a_killed_writer(tmp_path):
    run = _run(tmp_path / "run")
    for name in ("config.json.0123abcd.tmp", "snapshots/state-0-0.npy.89abcdef.tmp",
                 "snapshots/repeat-0/weights.bin.tmp"):
        (run / name).write_text("x")
    run_directory.remove_run(run)
    assert _tree(run) == {"notes.txt": b"mine"}


@pytest.mark.parametrize("name", ["snapshots", "snapshots/repeat-0", "metrics.csv",
                                  "information.csv", "snapshots/repeat-0/weights.bin"])
def test_a_writer_refuses_a_run_whose_folder_or_appended_file_is_a_link(tmp_path, name):
    run, other, theirs = _linked_runs(tmp_path, name)
    with pytest.raises(ValueError, match=f"{name} is a symbolic link"), \
            run_directory.writing(run):
        pass
    assert _tree(other) == theirs


def test_replace_file_never_writes_through_a_planted_temporary_name(tmp_path):
    (tmp_path / "elsewhere.txt").write_text("precious")
    (tmp_path / "config.json.tmp").symlink_to(tmp_path / "elsewhere.txt")
    run_directory.replace_file(tmp_path / "config.json", "new")
    assert (tmp_path / "elsewhere.txt").read_text() == "precious"
    assert (tmp_path / "config.json").read_text() == "new"


def test_replace_file_replaces_a_link_not_its_target(tmp_path):
    (tmp_path / "elsewhere.txt").write_text("precious")
    (tmp_path / "config.json").symlink_to(tmp_path / "elsewhere.txt")
    run_directory.replace_file(tmp_path / "config.json", "new")
    assert (tmp_path / "elsewhere.txt").read_text() == "precious"
    assert not (tmp_path / "config.json").is_symlink()


def test_a_failed_replacement_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    (tmp_path / "figure.png").write_bytes(b"old")
    with pytest.raises(OSError, match="disk full"), \
            run_directory.replacing(tmp_path / "figure.png") as handle:
        handle.write(b"half")
        raise OSError("disk full")
    assert _tree(tmp_path) == {"figure.png": b"old"}


def test_an_appended_file_that_is_a_link_is_refused_naming_it(tmp_path):
    (tmp_path / "elsewhere.bin").write_bytes(b"precious")
    (tmp_path / "weights.bin").symlink_to(tmp_path / "elsewhere.bin")
    with pytest.raises(ValueError, match="weights.bin is a symbolic link"):
        run_directory.open_appended(tmp_path / "weights.bin", "ab")
    assert (tmp_path / "elsewhere.bin").read_bytes() == b"precious"


def test_a_writer_deletes_the_temporary_files_killed_writers_left_but_not_a_pictures(tmp_path):
    run = _run(tmp_path / "run")
    (tmp_path / "elsewhere").write_text("precious")
    (run / "config.json.tmp").symlink_to(tmp_path / "elsewhere")
    (run / "information_plane.png.0123abcd.tmp").write_text("a plot being drawn now")
    before = _tree(run)
    with run_directory.writing(run):
        pass
    left = {name for name in before if name.endswith(".tmp")} - set(_tree(run))
    assert left == {"config.json.tmp", "snapshots/repeat-0/state.npy.tmp",
                    "snapshots/state-1-2.npy.tmp"}
    assert not (run / "config.json.tmp").is_symlink()
    assert (tmp_path / "elsewhere").read_text() == "precious"
    assert (run / "information_plane.png.0123abcd.tmp").exists()
