"""The matrix-based Renyi estimator: exact cases from the spectra of block Gram matrices."""

import math

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from infonet.information.renyi import RenyiEstimator, default_width, kernel_spectrum, matrix_entropy
from tests.ground_truth import TISHBY_LABEL_COUNTS, renyi_entropy_bits


def tishby_labels() -> np.ndarray:
    return np.repeat([0, 1], TISHBY_LABEL_COUNTS)


LARGE_ORDERS = [500.0, 1000.0, 1e4, 1e300]


def test_identical_rows_give_zero_and_zero():
    T, y = np.full((64, 3), 0.7), np.arange(64) % 4
    assert RenyiEstimator().mutual_information(T, np.arange(64), y) == (0.0, 0.0)


@pytest.mark.parametrize("alpha", [1.01, 2.0, *LARGE_ORDERS])
def test_rows_far_apart_give_log2_n_and_the_label_entropy(alpha):
    T, y = 100.0 * np.arange(64.0)[:, None], np.arange(64) % 4 // 3  # classes of 48 and 16
    i_xt, i_yt = RenyiEstimator(alpha=alpha, width=1.0).mutual_information(T, np.arange(64), y)
    assert i_xt == pytest.approx(6.0, abs=1e-9)
    assert i_yt == pytest.approx(renyi_entropy_bits([48, 16], alpha), abs=1e-9)


@pytest.mark.parametrize("alpha", [1.01, 1.0, 3.0, *LARGE_ORDERS])
def test_a_layer_that_is_a_function_of_the_class_gives_the_class_priors_entropy(alpha):
    y = tishby_labels()
    T = np.where(y[:, None] == 1, 50.0, -50.0) * np.ones((1, 3))
    i_xt, i_yt = RenyiEstimator(alpha=alpha, width=1.0).mutual_information(T, np.arange(4096), y)
    expected = renyi_entropy_bits(TISHBY_LABEL_COUNTS, alpha)
    assert i_xt == pytest.approx(expected, abs=1e-9) and i_yt == pytest.approx(expected, abs=1e-9)


def test_the_tishby_labels_renyi_entropy_at_alpha_1_01_is_0_99915_bits():
    y = tishby_labels()
    T = np.where(y[:, None] == 1, 50.0, -50.0)
    assert RenyiEstimator(width=1.0).mutual_information(T, np.arange(4096), y)[1] == \
        pytest.approx(0.99915, abs=5e-6)


def test_the_spectrum_with_equal_rows_merged_is_the_full_gram_matrix_spectrum():
    rng = np.random.default_rng(0)
    T = rng.normal(size=(30, 2))[rng.integers(0, 30, 120)]  # 120 rows, many equal
    full = np.linalg.eigvalsh(np.exp(-cdist(T, T, "sqeuclidean") / (2 * 0.7**2)))
    merged = kernel_spectrum(T, 0.7)
    assert np.sort(np.r_[merged, np.zeros(120 - len(merged))]) == pytest.approx(
        np.sort(full), abs=1e-9)


def test_information_about_distinct_inputs_is_the_layers_entropy_from_the_full_matrix():
    rng = np.random.default_rng(1)
    T, y = np.tanh(rng.normal(size=(200, 3))), rng.integers(0, 2, 200)
    width = default_width(T)
    gram = np.exp(-cdist(T, T, "sqeuclidean") / (2 * width**2)) / 200
    eigenvalues = np.clip(np.linalg.eigvalsh(gram), 0, None)
    expected = np.log2((eigenvalues**2).sum()) / (1 - 2)
    i_xt, i_yt = RenyiEstimator(alpha=2.0).mutual_information(T, np.arange(200), y)
    assert i_xt == pytest.approx(expected, abs=1e-9)
    joint = gram * (y[:, None] == y[None, :])
    joint_eigenvalues = np.clip(np.linalg.eigvalsh(joint / np.trace(joint)), 0, None)
    joint_entropy = -np.log2((joint_eigenvalues**2).sum())
    label_entropy = renyi_entropy_bits(np.bincount(y), 2.0)
    assert i_yt == pytest.approx(label_entropy + expected - joint_entropy, abs=1e-9)


def test_the_default_width_is_the_ipdl_codes_silverman_rule_with_the_dimension_factor():
    # IPDL's SilvermanOptimizer: sigma = gamma N^(-1/(4+d)) sqrt(d), gamma = 0.8, for the
    # kernel exp(-||t_i - t_j||^2 / (2 sigma^2)): at N = 4096, d = 10, 0.8 sqrt(10) / 4096^(1/14)
    T = np.zeros((4096, 10))
    assert default_width(T) == pytest.approx(0.8 * math.sqrt(10) / 4096 ** (1 / 14), rel=1e-12)
    assert default_width(np.zeros((100, 1))) == pytest.approx(0.8 / 100 ** 0.2, rel=1e-12)


def test_an_unset_width_is_the_rule_on_each_calls_activations():
    rng = np.random.default_rng(5)
    T, y = np.tanh(rng.normal(size=(120, 3))), rng.integers(0, 2, 120)
    rule = 0.8 * math.sqrt(3) * 120 ** (-1 / 7)
    assert RenyiEstimator().mutual_information(T, np.arange(120), y) == \
        RenyiEstimator(width=rule).mutual_information(T, np.arange(120), y)


def test_a_window_of_identical_epochs_measures_the_single_epoch():
    rng = np.random.default_rng(2)
    T, y = np.tanh(rng.normal(size=(100, 2))), rng.integers(0, 2, 100)
    estimator = RenyiEstimator(width=0.3)
    single = estimator.mutual_information(T, np.arange(100), y)
    pooled = estimator.mutual_information(np.tile(T, (4, 1)), np.tile(np.arange(100), 4),
                                          np.tile(y, 4))
    assert pooled == pytest.approx(single, abs=1e-9)


def test_information_is_bounded_by_the_entropies():
    rng = np.random.default_rng(3)
    T, y = rng.normal(size=(150, 4)), rng.integers(0, 3, 150)
    i_xt, i_yt = RenyiEstimator().mutual_information(T, np.arange(150), y)
    assert 0 <= i_xt <= np.log2(150) and 0 <= i_yt <= renyi_entropy_bits(np.bincount(y), 1.01)


def test_matrix_entropy_tends_to_minus_log2_of_the_largest_eigenvalue():
    eigenvalues = np.array([0.5, 0.3, 0.2])
    assert matrix_entropy(eigenvalues, 1e300) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    "alpha", [1 + np.finfo(float).eps, 1 - np.finfo(float).eps / 2, 1 + 1e-12, 1 - 1e-12,
              1 + 1e-8, 1 - 1e-8])
def test_matrix_entropy_near_order_one_is_von_neumanns_with_its_slope(alpha):
    # S_alpha = H - (alpha - 1) ln 2 / 2 Var(log2 l) + O((alpha - 1)^2); here H = 1.5, Var = 1/4
    expected = 1.5 - (alpha - 1) * math.log(2) / 2 * 0.25
    assert matrix_entropy(np.array([0.5, 0.25, 0.25, 0.0]), alpha) == pytest.approx(
        expected, abs=1e-14)


@pytest.mark.parametrize("alpha", [1e-300, 0.5, 1.01, 2.0, 500.0])
def test_tiny_widths_give_the_equality_kernel_and_huge_widths_the_constant_kernel(alpha):
    rng = np.random.default_rng(4)
    T, y = rng.normal(size=(50, 2)), rng.integers(0, 2, 50)
    tiny = RenyiEstimator(alpha=alpha, width=1e-200).mutual_information(T, np.arange(50), y)
    assert tiny == pytest.approx(
        (math.log2(50), renyi_entropy_bits(np.bincount(y), alpha)), abs=1e-9)
    huge = RenyiEstimator(alpha=alpha, width=1e200).mutual_information(T, np.arange(50), y)
    assert huge == pytest.approx((0.0, 0.0), abs=1e-9)


def test_matrix_entropy_of_order_one_is_von_neumanns():
    assert matrix_entropy(np.array([0.5, 0.25, 0.25, 0.0]), 1) == pytest.approx(1.5, abs=1e-12)


@pytest.mark.parametrize(
    ("parameters", "named"), [({"alpha": 0.0}, "alpha"), ({"width": -1.0}, "width")]
)
def test_invalid_hyper_parameters_are_named(parameters, named):
    with pytest.raises(ValueError, match=named):
        RenyiEstimator(**parameters)
