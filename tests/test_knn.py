"""The nearest-neighbour estimator of the noisy layer: quadrature truths, closed-form entropies,
and scikit-learn's mutual_info_classif on the same noisy samples."""

import math

import numpy as np
import pytest
from sklearn.feature_selection import mutual_info_classif

from infonet.information.knn import (
    NearestNeighbourEstimator,
    kozachenko_leonenko_entropy,
    ross_information,
)
from infonet.information.noise import noisy_samples
from tests.ground_truth import gaussian_entropy, noisy_cases, small_noisy_cases

CASES = noisy_cases()


@pytest.mark.parametrize("case", small_noisy_cases() + CASES, ids=lambda c: c.name)
def test_its_default_agrees_with_the_quadrature_truth_within_0_06_bits(case):
    estimator = NearestNeighbourEstimator(noise_variance=case.noise_variance)
    i_xt, i_yt = estimator.mutual_information(case.T, case.X, case.y)
    assert i_xt == pytest.approx(case.i_xt, abs=0.06)
    assert i_yt == pytest.approx(case.i_yt, abs=0.06)


def test_its_standard_error_is_the_spread_of_independent_seeds():
    case = small_noisy_cases()[2]  # 1-D, 256 rows
    estimates = [NearestNeighbourEstimator(noise_variance=case.noise_variance, seed=seed)
                 .estimate(case.T, case.X, case.y) for seed in range(12)]
    spread = np.std([e.i_xt for e in estimates], ddof=1)
    assert 0.5 < np.mean([e.i_xt_se for e in estimates]) / spread < 2.0
    spread_y = np.std([e.i_yt for e in estimates], ddof=1)
    assert 0.5 < np.mean([e.i_yt_se for e in estimates]) / spread_y < 2.0


def test_its_estimate_is_the_mean_of_its_replicates_drawn_from_one_stream():
    case = CASES[1]
    four = NearestNeighbourEstimator(noise_variance=case.noise_variance, draws=3, replicates=4,
                                     seed=5).estimate(case.T, case.X, case.y)
    V, sources = noisy_samples(case.T, case.noise_variance, 12, 5)  # 4 x 3 draws per row
    n = 3 * len(case.T)
    h_z = gaussian_entropy(2, case.noise_variance)
    replicates = [(kozachenko_leonenko_entropy(V[r * n:(r + 1) * n], 3) - h_z) / math.log(2)
                  for r in range(4)]
    assert four.i_xt == pytest.approx(np.mean(replicates), abs=1e-12)
    assert four.i_xt_se == pytest.approx(np.std(replicates, ddof=1) / 2, abs=1e-12)


def test_draws_alone_is_one_replicate_whose_error_is_unknown():
    case = CASES[0]
    estimator = NearestNeighbourEstimator(noise_variance=case.noise_variance, draws=2)
    assert estimator.name == "knn:k=3,noise_variance=0.05,draws=2,seed=0"
    assert all(math.isnan(error) for error in estimator.estimate(case.T, case.X, case.y)[2:])


def test_draws_and_points_cannot_both_be_given():
    with pytest.raises(ValueError, match="give one of them"):
        NearestNeighbourEstimator(draws=2, points=100)


@pytest.mark.parametrize(
    ("shape", "reason"),
    [((4096, 10), "d = 10 > 3 units"), ((50, 2), "N = 50 < 96 samples"), ((200, 2), None)],
)
def test_it_declares_its_trusted_dimensions_and_sizes(shape, reason):
    said = NearestNeighbourEstimator().validity(np.zeros(shape))
    assert said == reason if reason is None else said.startswith(reason)


@pytest.mark.parametrize("d", [1, 3])
def test_kozachenko_leonenko_recovers_a_gaussians_entropy(d):
    points = np.random.default_rng(d).normal(scale=2.0, size=(20000, d))
    assert kozachenko_leonenko_entropy(points, 3) == pytest.approx(
        gaussian_entropy(d, 4.0), abs=0.03)


def test_its_label_term_on_a_1d_layer_is_scikit_learns_mutual_info_classif():
    case = CASES[0]
    estimator = NearestNeighbourEstimator(k=3, noise_variance=case.noise_variance, draws=2,
                                          seed=7)
    _, i_yt = estimator.mutual_information(case.T, case.X, case.y)
    V, sources = noisy_samples(case.T, case.noise_variance, 2, 7)
    nats = mutual_info_classif(V, case.y[sources], n_neighbors=3, random_state=0)[0]
    assert nats > 0  # scikit-learn clips at zero; compare where it does not
    assert i_yt == pytest.approx(nats / math.log(2), rel=1e-6)


def test_ross_term_ignores_a_class_of_one_point_as_scikit_learn_does():
    rng = np.random.default_rng(2)
    labels = np.r_[rng.integers(0, 2, 300), 2]
    points = (rng.normal(size=301) + labels)[:, None]
    nats = mutual_info_classif(points, labels, n_neighbors=3, random_state=0)[0]
    assert ross_information(points, labels, 3) == pytest.approx(nats, rel=1e-6)


def test_duplicate_rows_are_separated_by_the_noise():
    T = np.repeat(np.array([[0.0], [5.0]]), 500, axis=0)  # two values, 500 copies each
    y = np.repeat([0, 1], 500)
    i_xt, i_yt = NearestNeighbourEstimator(noise_variance=0.1, draws=4).mutual_information(
        T, np.arange(1000), y)
    assert i_xt == pytest.approx(1.0, abs=0.06)  # two far-apart Gaussians: h(Z) + 1 bit
    assert i_yt == pytest.approx(1.0, abs=0.06)


def test_repeated_inputs_with_too_few_points_each_are_refused():
    T, X = np.random.default_rng(3).normal(size=(60, 1)), np.tile(np.arange(20), 3)
    with pytest.raises(ValueError, match="more than k=3 noisy points per input"):
        NearestNeighbourEstimator(k=3, draws=1).mutual_information(T, X, X % 2)


@pytest.mark.parametrize("noise_variance", [5e-324, 1e300])
def test_the_extreme_noise_variances_allowed_give_finite_estimates(noise_variance):
    T = np.random.default_rng(5).normal(size=(200, 3))  # distinct rows: no points coincide
    estimator = NearestNeighbourEstimator(noise_variance=noise_variance, draws=1)
    i_xt, i_yt = estimator.mutual_information(
        T, np.arange(200), np.arange(200) % 2)
    assert math.isfinite(i_xt) and math.isfinite(i_yt)


def test_labels_that_leave_no_class_of_two_points_are_refused():
    T = np.random.default_rng(6).normal(size=(50, 2))
    with pytest.raises(ValueError, match="a class with more than one noisy point"):
        NearestNeighbourEstimator(draws=1).mutual_information(T, np.arange(50), np.arange(50))


def test_the_same_seed_gives_the_same_estimate():
    case = CASES[1]
    estimator = NearestNeighbourEstimator(noise_variance=case.noise_variance, seed=4)
    assert estimator.mutual_information(case.T, case.X, case.y) == \
        estimator.mutual_information(case.T, case.X, case.y)


@pytest.mark.parametrize(
    ("parameters", "named"),
    [({"k": 0}, "k"), ({"noise_variance": -1.0}, "noise_variance"), ({"draws": 0}, "draws"),
     ({"seed": -2}, "seed"), ({"noise_variance": 1e301}, "noise_variance"),
     ({"points": 0}, "points"), ({"replicates": 0}, "replicates")],
)
def test_invalid_hyper_parameters_are_named(parameters, named):
    with pytest.raises(ValueError, match=named):
        NearestNeighbourEstimator(**parameters)
