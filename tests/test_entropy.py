"""Plug-in entropy over exact integer keys, and the checks of estimator arguments."""

import numpy as np
import pytest

from infonet.information.entropy import (
    check_samples,
    conditional_entropy,
    dense_ids,
    entropy,
    input_ids,
    key_counts,
    row_keys,
)


def test_entropy_of_n_distinct_keys_is_log2_n():
    assert entropy(np.arange(1024) * 7 - 3) == 10.0


def test_entropy_of_a_constant_is_zero():
    assert entropy(np.full(100, 5)) == 0.0


def test_entropy_follows_the_plug_in_formula():
    keys = np.array([4, 4, 9, 1])  # p = 1/2, 1/4, 1/4
    assert entropy(keys) == pytest.approx(1.5, abs=1e-15)


def test_entropy_of_rows_counts_each_row_as_one_symbol():
    rows = np.array([[0, 1], [1, 0], [0, 1], [1, 1]])  # p = 1/2, 1/4, 1/4
    assert entropy(rows) == pytest.approx(1.5, abs=1e-15)


def test_row_keys_are_equal_exactly_for_equal_rows():
    rows = np.random.default_rng(0).integers(-3, 3, size=(500, 4))
    keys = row_keys(rows)
    same_row = (rows[:, None, :] == rows[None, :, :]).all(axis=2)
    assert np.array_equal(keys[:, None] == keys[None, :], same_row)


def test_row_keys_of_wide_rows_differing_only_in_the_last_column_differ():
    rows = np.random.default_rng(1).integers(0, 30, size=(2, 1024))
    rows[1, :-1] = rows[0, :-1]
    rows[1, -1] = (rows[0, -1] + 1) % 30
    keys = row_keys(rows)
    assert keys[0] != keys[1]


def test_row_keys_of_many_wide_rows_are_exact():
    rows = np.random.default_rng(2).integers(0, 30, size=(64, 1024))
    changed_last = rows[:1].copy()
    changed_last[0, -1] = (changed_last[0, -1] + 1) % 30
    changed_first = rows[:1].copy()
    changed_first[0, 0] = (changed_first[0, 0] + 1) % 30
    keys = row_keys(np.vstack([rows, changed_last, changed_first, rows[:1]]))
    assert len(np.unique(keys)) == 66
    assert keys[-1] == keys[0]


def test_row_keys_handle_columns_spanning_all_of_int64():
    info = np.iinfo(np.int64)
    rows = np.array([[info.min, 0], [info.max, 0], [info.max, 1], [info.min, 0]])
    keys = row_keys(rows)
    assert len(np.unique(keys[:3])) == 3 and keys[3] == keys[0]


@pytest.mark.parametrize("high", [30, 2**40])  # keys fit in int64 at once; or densified
def test_row_keys_order_rows_lexicographically(high):
    rows = np.random.default_rng(0).integers(-high, high, (500, 3))
    lexicographic = sorted(map(tuple, rows))
    assert [tuple(row) for row in rows[np.argsort(row_keys(rows), kind="stable")]] == lexicographic


@pytest.mark.parametrize("span", [10, 10**12])  # counted in place; sorted
def test_key_counts_count_each_key_in_increasing_key_order(span):
    keys = np.array([3, span, 3, -span, span, 3])
    assert key_counts(keys).tolist() == [1, 3, 2]


def test_dense_ids_keep_ids_that_are_already_dense():
    ids = np.array([2, 0, 1, 2])
    assert dense_ids(ids)[0].tolist() == [2, 0, 1, 2] and dense_ids(ids)[1] == 3


def test_dense_ids_relabel_gapped_keys_in_sorted_order():
    ids, count = dense_ids(np.array([7, -1, 7, 3]))
    assert ids.tolist() == [2, 0, 2, 1] and count == 3


def test_row_keys_reject_floats():
    with pytest.raises(ValueError, match="integers"):
        row_keys(np.zeros((3, 2)))


def test_conditional_entropy_of_a_function_of_the_condition_is_zero():
    given = np.arange(200) % 10
    assert conditional_entropy(given % 3, given) == pytest.approx(0.0, abs=1e-12)


def test_conditional_entropy_of_independent_keys_is_their_entropy():
    a, b = np.meshgrid(np.arange(4), np.arange(8))  # every pair once: independent
    assert conditional_entropy(a.ravel(), b.ravel()) == pytest.approx(2.0, abs=1e-12)


def test_input_ids_are_equal_exactly_for_equal_input_rows():
    X = np.array([[0.5, 1.0], [0.5, 2.0], [0.5, 1.0], [-0.5, 1.0]])
    ids = input_ids(X)
    assert ids[0] == ids[2] and len(np.unique(ids)) == 3 and set(ids) == {0, 1, 2}


def test_input_ids_take_a_1d_integer_array_as_ids():
    ids = input_ids(np.array([7, 3, 7, 100]))
    assert ids[0] == ids[2] and len(np.unique(ids)) == 3


def test_check_samples_rejects_activations_that_are_not_2d():
    with pytest.raises(ValueError, match="2-D"):
        check_samples(np.zeros(4), np.arange(4), np.zeros(4, int))


def test_check_samples_names_the_lengths_that_differ():
    with pytest.raises(ValueError, match="T has 4 rows, X 3, y 4"):
        check_samples(np.zeros((4, 2)), np.arange(3), np.zeros(4, int))


def test_check_samples_rejects_no_samples():
    with pytest.raises(ValueError, match="no samples"):
        check_samples(np.zeros((0, 2)), np.arange(0), np.zeros(0, int))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_samples_rejects_non_finite_activations(bad):
    T = np.zeros((4, 2))
    T[2, 1] = bad
    with pytest.raises(ValueError, match="activations contain NaN or inf"):
        check_samples(T, np.arange(4), np.zeros(4, int))


def test_check_samples_rejects_labels_that_are_not_integers():
    with pytest.raises(ValueError, match="labels must be integers"):
        check_samples(np.zeros((4, 2)), np.arange(4), np.zeros(4))


def test_check_samples_rejects_labels_that_are_not_1d():
    with pytest.raises(ValueError, match="labels must be a 1-D"):
        check_samples(np.zeros((4, 2)), np.arange(4), np.zeros((4, 2), int))
