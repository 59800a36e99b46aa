"""Kill -9 at random points of training and measuring, resume, and get the uninterrupted run's
files byte for byte; a reader checking a run while it trains sees consistent files; two
writers on one run directory lose or duplicate no row.

Each command runs as its own process, started in its own folder with the same relative
``--out``, so even the command line recorded in config.json is the same. Kill points are drawn
from a seeded generator, as thresholds of progress (rows in metrics.csv during training, rows
in information.csv during measuring), so every kill lands inside the work it targets.
"""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from infonet.rundir import directory as run_directory
from infonet.rundir.checks import check_repeat
from infonet.rundir.results import read_rows, row_key
from infonet.rundir.snapshots import metrics_rows

ROOT = Path(__file__).resolve().parents[1]
ESTIMATORS = ["--estimator", "binning", "--estimator", "kde-upper"]


EPOCHS = 20


def _command(epochs=EPOCHS, measure=True):
    return [sys.executable, str(ROOT / "main_data.py"), "--shape", "4,3", "--epochs",
            str(epochs), "--jobs", "1", "--no-plot", "--out", "run",
            *(ESTIMATORS if measure else ["--no-measure"])]


def _start(folder, args):
    return subprocess.Popen(args, cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _lines(path):
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _tree(directory):
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _uninterrupted(folder, epochs):
    folder.mkdir()
    done = subprocess.run(_command(epochs), cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return _tree(folder / "run")


def _kill_when(process, path, rows):
    """Kill ``process`` with SIGKILL once ``path`` holds ``rows`` lines; False if it ended."""
    while process.poll() is None:
        if _lines(path) >= rows:
            process.kill()
            process.wait()
            return True
        time.sleep(0.002)
    return False


def _killed_and_resumed(folder, epochs, kills, seed):
    """Run the command, killing it ``kills`` times at random points; return the final tree
    and how many kills landed in training and in measuring."""
    folder.mkdir()
    rng = np.random.default_rng(seed)
    run = folder / "run"
    landed = {"training": 0, "measuring": 0}
    layer_epochs = 3 * (epochs + 1) * 2  # layers x epochs x estimators
    for k in range(kills):
        resume = ["--resume"] if (run / "config.json").exists() else []
        process = _start(folder, _command(epochs) + resume)
        if k % 2 == 0 and _lines(run / "metrics.csv") < epochs + 1:
            target, rows, phase = run / "metrics.csv", rng.integers(2, epochs + 1), "training"
        else:
            target, rows = run / "information.csv", rng.integers(2, layer_epochs)
            phase = "measuring"
        if _kill_when(process, target, rows):
            landed[phase] += 1
    resume = ["--resume"] if (run / "config.json").exists() else []
    done = subprocess.run(_command(epochs) + resume, cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return _tree(run), landed


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The files of the run made without interruption."""
    return _uninterrupted(tmp_path_factory.mktemp("clean") / "run", EPOCHS)


def _check_byte_for_byte(tmp_path, clean, epochs, kills, seed):
    killed, landed = _killed_and_resumed(tmp_path / "killed", epochs, kills, seed)
    assert landed["training"] >= 1 and landed["measuring"] >= 1, landed
    assert sorted(killed) == sorted(clean)
    assert [name for name in clean if killed[name] != clean[name]] == []


def test_runs_killed_while_training_and_measuring_resume_to_the_same_bytes(tmp_path, clean):
    _check_byte_for_byte(tmp_path, clean, EPOCHS, kills=2, seed=0)


@pytest.mark.slow
def test_runs_killed_many_times_resume_to_the_same_bytes(tmp_path):
    clean = _uninterrupted(tmp_path / "clean", 300)
    _check_byte_for_byte(tmp_path, clean, 300, kills=10, seed=1)


def _read_while_running(process, run_dir):
    """Check the run's files as a reader does, again and again while ``process`` trains it;
    returns how many checks saw saved epochs (each must pass: no torn row, no mismatch)."""
    checked = 0
    while process.poll() is None:
        if not (run_dir / "metrics.csv").exists():
            time.sleep(0.002)
            continue
        config = run_directory.read_config(run_dir)
        checked += check_repeat(run_dir, config, 0) >= 0
        metrics_rows(run_dir / "metrics.csv")
    return checked


@pytest.fixture(scope="module")
def read_while_trained(tmp_path_factory):
    """(folder of a run trained without measuring, checks a reader made while it trained)."""
    folder = tmp_path_factory.mktemp("shared")
    training = _start(folder, _command(measure=False))
    checked = _read_while_running(training, folder / "run")
    assert training.wait() == 0, training.stderr.read()
    return folder, checked


def test_a_reader_sees_consistent_files_while_a_run_trains(read_while_trained):
    assert read_while_trained[1] > 0


def test_two_writers_on_one_run_lose_and_duplicate_no_row(read_while_trained, clean):
    folder = read_while_trained[0]
    measure = [sys.executable, str(ROOT / "main_data.py"), "--from-run", "run", "--jobs", "1",
               "--no-plot", *ESTIMATORS]
    first = _start(folder, measure)
    while _lines(folder / "run" / "information.csv") < 2:  # the first writer holds the run
        assert first.poll() is None, first.stderr.read()
        time.sleep(0.002)
    refused = subprocess.run(measure, cwd=folder, capture_output=True, text=True)
    waiting = subprocess.run(measure + ["--wait"], cwd=folder, capture_output=True, text=True)
    assert first.wait() == 0, first.stderr.read()
    assert refused.returncode == 2
    assert f"being written by process {first.pid}" in refused.stderr
    assert waiting.returncode == 0 and f"waiting for process {first.pid}" in waiting.stderr
    keys = [row_key(row) for row in read_rows(folder / "run" / "information.csv")]
    assert len(keys) == len(set(keys)) == 3 * (EPOCHS + 1) * 2
    assert (folder / "run" / "information.csv").read_bytes() == clean["information.csv"]


def _children(pid):
    """Process ids of ``pid``'s children (Linux /proc); none once it has ended."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def _command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _alive(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def test_the_workers_of_a_killed_command_end_within_seconds(tmp_path):
    process = _start(tmp_path, [sys.executable, str(ROOT / "main_data.py"), "--shape", "10,7,5",
                                "--epochs", "300", "--estimator", "kde-upper", "--jobs", "2",
                                "--no-plot", "--out", "run"])
    table = tmp_path / "run" / "information.csv"
    workers = []
    while process.poll() is None and not (workers and _lines(table) > 3):
        workers = [c for c in _children(process.pid)
                   if "loky" in _command_line(c) and "resource_tracker" not in _command_line(c)]
        time.sleep(0.01)
    assert workers, "the command ended before its workers were seen"
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_alive, workers))
