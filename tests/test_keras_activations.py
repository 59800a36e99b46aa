"""Which layers of a Keras model are measured, and their outputs recomputed from snapshots:
in inference mode, in sample blocks, equal to the model's own layer outputs."""

from pathlib import Path

import keras
import numpy as np
import pytest

import infonet.networks.keras_activations as keras_activations
from infonet.networks.activations import open_source
from infonet.networks.keras_training import ModelEpochs, model_layout
from infonet.networks.layers import measured_layers, parse_layers
from infonet.rundir.snapshots import SnapshotWriter, write_state
from tests.model_files.networks_for_tests import small_cnn


def test_default_layers_skip_reshape_flatten_and_dropout():
    assert measured_layers(small_cnn(64, 10, 0)) == ("conv", "norm", "pool", "dense", "output")


def test_named_layers_come_in_model_order():
    assert measured_layers(small_cnn(64, 10, 0), ("output", "flat")) == ("flat", "output")


def test_layer_names_must_be_distinct_and_non_empty():
    with pytest.raises(ValueError, match="distinct"):
        parse_layers("conv,,dense")
    with pytest.raises(ValueError, match="distinct"):
        parse_layers("conv,conv")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """small_cnn after one epoch of training (batch statistics moved, dropout used), saved as
    snapshots epoch 0 (initial) and 1."""
    rng = np.random.default_rng(0)
    X = rng.random((300, 64), dtype=np.float32)
    y = rng.integers(0, 10, 300)
    model = small_cnn(64, 10, 0)
    directory = tmp_path_factory.mktemp("snapshots")
    epochs = ModelEpochs(model, keras.optimizers.Adam(0.01), X, y, X[:0], y[:0], 50)
    layout = model_layout(model, measured_layers(model))
    with SnapshotWriter(directory, layout, keep_epochs=0) as writer:
        writer.append(epochs.row())
        epochs.train(np.arange(300))
        writer.append(epochs.row())
    write_state(directory, 1, epochs.state())
    return model, directory, X


def test_activations_are_the_models_layer_outputs_in_inference_mode(trained):
    model, directory, X = trained
    source = open_source(directory)
    outputs = source.activations(1, X, [1, 2, 3, 4, 5])
    for layer, name in enumerate(source.layer_names, start=1):
        probe = keras.Model(model.inputs[0], model.get_layer(name).output)
        expected = np.asarray(probe(X, training=False)).reshape(len(X), -1)
        np.testing.assert_allclose(outputs[layer], expected, rtol=1e-5, atol=1e-6)


def test_batch_statistics_of_the_epoch_are_used(trained):
    _, directory, X = trained
    source = open_source(directory)
    before, after = source.activations(0, X, [2])[2], source.activations(1, X, [2])[2]
    assert not np.allclose(before, after)


def test_small_blocks_give_the_same_activations(trained, monkeypatch):
    _, directory, X = trained
    whole = open_source(directory).activations(1, X, [1, 3, 5])
    monkeypatch.setattr(keras_activations, "BLOCK_VALUES", 7 * 144)  # 7 samples a block
    blocked = open_source(directory).activations(1, X, [1, 3, 5])
    for layer in (1, 3, 5):
        np.testing.assert_allclose(blocked[layer], whole[layer], rtol=1e-6, atol=1e-7)


def test_measuring_twice_gives_identical_values(trained):
    _, directory, X = trained
    first = open_source(directory).activations(1, X, [4])[4]
    assert np.array_equal(first, open_source(directory).activations(1, X, [4])[4])


def test_the_built_in_network_needs_no_tensorflow(tmp_path):
    import subprocess
    import sys

    from infonet.rundir.snapshots import Layout

    layout = Layout((3, 2, 2), "tanh")
    with SnapshotWriter(tmp_path, layout, keep_epochs=0) as writer:
        writer.append(np.zeros(layout.row_length, np.float32))
    code = ("import sys, numpy as np; from pathlib import Path;"
            "from infonet.networks.activations import open_source;"
            f"open_source(Path({str(tmp_path)!r})).activations(0, np.ones((4, 3)), [1, 2]);"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    root = Path(__file__).parent.parent
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_a_model_rebuilt_after_others_evicted_it_measures_with_its_own_weights(trained,
                                                                               tmp_path):
    """More architectures than the per-process cache holds, then the first again: its layers
    are recomputed with the weights of the epoch asked, never with a stale model's."""
    model, directory, X = trained
    source = open_source(directory)
    first = source.activations(0, X, [4])[4]
    for width in range(2, 8):  # other architectures, each measured once
        other = keras.Sequential([keras.Input((64,)), keras.layers.Dense(width, name="dense"),
                                  keras.layers.Dense(10, activation="softmax", name="output")])
        folder = tmp_path / f"other-{width}"
        with SnapshotWriter(folder, model_layout(other, ("dense",)), keep_epochs=0) as writer:
            writer.append(np.concatenate([w.ravel() for w in other.get_weights()]))
        open_source(folder).activations(0, X, [1])
    again = open_source(directory).activations(1, X, [4])[4]
    expected = np.asarray(keras.Model(model.inputs[0], model.get_layer("dense").output)(
        X, training=False))
    np.testing.assert_allclose(again, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(first, again)
