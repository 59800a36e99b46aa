"""A saved run for Python and notebooks: ``open_run(RUN_DIR)``.

Lives here: `SavedRun`, a read-only view of a run directory: its configuration, the samples
it is measured on, the weights of every saved epoch, every layer's activations exactly as the
estimators see them, its two tables, and the summary and compression test computed from
them. Not here: training (``networks.train``), measuring (``measuring.runner``), figures
(``plotting``). Nothing here imports TensorFlow; every table is a pandas DataFrame where
pandas is installed (imported when a table is asked for), else columns of NumPy arrays
(``as_frame`` chooses).

    from infonet.networks import open_run
    run = open_run("runs/tanh")
    T = run.activations(epoch=100)[2]      # layer 3, (N, units)
    BinningEstimator().mutual_information(T, run.X, run.y)   # (I(X;T), I(Y;T)) in bits
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np

from infonet.analysis.compression import ALPHA, COMPRESSION_COLUMNS, compression_table
from infonet.analysis.summary import SUMMARY_COLUMNS, summary_rows
from infonet.analysis.tables import read_information
from infonet.data.datasets import SAMPLES
from infonet.data.run_data import measured_samples
from infonet.information.samples import Samples
from infonet.networks.activations import ActivationSource, StoredSource, open_source
from infonet.networks.forward import Params
from infonet.rundir import directory as run_directory
from infonet.rundir.checks import snapshot_dirs
from infonet.rundir.results import COLUMNS, read_rows
from infonet.rundir.snapshots import METRICS_COLUMNS, metrics_rows

if TYPE_CHECKING:
    import pandas

Table = Union["pandas.DataFrame", dict[str, np.ndarray]]
"""A run's table: a pandas DataFrame, or columns of arrays (name -> (rows,) array)."""


class SavedRun:
    """The run in ``directory``, its measurements on ``samples`` ("all", "train" or "test").

    ``config``: config.json as a dict (a copy; ``run_config`` is the same, typed:
    ``rundir.config.RunConfig``); ``samples``: the measured samples (X, y, input ids, H(X)
    and H(Y) in bits); ``X`` (N, features) and ``y`` (N,) their inputs and labels.
    """

    def __init__(self, directory: Path, samples: str = "all") -> None:
        if samples not in SAMPLES:
            raise ValueError(f"samples must be one of {', '.join(SAMPLES)}, got {samples!r}")
        self.directory = directory
        self.run_config = run_directory.read_config(directory)
        self._snapshot_dirs = snapshot_dirs(directory, self.run_config)
        self._sources: dict[int, ActivationSource] = {}
        self.samples: Samples = measured_samples(self.run_config, samples, run_dir=directory)

    @property
    def config(self) -> dict:
        """config.json as a dict (a copy: changing it changes nothing on disk)."""
        return self.run_config.to_dict()

    @property
    def X(self) -> np.ndarray:
        """The measured inputs, (N, features)."""
        return self.samples.X

    @property
    def y(self) -> np.ndarray:
        """The measured labels, (N,) integers."""
        return self.samples.y

    @property
    def repeats(self) -> int:
        """How many networks the run trained (repeat numbers 0..repeats-1)."""
        return len(self._snapshot_dirs)

    def epochs(self, repeat: int = 0) -> np.ndarray:
        """The saved epochs of ``repeat``: 0 (the initial network) .. the last one saved."""
        return np.arange(self._source(repeat).n_epochs)

    def layer_names(self, repeat: int = 0) -> tuple[str, ...]:
        """The measured layers' names, layer 1 first: hidden_1 ... output for the built-in
        network, the Keras names for any other model, the recorded names (a PyTorch
        module's ``named_modules()`` name) for a recorded run."""
        return self._source(repeat).layer_names

    def params(self, epoch: int, repeat: int = 0) -> Params | list[np.ndarray]:
        """The float32 weights after ``epoch`` epochs: [(W (in, out), b (out,)), ...], input
        side first, for the built-in network; every weight in ``model.weights`` order for any
        other Keras model. A run of recorded activations stores no weights (ValueError)."""
        source = self._source(repeat)
        if isinstance(source, StoredSource):
            raise ValueError(f"{self.directory} holds recorded activations, not weights: "
                             "read them with activations(epoch)")
        return source.reader.params(epoch)

    def activations(self, epoch: int, repeat: int = 0) -> list[np.ndarray]:
        """Every measured layer's output on the measured samples after ``epoch`` epochs: one
        (N, units) float32 array per layer, the output last; the values the estimators
        measure (a Keras model's in inference mode; a recorded run's as stored). A run
        trained with ``--quantize B`` gives the quantized values: at most 2^B distinct values
        per unit."""
        source = self._source(repeat)
        layers = range(1, len(source.layer_names) + 1)
        return list(source.activations(epoch, self.X, layers).values())

    def information(self, as_frame: bool | None = None) -> Table:
        """information.csv, one row per measurement; i_xt, i_yt, h_x, h_y in bits.

        A pandas DataFrame with the file's columns (``as_frame=None``, the default, where
        pandas is installed; ``as_frame=True`` requires it), else columns of arrays, name ->
        (rows,) array (``as_frame=False``, or pandas not installed). Every row of the table,
        whatever samples it was measured on (see the ``samples`` column); estimator names as
        today's (``rundir.results.read_rows``). FileNotFoundError when the run has not been
        measured.
        """
        path = self.directory / run_directory.INFORMATION
        if not path.is_file():
            raise FileNotFoundError(f"{self.directory} holds no {path.name}: measure it first")
        rows = read_rows(path)
        return table({column: np.array([row[column] for row in rows]) for column in COLUMNS},
                     as_frame)

    def compression(self, alpha: float = ALPHA, seed: int = 0, min_drop: float = 0.0,
                    as_frame: bool | None = None) -> Table:
        """The compression test of every measured layer (``main_plot.py RUN_DIR --kind
        compression``'s table; docs/statistics.md), a DataFrame or columns of arrays as
        ``information`` says.

        One row per (estimator, samples, layer), every estimator and samples measured: the
        drop of I(X;T) in bits from its peak (picked on half the repeats, split by ``seed``)
        to the last epoch on the other half, its 1 - 2 alpha interval, the one-sided p-value,
        Holm's adjusted one over the whole table and ``compresses`` (adjusted p <= alpha);
        ``min_drop`` (bits) is the largest drop the null hypothesis allows. ValueError when
        the run has fewer than 4 repeats.
        """
        measured = read_information(self.directory / run_directory.INFORMATION)
        rows = compression_table([(str(self.directory), m) for m in measured], alpha, seed,
                                 min_drop)
        return table({column: np.array([row[column] for row in rows])
                      for column in COMPRESSION_COLUMNS}, as_frame)

    def summary(self, confidence: float = 0.95, resamples: int = 1000, seed: int = 0,
                as_frame: bool | None = None) -> Table:
        """Means over repeats with their uncertainty (``--kind curves``'s table), a DataFrame
        or columns of arrays as ``information`` says: per estimator, samples, epoch and layer
        every repeat measured, I(X;T) and I(Y;T) means in bits, standard errors (sd /
        sqrt(repeats)) and the ends of the percentile bootstrap interval over repeats at
        ``confidence`` (``analysis.summary``)."""
        measured = read_information(self.directory / run_directory.INFORMATION)
        rows = [row for m in measured for row in summary_rows(m, confidence, resamples, seed)]
        return table({column: np.array([row[column] for row in rows])
                      for column in SUMMARY_COLUMNS}, as_frame)

    def metrics(self, as_frame: bool | None = None) -> Table:
        """metrics.csv, one row per repeat and epoch: repeat, epoch (integers), train_loss,
        train_accuracy, test_loss, test_accuracy (floats; losses in nats, nan where the test
        set is empty); a DataFrame or columns of arrays as ``information`` says. A torn last
        line (a run still training) is left out."""
        path = self.directory / run_directory.METRICS
        if not path.is_file():
            raise FileNotFoundError(f"{self.directory} holds no {path.name}: train it first")
        metrics_rows(path)  # a malformed row is an error naming the file and line
        rows = list(csv.DictReader(run_directory.table_lines(path)))
        return table({column: np.array([row[column] or "nan" for row in rows],
                                       dtype=int if column in ("repeat", "epoch") else float)
                      for column in METRICS_COLUMNS}, as_frame)

    def _source(self, repeat: int) -> ActivationSource:
        if repeat not in self._snapshot_dirs:
            raise ValueError(f"repeat must be in 0..{self.repeats - 1}, got {repeat!r}")
        if repeat not in self._sources:
            self._sources[repeat] = open_source(self._snapshot_dirs[repeat])
        return self._sources[repeat]

    def __repr__(self) -> str:
        return (f"SavedRun({str(self.directory)!r}, samples={self.samples.name!r}: "
                f"{self.repeats} repeats, {len(self.y)} samples)")


def table(columns: dict[str, np.ndarray], as_frame: bool | None) -> Table:
    """``columns`` (name -> (rows,) array) as a pandas DataFrame when ``as_frame`` is True, or
    None and pandas is installed; else as they are. ModuleNotFoundError for ``as_frame=True``
    without pandas."""
    if as_frame is False:
        return columns
    try:
        import pandas
    except ModuleNotFoundError:
        if as_frame:
            raise ModuleNotFoundError("as_frame=True needs pandas: pip install pandas (the "
                                      "version tested is in requirements-extras.txt)") from None
        return columns
    return pandas.DataFrame(columns)


def open_run(directory: str | os.PathLike[str], samples: str = "all") -> SavedRun:
    """The run in ``directory``, measured on ``samples`` ("all", "train" or "test")."""
    return SavedRun(Path(directory), samples)
