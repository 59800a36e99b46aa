"""The Monte Carlo estimator of the noisy layer: exact limits, quadrature truths, the KDE bounds,
its standard error, and determinism."""

import math

import numpy as np
import pytest
from scipy.special import logsumexp

from infonet.information.estimators import estimator_from_spec
from infonet.information.kde import KDEEstimator
from infonet.information.mc import MonteCarloEstimator, draws_needed, noisy_log_kernel_sums
from tests.ground_truth import entropy_bits, noisy_cases, small_noisy_cases

CASES = noisy_cases()


def twelve_bit_layer() -> np.ndarray:
    """A 10-unit tanh layer (float32, as networks give it) of the 4096 12-bit patterns: distinct
    rows, the nearest two 0.047 apart."""
    patterns = (np.arange(4096)[:, None] >> np.arange(12)) & 1
    weights = np.random.default_rng(12).normal(size=(12, 10))
    return np.tanh((2.0 * patterns - 1) @ weights).astype(np.float32)


def test_identical_rows_give_zero_and_zero():
    T, y = np.full((64, 3), 0.7), np.arange(64) % 4
    i_xt, i_yt = MonteCarloEstimator().mutual_information(T, np.arange(64), y)
    assert abs(i_xt) < 1e-12 and abs(i_yt) < 1e-12


def test_rows_far_apart_give_log2_n_and_h_y():
    T, y = 100.0 * np.arange(50)[:, None], np.arange(50) % 3
    i_xt, i_yt = MonteCarloEstimator(noise_variance=0.1).mutual_information(T, np.arange(50), y)
    assert i_xt == pytest.approx(np.log2(50), abs=1e-6)
    assert i_yt == pytest.approx(entropy_bits(np.bincount(y)), abs=1e-6)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_agrees_with_the_quadrature_truth_within_0_02_bits(case):
    estimator = MonteCarloEstimator(noise_variance=case.noise_variance, draws=64)
    i_xt, i_yt = estimator.mutual_information(case.T, case.X, case.y)
    assert i_xt == pytest.approx(case.i_xt, abs=0.02)
    assert i_yt == pytest.approx(case.i_yt, abs=0.02)


@pytest.mark.parametrize("case", small_noisy_cases() + CASES, ids=lambda c: c.name)
def test_its_default_agrees_with_the_quadrature_truth_within_0_02_bits_at_small_n(case):
    i_xt, i_yt, i_xt_se, i_yt_se = MonteCarloEstimator(case.noise_variance).estimate(
        case.T, case.X, case.y)
    assert i_xt == pytest.approx(case.i_xt, abs=0.02)
    assert i_yt == pytest.approx(case.i_yt, abs=0.02)
    assert i_xt_se <= 0.01 and i_yt_se <= 0.01


def test_a_target_draws_from_the_stream_of_the_fixed_draws():
    case = CASES[1]  # an unreachable target: rounds of 4 draws, then up to the cap of 13
    capped = MonteCarloEstimator(case.noise_variance, target_se=1e-9, max_draws=13, seed=2)
    fixed = MonteCarloEstimator(case.noise_variance, draws=13, seed=2)
    assert capped.estimate(case.T, case.X, case.y) == fixed.estimate(case.T, case.X, case.y)


def test_a_target_already_met_stops_after_the_first_four_draws():
    case = CASES[0]
    met = MonteCarloEstimator(case.noise_variance, target_se=1.0)
    assert met.estimate(case.T, case.X, case.y) == MonteCarloEstimator(
        case.noise_variance, draws=4).estimate(case.T, case.X, case.y)


@pytest.mark.parametrize(
    ("done", "error", "most", "needed"),
    [(4, 0.02, 256, 16), (4, 0.01, 256, 4), (4, 0.005, 256, 4), (4, 0.0101, 256, 5),
     (4, 0.2, 256, 256), (256, 0.02, 256, 256)],
)
def test_draws_needed_scale_as_the_squared_error_ratio_within_the_cap(done, error, most, needed):
    assert draws_needed(done, error, 0.01, most) == needed


def test_old_fixed_draw_names_keep_their_estimator_and_the_default_names_its_stopping_rule():
    old = estimator_from_spec("mc:noise_variance=0.1,draws=4,seed=0")
    assert old == MonteCarloEstimator(draws=4)
    assert old.name == "mc:noise_variance=0.1,draws=4,seed=0"
    default = estimator_from_spec("mc")
    assert default.name == "mc:noise_variance=0.1,target_se=0.01,max_draws=256,seed=0"
    assert estimator_from_spec(default.name) == default == MonteCarloEstimator()


@pytest.mark.parametrize("clash", [{"target_se": 0.01}, {"max_draws": 8}])
def test_fixed_draws_cannot_be_given_with_a_stopping_rule(clash):
    with pytest.raises(ValueError, match="give draws alone"):
        MonteCarloEstimator(draws=4, **clash)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_lies_between_the_kde_bounds(case):
    lower, upper = (KDEEstimator(noise_variance=case.noise_variance, bound=bound)
                    .mutual_information(case.T, case.X, case.y)[0] for bound in ("lower", "upper"))
    estimate = MonteCarloEstimator(noise_variance=case.noise_variance, draws=16)
    assert lower < estimate.mutual_information(case.T, case.X, case.y)[0] < upper


def test_standard_error_shrinks_as_one_over_root_samples_and_covers_the_error():
    case = CASES[0]
    few, _, few_error, _ = MonteCarloEstimator(case.noise_variance, draws=4).estimate(
        case.T, case.X, case.y)
    many_error = MonteCarloEstimator(case.noise_variance, draws=64).estimate(
        case.T, case.X, case.y).i_xt_se
    assert many_error == pytest.approx(few_error / 4, rel=0.25)
    assert abs(few - case.i_xt) < 4 * few_error


def test_the_same_seed_gives_the_same_estimate_and_another_seed_another():
    case = CASES[1]
    first = MonteCarloEstimator(case.noise_variance, seed=5).mutual_information(
        case.T, case.X, case.y)
    again = MonteCarloEstimator(case.noise_variance, seed=5).mutual_information(
        case.T, case.X, case.y)
    other = MonteCarloEstimator(case.noise_variance, seed=6).mutual_information(
        case.T, case.X, case.y)
    assert first == again and first != other


def test_a_window_of_identical_epochs_measures_the_single_epoch():
    case = CASES[0]
    T, X, y = case.T[:200], case.X[:200], case.y[:200]
    estimator = MonteCarloEstimator(case.noise_variance, draws=64)
    single = estimator.mutual_information(T, X, y)
    pooled = estimator.mutual_information(np.tile(T, (3, 1)), np.tile(X, 3), np.tile(y, 3))
    assert pooled == pytest.approx(single, abs=0.02)


def test_log_kernel_sums_match_the_direct_sums_for_draws_in_any_order():
    rng = np.random.default_rng(1)
    T, labels, inputs = rng.normal(size=(40, 2)), rng.integers(0, 3, 40), rng.integers(0, 9, 40)
    inputs[:9] = np.arange(9)  # every input id present, groups of unequal sizes
    sources = rng.integers(0, 40, 90)
    V = T[sources] + 0.3 * rng.normal(size=(90, 2))
    log_source, log_total, log_class, log_input = noisy_log_kernel_sums(
        V, sources, T, labels, inputs, 0.2, block_rows=7)
    kernel = np.exp(-((V[:, None, :] - T[None, :, :]) ** 2).sum(axis=2) / 0.4)
    same_class = labels[sources][:, None] == labels[None, :]
    same_input = inputs[sources][:, None] == inputs[None, :]
    assert log_total == pytest.approx(np.log(kernel.sum(axis=1)), abs=1e-12)
    assert log_class == pytest.approx(np.log((kernel * same_class).sum(axis=1)), abs=1e-12)
    assert log_input == pytest.approx(np.log((kernel * same_input).sum(axis=1)), abs=1e-12)
    assert log_source == pytest.approx(np.log(kernel[np.arange(90), sources]), abs=1e-12)


def test_an_own_group_far_below_the_nearest_row_keeps_its_exact_log_sum():
    T, labels = np.array([[0.0], [100.0]]), np.array([0, 1])
    V, sources = np.array([[0.0]]), np.array([1])  # drawn (improbably) far from its own row
    _, log_total, log_own, _ = noisy_log_kernel_sums(V, sources, T, labels, None, 0.1)
    assert log_total[0] == pytest.approx(0.0, abs=1e-9)
    assert log_own[0] == pytest.approx(-100.0**2 / 0.2, rel=1e-12)


@pytest.mark.parametrize("noise_variance", [1e-10, 1e-14])
def test_noise_far_below_the_spacing_of_distinct_float32_rows_gives_h_x_and_h_y(noise_variance):
    T, y = twelve_bit_layer(), np.arange(4096) % 2
    estimator = MonteCarloEstimator(noise_variance, draws=1)
    i_xt, i_yt, error, _ = estimator.estimate(T, np.arange(4096), y)
    assert i_xt <= 12.0 + 1e-12 and i_yt <= 1.0 + 1e-12
    assert i_xt == pytest.approx(12.0, abs=1e-9) and error < 1e-9  # the other rows are 1e4 s off
    assert i_yt == pytest.approx(1.0, abs=1e-9)


def test_a_window_of_epochs_at_a_tiny_noise_gives_h_x():
    T = twelve_bit_layer()[:512]
    pooled = np.tile(T, (3, 1)), np.tile(np.arange(512), 3), np.tile(np.arange(512) % 2, 3)
    i_xt, i_yt = MonteCarloEstimator(noise_variance=1e-14).mutual_information(*pooled)
    assert i_xt == pytest.approx(9.0, abs=1e-9) and i_xt <= 9.0 + 1e-12
    assert i_yt == pytest.approx(1.0, abs=1e-9) and i_yt <= 1.0 + 1e-12


def test_log_kernel_sums_are_exact_at_a_width_far_below_the_spread_of_the_rows():
    rng = np.random.default_rng(11)
    width = 1e-13  # 20 rows within a few noise deviations of 1000, 20 spread over 0..1000
    T = np.r_[1000.0 + 3e-7 * rng.normal(size=(20, 2)), 1000.0 * rng.random(size=(20, 2))]
    labels, inputs = rng.integers(0, 3, 40), np.r_[np.arange(9), rng.integers(0, 9, 31)]
    sources = rng.integers(0, 40, 90)
    V = T[sources] + math.sqrt(width) * rng.normal(size=(90, 2))
    log_source, log_total, log_class, log_input = noisy_log_kernel_sums(
        V, sources, T, labels, inputs, width, block_rows=7)
    exponent = -0.5 * (((V[:, None, :] - T[None, :, :]) / math.sqrt(width)) ** 2).sum(axis=2)
    same_class = labels[sources][:, None] == labels[None, :]
    same_input = inputs[sources][:, None] == inputs[None, :]
    assert log_total == pytest.approx(logsumexp(exponent, axis=1), abs=1e-9)
    assert log_class == pytest.approx(logsumexp(exponent, axis=1, b=same_class), abs=1e-9)
    assert log_input == pytest.approx(logsumexp(exponent, axis=1, b=same_input), abs=1e-9)
    assert log_source == pytest.approx(exponent[np.arange(90), sources], abs=1e-9)


@pytest.mark.parametrize(
    ("scale", "noise_variance"),
    [(1.0, 5e-324), (1.0, 1e-300), (1.0, 1e300), (1.0, 1.7e308), (1e30, 1e-14), (1e30, 1e6),
     (1e-30, 1e-14)],
)
def test_extreme_noise_or_activations_give_finite_information_within_the_entropies(
        scale, noise_variance):
    rng = np.random.default_rng(5)
    T, y = scale * rng.normal(size=(200, 3)), rng.integers(0, 2, 200)
    i_xt, i_yt = MonteCarloEstimator(noise_variance).mutual_information(T, np.arange(200), y)
    assert -1e-9 <= i_xt <= math.log2(200) + 1e-12
    assert -1e-9 <= i_yt <= entropy_bits(np.bincount(y)) + 1e-12


@pytest.mark.parametrize(
    ("parameters", "named"),
    [({"noise_variance": 0.0}, "noise_variance"), ({"draws": 0}, "draws"),
     ({"seed": -1}, "seed"), ({"target_se": 0.0}, "target_se"), ({"max_draws": 0}, "max_draws")],
)
def test_invalid_hyper_parameters_are_named(parameters, named):
    with pytest.raises(ValueError, match=named):
        MonteCarloEstimator(**parameters)


def test_draws_made_one_per_row_at_a_time_give_the_estimate_of_all_at_once(monkeypatch):

    from infonet import information
    case = CASES[1]
    estimator = MonteCarloEstimator(case.noise_variance, draws=6, seed=3)
    whole = estimator.estimate(case.T, case.X, case.y)
    monkeypatch.setattr(information.mc, "_DRAW_VALUES", 1)  # one draw per row per chunk
    assert estimator.estimate(case.T, case.X, case.y) == whole
