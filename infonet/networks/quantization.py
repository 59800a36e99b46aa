"""Quantized activations (Lorenzen, Igel & Nielsen 2022), in NumPy: the levels and the ranges.

Lives here: `Quantization` (the bits and each layer's range, as one saved epoch holds them),
`quantize` (values -> one of 2^bits uniform levels of a range), `nudged_grid` (where those
levels lie) and which range each layer's quantizer has: the fixed range of a bounded
activation (`FIXED_RANGES`, the softmax output's `SOFTMAX_RANGE`) or, for an unbounded one
(ReLU, ELU, ...), a range learned in training as an exponential moving average of each
minibatch's min and max (`EMA_DECAY`, `INITIAL_RANGE`). Not here: the forward pass that applies
it (``networks.forward``) and training's TensorFlow twin of `quantize` (``networks.stacked``),
which must compute the same float32 values; tests/test_quantization.py holds them together.

The quantizer is TensorFlow's ``fake_quant_with_min_max_vars`` (``narrow_range=False``), which
the paper's code applies through TensorFlow Model Optimization: for a range [low, high] and
B bits, scale = (high - low) / (2^B - 1); the range is shifted ("nudged") by less than one
step so that 0 is a level exactly (a dead ReLU unit outputs exactly 0); a value t becomes
floor((clip(t, low', high') - low') * (2^B - 1) / (high - low) + 0.5) * scale + low', all in
float32, where low' and high' are the nudged ends. So a unit takes at most 2^B distinct values.

Ranges, as the paper's code has them (TensorFlow Model Optimization's defaults for the rest):

- tanh and softsign: [-1, 1]; sigmoid: [0, 1]; the softmax output: [0, 1];
- any other activation: the moving average range of ``MovingAverageQuantizer``: it starts at
  [-6, 6]; every training step sets low <- low - (low - min(batch min, 0)) * (1 - 0.999),
  high likewise with max(batch max, 0), over the minibatch's outputs of that layer (all its
  units). That quantizer moves the range before quantizing the step's outputs on it; our
  training quantizes on the range as it stood before the step, then moves it (a thousandth
  of the gap apart; see ``networks.stacked``). Measuring uses the range as it stands after
  the epoch; each saved epoch stores it (``rundir.snapshots``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infonet.rundir.config import MAX_BITS

FIXED_RANGES: dict[str, tuple[float, float]] = {
    "tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
    "sigmoid": (0.0, 1.0),
}
"""Hidden activations with a bounded range, quantized on it; every other one learns its range."""

SOFTMAX_RANGE = (0.0, 1.0)
"""The range the softmax output is quantized on."""

EMA_DECAY = 0.999
"""Decay of the moving average of the batch min and max (TensorFlow Model Optimization's)."""

INITIAL_RANGE = (-6.0, 6.0)
"""Where a learned range starts (TensorFlow Model Optimization's initial min and max)."""

def check_bits(bits: int) -> None:
    """Raise ValueError unless ``bits`` is an integer in 1..MAX_BITS."""
    if isinstance(bits, bool) or not isinstance(bits, int | np.integer) \
            or not 1 <= bits <= MAX_BITS:
        raise ValueError(f"quantize must be a number of bits in 1..{MAX_BITS}, got {bits!r}")


def fixed_range(activation: str) -> tuple[float, float] | None:
    """The fixed range a hidden ``activation`` is quantized on; None: it is learned."""
    return FIXED_RANGES.get(activation)


def initial_ranges(activation: str, n_layers: int) -> np.ndarray:
    """Each layer's range (n_layers, 2) float32 before training: hidden layers, then the
    softmax output."""
    hidden = fixed_range(activation) or INITIAL_RANGE
    return np.array([hidden] * (n_layers - 1) + [SOFTMAX_RANGE], dtype=np.float32)


@dataclass(frozen=True)
class Quantization:
    """How one saved epoch's layers are quantized: ``bits`` per value and ``ranges``
    (layers, 2) float32, each layer's (low, high) before nudging."""

    bits: int
    ranges: np.ndarray

    def __post_init__(self) -> None:
        check_bits(self.bits)


def nudged_grid(low: float, high: float,
                bits: int) -> tuple[np.float32, np.float32, np.float32, np.float32]:
    """(low', high', scale, 1 / scale) float32 of the 2^bits levels low' + k * scale,
    k = 0..2^bits - 1, that ``fake_quant_with_min_max_vars`` puts on [low, high] (0 a level
    when low <= 0 <= high); 1 / scale is computed as (2^bits - 1) / (high - low), as there. An
    empty range [a, a] (a layer whose outputs never varied) is taken as [a, a + 1]."""
    low, high = np.float32(low), np.float32(high)
    high = high if high > low else low + np.float32(1)
    top = np.float32(2**bits - 1)
    scale = (high - low) / top
    zero = np.floor(np.clip(np.float32(0) - low / scale, np.float32(0), top) + np.float32(0.5))
    return (np.float32(0) - zero) * scale, (top - zero) * scale, scale, top / (high - low)


def quantize(T: np.ndarray, bits: int, low: float, high: float) -> np.ndarray:
    """The values T (any shape) on the 2^bits levels of [low, high] (see `nudged_grid` and
    the module doc), float32."""
    nudged_low, nudged_high, scale, inverse = nudged_grid(low, high, bits)
    clamped = np.minimum(np.maximum(np.asarray(T, dtype=np.float32), nudged_low), nudged_high)
    steps = np.floor((clamped - nudged_low) * inverse + np.float32(0.5))
    return steps * scale + nudged_low
