"""Which layers of a Keras model are measured: by default every layer computing a new
representation, or the layers a user names (``--layers NAME,NAME``).

Skipped by default, because their output is their input rearranged, passed through, or
(in inference mode, where everything is measured) unchanged: ``PASS_THROUGH`` lists them by
Keras class name. Every other top-level layer of the model is measured in model order:
convolutions, pooling, dense, batch normalisation, activation layers, and the output. A
layer must have one output tensor. No TensorFlow imported here at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

PASS_THROUGH = (
    "InputLayer", "Reshape", "Flatten", "Permute", "RepeatVector", "Cropping1D",
    "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
    "GaussianDropout", "GaussianNoise", "ActivityRegularization", "Masking", "Identity",
)
"""Layer classes not measured by default: no-ops, reshapes and paddings, and the noise and
dropout layers that are the identity in inference mode."""


def parse_layers(text: str) -> tuple[str, ...]:
    """Layer names written comma-separated, e.g. "conv_1,pool_1,dense_1"."""
    names = tuple(name.strip() for name in text.split(","))
    if not all(names) or len(set(names)) != len(names):
        raise ValueError(f"--layers must be distinct comma-separated layer names, got {text!r}")
    return names


def measured_layers(model: keras.Model, names: Sequence[str] | None = None) -> tuple[str, ...]:
    """The names of the layers of ``model`` to measure, in model order: ``names`` checked
    against the model (ValueError naming an unknown one), or by default every layer whose
    class is not in PASS_THROUGH."""
    layers = [layer for layer in model.layers if len(_outputs(layer)) == 1]
    known = [layer.name for layer in layers]
    if names is None:
        chosen = [layer.name for layer in layers
                  if type(layer).__name__ not in PASS_THROUGH]
        if not chosen:
            raise ValueError("the model has no layer to measure (every layer passes its "
                             "input through)")
        return tuple(chosen)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"--layers: the model has no layer {unknown[0]!r} (it has "
                         f"{', '.join(known[:8])}{' ...' if len(known) > 8 else ''})")
    return tuple(name for name in known if name in names)


def _outputs(layer: keras.layers.Layer) -> list:
    output = layer.output
    return output if isinstance(output, list | tuple) else [output]
