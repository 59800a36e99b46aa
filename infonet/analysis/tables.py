"""A run's tables as numpy arrays: information.csv grouped by estimator and samples, metrics.csv;
tables of rows as CSV text.

``read_information`` turns the rows of information.csv (parsed by ``rundir.results``) into
one ``Measurements`` per (estimator, samples) pair, holding (repeat, epoch, layer) arrays;
``read_metrics`` does the same for the loss and accuracy in metrics.csv. ``mean_over_repeats``
is the average the figures draw: only where every repeat has a finite value, so that a mean
never mixes counts (adaptive schedules measure different epochs in different repeats);
``mean_coverage`` counts the epochs it keeps. Nothing here draws.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from infonet.rundir.directory import table_lines
from infonet.rundir.results import read_rows
from infonet.rundir.snapshots import METRICS_COLUMNS, metrics_rows


@dataclass(frozen=True)
class Measurements:
    """One estimator's measurements on one choice of samples, in bits.

    ``i_xt`` and ``i_yt`` have shape (repeats, epochs, layers) and hold nan where a repeat has
    no finite measurement of that epoch and layer; ``i_xt_se`` and ``i_yt_se``, of the same
    shape, their standard errors (information.csv's ``i_xt_se``, ``i_yt_se``). ``epoch`` is
    the first epoch of a Batching window. ``names`` and ``units`` are each layer's name and
    width. ``h_x`` and ``h_y`` are H(X) and H(Y) of the measured samples (nan if unknown).
    """

    estimator: str
    samples: str
    repeats: np.ndarray
    epochs: np.ndarray
    layers: np.ndarray
    names: tuple[str, ...]
    units: np.ndarray
    i_xt: np.ndarray
    i_yt: np.ndarray
    i_xt_se: np.ndarray
    i_yt_se: np.ndarray
    h_x: float
    h_y: float


@dataclass(frozen=True)
class Metrics:
    """Loss (nats) and accuracy of every repeat: ``values[name]`` has shape (repeats, epochs),
    for each name in metrics.csv after repeat and epoch (train_loss, ..., test_accuracy)."""

    repeats: np.ndarray
    epochs: np.ndarray
    values: dict[str, np.ndarray]


def mean_over_repeats(values: np.ndarray) -> np.ndarray:
    """Mean over axis 0 (repeats) of the entries every repeat has finite: (R, ...) -> (...).

    An entry that some repeat lacks (not measured there, or nan) is nan in the mean: every
    value of the mean averages all R repeats. Nothing is warned about.
    """
    finite = np.isfinite(values)
    mean = np.where(finite, values, 0.0).mean(axis=0)
    return np.where(finite.all(axis=0), mean, np.nan)


def mean_coverage(values: Measurements) -> tuple[int, int]:
    """(epochs the mean over repeats has, epochs some repeat measured), each counting an
    epoch with a finite value in some layer (of both I(X;T) and I(Y;T))."""
    def finite(i_xt: np.ndarray, i_yt: np.ndarray) -> np.ndarray:
        return (np.isfinite(i_xt) & np.isfinite(i_yt)).any(axis=-1)

    averaged = finite(mean_over_repeats(values.i_xt), mean_over_repeats(values.i_yt))
    measured = finite(values.i_xt, values.i_yt).any(axis=0)
    return int(averaged.sum()), int(measured.sum())


def _table(index: list[np.ndarray], value: np.ndarray, axes: list[np.ndarray]) -> np.ndarray:
    """Scatter ``value`` into an array indexed by the positions of ``index`` in ``axes``."""
    table = np.full(tuple(len(a) for a in axes), np.nan)
    table[tuple(np.searchsorted(a, i) for a, i in zip(axes, index, strict=True))] = value
    return table


def read_information(path: Path) -> list[Measurements]:
    """The measurements in an information.csv, one per (estimator, samples), sorted by both."""
    if not path.is_file():
        raise FileNotFoundError(f"{path.parent} holds no {path.name}: measure the run first")
    rows = read_rows(path)
    if not rows:
        raise ValueError(f"information.csv in {path.parent} holds no measurements")
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((str(row["estimator"]), str(row["samples"])), []).append(row)
    return [_measurements(key, groups[key]) for key in sorted(groups)]


def _measurements(key: tuple[str, str], rows: list[dict]) -> Measurements:
    def column(name: str, dtype: type) -> np.ndarray:
        return np.array([row[name] for row in rows], dtype=dtype)

    repeat, epoch, layer = column("repeat", int), column("epoch", int), column("layer", int)
    axes = [np.unique(repeat), np.unique(epoch), np.unique(layer)]
    units = np.zeros(len(axes[2]), dtype=int)
    units[np.searchsorted(axes[2], layer)] = column("units", int)
    names = dict(zip(layer.tolist(), column("layer_name", object), strict=True))
    h_x, h_y = column("h_x", float), column("h_y", float)
    return Measurements(
        estimator=key[0],
        samples=key[1],
        repeats=axes[0],
        epochs=axes[1],
        layers=axes[2],
        names=tuple(str(names[la]) for la in axes[2].tolist()),
        units=units,
        i_xt=_table([repeat, epoch, layer], column("i_xt", float), axes),
        i_yt=_table([repeat, epoch, layer], column("i_yt", float), axes),
        i_xt_se=_table([repeat, epoch, layer], column("i_xt_se", float), axes),
        i_yt_se=_table([repeat, epoch, layer], column("i_yt_se", float), axes),
        h_x=float(np.nanmax(h_x)) if np.isfinite(h_x).any() else float("nan"),
        h_y=float(np.nanmax(h_y)) if np.isfinite(h_y).any() else float("nan"),
    )


def table_csv(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """``rows`` as CSV text with a header of ``columns``: floats in their shortest exact form,
    booleans as ``true`` and ``false`` (what pandas, NumPy and spreadsheets read)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([str(row[c]).lower() if isinstance(row[c], bool) else row[c]
                         for c in columns])
    return text.getvalue()


def read_metrics(path: Path) -> Metrics:
    """Loss and accuracy from a metrics.csv; empty cells read as nan."""
    if not path.is_file():
        raise FileNotFoundError(f"{path.parent} holds no {path.name}: the run was not trained")
    reader = csv.DictReader(table_lines(path))
    missing = [c for c in METRICS_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"{path.name} in {path.parent} lacks columns: {', '.join(missing)}")
    metrics_rows(path)  # a malformed row is an error naming the file, not a gap
    rows = list(reader)
    if not rows:
        raise ValueError(f"{path.name} in {path.parent} holds no epochs")
    repeat = np.array([int(row["repeat"]) for row in rows])
    epoch = np.array([int(row["epoch"]) for row in rows])
    axes = [np.unique(repeat), np.unique(epoch)]
    values = {
        name: _table([repeat, epoch], np.array([float(row[name] or "nan") for row in rows]), axes)
        for name in METRICS_COLUMNS[2:]
    }
    return Metrics(repeats=axes[0], epochs=axes[1], values=values)
