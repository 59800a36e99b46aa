"""The ground truths themselves: the quadrature reproduces closed-form mixture entropies."""

import math

import numpy as np
import pytest

from tests.ground_truth import entropy_bits, gaussian_entropy, mixture_entropy, renyi_entropy_bits


@pytest.mark.parametrize("d", [1, 2])
def test_quadrature_of_one_gaussian_is_its_closed_form_entropy(d):
    assert mixture_entropy(np.zeros((1, d)), 0.3, 400) == pytest.approx(
        gaussian_entropy(d, 0.3), abs=1e-9)


@pytest.mark.parametrize("d", [1, 2])
def test_quadrature_of_two_far_gaussians_adds_one_bit(d):
    centres = np.zeros((2, d))
    centres[1, 0] = 40.0
    assert mixture_entropy(centres, 0.5, 3000 if d == 1 else 400) == pytest.approx(
        gaussian_entropy(d, 0.5) + math.log(2), abs=1e-9)


def test_renyi_entropy_of_order_one_is_shannon_and_of_uniform_is_log2_n():
    assert renyi_entropy_bits([1, 3], 1) == entropy_bits([1, 3])
    assert renyi_entropy_bits([5] * 8, 2.0) == pytest.approx(3.0, abs=1e-12)


@pytest.mark.parametrize("alpha", [2.0, 1e4, 1e300])
def test_renyi_entropy_of_large_orders_tends_to_minus_log2_of_the_largest_frequency(alpha):
    # [1, 3]: 2^-S_alpha = (1/4^alpha + (3/4)^alpha)^(1/(alpha-1)); at alpha = 2, log2(8/5)
    expected = math.log2(1.6) if alpha == 2 else -math.log2(0.75) * alpha / (alpha - 1)
    assert renyi_entropy_bits([1, 3], alpha) == pytest.approx(expected, abs=1e-12)
    assert renyi_entropy_bits([5] * 8, alpha) == pytest.approx(3.0, abs=1e-12)
