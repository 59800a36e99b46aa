"""Bias-corrected discrete entropies: closed forms, the NSB integral done another way (over the
Dirichlet concentration itself, by scipy's quad), and the estimators that offer them."""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import digamma, gammaln, polygamma

from infonet.information.binning import BinningEstimator
from infonet.information.corrections import (
    conditional_entropy_given,
    corrected_entropy,
    grassberger_entropy,
    miller_madow_entropy,
    nsb_entropy,
)
from infonet.information.estimators import estimator_from_spec
from infonet.information.exact import ExactEstimator
from tests.ground_truth import entropy_bits

EULER = 0.5772156649015329


def uniform_sample() -> np.ndarray:
    """4096 draws of a uniform distribution over 4096 states: counts of the observed states."""
    return np.bincount(np.random.default_rng(0).integers(0, 4096, 4096)).astype(np.int64)


def test_miller_madow_adds_observed_states_minus_one_over_2n_nats():
    counts = np.array([2, 1, 1])  # plug-in 1.5 bits, 3 states, N = 4
    assert miller_madow_entropy(counts) == pytest.approx(1.5 + 2 / 8 / math.log(2), abs=1e-12)


def test_grassberger_of_singletons_is_ln_n_plus_euler_plus_ln_2():
    # G(1) = psi(1) - (psi(1) - psi(1/2)) / 2 = -gamma - ln 2
    expected = (math.log(50) + EULER + math.log(2)) / math.log(2)
    assert grassberger_entropy(np.ones(50, dtype=np.int64)) == pytest.approx(expected, abs=1e-12)


def test_grassberger_of_pairs_is_ln_n_minus_g_of_2():
    # G(2) = psi(2) + (psi(3/2) - psi(1)) / 2 = 2 - gamma - ln 2
    expected = (math.log(60) - (2 - EULER - math.log(2))) / math.log(2)
    assert grassberger_entropy(np.full(30, 2)) == pytest.approx(expected, abs=1e-12)


def reference_nsb(counts: np.ndarray, states: int) -> float:
    """NSB by its definition over beta (K states, the unobserved ones counted one by one),
    integrated by quad in ln beta; bits."""
    counts = np.r_[counts, np.zeros(states - len(counts))]
    n = counts.sum()

    def log_weight(log_beta: float) -> float:
        beta = math.exp(log_beta)
        likelihood = (gammaln(states * beta) - gammaln(n + states * beta)
                      + (gammaln(counts + beta) - gammaln(beta)).sum())
        prior = states * polygamma(1, states * beta + 1) - polygamma(1, beta + 1)
        return likelihood + math.log(prior) + log_beta

    def mean(log_beta: float) -> float:
        beta = math.exp(log_beta)
        total = n + states * beta
        return digamma(total + 1) - ((counts + beta) / total * digamma(counts + beta + 1)).sum()

    grid = np.linspace(-25, 25, 2001)
    peak = max(log_weight(b) for b in grid)
    top = quad(lambda b: math.exp(log_weight(b) - peak) * mean(b), -25, 25, limit=400,
               points=[grid[np.argmax([log_weight(b) for b in grid])]])[0]
    bottom = quad(lambda b: math.exp(log_weight(b) - peak), -25, 25, limit=400,
                  points=[grid[np.argmax([log_weight(b) for b in grid])]])[0]
    return top / bottom / math.log(2)


@pytest.mark.parametrize(("counts", "states"), [([3, 1, 1], 6), ([5, 4, 2, 1, 1, 1], 10),
                                                ([1, 1, 1, 2], 40), ([7, 7], 2)])
def test_nsb_is_its_integral_over_the_dirichlet_concentration(counts, states):
    counts = np.array(counts)
    assert nsb_entropy(counts, math.log(states)) == pytest.approx(
        reference_nsb(counts, states), abs=2e-4)


def test_on_a_uniform_distribution_over_as_many_states_as_samples_the_corrections_close_the_gap():
    counts = uniform_sample()
    counts = counts[counts > 0]
    plug_in = entropy_bits(counts)
    assert plug_in == pytest.approx(11.18, abs=0.02)  # the true entropy is 12 bits
    mm, grassberger = miller_madow_entropy(counts), grassberger_entropy(counts)
    nsb = nsb_entropy(counts, math.log(4096))
    assert plug_in < mm < grassberger < 12.0
    assert 12.0 - grassberger < 0.1 and nsb == pytest.approx(12.0, abs=0.05)


@pytest.mark.parametrize("correction", ["miller-madow", "grassberger", "nsb"])
def test_many_samples_of_few_states_make_every_correction_the_plug_in(correction):
    counts = np.random.default_rng(1).multinomial(10**6, [0.5, 0.25, 0.125, 0.125])
    assert corrected_entropy(counts, correction, math.log(4)) == pytest.approx(
        entropy_bits(counts), abs=1e-5)  # bias of order K / N = 4e-6


def test_a_conditional_entropy_averages_each_groups_corrected_entropy():
    keys, groups = np.array([0, 1, 1, 2, 0, 0, 5]), np.array([0, 0, 0, 0, 1, 1, 1])
    expected = 4 / 7 * miller_madow_entropy(np.array([1, 2, 1])) + 3 / 7 * miller_madow_entropy(
        np.array([2, 1]))
    assert conditional_entropy_given(keys, groups, "miller-madow", 0.0) == pytest.approx(
        expected, abs=1e-12)


def test_binning_with_nsb_counts_the_grids_states():
    # one unit, 4096 equal cells on [0, 1), values uniform over the cells: NSB with K = 4096
    cells = np.random.default_rng(0).integers(0, 4096, 4096)
    T, ids = ((cells + 0.5) / 4096)[:, None], np.arange(4096)
    estimator = BinningEstimator(bins=4096, low=0.0, high=1.0, correction="nsb")
    counts = uniform_sample()
    assert estimator.mutual_information(T, ids, np.zeros(4096, int))[0] == pytest.approx(
        nsb_entropy(counts[counts > 0], math.log(4096)), abs=1e-12)


@pytest.mark.parametrize("correction", ["miller-madow", "grassberger", "nsb"])
def test_distinct_inputs_leave_h_t_given_x_zero_under_any_correction(correction):
    T = np.repeat(np.arange(8.0), 4)[:, None]  # 8 values, 4 rows each, 32 distinct inputs
    i_xt, i_yt = ExactEstimator(correction=correction).mutual_information(
        T, np.arange(32), np.zeros(32, int))
    h_t = corrected_entropy(np.full(8, 4), correction, math.log(8))
    assert i_xt == pytest.approx(h_t, abs=1e-12) and i_yt == pytest.approx(0.0, abs=1e-12)


def test_on_all_of_a_finite_dataset_miller_madow_overshoots_the_exact_plug_in():
    T = np.arange(1024.0)[:, None]  # 1024 distinct rows: I(X;T) = H(X) = 10 bits exactly
    ids, y = np.arange(1024), np.zeros(1024, int)
    assert ExactEstimator().mutual_information(T, ids, y)[0] == pytest.approx(10.0, abs=1e-12)
    overshoot = ExactEstimator(correction="miller-madow").mutual_information(T, ids, y)[0]
    assert overshoot == pytest.approx(10.0 + 1023 / 2048 / math.log(2), abs=1e-12)


@pytest.mark.parametrize(("spec", "name"), [
    ("binning:correction=grassberger", "binning:bins=30,low=-1.0,high=1.0,correction=grassberger"),
    ("binning:bin_size=0.5,correction=nsb", "binning:bin_size=0.5,correction=nsb"),
    ("binning:correction=none", "binning:bins=30,low=-1.0,high=1.0"),
    ("exact:correction=miller-madow", "exact:correction=miller-madow"),
    ("exact:correction=none", "exact"),
])
def test_a_correction_is_named_and_parses_back(spec, name):
    estimator = estimator_from_spec(spec)
    assert estimator.name == name and estimator_from_spec(name) == estimator


def test_an_unknown_correction_is_named():
    with pytest.raises(ValueError, match="correction must be one of"):
        estimator_from_spec("exact:correction=jackknife")
