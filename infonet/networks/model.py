"""The network: a fully connected Keras model with a softmax output, and its named choices.

``build_model`` makes the network; ``ACTIVATIONS``, ``INITIALIZERS`` and ``OPTIMIZERS`` list the
names a user may pick (the first of each is the default) and ``parse_shape`` reads the hidden
widths from the command line. Keras is imported only inside ``build_model``, so the command
line can list the choices without loading TensorFlow. Training lives in ``networks.train``,
the NumPy forward pass (and the activation definitions) in ``networks.forward``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from infonet.networks.forward import ACTIVATIONS, check_activation

if TYPE_CHECKING:
    import keras

INITIALIZERS = ("truncated_normal", "glorot_uniform")
"""Weight initialisations; biases always start at zero.

``truncated_normal``: normal with mean 0 and standard deviation 1/sqrt(fan-in), redrawn beyond
two standard deviations (Shwartz-Ziv & Tishby's code). ``glorot_uniform``: uniform on
+-sqrt(6 / (fan-in + fan-out)) (Keras's default)."""

OPTIMIZERS = ("adam", "sgd")
"""Optimizers: Adam (beta_1 0.9, beta_2 0.999; epsilon 1e-7 unless set) and plain SGD."""


def check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    """Raise ValueError unless ``value`` is one of ``choices``; ``name`` is the parameter."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


def check_hidden(hidden: Sequence[int]) -> None:
    """Raise ValueError unless ``hidden`` is a non-empty sequence of positive integer widths."""
    if len(hidden) == 0:
        raise ValueError("hidden must hold at least one layer width")
    bad = [w for w in hidden if isinstance(w, bool) or not isinstance(w, int | np.integer)
           or w < 1]
    if bad:
        raise ValueError(f"hidden widths must be positive integers, got {tuple(hidden)}")


def parse_shape(text: str) -> tuple[int, ...]:
    """The hidden widths written as comma-separated positive integers, e.g. "10,7,5,4,3"."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdecimal() and int(part) >= 1 for part in parts):
        raise ValueError(f"--shape must be comma-separated positive integers, got {text!r}")
    return tuple(int(part) for part in parts)


def layer_seed(seed: int, layer: int) -> int:
    """The initializer seed of layer ``layer`` (from 0) of a network seeded ``seed``.

    Derived with NumPy's SeedSequence, so layers of equal shape get independent weights.
    """
    return int(np.random.SeedSequence([seed, layer]).generate_state(1)[0])


def build_model(input_dim: int, hidden: Sequence[int], n_classes: int,
                activation: str = ACTIVATIONS[0], init: str = INITIALIZERS[0],
                seed: int = 0) -> keras.Model:
    """A float32 network: Dense layers of widths ``hidden`` with ``activation``, then softmax.

    Input (N, input_dim) -> output (N, n_classes) class probabilities. Layer l's kernel is
    drawn by ``init`` with seed ``layer_seed(seed, l)``; biases are zero. The same arguments
    give the same weights, bit for bit.
    """
    if input_dim < 1:
        raise ValueError(f"input_dim must be at least 1, got {input_dim}")
    check_hidden(hidden)
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    check_activation(activation)
    check_choice("init", init, INITIALIZERS)
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    import keras

    widths = [input_dim, *hidden, n_classes]
    layers = []
    for layer, (fan_in, width) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        if init == "truncated_normal":
            kernel = keras.initializers.TruncatedNormal(
                stddev=1 / np.sqrt(fan_in), seed=layer_seed(seed, layer))
        else:
            kernel = keras.initializers.GlorotUniform(seed=layer_seed(seed, layer))
        last = layer == len(widths) - 2
        layers.append(keras.layers.Dense(
            width, activation="softmax" if last else activation, kernel_initializer=kernel,
            bias_initializer="zeros", dtype="float32",
            name="output" if last else f"hidden_{layer + 1}"))
    return keras.Sequential([keras.Input((input_dim,), dtype="float32"), *layers])
