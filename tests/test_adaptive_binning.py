"""Adaptive binning (equal-mass, max-entropy edges): exact counts on heavy tails and saturation."""

import numpy as np
import pytest

from information.binning import BinningEstimator, adaptive_edges
from tests.ground_truth import entropy_bits, heavy_tailed_layer

EDGES = ["equal-mass", "max-entropy"]


@pytest.mark.parametrize("edges", EDGES)
@pytest.mark.parametrize("bins", [2, 32, 4096])
def test_distinct_values_give_log2_bins_whatever_their_distribution(edges, bins):
    T = heavy_tailed_layer()
    i_xt, _ = BinningEstimator(bins=bins, edges=edges).mutual_information(
        T, np.arange(4096), np.zeros(4096, int))
    assert i_xt == pytest.approx(np.log2(bins), abs=1e-12)


def test_equal_width_bins_waste_themselves_on_the_heavy_tail():
    T = heavy_tailed_layer()
    i_xt, _ = BinningEstimator(bins=32, range="layer").mutual_information(
        T, np.arange(4096), np.zeros(4096, int))
    assert i_xt < 1.0


@pytest.mark.parametrize("edges", EDGES)
def test_classes_split_at_the_median_are_read_exactly(edges):
    T = heavy_tailed_layer()
    y = (T[:, 0] > np.median(T)).astype(int)
    _, i_yt = BinningEstimator(bins=8, edges=edges).mutual_information(T, np.arange(4096), y)
    assert i_yt == pytest.approx(1.0, abs=1e-12)


def test_saturated_values_fill_equal_mass_bins_but_count_once_for_max_entropy():
    # 2048 distinct values in (-1, 0) and 2048 copies of a saturated 1.0; 4 bins.
    T = np.r_[-np.random.default_rng(0).uniform(0.01, 0.99, 2048), np.ones(2048)][:, None]
    ids, y = np.arange(4096), np.zeros(4096, int)
    equal_mass = BinningEstimator(bins=4, edges="equal-mass").mutual_information(T, ids, y)[0]
    max_entropy = BinningEstimator(bins=4, edges="max-entropy").mutual_information(T, ids, y)[0]
    # equal-mass: sorted positions 1024 | 2048 | 3072 cut; the last cut falls inside the 1.0s
    assert equal_mass == pytest.approx(entropy_bits([1024, 1024, 2048]), abs=1e-12)
    # max-entropy: 2049 distinct values cut at 512 | 1024 | 1536; the 1.0s join the last bin
    assert max_entropy == pytest.approx(entropy_bits([512, 512, 512, 512 + 2048]), abs=1e-12)


def test_edges_pool_every_unit_of_the_layer():
    T = np.column_stack([np.arange(8.0), np.arange(8.0) + 8])  # 16 distinct values
    assert adaptive_edges(T, 4, "equal-mass") == pytest.approx([3.5, 7.5, 11.5])


def test_fewer_distinct_values_than_bins_leave_bins_empty():
    T = np.repeat([[0.0], [1.0], [2.0]], 10, axis=0)
    i_xt, _ = BinningEstimator(bins=30, edges="max-entropy").mutual_information(
        T, np.arange(30), np.zeros(30, int))
    assert i_xt == pytest.approx(np.log2(3), abs=1e-12)


@pytest.mark.parametrize("edges", EDGES)
def test_a_window_bins_its_pooled_values_on_one_set_of_edges(edges):
    T = heavy_tailed_layer(1024)
    estimator = BinningEstimator(bins=16, edges=edges)
    pooled = estimator.mutual_information(np.tile(T, (2, 1)), np.tile(np.arange(1024), 2),
                                          np.zeros(2048, int))
    assert pooled[0] == pytest.approx(4.0, abs=1e-12)


@pytest.mark.parametrize("clash", [{"low": 0.0}, {"bin_size": 0.5}, {"range": "layer"}])
def test_adaptive_edges_take_only_bins(clash):
    with pytest.raises(ValueError, match="takes only bins"):
        BinningEstimator(edges="equal-mass", **clash)


def test_an_unknown_edges_rule_is_named():
    with pytest.raises(ValueError, match="edges must be one of"):
        BinningEstimator(edges="quantile")
