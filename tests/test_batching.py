"""The Batching estimator: a window of epochs pooled as draws of one random network."""

import numpy as np
import pytest

from infonet.information.batching import BatchingEstimator
from infonet.information.binning import BinningEstimator
from infonet.information.kde import KDEEstimator

ESTIMATORS = [BinningEstimator(bins=8), BinningEstimator(bins=8, range="layer"), KDEEstimator()]


def h_bits(p: np.ndarray) -> float:
    return float(-(p * np.log2(p)).sum())


def random_layer(seed: int, epochs: int, n: int = 120, d: int = 3):
    rng = np.random.default_rng(seed)
    return np.tanh(rng.normal(size=(epochs, n, d))), np.arange(n), rng.integers(0, 3, n)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.name)
def test_a_window_of_one_epoch_is_the_plain_estimator(estimator):
    T, X, y = random_layer(0, epochs=1)
    pooled = BatchingEstimator(estimator, window=1).mutual_information(T, X, y)
    assert pooled == estimator.mutual_information(T[0], X, y)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.name)
def test_identical_epochs_give_the_plain_estimator(estimator):
    T, X, y = random_layer(1, epochs=1)
    pooled = BatchingEstimator(estimator, window=4).mutual_information(np.repeat(T, 4, 0), X, y)
    assert pooled == pytest.approx(estimator.mutual_information(T[0], X, y), abs=1e-12)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.name)
def test_information_is_bounded_by_the_inputs_and_the_labels(estimator):
    T, X, y = random_layer(2, epochs=5)
    i_xt, i_yt = BatchingEstimator(estimator, window=5).mutual_information(T, X, y)
    labels = np.unique(y, return_counts=True)[1] / len(y)
    assert i_xt <= np.log2(len(X)) + 1e-12
    assert i_yt <= h_bits(labels) + 1e-12


def test_activations_moving_between_epochs_lose_information_about_the_input():
    # Epoch 1 puts input i in bin i, epoch 2 in bin i + 1 (mod 16): alone each gives 4 bits;
    # pooled, every bin holds 2 of 32 rows (H(T) = 4) and each input 2 bins (H(T|X) = 1).
    X, y = np.arange(16), np.zeros(16, int)
    T = np.stack([X + 0.5, (X + 1) % 16 + 0.5])[:, :, None]
    estimator = BinningEstimator(bin_size=1.0)
    for epoch in T:
        assert estimator.mutual_information(epoch, X, y)[0] == 4.0
    pooled = BatchingEstimator(estimator, window=2).mutual_information(T, X, y)
    assert pooled[0] == pytest.approx(3.0, abs=1e-12)


def test_layer_range_is_the_range_of_the_whole_window():
    # Common range [0, 10], 2 bins: epoch 1 puts both inputs in bin 0, epoch 2 input 1 in bin 1.
    T = np.array([[[0.0], [1.0]], [[0.0], [10.0]]])
    estimator = BatchingEstimator(BinningEstimator(bins=2, range="layer"), window=2)
    i_xt, _ = estimator.mutual_information(T, np.arange(2), np.array([0, 1]))
    assert i_xt == pytest.approx(h_bits(np.array([0.75, 0.25])) - 0.5, abs=1e-12)


def test_information_about_the_labels_conditions_on_the_labels():
    T, X, _ = random_layer(3, epochs=3)
    i_xt, i_yt = BatchingEstimator(BinningEstimator(bins=8), window=3).mutual_information(
        T, X, np.zeros(len(X), int)
    )
    assert i_xt > 1 and i_yt == 0.0


def test_a_window_of_the_wrong_length_is_rejected():
    T, X, y = random_layer(4, epochs=3)
    with pytest.raises(ValueError, match="3 epochs but window=4"):
        BatchingEstimator(BinningEstimator(), window=4).mutual_information(T, X, y)


def test_activations_of_a_single_epoch_are_rejected():
    T, X, y = random_layer(5, epochs=1)
    with pytest.raises(ValueError, match=r"\(window, samples, units\)"):
        BatchingEstimator(BinningEstimator(), window=1).mutual_information(T[0], X, y)


def test_mismatched_inputs_are_reported_per_epoch():
    T, X, y = random_layer(6, epochs=2)
    with pytest.raises(ValueError, match="T has 120 rows, X 119, y 120"):
        BatchingEstimator(BinningEstimator(), window=2).mutual_information(T, X[:-1], y)


def test_window_below_one_is_rejected():
    with pytest.raises(ValueError, match="window"):
        BatchingEstimator(BinningEstimator(), window=0).mutual_information(
            np.zeros((0, 2, 1)), np.arange(2), [0, 1]
        )
