"""Adaptive binning (equal-mass, max-entropy edges): exact counts on heavy tails and saturation."""

import numpy as np
import pytest

from infonet.information.binning import BinningEstimator, adaptive_edges, bin_indices
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


def sorted_edges(values: np.ndarray, bins: int, edges: str) -> np.ndarray:
    """The edges by the cited codes' rules, sorting every value: equal-mass cuts the sorted
    values into ``np.array_split``'s runs (Lorenzen et al.: the first n % bins one longer);
    max-entropy keeps the distinct ones, a layer without negative values its zeros apart
    (Chelombiev et al.'s edge at 0), and cuts before int(k n / bins); edges at midpoints."""
    ordered = np.sort(np.asarray(values, dtype=np.float64), axis=None)
    if edges == "equal-mass":
        runs = [run for run in np.array_split(ordered, bins) if run.size]
        return np.array([0.5 * (a[-1] + b[0]) for a, b in zip(runs[:-1], runs[1:], strict=True)])
    ordered = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
    zero = []
    if ordered.size and ordered[0] >= 0:
        zero = [0.5 * ordered[1]] if ordered[0] == 0 and ordered.size > 1 else []
        ordered = ordered[ordered > 0]
    cuts = np.array([int(k * (len(ordered) / bins)) for k in range(1, bins)], dtype=int)
    cuts = cuts[cuts > 0]
    return np.r_[zero, 0.5 * (ordered[cuts - 1] + ordered[cuts])]


def layers() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    tanh = np.tanh(2 * rng.normal(size=(4096, 10)))
    return {
        "tanh": tanh,
        "tanh as float32": tanh.astype(np.float32).astype(np.float64),
        "cauchy": rng.standard_cauchy((2000, 3)),
        "relu, half zeros": np.maximum(rng.normal(size=(3000, 4)), 0),
        "saturated at 1.0": np.r_[rng.uniform(-1, 1, 500), np.ones(1500)].reshape(-1, 2),
        "rounded, many ties": np.round(rng.normal(size=(5000, 2)), 1),
        "signed zeros": rng.choice([-0.0, 0.0, 1e-300, -1.0, 2.0], size=(999, 3)),
        "one -0.0 and one 0.0": np.r_[-0.0, rng.normal(size=98), 0.0][:, None],
        "one value": np.full((50, 2), 0.25),
        "fewer values than bins": rng.normal(size=(5, 1)),
        "extremes": np.array([[-1e308], [1e308], [0.0], [5e-324], [1e-300], [-7.0]]),
        "subnormal range": np.array([[5e-324], [1e-323], [5e-324], [1.5e-323]]),
    }


@pytest.mark.parametrize("edges", EDGES)
@pytest.mark.parametrize("bins", [1, 2, 7, 30, 4096])
@pytest.mark.parametrize("layer", list(layers()))
def test_edges_and_codes_are_those_of_sorting_every_value(layer, bins, edges):
    T = layers()[layer]
    expected = sorted_edges(T, bins, edges)
    assert np.array_equal(adaptive_edges(T, bins, edges), expected)
    codes = BinningEstimator(bins=bins, edges=edges).codes(T)
    assert codes.dtype == np.int64
    assert np.array_equal(codes, np.searchsorted(expected, T, side="right"))


def test_equal_mass_gives_the_first_n_mod_b_bins_one_value_more_as_lorenzens_code():
    T = np.arange(10.0)[:, None]  # 10 values in 4 bins: 3, 3, 2, 2
    codes = BinningEstimator(bins=4, edges="equal-mass").codes(T)[:, 0]
    assert np.bincount(codes).tolist() == [3, 3, 2, 2]


def test_max_entropy_keeps_a_relu_layers_zeros_in_a_bin_of_their_own_as_chelombievs_code():
    # Chelombiev et al.'s edges for a ReLU layer: 0, then the distinct positive values u at
    # int(k n / B), k = 0..B-1, then max u; np.digitize(t, edges) - 1 is the bin (their last
    # edge, which gives the maximum a bin of its own, is left out here).
    T = np.maximum(np.random.default_rng(9).normal(size=(400, 3)), 0)
    unique = np.unique(T[T > 0])
    theirs = np.r_[0.0, [unique[int(k * (unique.size / 8))] for k in range(8)]]
    codes = BinningEstimator(bins=8, edges="max-entropy").codes(T)
    assert np.array_equal(codes, np.digitize(T, theirs) - 1)
    assert np.array_equal(np.flatnonzero(codes.ravel() == 0), np.flatnonzero(T.ravel() == 0))


@pytest.mark.parametrize("edges", EDGES)
def test_a_layer_without_units_has_no_edges_and_empty_codes(edges):
    T = np.empty((4, 0))
    assert adaptive_edges(T, 30, edges).size == 0
    assert BinningEstimator(bins=30, edges=edges).codes(T).shape == (4, 0)


def test_bin_indices_count_the_edges_at_or_below_each_value_wherever_the_edges_lie():
    values = np.random.default_rng(8).normal(size=(300, 2))
    edges = np.array([-1e300, -50.0, -3.0, -0.5, -0.0, 0.0, 0.25, 0.25, 2.0, 9.0, 1e300])
    assert np.array_equal(bin_indices(values, edges),
                          np.searchsorted(edges, values, side="right"))
