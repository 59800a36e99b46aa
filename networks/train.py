"""Training one repeat: a compiled epoch loop that snapshots every epoch and can resume.

``train_repeat`` builds the network (``networks.model``), then for each epoch shuffles the
training set, runs every minibatch inside one ``tf.function`` and evaluates loss and accuracy
on the training and test sets, then hands the weights, metrics and optimizer state to
``networks.snapshots``. Epoch 0 is the initial network. Not ``model.fit``: with its per-call
overhead an epoch of the default network costs 170-185 ms, against 7-9 ms here with the
snapshot (``benchmarks/bench_training.py`` on a shared 2-core machine). TensorFlow's thread
counts are left at their defaults: one thread was no faster within the noise of that
benchmark (``--threads 1``).

Reproducibility: repeat r uses seed ``config.seed + r`` for its initial weights and its
shuffling; epoch e's order is ``np.random.default_rng([seed, e]).permutation(n_train)``, a pure
function of (seed, epoch). TensorFlow's op determinism is switched on (it cost nothing
measurable on CPU in the benchmark), so the same data and config give the same weights bit
for bit on one machine, and a resumed run (optimizer state restored from ``state.npy``,
weights from the last saved row) the same weights as an uninterrupted one. What is saved,
and in what order, is described in ``networks.snapshots``.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from networks import run_directory
from networks.forward import ACTIVATIONS, check_activation
from networks.model import INITIALIZERS, OPTIMIZERS, build_model, check_choice, check_hidden
from networks.snapshots import (
    WEIGHTS,
    Layout,
    MetricsLog,
    SnapshotReader,
    SnapshotWriter,
    check_layout,
    read_state,
    write_state,
)

POSTFIX_EVERY = 25
"""Epochs between updates of the progress bar's loss and accuracy."""


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: the network, the optimizer and the schedule; validated on creation.

    ``batch_size`` 0 means full batch; ``learning_rate`` is the optimizer's step size;
    ``seed`` is the seed of repeat 0 (repeat r uses seed + r).
    """

    hidden: tuple[int, ...] = (10, 7, 5, 4, 3)
    activation: str = ACTIVATIONS[0]
    optimizer: str = OPTIMIZERS[0]
    learning_rate: float = 4e-4
    batch_size: int = 256
    epochs: int = 2000
    init: str = INITIALIZERS[0]
    seed: int = 0

    def __post_init__(self) -> None:
        check_hidden(self.hidden)
        object.__setattr__(self, "hidden", tuple(int(width) for width in self.hidden))
        check_activation(self.activation)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("init", self.init, INITIALIZERS)
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.batch_size < 0:
            raise ValueError(f"batch_size must be 0 (full batch) or positive, got "
                             f"{self.batch_size}")
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed}")

    def to_dict(self) -> dict:
        """A JSON-ready dict (``hidden`` as a list)."""
        return {**dataclasses.asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, values: dict) -> TrainingConfig:
        """The config ``to_dict`` wrote; unknown keys are an error."""
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**values)


def epoch_order(seed: int, epoch: int, n_train: int) -> np.ndarray:
    """The order (n_train,) in which epoch ``epoch`` visits the training samples."""
    return np.random.default_rng([seed, epoch]).permutation(n_train)


def train_repeat(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
                 y_test: np.ndarray, config: TrainingConfig, run_dir: Path, repeat: int,
                 resume: bool = False, progress: bool = True) -> None:
    """Train repeat ``repeat`` for ``config.epochs`` epochs, saving epochs 0..epochs.

    X_* are (N, D) inputs, y_* (N,) integer labels 0..C-1 (C = the largest label + 1); the
    test set may be empty. Snapshots go to ``run_dir/snapshots/repeat-<repeat>``, metrics to
    ``run_dir/metrics.csv``. With ``resume`` an interrupted repeat continues from its last
    completed epoch (a repeat with no saved state starts afresh); without it, a repeat that
    already has snapshots is an error. A diverging network (non-finite loss or weights) is
    trained on and saved as it is, with one RuntimeWarning. ``progress`` shows a bar over
    epochs when standard error is a terminal.
    """
    X_train, y_train, X_test, y_test = _checked_data(X_train, y_train, X_test, y_test)
    if repeat < 0:
        raise ValueError(f"repeat must be a non-negative integer, got {repeat}")
    directory = run_directory.snapshot_dir(run_dir, repeat)
    if not resume and (directory / WEIGHTS).exists():
        raise ValueError(f"{directory} already holds snapshots; resume the run or overwrite it")
    state = read_state(directory) if resume else None
    completed = -1 if state is None else state[0]
    if completed >= config.epochs:
        return
    tf.config.experimental.enable_op_determinism()
    seed = config.seed + repeat
    n_classes = int(max(y_train.max(), y_test.max(initial=0))) + 1
    layout = Layout((X_train.shape[1], *config.hidden, n_classes), config.activation)
    model = build_model(X_train.shape[1], config.hidden, n_classes, config.activation,
                        config.init, seed)
    optimizer = _optimizer(config)
    optimizer.build(model.trainable_variables)
    if state is not None:  # checked and restored before any file is changed
        check_layout(directory, layout)
        _restore(model, optimizer, SnapshotReader(directory).params(completed), state[1])
    with SnapshotWriter(directory, layout, keep_epochs=completed + 1) as weights, \
            MetricsLog(run_dir / run_directory.METRICS, repeat, completed + 1) as metrics:
        epochs = CompiledEpochs(model, optimizer, X_train, y_train, X_test, y_test,
                                config.batch_size)
        bar = tqdm(total=config.epochs, initial=max(completed, 0), unit="epoch",
                   desc=f"training repeat {repeat}", disable=None if progress else True,
                   dynamic_ncols=True)
        diverged = False
        with bar:
            for epoch in range(completed + 1, config.epochs + 1):
                if epoch == 0:
                    row, values, optimizer_state = epochs.evaluate()
                else:
                    row, values, optimizer_state = epochs.train(
                        epoch_order(seed, epoch, len(y_train)))
                weights.append(row)
                metrics.append(epoch, *values)
                write_state(directory, epoch, optimizer_state)
                if not diverged and not (np.isfinite(values[0]) and np.isfinite(row).all()):
                    diverged = True
                    warnings.warn(f"repeat {repeat} diverged at epoch {epoch}: its loss or "
                                  "weights are not finite; training goes on and those epochs "
                                  "will measure as nan", RuntimeWarning, stacklevel=2)
                if epoch % POSTFIX_EVERY == 0:
                    bar.set_postfix(loss=f"{values[0]:.4f}", accuracy=f"{values[1]:.3f}",
                                    refresh=False)
                if epoch:
                    bar.update()


class CompiledEpochs:
    """The data held as tensors, and one compiled function that trains an epoch.

    ``train(order)`` runs one epoch of minibatch steps inside one ``tf.function``: the full
    batches in a ``tf.range`` loop (traced once, so compiling takes ~1 s whatever the number
    of batches), then the smaller last batch, if any. ``evaluate()`` only measures, eagerly:
    it runs once per repeat, and compiling it for every repeat would cost more. Both
    return (row, metrics, optimizer state): the flat float32 parameters as
    ``networks.snapshots`` stores them; (train loss, train accuracy, test loss, test
    accuracy), the loss being the mean cross-entropy in nats over the whole set and the test
    values nan for an empty test set; and the optimizer's variables flattened to float64.
    """

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer,
                 X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
                 y_test: np.ndarray, batch_size: int) -> None:
        n_train = len(y_train)
        self._batch = n_train if batch_size == 0 else min(batch_size, n_train)
        self._full_batches = n_train // self._batch
        self._last_batch = n_train - self._full_batches * self._batch
        self._model = model
        self._optimizer = optimizer
        self._loss = keras.losses.SparseCategoricalCrossentropy()
        self._train_set = (tf.constant(X_train), tf.constant(y_train))
        self._test_set = (tf.constant(X_test), tf.constant(y_test)) if len(y_test) else None
        self._train = tf.function(self._train_graph)

    def train(self, order: np.ndarray) -> tuple[np.ndarray, tuple[float, ...], np.ndarray]:
        """Train one epoch visiting the training samples in ``order`` (n_train,)."""
        return self._fetch(self._train(tf.constant(order, dtype=tf.int32)))

    def evaluate(self) -> tuple[np.ndarray, tuple[float, ...], np.ndarray]:
        """The current network's row, metrics and optimizer state (eagerly: it runs once)."""
        return self._fetch(self._measure())

    @staticmethod
    def _fetch(outputs: tuple[tf.Tensor, ...]) -> tuple[np.ndarray, tuple[float, ...],
                                                        np.ndarray]:
        row, values, optimizer_state = (t.numpy() for t in outputs)
        return row, tuple(float(v) for v in values), optimizer_state

    def _train_graph(self, order: tf.Tensor) -> tuple[tf.Tensor, ...]:
        X = tf.gather(self._train_set[0], order)
        y = tf.gather(self._train_set[1], order)
        size = self._batch
        for i in tf.range(self._full_batches):
            self._step(X[i * size : (i + 1) * size], y[i * size : (i + 1) * size])
        if self._last_batch:
            self._step(X[-self._last_batch :], y[-self._last_batch :])
        return self._measure()

    def _step(self, X: tf.Tensor, y: tf.Tensor) -> None:
        variables = self._model.trainable_variables
        with tf.GradientTape() as tape:
            loss = self._loss(y, self._model(X, training=True))
        self._optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables,
                                            strict=True))

    def _measure(self) -> tuple[tf.Tensor, ...]:
        row = tf.concat([tf.reshape(v, [-1]) for v in self._model.trainable_variables], 0)
        metrics = [*self._loss_and_accuracy(self._train_set),
                   *(self._loss_and_accuracy(self._test_set) if self._test_set
                     else (tf.constant(np.nan), tf.constant(np.nan)))]
        optimizer_state = tf.concat([tf.reshape(tf.cast(v, tf.float64), [-1])
                                     for v in self._optimizer.variables], 0)
        return row, tf.stack(metrics), optimizer_state

    def _loss_and_accuracy(self, data: tuple[tf.Tensor, tf.Tensor]) -> tuple[tf.Tensor, ...]:
        X, y = data
        p = self._model(X, training=False)
        correct = tf.equal(tf.argmax(p, axis=1, output_type=y.dtype), y)
        return self._loss(y, p), tf.reduce_mean(tf.cast(correct, tf.float32))


def optimizer_state_size(config: TrainingConfig, sizes: tuple[int, ...]) -> int:
    """Values in the flat optimizer state (``state.npy`` after its epoch) of a network of layer
    widths ``sizes`` (input, hidden..., classes) trained with ``config``."""
    model = build_model(sizes[0], config.hidden, sizes[-1], config.activation, config.init, 0)
    optimizer = _optimizer(config)
    optimizer.build(model.trainable_variables)
    return sum(int(np.prod(v.shape)) for v in optimizer.variables)


def _optimizer(config: TrainingConfig) -> keras.optimizers.Optimizer:
    if config.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=config.learning_rate)
    return keras.optimizers.SGD(learning_rate=config.learning_rate)


def _restore(model: keras.Model, optimizer: keras.optimizers.Optimizer,
             params: list[tuple[np.ndarray, np.ndarray]], optimizer_state: np.ndarray) -> None:
    """Set the network's weights to ``params`` and the optimizer's variables to its state."""
    model.set_weights([array for pair in params for array in pair])
    sizes = [int(np.prod(v.shape)) for v in optimizer.variables]
    if sum(sizes) != len(optimizer_state):
        raise ValueError(f"cannot resume: the saved optimizer state holds "
                         f"{len(optimizer_state)} values, {optimizer.name} needs {sum(sizes)}")
    for variable, values in zip(optimizer.variables,
                                np.split(optimizer_state, np.cumsum(sizes)[:-1]), strict=True):
        variable.assign(values.reshape(variable.shape).astype(variable.dtype))


def _checked_data(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
                  y_test: np.ndarray) -> tuple[np.ndarray, ...]:
    """The sets as float32 (N, D) inputs and int32 labels; ValueError on bad shapes or labels."""
    X_train = np.asarray(X_train, dtype=np.float32)
    if X_train.ndim != 2 or len(X_train) == 0:
        raise ValueError(f"X_train must be a non-empty 2-D array, got shape {X_train.shape}")
    X_test = np.asarray(X_test, dtype=np.float32)
    if X_test.size == 0:
        X_test = X_test.reshape(0, X_train.shape[1])
    if X_test.shape[1:] != X_train.shape[1:]:
        raise ValueError(f"X_test must have X_train's {X_train.shape[1]} columns, got shape "
                         f"{X_test.shape}")
    labels = []
    for name, X, y in (("train", X_train, y_train), ("test", X_test, y_test)):
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"y_{name} must hold one label per row of X_{name}: "
                             f"shapes {y.shape} and {X.shape}")
        if len(y) and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0):
            raise ValueError(f"y_{name} must hold integer class labels 0..C-1")
        labels.append(y.astype(np.int32))
    return X_train, labels[0], X_test, labels[1]
