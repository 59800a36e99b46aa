"""networks.quantization: 2^bits uniform levels on a layer's range, zero among them."""

import numpy as np
import pytest

from infonet.networks.forward import layer_activations
from infonet.networks.quantization import (
    Quantization,
    check_bits,
    initial_ranges,
    nudged_grid,
    quantize,
)


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_values_take_at_most_two_to_the_bits_levels(bits):
    values = np.linspace(-3, 3, 10001, dtype=np.float32)
    levels = np.unique(quantize(values, bits, -1.0, 1.0))
    assert len(levels) == 2**bits
    np.testing.assert_allclose(np.diff(levels), 2 / (2**bits - 1), rtol=1e-4)  # float32


def test_each_value_goes_to_its_nearest_level():
    low, high, scale, _ = nudged_grid(-1.0, 1.0, 4)
    levels = low + scale * np.arange(16, dtype=np.float32)
    values = np.random.default_rng(0).uniform(low, high, 1000).astype(np.float32)
    nearest = levels[np.abs(values[:, None] - levels[None]).argmin(axis=1)]
    np.testing.assert_allclose(quantize(values, 4, -1.0, 1.0), nearest, atol=1e-6)


def test_values_outside_the_range_go_to_its_end_levels():
    low, high, _, _ = nudged_grid(0.0, 6.0, 8)
    np.testing.assert_array_equal(quantize(np.array([-5.0, 100.0]), 8, 0.0, 6.0), [low, high])


@pytest.mark.parametrize(("low", "high"), [(-1.0, 1.0), (-6.0, 6.0), (-0.3, 2.7), (0.0, 1.0)])
def test_zero_is_a_level_exactly(low, high):
    assert quantize(np.zeros(3), 8, low, high).tolist() == [0.0, 0.0, 0.0]


def test_the_range_is_shifted_by_less_than_one_step():
    low, high, scale, _ = nudged_grid(-1.0, 1.0, 8)
    assert high - low == pytest.approx(2.0, rel=1e-6)
    assert abs(low + 1) < scale and scale == pytest.approx(2 / 255)


def test_the_forward_pass_quantizes_every_layer_on_its_range():
    rng = np.random.default_rng(0)
    params = [(rng.normal(0, 2, (5, 6)).astype(np.float32), np.zeros(6, np.float32)),
              (rng.normal(0, 2, (6, 3)).astype(np.float32), np.zeros(3, np.float32))]
    X = rng.normal(0, 1, (500, 5))
    ranges = np.array([[0.0, 3.0], [0.0, 1.0]], np.float32)
    hidden, output = layer_activations(params, X, "relu", Quantization(2, ranges))
    assert all(len(np.unique(column)) <= 4 for column in hidden.T)
    assert set(np.unique(output)) <= {0.0, np.float32(1 / 3), np.float32(2 / 3), 1.0}
    plain_hidden, _ = layer_activations(params, X, "relu")
    np.testing.assert_array_equal(hidden, quantize(plain_hidden, 2, 0.0, 3.0))


def test_bounded_activations_have_fixed_ranges_and_others_start_at_six():
    np.testing.assert_array_equal(initial_ranges("tanh", 3), [[-1, 1], [-1, 1], [0, 1]])
    np.testing.assert_array_equal(initial_ranges("relu", 2), [[-6, 6], [0, 1]])


def test_an_empty_range_is_widened_by_one():
    np.testing.assert_array_equal(quantize(np.array([0.0, 0.5, 2.0]), 1, 0.0, 0.0), [0, 1, 1])


@pytest.mark.parametrize("bits", [0, 17, 2.5, True])
def test_bits_outside_one_to_sixteen_are_refused(bits):
    with pytest.raises(ValueError, match="quantize must be a number of bits in 1..16"):
        check_bits(bits)
