"""rundir.group_state: one training-state file per group of repeats, checked when read."""

import numpy as np
import pytest

from infonet.rundir import directory as run_directory
from infonet.rundir.group_state import group_state_path, read_states, saved_epoch, write_group_state
from infonet.rundir.snapshots import write_state


def test_group_states_round_trip_exactly(tmp_path):
    states = np.random.default_rng(0).normal(size=(3, 5))
    write_group_state(tmp_path, range(2, 5), [7, 6, 7], states)
    found = read_states(tmp_path, range(2, 5))
    assert [found[r].epoch for r in range(2, 5)] == [7, 6, 7]
    assert np.array_equal(np.stack([found[r].values for r in range(2, 5)]), states)
    assert {found[r].path for r in found} == {tmp_path / "snapshots" / "state-2-4.npy"}


def test_a_group_state_is_replaced_with_no_temporary_file_left(tmp_path):
    write_group_state(tmp_path, range(2), [0, 0], np.zeros((2, 1)))
    write_group_state(tmp_path, range(2), [1, 1], np.ones((2, 1)))
    assert saved_epoch(tmp_path, 1) == (1, group_state_path(tmp_path, range(2)))
    assert [p.name for p in (tmp_path / "snapshots").iterdir()] == ["state-0-1.npy"]


def test_a_repeat_never_saved_has_no_state(tmp_path):
    write_group_state(tmp_path, range(2), [3, 3], np.zeros((2, 1)))
    assert read_states(tmp_path, [2]) == {2: None}
    assert saved_epoch(tmp_path, 2) == (-1, None)


def test_the_latest_epoch_wins_over_a_state_from_before_grouping(tmp_path):
    for repeat in range(2):
        run_directory.snapshot_dir(tmp_path, repeat).mkdir(parents=True)
    write_state(run_directory.snapshot_dir(tmp_path, 0), 5, np.full(2, 5.0))
    write_state(run_directory.snapshot_dir(tmp_path, 1), 9, np.full(2, 9.0))
    write_group_state(tmp_path, range(2), [7, 7], np.full((2, 2), 7.0))
    found = read_states(tmp_path, range(2))
    assert (found[0].epoch, found[0].values[0]) == (7, 7.0)
    assert (found[1].epoch, found[1].values[0], found[1].path.name) == (9, 9.0, "state.npy")


@pytest.mark.parametrize("table", [np.zeros(4), np.zeros((3, 4)), np.array([[1.0, 0.0]]),
                                   np.array([[0.0, -1.0]]), np.array([[0.0, 1.5]]),
                                   np.array([[0.0, np.nan]])],
                         ids=["a vector", "other repeats' count", "another repeat",
                              "a negative epoch", "a fractional epoch", "a nan epoch"])
def test_a_damaged_group_state_is_refused_naming_the_file(tmp_path, table):
    path = group_state_path(tmp_path, [0])
    path.parent.mkdir()
    np.save(path, table)
    with pytest.raises(ValueError, match="state-0-0.npy is damaged"):
        read_states(tmp_path, [0])


def test_a_group_state_that_is_not_an_array_file_is_refused(tmp_path):
    path = group_state_path(tmp_path, [0])
    path.parent.mkdir()
    path.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match="state-0-0.npy is damaged"):
        saved_epoch(tmp_path, 0)
