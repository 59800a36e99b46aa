"""The measurement table, ``information.csv``: its columns, appending rows, reading them back.

One row per (repeat, epoch, layer, estimator, samples) measurement, in bits. Rows are appended
and flushed as they are computed, so a killed job keeps every finished row; ``sort_table``
rewrites the file in a canonical order at the end of a job so that the same command gives the
same file whatever order the workers finished in. Nothing here computes information.
"""

from __future__ import annotations

import csv
import functools
import io
import operator
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

import numpy as np

from infonet.information.estimators import estimator_from_spec
from infonet.rundir.directory import open_appended, refuse_link, replace_file, table_lines
from infonet.rundir.snapshots import dense_layer_names

COLUMNS = (
    "repeat",
    "epoch",
    "layer",
    "layer_name",
    "units",
    "estimator",
    "i_xt",
    "i_yt",
    "i_xt_se",
    "i_yt_se",
    "samples",
    "h_x",
    "h_y",
    "epoch_last",
)
"""Columns of information.csv. i_xt, i_yt, h_x, h_y are in bits, i_xt_se and i_yt_se the
standard errors of i_xt and i_yt in bits (``Estimator.estimate``: the Monte Carlo error of mc
and knn, a bootstrap's over the samples, 0 where the number is exact for the samples); layer
counts from 1 (the last layer is the softmax output); layer_name is the layer's Keras name
(the built-in network's: hidden_1 ... hidden_k, output); epoch_last differs from epoch only
for Batching windows."""

_INT_COLUMNS = ("repeat", "epoch", "layer", "units", "epoch_last")
_FLOAT_COLUMNS = ("i_xt", "i_yt", "i_xt_se", "i_yt_se", "h_x", "h_y")
_ADDED_COLUMNS = ("layer_name", "i_xt_se", "i_yt_se")
"""Columns older tables lack: read as derived (``read_rows``)."""

Row = dict[str, object]
Key = tuple[int, int, int, str, str]


def row_key(row: Mapping[str, object]) -> Key:
    """The identity of a measurement: (repeat, epoch, layer, estimator, samples)."""
    return (
        int(row["repeat"]),
        int(row["epoch"]),
        int(row["layer"]),
        str(row["estimator"]),
        str(row["samples"]),
    )


_cells = operator.itemgetter(*COLUMNS)
"""A row's values in column order, as the csv module writes them: each with ``str``, which for a
float is its shortest exact form (``repr``; nan and inf as ``nan``, ``inf``)."""


def read_rows(path: Path) -> list[Row]:
    """All rows of an information.csv, typed; an absent file reads as no rows.

    A torn last line (a killed job, or a row being appended right now) is not read; any other
    malformed row is a ValueError naming the file and the line. A table written before layers
    had names (no ``layer_name`` column) holds the built-in network's layers: their names are
    derived, the highest layer of each repeat being its ``output``. A table written before rows
    had standard errors (no ``i_xt_se``, ``i_yt_se``) reads them as ``unrecorded_error`` says.
    Estimator names read as today's canonical names (``current_name``), so rows of older
    names (mc's ``samples=``, now ``draws=``) are the same measurement.
    """
    if not path.exists():
        return []
    text = "".join(line + "\n" for line in table_lines(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or ()
    named = "layer_name" in header
    missing = [c for c in COLUMNS if c not in header and c not in _ADDED_COLUMNS]
    if missing:
        raise ValueError(f"{path} lacks columns: {', '.join(missing)}")
    rows = []
    for number, raw in enumerate(reader, start=2):
        try:
            if None in raw.values() or None in raw:
                raise ValueError("wrong number of fields")
            row: Row = {c: raw.get(c, "") for c in COLUMNS}
            row["estimator"] = current_name(row["estimator"])
            if "i_xt_se" not in header:
                row["i_xt_se"] = row["i_yt_se"] = unrecorded_error(row["estimator"])
            for c in _INT_COLUMNS:
                row[c] = int(raw[c])
            for c in _FLOAT_COLUMNS:
                row[c] = float(row[c])
        except ValueError as error:
            raise ValueError(f"{path} line {number} is damaged "
                             f"({str(error)[:60]})") from None
        rows.append(row)
    return rows if named else _with_dense_names(rows)


@functools.cache
def current_name(name: str) -> str:
    """The canonical name today of the estimator an information.csv row names; a name that
    no longer parses is kept as written."""
    try:
        return estimator_from_spec(name).name
    except ValueError:
        return name


@functools.cache
def unrecorded_error(name: str) -> str:
    """The standard error a row of estimator ``name`` has when its table did not record one:
    0 for a deterministic estimator (its number is exact for the samples), nan (unknown) for
    one with noise draws or a name that no longer parses. As text, as a table holds it."""
    try:
        return "nan" if estimator_from_spec(name).monte_carlo else "0.0"
    except ValueError:
        return "nan"


def check_rewritable(path: Path) -> None:
    """ValueError naming the columns of ``path`` that this tool does not write (added by a
    user): rewriting the table, as every measuring job does, would drop them."""
    lines = table_lines(path) if path.is_file() else []
    header = next(csv.reader(lines[:1]), [])
    added = [column for column in header if column not in COLUMNS]
    if added:
        raise ValueError(f"{path} has columns this tool does not write ({', '.join(added)}): "
                         "measuring rewrites the table and would drop them; keep them in "
                         "another file")


def _with_dense_names(rows: list[Row]) -> list[Row]:
    """``rows`` of the built-in network with their layers' names filled in."""
    layers: dict[int, int] = {}
    for row in rows:
        layers[row["repeat"]] = max(layers.get(row["repeat"], 0), row["layer"])
    for row in rows:
        row["layer_name"] = dense_layer_names(layers[row["repeat"]])[row["layer"] - 1]
    return rows


class TableWriter:
    """Appends rows to information.csv, writing the header when the file is new.

    A torn last line left by a killed job is dropped when the file is opened; ``rows`` are the
    rows the file held then. A table that is a symbolic link is refused before anything is
    written (``rundir.directory.refuse_link``).
    """

    def __init__(self, path: Path) -> None:
        refuse_link(path)
        check_rewritable(path)
        self.path = path
        self.rows = rows = read_rows(path)
        if path.exists():
            _rewrite(path, rows)
        self._handle: TextIO = open_appended(path, "a")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        if not rows and self._handle.tell() == 0:
            self._writer.writerow(COLUMNS)
            self._handle.flush()

    def write(self, rows: Iterable[Mapping[str, object]]) -> None:
        """Append rows and flush them to the operating system."""
        self._writer.writerows(map(_cells, rows))
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rewrite(path: Path, rows: list[Row]) -> None:
    """Atomically replace the file with a header and ``rows``."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(map(_cells, rows))
    replace_file(path, text.getvalue())


def layer_curves(rows: Iterable[Mapping[str, object]], n_layers: int) -> dict[int, np.ndarray]:
    """epoch -> (2, n_layers) array of I(X;T) (row 0) and I(Y;T) (row 1) per layer, in bits.

    ``rows`` are one repeat's rows of one estimator on one set of samples; epochs that lack a
    layer are left out.
    """
    by_epoch: dict[int, dict[int, tuple[float, float]]] = {}
    for row in rows:
        by_epoch.setdefault(int(row["epoch"]), {})[int(row["layer"])] = (row["i_xt"], row["i_yt"])
    return {
        epoch: np.array([[values[la][i] for la in sorted(values)] for i in (0, 1)])
        for epoch, values in by_epoch.items()
        if len(values) == n_layers
    }


def sort_table(path: Path) -> None:
    """Rewrite information.csv ordered by repeat, estimator, samples, epoch, layer."""
    write_sorted(path, read_rows(path))


def write_sorted(path: Path, rows: list[Row]) -> None:
    """Replace information.csv with ``rows`` ordered by repeat, estimator, samples, epoch,
    layer (the order ``sort_table`` gives)."""
    _rewrite(path, sorted(rows, key=lambda r: (r["repeat"], r["estimator"], r["samples"],
                                               r["epoch"], r["layer"])))
