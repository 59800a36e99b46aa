"""Training any Keras model of a user's file (``--model FILE.py:FUNCTION``), one repeat at a time.

``train_model_repeat`` builds repeat r's model with ``networks.model_file`` (seed
``config.seed + r``), then for each epoch shuffles the training set, runs every minibatch
inside one ``tf.function`` (in training mode: dropout drops, batch normalisation normalises
by the batch and updates its moving statistics) and evaluates loss and accuracy on the
training and test sets in inference mode, then saves the epoch (``rundir.snapshots``):

- ``weights.bin`` gets every weight of the model, trainable or not (``model.weights``: kernels,
  biases, batch normalisation's gamma, beta, moving mean and variance), in a ``ModelLayout``;
- ``state.npy`` gets the epoch, the optimizer's variables, then the model's other state
  (``model.variables`` not in ``model.weights``: the seed generators of dropout layers),
  all as float64 (exact for float32 values and for integer counters below 2**53);
- ``metrics.csv`` gets the mean cross-entropy (nats; regularisation losses are trained on
  but not reported) and accuracy of both sets.

Reproducibility is the built-in trainer's (``networks.train``): epoch e's order is
``epoch_order(seed, e, n_train)``, TensorFlow's op determinism is on, and Keras's global seed
is set to the repeat's seed before the model is built (initialisers and dropout without a
seed of their own draw from it). Resuming restores weights, optimizer and seed generators, so
a resumed run continues bit for bit. Repeats are trained one after another: a user's model
has no stacked form (the built-in network's repeats train together, ``networks.train``).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from infonet.networks.keras_activations import check_rebuildable
from infonet.networks.layers import measured_layers
from infonet.networks.model_file import ModelFile, ModelFileTraining, check_probabilities
from infonet.networks.progress import Progress
from infonet.networks.train import build_optimizer, check_optimization, epoch_order
from infonet.rundir import directory as run_directory
from infonet.rundir.snapshots import (
    WEIGHTS,
    EpochWriter,
    ModelLayout,
    SnapshotReader,
    check_layout,
    read_state,
    write_state,
)

EVALUATION_BLOCK = 1024
"""Samples per block when loss and accuracy are evaluated (bounded memory for wide models)."""


@dataclass(frozen=True)
class ModelTraining(ModelFileTraining):
    """How a model file's network is trained: config.json's ``training`` of a ``--model`` run.

    ``model`` is ``FILE.py:FUNCTION``, ``model_sha256`` the hex SHA-256 of the file's text,
    ``layers`` the names of the measured layers; the rest as ``networks.train.TrainingConfig``
    (``batch_size`` 0 = full batch; repeat r uses seed ``seed + r``; ``adam_epsilon`` is
    Adam's epsilon). ``architecture_sha256`` is ``ModelLayout.architecture_sha256`` of the
    model built (the same for every repeat), checked against every layout.json measuring or
    resuming reads; None in runs made before it was recorded.
    """

    model: str
    model_sha256: str
    layers: tuple[str, ...]
    architecture_sha256: str | None = None

    def __post_init__(self) -> None:
        ModelFile.parse(self.model)
        object.__setattr__(self, "layers", tuple(self.layers))
        check_optimization(self.optimizer, self.learning_rate, self.batch_size, self.epochs,
                           self.seed, self.adam_epsilon)


def model_layout(model: keras.Model, layers: tuple[str, ...]) -> ModelLayout:
    """The snapshot layout of ``model`` measured at ``layers``: its weights' names and shapes,
    and its architecture as canonical JSON."""
    architecture = json.dumps(json.loads(model.to_json()), sort_keys=True)
    return ModelLayout(tuple((v.path, tuple(int(n) for n in v.shape)) for v in model.weights),
                       layers, architecture)


def build_seeded(model_file: ModelFile, input_dim: int, n_classes: int,
                 seed: int) -> keras.Model:
    """The model file's model for ``seed``, built in a fresh Keras session (so that layers
    without a name of their own get the same automatic names at every build: ``dense``,
    ``dense_1``, ...) with Keras's global seed set to ``seed``."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    return model_file.build(input_dim, n_classes, seed)


def train_model_repeat(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
                       y_test: np.ndarray, n_classes: int, config: ModelTraining,
                       run_dir: Path, repeat: int, resume: bool = False,
                       progress: bool = True) -> None:
    """Train repeat ``repeat`` of the model file for ``config.epochs`` epochs, saving epochs
    0..epochs to ``run_dir/snapshots/repeat-<repeat>`` and ``run_dir/metrics.csv``.

    X_* are (N, D) float32 inputs, y_* (N,) integer labels 0..n_classes-1. With ``resume`` a
    repeat continues from its last saved epoch (everything checked before a file changes);
    without it, a repeat that already has snapshots is an error. A diverging network
    (non-finite loss or weights) is trained on and saved as it is, with one RuntimeWarning.
    """
    directory = run_directory.snapshot_dir(run_dir, repeat)
    if not resume and (directory / WEIGHTS).exists():
        raise ValueError(f"{directory} already holds snapshots; resume the run or overwrite it")
    state = read_state(directory) if resume else None
    completed = -1 if state is None else state[0]
    if completed >= config.epochs:
        return
    tf.config.experimental.enable_op_determinism()
    seed = config.seed + repeat
    model = build_seeded(config.model_file, X_train.shape[1], n_classes, seed)
    layout = model_layout(model, config.layers)
    optimizer = build_optimizer(config.optimizer, config.learning_rate, config.adam_epsilon)
    epochs = ModelEpochs(model, optimizer, X_train, y_train, X_test, y_test, config.batch_size)
    if state is not None:  # checked and restored before any file is changed
        check_layout(directory, layout)
        epochs.restore(SnapshotReader(directory).params(completed), state[1])
    with EpochWriter(run_dir, layout, {repeat: completed}) as files, \
            Progress(f"training repeat {repeat}", "epoch", total=config.epochs,
                     initial=max(completed, 0), enabled=progress) as bar:
        diverged = False
        for epoch in range(completed + 1, config.epochs + 1):
            if epoch:
                epochs.train(epoch_order(seed, epoch, len(y_train)))
            row, values = epochs.row(), epochs.evaluate()
            files.write(epoch, {repeat: row}, {repeat: values},
                        partial(write_state, directory, epoch, epochs.state()))
            if not diverged and not (np.isfinite(values[0]) and np.isfinite(row).all()):
                diverged = True
                warnings.warn(f"repeat {repeat} diverged at epoch {epoch}: its loss or "
                              "weights are not finite; training goes on and those epochs "
                              "will measure as nan", RuntimeWarning, stacklevel=2)
            if epoch:
                bar.advance(1)


class ModelEpochs:
    """A model, its optimizer and the training data as tensors: one compiled epoch, and the
    epoch's row, metrics and state as ``rundir.snapshots`` stores them."""

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer,
                 X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
                 y_test: np.ndarray, batch_size: int) -> None:
        n_train = len(y_train)
        self._batch = n_train if batch_size == 0 else min(batch_size, n_train)
        self._full_batches = n_train // self._batch
        self._last_batch = n_train - self._full_batches * self._batch
        self._model = model
        self._optimizer = optimizer
        optimizer.build(model.trainable_variables)
        weights = {id(v) for v in model.weights}
        self._state = [*optimizer.variables,
                       *(v for v in model.variables if id(v) not in weights)]
        self._loss = keras.losses.SparseCategoricalCrossentropy()
        self._sets = ((np.asarray(X_train, np.float32), np.asarray(y_train, np.int32)),
                      (np.asarray(X_test, np.float32), np.asarray(y_test, np.int32)))
        self._train_set = tuple(tf.constant(a) for a in self._sets[0])
        self._train = tf.function(self._train_graph)
        self._sums = tf.function(self._block_sums, reduce_retracing=True)

    def train(self, order: np.ndarray) -> None:
        """Train one epoch visiting the training samples in ``order`` (n_train,)."""
        self._train(tf.constant(order, dtype=tf.int32))

    def row(self) -> np.ndarray:
        """Every weight of the model, flattened into one float32 row (``model.weights``)."""
        return np.concatenate([np.asarray(v.numpy(), np.float32).ravel()
                               for v in self._model.weights])

    def state(self) -> np.ndarray:
        """The optimizer's variables, then the model's non-weight variables, as float64."""
        return np.concatenate([np.asarray(v.numpy(), np.float64).ravel()
                               for v in self._state] or [np.empty(0)])

    def restore(self, weights: list[np.ndarray], state: np.ndarray) -> None:
        """Set the weights and the state as ``row`` and ``state`` gave them."""
        sizes = [int(np.prod(v.shape)) for v in self._state]
        if sum(sizes) != len(state):
            raise ValueError(f"cannot resume: the saved training state holds {len(state)} "
                             f"values, the model and its optimizer need {sum(sizes)}")
        self._model.set_weights(weights)
        for variable, values in zip(self._state, np.split(state, np.cumsum(sizes)[:-1]),
                                    strict=True):
            variable.assign(values.reshape(variable.shape).astype(variable.dtype))

    def evaluate(self) -> tuple[float, float, float, float]:
        """(train loss, train accuracy, test loss, test accuracy) in inference mode; the loss
        is the mean cross-entropy in nats; nan for an empty test set."""
        values = []
        for X, y in self._sets:
            sums = np.zeros(2)
            for start in range(0, len(y), EVALUATION_BLOCK):
                block = slice(start, start + EVALUATION_BLOCK)
                sums += np.asarray(self._sums(X[block], y[block]), np.float64)
            values += list(sums / len(y)) if len(y) else [np.nan, np.nan]
        return tuple(float(v) for v in values)

    def _train_graph(self, order: tf.Tensor) -> None:
        X = tf.gather(self._train_set[0], order)
        y = tf.gather(self._train_set[1], order)
        size = self._batch
        for i in tf.range(self._full_batches):
            self._step(X[i * size : (i + 1) * size], y[i * size : (i + 1) * size])
        if self._last_batch:
            self._step(X[-self._last_batch :], y[-self._last_batch :])

    def _step(self, X: tf.Tensor, y: tf.Tensor) -> None:
        variables = self._model.trainable_variables
        with tf.GradientTape() as tape:
            loss = self._loss(y, self._model(X, training=True))
            if self._model.losses:
                loss += tf.add_n(self._model.losses)
        self._optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables,
                                            strict=True))

    def _block_sums(self, X: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        p = self._model(X, training=False)
        loss = keras.losses.sparse_categorical_crossentropy(y, p)
        correct = tf.equal(tf.argmax(p, axis=1, output_type=y.dtype), y)
        return tf.stack([tf.reduce_sum(tf.cast(loss, tf.float64)),
                         tf.reduce_sum(tf.cast(correct, tf.float64))])


def check_scope_names(model: keras.Model, name: str) -> None:
    """ValueError naming the first name of ``model`` or of a layer in it that TensorFlow
    refuses as a name scope (training runs each layer in one), as TensorFlow itself judges in
    a scratch graph: letters, digits and ``_ . - > \\ /`` only, and the model's name, the
    outermost scope, starting with a letter, a digit or a dot."""
    with tf.Graph().as_default():
        if _refused_scope(model.name):
            raise ValueError(f"{name}: TensorFlow refuses the model's name {model.name!r} "
                             "(letters, digits and _ . - > \\ / only, starting with a letter, "
                             "a digit or .)")
        with tf.name_scope(model.name):
            refused = [layer.name for layer in model._flatten_layers(include_self=False)
                       if _refused_scope(layer.name)]
    if refused:
        raise ValueError(f"{name}: TensorFlow refuses the layer name {refused[0]!r} (letters, "
                         "digits and _ . - > \\ / only)")


def _refused_scope(scope: str) -> bool:
    """Whether TensorFlow refuses ``scope`` as a name scope inside the current one."""
    try:
        with tf.name_scope(scope):
            return False
    except ValueError:
        return True


def model_training(spec: str, layers: tuple[str, ...] | None, input_dim: int, n_classes: int,
                   **settings: object) -> tuple[ModelTraining, int]:
    """The training config of the model file ``spec`` measured at ``layers`` (None: the
    default layers), the file built once for repeat 0 and checked against the dataset and
    against what training and measuring need (class probabilities out, names TensorFlow
    accepts, an architecture measuring can rebuild), before anything is written; and the
    number of weights one snapshot row holds."""
    model_file = ModelFile.parse(spec)
    model = build_seeded(model_file, input_dim, n_classes, int(settings.get("seed", 0)))
    check_probabilities(model, input_dim, spec)
    check_scope_names(model, spec)
    layout = model_layout(model, measured_layers(model, layers))
    check_rebuildable(layout, spec)
    config = ModelTraining(spec, model_file.sha256(), layout.layers,
                           architecture_sha256=layout.architecture_sha256, **settings)
    return config, layout.row_length
