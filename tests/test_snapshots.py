"""rundir.snapshots: weights rows, metrics rows and training state survive a kill."""

import numpy as np
import pytest

from infonet.rundir.snapshots import (
    LAYOUT,
    METRICS_COLUMNS,
    STATE,
    WEIGHTS,
    Layout,
    MetricsLog,
    SnapshotReader,
    SnapshotWriter,
    read_state,
    write_state,
)

LAYOUT_3_2_2 = Layout((3, 2, 2), "relu")
"""W1 (3, 2), b1 (2,), W2 (2, 2), b2 (2,): 6 + 2 + 4 + 2 = 14 parameters per row."""


def row(epoch: int) -> np.ndarray:
    """A recognisable row: parameter i of epoch e is 100 e + i."""
    return (100 * epoch + np.arange(14)).astype(np.float32)


def write_rows(directory, epochs, keep_epochs=0):
    with SnapshotWriter(directory, LAYOUT_3_2_2, keep_epochs) as writer:
        for epoch in epochs:
            writer.append(row(epoch))


def read_metrics(path):
    return [line.split(",") for line in path.read_text().splitlines()]


# Layout


def test_row_length_counts_every_weight_and_bias():
    assert LAYOUT_3_2_2.row_length == 14


def test_a_row_splits_into_weights_then_bias_per_layer():
    (W1, b1), (W2, b2) = LAYOUT_3_2_2.split(np.arange(14))
    np.testing.assert_array_equal(W1, [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(b1, [6, 7])
    np.testing.assert_array_equal(W2, [[8, 9], [10, 11]])
    np.testing.assert_array_equal(b2, [12, 13])


# weights.bin


def test_rows_read_back_as_written(tmp_path):
    write_rows(tmp_path, range(3))
    reader = SnapshotReader(tmp_path)
    assert reader.n_epochs == 3
    for epoch in range(3):
        W1, b1 = reader.params(epoch)[0]
        np.testing.assert_array_equal(W1.ravel(), row(epoch)[:6])
        np.testing.assert_array_equal(b1, row(epoch)[6:8])


def test_rows_are_little_endian_float32(tmp_path):
    write_rows(tmp_path, range(2))
    stored = np.fromfile(tmp_path / WEIGHTS, dtype="<f4")
    np.testing.assert_array_equal(stored, np.concatenate([row(0), row(1)]))


def test_reader_knows_the_activation_and_layer_count(tmp_path):
    write_rows(tmp_path, range(1))
    reader = SnapshotReader(tmp_path)
    assert (reader.activation, reader.n_layers) == ("relu", 2)


def test_a_torn_last_row_is_ignored(tmp_path):
    write_rows(tmp_path, range(2))
    with open(tmp_path / WEIGHTS, "ab") as handle:
        handle.write(row(2)[:5].tobytes())
    assert SnapshotReader(tmp_path).n_epochs == 2


def test_reopening_drops_rows_after_the_kept_epochs(tmp_path):
    write_rows(tmp_path, range(4))
    with open(tmp_path / WEIGHTS, "ab") as handle:
        handle.write(row(4)[:5].tobytes())
    write_rows(tmp_path, [9], keep_epochs=2)
    reader = SnapshotReader(tmp_path)
    assert reader.n_epochs == 3
    np.testing.assert_array_equal(reader.params(2)[1][1], row(9)[12:])


def test_an_empty_folder_reads_as_no_epochs(tmp_path):
    write_rows(tmp_path, [])
    assert SnapshotReader(tmp_path).n_epochs == 0


def test_an_epoch_out_of_range_is_refused(tmp_path):
    write_rows(tmp_path, range(2))
    with pytest.raises(ValueError, match="epoch must be in 0..1, got 2"):
        SnapshotReader(tmp_path).params(2)


def test_a_row_of_the_wrong_length_is_refused(tmp_path):
    with SnapshotWriter(tmp_path, LAYOUT_3_2_2, 0) as writer, \
            pytest.raises(ValueError, match="row must hold 14 parameters"):
        writer.append(np.zeros(13, np.float32))


def test_a_folder_without_layout_is_not_snapshots(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"holds no snapshots: {LAYOUT} is missing"):
        SnapshotReader(tmp_path)


def test_resuming_with_another_layout_is_refused(tmp_path):
    write_rows(tmp_path, range(2))
    with pytest.raises(ValueError, match="cannot resume"):
        SnapshotWriter(tmp_path, Layout((3, 2, 2), "tanh"), keep_epochs=2)


def test_keeping_more_epochs_than_stored_is_refused(tmp_path):
    write_rows(tmp_path, range(2))
    with pytest.raises(ValueError, match="holds fewer than the 3 epochs"):
        SnapshotWriter(tmp_path, LAYOUT_3_2_2, keep_epochs=3)


def test_starting_afresh_replaces_the_layout(tmp_path):
    write_rows(tmp_path, range(2))
    SnapshotWriter(tmp_path, Layout((3, 4, 2), "tanh"), keep_epochs=0).close()
    reader = SnapshotReader(tmp_path)
    assert (reader.layout.sizes, reader.n_epochs) == ((3, 4, 2), 0)


# metrics.csv


def test_metrics_start_with_the_header(tmp_path):
    MetricsLog(tmp_path / "metrics.csv", {0: 0}).close()
    assert read_metrics(tmp_path / "metrics.csv") == [list(METRICS_COLUMNS)]


def test_metrics_rows_hold_exact_values_and_nan(tmp_path):
    with MetricsLog(tmp_path / "metrics.csv", {2: 0}) as log:
        log.append(5, {2: (0.1, 0.75, float("nan"), np.float32(0.5))})
    assert read_metrics(tmp_path / "metrics.csv")[1] == ["2", "5", "0.1", "0.75", "nan", "0.5"]


def test_one_append_writes_a_row_per_repeat_in_order(tmp_path):
    with MetricsLog(tmp_path / "metrics.csv", {3: 0, 1: 0}) as log:
        log.append(0, {3: (1, 1, 1, 1), 1: (2, 2, 2, 2)})
    assert [r[:3] for r in read_metrics(tmp_path / "metrics.csv")[1:]] == [
        ["3", "0", "1.0"], ["1", "0", "2.0"]]


def test_reopening_metrics_drops_each_named_repeats_later_epochs_only(tmp_path):
    path = tmp_path / "metrics.csv"
    with MetricsLog(path, {0: 0, 1: 0, 2: 0}) as log:
        for epoch in range(3):
            log.append(epoch, dict.fromkeys((0, 1, 2), (1, 1, 1, 1)))
    MetricsLog(path, {0: 2, 1: 1}).close()
    assert [(r[0], r[1]) for r in read_metrics(path)[1:]] == [
        ("0", "0"), ("1", "0"), ("2", "0"), ("0", "1"), ("2", "1"), ("2", "2")]


def test_reopening_metrics_drops_a_torn_last_line(tmp_path):
    path = tmp_path / "metrics.csv"
    with MetricsLog(path, {0: 0}) as log:
        log.append(0, {0: (1, 1, 1, 1)})
    with open(path, "a") as handle:
        handle.write("0,1")
    MetricsLog(path, {0: 5}).close()
    assert path.read_text().splitlines()[1:] == ["0,0,1.0,1.0,1.0,1.0"]


def test_a_file_with_another_header_is_refused(tmp_path):
    (tmp_path / "metrics.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match="is not a metrics table"):
        MetricsLog(tmp_path / "metrics.csv", {0: 0})


# state


def test_state_round_trips_exactly(tmp_path):
    values = np.array([13, 4e-4, np.float32(0.1), -2.5e-9])
    write_state(tmp_path, 7, values)
    epoch, stored = read_state(tmp_path)
    assert epoch == 7
    np.testing.assert_array_equal(stored, values)


def test_a_new_state_replaces_the_old_and_leaves_no_temporary_file(tmp_path):
    write_state(tmp_path, 1, np.zeros(2))
    write_state(tmp_path, 2, np.ones(2))
    assert read_state(tmp_path)[0] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [STATE]


def test_no_state_before_the_first_epoch(tmp_path):
    assert read_state(tmp_path) is None


def test_a_quantized_layout_keeps_its_bits_and_each_epochs_ranges(tmp_path):
    layout = Layout((3, 2, 2), "relu", quantize=8)
    params = [np.ones(6), np.zeros(2), np.ones(4), np.zeros(2)]
    ranges = np.array([[-5.5, 6.0], [0.0, 1.0]], np.float32)
    with SnapshotWriter(tmp_path, layout, keep_epochs=0) as writer:
        writer.append(np.concatenate([*params, ranges.ravel()]).astype(np.float32))
    reader = SnapshotReader(tmp_path)
    assert reader.layout == layout and layout.row_length == 14 + 4
    np.testing.assert_array_equal(reader.params(0)[1][0], np.ones((2, 2)))
    assert reader.layout.quantize == 8
    np.testing.assert_array_equal(reader.ranges(0), ranges)


def test_a_layout_without_quantize_is_not_quantized(tmp_path):
    with SnapshotWriter(tmp_path, Layout((3, 2), "tanh"), keep_epochs=0) as writer:
        writer.append(np.zeros(8, np.float32))
    assert "quantize" not in (tmp_path / "layout.json").read_text()
    assert SnapshotReader(tmp_path).ranges(0) is None
