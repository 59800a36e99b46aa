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
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf


class StackedEpochs:
    """R networks of one layout, their optimizer, the data as tensors, a compiled epoch.

    ``initial`` holds one parameter list [W1 (in, out), b1 (out,), W2, b2, ...] per repeat;
    ``activation`` is the hidden layers' Keras activation name (the output is a softmax).
    ``train(orders)`` and ``evaluate()`` return (rows, metrics, optimizer states):
    rows (R, P) float32, every parameter of each repeat in ``networks.snapshots``' order;
    metrics (R, 4) float64, (train loss, train accuracy, test loss, test accuracy) of each
    repeat, the loss being the mean cross-entropy in nats and the test values nan for an
    empty test set; optimizer states (R, S) float64, each repeat's optimizer variables
    flattened in Keras's order (the scalars, such as the step count, repeated in every row).
    """

    def __init__(self, initial: Sequence[Sequence[np.ndarray]], activation: str,
                 optimizer: keras.optimizers.Optimizer, X_train: np.ndarray,
                 y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                 batch_size: int) -> None:
        self.repeats = len(initial)
        self._variables = [tf.Variable(np.stack([params[i] for params in initial]),
                                       name=f"stacked_{i}")
                           for i in range(len(initial[0]))]
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
        self._assign_slices(self._variables, repeat, row)
        self._assign_slices(self._optimizer.variables, repeat, optimizer_state)

    @staticmethod
    def _assign_slices(variables: Sequence, repeat: int, flat: np.ndarray) -> None:
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
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(self._mean_losses(self._logits(X), y))
        gradients = tape.gradient(loss, self._variables)
        self._optimizer.apply_gradients(zip(gradients, self._variables, strict=True))

    def _logits(self, X: tf.Tensor) -> tf.Tensor:
        """The output layer's pre-softmax values (R, N, C) for inputs (R, N, D) or (1, N, D)."""
        h = X
        n_layers = len(self._variables) // 2
        for layer in range(n_layers):
            W, b = self._variables[2 * layer], self._variables[2 * layer + 1]
            h = tf.matmul(h, W) + b[:, None, :]
            if layer < n_layers - 1:
                h = self._activation(h)
        return h

    @staticmethod
    def _mean_losses(logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        """Each repeat's mean cross-entropy (R,) in nats over its N samples."""
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.broadcast_to(y, tf.shape(logits)[:2]), logits=logits)
        return tf.reduce_sum(losses, axis=1) / tf.cast(tf.shape(losses)[1], losses.dtype)

    def _measure(self) -> tuple[tf.Tensor, ...]:
        rows = tf.concat([tf.reshape(v, [self.repeats, -1]) for v in self._variables], 1)
        logits = self._logits(self._all[0])  # one pass over the training and test sets
        n = self._n_train
        columns = [*self._loss_and_accuracy(logits[:, :n], self._all[1][:n]),
                   *self._loss_and_accuracy(logits[:, n:], self._all[1][n:])]
        states = tf.concat([tf.reshape(tf.cast(v, tf.float64), [self.repeats, -1])
                            if len(v.shape) else
                            tf.fill([self.repeats, 1], tf.cast(v, tf.float64))
                            for v in self._optimizer.variables], 1)
        return rows, tf.cast(tf.stack(columns, axis=1), tf.float64), states

    def _loss_and_accuracy(self, logits: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, ...]:
        """Each repeat's mean loss and accuracy (R,) on one set; nan for an empty set."""
        p = tf.nn.softmax(logits)
        correct = tf.equal(tf.argmax(p, axis=2, output_type=y.dtype), y)
        return self._mean_losses(logits, y), tf.reduce_mean(tf.cast(correct, tf.float32), axis=1)
