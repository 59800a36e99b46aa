"""networks.stacked with quantized activations: the NumPy forward pass reproduces training's."""

import numpy as np
import pytest
import tensorflow as tf
from keras.optimizers import Adam

from infonet.data.datasets import load_dataset
from infonet.networks.forward import layer_activations
from infonet.networks.model import build_model
from infonet.networks.quantization import Quantization, quantize
from infonet.networks.stacked import StackedEpochs, grid_of, quantized
from infonet.networks.train import epoch_order
from infonet.rundir.snapshots import Layout


@pytest.mark.parametrize(("bits", "low", "high"), [(8, -1.0, 1.0), (4, -0.37, 2.9),
                                                     (8, -6.0, 6.0), (2, 0.0, 0.0)])
def test_tensorflow_and_numpy_quantize_to_the_same_float32_values(bits, low, high):
    t = np.random.default_rng(0).normal(0, 2, 100000).astype(np.float32)
    grid = grid_of(tf.constant(low), tf.constant(high), bits)
    ours = quantized(tf.constant(t), bits, *grid).numpy()
    np.testing.assert_array_equal(ours, quantize(t, bits, low, high))


def test_the_rounding_passes_the_gradient_inside_the_range_only():
    t = tf.constant([-2.0, -0.5, 0.3, 0.99, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(quantized(t, 8, *grid_of(tf.constant(-1.0), tf.constant(1.0), 8)))
    np.testing.assert_array_equal(tape.gradient(y, t).numpy(), [0, 1, 1, 1, 0])


def trained(activation, bits=8, epochs=3, seeds=(0, 1)):
    data = load_dataset("tishby", None)
    X, y = data.X.astype(np.float32), data.y.astype(np.int32)
    initial = [build_model(12, (10, 7, 5), 2, activation, seed=s).get_weights() for s in seeds]
    networks = StackedEpochs(initial, activation, Adam(0.01), X[:3000], y[:3000], X[3000:],
                             y[3000:], batch_size=256, quantize=bits)
    for epoch in range(1, epochs + 1):
        rows = networks.train(np.stack([epoch_order(s, epoch, 3000) for s in seeds]))[0]
    return networks, rows, X


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_numpy_forward_pass_gives_the_trained_networks_outputs(activation):
    networks, rows, X = trained(activation)
    layout = Layout((12, 10, 7, 5, 2), activation, quantize=8)
    expected = networks.layer_outputs(X)
    for repeat, row in enumerate(rows):
        ranges = layout.ranges(row)
        ours = layer_activations(layout.split(row), X, activation, Quantization(8, ranges))
        for T, trained_T, (low, high) in zip(ours, expected, ranges, strict=True):
            step = (high - low) / 255
            assert np.abs(T - trained_T[repeat]).max() <= step * 1.001  # at most one level
            assert (T == trained_T[repeat]).mean() > 0.999


def test_a_relu_networks_ranges_move_from_six_towards_its_outputs():
    _, rows, _ = trained("relu")
    ranges = Layout((12, 10, 7, 5, 2), "relu", quantize=8).ranges(rows[0])
    assert np.all(ranges[:3, 0] > -6) and np.all(ranges[:3, 0] < 0)
    assert np.all(ranges[:3, 1] < 6)
    np.testing.assert_array_equal(ranges[3], [0, 1])  # the softmax output's fixed range
