"""What happens when things go wrong, end to end through the commands: every refusal is one
short ``error:`` line with exit status 2 and leaves every byte on disk as it was."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import main_as_if_random
import main_data
import main_movie
import main_plot
from infonet.cli.command import MAX_ERROR, run_cli
from infonet.rundir import directory as run_directory
from tests.test_lock import _holder

SMALL = ["--shape", "4,3", "--epochs", "4", "--jobs", "1", "--no-plot"]
REPEAT = "snapshots/repeat-0"
STATE = "snapshots/state-0-0.npy"
"""The training state of the run's one group (repeat 0)."""


def _tree(directory):
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _refused(capsys, command, *args, naming=""):
    """Run ``command``; assert it gave one short error line naming ``naming`` and status 2."""
    status = run_cli(command, [str(a) for a in args])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and len(err) <= MAX_ERROR + 8
    assert naming in err, err
    return err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("trained") / "run"
    assert run_cli(main_data.main, [*SMALL, "--out", str(run_dir)]) == 0
    return run_dir


@pytest.fixture
def run(trained, tmp_path):
    """A fresh copy of a small trained and measured run."""
    return shutil.copytree(trained, tmp_path / "run")


# --- deleting --------------------------------------------------------------------------------

def test_overwrite_refuses_a_plain_folder(tmp_path, capsys):
    (tmp_path / "thesis.tex").write_text("years of work")
    _refused(capsys, main_data.main, *SMALL, "--out", tmp_path, "--overwrite",
             naming="not a run directory")
    assert _tree(tmp_path) == {"thesis.tex": b"years of work"}


def test_overwrite_refuses_the_current_directory(run, capsys, monkeypatch):
    monkeypatch.chdir(run)
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--out", ".", "--overwrite",
             naming="current directory")
    assert _tree(run) == before


def test_an_empty_out_path_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _refused(capsys, main_data.main, *SMALL, "--out", "", "--overwrite", naming="empty path")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_a_run_and_keeps_the_users_files(run, capsys):
    (run / "notes.txt").write_text("mine")
    assert run_cli(main_data.main, [*SMALL, "--epochs", "2", "--out", str(run),
                                    "--overwrite"]) == 0
    assert (run / "notes.txt").read_text() == "mine"
    assert json.loads((run / "config.json").read_text())["training"]["epochs"] == 2


# --- links inside a run are never followed -------------------------------------------------

@pytest.fixture
def other(trained, tmp_path):
    """Another run for links to point at, and its files' bytes."""
    path = shutil.copytree(trained, tmp_path / "other")
    return path, _tree(path)


def _link(run, name, other_run):
    """Make ``run``'s ``name`` (a file or a folder) a link to the same one in ``other_run``."""
    path = run / name
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    path.symlink_to(other_run / name)


@pytest.mark.parametrize("name", ["snapshots", REPEAT, "metrics.csv", f"{REPEAT}/weights.bin"])
def test_overwrite_refuses_a_run_whose_folder_or_appended_file_is_a_link(run, other, capsys,
                                                                          name):
    other_run, theirs = other
    _link(run, name, other_run)
    ours = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--out", run, "--overwrite",
             naming=f"{name} is a symbolic link")
    assert _tree(other_run) == theirs and _tree(run) == ours and (run / name).is_symlink()


def test_overwrite_removes_a_linked_config_not_its_target(run, other):
    other_run, theirs = other
    _link(run, "config.json", other_run)
    assert run_cli(main_data.main, [*SMALL, "--epochs", "2", "--out", str(run),
                                    "--overwrite"]) == 0
    assert _tree(other_run) == theirs and not (run / "config.json").is_symlink()


@pytest.mark.parametrize("name", ["metrics.csv", f"{REPEAT}/weights.bin", "information.csv"])
def test_resuming_or_measuring_refuses_an_appended_file_that_is_a_link(run, other, capsys,
                                                                        name):
    other_run, theirs = other
    _link(run, name, other_run)
    ours = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "6", "--out", run, "--resume",
             naming=f"{name} is a symbolic link")
    _refused(capsys, main_data.main, "--from-run", run, "--jobs", "1", "--no-plot",
             naming=f"{name} is a symbolic link")
    assert _tree(other_run) == theirs and _tree(run) == ours


def test_a_lock_file_that_is_a_link_is_refused(run, tmp_path, capsys):
    (tmp_path / "elsewhere").write_text("precious")
    (run / run_directory.LOCK).symlink_to(tmp_path / "elsewhere")
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "6", "--out", run, "--resume",
             naming=f"{run_directory.LOCK} is a symbolic link")
    assert (tmp_path / "elsewhere").read_text() == "precious" and _tree(run) == before


def test_links_planted_at_temporary_names_are_never_written_through(run, tmp_path):
    """Resuming replaces config.json, the group state and information.csv; a link planted
    where an earlier version put their temporary files is left alone."""
    names = ["config.json.tmp", f"{STATE}.tmp", "information.csv.tmp", "metrics.csv.tmp"]
    for i, name in enumerate(names):
        (tmp_path / f"elsewhere{i}").write_text("precious")
        (run / name).symlink_to(tmp_path / f"elsewhere{i}")
    assert run_cli(main_data.main, [*SMALL, "--epochs", "6", "--out", str(run),
                                    "--resume"]) == 0
    assert [(tmp_path / f"elsewhere{i}").read_text() for i in range(len(names))] == \
        ["precious"] * len(names)
    assert json.loads((run / "config.json").read_text())["training"]["epochs"] == 6


# --- validate first, then change files ----------------------------------------------------

@pytest.mark.parametrize("state", [STATE, f"{REPEAT}/state.npy"],
                         ids=["group state", "state of a run from before grouping"])
def test_a_damaged_state_fails_resume_without_truncating_the_weights(run, capsys, state):
    (run / state).write_bytes(b"\x93NUMPY garbage")
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "9", "--out", run, "--resume",
             naming=state.split("/")[-1])
    assert _tree(run) == before


def test_a_group_state_of_other_repeats_fails_resume_without_changing_files(run, capsys):
    table = np.load(run / STATE)
    table[0, 0] = 3
    np.save(run / STATE, table)
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "9", "--out", run, "--resume",
             naming="state-0-0.npy is damaged")
    assert _tree(run) == before


def test_an_optimizer_state_of_the_wrong_size_fails_resume_without_changing_files(run, capsys):
    np.save(run / STATE, np.array([[0.0, 4.0, 1.0, 2.0]]))
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "9", "--out", run, "--resume",
             naming="optimizer state")
    assert _tree(run) == before


def test_resuming_a_run_without_a_test_set_to_measure_test_samples_is_refused_first(
        tmp_path, capsys):
    run = tmp_path / "run"
    assert run_cli(main_data.main, [*SMALL, "--train-fraction", "1", "--no-measure",
                                    "--out", str(run)]) == 0
    capsys.readouterr()
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "6", "--samples", "test", "--out", run,
             "--resume", naming="the test set is empty")
    assert _tree(run) == before


def _claim_epoch(run, epoch):
    """Make the group state claim ``epoch`` as repeat 0's last completed epoch."""
    table = np.load(run / STATE)
    table[0, 1] = epoch
    np.save(run / STATE, table)


def test_a_state_claiming_epochs_past_the_weights_is_refused(run, capsys):
    _claim_epoch(run, 9)
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "12", "--out", run, "--resume",
             naming="state-0-0.npy records epoch 9")
    _refused(capsys, main_data.main, "--from-run", run, "--jobs", "1", "--no-plot",
             naming="state-0-0.npy records epoch 9")
    assert _tree(run) == before


def test_a_state_far_behind_the_weights_is_refused_not_used_to_truncate(run, capsys):
    _claim_epoch(run, 1)
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--out", run, "--resume", naming="state-0-0.npy")
    assert _tree(run) == before


def test_a_refused_resume_leaves_config_json_byte_identical(run, capsys):
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "9", "--activation", "relu",
             "--out", run, "--resume", naming="cannot resume with different settings")
    assert _tree(run) == before


def test_a_refused_measurement_is_not_recorded(run, capsys):
    (run / "information.csv").write_text((run / "information.csv").read_text() + "0,1,2\n")
    before = _tree(run)
    _refused(capsys, main_data.main, "--from-run", run, "--estimator", "kde-upper",
             "--jobs", "1", "--no-plot", naming="information.csv line")
    assert _tree(run) == before


def test_resume_refuses_metrics_missing_saved_epochs(run, capsys):
    lines = (run / "metrics.csv").read_text().splitlines(keepends=True)
    (run / "metrics.csv").write_text("".join(lines[:3]))
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "6", "--out", run, "--resume",
             naming="metrics.csv lacks epochs")
    assert _tree(run) == before


# --- every file read from a run directory is checked -------------------------------------

@pytest.mark.parametrize(("text", "naming"), [
    ("[]", "config.json is not a run's configuration"),
    ("null", "config.json is not a run's configuration"),
    ('{"training": 5}', "training must be an object"),
    ('{"dataset": {"name": "tis', "config.json is not valid JSON"),
])
def test_a_damaged_config_is_one_line_for_every_command(run, capsys, text, naming):
    (run / "config.json").write_text(text)
    before = _tree(run)
    _refused(capsys, main_data.main, "--from-run", run, "--no-plot", naming=naming)
    _refused(capsys, main_data.main, *SMALL, "--out", run, "--resume", naming=naming)
    _refused(capsys, main_as_if_random.main, run, "--window", "2", naming=naming)
    _refused(capsys, main_plot.main, run, "-o", run.parent / "p.png", naming=naming)
    assert _tree(run) == before


def test_a_huge_repeat_count_gives_a_short_error(run, capsys):
    config = json.loads((run / "config.json").read_text())
    config["repeats"] = 90000
    (run / "config.json").write_text(json.dumps(config))
    _refused(capsys, main_data.main, "--from-run", run, "--no-plot",
             naming="lacks snapshots")


def test_a_layout_that_does_not_match_the_config_is_named(run, capsys):
    (run / REPEAT / "layout.json").write_text('{"sizes": [12, 3, 4, 2], "activation": "tanh"}')
    _refused(capsys, main_data.main, "--from-run", run, "--no-plot", naming="layout.json")


def test_a_damaged_layout_is_named(run, capsys):
    (run / REPEAT / "layout.json").write_text('{"sizes": "12"}')
    _refused(capsys, main_data.main, "--from-run", run, "--no-plot",
             naming="layout.json is damaged")


def test_weights_of_a_finished_run_must_be_whole_rows(run, capsys):
    with open(run / REPEAT / "weights.bin", "ab") as handle:
        handle.write(b"\x00" * 7)
    _refused(capsys, main_data.main, "--from-run", run, "--no-plot", naming="weights.bin")


def test_a_short_information_row_is_named_by_the_plot(run, capsys):
    lines = (run / "information.csv").read_text().splitlines()
    lines[3] = ",".join(lines[3].split(",")[:5])
    (run / "information.csv").write_text("\n".join(lines) + "\n")
    _refused(capsys, main_plot.main, run, "-o", run.parent / "p.png",
             naming="information.csv line 4")
    _refused(capsys, main_movie.main, run, "-o", run.parent / "m.gif",
             naming="information.csv line 4")


def test_a_short_metrics_row_is_named_by_the_plot(run, capsys):
    lines = (run / "metrics.csv").read_text().splitlines()
    lines[2] = "0,1,0.5"
    (run / "metrics.csv").write_text("\n".join(lines) + "\n")
    _refused(capsys, main_plot.main, run, "--kind", "metrics", "-o", run.parent / "p.png",
             naming="metrics.csv line 3")


def test_a_torn_last_row_is_not_read_by_plots(run, capsys):
    with open(run / "information.csv", "a") as handle:
        handle.write("0,4,1,4,binning:bins=30,low=-1.0,high=1.0,0.1")
    assert run_cli(main_plot.main, [str(run), "-o", str(run.parent / "p.png")]) == 0


# --- parameters and flags out of range ----------------------------------------------------

def test_an_overflowing_bin_count_is_refused(run, capsys):
    before = _tree(run)
    _refused(capsys, main_data.main, "--from-run", run, "--no-plot", "--estimator",
             "binning:bins=100000000000000000000", naming="bins must be an integer")
    assert _tree(run) == before


def test_an_infinite_bin_width_is_refused(capsys, tmp_path):
    _refused(capsys, main_data.main, *SMALL, "--out", tmp_path / "r", "--estimator",
             "binning:low=-1e308,high=1e308", naming="finite width")
    assert list(tmp_path.iterdir()) == []


def test_a_network_too_large_for_memory_is_one_line(tmp_path, capsys):
    _refused(capsys, main_data.main, *SMALL, "--shape", "100000000,100000000",
             "--out", tmp_path / "r", naming="needs at least")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("flag", "value"), [("--fps", "0.001"), ("--fps", "nan"),
                                             ("--fps", "1e308"), ("--duration", "inf")])
def test_a_movie_rate_out_of_range_is_one_line(run, capsys, flag, value):
    _refused(capsys, main_movie.main, run, flag, value, "-o", run.parent / "m.gif",
             naming=flag)


def test_training_flags_errors_propagate_their_exit_status(tmp_path, capsys):
    _refused(capsys, main_as_if_random.main, tmp_path / "r", "--window", "2", "--train",
             "--epochs abc", naming="--epochs")


# --- one writer at a time -------------------------------------------------------------------

def test_a_second_writer_is_refused_naming_the_first(run, capsys):
    holder = _holder(run, 60)
    try:
        before = _tree(run)
        for command, args in ((main_data.main, ["--from-run", run, "--no-plot"]),
                              (main_data.main, [*SMALL, "--out", run, "--resume"]),
                              (main_as_if_random.main, [run, "--window", "2"])):
            _refused(capsys, command, *args, naming=f"process {holder.pid}")
        assert _tree(run) == before
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_with_wait_goes_on_when_the_first_ends(run, capsys):
    holder = _holder(run, 1)
    status = run_cli(main_data.main, ["--from-run", str(run), "--no-plot", "--jobs", "1",
                                      "--estimator", "kde-upper", "--wait"])
    holder.wait()
    assert status == 0 and f"waiting for process {holder.pid}" in capsys.readouterr().err


def test_readers_do_not_need_the_lock(run, capsys):
    holder = _holder(run, 60)
    try:
        assert run_cli(main_plot.main, [str(run), "-o", str(run.parent / "p.png")]) == 0
    finally:
        holder.kill()
        holder.wait()


# --- nothing is unpickled -------------------------------------------------------------------

class _Marker:
    """Unpickling this creates the file ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_a_hostile_npz_creates_no_marker_file(tmp_path, capsys):
    marker = tmp_path / "pwned"
    hostile = np.array([_Marker(marker)] * 4, dtype=object)
    np.savez(tmp_path / "hostile.npz", X=hostile, y=np.array([0, 1, 0, 1]))
    _refused(capsys, main_data.main, *SMALL, "--dataset", tmp_path / "hostile.npz",
             "--out", tmp_path / "r", naming="hostile.npz")
    assert not marker.exists()


def test_a_hostile_state_creates_no_marker_file(run, tmp_path, capsys):
    marker = tmp_path / "pwned"
    np.save(run / STATE, np.array([_Marker(marker)], dtype=object), allow_pickle=True)
    _refused(capsys, main_data.main, *SMALL, "--epochs", "6", "--out", run, "--resume",
             naming="state-0-0.npy")
    assert not marker.exists()


def test_no_module_loads_user_files_with_pickle_allowed():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = subprocess.run(["grep", "-rnE", "allow_pickle=True|pickle\\.load|joblib\\.load",
                            "--include=*.py", "information", "networks", "plotting",
                            *[f for f in os.listdir(root) if f.startswith("main_")]],
                           cwd=root, capture_output=True, text=True).stdout
    assert found == ""


def test_run_directory_files_are_named_in_one_place():
    assert run_directory.LOCK == "writer.lock" and sys.platform != "win32"


def test_a_column_a_user_added_to_information_csv_is_kept_and_the_measurement_refused(run,
                                                                                   capsys):
    table = run / "information.csv"
    lines = table.read_text().splitlines()
    table.write_text("\n".join([lines[0] + ",note", *(line + ",mine" for line in lines[1:])])
                     + "\n")
    before = _tree(run)
    _refused(capsys, main_data.main, "--from-run", run, "--estimator", "kde-upper",
             "--jobs", "1", "--no-plot", naming="columns this tool does not write (note)")
    assert _tree(run) == before


def test_a_finished_run_whose_optimizer_states_were_removed_is_measured_not_resumed(run,
                                                                                   capsys):
    for state in (run / "snapshots").glob("state-*.npy"):
        state.unlink()
    assert run_cli(main_data.main, ["--from-run", str(run), "--estimator", "kde-upper",
                                    "--jobs", "1", "--no-plot"]) == 0
    capsys.readouterr()
    before = _tree(run)
    _refused(capsys, main_data.main, *SMALL, "--out", run, "--resume", "--epochs", "6",
             naming="no training state records an epoch of repeat-0")
    assert _tree(run) == before


# --- a bad environment -----------------------------------------------------------------------

@pytest.mark.parametrize(("variable", "command"), [
    (("KERAS_BACKEND", "jax"), ["main_data.py", *SMALL, "--out", "{new}"]),
    (("MPLBACKEND", "nope"), ["main_plot.py", "{run}", "-o", "{new}.png"]),
    (("MPLBACKEND", "nope"), ["main_data.py", "--from-run", "{run}", "--estimator", "kde-upper",
                              "--jobs", "1"]),
])
def test_a_bad_backend_variable_is_one_error_line_naming_it_and_changes_nothing(
        run, tmp_path, variable, command):
    before = _tree(run)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    new = tmp_path / "new"
    done = subprocess.run([sys.executable, *(str(a).format(run=run, new=new) for a in command)],
                          cwd=root, env={**os.environ, variable[0]: variable[1]},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert f"{variable[0]}={variable[1]!r}" in done.stderr
    assert _tree(run) == before and not list(tmp_path.glob("new*"))
