"""Repeats trained together: R networks of one layout as one set of stacked TensorFlow variables.

``StackedEpochs`` holds every parameter with a leading repeat axis (W (R, in, out), b (R, out)),
runs a whole epoch of minibatch steps for all R networks inside one ``tf.function`` (batched
matrix products over the repeat axis) and measures them. Tiny networks leave the processor idle
between TensorFlow ops; stacking R of them costs little more per op than one. What is trained
when, and what is written to disk, lives in ``networks.train``; the per-repeat initial weights
come from ``networks.model.build_model``.

Repeats never influence each other. Each has its own initial weights, its own epoch order
(the caller passes one row of indices per repeat) and its own optimizer state: the Keras
optimizer updates the stacked variables element by element, so repeat r's moments and updates
are exactly those it would get alone (the step count is shared: every repeat takes the same
number of steps). The loss is the sum over repeats of each repeat's mean cross-entropy, so the
gradient of repeat r's parameters is the gradient of repeat r's loss alone (the derivative of
the sum by each term is exactly 1, whatever the other terms are, NaN included). Which float32
rounding a repeat's arithmetic gets may depend on R (TensorFlow picks its kernels and
their blocking from the shapes), never on the other repeats' values: with R fixed, repeat r's
weights are the same bit for bit whatever the other repeats hold.

Quantized activations (``quantize`` bits, Lorenzen et al. 2022): every layer's output, the
softmax included, is put on the 2^bits levels of its range by `quantized`, the TensorFlow twin
of ``networks.quantization.quantize`` (same float32 operations in the same order, so the NumPy
forward pass reproduces the values), with a straight-through gradient: the rounding passes the
gradient unchanged inside the range and none outside it, as TensorFlow's ``fake_quant`` ops.
A learned range (unbounded activations) moves after every training step towards that
minibatch's min and max by an exponential moving average; each repeat has its own ranges, part
of its row after the parameters. A step quantizes on the ranges as they stood before it, so the
grids of all layers are found together (TensorFlow Model Optimization's quantizer moves a
range first and quantizes that step on the moved one: a difference of a thousandth of the gap
between the range and the batch's, and none in what is saved and measured). The loss is then
Keras's cross-entropy of the quantized probabilities (renormalised, clipped to
[1e-7, 1 - 1e-7]), as in the paper's code, which trains the quantized softmax output through
``CategoricalCrossentropy``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from infonet.networks.quantization import EMA_DECAY, FIXED_RANGES, initial_ranges, nudged_grid

PROBABILITY_EPSILON = 1e-7
"""Keras's epsilon: quantized probabilities are clipped to [eps, 1 - eps] in the loss."""


class StackedEpochs:
    """R networks of one layout, their optimizer, the data as tensors, a compiled epoch.

    ``initial`` holds one parameter list [W1 (in, out), b1 (out,), W2, b2, ...] per repeat;
    ``activation`` is the hidden layers' Keras activation name (the output is a softmax);
    ``quantize`` the bits of quantized activations (0: none).
    ``train(orders)`` and ``evaluate()`` return (rows, metrics, optimizer states):
    rows (R, P) float32, every parameter of each repeat in ``rundir.snapshots``' order (then,
    when quantized, each layer's range low, high);
    metrics (R, 4) float64, (train loss, train accuracy, test loss, test accuracy) of each
    repeat, the loss being the mean cross-entropy in nats and the test values nan for an
    empty test set; optimizer states (R, S) float64, each repeat's optimizer variables
    flattened in Keras's order (the scalars, such as the step count, repeated in every row).
    """

    def __init__(self, initial: Sequence[Sequence[np.ndarray]], activation: str,
                 optimizer: keras.optimizers.Optimizer, X_train: np.ndarray,
                 y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                 batch_size: int, quantize: int = 0) -> None:
        self.repeats = len(initial)
        self._variables = [tf.Variable(np.stack([params[i] for params in initial]),
                                       name=f"stacked_{i}")
                           for i in range(len(initial[0]))]
        n_layers = len(initial[0]) // 2
        self._bits = quantize
        ranges = initial_ranges(activation, n_layers)
        self._learns_ranges = activation not in FIXED_RANGES
        self._fixed_grids = [_level_grid(*r, quantize) for r in ranges] if quantize else []
        self._ranges = tf.Variable(np.tile(ranges, (self.repeats, 1, 1)), trainable=False)
        self._saved = self._variables + ([self._ranges] if quantize else [])
        self._activation = keras.activations.get(activation)
        self._optimizer = optimizer
        optimizer.build(self._variables)
        n_train = len(y_train)
        self._batch = n_train if batch_size == 0 else min(batch_size, n_train)
        self._full_batches = n_train // self._batch
        self._last_batch = n_train - self._full_batches * self._batch
        self._train_set = (tf.constant(X_train), tf.constant(y_train))
        self._n_train = n_train
        self._all = (tf.constant(np.concatenate([X_train, X_test]))[None],
                     tf.constant(np.concatenate([y_train, y_test])))
        self._train = tf.function(self._train_graph)

    def train(self, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Train one epoch, repeat r visiting the training samples in ``orders[r]`` (R, n)."""
        return tuple(t.numpy() for t in self._train(tf.constant(orders, dtype=tf.int32)))

    def evaluate(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The current networks' rows, metrics and optimizer states (eagerly: runs once)."""
        return tuple(t.numpy() for t in self._measure())

    def set_repeat(self, repeat: int, row: np.ndarray, optimizer_state: np.ndarray) -> None:
        """Put repeat ``repeat``'s parameters (a row) and optimizer state (a flat vector) in.

        The optimizer's scalars (its step count) are set from the state as well: they are
        shared, so every repeat set at one epoch must carry the same ones.
        """
        self._assign_slices(self._saved, repeat, row)
        self._assign_slices(self._optimizer.variables, repeat, optimizer_state)

    @staticmethod
    def _assign_slices(variables: Sequence, repeat: int, flat: np.ndarray) -> None:
        """Set slot ``repeat`` of each stacked variable (and each scalar) from ``flat``."""
        shapes = [tuple(v.shape[1:]) if len(v.shape) else () for v in variables]
        sizes = [int(np.prod(shape)) for shape in shapes]
        if sum(sizes) != len(flat):
            raise ValueError(f"cannot resume: a saved state holds {len(flat)} values, "
                             f"this network and optimizer need {sum(sizes)}")
        for variable, shape, part in zip(variables, shapes, np.split(flat, np.cumsum(sizes)[:-1]),
                                         strict=True):
            values = np.array(variable.numpy())
            if values.ndim:
                values[repeat] = part.reshape(shape)
            else:
                values = part.reshape(()).astype(values.dtype)
            variable.assign(values)

    def _train_graph(self, orders: tf.Tensor) -> tuple[tf.Tensor, ...]:
        size = self._batch
        for i in tf.range(self._full_batches):
            self._step(orders[:, i * size : (i + 1) * size])
        if self._last_batch:
            self._step(orders[:, -self._last_batch :])
        return self._measure()

    def _step(self, indices: tf.Tensor) -> None:
        X = tf.gather(self._train_set[0], indices)  # (R, batch, D)
        y = tf.gather(self._train_set[1], indices)
        with tf.GradientTape() as tape:  # d(sum)/d(each repeat's loss) = 1: nothing mixes
            layers, batch_ranges = self._layers(X, learn=True)
            loss = tf.reduce_sum(self._mean_losses(layers[-1], y))
        gradients = tape.gradient(loss, self._variables)
        self._optimizer.apply_gradients(zip(gradients, self._variables, strict=True))
        if batch_ranges:
            self._move_ranges(tf.stack(batch_ranges, axis=1))

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Every layer's output (R, N, units) float32 for inputs X (N, D), as measured: the
        hidden layers, then the softmax probabilities; quantized on the current ranges when
        the networks are quantized."""
        layers, _ = self._layers(tf.constant(X, tf.float32)[None], learn=False)
        outputs = [t.numpy() for t in layers]
        if not self._bits:
            outputs[-1] = tf.nn.softmax(layers[-1]).numpy()
        return outputs

    def _layers(self, X: tf.Tensor, learn: bool) -> tuple[list[tf.Tensor], list[tf.Tensor]]:
        """Every layer's values (R, N, units) for inputs (R, N, D) or (1, N, D), and, with
        ``learn`` when the hidden ranges are learned, each hidden layer's (min, max) (R, 2).

        Not quantized: the hidden activations and the pre-softmax values. Quantized: the
        activations and probabilities, each on its layer's levels.
        """
        h, layers, batch_ranges = X, [], []
        grids = self._grids() if self._bits else []
        n_layers = len(self._variables) // 2
        for layer in range(n_layers):
            W, b = self._variables[2 * layer], self._variables[2 * layer + 1]
            h = tf.matmul(h, W) + b[:, None, :]
            last = layer == n_layers - 1
            if not self._bits:
                h = h if last else self._activation(h)
            else:
                h = tf.nn.softmax(h) if last else self._activation(h)
                if learn and self._learns_ranges and not last:
                    batch_ranges.append(tf.stack([tf.reduce_min(h, axis=[1, 2]),
                                                  tf.reduce_max(h, axis=[1, 2])], axis=1))
                h = quantized(h, self._bits, *grids[layer])
            layers.append(h)
        return layers, batch_ranges

    def _grids(self) -> list[tuple]:
        """Each layer's grid (low', scale, 1 / scale): constants for fixed ranges; learned
        hidden ranges' grids computed together from the current ranges, (R, 1, 1) each."""
        if not self._learns_ranges:
            return self._fixed_grids
        # each hidden layer's low and high as (L-1, R, 1, 1): (R, 1, 1) against (R, N, units)
        low, high = tf.unstack(tf.transpose(self._ranges[:, :-1], [2, 1, 0])[..., None, None])
        learned = zip(*(tf.unstack(part) for part in grid_of(low, high, self._bits)), strict=True)
        return [*learned, self._fixed_grids[-1]]

    def _move_ranges(self, batch_ranges: tf.Tensor) -> None:
        """Move the hidden ranges (R, L-1, 2) towards the batch's (min(min, 0), max(max, 0)) by
        the moving average of ``networks.quantization``."""
        target = tf.stack([tf.minimum(batch_ranges[..., 0], 0.0),
                           tf.maximum(batch_ranges[..., 1], 0.0)], axis=2)
        hidden = self._ranges[:, :-1]
        moved = hidden - (hidden - target) * tf.constant(1.0 - EMA_DECAY, tf.float32)
        self._ranges.assign(tf.concat([moved, self._ranges[:, -1:]], axis=1))

    def _mean_losses(self, outputs: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        """Each repeat's mean cross-entropy (R,) in nats over its N samples: of the logits, or
        of the quantized probabilities as Keras computes it (renormalised and clipped)."""
        labels = tf.broadcast_to(y, tf.shape(outputs)[:2])
        if self._bits:
            p = outputs / tf.reduce_sum(outputs, axis=2, keepdims=True)
            p = tf.clip_by_value(p, PROBABILITY_EPSILON, 1.0 - PROBABILITY_EPSILON)
            losses = -tf.reduce_sum(tf.one_hot(labels, tf.shape(p)[2]) * tf.math.log(p), axis=2)
        else:
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                    logits=outputs)
        return tf.reduce_sum(losses, axis=1) / tf.cast(tf.shape(losses)[1], losses.dtype)

    def _measure(self) -> tuple[tf.Tensor, ...]:
        rows = tf.concat([tf.reshape(v, [self.repeats, -1]) for v in self._saved], 1)
        outputs = self._layers(self._all[0], learn=False)[0][-1]  # training and test sets at once
        n = self._n_train
        columns = [*self._loss_and_accuracy(outputs[:, :n], self._all[1][:n]),
                   *self._loss_and_accuracy(outputs[:, n:], self._all[1][n:])]
        states = tf.concat([tf.reshape(tf.cast(v, tf.float64), [self.repeats, -1])
                            if len(v.shape) else
                            tf.fill([self.repeats, 1], tf.cast(v, tf.float64))
                            for v in self._optimizer.variables], 1)
        return rows, tf.cast(tf.stack(columns, axis=1), tf.float64), states

    def _loss_and_accuracy(self, outputs: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, ...]:
        """Each repeat's mean loss and accuracy (R,) on one set; nan for an empty set."""
        p = outputs if self._bits else tf.nn.softmax(outputs)
        correct = tf.equal(tf.argmax(p, axis=2, output_type=y.dtype), y)
        return self._mean_losses(outputs, y), tf.reduce_mean(tf.cast(correct, tf.float32), axis=1)


def _level_grid(low: float, high: float, bits: int) -> tuple[float, float, float]:
    """(low', scale, 1 / scale) of a fixed range, from ``networks.quantization.nudged_grid``."""
    nudged_low, _, scale, inverse = nudged_grid(low, high, bits)
    return nudged_low, scale, inverse


def grid_of(low: tf.Tensor, high: tf.Tensor, bits: int) -> tuple[tf.Tensor, ...]:
    """(low', scale, 1 / scale) of ranges [low, high]: the TensorFlow twin of
    ``networks.quantization.nudged_grid`` (same float32 operations)."""
    high = tf.where(high > low, high, low + 1.0)
    top = float(2**bits - 1)
    scale = (high - low) / top
    zero = tf.floor(tf.clip_by_value(0.0 - low / scale, 0.0, top) + 0.5)
    return (0.0 - zero) * scale, scale, top / (high - low)


def quantized(t: tf.Tensor, bits: int, nudged_low: tf.Tensor, scale: tf.Tensor,
              inverse: tf.Tensor) -> tf.Tensor:
    """t on the 2^bits levels nudged_low + k * scale of a grid (`grid_of`, or
    ``networks.quantization.nudged_grid`` for a fixed range; broadcast against t), the values
    ``networks.quantization.quantize`` computes; the gradient passes straight through inside
    the grid and is 0 outside it (TensorFlow's ``fake_quant`` gradient).

    The values are shifted and scaled to level units u = (t - low') / scale, one fused
    ``fake_quant_with_min_max_args`` on the fixed range [0, 2^bits - 1] rounds them
    (floor(clip(u) + 0.5), with its clipped straight-through gradient), then they are scaled
    back. Clipping u to [0, 2^bits - 1] gives the level of clipping t to [low', high'].
    """
    top = float(2**bits - 1)
    steps = tf.quantization.fake_quant_with_min_max_args(
        (t - nudged_low) * inverse, min=0.0, max=top, num_bits=bits)
    return steps * scale + nudged_low
