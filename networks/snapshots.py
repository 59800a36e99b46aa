"""What training leaves on disk per epoch, written so that a kill at any moment loses nothing.

Per repeat, in ``RUN_DIR/snapshots/repeat-R/``:

- ``layout.json``: the layer widths (input, hidden..., classes) and the hidden activation.
- ``weights.bin``: one row per saved epoch (row e = the network after e epochs; row 0 = the
  initial network), each row every parameter as little-endian float32 in the order
  W1, b1, W2, b2, ... (W (in, out) row-major). Rows are appended and flushed one per epoch;
  ``SnapshotReader`` memory-maps the complete rows and ignores a torn last one.
- ``state.npy``: a float64 vector, the last completed epoch then the optimizer's variables
  flattened (Adam's iteration count, learning rate, moments; all exact in float64), replaced
  atomically (temporary file + ``os.replace``); one array, because ``np.savez`` of the
  separate variables took longer than the rest of the epoch's I/O. Runs from before repeats
  were trained together wrote it after every epoch; training now keeps the same vectors of a
  whole group of repeats in one file (``networks.group_state``) and reads this one to resume
  an older run.

And ``RUN_DIR/metrics.csv``, shared by all repeats: one row per repeat and epoch with the loss
and accuracy on the training and test sets (nan when the test set is empty).

Order per epoch: weights row, metrics row, then state. The state's epoch is therefore always
complete in both files; resuming keeps rows up to it and drops anything after it (a torn row,
or rows written after the last state). Files survive a killed process, not a power cut (no
fsync, to keep an epoch cheap). No TensorFlow here: measurement workers import this module.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from networks.run_directory import replace_text

LAYOUT = "layout.json"
WEIGHTS = "weights.bin"
STATE = "state.npy"
METRICS_COLUMNS = ("repeat", "epoch", "train_loss", "train_accuracy", "test_loss",
                   "test_accuracy")
"""Columns of metrics.csv; losses are mean cross-entropy in nats, accuracies fractions."""

ROW_DTYPE = np.dtype("<f4")


@dataclass(frozen=True)
class Layout:
    """The shape of a network: ``sizes`` = (input width, hidden widths..., classes)."""

    sizes: tuple[int, ...]
    activation: str

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """(in, out) of each layer's W, input side first."""
        return list(zip(self.sizes[:-1], self.sizes[1:], strict=True))

    @property
    def row_length(self) -> int:
        """Parameters per epoch: the sum over layers of in * out + out."""
        return sum(fan_in * width + width for fan_in, width in self.shapes)

    def split(self, row: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """A flat row of ``row_length`` parameters as [(W (in, out), b (out,)), ...]; views."""
        params, start = [], 0
        for fan_in, width in self.shapes:
            W = row[start : start + fan_in * width].reshape(fan_in, width)
            start += fan_in * width
            params.append((W, row[start : start + width]))
            start += width
        return params


def read_layout(directory: Path) -> Layout:
    """The layout stored in ``directory``; FileNotFoundError when it holds no snapshots."""
    path = directory / LAYOUT
    if not path.is_file():
        raise FileNotFoundError(f"{directory} holds no snapshots: {LAYOUT} is missing")
    stored = json.loads(path.read_text())
    return Layout(tuple(stored["sizes"]), stored["activation"])


class SnapshotReader:
    """The saved epochs of one repeat, memory-mapped: ``params(epoch)`` for 0..n_epochs-1.

    Epochs are those complete when the reader was opened; a torn last row is ignored.
    """

    def __init__(self, directory: Path) -> None:
        self.layout = read_layout(directory)
        path = directory / WEIGHTS
        row_bytes = self.layout.row_length * ROW_DTYPE.itemsize
        self.n_epochs = (path.stat().st_size if path.exists() else 0) // row_bytes
        shape = (self.n_epochs, self.layout.row_length)
        self._rows = (np.memmap(path, dtype=ROW_DTYPE, mode="r", shape=shape) if self.n_epochs
                      else np.empty(shape, ROW_DTYPE))

    @property
    def activation(self) -> str:
        """The hidden layers' activation name."""
        return self.layout.activation

    @property
    def n_layers(self) -> int:
        """Layers with weights: the hidden layers and the softmax output."""
        return len(self.layout.shapes)

    def params(self, epoch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(W (in, out), b (out,)), ...] float32 after ``epoch`` epochs (0 = initial)."""
        if not 0 <= epoch < self.n_epochs:
            raise ValueError(f"epoch must be in 0..{self.n_epochs - 1}, got {epoch}")
        return self.layout.split(np.asarray(self._rows[epoch]))


class _AppendedFile:
    """A file kept open for appending; closes on ``close`` or at the end of a ``with``."""

    _handle = None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> _AppendedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SnapshotWriter(_AppendedFile):
    """Appends one weights row per epoch to ``directory/weights.bin``.

    Opening keeps the first ``keep_epochs`` rows and truncates the rest (a torn row, or epochs
    after the last saved state); with ``keep_epochs`` 0 the folder starts afresh with
    ``layout``, otherwise the stored layout must equal ``layout``.
    """

    def __init__(self, directory: Path, layout: Layout, keep_epochs: int) -> None:
        self.layout = layout
        directory.mkdir(parents=True, exist_ok=True)
        if keep_epochs == 0:
            replace_text(directory / LAYOUT, json.dumps(
                {"sizes": list(layout.sizes), "activation": layout.activation}) + "\n")
        elif read_layout(directory) != layout:
            raise ValueError(f"cannot resume: {directory} holds a network of layout "
                             f"{read_layout(directory)}, not {layout}")
        self._handle = open(directory / WEIGHTS, "ab")
        keep_bytes = keep_epochs * layout.row_length * ROW_DTYPE.itemsize
        if self._handle.tell() < keep_bytes:
            self._handle.close()
            raise ValueError(f"cannot resume: {directory / WEIGHTS} holds fewer than the "
                             f"{keep_epochs} epochs its training state records")
        self._handle.truncate(keep_bytes)

    def append(self, row: np.ndarray) -> None:
        """Append one epoch's parameters (``layout.row_length`` values) and flush."""
        if np.shape(row) != (self.layout.row_length,):
            raise ValueError(f"row must hold {self.layout.row_length} parameters, "
                             f"got shape {np.shape(row)}")
        self._handle.write(np.asarray(row, dtype=ROW_DTYPE).tobytes())
        self._handle.flush()


class MetricsLog(_AppendedFile):
    """Appends rows of the repeats in ``keep_epochs`` (repeat -> epochs to keep) to metrics.csv.

    Columns METRICS_COLUMNS. Opening drops each of those repeats' rows for epochs >= its
    ``keep_epochs`` and a torn last line, keeps every other row, and writes the header when
    the file is new.
    """

    def __init__(self, path: Path, keep_epochs: Mapping[int, int]) -> None:
        header = ",".join(METRICS_COLUMNS)
        text = path.read_text() if path.exists() else ""
        lines = text.split("\n")[:-1]  # the last piece is "" or a torn line
        if lines and lines[0] != header:
            raise ValueError(f"{path} is not a metrics table: its header is {lines[0]!r}")
        kept = [line for line in lines[1:] if not _is_dropped(line, keep_epochs)]
        new_text = "\n".join([header, *kept]) + "\n"
        if new_text != text:
            replace_text(path, new_text)
        self._handle = open(path, "a")

    def append(self, epoch: int, rows: Mapping[int, Sequence[float]]) -> None:
        """Append ``epoch``'s row of each repeat in ``rows`` (repeat -> (train loss, train
        accuracy, test loss, test accuracy)) and flush; floats are written exactly (``repr``)."""
        self._handle.write("".join(
            ",".join([str(repeat), str(epoch), *(repr(float(v)) for v in values)]) + "\n"
            for repeat, values in rows.items()))
        self._handle.flush()


def _is_dropped(line: str, keep_epochs: Mapping[int, int]) -> bool:
    """Whether the metrics line is the row of a repeat in ``keep_epochs`` at an epoch past it."""
    repeat, epoch = (int(part) for part in line.split(",", 2)[:2])
    return repeat in keep_epochs and epoch >= keep_epochs[repeat]


def write_state(directory: Path, epoch: int, optimizer_state: np.ndarray) -> None:
    """Atomically record that ``epoch`` is complete, with the optimizer's flat float64 state."""
    tmp = directory / (STATE + ".tmp")
    with open(tmp, "wb") as handle:
        np.save(handle, np.concatenate([[epoch], optimizer_state]).astype(np.float64))
    os.replace(tmp, directory / STATE)


def read_state(directory: Path) -> tuple[int, np.ndarray] | None:
    """(last completed epoch, optimizer state) from ``directory``; None before epoch 0."""
    path = directory / STATE
    if not path.is_file():
        return None
    stored = np.load(path)
    return int(stored[0]), stored[1:]
