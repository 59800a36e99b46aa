"""information.exact: the plug-in mutual information of a quantized network's exact values."""

import math
from collections import Counter

import numpy as np
import pytest

from infonet.data.datasets import load_dataset
from infonet.information.estimators import estimator_from_spec
from infonet.information.exact import ExactEstimator, value_codes
from infonet.networks.forward import layer_activations
from infonet.networks.quantization import Quantization, initial_ranges, quantize


def plug_in_entropy(symbols) -> float:
    """H in bits of a list of hashable symbols, by counting them."""
    counts = Counter(symbols)
    n = sum(counts.values())
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def counted_information(T, x, y) -> tuple[float, float]:
    """I(X;T) = H(X,T) - H(X) ... written as H(T) + H(X) - H(X,T), by counting row tuples."""
    rows = [tuple(row) for row in T.tolist()]
    h_t = plug_in_entropy(rows)
    i_xt = h_t + plug_in_entropy(x.tolist()) - plug_in_entropy(
        list(zip(rows, x.tolist(), strict=True)))
    i_yt = h_t + plug_in_entropy(y.tolist()) - plug_in_entropy(
        list(zip(rows, y.tolist(), strict=True)))
    return i_xt, i_yt


@pytest.fixture
def quantized_layer():
    """200 samples of 60 inputs (some repeated, with label noise), a 3-unit 3-bit layer."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 60, 200)
    y = (x % 3 + (rng.random(200) < 0.1)) % 3
    T = quantize(np.tanh(rng.normal(0, 1, (60, 3))[x] + rng.normal(0, 0.3, (200, 3))),
                 3, -1.0, 1.0)
    return T, x, y


def test_exact_equals_a_plug_in_count_of_row_tuples(quantized_layer):
    T, x, y = quantized_layer
    ours = ExactEstimator().mutual_information(T, x, y)
    np.testing.assert_allclose(ours, counted_information(T, x, y), rtol=0, atol=1e-12)


def test_exact_is_bounded_by_the_entropies_of_x_and_y(quantized_layer):
    T, x, y = quantized_layer
    i_xt, i_yt = ExactEstimator().mutual_information(T, x, y)
    assert 0 < i_xt <= plug_in_entropy(x.tolist()) + 1e-12
    assert 0 < i_yt <= plug_in_entropy(y.tolist()) + 1e-12


def test_with_enough_bits_the_first_layer_keeps_all_of_x():
    data = load_dataset("tishby", None)
    rng = np.random.default_rng(1)
    params = [(rng.normal(0, 1, (12, 10)).astype(np.float32), np.zeros(10, np.float32)),
              (rng.normal(0, 1, (10, 2)).astype(np.float32), np.zeros(2, np.float32))]
    T1, _ = layer_activations(params, data.X, "tanh",
                              Quantization(16, initial_ranges("tanh", 2)))
    i_xt, i_yt = ExactEstimator().mutual_information(T1, data.X, data.y)
    assert len(np.unique(T1, axis=0)) == 4096
    assert i_xt == pytest.approx(12.0, abs=1e-12)  # H(X) of 4096 distinct inputs
    assert i_yt == pytest.approx(plug_in_entropy(data.y.tolist()), abs=1e-12)


def test_a_constant_layer_carries_no_information(quantized_layer):
    _, x, y = quantized_layer
    assert ExactEstimator().mutual_information(np.zeros((200, 4)), x, y) == (0.0, 0.0)


def test_values_are_compared_as_numbers():
    codes = value_codes(np.array([[0.0, 1.5], [-0.0, 1.5], [0.25, -2.0]]))
    np.testing.assert_array_equal(codes, [[0, 1], [0, 1], [1, 0]])


def test_the_spec_exact_names_the_estimator_and_parses_back():
    estimator = estimator_from_spec("exact")
    assert estimator == ExactEstimator() and estimator_from_spec(estimator.name) == estimator
    assert estimator.needs_quantization and not estimator.pairwise


def test_batching_over_exact_needs_a_quantized_run_too():
    assert estimator_from_spec("batching:window=5,exact").needs_quantization
    assert not estimator_from_spec("batching:window=5,binning").needs_quantization


def test_exact_takes_no_parameters():
    with pytest.raises(ValueError, match="unknown parameter 'bins' for exact"):
        estimator_from_spec("exact:bins=30")
