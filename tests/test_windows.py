"""Batching windows: inclusive epoch ranges, sliding or explicit."""

import pytest

from infonet.measuring.windows import check_windows, parse_ranges, sliding_windows


def test_sliding_windows_cover_consecutive_epochs():
    assert sliding_windows(size=3, step=2, first=0, last=6) == [(0, 2), (2, 4), (4, 6)]


def test_sliding_windows_stop_before_running_past_the_last_epoch():
    assert sliding_windows(size=3, step=3, first=1, last=8) == [(1, 3), (4, 6)]


def test_a_window_of_one_epoch_is_every_epoch():
    assert sliding_windows(size=1, step=1, first=0, last=2) == [(0, 0), (1, 1), (2, 2)]


def test_ranges_are_inclusive_and_may_share_an_epoch():
    assert parse_ranges("1-5,5-10") == [(1, 5), (5, 10)]


def test_a_single_epoch_range():
    assert parse_ranges("7") == [(7, 7)]


@pytest.mark.parametrize("text", ["1-", "a-3", "1-2-3", ""])
def test_malformed_ranges_name_the_part(text):
    with pytest.raises(ValueError, match="--ranges must be"):
        parse_ranges(text)


def test_reversed_range_is_rejected():
    with pytest.raises(ValueError, match="first <= last"):
        parse_ranges("5-1")


def test_window_larger_than_the_range_is_rejected():
    with pytest.raises(ValueError, match="does not fit"):
        sliding_windows(size=10, step=1, first=0, last=5)


def test_windows_past_the_last_saved_epoch_are_named():
    with pytest.raises(ValueError, match="8-12 reach past the last saved epoch 10"):
        check_windows([(0, 4), (8, 12)], last_epoch=10)
