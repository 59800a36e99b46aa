"""information.csv: appended rows survive, torn lines are dropped, sorting is canonical."""

import math

import pytest

from infonet.rundir.results import COLUMNS, TableWriter, read_rows, row_key, sort_table


def _row(epoch: int, layer: int, i_xt: float = 1.5) -> dict:
    return {"repeat": 0, "epoch": epoch, "layer": layer, "layer_name": f"hidden_{layer}",
            "units": 3, "estimator": "binning:bin_size=0.07",
            "i_xt": i_xt, "i_yt": 0.25, "i_xt_se": 0.0, "i_yt_se": 0.0, "samples": "all",
            "h_x": 12.0, "h_y": 1.0, "epoch_last": epoch}


def test_header_starts_with_the_documented_columns(tmp_path):
    path = tmp_path / "information.csv"
    with TableWriter(path):
        pass
    assert path.read_text().splitlines()[0].split(",")[:8] == [
        "repeat", "epoch", "layer", "layer_name", "units", "estimator", "i_xt", "i_yt"]


UNNAMED_COLUMNS = ("repeat", "epoch", "layer", "units", "estimator", "i_xt", "i_yt", "samples",
                   "h_x", "h_y", "epoch_last")
"""The columns of information.csv before layers had names and rows standard errors."""


def test_a_table_without_layer_names_reads_with_the_built_in_networks_names(tmp_path):
    path = tmp_path / "information.csv"
    lines = [",".join(UNNAMED_COLUMNS)] + [f"{r},0,{layer},3,binning,1.0,0.5,all,12.0,1.0,0"
                                for r, top in ((0, 3), (1, 2)) for layer in range(1, top + 1)]
    path.write_text("\n".join(lines) + "\n")
    names = [(row["repeat"], row["layer_name"]) for row in read_rows(path)]
    assert names == [(0, "hidden_1"), (0, "hidden_2"), (0, "output"),
                     (1, "hidden_1"), (1, "output")]


def test_appending_to_a_table_without_layer_names_adds_the_column(tmp_path):
    path = tmp_path / "information.csv"
    path.write_text(",".join(UNNAMED_COLUMNS) + "\n0,0,1,3,binning,1.0,0.5,all,12.0,1.0,0\n")
    with TableWriter(path) as writer:
        writer.write([_row(1, 1)])
    assert [row["layer_name"] for row in read_rows(path)] == ["output", "hidden_1"]


def test_rows_round_trip_with_full_float_precision(tmp_path):
    path = tmp_path / "information.csv"
    with TableWriter(path) as writer:
        writer.write([_row(1, 1, i_xt=1 / 3)])
    (row,) = read_rows(path)
    assert row["i_xt"] == 1 / 3 and row["epoch"] == 1
    assert row["estimator"] == "binning:bin_size=0.07"


def test_estimator_names_with_commas_are_quoted(tmp_path):
    path = tmp_path / "information.csv"
    row = dict(_row(0, 1), estimator="binning:bin_size=0.07")
    with TableWriter(path) as writer:
        writer.write([row])
    assert read_rows(path)[0]["estimator"] == "binning:bin_size=0.07"


def test_reopening_appends_instead_of_truncating(tmp_path):
    path = tmp_path / "information.csv"
    with TableWriter(path) as writer:
        writer.write([_row(0, 1)])
    with TableWriter(path) as writer:
        writer.write([_row(1, 1)])
    assert [r["epoch"] for r in read_rows(path)] == [0, 1]


def test_a_torn_last_line_is_dropped_on_reopen(tmp_path):
    path = tmp_path / "information.csv"
    with TableWriter(path) as writer:
        writer.write([_row(0, 1)])
    with open(path, "a") as handle:
        handle.write("0,1,2,3")  # a job killed mid-line
    with TableWriter(path) as writer:
        writer.write([_row(1, 1)])
    assert [r["epoch"] for r in read_rows(path)] == [0, 1]


def test_floats_are_written_in_their_shortest_exact_form(tmp_path):
    path = tmp_path / "information.csv"
    with TableWriter(path) as writer:
        writer.write([_row(0, 1, i_xt=0.1 + 0.2)])
    header, row = path.read_text().splitlines()[:2]
    assert dict(zip(header.split(","), row.split(","), strict=True))["i_xt"] == (
        "0.30000000000000004")


def test_nan_is_written_and_read_back(tmp_path):
    path = tmp_path / "information.csv"
    with TableWriter(path) as writer:
        writer.write([_row(0, 1, i_xt=math.nan)])
    assert math.isnan(read_rows(path)[0]["i_xt"])


def test_sorting_orders_by_repeat_estimator_samples_epoch_layer(tmp_path):
    path = tmp_path / "information.csv"
    with TableWriter(path) as writer:
        writer.write([_row(2, 1), _row(0, 2), _row(0, 1), _row(1, 1)])
    sort_table(path)
    assert [(r["epoch"], r["layer"]) for r in read_rows(path)] == [(0, 1), (0, 2), (1, 1), (2, 1)]


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "information.csv"
    path.write_text("repeat,epoch\n0,1\n")
    with pytest.raises(ValueError, match="lacks columns: layer"):
        read_rows(path)


def test_row_key_identifies_a_measurement():
    assert row_key(_row(4, 2)) == (0, 4, 2, "binning:bin_size=0.07", "all")
    assert len(COLUMNS) == len(set(COLUMNS))


def test_a_line_cut_inside_its_last_number_is_dropped(tmp_path):
    path = tmp_path / "information.csv"
    with TableWriter(path) as writer:
        writer.write([_row(0, 1), _row(1, 1, i_xt=1.25)])
    path.write_text(path.read_text()[:-3])  # "...,1\n" -> the epoch_last value cut short
    assert [r["epoch"] for r in read_rows(path)] == [0]
