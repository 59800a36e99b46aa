"""What training leaves on disk per epoch, written so that a kill at any moment loses nothing.

Per repeat, in ``RUN_DIR/snapshots/repeat-R/``:

- ``layout.json``: the layer widths (input, hidden..., classes), the hidden activation and,
  for a network trained with quantized activations, ``quantize`` (bits per value); for any
  other Keras model (``--model``, ``RunRecorder``) a ``ModelLayout`` instead: the name and
  shape of every weight, the measured layers and the model's architecture (JSON).
- ``weights.bin``: one row per saved epoch (row e = the network after e epochs; row 0 = the
  initial network), each row every parameter as little-endian float32 in the order
  W1, b1, W2, b2, ... (W (in, out) row-major); a quantized network's row then holds each
  layer's quantization range low1, high1, low2, high2, ... as it stood after that epoch
  (``networks.quantization``), so the forward pass reproduces the trained outputs; a
  ``ModelLayout``'s rows hold every weight of the model (trainable and not, e.g. batch
  normalisation's moving statistics) in ``model.weights`` order, each flattened row-major.
  A run of recorded activations (``networks.activation_recorder``) has an
  ``ActivationLayout`` instead (the samples, each measured layer's name, width and output
  shape, the token pooling) and ``activations.bin`` in place of weights.bin: one row per
  recorded epoch, each layer's (N, units) float32 outputs in turn, row-major.
  Rows are appended and flushed one per epoch; ``SnapshotReader`` memory-maps the complete
  rows and ignores a torn last one.
- ``state.npy`` (runs trained before repeats were grouped): a float64 vector, the last
  completed epoch then the optimizer's variables flattened (Adam's iteration count, learning
  rate, moments; all exact in float64). Training now keeps these vectors of a whole group of
  repeats in one file, ``RUN_DIR/snapshots/state-<first>-<last>.npy``
  (``rundir.group_state``), and reads this one only to resume an older run.

And ``RUN_DIR/metrics.csv``, shared by all repeats: one row per repeat and epoch with the loss
and accuracy on the training and test sets (nan when the test set is empty).

Order per epoch: weights row, metrics row, then state (each repeat's rows, then its group's
state). The state's epoch is therefore always complete in both files; resuming keeps rows up
to it and drops anything after it (a torn row, or rows written after the last state). Files
survive a killed process, not a power cut (no fsync, to keep an epoch cheap). No TensorFlow
here: measurement workers import this module.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from infonet.rundir.config import MAX_BITS
from infonet.rundir.directory import (
    ACTIVATIONS,
    METRICS,
    WEIGHTS,
    open_appended,
    refuse_link,
    replace_file,
    snapshot_dir,
    table_lines,
)

LAYOUT = "layout.json"
STATE = "state.npy"
METRICS_COLUMNS = ("repeat", "epoch", "train_loss", "train_accuracy", "test_loss",
                   "test_accuracy")
"""Columns of metrics.csv; losses are mean cross-entropy in nats, accuracies fractions."""

ROW_DTYPE = np.dtype("<f4")

POOLS = ("flatten", "mean", "last")
"""How a recorded layer's token outputs (N, L, D) become rows (README, "Token activations"):
flattened to (N, L D), averaged over the L tokens, or the last token's (N, D)."""


def dense_layer_names(n_layers: int) -> tuple[str, ...]:
    """The built-in network's layer names: hidden_1 ... hidden_{n-1}, output."""
    return (*(f"hidden_{layer}" for layer in range(1, n_layers)), "output")


@dataclass(frozen=True)
class Layout:
    """The shape of a network: ``sizes`` = (input width, hidden widths..., classes);
    ``quantize`` the bits of its quantized activations (0: not quantized)."""

    sizes: tuple[int, ...]
    activation: str
    quantize: int = 0

    @property
    def kind(self) -> str:
        """The activation, and the bits when quantized: ``tanh`` or ``tanh, 8-bit``."""
        return self.activation + (f", {self.quantize}-bit" if self.quantize else "")

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """(in, out) of each layer's W, input side first."""
        return list(zip(self.sizes[:-1], self.sizes[1:], strict=True))

    @property
    def row_length(self) -> int:
        """Values per epoch: the sum over layers of in * out + out, plus two range ends per
        layer when quantized."""
        ranges = 2 * len(self.shapes) if self.quantize else 0
        return sum(fan_in * width + width for fan_in, width in self.shapes) + ranges

    def ranges(self, row: np.ndarray) -> np.ndarray | None:
        """The quantization ranges a row's epoch was trained with, (layers, 2) float32 (low,
        high) per layer; None when the network is not quantized."""
        if not self.quantize:
            return None
        return np.asarray(row[-2 * len(self.shapes):], dtype=np.float32).reshape(-1, 2)

    def split(self, row: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """A flat row of ``row_length`` parameters as [(W (in, out), b (out,)), ...]; views."""
        params, start = [], 0
        for fan_in, width in self.shapes:
            W = row[start : start + fan_in * width].reshape(fan_in, width)
            start += fan_in * width
            params.append((W, row[start : start + width]))
            start += width
        return params

    def to_json(self) -> dict:
        """The layout.json object (``quantize`` only when quantized)."""
        quantize = {"quantize": self.quantize} if self.quantize else {}
        return {"sizes": list(self.sizes), "activation": self.activation, **quantize}

    def describe(self) -> str:
        """The network in a few words, for error messages."""
        return f"a network of sizes {list(self.sizes)} ({self.kind})"

    rows_file = WEIGHTS


@dataclass(frozen=True)
class ModelLayout:
    """Any Keras model's snapshot rows: ``weights`` the (name, shape) of every weight in
    ``model.weights`` order, ``layers`` the names of the measured layers, ``architecture``
    the model's Keras JSON (``model.to_json()``, read back by ``networks.keras_activations``)."""

    weights: tuple[tuple[str, tuple[int, ...]], ...]
    layers: tuple[str, ...]
    architecture: str

    @property
    def row_length(self) -> int:
        """Values per epoch: every weight's size."""
        return sum(int(np.prod(shape)) for _, shape in self.weights)

    @property
    def architecture_sha256(self) -> str:
        """The hex SHA-256 of the architecture's canonical JSON without its ``seed`` entries:
        the same for every repeat of a model (repeat r is built with seed + r, which only
        initialisers and random layers draw from, and measuring draws nothing), different
        for any other network (another activation, width, layer, ...)."""
        architecture = _without_seeds(json.loads(self.architecture))
        return hashlib.sha256(json.dumps(architecture, sort_keys=True).encode()).hexdigest()

    def split(self, row: np.ndarray) -> list[np.ndarray]:
        """A flat row as one array per weight, shaped as ``weights`` says; views."""
        arrays, start = [], 0
        for _, shape in self.weights:
            size = int(np.prod(shape))
            arrays.append(row[start : start + size].reshape(shape))
            start += size
        return arrays

    def to_json(self) -> dict:
        """The layout.json object."""
        return {"weights": [[name, list(shape)] for name, shape in self.weights],
                "layers": list(self.layers), "architecture": json.loads(self.architecture)}

    def describe(self) -> str:
        """The model in a few words, for error messages."""
        return f"a Keras model of {self.row_length} weights measured at {len(self.layers)} layers"

    rows_file = WEIGHTS


@dataclass(frozen=True)
class ActivationLayout:
    """A recorded run's rows (``activations.bin``): ``samples`` the N measured samples,
    ``layers`` the measured layers' names, ``units`` their widths as stored, ``shapes`` each
    layer's output shape per sample as the framework gave it, and ``pool`` how outputs of
    shape (L, D) (tokens) were made rows (``POOLS``); other outputs are flattened."""

    samples: int
    layers: tuple[str, ...]
    units: tuple[int, ...]
    shapes: tuple[tuple[int, ...], ...]
    pool: str = "flatten"

    rows_file = ACTIVATIONS

    @property
    def row_length(self) -> int:
        """Values per epoch: N times the sum of the widths."""
        return self.samples * sum(self.units)

    def split(self, row: np.ndarray) -> list[np.ndarray]:
        """A flat row as one (N, units) array per layer; views."""
        arrays, start = [], 0
        for units in self.units:
            arrays.append(row[start : start + self.samples * units].reshape(self.samples, units))
            start += self.samples * units
        return arrays

    def to_json(self) -> dict:
        """The layout.json object."""
        return {"activations": {
            "samples": self.samples, "pool": self.pool,
            "layers": [{"name": name, "units": units, "shape": list(shape)}
                       for name, units, shape in zip(self.layers, self.units, self.shapes,
                                                     strict=True)]}}

    def describe(self) -> str:
        """The recording in a few words, for error messages."""
        layers = ", ".join(f"{n} ({u})" for n, u in zip(self.layers, self.units, strict=True))
        return (f"activations of {self.samples} samples at layers {layers or 'none'} "
                f"(pool={self.pool})")


def _activation_layout(stored: object, path: Path) -> ActivationLayout:
    layers = stored.get("layers") if isinstance(stored, dict) else None
    size = _integer_at_least(1)
    if not (isinstance(stored, dict) and size(stored.get("samples"))
            and stored.get("pool") in POOLS and isinstance(layers, list) and layers
            and all(isinstance(layer, dict) and isinstance(layer.get("name"), str)
                    and size(layer.get("units")) and isinstance(layer.get("shape"), list)
                    and all(map(size, layer["shape"])) for layer in layers)):
        raise ValueError(f"{path} is damaged: recorded activations must hold samples (an "
                         f"integer >= 1), pool (one of {', '.join(POOLS)}) and layers (name, "
                         "units and shape of each)")
    return ActivationLayout(stored["samples"], tuple(layer["name"] for layer in layers),
                            tuple(layer["units"] for layer in layers),
                            tuple(tuple(layer["shape"]) for layer in layers), stored["pool"])


def _integer_at_least(low: int) -> Callable[[object], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low


def _without_seeds(value: object) -> object:
    """A JSON value with every object's ``seed`` entry removed, at any depth."""
    if isinstance(value, dict):
        return {key: _without_seeds(item) for key, item in value.items() if key != "seed"}
    if isinstance(value, list):
        return [_without_seeds(item) for item in value]
    return value


def _model_layout(stored: dict, path: Path) -> ModelLayout:
    weights, layers = stored.get("weights"), stored.get("layers")
    if not (isinstance(weights, list) and isinstance(layers, list) and layers
            and all(isinstance(name, str) for name in layers)
            and all(isinstance(w, list) and len(w) == 2 and isinstance(w[0], str)
                    and isinstance(w[1], list)
                    and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                            for n in w[1]) for w in weights)
            and isinstance(stored.get("architecture"), dict)):
        raise ValueError(f"{path} is damaged: a model's layout must hold weights (name and "
                         "shape pairs), layers (names) and architecture (an object)")
    return ModelLayout(tuple((name, tuple(shape)) for name, shape in weights), tuple(layers),
                       json.dumps(stored["architecture"], sort_keys=True))


AnyLayout = Layout | ModelLayout | ActivationLayout
"""What a repeat's layout.json may describe."""


def read_layout(directory: Path) -> AnyLayout:
    """The layout stored in ``directory``; FileNotFoundError when it holds no snapshots,
    ValueError naming the file when it is damaged."""
    path = directory / LAYOUT
    if not path.is_file():
        raise FileNotFoundError(f"{directory} holds no snapshots: {LAYOUT} is missing")
    try:
        stored = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if isinstance(stored, dict) and "weights" in stored:
        return _model_layout(stored, path)
    if isinstance(stored, dict) and "activations" in stored:
        return _activation_layout(stored["activations"], path)
    sizes = stored.get("sizes") if isinstance(stored, dict) else None
    if not (isinstance(sizes, list) and len(sizes) >= 2
            and all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in sizes)
            and isinstance(stored.get("activation"), str)):
        raise ValueError(f"{path} is damaged: it must hold sizes (a list of at least two "
                         "integers >= 1) and activation (a string)")
    quantize = stored.get("quantize", 0)
    if not (isinstance(quantize, int) and not isinstance(quantize, bool)
            and 0 <= quantize <= MAX_BITS):
        raise ValueError(f"{path} is damaged: quantize must be bits in 0..{MAX_BITS}, got "
                         f"{quantize!r}")
    return Layout(tuple(sizes), stored["activation"], quantize)


Recorded = Callable[[], tuple[int, Path | None]]
"""Reads a repeat's last completed epoch (-1: none) and the state file recording it."""


def _saved_epoch_and_size(directory: Path, recorded: Recorded,
                          rows_file: str) -> tuple[int, Path | None, int]:
    """(last completed epoch or -1, its state file, bytes in ``rows_file``), seen at one
    moment: the state is read before and after the size until both agree, so that a reader's
    check is not fooled by a training process that appends a row and saves its state
    meanwhile."""
    weights = directory / rows_file
    completed, state = recorded()
    while True:
        size = weights.stat().st_size if weights.exists() else 0
        again, state = recorded()
        if again == completed:
            return completed, state, size
        completed = again


def check_layout(directory: Path, layout: AnyLayout) -> None:
    """The snapshots in ``directory`` are of a network of ``layout``, else ValueError."""
    if read_layout(directory) != layout:
        raise ValueError(f"cannot resume: {directory} holds "
                         f"{read_layout(directory).describe()}, not {layout.describe()}")


def check_snapshots(directory: Path, expected: AnyLayout, epochs: int,
                    recorded: Recorded, stateless_finish: bool = False) -> int:
    """The last completed epoch saved in ``directory`` (-1: none), every file checked against
    the others and against the run's ``expected`` layout and ``epochs``; ValueError naming the
    first file that disagrees. ``recorded`` reads the epoch the repeat's training state
    records (``rundir.group_state.saved_epoch``).

    A missing folder has no epochs. The state may record at most ``epochs`` epochs, never more
    than weights.bin holds, and at most one fewer (training appends a row, then saves the
    state); weights.bin may hold a torn row or the row past the state only while training is
    unfinished (a killed run), and exactly epochs + 1 rows once it is done. With
    ``stateless_finish`` (measuring, which needs no optimizer state) weights.bin holding
    exactly epochs + 1 rows and no state recording any epoch is a finished run whose state
    files were removed: complete for measuring, not resumable.
    """
    if not any((directory / name).exists() for name in (LAYOUT, WEIGHTS, ACTIVATIONS)):
        completed, state = recorded()
        if completed >= 0:
            raise ValueError(f"{state} records epoch {completed} of {directory.name} but its "
                             f"{LAYOUT} and {WEIGHTS} are missing")
        return -1
    layout = read_layout(directory)
    if layout != expected:
        raise ValueError(f"{directory / LAYOUT} describes {layout.describe()}, config.json "
                         f"{expected.describe()}")
    row_bytes = layout.row_length * ROW_DTYPE.itemsize
    rows_file = layout.rows_file
    completed, state, size = _saved_epoch_and_size(directory, recorded, rows_file)
    if stateless_finish and state is None and size == (epochs + 1) * row_bytes:
        return epochs
    claim = (f"{state} records epoch {completed} of {directory.name}" if state is not None
             else f"no training state records an epoch of {directory.name}")
    if completed > epochs:
        raise ValueError(f"{claim} but config.json trains {epochs} epochs")
    if size // row_bytes < completed + 1:
        raise ValueError(f"{claim} but its {rows_file} holds {size // row_bytes} complete "
                         "epochs")
    if size // row_bytes > completed + 2:
        raise ValueError(f"{claim} but its {rows_file} holds {size // row_bytes} epochs "
                         "(training writes at most one past it)")
    if completed == epochs and size != (epochs + 1) * row_bytes:
        raise ValueError(f"{directory / rows_file} holds {size} bytes, not the {epochs + 1} "
                         f"rows of {layout.row_length} values its {LAYOUT} and {state} "
                         "describe")
    return completed


class SnapshotReader:
    """The saved epochs of one repeat, memory-mapped: ``params(epoch)`` for 0..n_epochs-1.

    Epochs are those complete when the reader was opened; a torn last row is ignored.
    """

    def __init__(self, directory: Path) -> None:
        self.layout = read_layout(directory)
        path = directory / self.layout.rows_file
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

    def params(self, epoch: int) -> list:
        """The float32 weights after ``epoch`` epochs (0 = initial): [(W (in, out), b (out,)),
        ...] for the built-in network, one array per weight for a ``ModelLayout``."""
        return self.layout.split(np.asarray(self._rows[self._checked(epoch)]))

    def ranges(self, epoch: int) -> np.ndarray | None:
        """``epoch``'s quantization ranges, (layers, 2); None for a network not quantized."""
        return self.layout.ranges(np.asarray(self._rows[self._checked(epoch)]))

    def row(self, epoch: int) -> np.ndarray:
        """``epoch``'s whole row (``layout.row_length`` float32 values), a copy."""
        return np.array(self._rows[self._checked(epoch)])

    def _checked(self, epoch: int) -> int:
        if not 0 <= epoch < self.n_epochs:
            raise ValueError(f"epoch must be in 0..{self.n_epochs - 1}, got {epoch}")
        return epoch


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
    """Appends one weights row per epoch to ``directory/weights.bin`` (a recorded run's
    activations to ``activations.bin``: the layout's ``rows_file``).

    Opening keeps the first ``keep_epochs`` rows and truncates the rest (a torn row, or epochs
    after the last saved state); with ``keep_epochs`` 0 the folder starts afresh with
    ``layout``, otherwise the stored layout must equal ``layout``. A weights.bin that is a
    symbolic link is refused before anything is written (``run_directory.refuse_link``).
    """

    def __init__(self, directory: Path, layout: AnyLayout, keep_epochs: int) -> None:
        self.layout = layout
        rows = directory / layout.rows_file
        directory.mkdir(parents=True, exist_ok=True)
        refuse_link(rows)
        if keep_epochs == 0:
            replace_file(directory / LAYOUT, json.dumps(layout.to_json()) + "\n")
        else:
            check_layout(directory, layout)
        self._handle = open_appended(rows, "ab")
        keep_bytes = keep_epochs * layout.row_length * ROW_DTYPE.itemsize
        if self._handle.tell() < keep_bytes:
            self._handle.close()
            raise ValueError(f"cannot resume: {rows} holds fewer than the "
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
    the file is new. A metrics.csv that is a symbolic link is refused before anything is
    written (``run_directory.refuse_link``).
    """

    def __init__(self, path: Path, keep_epochs: Mapping[int, int]) -> None:
        refuse_link(path)
        text = path.read_text() if path.exists() else ""
        kept = [line for line, (r, epoch) in zip(table_lines(path)[1:], metrics_rows(path),
                                                   strict=True)
                if r not in keep_epochs or epoch < keep_epochs[r]] if text else []
        new_text = "\n".join([",".join(METRICS_COLUMNS), *kept]) + "\n"
        if new_text != text:
            replace_file(path, new_text)
        self._handle = open_appended(path, "a")

    def append(self, epoch: int, rows: Mapping[int, Sequence[float]]) -> None:
        """Append ``epoch``'s row of each repeat in ``rows`` (repeat -> (train loss, train
        accuracy, test loss, test accuracy)) and flush; floats are written exactly (``repr``)."""
        self._handle.write("".join(
            ",".join([str(repeat), str(epoch), *(repr(float(v)) for v in values)]) + "\n"
            for repeat, values in rows.items()))
        self._handle.flush()


class EpochWriter(ExitStack):
    """The files of one epoch of a group of repeats, written in the order that bit-exact
    resume depends on: each repeat's weights row, then the metrics rows, then the optimizer
    state, so the state's epoch is always complete in both files (see the module).

    ``completed`` maps each repeat to its last saved epoch (-1: none); opening drops anything
    written after it. ``write`` takes the state's writer as a callable, so every trainer
    (the built-in network's groups, a model file's repeats, ``RunRecorder``) writes its own
    state file in the one place of the order.
    """

    def __init__(self, run_dir: Path, layout: AnyLayout,
                 completed: Mapping[int, int]) -> None:
        super().__init__()  # closing it (or leaving its ``with``) closes every file
        self._weights = {r: self.enter_context(SnapshotWriter(
            snapshot_dir(run_dir, r), layout, keep_epochs=c + 1))
            for r, c in completed.items()}
        self._metrics = self.enter_context(MetricsLog(
            run_dir / METRICS, {r: c + 1 for r, c in completed.items()}))

    def write(self, epoch: int, rows: Mapping[int, np.ndarray],
              metrics: Mapping[int, Sequence[float]], save_state: Callable[[], None]) -> None:
        """Append ``epoch``'s row of each repeat in ``rows`` (repeat -> ``layout.row_length``
        values) and its metrics (repeat -> (train loss, train accuracy, test loss, test
        accuracy)), then call ``save_state``."""
        for repeat, row in rows.items():
            self._weights[repeat].append(row)
        self._metrics.append(epoch, metrics)
        save_state()


def metrics_rows(path: Path) -> list[tuple[int, int]]:
    """(repeat, epoch) of every complete row of metrics.csv, in file order; ValueError naming
    the file and line of a wrong header or a malformed row. A torn last line is skipped."""
    lines = table_lines(path)
    if lines and lines[0] != ",".join(METRICS_COLUMNS):
        raise ValueError(f"{path} is not a metrics table: its header is {lines[0][:80]!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(",")
        try:
            if len(fields) != len(METRICS_COLUMNS):
                raise ValueError(f"{len(fields)} fields, not {len(METRICS_COLUMNS)}")
            for value in fields[2:]:
                float(value or "nan")
            rows.append((int(fields[0]), int(fields[1])))
        except ValueError as error:
            raise ValueError(f"{path} line {number} is damaged ({str(error)[:60]})") from None
    return rows


def write_state(directory: Path, epoch: int, optimizer_state: np.ndarray) -> None:
    """Atomically record that ``epoch`` is complete, with the optimizer's flat float64 state."""
    buffer = io.BytesIO()
    np.save(buffer, np.concatenate([[epoch], optimizer_state]).astype(np.float64))
    replace_file(directory / STATE, buffer.getvalue())


def read_state(directory: Path) -> tuple[int, np.ndarray] | None:
    """(last completed epoch, optimizer state) from ``directory``; None before epoch 0.

    ValueError naming the file when it is not a float64 vector starting with an epoch; never
    unpickles anything.
    """
    path = directory / STATE
    if not path.is_file():
        return None
    try:
        stored = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is damaged ({str(error)[:80]})") from None
    if not (isinstance(stored, np.ndarray) and stored.dtype == np.float64 and stored.ndim == 1
            and stored.size and np.isfinite(stored[0]) and stored[0] == int(stored[0])
            and stored[0] >= 0):
        raise ValueError(f"{path} is damaged: not a float64 vector starting with an epoch")
    return int(stored[0]), stored[1:]
