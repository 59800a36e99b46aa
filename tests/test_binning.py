"""The Binning estimator: grids, closed-form cases, and Saxe et al.'s minimal model."""

import numpy as np
import pytest
from scipy.stats import norm

from infonet.information.binning import BinningEstimator

PATTERNS = (np.arange(4096)[:, None] >> np.arange(11, -1, -1)) & 1
"""The 4096 distinct 12-bit inputs, most significant bit first."""


def h_bits(labels: np.ndarray) -> float:
    p = np.unique(labels, return_counts=True)[1] / len(labels)
    return float(-(p * np.log2(p)).sum())


@pytest.mark.parametrize("classes", [2, 10])
def test_identity_layer_gives_12_bits_and_h_y(classes):
    y = np.random.default_rng(classes).integers(0, classes, size=4096)
    i_xt, i_yt = BinningEstimator(bins=2, low=0.0, high=1.0).mutual_information(
        PATTERNS.astype(float), PATTERNS, y
    )
    assert i_xt == 12.0
    assert i_yt == pytest.approx(h_bits(y), abs=1e-12)


def test_constant_layer_gives_zero_and_zero():
    T, y = np.full((100, 5), 0.3), np.arange(100) % 3
    assert BinningEstimator().mutual_information(T, np.arange(100), y) == (0.0, 0.0)


@pytest.mark.parametrize("seed", range(3))
def test_information_is_bounded_by_log2_n_and_h_y(seed):
    rng = np.random.default_rng(seed)
    T = np.tanh(rng.normal(size=(300, 3)) * rng.uniform(0.1, 5))
    y = rng.integers(0, 4, size=300)
    i_xt, i_yt = BinningEstimator(bins=10).mutual_information(T, np.arange(300), y)
    assert 0 <= i_xt <= np.log2(300) + 1e-12
    assert 0 <= i_yt <= h_bits(y) + 1e-12


def test_row_order_does_not_change_the_result():
    rng = np.random.default_rng(4)
    T, X = np.tanh(rng.normal(size=(400, 3))), rng.integers(0, 2, (400, 5))
    y = rng.integers(0, 3, 400)
    order = rng.permutation(400)
    estimator = BinningEstimator(bins=8)
    first = estimator.mutual_information(T, X, y)
    assert estimator.mutual_information(T[order], X[order], y[order]) == pytest.approx(
        first, abs=1e-12
    )


def test_repeated_inputs_condition_on_the_input():
    # 8 inputs, each twice, every copy in its own bin: H(T) = 4 bits, H(T|X) = 1 bit.
    X = np.repeat(np.arange(8), 2)
    T = (np.arange(16) + 0.5)[:, None]
    i_xt, _ = BinningEstimator(bin_size=1.0).mutual_information(T, X, np.zeros(16, int))
    assert i_xt == pytest.approx(4.0 - 1.0, abs=1e-12)


def test_repeated_inputs_given_as_rows_are_recognised():
    X = np.repeat(PATTERNS[:8], 2, axis=0).astype(float)
    T = (np.arange(16) + 0.5)[:, None]
    i_xt, _ = BinningEstimator(bin_size=1.0).mutual_information(T, X, np.zeros(16, int))
    assert i_xt == pytest.approx(3.0, abs=1e-12)


def minimal_model_entropy(w: float) -> float:
    """Exact H(T) in bits, T = tanh(w X), X ~ N(0, 1), 30 bins on [-1, 1]."""
    edges = np.linspace(-1.0, 1.0, 31)
    with np.errstate(divide="ignore"):
        p = np.diff(norm.cdf(np.arctanh(edges) / w))
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


@pytest.mark.parametrize(("w", "bits"), [(1, 4.877), (10, 2.044), (100, 1.151)])
def test_minimal_model_closed_form_matches_saxe(w, bits):
    assert minimal_model_entropy(w) == pytest.approx(bits, abs=1e-3)


@pytest.mark.parametrize("w", [1, 10, 100])
def test_minimal_model_sample_lands_on_the_closed_form(w):
    n = 10**6
    X = np.random.default_rng(w).normal(size=n)
    T = np.tanh(w * X)[:, None]
    i_xt, _ = BinningEstimator(bins=30).mutual_information(T, np.arange(n), np.zeros(n, int))
    assert i_xt == pytest.approx(minimal_model_entropy(w), abs=0.02)


def test_fixed_grid_has_bins_intervals_and_clips_outside_values():
    estimator = BinningEstimator(bins=30, low=-1.0, high=1.0)
    inside = np.linspace(-1.0, 1.0, 3001)[:, None]
    assert np.array_equal(np.unique(estimator.codes(inside)), np.arange(30))
    outside = np.array([[-5.0], [-1.0], [1.0], [5.0]])
    assert estimator.codes(outside).ravel().tolist() == [0, 0, 29, 29]


def test_fixed_grid_index_is_floor_of_the_scaled_offset():
    T = np.array([[0.0], [0.24], [0.25], [0.74], [0.76], [1.0]])
    assert BinningEstimator(bins=4, low=0.0, high=1.0).codes(T).ravel().tolist() == [
        0, 0, 1, 2, 3, 3,
    ]


def test_bin_size_grid_floors_negative_values_down():
    T = np.array([[-1.01], [-1.0], [-0.5], [-0.01], [-0.0], [0.0], [0.49], [0.5], [1.2]])
    assert BinningEstimator(bin_size=0.5).codes(T).ravel().tolist() == [
        -3, -2, -1, -1, 0, 0, 0, 1, 2,
    ]


def test_layer_range_spans_the_layers_min_and_max():
    T = np.arange(11.0)[:, None] - 3.0  # [-3, 7], 10 bins of width 1
    codes = BinningEstimator(bins=10, range="layer").codes(T).ravel()
    assert codes.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]


@pytest.mark.parametrize("scale", [2.5, 1e-3, 8.0])
def test_layer_range_is_scale_invariant(scale):
    rng = np.random.default_rng(5)
    T, y = rng.normal(size=(500, 4)), rng.integers(0, 2, 500)
    estimator = BinningEstimator(bins=6, range="layer")
    scaled = estimator.mutual_information(T * scale, np.arange(500), y)
    assert scaled == estimator.mutual_information(T, np.arange(500), y)


def test_layer_range_of_a_constant_layer_is_one_bin():
    T, y = np.full((50, 3), 7.0), np.arange(50) % 2
    assert BinningEstimator(range="layer").mutual_information(T, np.arange(50), y) == (0.0, 0.0)


def test_wide_layer_rows_differing_only_in_the_last_unit_are_different_bins():
    T = np.random.default_rng(6).uniform(-1, 1, size=(2, 1024))
    T[1, :-1] = T[0, :-1]
    T[1, -1] = -T[0, -1] if abs(T[0, -1]) > 0.1 else 0.9
    i_xt, _ = BinningEstimator().mutual_information(T, np.arange(2), np.zeros(2, int))
    assert i_xt == 1.0


def test_global_range_without_a_supplied_range_says_the_runner_supplies_it():
    with pytest.raises(ValueError, match="with_run_range"):
        BinningEstimator(range="global").mutual_information(np.zeros((3, 1)), [0, 1, 2], [0, 1, 0])


def test_global_range_with_a_supplied_range_bins_like_that_fixed_range():
    rng = np.random.default_rng(7)
    T, y = rng.uniform(-3, 2, size=(300, 3)), rng.integers(0, 2, 300)
    supplied = BinningEstimator(bins=12, range="global").with_run_range(-3.0, 2.0)
    fixed = BinningEstimator(bins=12, low=-3.0, high=2.0)
    assert supplied.mutual_information(T, np.arange(300), y) == fixed.mutual_information(
        T, np.arange(300), y
    )
    assert supplied.name == "binning:bins=12,range=global"


def test_a_run_range_needs_a_global_range_estimator():
    with pytest.raises(ValueError, match="range='global'"):
        BinningEstimator(bins=12).with_run_range(0.0, 1.0)


def test_bin_size_with_explicit_bins_is_rejected():
    with pytest.raises(ValueError, match="bin_size cannot be combined with bins"):
        BinningEstimator(bins=30, bin_size=0.1).mutual_information(
            np.zeros((2, 1)), np.arange(2), [0, 1]
        )


def test_non_finite_activations_are_rejected():
    with pytest.raises(ValueError, match="activations contain NaN or inf"):
        BinningEstimator().mutual_information(np.array([[0.0], [np.nan]]), np.arange(2), [0, 1])


def test_a_layer_wider_than_one_block_of_columns_keys_its_rows_exactly():
    rng = np.random.default_rng(4)
    base = np.tanh(rng.normal(size=(16, 70_000)))  # 64 rows of 16 kinds: keyed in 2 blocks
    T = base[rng.integers(0, 16, 64)]
    T[:, -1] = np.where(np.arange(64) % 2, 0.99, -0.99)  # the last unit, in the second block
    estimator = BinningEstimator(bins=30, low=-1.0, high=1.0)
    keys = estimator.keys(T)
    rows = np.unique(estimator.codes(T), axis=0, return_inverse=True)[1].ravel()
    pairs = np.unique(np.column_stack([keys, rows]), axis=0)  # one pair per class: one partition
    assert len(pairs) == len(np.unique(keys)) == len(np.unique(rows)) > 16
