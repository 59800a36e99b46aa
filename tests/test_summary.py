"""Means over repeats with their standard errors and bootstrap intervals."""

import itertools

import numpy as np
import pytest

from infonet.analysis.summary import mean_interval, summarise


def test_the_mean_and_standard_error_are_the_textbook_ones():
    values = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]])
    summary = summarise(values)
    assert summary.mean == pytest.approx([3.0, 5.0])
    assert summary.se == pytest.approx([2.0 / np.sqrt(3), np.std([2, 4, 9], ddof=1) / np.sqrt(3)])


def test_the_interval_is_the_exact_bootstrap_distributions_central_share():
    values = np.array([0.0, 1.0, 4.0])
    means = np.array([np.mean(c) for c in itertools.product(values, repeat=3)])  # all 27
    low, high = np.quantile(means, [0.1, 0.9])
    summary = summarise(values[:, None], confidence=0.8, resamples=200_000)
    assert summary.low[0] == pytest.approx(low, abs=0.05)
    assert summary.high[0] == pytest.approx(high, abs=0.05)


def test_the_interval_of_many_normal_repeats_is_the_normal_one():
    values = np.random.default_rng(1).normal(2.0, 1.0, size=(400, 1))
    summary = summarise(values)
    assert (summary.high - summary.low)[0] / 2 == pytest.approx(1.96 * summary.se[0], rel=0.1)


def test_an_entry_some_repeat_lacks_is_unknown():
    summary = summarise(np.array([[1.0, 2.0], [np.nan, 3.0]]))
    assert np.isnan([summary.mean[0], summary.se[0], summary.low[0], summary.high[0]]).all()
    assert summary.mean[1] == 2.5


def test_one_repeat_has_no_error_over_repeats():
    summary = summarise(np.array([[1.0, 2.0]]))
    assert summary.mean == pytest.approx([1.0, 2.0]) and np.isnan(summary.se).all()


def test_one_repeats_band_is_its_own_standard_error_band():
    low, high = mean_interval(np.array([[1.0, 2.0]]), np.array([[0.1, 0.0]]))
    assert low == pytest.approx([1.0 - 0.196, 2.0], abs=1e-3)
    assert high == pytest.approx([1.0 + 0.196, 2.0], abs=1e-3)


def test_the_same_seed_gives_the_same_interval():
    values = np.random.default_rng(0).normal(size=(10, 3))
    first, again = summarise(values, seed=5), summarise(values, seed=5)
    assert np.array_equal(first.low, again.low) and np.array_equal(first.high, again.high)
