"""main_as_if_random.py: Batching windows over a saved run, written to its information.csv."""

import pytest

from infonet.cli.command import run_cli
from infonet.rundir.results import read_rows
from main_as_if_random import main as batching_main
from main_data import main as data_main


def _run(command, args, capsys):
    status = run_cli(command, [str(a) for a in args])
    return status, capsys.readouterr().err


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "run"
    args = ["--shape", "4,3", "--epochs", "6", "--jobs", "1", "--no-plot", "--no-measure",
            "--out", str(run_dir)]
    assert run_cli(data_main, args) == 0
    return run_dir


def _batching_rows(run_dir):
    return [r for r in read_rows(run_dir / "information.csv")
            if r["estimator"].startswith("batching")]


def test_sliding_windows_write_one_row_per_layer_and_window(saved_run, capsys):
    status, _ = _run(batching_main, [saved_run, "--window", "3", "--step", "2", "--jobs", "1"],
                     capsys)
    assert status == 0
    rows = _batching_rows(saved_run)
    assert {(r["epoch"], r["epoch_last"]) for r in rows} == {(0, 2), (2, 4), (4, 6)}
    assert len(rows) == 3 * 3
    assert all(0 <= r["i_xt"] <= r["h_x"] + 1e-9 and r["i_yt"] <= r["h_y"] + 1e-9 for r in rows)


def test_explicit_ranges_sharing_an_epoch_both_work(saved_run, capsys):
    status, _ = _run(batching_main, [saved_run, "--ranges", "1-3,3-5", "--estimator",
                                     "binning:bins=10", "--jobs", "1"], capsys)
    assert status == 0
    windows = {(r["epoch"], r["epoch_last"]) for r in _batching_rows(saved_run)
               if "bins=10," in r["estimator"]}
    assert windows == {(1, 3), (3, 5)}


def test_a_window_of_one_epoch_equals_the_plain_estimator(saved_run, capsys):
    assert _run(batching_main, [saved_run, "--window", "1", "--last", "2", "--jobs", "1"],
                capsys)[0] == 0
    assert _run(data_main, ["--from-run", saved_run, "--schedule", "every:1", "--jobs", "1",
                            "--no-plot"], capsys)[0] == 0
    rows = read_rows(saved_run / "information.csv")
    plain = {(r["epoch"], r["layer"]): (r["i_xt"], r["i_yt"]) for r in rows
             if r["estimator"] == "binning:bins=30,low=-1.0,high=1.0"}
    pooled = {(r["epoch"], r["layer"]): (r["i_xt"], r["i_yt"]) for r in rows
              if r["estimator"] == "batching:window=1,binning:bins=30,low=-1.0,high=1.0"}
    assert pooled and all(pooled[k] == plain[k] for k in pooled)


def test_train_first_then_measure(tmp_path, capsys):
    run_dir = tmp_path / "fresh"
    status, _ = _run(batching_main, [run_dir, "--train", "--shape 3 --epochs 3 --jobs 1",
                                     "--window", "2", "--jobs", "1"], capsys)
    assert status == 0
    assert {(r["epoch"], r["epoch_last"]) for r in _batching_rows(run_dir)} == {(0, 1), (2, 3)}


@pytest.mark.parametrize(("flags", "message"), [
    ("--out elsewhere", "--train trains RUN_DIR: --out would be ignored"),
    ("--estimator kde-upper", "--no-measure: --estimator would be ignored"),
    ("--epochs zero", "'zero' is not a valid integer"),
    ("--epochs '3", "--train"),
])
def test_bad_training_flags_are_one_line_and_nothing_is_written(tmp_path, capsys, flags,
                                                                 message):
    status, err = _run(batching_main, [tmp_path / "fresh", "--train", flags, "--window", "2"],
                       capsys)
    assert status == 2 and len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "fresh").exists()


def test_a_run_trained_first_is_locked_from_training_to_measuring(tmp_path, capsys,
                                                                  monkeypatch):

    from infonet import rundir
    taken = []
    locked = rundir.lock.locked

    def counted(*args, **kwargs):
        taken.append(args[0])
        return locked(*args, **kwargs)

    monkeypatch.setattr("infonet.rundir.directory.locked", counted)
    status, _ = _run(batching_main, [tmp_path / "fresh", "--train", "--shape 3 --epochs 2",
                                     "--window", "2", "--jobs", "1"], capsys)
    assert status == 0 and taken == [tmp_path / "fresh"]  # one lock, held throughout


@pytest.mark.parametrize(("args", "message"), [
    (["--window", "3", "--ranges", "1-2"], "either --window"),
    ([], "either --window"),
    (["--ranges", "5-2"], "first <= last"),
    (["--ranges", "1-x"], "--ranges must be"),
    (["--ranges", "0-99"], "past the last saved epoch 6"),
    (["--window", "0"], "window must be at least 1"),
    (["--window", "20"], "does not fit"),
    (["--window", "2", "--estimator", "kde-upper:noise_variance=0"], "noise_variance"),
    (["--window", "2", "--jobs", "0"], "--jobs must be a positive count"),
    (["--ranges", "1-2", "--step", "3"], "--ranges lists the windows itself"),
    (["--window", "2", "--first", "-2"], "--first"),
    (["--window", "2", "--estimator", "batching:window=2,binning"], "under Batching"),
])
def test_bad_windows_give_one_line_and_status_2(saved_run, capsys, args, message):
    status, err = _run(batching_main, [saved_run, *args], capsys)
    assert status == 2 and err.count("\n") == 1 and message in err


def test_windows_of_a_diverged_run_are_reported_with_status_2(tmp_path, capsys):
    run_dir = tmp_path / "diverged"
    args = ["--shape", "3", "--epochs", "3", "--activation", "linear", "--optimizer", "sgd",
            "--learning-rate", "1e30", "--no-measure", "--no-plot", "--out", run_dir]
    assert _run(data_main, args, capsys)[0] == 0
    status, err = _run(batching_main, [run_dir, "--window", "2", "--jobs", "1"], capsys)
    assert status == 2 and "training diverged" in err


def test_a_directory_without_a_run_is_named(tmp_path, capsys):
    status, err = _run(batching_main, [tmp_path, "--window", "2"], capsys)
    assert status == 2 and "is not a run directory" in err


def test_batching_rows_are_plotted_and_animated_like_any_others(saved_run, tmp_path, capsys):
    from main_movie import main as movie_main
    from main_plot import main as plot_main

    assert _run(batching_main, [saved_run, "--window", "2", "--jobs", "1"], capsys)[0] == 0
    picked = ["--estimator", "batching:window=2"]
    assert _run(plot_main, [saved_run, *picked, "-o", tmp_path / "plane.png"], capsys)[0] == 0
    assert _run(movie_main, [saved_run, *picked, "-o", tmp_path / "plane.gif"], capsys)[0] == 0
    from PIL import Image

    with Image.open(tmp_path / "plane.gif") as gif:
        assert gif.n_frames == 3  # windows starting at epochs 0, 2, 4


def test_batching_over_a_global_range_is_measured_again_when_the_run_is_extended(tmp_path,
                                                                                capsys):
    train = ["--shape", "4,3", "--activation", "relu", "--jobs", "1", "--no-plot",
             "--no-measure"]
    batching = ["--window", "2", "--estimator", "binning:bins=100,range=global", "--jobs", "1"]
    extended, whole = tmp_path / "extended", tmp_path / "whole"
    assert _run(data_main, [*train, "--epochs", "3", "--out", extended], capsys)[0] == 0
    assert _run(batching_main, [extended, *batching], capsys)[0] == 0
    assert _run(data_main, [*train, "--epochs", "6", "--out", extended, "--resume"],
                capsys)[0] == 0
    assert _run(batching_main, [extended, *batching], capsys)[0] == 0
    assert _run(data_main, [*train, "--epochs", "6", "--out", whole], capsys)[0] == 0
    assert _run(batching_main, [whole, *batching], capsys)[0] == 0
    table = "information.csv"
    assert (extended / table).read_bytes() == (whole / table).read_bytes()


def test_a_measurement_failing_before_its_first_row_leaves_every_file_as_it_was(tmp_path,
                                                                              capsys):
    run_dir = tmp_path / "run"
    assert run_cli(data_main, ["--shape", "4,3", "--epochs", "2", "--jobs", "1", "--no-plot",
                               "--no-measure", "--out", str(run_dir)]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
    status, err = _run(batching_main, [run_dir, "--window", "2", "--estimator", "knn",
                                       "--jobs", "1"], capsys)  # 2 noisy points per input <= k
    assert status == 2 and err.splitlines()[-1].startswith("error: ") and "raise draws" in err
    assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()} == before
