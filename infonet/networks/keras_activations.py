"""Layer outputs of any Keras model's saved epoch, recomputed with Keras in sample blocks.

``KerasSource`` is the activation source (``networks.activations``) of a run trained with
``--model`` or recorded by ``RunRecorder``: it rebuilds the model from the architecture JSON in
the snapshots' ``layout.json`` (``keras.models.model_from_json``, Keras's safe mode: no
Python code is deserialised), sets a saved epoch's weights (every weight, batch normalisation's
moving statistics included) and computes the asked layers' outputs, each flattened to (N,
units) float32. Always in inference mode (``training=False``): dropout passes everything,
batch normalisation uses its moving statistics, so a layer's output is a deterministic
function of the input, as every estimator assumes. Samples go through in blocks of at most
``BLOCK_VALUES`` values of the model's widest layer, so memory stays bounded for wide
convolutional layers whatever N (the asked outputs themselves are N x units). Which layers
are measured is chosen when training (``networks.layers``); ``check_rebuildable`` says
before training or measuring whether a model can be rebuilt so. TensorFlow is imported
here; the built-in network never comes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

import infonet.networks.quiet_start  # noqa: F401  (before TensorFlow)
from infonet.rundir.snapshots import ModelLayout, SnapshotReader

BLOCK_VALUES = 1 << 24
"""Most values (float32: 64 MiB) one block of samples may make in the model's widest layer."""


class KerasSource:
    """The measured layers of a Keras model's snapshots (``ModelLayout``), recomputed."""

    def __init__(self, reader: SnapshotReader) -> None:
        self.reader = reader
        self.layout: ModelLayout = reader.layout
        self.n_epochs = reader.n_epochs
        self.layer_names = self.layout.layers

    def activations(self, epoch: int, X: np.ndarray,
                    layers: Sequence[int]) -> dict[int, np.ndarray]:
        """Layer (from 1) -> its output (N, units) float32 on inputs X (N, D) after
        ``epoch``, in inference mode."""
        model, widest, _ = _model(self.layout.architecture)
        model.set_weights(self.reader.params(epoch))
        names = [self.layer_names[layer - 1] for layer in layers]
        probe = _probe(self.layout.architecture, tuple(names))
        X = np.asarray(X, dtype=np.float32)
        block = max(1, BLOCK_VALUES // widest)
        parts: list[list[np.ndarray]] = [[] for _ in layers]
        for start in range(0, len(X), block):
            outputs = probe(X[start : start + block], training=False)
            outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
            for part, output in zip(parts, outputs, strict=True):
                part.append(np.asarray(output, dtype=np.float32).reshape(len(output), -1))
        return {layer: np.concatenate(part) for layer, part in zip(layers, parts, strict=True)}


def check_rebuildable(layout: ModelLayout, where: str) -> None:
    """ValueError of one line naming ``where`` unless measuring can rebuild the model from
    ``layout``'s architecture and give its measured layers' outputs: Keras's safe mode
    deserialises no Python code (a ``Lambda`` layer's function), knows only the layer classes
    registered in the process, and refuses a damaged architecture."""
    try:
        _probe(layout.architecture, layout.layers)
    except Exception as error:  # whatever Keras raises on an architecture it cannot rebuild
        sentence = str(error).strip().split("\n")[0].split(". ")[0]
        raise ValueError(f"{where}: measuring cannot rebuild the model in Keras's safe mode "
                         f"(no Lambda layers; custom ones registered): "
                         f"{type(error).__name__}: {sentence}") from None


@lru_cache(maxsize=4)
def _model(architecture: str) -> tuple:
    """The model rebuilt from its JSON (one per process and architecture), the most values one
    sample makes in any of its layers, and its probes (``_probe``), which live and go with it:
    a probe over an evicted model's layers would compute with that model's stale weights."""
    import keras

    model = keras.models.model_from_json(architecture)
    widest = max(int(np.prod(layer.output.shape[1:])) for layer in model.layers)
    return model, widest, {}


def _probe(architecture: str, names: tuple[str, ...]) -> object:
    """A model sharing ``_model(architecture)``'s layers whose outputs are the named layers'."""
    import keras

    model, _, probes = _model(architecture)
    if names not in probes:
        probes[names] = keras.Model(model.inputs[0],
                                    [model.get_layer(name).output for name in names])
    return probes[names]
