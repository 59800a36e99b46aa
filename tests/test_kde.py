"""The KDE estimator: limits, bounds, block independence, and a textbook evaluation."""

import math

import numpy as np
import pytest

from infonet.information.kde import KDEEstimator, pairwise_kernel_sums
from tests.ground_truth import noisy_cases

NOISE_VARIANCES = [1e-12, 1e-9, 1e-6, 1e-3, 1.0, 1e3, 1e6]


def h_bits(labels: np.ndarray) -> float:
    p = np.unique(labels, return_counts=True)[1] / len(labels)
    return float(-(p * np.log2(p)).sum())


def textbook(T, X, y, noise_variance, bound):
    """I(X;T), I(Y;T) in bits from the full N x N kernel matrix, group by group."""
    width = 2 * noise_variance * (1 if bound == "upper" else 4)

    def s(rows):
        distances = ((rows[:, None, :] - rows[None, :, :]) ** 2).sum(axis=2)
        return -np.mean(np.log(np.mean(np.exp(-distances / width), axis=1)))

    def conditional(groups):
        return sum(np.mean(groups == g) * s(T[groups == g]) for g in np.unique(groups))

    return ((s(T) - conditional(X)) / np.log(2), (s(T) - conditional(y)) / np.log(2))


def test_kernel_sums_match_the_full_matrix_for_rows_in_any_order():
    rng = np.random.default_rng(9)
    T, a, b = rng.normal(size=(80, 2)), rng.integers(0, 5, 80), rng.integers(0, 3, 80)
    kernel = np.exp(-((T[:, None, :] - T[None, :, :]) ** 2).sum(axis=2) / (2 * 0.3))
    total, (own_a, own_b) = pairwise_kernel_sums(T, [a, b], 0.3, block_rows=9)
    assert total == pytest.approx(kernel.sum(axis=1), rel=1e-12)
    assert own_a == pytest.approx((kernel * (a[:, None] == a[None, :])).sum(axis=1), rel=1e-12)
    assert own_b == pytest.approx((kernel * (b[:, None] == b[None, :])).sum(axis=1), rel=1e-12)


def float32_layer(scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T (512, 10) float32 tanh rows times ``scale``, distinct input ids, labels of 3 classes)."""
    rng = np.random.default_rng(10)
    T = (scale * np.tanh(rng.normal(size=(512, 10)))).astype(np.float32)
    return T, np.arange(512), rng.integers(0, 3, 512)


def test_kernel_sums_are_exact_at_a_width_far_below_the_spread_of_the_rows():
    rng = np.random.default_rng(11)
    width = 1e-13  # 20 rows within a few kernel widths of 1000, 20 spread over 0..1000
    T = np.r_[1000.0 + 3e-7 * rng.normal(size=(20, 2)), 1000.0 * rng.random(size=(20, 2))]
    a, b = rng.integers(0, 5, 40), rng.integers(0, 3, 40)
    kernel = np.exp(-0.5 * (((T[:, None, :] - T[None, :, :]) / math.sqrt(width)) ** 2).sum(axis=2))
    total, (own_a, own_b) = pairwise_kernel_sums(T, [a, b], width, block_rows=7)
    assert total == pytest.approx(kernel.sum(axis=1), rel=1e-12)
    assert own_a == pytest.approx((kernel * (a[:, None] == a[None, :])).sum(axis=1), rel=1e-12)
    assert own_b == pytest.approx((kernel * (b[:, None] == b[None, :])).sum(axis=1), rel=1e-12)


@pytest.mark.parametrize("scale", [1.0, 30.0])
@pytest.mark.parametrize("noise_variance", NOISE_VARIANCES)
@pytest.mark.parametrize("bound", ["upper", "lower"])
@pytest.mark.parametrize("repeated_inputs", [False, True])
def test_bounds_lie_between_zero_and_the_entropies_at_any_noise(
        repeated_inputs, bound, noise_variance, scale):
    T, X, y = float32_layer(scale)
    X = X // 4 if repeated_inputs else X  # inputs of four rows each: H(X) = 7 bits
    i_xt, i_yt = KDEEstimator(noise_variance, bound).mutual_information(T, X, y)
    assert -1e-12 <= i_xt <= h_bits(X) + 1e-12
    assert -1e-12 <= i_yt <= h_bits(y) + 1e-12


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_noise_far_below_the_spacing_of_distinct_rows_gives_h_x_and_h_y(bound):
    T, X, y = float32_layer(30.0)
    i_xt, i_yt = KDEEstimator(1e-12, bound).mutual_information(T, X, y)
    assert i_xt == pytest.approx(9.0, abs=1e-12)
    assert i_yt == pytest.approx(h_bits(y), abs=1e-12)


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_noise_far_above_the_spread_of_the_rows_gives_almost_zero(bound):
    T, X, y = float32_layer()
    i_xt, i_yt = KDEEstimator(1e6, bound).mutual_information(T, X, y)
    assert 0 <= i_xt < 1e-4 and 0 <= i_yt < 1e-6


@pytest.mark.parametrize("noise_variance", [5e-324, 1e-12, 1e6, 1.7e308])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_extreme_noise_gives_finite_bounds_within_the_entropies_in_either_precision(
        dtype, noise_variance):
    T, X, y = float32_layer(30.0)
    for bound in ("upper", "lower"):
        i_xt, i_yt = KDEEstimator(noise_variance, bound, dtype).mutual_information(T, X, y)
        assert -1e-6 <= i_xt <= 9.0 + 1e-6 and -1e-6 <= i_yt <= h_bits(y) + 1e-6


def test_identical_points_give_zero_and_zero():
    T, y = np.full((64, 3), 0.7), np.arange(64) % 4
    i_xt, i_yt = KDEEstimator().mutual_information(T, np.arange(64), y)
    assert abs(i_xt) < 1e-12 and abs(i_yt) < 1e-12


def test_points_far_apart_give_log2_n_and_h_y():
    T = 100.0 * np.random.default_rng(0).permutation(50)[:, None]
    y = np.random.default_rng(1).integers(0, 3, 50)
    i_xt, i_yt = KDEEstimator(noise_variance=0.1).mutual_information(T, np.arange(50), y)
    assert i_xt == pytest.approx(np.log2(50), abs=1e-12)
    assert i_yt == pytest.approx(h_bits(y), abs=1e-12)


def test_classes_far_apart_give_h_y_but_less_than_log2_n():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 90)
    T = 100.0 * y[:, None] + 0.01 * rng.normal(size=(90, 2))
    i_xt, i_yt = KDEEstimator(noise_variance=0.1).mutual_information(T, np.arange(90), y)
    assert i_yt == pytest.approx(h_bits(y), abs=1e-12)
    assert i_xt < np.log2(90) - 1


@pytest.mark.parametrize("repeated_inputs", [False, True])
def test_lower_bound_is_below_upper_bound(repeated_inputs):
    rng = np.random.default_rng(3)
    T, y = rng.normal(size=(200, 4)), rng.integers(0, 3, 200)
    X = rng.integers(0, 60, 200) if repeated_inputs else np.arange(200)
    upper = KDEEstimator(bound="upper").mutual_information(T, X, y)
    lower = KDEEstimator(bound="lower").mutual_information(T, X, y)
    assert lower[0] <= upper[0] and lower[1] <= upper[1]


@pytest.mark.parametrize("repeated_inputs", [False, True])
def test_small_blocks_give_the_result_of_one_block(repeated_inputs):
    rng = np.random.default_rng(4)
    T, y = rng.normal(size=(300, 3)), rng.integers(0, 4, 300)
    X = rng.integers(0, 100, 300) if repeated_inputs else np.arange(300)
    blocks = KDEEstimator(block_rows=7).mutual_information(T, X, y)
    one = KDEEstimator(block_rows=300).mutual_information(T, X, y)
    assert blocks == pytest.approx(one, abs=1e-12)


def test_row_order_does_not_change_the_result():
    rng = np.random.default_rng(5)
    T, X, y = rng.normal(size=(250, 3)), rng.integers(0, 80, 250), rng.integers(0, 3, 250)
    order = rng.permutation(250)
    estimator = KDEEstimator(noise_variance=0.5)
    assert estimator.mutual_information(T[order], X[order], y[order]) == pytest.approx(
        estimator.mutual_information(T, X, y), abs=1e-12
    )


@pytest.mark.parametrize("bound", ["upper", "lower"])
@pytest.mark.parametrize("repeated_inputs", [False, True])
def test_agrees_with_the_textbook_evaluation(bound, repeated_inputs):
    rng = np.random.default_rng(6)
    T, y = rng.normal(size=(120, 3)), rng.integers(0, 3, 120)
    X = rng.integers(0, 40, 120) if repeated_inputs else np.arange(120)
    estimate = KDEEstimator(noise_variance=0.2, bound=bound).mutual_information(T, X, y)
    assert estimate == pytest.approx(textbook(T, X, y, 0.2, bound), abs=1e-10)


def test_inputs_with_more_than_one_label_are_measured_exactly():
    rng = np.random.default_rng(7)
    T, X, y = rng.normal(size=(90, 2)), rng.integers(0, 20, 90), rng.integers(0, 2, 90)
    assert len({(x, label) for x, label in zip(X, y, strict=True)}) > 20  # labels split inputs
    estimate = KDEEstimator().mutual_information(T, X, y)
    assert estimate == pytest.approx(textbook(T, X, y, 0.1, "upper"), abs=1e-10)


def test_float32_kernel_agrees_with_float64():
    rng = np.random.default_rng(8)
    T, y = np.tanh(rng.normal(size=(400, 5))), rng.integers(0, 2, 400)
    single = KDEEstimator(dtype=np.float32).mutual_information(T, np.arange(400), y)
    double = KDEEstimator().mutual_information(T, np.arange(400), y)
    assert single == pytest.approx(double, abs=1e-3)


def test_non_finite_activations_are_rejected():
    with pytest.raises(ValueError, match="activations contain NaN or inf"):
        KDEEstimator().mutual_information(np.array([[0.0], [np.inf]]), np.arange(2), [0, 1])


@pytest.mark.parametrize(
    ("parameters", "named"),
    [({"noise_variance": 0.0}, "noise_variance"), ({"bound": "middle"}, "bound"),
     ({"dtype": np.int32}, "dtype"), ({"block_rows": 0}, "block_rows")],
)
def test_invalid_hyper_parameters_are_named(parameters, named):
    with pytest.raises(ValueError, match=named):
        KDEEstimator(**parameters).mutual_information(np.zeros((2, 1)), np.arange(2), [0, 1])


@pytest.mark.parametrize("case", noisy_cases(), ids=lambda c: c.name)
def test_the_bounds_bracket_the_quadrature_truth_of_the_noisy_layer(case):
    lower, upper = (KDEEstimator(noise_variance=case.noise_variance, bound=bound)
                    .mutual_information(case.T, case.X, case.y)[0] for bound in ("lower", "upper"))
    assert lower <= case.i_xt <= upper
