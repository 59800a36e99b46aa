"""networks.model: the network's shape, its initial weights, and the validation of its choices."""

import numpy as np
import pytest

from infonet.networks.model import build_model, parse_shape

# parse_shape


def test_shape_is_read_as_integer_widths():
    assert parse_shape("10,7,5,4,3") == (10, 7, 5, 4, 3)


def test_spaces_around_widths_are_allowed():
    assert parse_shape(" 12, 3 ") == (12, 3)


@pytest.mark.parametrize("text", ["10,,x", "", "10,0", "-3", "2.5", "10,"])
def test_malformed_shape_is_refused_with_the_flag_name(text):
    with pytest.raises(ValueError, match=f"^--shape must be comma-separated positive "
                                         f"integers, got '{text}'$"):
        parse_shape(text)


# build_model


def test_layers_have_the_requested_widths_and_a_softmax_output():
    model = build_model(12, (10, 7), 3)
    assert [w.shape for w in model.get_weights()] == [(12, 10), (10,), (10, 7), (7,), (7, 3),
                                                      (3,)]
    assert model.layers[-1].activation.__name__ == "softmax"


def test_outputs_are_class_probabilities():
    p = np.asarray(build_model(4, (3,), 5)(np.random.default_rng(0).normal(size=(8, 4))))
    assert p.shape == (8, 5)
    assert (p > 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)


def test_biases_start_at_zero():
    biases = build_model(12, (10, 7), 2).get_weights()[1::2]
    assert all((b == 0).all() for b in biases)


def test_same_seed_gives_identical_weights():
    first, second = build_model(12, (10, 7), 2, seed=3), build_model(12, (10, 7), 2, seed=3)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_different_seeds_give_different_weights():
    a, b = build_model(12, (10,), 2, seed=0), build_model(12, (10,), 2, seed=1)
    assert not np.array_equal(a.get_weights()[0], b.get_weights()[0])


def test_layers_of_equal_shape_get_different_weights():
    kernels = build_model(5, (5, 5), 5).get_weights()[::2]
    assert not np.array_equal(kernels[1], kernels[2])


def test_truncated_normal_has_std_one_over_sqrt_fan_in_cut_at_two_std():
    W = build_model(400, (1000,), 2, init="truncated_normal").get_weights()[0]
    sigma = 1 / np.sqrt(400)
    # a normal cut at +-2 sigma keeps std sigma * sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)) = 0.8796 sigma
    assert np.abs(W).max() <= 2 * sigma
    assert W.std() == pytest.approx(0.8796 * sigma, rel=0.01)
    assert W.mean() == pytest.approx(0, abs=0.01 * sigma)


def test_glorot_uniform_fills_its_bounds():
    W = build_model(400, (200,), 2, init="glorot_uniform").get_weights()[0]
    limit = np.sqrt(6 / (400 + 200))
    assert np.abs(W).max() <= limit
    assert W.std() == pytest.approx(limit / np.sqrt(3), rel=0.01)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"activation": "gelu"}, "activation must be one of tanh, relu, sigmoid, softsign, "
                             "softplus, elu, leaky_relu, linear, got 'gelu'"),
    ({"hidden": (10, 0)}, r"hidden widths must be positive integers, got \(10, 0\)"),
    ({"hidden": ()}, "hidden must hold at least one layer width"),
    ({"n_classes": 1}, "n_classes must be at least 2, got 1"),
    ({"input_dim": 0}, "input_dim must be at least 1, got 0"),
    ({"init": "orthogonal"}, "init must be one of truncated_normal, glorot_uniform, "
                             "got 'orthogonal'"),
    ({"seed": -1}, "seed must be a non-negative integer, got -1"),
])
def test_invalid_arguments_are_refused_by_name(kwargs, message):
    arguments = {"input_dim": 12, "hidden": (10,), "n_classes": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        build_model(**arguments)
