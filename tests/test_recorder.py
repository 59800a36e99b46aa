"""RunRecorder: a user's own model.fit recorded as a run directory that every command reads."""

import gc
import json
from pathlib import Path

import keras
import numpy as np
import pytest

import main_as_if_random
import main_data
import main_movie
import main_plot
from infonet.cli.command import run_cli
from infonet.data.datasets import load_dataset, split_indices
from infonet.networks import RunRecorder
from infonet.networks.keras_training import build_seeded
from infonet.networks.model_file import ModelFile
from infonet.rundir.lock import RunLocked, locked
from infonet.rundir.results import read_rows

MODELS = Path(__file__).parent / "model_files" / "networks_for_tests.py"
BINS = "binning:bins=30,range=layer"
EPOCHS = 2


def _fit(run_dir: Path, epochs: int = EPOCHS, **recorder: object) -> keras.Model:
    """small_cnn trained by a plain model.fit on digits' seeded 80% split, recorded."""
    digits = load_dataset("digits")
    train, test = split_indices(len(digits.y), 0.8, 0)
    model = build_seeded(ModelFile(MODELS, "small_cnn"), 64, 10, 0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(digits.X[train], digits.y[train], epochs=epochs, batch_size=128, verbose=0,
              validation_data=(digits.X[test], digits.y[test]),
              callbacks=[RunRecorder(run_dir, x=digits.X, y=digits.y, **recorder)])
    return model


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "recorded"
    _fit(run_dir)
    return run_dir


def test_the_recorder_writes_the_samples_config_every_epoch_and_the_fit_metrics(recorded):
    config = json.loads((recorded / "config.json").read_text())
    assert config["dataset"]["name"] == "recorded" and config["dataset"]["n_samples"] == 1797
    assert config["training"]["epochs"] == EPOCHS and config["training"]["model"] is None
    assert config["training"]["layers"] == ["conv", "norm", "pool", "dense", "output"]
    lines = (recorded / "metrics.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["0", "1", "2"]
    assert "nan" in lines[1] and "nan" not in lines[2]
    with np.load(recorded / "samples.npz", allow_pickle=False) as samples:
        assert samples["X"].shape == (1797, 64) and samples["y"].shape == (1797,)


def test_a_recorded_run_measures_as_the_same_model_trained_by_main_data(recorded, tmp_path):
    """Both runs start from the same weights and are measured on the same samples, so epoch 0
    gives the same rows; later epochs differ because model.fit orders batches its own way."""
    measure = ["--estimator", BINS, "--estimator", "kde-upper", "--jobs", "1", "--no-plot"]
    assert run_cli(main_data.main, [*measure, "--from-run", str(recorded)]) == 0
    trained = tmp_path / "trained"
    assert run_cli(main_data.main, [*measure, "--dataset", "digits", "--model",
                                    f"{MODELS}:small_cnn", "--epochs", str(EPOCHS),
                                    "--out", str(trained)]) == 0
    rows = read_rows(recorded / "information.csv")
    other = read_rows(trained / "information.csv")
    assert [r for r in rows if r["epoch"] == 0] == [r for r in other if r["epoch"] == 0]
    assert {(r["epoch"], r["layer_name"], r["estimator"]) for r in rows} == {
        (r["epoch"], r["layer_name"], r["estimator"]) for r in other}


def test_plots_movies_and_batching_work_on_a_recorded_run(recorded, tmp_path):
    assert run_cli(main_as_if_random.main, [str(recorded), "--window", "2", "--step", "1",
                                            "--jobs", "1"]) == 0
    assert run_cli(main_plot.main, [str(recorded), "-o", str(tmp_path / "plane.png")]) == 0
    assert run_cli(main_movie.main, [str(recorded), "-o", str(tmp_path / "plane.gif")]) == 0
    assert (tmp_path / "plane.png").stat().st_size and (tmp_path / "plane.gif").stat().st_size


def test_a_recorded_run_cannot_be_resumed_by_main_data(recorded, capsys):
    status = run_cli(main_data.main, ["--out", str(recorded), "--resume"])
    assert status == 2 and "recorded by RunRecorder" in capsys.readouterr().err


def test_the_recorder_holds_the_runs_lock_while_fit_runs(tmp_path):
    seen = []

    class TryLock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            with pytest.raises(RunLocked), locked(tmp_path / "run"):
                pass
            seen.append(epoch)

    digits = load_dataset("digits")
    model = build_seeded(ModelFile(MODELS, "small_cnn"), 64, 10, 0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(digits.X, digits.y, epochs=1, verbose=0,
              callbacks=[RunRecorder(tmp_path / "run", x=digits.X, y=digits.y), TryLock()])
    assert seen == [0] and not (tmp_path / "run" / "writer.lock").exists()


def test_the_recorder_refuses_a_directory_holding_a_run(recorded):
    with pytest.raises(ValueError, match="already exists"):
        _fit(recorded, epochs=1)


def test_the_recorder_measures_the_layers_it_is_given(tmp_path):
    _fit(tmp_path / "run", epochs=1, layers=["pool", "dense"])
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["training"]["layers"] == ["pool", "dense"]


class _Boom(Exception):
    pass


class _FailAfterFirstEpoch(keras.callbacks.Callback):
    """A user's callback that fails inside fit, after the recorder recorded epoch 1."""

    def on_epoch_end(self, epoch, logs=None):
        raise _Boom("the user's callback failed")


def _digits_model():
    digits = load_dataset("digits")
    model = build_seeded(ModelFile(MODELS, "small_cnn"), 64, 10, 0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return digits, model


def _can_lock(run_dir: Path) -> bool:
    try:
        with locked(run_dir):
            return True
    except RunLocked:
        return False


def test_a_failure_inside_the_recorder_releases_the_lock_at_once(tmp_path):
    digits, model = _digits_model()
    recorder = RunRecorder(tmp_path / "run", x=digits.X, y=digits.y + 10)  # labels past 9
    with pytest.raises(ValueError, match="the model has 10 classes"):
        model.fit(digits.X, digits.y, epochs=1, verbose=0, callbacks=[recorder])
    assert _can_lock(tmp_path / "run")


def test_a_recorder_used_as_a_with_block_releases_the_lock_when_fit_fails(tmp_path):
    digits, model = _digits_model()
    with pytest.raises(_Boom), RunRecorder(tmp_path / "run", x=digits.X, y=digits.y) as recorder:
        model.fit(digits.X, digits.y, epochs=2, verbose=0,
                  callbacks=[recorder, _FailAfterFirstEpoch()])
    assert _can_lock(tmp_path / "run")


def test_a_recorder_garbage_collected_after_a_failed_fit_releases_the_lock(tmp_path):
    digits, model = _digits_model()
    try:
        model.fit(digits.X, digits.y, epochs=2, verbose=0,
                  callbacks=[RunRecorder(tmp_path / "run", x=digits.X, y=digits.y),
                             _FailAfterFirstEpoch()])
    except _Boom:
        pass
    gc.collect()
    assert _can_lock(tmp_path / "run")


def test_fitting_again_after_a_failed_fit_goes_on_recording(tmp_path):
    digits, model = _digits_model()
    recorder = RunRecorder(tmp_path / "run", x=digits.X, y=digits.y)
    with pytest.raises(_Boom):
        model.fit(digits.X, digits.y, epochs=2, verbose=0,
                  callbacks=[recorder, _FailAfterFirstEpoch()])
    model.fit(digits.X, digits.y, epochs=1, verbose=0, callbacks=[recorder])
    lines = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["0", "1", "2"]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["training"]["epochs"] == 2
    assert _can_lock(tmp_path / "run")


def test_recorded_samples_lacking_classes_are_measured_with_the_models_classes(tmp_path):
    """The model has 10 outputs; the recorded digits lack classes 3 and 9. The run's classes
    are the model's, the labels stay as recorded, and the run measures."""
    digits = load_dataset("digits")
    kept = (digits.y != 3) & (digits.y != 9)
    X, y = digits.X[kept], digits.y[kept]
    model = build_seeded(ModelFile(MODELS, "small_cnn"), 64, 10, 0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, verbose=0, callbacks=[RunRecorder(tmp_path / "run", x=X, y=y)])
    assert run_cli(main_data.main, ["--from-run", str(tmp_path / "run"), "--estimator", BINS,
                                    "--jobs", "1", "--no-plot"]) == 0
    rows = read_rows(tmp_path / "run" / "information.csv")
    assert {r["epoch"] for r in rows} == {0, 1}
    from infonet.networks import open_run

    assert np.array_equal(open_run(tmp_path / "run").y, y)


def test_the_recorder_refuses_a_model_measuring_cannot_rebuild_before_writing(tmp_path):
    digits = load_dataset("digits")
    model = build_seeded(ModelFile(MODELS, "with_lambda"), 64, 10, 0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="measuring cannot rebuild the model"):
        model.fit(digits.X, digits.y, epochs=1, verbose=0,
                  callbacks=[RunRecorder(tmp_path / "run", x=digits.X, y=digits.y)])
    assert not list((tmp_path / "run").iterdir())
