"""networks.train: every epoch is saved, runs are reproducible, and resuming changes nothing."""

import shutil
import subprocess
import sys
import time
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from networks import run_directory
from networks.forward import layer_activations
from networks.model import build_model
from networks.snapshots import METRICS_COLUMNS, STATE, WEIGHTS, SnapshotReader, read_state
from networks.train import TrainingConfig, epoch_order, train_repeat

BITS = 8
N_TRAIN = 200
CONFIG = TrainingConfig(hidden=(4, 3), batch_size=64, epochs=6, learning_rate=0.01)
"""200 training samples in batches of 64: three full batches and one of 8 per epoch."""
LONG = replace(CONFIG, epochs=400)


def patterns(labels: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """All 2**BITS binary patterns with random 0/1 labels, split 200 train / 56 test."""
    X = ((np.arange(2**BITS)[:, None] >> np.arange(BITS - 1, -1, -1)) & 1).astype(np.float32)
    y = np.random.default_rng(0).integers(0, 2, len(X)) if labels is None else labels
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def train(run_dir, config=CONFIG, repeat=0, resume=False, data=None):
    train_repeat(*(data or patterns()), config, run_dir, repeat, resume=resume, progress=False)
    return run_dir


def weights_bytes(run_dir, repeat=0):
    return (run_directory.snapshot_dir(run_dir, repeat) / WEIGHTS).read_bytes()


def metrics_text(run_dir):
    return (run_dir / run_directory.METRICS).read_text()


def snapshots(run_dir, repeat=0):
    return SnapshotReader(run_directory.snapshot_dir(run_dir, repeat))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted 6-epoch run (read only)."""
    return train(tmp_path_factory.mktemp("reference"))


@pytest.fixture
def copy_of_reference(reference, tmp_path):
    return shutil.copytree(reference, tmp_path / "copy")


# what a run saves


def test_epochs_0_to_E_are_saved(reference):
    assert snapshots(reference).n_epochs == CONFIG.epochs + 1


def test_epoch_0_is_the_initial_network(reference):
    initial = build_model(BITS, CONFIG.hidden, 2, seed=CONFIG.seed).get_weights()
    saved = [a for pair in snapshots(reference).params(0) for a in pair]
    for a, b in zip(saved, initial, strict=True):
        np.testing.assert_array_equal(a, b)


def test_training_changes_the_weights_every_epoch(reference):
    rows = [snapshots(reference).params(e)[0][0] for e in range(CONFIG.epochs + 1)]
    assert all(not np.array_equal(a, b) for a, b in pairwise(rows))


def test_metrics_have_the_header_and_a_row_per_epoch(reference):
    lines = [line.split(",") for line in metrics_text(reference).splitlines()]
    assert lines[0] == list(METRICS_COLUMNS)
    assert [(r[0], r[1]) for r in lines[1:]] == [("0", str(e)) for e in range(7)]


@pytest.mark.parametrize("epoch", [0, 6])
def test_metrics_describe_the_saved_network(reference, epoch):
    row = metrics_text(reference).splitlines()[1 + epoch].split(",")
    params = snapshots(reference).params(epoch)
    X_train, y_train, X_test, y_test = patterns()
    for X, y, (loss, accuracy) in ((X_train, y_train, row[2:4]), (X_test, y_test, row[4:6])):
        p = layer_activations(params, X, "tanh")[-1].astype(np.float64)
        assert float(loss) == pytest.approx(-np.log(p[np.arange(len(y)), y]).mean(), rel=1e-5)
        assert float(accuracy) == pytest.approx((p.argmax(axis=1) == y).mean())


def test_an_epoch_takes_one_step_per_batch_including_the_last_partial_one(reference):
    iterations = read_state(run_directory.snapshot_dir(reference, 0))[1][0]  # Keras's first
    assert iterations == CONFIG.epochs * 4                                   # optimizer variable


def test_batch_size_0_takes_one_full_batch_step_per_epoch(tmp_path):
    config = TrainingConfig(hidden=(4, 3), batch_size=0, epochs=2)
    train(tmp_path, config)
    assert read_state(run_directory.snapshot_dir(tmp_path, 0))[1][0] == 2


def test_an_empty_test_set_gives_nan_test_metrics(tmp_path):
    X_train, y_train, _, _ = patterns()
    config = TrainingConfig(hidden=(3,), epochs=1)
    train(tmp_path, config, data=(X_train, y_train, X_train[:0], y_train[:0]))
    rows = [line.split(",") for line in metrics_text(tmp_path).splitlines()[1:]]
    assert [r[4:] for r in rows] == [["nan", "nan"]] * 2


def test_training_learns_a_separable_rule(tmp_path):
    X, _, _, _ = patterns()
    labels = np.concatenate([X[:, 0], np.ones(2**BITS - N_TRAIN, np.float32)]).astype(int)
    config = TrainingConfig(hidden=(3,), epochs=30, learning_rate=0.05)
    train(tmp_path, config, data=patterns(labels))
    assert float(metrics_text(tmp_path).splitlines()[-1].split(",")[3]) == 1.0


def test_divergence_warns_once_and_training_goes_on(tmp_path):
    config = TrainingConfig(hidden=(3,), activation="linear", optimizer="sgd",
                            learning_rate=1e30, epochs=3)
    with pytest.warns(RuntimeWarning, match="repeat 0 diverged at epoch") as caught:
        train(tmp_path, config)
    assert len(caught) == 1
    reader = snapshots(tmp_path)
    assert reader.n_epochs == 4
    assert not np.isfinite(reader.params(3)[0][0]).all()


# reproducibility and resuming


def test_same_seed_gives_an_identical_weights_file(reference, tmp_path):
    assert weights_bytes(train(tmp_path)) == weights_bytes(reference)


def test_repeat_r_is_trained_with_seed_plus_r(tmp_path):
    config = TrainingConfig(hidden=(3,), epochs=2, seed=5)
    train(tmp_path / "a", config, repeat=1)
    train(tmp_path / "b", TrainingConfig(hidden=(3,), epochs=2, seed=6), repeat=0)
    assert weights_bytes(tmp_path / "a", repeat=1) == weights_bytes(tmp_path / "b")


def test_resuming_a_shorter_run_equals_the_uninterrupted_run(reference, tmp_path):
    train(tmp_path, replace(CONFIG, epochs=3))
    train(tmp_path, resume=True)
    assert weights_bytes(tmp_path) == weights_bytes(reference)
    assert metrics_text(tmp_path) == metrics_text(reference)


def test_resuming_after_a_kill_drops_what_followed_the_last_state(reference, tmp_path):
    train(tmp_path, replace(CONFIG, epochs=3))
    with open(run_directory.snapshot_dir(tmp_path, 0) / WEIGHTS, "ab") as handle:
        handle.write(np.ones(30, "<f4").tobytes())  # epoch 4's row and a torn fifth
    with open(tmp_path / run_directory.METRICS, "a") as handle:
        handle.write("0,4,1.0,1.0,1.0,1.0\n0,5,0.")
    train(tmp_path, resume=True)
    assert weights_bytes(tmp_path) == weights_bytes(reference)
    assert metrics_text(tmp_path) == metrics_text(reference)


@pytest.mark.slow
def test_a_process_killed_mid_run_resumes_to_the_uninterrupted_result(tmp_path):
    code = ("import sys; from pathlib import Path; from tests.test_train import train, LONG; "
            "train(Path(sys.argv[1]), LONG)")
    killed = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "killed")],
                              cwd=Path(__file__).parents[1], stderr=subprocess.DEVNULL)
    metrics = tmp_path / "killed" / run_directory.METRICS
    while not metrics.exists() or len(metrics.read_text().splitlines()) < 100:
        assert killed.poll() is None, "training ended before it could be killed"
        time.sleep(0.01)
    killed.kill()
    killed.wait()
    train(tmp_path / "killed", LONG, resume=True)
    train(tmp_path / "whole", LONG)
    assert weights_bytes(tmp_path / "killed") == weights_bytes(tmp_path / "whole")
    assert metrics_text(tmp_path / "killed") == metrics_text(tmp_path / "whole")


def test_a_repeat_killed_before_its_first_state_starts_afresh(reference, copy_of_reference):
    (run_directory.snapshot_dir(copy_of_reference, 0) / STATE).unlink()
    train(copy_of_reference, resume=True)
    assert weights_bytes(copy_of_reference) == weights_bytes(reference)
    assert metrics_text(copy_of_reference) == metrics_text(reference)


def test_resuming_a_finished_run_changes_nothing(reference, copy_of_reference):
    train(copy_of_reference, resume=True)
    assert weights_bytes(copy_of_reference) == weights_bytes(reference)
    assert metrics_text(copy_of_reference) == metrics_text(reference)


def test_resuming_with_another_network_is_refused(copy_of_reference):
    config = replace(CONFIG, hidden=(5, 3), epochs=8)
    with pytest.raises(ValueError, match="cannot resume"):
        train(copy_of_reference, config, resume=True)


def test_a_new_run_refuses_existing_snapshots(reference):
    with pytest.raises(ValueError, match="already holds snapshots"):
        train(reference)


# epoch_order


def test_epoch_order_is_a_permutation_of_the_training_set():
    assert sorted(epoch_order(0, 1, 50)) == list(range(50))


def test_epoch_order_depends_only_on_seed_and_epoch():
    np.testing.assert_array_equal(epoch_order(3, 7, 50), epoch_order(3, 7, 50))
    assert not np.array_equal(epoch_order(3, 7, 50), epoch_order(3, 8, 50))
    assert not np.array_equal(epoch_order(3, 7, 50), epoch_order(4, 7, 50))


# TrainingConfig and inputs


def test_config_round_trips_through_a_dict():
    config = TrainingConfig(hidden=[8, 4], activation="relu", batch_size=0, epochs=3)
    assert config.to_dict()["hidden"] == [8, 4]
    assert TrainingConfig.from_dict(config.to_dict()) == config


def test_config_from_a_dict_with_unknown_keys_is_refused():
    with pytest.raises(ValueError, match="unknown training settings: momentum"):
        TrainingConfig.from_dict({**CONFIG.to_dict(), "momentum": 0.9})


@pytest.mark.parametrize(("change", "message"), [
    ({"epochs": 0}, "epochs must be at least 1, got 0"),
    ({"batch_size": -1}, "batch_size must be 0 \\(full batch\\) or positive, got -1"),
    ({"learning_rate": 0.0}, "learning_rate must be positive, got 0.0"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of adam, sgd, got 'rmsprop'"),
    ({"activation": "gelu"}, "activation must be one of tanh, "),
    ({"init": "zeros"}, "init must be one of truncated_normal, glorot_uniform, got 'zeros'"),
    ({"hidden": (4, 0)}, "hidden widths must be positive integers"),
    ({"seed": -2}, "seed must be a non-negative integer, got -2"),
])
def test_invalid_settings_are_refused_by_name(change, message):
    with pytest.raises(ValueError, match=message):
        replace(CONFIG, **change)


def test_labels_must_match_the_inputs(tmp_path):
    X_train, y_train, X_test, y_test = patterns()
    with pytest.raises(ValueError, match="y_train must hold one label per row of X_train"):
        train(tmp_path, data=(X_train, y_train[:-1], X_test, y_test))


def test_test_inputs_must_have_the_training_columns(tmp_path):
    X_train, y_train, X_test, y_test = patterns()
    with pytest.raises(ValueError, match="X_test must have X_train's 8 columns"):
        train(tmp_path, data=(X_train, y_train, X_test[:, 1:], y_test))


def test_labels_must_be_integers(tmp_path):
    X_train, y_train, X_test, y_test = patterns()
    with pytest.raises(ValueError, match="y_train must hold integer class labels"):
        train(tmp_path, data=(X_train, y_train + 0.5, X_test, y_test))
