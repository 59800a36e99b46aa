"""Where measuring gets a layer's activations: the snapshots of one repeat, as layer outputs.

``open_source(snapshot_dir)`` returns the source fitting the snapshots' layout: ``DenseSource``
for the built-in network (the NumPy forward pass of ``networks.forward``, no TensorFlow),
``StoredSource`` for a run of recorded activations (``networks.activation_recorder``: any
framework's layer outputs, read back as stored; no framework imported) or
``networks.keras_activations.KerasSource`` for any other Keras model (TensorFlow imported only
then). Both answer the same questions: ``n_epochs``, ``layer_names`` (layer l, from 1, is
``layer_names[l - 1]``), ``reader`` (the ``SnapshotReader``) and ``activations(epoch, X,
layers)``, the outputs of the asked layers as (N, units) float32 arrays. The runner
(``measuring.runner``) and ``open_run`` ask only this. The built-in network's layers are
named as ``networks.model.build_model`` names them: ``hidden_1`` ... ``hidden_k``, then
``output`` (the softmax). ``check_sources`` says before measuring whether every repeat's
network can be rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from infonet.networks.forward import layer_activations
from infonet.networks.quantization import Quantization
from infonet.rundir.directory import RECORDED_SAMPLES
from infonet.rundir.snapshots import (
    LAYOUT,
    ActivationLayout,
    Layout,
    ModelLayout,
    SnapshotReader,
    dense_layer_names,
    read_layout,
)


class ActivationSource(Protocol):
    """The saved epochs of one repeat, asked for layer outputs."""

    reader: SnapshotReader
    n_epochs: int
    layer_names: tuple[str, ...]

    def activations(self, epoch: int, X: np.ndarray,
                    layers: Sequence[int]) -> dict[int, np.ndarray]:
        """Layer (from 1) -> its output (N, units) float32 on inputs X (N, D) after ``epoch``."""
        ...


class DenseSource:
    """The built-in network's layers, recomputed with NumPy (``networks.forward``); a network
    trained with quantized activations gives them quantized on each epoch's saved ranges."""

    def __init__(self, reader: SnapshotReader) -> None:
        self.reader = reader
        self.n_epochs = reader.n_epochs
        self.layer_names = dense_layer_names(reader.n_layers)

    def activations(self, epoch: int, X: np.ndarray,
                    layers: Sequence[int]) -> dict[int, np.ndarray]:
        """Layer (from 1) -> its output (N, units) float32 on X (N, D) after ``epoch``."""
        ranges = self.reader.ranges(epoch)
        quantization = None if ranges is None else Quantization(self.reader.layout.quantize,
                                                                ranges)
        outputs = layer_activations(self.reader.params(epoch), X, self.reader.activation,
                                    quantization)
        return {layer: outputs[layer - 1] for layer in layers}


class StoredSource:
    """A recorded run's layers: each epoch's activations as the recorder stored them (float32,
    (N, units) per layer, memory-mapped), on the recorded samples (``samples.npz``) or a
    subset of them (the train or test samples of a PyTorch ``--model`` run), found by
    value."""

    def __init__(self, reader: SnapshotReader, directory: Path) -> None:
        self.reader = reader
        self.layout: ActivationLayout = reader.layout
        self.n_epochs = reader.n_epochs
        self.layer_names = self.layout.layers
        self._samples = directory.parent.parent / RECORDED_SAMPLES
        self._index: dict[bytes, int] | None = None

    def activations(self, epoch: int, X: np.ndarray,
                    layers: Sequence[int]) -> dict[int, np.ndarray]:
        """Layer (from 1) -> its stored output (len(X), units) float32 after ``epoch``: all
        N recorded rows when ``X`` has N samples (the recorded ones), else the rows of
        ``X``'s samples among them (ValueError when one is not recorded)."""
        stored = self.reader.params(epoch)
        rows = None if len(X) == self.layout.samples else self._rows(X)
        return {layer: np.array(stored[layer - 1] if rows is None else stored[layer - 1][rows])
                for layer in layers}

    def _rows(self, X: np.ndarray) -> np.ndarray:
        """The recorded row of each sample of ``X`` (equal inputs have equal activations, so
        any equal recorded sample will do)."""
        if self._index is None:
            with np.load(self._samples, allow_pickle=False) as recorded:
                self._index = {row.tobytes(): i for i, row in enumerate(recorded["X"])}
        keys = np.ascontiguousarray(X, dtype=np.float32).reshape(len(X), -1)
        rows = [self._index.get(row.tobytes()) for row in keys]
        if None in rows:
            raise ValueError(f"{self._samples.parent} holds the activations of its "
                             f"{self.layout.samples} recorded samples; sample {rows.index(None)} "
                             "of those asked for is not among them")
        return np.array(rows, dtype=np.int64)


def open_source(snapshot_dir: Path) -> ActivationSource:
    """The activation source of the snapshots in ``snapshot_dir``."""
    reader = SnapshotReader(snapshot_dir)
    if isinstance(reader.layout, Layout):
        return DenseSource(reader)
    if isinstance(reader.layout, ActivationLayout):
        return StoredSource(reader, snapshot_dir)
    from infonet.networks.keras_activations import KerasSource

    return KerasSource(reader)


def check_sources(snapshot_dirs: Iterable[Path]) -> None:
    """ValueError naming the layout.json of the first snapshots whose network measuring cannot
    rebuild (``networks.keras_activations.check_rebuildable``; once per distinct architecture,
    TensorFlow imported only for a Keras model); the built-in network's always can."""
    checked = set()
    for directory in snapshot_dirs:
        layout = read_layout(directory)
        if isinstance(layout, ModelLayout) and layout.architecture_sha256 not in checked:
            from infonet.networks.keras_activations import check_rebuildable

            check_rebuildable(layout, str(directory / LAYOUT))
            checked.add(layout.architecture_sha256)
