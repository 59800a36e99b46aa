"""A saved run for Python and notebooks: ``open_run(RUN_DIR)``.

Lives here: `SavedRun`, a read-only view of a run directory: its configuration, the samples
it is measured on, the weights of every saved epoch, every layer's activations exactly as the
estimators see them, and its two tables as columns of NumPy arrays. Not here: training
(``networks.train``), measuring (``measuring.runner``), figures (``plotting``). Nothing
here imports TensorFlow or pandas; ``pandas.DataFrame(run.information())`` (or
``pd.read_csv(RUN_DIR / "information.csv")``) gives a data frame where pandas is installed.

    from networks import open_run
    run = open_run("runs/tanh")
    T = run.activations(epoch=100)[2]      # layer 3, (N, units)
    BinningEstimator().mutual_information(T, run.X, run.y)   # (I(X;T), I(Y;T)) in bits
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from data.datasets import SAMPLES
from data.run_data import measured_samples
from information.samples import Samples
from networks.activations import ActivationSource, StoredSource, open_source
from networks.forward import Params
from rundir import directory as run_directory
from rundir.checks import snapshot_dirs
from rundir.results import COLUMNS, read_rows
from rundir.snapshots import METRICS_COLUMNS, metrics_rows


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

    def information(self) -> dict[str, np.ndarray]:
        """information.csv as columns: name -> (rows,) array; i_xt, i_yt, h_x, h_y in bits.

        Every row of the table, whatever samples it was measured on (see the ``samples``
        column); FileNotFoundError when the run has not been measured.
        """
        path = self.directory / run_directory.INFORMATION
        if not path.is_file():
            raise FileNotFoundError(f"{self.directory} holds no {path.name}: measure it first")
        rows = read_rows(path)
        return {column: np.array([row[column] for row in rows]) for column in COLUMNS}

    def metrics(self) -> dict[str, np.ndarray]:
        """metrics.csv as columns: repeat, epoch (integers), train_loss, train_accuracy,
        test_loss, test_accuracy (floats; losses in nats, nan where the test set is empty).
        A torn last line (a run still training) is left out."""
        path = self.directory / run_directory.METRICS
        if not path.is_file():
            raise FileNotFoundError(f"{self.directory} holds no {path.name}: train it first")
        metrics_rows(path)  # a malformed row is an error naming the file and line
        rows = list(csv.DictReader(run_directory.table_lines(path)))
        return {column: np.array([row[column] or "nan" for row in rows],
                                 dtype=int if column in ("repeat", "epoch") else float)
                for column in METRICS_COLUMNS}

    def _source(self, repeat: int) -> ActivationSource:
        if repeat not in self._snapshot_dirs:
            raise ValueError(f"repeat must be in 0..{self.repeats - 1}, got {repeat!r}")
        if repeat not in self._sources:
            self._sources[repeat] = open_source(self._snapshot_dirs[repeat])
        return self._sources[repeat]

    def __repr__(self) -> str:
        return (f"SavedRun({str(self.directory)!r}, samples={self.samples.name!r}: "
                f"{self.repeats} repeats, {len(self.y)} samples)")


def open_run(directory: str | os.PathLike[str], samples: str = "all") -> SavedRun:
    """The run in ``directory``, measured on ``samples`` ("all", "train" or "test")."""
    return SavedRun(Path(directory), samples)
