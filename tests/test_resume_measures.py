"""A run remembers what it was asked to measure from the moment it is created: ``--resume``
without measuring flags continues exactly that (estimators, schedule, samples), measuring
flags given with ``--resume`` add to it, and runs from before it was recorded still resume."""

import json
import subprocess
import sys
import time
from pathlib import Path

from infonet.cli.command import run_cli
from infonet.rundir.results import read_rows
from main_data import main

ROOT = Path(__file__).resolve().parents[1]
MODELS = Path(__file__).parent / "model_files" / "networks_for_tests.py"
SMALL = ["--shape", "4,3", "--jobs", "1", "--no-plot"]
KDE = "kde-upper:noise_variance=0.1"


def _measured(run_dir):
    rows = read_rows(run_dir / "information.csv")
    return {r["estimator"] for r in rows}, {r["epoch"] for r in rows}, {r["samples"] for r in rows}


def test_resume_without_measuring_flags_measures_what_the_run_was_created_to_measure(tmp_path):
    run_dir = tmp_path / "run"
    assert run_cli(main, [*SMALL, "--epochs", "4", "--estimator", "kde-upper", "--schedule",
                          "every:2", "--samples", "test", "--out", str(run_dir)]) == 0
    assert run_cli(main, [*SMALL, "--epochs", "6", "--out", str(run_dir), "--resume"]) == 0
    assert _measured(run_dir) == ({KDE}, {0, 2, 4, 6}, {"test"})


def test_a_run_killed_in_training_resumes_to_its_own_measurement(tmp_path):
    command = [sys.executable, str(ROOT / "main_data.py"), *SMALL, "--epochs", "300",
               "--estimator", "kde-upper", "--schedule", "every:100", "--out", "run"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    metrics = tmp_path / "run" / "metrics.csv"
    while process.poll() is None and not (metrics.is_file() and
                                          metrics.read_bytes().count(b"\n") > 5):
        time.sleep(0.005)
    process.kill()
    process.wait()
    assert not (tmp_path / "run" / "information.csv").exists()  # killed before measuring
    done = subprocess.run([*command[:2], *SMALL, "--out", "run", "--resume"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _measured(tmp_path / "run") == ({KDE}, {0, 100, 200, 300}, {"all"})


def test_measuring_flags_given_with_resume_add_to_what_the_run_measures(tmp_path):
    run_dir = tmp_path / "run"
    assert run_cli(main, [*SMALL, "--epochs", "4", "--estimator", "kde-upper", "--schedule",
                          "every:2", "--out", str(run_dir)]) == 0
    assert run_cli(main, [*SMALL, "--estimator", "binning", "--out", str(run_dir),
                          "--resume"]) == 0
    rows = read_rows(run_dir / "information.csv")
    by_estimator = {name: {r["epoch"] for r in rows if r["estimator"] == name}
                    for name in {r["estimator"] for r in rows}}
    assert by_estimator == {KDE: {0, 2, 4},
                            "binning:bins=30,low=-1.0,high=1.0": {0, 2, 4}}  # the run's schedule
    measure = json.loads((run_dir / "config.json").read_text())["measure"]
    assert [m["estimators"] for m in measure] == [[KDE], ["binning:bins=30,low=-1.0,high=1.0"]]
    assert run_cli(main, [*SMALL, "--epochs", "6", "--out", str(run_dir), "--resume"]) == 0
    assert _measured(run_dir)[1] == {0, 2, 4, 6}  # both go on measuring the new epochs


def test_a_model_file_run_resumed_longer_measures_its_new_epochs_with_its_own_estimator(
        tmp_path):
    run_dir = tmp_path / "run"
    flags = ["--dataset", "digits", "--model", f"{MODELS}:small_cnn", "--batch-size", "256",
             "--jobs", "1", "--no-plot", "--out", str(run_dir)]
    assert run_cli(main, [*flags, "--epochs", "2", "--estimator", "kde-upper"]) == 0
    assert run_cli(main, [*flags, "--epochs", "3", "--resume"]) == 0
    estimators, epochs, _ = _measured(run_dir)
    assert estimators == {KDE} and epochs == {0, 1, 2, 3}


def test_a_run_from_before_the_measure_record_resumes_with_the_commands_flags(tmp_path):
    run_dir = tmp_path / "run"
    assert run_cli(main, [*SMALL, "--epochs", "2", "--no-measure", "--out", str(run_dir)]) == 0
    config = json.loads((run_dir / "config.json").read_text())
    del config["measure"]
    (run_dir / "config.json").write_text(json.dumps(config))
    assert run_cli(main, [*SMALL, "--estimator", "kde-upper", "--out", str(run_dir),
                          "--resume"]) == 0
    assert _measured(run_dir)[:2] == ({KDE}, {0, 1, 2})
