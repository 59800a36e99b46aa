"""networks.forward: the NumPy forward pass computes what the Keras network computes."""

import subprocess
import sys

import numpy as np
import pytest

from infonet.networks.forward import ACTIVATIONS, layer_activations, softmax
from infonet.networks.model import build_model


def identity_params(width: int, n_classes: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """A hidden layer W = I, b = 0, then an all-zero output layer."""
    return [(np.eye(width, dtype=np.float32), np.zeros(width, np.float32)),
            (np.zeros((width, n_classes), np.float32), np.zeros(n_classes, np.float32))]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_layer_matches_keras(activation):
    model = build_model(5, (6, 4, 3), 3, activation=activation, seed=1)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 1.5, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    X = rng.normal(0, 2, (64, 5)).astype(np.float32)
    keras_outputs = [X]
    for layer in model.layers:
        keras_outputs.append(np.asarray(layer(keras_outputs[-1])))
    weights = model.get_weights()
    params = list(zip(weights[::2], weights[1::2], strict=True))
    ours = layer_activations(params, X, activation)
    assert len(ours) == 4
    for T, expected in zip(ours, keras_outputs[1:], strict=True):
        np.testing.assert_allclose(T, expected, rtol=0, atol=1e-5)


def test_linear_identity_layer_returns_the_inputs():
    X = np.array([[-2.0, 0.5, 3.0]], np.float32)
    hidden, _ = layer_activations(identity_params(3, 2), X, "linear")
    np.testing.assert_array_equal(hidden, X)


def test_zero_output_weights_give_uniform_probabilities():
    X = np.ones((4, 3), np.float32)
    _, output = layer_activations(identity_params(3, 5), X, "tanh")
    np.testing.assert_allclose(output, np.full((4, 5), 0.2), rtol=1e-6)


@pytest.mark.parametrize(("activation", "expected"), [
    ("tanh", [np.tanh(-1), 0, np.tanh(2)]),
    ("relu", [0, 0, 2]),
    ("sigmoid", [1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2))]),
    ("softsign", [-0.5, 0, 2 / 3]),
    ("softplus", [np.log(1 + np.exp(-1)), np.log(2), np.log(1 + np.exp(2))]),
    ("elu", [np.exp(-1) - 1, 0, 2]),
    ("leaky_relu", [-0.2, 0, 2]),
    ("linear", [-1, 0, 2]),
])
def test_activation_has_its_closed_form(activation, expected):
    X = np.array([[-1.0, 0.0, 2.0]], np.float32)
    hidden, _ = layer_activations(identity_params(3, 2), X, activation)
    np.testing.assert_allclose(hidden[0], expected, rtol=1e-6, atol=1e-7)


def test_activations_are_float32():
    X = np.zeros((2, 3), np.float64)
    assert all(T.dtype == np.float32 for T in layer_activations(identity_params(3, 2), X, "tanh"))


def test_softmax_rows_sum_to_one_for_large_inputs():
    p = softmax(np.array([[1000.0, 1000.0], [-1000.0, 0.0]], np.float32))
    np.testing.assert_allclose(p, [[0.5, 0.5], [0.0, 1.0]])


def test_non_finite_weights_give_nan_without_warnings(recwarn):
    params = identity_params(3, 2)
    params[0] = (np.full((3, 3), np.inf, np.float32), np.full(3, -np.inf, np.float32))
    _, output = layer_activations(params, np.ones((2, 3), np.float32), "tanh")
    assert np.isnan(output).all()
    assert len(recwarn) == 0


def test_input_width_must_match_the_first_layer():
    with pytest.raises(ValueError, match=r"layer 1 have shapes W \(3, 3\), b \(3,\); "
                                         r"expected W \(4, out\)"):
        layer_activations(identity_params(3, 2), np.ones((2, 4), np.float32), "tanh")


def test_consecutive_layers_must_chain():
    params = identity_params(3, 2)
    params[1] = (np.zeros((4, 2), np.float32), np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="layer 2 have shapes"):
        layer_activations(params, np.ones((2, 3), np.float32), "tanh")


def test_inputs_must_be_a_matrix():
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        layer_activations(identity_params(3, 2), np.ones(3, np.float32), "tanh")


def test_unknown_activation_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="activation must be one of tanh, relu, .*got 'gelu'"):
        layer_activations(identity_params(3, 2), np.ones((2, 3), np.float32), "gelu")


def test_measuring_modules_do_not_import_tensorflow():
    code = ("import sys, infonet.networks.forward, infonet.rundir.snapshots, "
            "infonet.networks.model; print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
