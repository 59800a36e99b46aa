"""main_data.py end to end: train, snapshot, measure, plot; resume; clear errors with status 2."""

import json

import numpy as np
import pytest

from infonet.cli.command import run_cli
from infonet.rundir.results import read_rows
from main_data import main

SMALL = ["--shape", "4,3", "--epochs", "4", "--jobs", "1", "--no-plot"]


def _run(args, capsys):
    status = run_cli(main, [str(a) for a in args])
    return status, capsys.readouterr().err


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "small"
    assert run_cli(main, [*SMALL, "--out", str(run_dir), "--plot"]) == 0
    return run_dir


def test_a_run_leaves_config_metrics_information_and_a_plane(small_run):
    assert (small_run / "information_plane.png").stat().st_size > 0
    config = json.loads((small_run / "config.json").read_text())
    assert config["training"]["epochs"] == 4 and config["dataset"]["name"] == "tishby"
    assert len((small_run / "metrics.csv").read_text().splitlines()) == 1 + 5


def test_every_layer_of_every_epoch_is_measured_in_bits(small_run):
    rows = read_rows(small_run / "information.csv")
    measured = {(r["epoch"], r["layer"]) for r in rows}
    assert measured == {(e, la) for e in range(5) for la in (1, 2, 3)}
    assert all(0 <= r["i_xt"] <= 12 + 1e-9 and 0 <= r["i_yt"] <= r["h_y"] + 1e-9 for r in rows)


def test_from_run_adds_another_estimator_without_training(small_run, capsys):
    before = (small_run / "metrics.csv").read_text()
    status, _ = _run(["--from-run", small_run, "--estimator", "kde-lower", "--schedule", "log:3",
                      "--jobs", "1", "--no-plot"], capsys)
    assert status == 0 and (small_run / "metrics.csv").read_text() == before
    kde = [r for r in read_rows(small_run / "information.csv") if r["estimator"].startswith("kde")]
    assert {r["epoch"] for r in kde} == {0, 1, 4}


def test_from_run_refuses_flags_that_would_change_training(small_run, capsys):
    status, err = _run(["--from-run", small_run, "--epochs", "9"], capsys)
    assert status == 2 and "--epochs would be ignored" in err


def test_resume_continues_to_the_same_weights_as_an_uninterrupted_run(tmp_path, capsys):
    settings = ["--batch-size", "64", "--learning-rate", "0.01"]
    assert _run([*SMALL, *settings, "--epochs", "2", "--out", tmp_path / "a"], capsys)[0] == 0
    # the stored settings apply on resume; only --epochs is given again
    assert _run([*SMALL, "--epochs", "4", "--out", tmp_path / "a", "--resume"], capsys)[0] == 0
    assert _run([*SMALL, *settings, "--out", tmp_path / "b"], capsys)[0] == 0
    weights = "snapshots/repeat-0/weights.bin"
    assert (tmp_path / "a" / weights).read_bytes() == (tmp_path / "b" / weights).read_bytes()
    table = "information.csv"
    assert (tmp_path / "a" / table).read_text() == (tmp_path / "b" / table).read_text()


def test_resume_without_epochs_keeps_the_stored_length(tmp_path, capsys):
    assert _run([*SMALL, "--epochs", "2", "--out", tmp_path / "a"], capsys)[0] == 0
    args = ["--out", tmp_path / "a", "--resume", "--jobs", "1", "--no-plot"]
    assert _run(args, capsys)[0] == 0
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert config["training"]["epochs"] == 2 and config["training"]["hidden"] == [4, 3]


def test_resume_trains_on_the_runs_own_dataset(tmp_path, capsys):
    assert _run([*SMALL, "--dataset", "tishby-g1", "--epochs", "2", "--out", tmp_path / "g"],
                capsys)[0] == 0
    assert _run([*SMALL, "--epochs", "3", "--out", tmp_path / "g", "--resume"], capsys)[0] == 0
    config = json.loads((tmp_path / "g" / "config.json").read_text())
    assert config["dataset"]["name"] == "tishby-g1" and config["training"]["epochs"] == 3
    assert len((tmp_path / "g" / "metrics.csv").read_text().splitlines()) == 1 + 4


def test_resume_with_a_conflicting_setting_is_refused(tmp_path, capsys):
    assert _run([*SMALL, "--out", tmp_path / "a"], capsys)[0] == 0
    status, err = _run([*SMALL, "--out", tmp_path / "a", "--resume", "--activation", "relu"],
                       capsys)
    assert status == 2 and "cannot resume with different settings: activation" in err


def test_diverged_training_is_reported_with_status_2(tmp_path, capsys):
    status, err = _run([*SMALL, "--activation", "linear", "--optimizer", "sgd",
                        "--learning-rate", "1e30", "--out", tmp_path / "d"], capsys)
    assert status == 2 and "training diverged" in err
    rows = read_rows(tmp_path / "d" / "information.csv")
    assert any(np.isnan(r["i_xt"]) for r in rows)


@pytest.mark.parametrize(("args", "message"), [
    (["--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["--activation", "swish"], "'swish' is not one of"),
    (["--optimizer", "rmsprop"], "'rmsprop' is not one of"),
    (["--shape", "10,,x"], "--shape"),
    (["--epochs", "0"], "--epochs"),
    (["--estimator", "binning:bins=0"], "bins"),
    (["--estimator", "kde-upper:noise_variance=-1"], "noise_variance"),
    (["--estimator", "histogram"], "histogram"),
    (["--schedule", "every:0"], "every:0"),
    (["--dataset", "missing.npz"], "missing.npz"),
    (["--dataset", "mnist"], "--data-path"),
    (["--jobs", "0"], "--jobs must be a positive count"),
    (["--repeats", "0"], "--repeats"),
    (["--estimator", "batching:window=3,binning"], "main_as_if_random.py"),
    (["--no-measure", "--estimator", "kde-upper"], "--estimator would be ignored"),
])
def test_bad_input_gives_one_line_and_status_2(tmp_path, capsys, args, message):
    status, err = _run([*SMALL, "--out", tmp_path / "bad", *args], capsys)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


def test_labels_that_do_not_match_the_inputs_are_named(tmp_path, capsys):
    np.savez(tmp_path / "bad.npz", X=np.zeros((10, 3)), y=np.zeros(9))
    status, err = _run([*SMALL, "--dataset", tmp_path / "bad.npz", "--out", tmp_path / "r"], capsys)
    assert status == 2 and "10" in err and "9" in err


def test_an_existing_run_is_not_touched_without_resume(small_run, capsys):
    before = (small_run / "information.csv").read_text()
    status, err = _run([*SMALL, "--out", small_run], capsys)
    assert status == 2 and "--resume" in err
    assert (small_run / "information.csv").read_text() == before


def test_a_train_and_measure_run_loads_and_splits_its_data_once(tmp_path, monkeypatch):
    from infonet import cli, data

    calls = {"load_dataset": 0, "split_indices": 0}

    def counted(name):
        original = getattr(data.datasets, name)

        def call(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)
        return call

    for name in calls:
        for module in (cli.run_flags, data.run_data):
            monkeypatch.setattr(module, name, counted(name))
    assert run_cli(main, [*SMALL, "--out", str(tmp_path / "run")]) == 0
    assert calls == {"load_dataset": 1, "split_indices": 1}


def test_a_run_extended_with_resume_is_binned_on_its_new_global_range(tmp_path, capsys):
    measured = [*SMALL, "--activation", "relu", "--estimator", "binning:bins=100,range=global"]
    assert _run([*measured, "--epochs", "3", "--out", tmp_path / "a"], capsys)[0] == 0
    assert _run([*measured, "--epochs", "6", "--out", tmp_path / "a", "--resume"], capsys)[0] == 0
    assert _run([*measured, "--epochs", "6", "--out", tmp_path / "b"], capsys)[0] == 0
    table = "information.csv"
    assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()


def test_a_global_range_that_did_not_change_is_not_measured_again(tmp_path, capsys):
    measured = ["--estimator", "binning:bins=100,range=global", "--jobs", "1", "--no-plot"]
    assert _run([*SMALL, *measured, "--epochs", "3", "--out", tmp_path / "a"], capsys)[0] == 0
    before = (tmp_path / "a" / "information.csv").read_bytes()
    assert run_cli(main, [str(a) for a in ["--from-run", tmp_path / "a", *measured]]) == 0
    assert "0 measurements written" in capsys.readouterr().out
    assert (tmp_path / "a" / "information.csv").read_bytes() == before
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert list(config["run_ranges"]["all"]) == ["0"]


def test_an_untrusted_measurement_is_one_warning_line_per_layer(tmp_path, capsys):
    status, err = _run(["--shape", "5,4", "--epochs", "1", "--jobs", "1", "--no-plot",
                        "--samples", "test", "--estimator", "knn:points=256,replicates=2",
                        "--out", tmp_path / "run"], capsys)
    warned = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert status == 0 and len(warned) == 2  # the 5- and 4-unit layers, not the output's 2
    assert all("knn:" in line and "outside its trusted range" in line for line in warned)
    assert "Warning" not in err and "warnings.warn" not in err
