"""open_run: a saved run for Python, tested against what the estimators measured.

The run is written directly (random weights, no TensorFlow) and measured by the runner, so
its information.csv holds the estimators' own results on their own inputs.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infonet.information import estimator_from_spec
from infonet.measuring.measure import measure_run
from infonet.measuring.schedule import schedule_from_spec
from infonet.networks import open_run
from infonet.rundir.directory import snapshot_dir
from infonet.rundir.group_state import write_group_state
from infonet.rundir.snapshots import Layout, MetricsLog, SnapshotWriter

EPOCHS = 4
SIZES = (12, 5, 3, 2)
SPECS = ["binning:bins=30,low=-1.0,high=1.0", "kde-upper:noise_variance=0.1"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Tishby's set, a 12-5-3-2 tanh network, 2 repeats of epochs 0..4, measured on the
    test samples at epochs 0, 2, 4 with binning and KDE."""
    directory = tmp_path_factory.mktemp("run")
    config = {
        "dataset": {"name": "tishby", "data_path": None, "train_fraction": 0.8,
                    "shuffle": True, "n_samples": 4096, "n_features": 12, "n_classes": 2},
        "training": {"hidden": list(SIZES[1:-1]), "activation": "tanh", "seed": 3,
                     "epochs": EPOCHS},
        "repeats": 2,
    }
    (directory / "config.json").write_text(json.dumps(config))
    layout = Layout(SIZES, "tanh")
    for repeat in range(2):
        rng = np.random.default_rng(repeat)
        folder = snapshot_dir(directory, repeat)
        with SnapshotWriter(folder, layout, keep_epochs=0) as weights, \
                MetricsLog(directory / "metrics.csv", {repeat: 0}) as metrics:
            for epoch in range(EPOCHS + 1):
                weights.append(rng.normal(size=layout.row_length))
                metrics.append(epoch, {repeat: (0.7 - 0.1 * epoch, 0.5 + 0.1 * epoch, 0.8, 0.5)})
    write_group_state(directory, range(2), [EPOCHS] * 2, np.zeros((2, 0)))
    estimators = [estimator_from_spec(spec) for spec in SPECS]
    measure_run(directory, estimators, "test", jobs=1, record={},
                schedule=schedule_from_spec("every:2"))
    return directory


def test_an_estimator_on_the_activations_gives_the_row_in_information_csv(run_dir):
    run = open_run(run_dir, samples="test")
    table = run.information()
    assert len(table["epoch"]) == 2 * 3 * 3 * len(SPECS)
    for k in range(len(table["epoch"])):
        T = run.activations(epoch=table["epoch"][k], repeat=table["repeat"][k])
        estimator = estimator_from_spec(table["estimator"][k])
        estimate = estimator.mutual_information(T[table["layer"][k] - 1], run.X, run.y)
        assert estimate == (table["i_xt"][k], table["i_yt"][k])


def test_activations_are_one_array_per_layer_on_the_measured_samples(run_dir):
    run = open_run(run_dir, samples="test")
    shapes = [T.shape for T in run.activations(epoch=EPOCHS, repeat=1)]
    assert shapes == [(len(run.y), units) for units in SIZES[1:]]


def test_samples_are_the_runs_split(run_dir):
    everything = open_run(run_dir)
    train, test = open_run(run_dir, "train"), open_run(run_dir, "test")
    assert (len(train.y), len(test.y), len(everything.y)) == (3277, 819, 4096)
    joined = np.concatenate([train.X, test.X])
    assert np.array_equal(np.unique(joined, axis=0), np.unique(everything.X, axis=0))
    assert test.samples.h_x == np.log2(819)


def test_epochs_and_params_are_the_saved_snapshots(run_dir):
    run = open_run(run_dir)
    assert list(run.epochs(repeat=1)) == list(range(EPOCHS + 1))
    expected = np.random.default_rng(0).normal(size=Layout(SIZES, "tanh").row_length)
    (W1, b1), *_ = run.params(epoch=0)
    assert W1.shape == (12, 5) and np.array_equal(W1.ravel(), expected[:60].astype(np.float32))


def test_metrics_are_columns_per_repeat_and_epoch(run_dir):
    metrics = open_run(run_dir).metrics()
    assert list(metrics["repeat"]) == [0] * 5 + [1] * 5
    assert np.allclose(metrics["train_loss"][:5], [0.7, 0.6, 0.5, 0.4, 0.3])


def test_a_repeat_the_run_lacks_is_an_error(run_dir):
    with pytest.raises(ValueError, match=r"repeat must be in 0..1"):
        open_run(run_dir).activations(epoch=0, repeat=2)


def test_unknown_samples_are_an_error(run_dir):
    with pytest.raises(ValueError, match="samples must be one of all, train, test"):
        open_run(run_dir, samples="validation")


def test_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_run(tmp_path / "nothing")


def test_opening_a_run_does_not_import_tensorflow(run_dir):
    code = (f"import sys; from infonet.networks import open_run; run = open_run({str(run_dir)!r}); "
            "run.activations(epoch=1); run.information(); sys.exit('tensorflow' in sys.modules)")
    root = Path(__file__).parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
