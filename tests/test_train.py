"""networks.train: every epoch is saved, runs are reproducible, and resuming changes nothing."""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from infonet.networks.forward import layer_activations
from infonet.networks.model import build_model
from infonet.networks.train import (
    MEMORY_FRACTION,
    TrainingConfig,
    choose_repeats_together,
    epoch_order,
    train_repeats,
)
from infonet.rundir import directory as run_directory
from infonet.rundir.group_state import group_state_path, read_states
from infonet.rundir.snapshots import METRICS_COLUMNS, WEIGHTS, SnapshotReader, write_state

BITS = 8
N_TRAIN = 200
CONFIG = TrainingConfig(hidden=(4, 3), batch_size=64, epochs=6, learning_rate=0.01,
                        repeats_together=3)
"""200 training samples in batches of 64: three full batches and one of 8 per epoch."""
REPEATS = 3
LONG = replace(CONFIG, epochs=400)


def patterns(labels: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """All 2**BITS binary patterns with random 0/1 labels, split 200 train / 56 test."""
    X = ((np.arange(2**BITS)[:, None] >> np.arange(BITS - 1, -1, -1)) & 1).astype(np.float32)
    y = np.random.default_rng(0).integers(0, 2, len(X)) if labels is None else labels
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def train(run_dir, config=CONFIG, repeats=REPEATS, resume=False, data=None):
    train_repeats(*(data or patterns()), config, run_dir, repeats, resume=resume,
                  progress=False)
    return run_dir


def weights_bytes(run_dir, repeat=0):
    return (run_directory.snapshot_dir(run_dir, repeat) / WEIGHTS).read_bytes()


def all_bytes(run_dir):
    """Every file of the run, by path relative to it."""
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*"))
            if p.is_file()}


def metrics_text(run_dir):
    return (run_dir / run_directory.METRICS).read_text()


def snapshots(run_dir, repeat=0):
    return SnapshotReader(run_directory.snapshot_dir(run_dir, repeat))


def saved_state(run_dir, repeat=0):
    return read_states(run_dir, [repeat])[repeat]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted 6-epoch run of three repeats trained together (read only)."""
    return train(tmp_path_factory.mktemp("reference"))


@pytest.fixture
def copy_of_reference(reference, tmp_path):
    return shutil.copytree(reference, tmp_path / "copy")


# what a run saves


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_epochs_0_to_E_are_saved_for_every_repeat(reference, repeat):
    assert snapshots(reference, repeat).n_epochs == CONFIG.epochs + 1


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_epoch_0_is_the_initial_network_of_seed_plus_repeat(reference, repeat):
    initial = build_model(BITS, CONFIG.hidden, 2, seed=CONFIG.seed + repeat).get_weights()
    saved = [a for pair in snapshots(reference, repeat).params(0) for a in pair]
    for a, b in zip(saved, initial, strict=True):
        np.testing.assert_array_equal(a, b)


def test_training_changes_the_weights_every_epoch(reference):
    rows = [snapshots(reference).params(e)[0][0] for e in range(CONFIG.epochs + 1)]
    assert all(not np.array_equal(a, b) for a, b in pairwise(rows))


def test_repeats_trained_together_stay_different_networks(reference):
    last = [snapshots(reference, r).params(CONFIG.epochs)[0][0] for r in range(REPEATS)]
    assert all(not np.array_equal(a, b) for a, b in pairwise(last))


def test_metrics_have_the_header_and_a_row_per_repeat_and_epoch(reference):
    lines = [line.split(",") for line in metrics_text(reference).splitlines()]
    assert lines[0] == list(METRICS_COLUMNS)
    assert sorted((int(r[0]), int(r[1])) for r in lines[1:]) == [
        (r, e) for r in range(REPEATS) for e in range(CONFIG.epochs + 1)]


@pytest.mark.parametrize(("repeat", "epoch"), [(0, 0), (2, 6)])
def test_metrics_describe_the_saved_network(reference, repeat, epoch):
    row = next(line.split(",") for line in metrics_text(reference).splitlines()[1:]
               if line.startswith(f"{repeat},{epoch},"))
    params = snapshots(reference, repeat).params(epoch)
    X_train, y_train, X_test, y_test = patterns()
    for X, y, (loss, accuracy) in ((X_train, y_train, row[2:4]), (X_test, y_test, row[4:6])):
        p = layer_activations(params, X, "tanh")[-1].astype(np.float64)
        assert float(loss) == pytest.approx(-np.log(p[np.arange(len(y)), y]).mean(), rel=1e-5)
        assert float(accuracy) == pytest.approx((p.argmax(axis=1) == y).mean())


def test_an_epoch_takes_one_step_per_batch_including_the_last_partial_one(reference):
    iterations = saved_state(reference)[1][0]  # Keras's first optimizer variable
    assert iterations == CONFIG.epochs * 4


def test_batch_size_0_takes_one_full_batch_step_per_epoch(tmp_path):
    config = TrainingConfig(hidden=(4, 3), batch_size=0, epochs=2)
    train(tmp_path, config, repeats=1)
    assert saved_state(tmp_path)[1][0] == 2


def test_an_empty_test_set_gives_nan_test_metrics(tmp_path):
    X_train, y_train, _, _ = patterns()
    config = TrainingConfig(hidden=(3,), epochs=1)
    train(tmp_path, config, repeats=1, data=(X_train, y_train, X_train[:0], y_train[:0]))
    rows = [line.split(",") for line in metrics_text(tmp_path).splitlines()[1:]]
    assert [r[4:] for r in rows] == [["nan", "nan"]] * 2


def test_training_learns_a_separable_rule(tmp_path):
    X, _, _, _ = patterns()
    labels = np.concatenate([X[:, 0], np.ones(2**BITS - N_TRAIN, np.float32)]).astype(int)
    config = TrainingConfig(hidden=(3,), epochs=30, learning_rate=0.05, repeats_together=2)
    train(tmp_path, config, repeats=2, data=patterns(labels))
    last = [line.split(",") for line in metrics_text(tmp_path).splitlines()[-2:]]
    assert [float(r[3]) for r in last] == [1.0, 1.0]


def test_divergence_warns_once_per_repeat_and_training_goes_on(tmp_path):
    config = TrainingConfig(hidden=(3,), activation="linear", optimizer="sgd",
                            learning_rate=1e30, epochs=3, repeats_together=2)
    with pytest.warns(RuntimeWarning, match="diverged at epoch") as caught:
        train(tmp_path, config, repeats=2)
    assert sorted(str(w.message).split()[1] for w in caught) == ["0", "1"]
    reader = snapshots(tmp_path)
    assert reader.n_epochs == 4
    assert not np.isfinite(reader.params(3)[0][0]).all()


# the same training as Keras's, repeat by repeat


def keras_trained(repeat, config, epochs):
    """Repeat ``repeat`` trained alone by Keras's own train_on_batch, in the same orders."""
    import keras

    X_train, y_train, _, _ = patterns()
    model = build_model(BITS, config.hidden, 2, seed=config.seed + repeat)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate,
                                                  epsilon=config.adam_epsilon),
                  loss="sparse_categorical_crossentropy")
    for epoch in range(1, epochs + 1):
        order = epoch_order(config.seed + repeat, epoch, N_TRAIN)
        for start in range(0, N_TRAIN, config.batch_size):
            batch = order[start : start + config.batch_size]
            model.train_on_batch(X_train[batch], y_train[batch])
    return model.get_weights()


@pytest.mark.parametrize("repeat", [0, 2])
def test_each_repeat_trains_as_keras_would_train_it_alone(tmp_path, repeat):
    config = replace(CONFIG, epochs=2, adam_epsilon=1e-2)  # an epsilon that shows
    train(tmp_path, config)
    ours = [a for pair in snapshots(tmp_path, repeat).params(2) for a in pair]
    for epsilon, close in ((1e-2, True), (1e-7, False)):
        theirs = keras_trained(repeat, replace(config, adam_epsilon=epsilon), 2)
        same = all(np.allclose(a, b, rtol=1e-4, atol=1e-6)
                   for a, b in zip(ours, theirs, strict=True))
        assert same == close


# reproducibility and resuming


def test_same_command_gives_identical_files(reference, tmp_path):
    assert all_bytes(train(tmp_path)) == all_bytes(reference)


def test_repeat_r_is_trained_with_seed_plus_r(tmp_path):
    config = TrainingConfig(hidden=(3,), epochs=2, seed=5, repeats_together=1)
    train(tmp_path / "a", config, repeats=2)
    train(tmp_path / "b", replace(config, seed=6), repeats=1)
    assert weights_bytes(tmp_path / "a", repeat=1) == weights_bytes(tmp_path / "b")


def test_groups_are_consecutive_repeats_of_the_size_asked(tmp_path):
    train(tmp_path, replace(CONFIG, epochs=1, repeats_together=2), repeats=5)
    assert sorted(p.name for p in (tmp_path / "snapshots").glob("state-*")) == [
        "state-0-1.npy", "state-2-3.npy", "state-4-4.npy"]


def test_resuming_a_shorter_run_equals_the_uninterrupted_run(reference, tmp_path):
    train(tmp_path, replace(CONFIG, epochs=3))
    train(tmp_path, resume=True)
    assert all_bytes(tmp_path) == all_bytes(reference)


def test_resuming_after_a_kill_drops_what_followed_the_last_state(reference, tmp_path):
    train(tmp_path, replace(CONFIG, epochs=3))
    with open(run_directory.snapshot_dir(tmp_path, 1) / WEIGHTS, "ab") as handle:
        handle.write(np.ones(30, "<f4").tobytes())  # epoch 4's row and a torn fifth
    with open(tmp_path / run_directory.METRICS, "a") as handle:
        handle.write("0,4,1.0,1.0,1.0,1.0\n1,4,0.")
    train(tmp_path, resume=True)
    assert all_bytes(tmp_path) == all_bytes(reference)


def test_a_group_resumes_from_its_least_advanced_repeat_exactly(reference, tmp_path):
    """Repeats 0 and 1 trained as a pair; repeat 2 joins them in a group of three later."""
    pair = replace(CONFIG, repeats_together=2)
    train(tmp_path, pair, repeats=2)
    train(tmp_path, replace(pair, repeats_together=3), resume=True)
    assert weights_bytes(tmp_path, 2) == weights_bytes(reference, 2)
    assert snapshots(tmp_path, 0).n_epochs == CONFIG.epochs + 1


def test_a_run_saved_one_state_file_per_repeat_resumes_exactly(reference, tmp_path):
    """Runs from before grouping kept repeat-R/state.npy; they resume from it."""
    train(tmp_path, replace(CONFIG, epochs=3))
    states = group_state_path(tmp_path, range(REPEATS))
    for repeat, saved in read_states(tmp_path, range(REPEATS)).items():
        write_state(run_directory.snapshot_dir(tmp_path, repeat), saved.epoch, saved.values)
    states.unlink()
    train(tmp_path, resume=True)
    assert [weights_bytes(tmp_path, r) for r in range(REPEATS)] == [
        weights_bytes(reference, r) for r in range(REPEATS)]
    assert metrics_text(tmp_path) == metrics_text(reference)


def run_and_kill(run_dir, config, after_lines):
    """Start training in a subprocess and SIGKILL it once metrics.csv has ``after_lines``."""
    code = ("import sys; from pathlib import Path; from dataclasses import replace; "
            "from tests.test_train import train, CONFIG; "
            f"train(Path(sys.argv[1]), replace(CONFIG, epochs={config.epochs}))")
    killed = subprocess.Popen([sys.executable, "-c", code, str(run_dir)],
                              cwd=Path(__file__).parents[1], stderr=subprocess.DEVNULL)
    metrics = run_dir / run_directory.METRICS
    while not metrics.exists() or len(metrics.read_text().splitlines()) < after_lines:
        assert killed.poll() is None, "training ended before it could be killed"
        time.sleep(0.005)
    killed.send_signal(signal.SIGKILL)
    killed.wait()


def resume_as_the_command_does(run_dir, config):
    """``--resume``: the writers' lock taken (which removes the temporary files the killed
    writer left half-written), then training resumed."""
    with run_directory.writing(run_dir):
        train(run_dir, config, resume=True)


@pytest.mark.parametrize("after_lines", [2, 40])
def test_a_process_killed_mid_run_resumes_to_the_uninterrupted_result(tmp_path, after_lines):
    config = replace(CONFIG, epochs=60)
    run_and_kill(tmp_path / "killed", config, after_lines)
    resume_as_the_command_does(tmp_path / "killed", config)
    assert all_bytes(tmp_path / "killed") == all_bytes(train(tmp_path / "whole", config))


@pytest.mark.slow
@pytest.mark.parametrize("after_lines", [100, 500, 1000])
def test_a_long_run_killed_anywhere_resumes_to_the_uninterrupted_result(tmp_path,
                                                                        after_lines):
    run_and_kill(tmp_path / "killed", LONG, after_lines)
    resume_as_the_command_does(tmp_path / "killed", LONG)
    assert all_bytes(tmp_path / "killed") == all_bytes(train(tmp_path / "whole", LONG))


def test_a_group_killed_before_its_first_state_starts_afresh(reference, copy_of_reference):
    """Killed after epoch 0's rows, before the group's state: no state, one row per repeat."""
    group_state_path(copy_of_reference, range(REPEATS)).unlink()
    for repeat in range(REPEATS):
        weights = run_directory.snapshot_dir(copy_of_reference, repeat) / WEIGHTS
        row_bytes = snapshots(reference, repeat).layout.row_length * 4
        weights.write_bytes(weights.read_bytes()[:row_bytes])
    metrics = copy_of_reference / run_directory.METRICS
    metrics.write_text("".join(metrics.read_text().splitlines(keepends=True)[: 1 + REPEATS]))
    train(copy_of_reference, resume=True)
    assert all_bytes(copy_of_reference) == all_bytes(reference)


def test_resuming_a_finished_run_changes_nothing(reference, copy_of_reference):
    train(copy_of_reference, resume=True)
    assert all_bytes(copy_of_reference) == all_bytes(reference)


def test_resuming_with_another_network_is_refused(copy_of_reference):
    config = replace(CONFIG, hidden=(5, 3), epochs=8)
    with pytest.raises(ValueError, match="cannot resume"):
        train(copy_of_reference, config, resume=True)


def test_a_new_run_refuses_existing_snapshots(reference):
    with pytest.raises(ValueError, match="already holds snapshots"):
        train(reference)


# how many repeats go together


def test_grouping_never_exceeds_the_repeats():
    assert CONFIG.grouped(256, BITS, repeats=2).repeats_together == 2


def test_grouping_keeps_the_size_asked():
    assert replace(CONFIG, repeats_together=4).grouped(256, BITS, 50).repeats_together == 4


def test_automatic_grouping_takes_fewer_repeats_when_memory_is_short():
    config = TrainingConfig(hidden=(1024, 20), repeats_together=0)
    assert choose_repeats_together(config, 256, BITS) == 50
    assert choose_repeats_together(config, 10**8, BITS) == 1


def test_a_group_of_wide_networks_fits_the_memory_fraction_with_its_weights(monkeypatch):
    """8000-wide layers: 64 million parameters, 16 bytes each with gradients and Adam's moments,
    per repeat; on a 23.5 GiB machine the group must hold them within a quarter of memory."""
    memory = int(23.5 * 2**30)
    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": memory // 4096}
    monkeypatch.setattr(os, "sysconf", pages.__getitem__)
    config = TrainingConfig(hidden=(8000, 8000), repeats_together=0)
    together = choose_repeats_together(config, 4096, 12)
    weights = 16 * ((12 + 1) * 8000 + (8000 + 1) * 8000 + (8000 + 1) * 2)
    assert together >= 1
    assert together * weights <= MEMORY_FRACTION * memory


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


def test_a_config_from_before_grouping_resumes_one_repeat_at_a_time():
    old = {k: v for k, v in CONFIG.to_dict().items()
           if k not in ("repeats_together", "adam_epsilon")}
    config = TrainingConfig.from_dict(old)
    assert (config.repeats_together, config.adam_epsilon) == (1, 1e-7)


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
    ({"adam_epsilon": 0.0}, "adam_epsilon must be positive, got 0.0"),
    ({"repeats_together": -1}, "repeats_together must be 0 \\(choose\\) or positive, got -1"),
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
