"""The NumPy forward pass: every layer's output from a snapshot's weights, without TensorFlow.

Measurement workers recompute activations here from ``rundir.snapshots``' weights, so they
never import TensorFlow. The activation functions are Keras 3's, with its default parameters
(leaky_relu slope 0.2, elu alpha 1); the output layer is a softmax. Arithmetic is float32, as
in the trained Keras network, so the activations are the ones the network itself computes
(they agree with Keras's layer outputs to about 1e-6). A network trained with quantized
activations (``--quantize``) has every layer's output put on its levels here as in training
(``networks.quantization``). Building and training networks lives in ``networks.model`` and
``networks.train``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import expit

from infonet.networks.quantization import Quantization, quantize

LEAKY_RELU_SLOPE = 0.2
"""Keras 3's default ``negative_slope`` of ``leaky_relu`` (Keras 2 used 0.3)."""

Params = Sequence[tuple[np.ndarray, np.ndarray]]
"""One (W (in, out), b (out,)) pair per layer, input side first."""


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def _softsign(x: np.ndarray) -> np.ndarray:
    return x / (1 + np.abs(x))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(np.float32(0), x)


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _leaky_relu(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0, x, np.float32(LEAKY_RELU_SLOPE) * x)


def _linear(x: np.ndarray) -> np.ndarray:
    return x


ACTIVATION_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "relu": _relu,
    "sigmoid": expit,
    "softsign": _softsign,
    "softplus": _softplus,
    "elu": _elu,
    "leaky_relu": _leaky_relu,
    "linear": _linear,
}
"""Hidden-layer activation name (as Keras spells it) -> its elementwise NumPy function."""

ACTIVATIONS = tuple(ACTIVATION_FUNCTIONS)
"""The activation names a network may use; the first is the default."""


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of z (N, C): exp(z - max) / sum exp(z - max), rows sum to 1."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def check_activation(activation: str) -> None:
    """Raise ValueError unless ``activation`` is one of ACTIVATIONS."""
    if activation not in ACTIVATION_FUNCTIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, "
                         f"got {activation!r}")


def layer_activations(params: Params, X: np.ndarray, activation: str,
                      quantization: Quantization | None = None) -> list[np.ndarray]:
    """The output of every layer for inputs X (N, D): hidden layers, then the softmax output.

    ``params`` holds one (W (in, out), b (out,)) pair per layer; layer l's output, float32
    (N, out_l), is ``activation(T @ W + b)`` for hidden layers and ``softmax(T @ W + b)`` for
    the last; with ``quantization`` each output is quantized on its layer's range before the
    next layer reads it. Non-finite weights (a diverged run) give NaN or inf outputs, without
    warnings.
    """
    check_activation(activation)
    if not params:
        raise ValueError("params must hold at least one (W, b) layer")
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (samples, features), got shape {X.shape}")
    width = X.shape[1]
    for number, (W, b) in enumerate(params, start=1):
        if np.ndim(W) != 2 or W.shape[0] != width or np.shape(b) != (W.shape[1],):
            raise ValueError(f"params of layer {number} have shapes W {np.shape(W)}, "
                             f"b {np.shape(b)}; expected W ({width}, out) and b (out,)")
        width = W.shape[1]
    if quantization is not None and np.shape(quantization.ranges) != (len(params), 2):
        raise ValueError(f"quantization ranges have shape {np.shape(quantization.ranges)}; "
                         f"expected ({len(params)}, 2), one (low, high) per layer")
    function = ACTIVATION_FUNCTIONS[activation]
    outputs = []
    T = X
    with np.errstate(over="ignore", invalid="ignore"):
        for number, (W, b) in enumerate(params, start=1):
            Z = T @ np.asarray(W, dtype=np.float32) + np.asarray(b, dtype=np.float32)
            T = softmax(Z) if number == len(params) else function(Z)
            if quantization is not None:
                T = quantize(T, quantization.bits, *quantization.ranges[number - 1])
            outputs.append(T)
    return outputs
