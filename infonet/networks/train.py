"""Training: the repeats of a run, several at a time in one compiled program, saved every epoch.

``train_repeats`` trains repeats 0..R-1 in groups of ``config.repeats_together``: each group is
one ``networks.stacked.StackedEpochs`` (the group's networks stacked along a repeat axis, a
whole epoch of minibatch steps for all of them inside one ``tf.function``). Epoch 0 is the
initial network. After every epoch each repeat's weights row goes to its
``snapshots/repeat-R/weights.bin`` and its metrics row to ``metrics.csv``
(``rundir.snapshots``), then the group's optimizer states to one file
(``rundir.group_state``). Grouping pays because tiny networks leave the processor idle
between TensorFlow ops: ``benchmarks/bench_repeats.py`` prints the cost per repeat-epoch for
1, 10 and 50 repeats together beside the one-at-a-time loop.

Reproducibility: repeat r uses seed ``config.seed + r`` for its initial weights (those of
``networks.model.build_model``, bit for bit) and its shuffling; epoch e's order is
``np.random.default_rng([seed, e]).permutation(n_train)``, a pure function of (seed, epoch).
TensorFlow's op determinism is switched on, so the same data and config give the same weights
bit for bit on one machine. Repeats never influence each other's values, but the float32
rounding of a repeat's arithmetic may depend on how many repeats share its group
(TensorFlow picks kernels by shape): the group size is part of the config
(``repeats_together``, recorded in config.json), and with it a run reproduces exactly.

Resuming: each repeat restarts from its last saved epoch. A group whose repeats saved
different epochs (a run from before grouping, or one extended with more repeats) restarts
from the least advanced one, every repeat in its slot so that the group keeps its shape; a
repeat further on is not written until the group reaches its epoch, where its saved weights
and optimizer state are put back in its slot. Because a repeat's arithmetic depends only on
its own values and the group's shape, the result is the same bit for bit as uninterrupted
training. Runs from before grouping (no ``repeats_together`` in config.json) were trained
one at a time and resume so. Every repeat's saved files (state files, snapshots, metrics) are
checked before any of them changes: a refused resume leaves every byte as it was.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from infonet.networks.forward import ACTIVATIONS, check_activation
from infonet.networks.model import INITIALIZERS, OPTIMIZERS, build_model, check_choice, check_hidden
from infonet.networks.progress import Progress
from infonet.networks.quantization import check_bits
from infonet.networks.stacked import StackedEpochs
from infonet.rundir import directory as run_directory
from infonet.rundir.config import physical_memory, repeat_bytes
from infonet.rundir.group_state import SavedState, read_states, write_group_state
from infonet.rundir.snapshots import (
    WEIGHTS,
    EpochWriter,
    Layout,
    SnapshotReader,
    check_snapshots,
    metrics_rows,
)

POSTFIX_EVERY = 25
"""Epochs between updates of the progress bar's loss and accuracy."""

SPEED_REPEATS = 50
"""The most repeats ``choose_repeats_together`` puts in a group: on the default network
(2 cores) the cost per repeat-epoch falls from ~13 ms alone to ~1 ms at 50 and ~0.8 ms at 100
(``benchmarks/bench_repeats.py``); past 50 the gain is small and a kill costs more to redo."""

MEMORY_FRACTION = 0.25
"""The share of the machine's physical memory a group's tensors may take."""


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: the network, the optimizer and the schedule; validated on creation.

    ``batch_size`` 0 means full batch; ``learning_rate`` is the optimizer's step size;
    ``adam_epsilon`` Adam's epsilon (Keras's default 1e-7; TensorFlow 1's AdamOptimizer used
    1e-8; unused by SGD); ``seed`` is the seed of repeat 0 (repeat r uses seed + r);
    ``repeats_together`` how many repeats are trained in one group (0 = choose by
    ``choose_repeats_together`` when training; ``grouped`` fixes it); ``quantize`` the bits
    every layer's output is quantized to in training and measuring (0 = off; Lorenzen et al.
    2022, ``networks.quantization``).
    """

    hidden: tuple[int, ...] = (10, 7, 5, 4, 3)
    activation: str = ACTIVATIONS[0]
    optimizer: str = OPTIMIZERS[0]
    learning_rate: float = 4e-4
    batch_size: int = 256
    epochs: int = 2000
    init: str = INITIALIZERS[0]
    seed: int = 0
    adam_epsilon: float = 1e-7
    repeats_together: int = 0
    quantize: int = 0

    def __post_init__(self) -> None:
        check_hidden(self.hidden)
        object.__setattr__(self, "hidden", tuple(int(width) for width in self.hidden))
        check_activation(self.activation)
        check_choice("init", self.init, INITIALIZERS)
        check_optimization(self.optimizer, self.learning_rate, self.batch_size, self.epochs,
                           self.seed, self.adam_epsilon)
        if self.quantize:
            check_bits(self.quantize)
        if self.repeats_together < 0:
            raise ValueError(f"repeats_together must be 0 (choose) or positive, got "
                             f"{self.repeats_together}")

    def grouped(self, n_samples: int, n_features: int, repeats: int) -> TrainingConfig:
        """This config with ``repeats_together`` fixed for ``repeats`` repeats: the one asked
        for, or ``choose_repeats_together``'s when 0; never more than ``repeats``."""
        together = self.repeats_together or choose_repeats_together(
            self, n_samples, n_features)
        return dataclasses.replace(self, repeats_together=min(together, repeats))

    def to_dict(self) -> dict:
        """A JSON-ready dict (``hidden`` as a list)."""
        return {**dataclasses.asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, values: dict) -> TrainingConfig:
        """The config ``to_dict`` wrote; unknown keys are an error.

        A config written before repeats were grouped lacks ``repeats_together``: those runs
        were trained one repeat at a time, and resume so (1). Other missing keys take their
        defaults.
        """
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**{"repeats_together": 1, **values})


def check_optimization(optimizer: str, learning_rate: float, batch_size: int, epochs: int,
                       seed: int, adam_epsilon: float) -> None:
    """ValueError naming the first setting of how a network is optimised that is out of range
    (any network's: the built-in one's and a model file's)."""
    check_choice("optimizer", optimizer, OPTIMIZERS)
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    if batch_size < 0:
        raise ValueError(f"batch_size must be 0 (full batch) or positive, got {batch_size}")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if not adam_epsilon > 0:
        raise ValueError(f"adam_epsilon must be positive, got {adam_epsilon}")


def epoch_order(seed: int, epoch: int, n_train: int) -> np.ndarray:
    """The order (n_train,) in which epoch ``epoch`` visits the training samples."""
    return np.random.default_rng([seed, epoch]).permutation(n_train)


def choose_repeats_together(config: TrainingConfig, n_samples: int, n_features: int) -> int:
    """How many repeats to train in one group: SPEED_REPEATS, fewer if memory is short.

    A group may take MEMORY_FRACTION of physical memory, each repeat
    ``rundir.config.repeat_bytes``: its parameters, gradients and Adam moments, two layers'
    activations over the whole data set and a minibatch's activations and gradients (the
    output layer counted for two classes, its least).
    """
    sizes = (n_features, *config.hidden, 2)
    per_repeat = repeat_bytes(sizes, n_samples, config.batch_size)
    return int(max(1, min(SPEED_REPEATS, MEMORY_FRACTION * physical_memory() // per_repeat)))


def train_repeats(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
                  y_test: np.ndarray, config: TrainingConfig, run_dir: Path, repeats: int,
                  resume: bool = False, progress: bool = True) -> None:
    """Train repeats 0..repeats-1 for ``config.epochs`` epochs, saving epochs 0..epochs.

    X_* are (N, D) inputs, y_* (N,) integer labels 0..C-1 (C = the largest label + 1); the
    test set may be empty. Repeats go in groups of ``config.repeats_together`` (repeats
    r // n * n onwards; 0 = ``choose_repeats_together``). Snapshots go to
    ``run_dir/snapshots/repeat-<r>``, metrics to ``run_dir/metrics.csv``. With ``resume``
    every repeat continues from its last saved epoch (one with no saved state starts afresh);
    without it, a repeat that already has snapshots is an error. A diverging network
    (non-finite loss or weights) is trained on and saved as it is, with one RuntimeWarning;
    the other repeats are not disturbed. ``progress`` shows each group's progress on standard
    error (``networks.progress``: a bar on a terminal, a few plain lines in a log).
    """
    X_train, y_train, X_test, y_test = _checked_data(X_train, y_train, X_test, y_test)
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    together = config.grouped(len(y_train) + len(y_test), X_train.shape[1],
                              repeats).repeats_together
    n_classes = int(max(y_train.max(), y_test.max(initial=0))) + 1
    layout = Layout((X_train.shape[1], *config.hidden, n_classes), config.activation,
                    config.quantize)
    if resume:
        saved = _resumable(run_dir, config, layout, repeats)
    else:
        for repeat in range(repeats):
            directory = run_directory.snapshot_dir(run_dir, repeat)
            if (directory / WEIGHTS).exists():
                raise ValueError(f"{directory} already holds snapshots; resume the run or "
                                 "overwrite it")
        saved = dict.fromkeys(range(repeats))
    tf.config.experimental.enable_op_determinism()
    for first in range(0, repeats, together):
        group = range(first, min(first + together, repeats))
        _train_group((X_train, y_train, X_test, y_test), config, layout, run_dir,
                     {r: saved[r] for r in group}, progress)


def _resumable(run_dir: Path, config: TrainingConfig, layout: Layout,
               repeats: int) -> dict[int, SavedState | None]:
    """Every repeat's saved state, all checked before any file changes: each repeat's snapshots
    against ``layout``, the epochs and its state (``check_snapshots``), and the size of every
    optimizer state (``check_optimizer_states``), metrics.csv's rows (``metrics_rows``);
    ValueError naming the file that disagrees."""
    try:
        saved = read_states(run_dir, range(repeats))
        if (run_dir / run_directory.METRICS).is_file():
            metrics_rows(run_dir / run_directory.METRICS)
        for repeat, found in saved.items():
            check_snapshots(run_directory.snapshot_dir(run_dir, repeat), layout, config.epochs,
                            lambda found=found: (-1, None) if found is None
                            else (found.epoch, found.path))
        check_optimizer_states(config, layout.sizes, saved)
    except ValueError as error:
        raise ValueError(f"cannot resume: {error}") from None
    return saved


def _train_group(data: tuple[np.ndarray, ...], config: TrainingConfig, layout: Layout,
                 run_dir: Path, saved: Mapping[int, SavedState | None], progress: bool) -> None:
    """Train the repeats in ``saved`` (consecutive; each one's checked saved state or None)
    together, each from its last saved epoch (see the module)."""
    X_train, y_train = data[:2]
    group = list(saved)
    completed = [-1 if saved[r] is None else saved[r].epoch for r in group]
    if min(completed) >= config.epochs:
        return
    initial = [build_model(X_train.shape[1], config.hidden, layout.sizes[-1],
                           config.activation, config.init, config.seed + r).get_weights()
               for r in group]
    optimizer = build_optimizer(config.optimizer, config.learning_rate, config.adam_epsilon)
    networks = StackedEpochs(initial, config.activation, optimizer, *data, config.batch_size,
                             config.quantize)
    directories = [run_directory.snapshot_dir(run_dir, r) for r in group]
    states = [None if saved[r] is None else saved[r].values for r in group]
    with ExitStack() as stack:
        files = stack.enter_context(EpochWriter(run_dir, layout,
                                                dict(zip(group, completed, strict=True))))
        start = min(completed)
        _put_back(networks, directories, completed, saved, group, start)
        bar = stack.enter_context(Progress(
            f"training repeat {group[0]}" if len(group) == 1 else
            f"training repeats {group[0]}-{group[-1]}", "epoch", total=config.epochs,
            initial=max(start, 0), enabled=progress))
        diverged: set[int] = set()
        for epoch in range(start + 1, config.epochs + 1):
            if epoch == 0:
                rows, values, optimizer_states = networks.evaluate()
            else:
                rows, values, optimizer_states = networks.train(np.stack(
                    [epoch_order(config.seed + r, epoch, len(y_train)) for r in group]))
            writing = [i for i, c in enumerate(completed) if c < epoch]
            for i in writing:
                states[i] = optimizer_states[i]
            files.write(epoch, {group[i]: rows[i] for i in writing},
                        {group[i]: values[i] for i in writing},
                        partial(write_group_state, run_dir, group,
                                [max(c, epoch) for c in completed], np.stack(states)))
            _warn_divergence(group, writing, epoch, rows, values, diverged)
            if epoch < config.epochs:
                _put_back(networks, directories, completed, saved, group, epoch)
            if epoch % POSTFIX_EVERY == 0:
                bar.note(loss=f"{values[:, 0].mean():.4f}",
                         accuracy=f"{values[:, 1].mean():.3f}")
            if epoch:
                bar.advance(1)


def _put_back(networks: StackedEpochs, directories: Sequence[Path], completed: Sequence[int],
              saved: Mapping[int, SavedState | None], group: Sequence[int], epoch: int) -> None:
    """Put each repeat saved at ``epoch`` back in its slot: its row (weights, and ranges when
    quantized) and optimizer state."""
    for i, c in enumerate(completed):
        if c == epoch and epoch >= 0:
            networks.set_repeat(i, SnapshotReader(directories[i]).row(c), saved[group[i]].values)


def _warn_divergence(group: Sequence[int], writing: Sequence[int], epoch: int,
                     rows: np.ndarray, values: np.ndarray, diverged: set[int]) -> None:
    """One RuntimeWarning per repeat the first time its loss or weights are not finite."""
    for i in writing:
        if group[i] not in diverged and not (np.isfinite(values[i, 0])
                                             and np.isfinite(rows[i]).all()):
            diverged.add(group[i])
            warnings.warn(f"repeat {group[i]} diverged at epoch {epoch}: its loss or weights "
                          "are not finite; training goes on and those epochs will measure "
                          "as nan", RuntimeWarning, stacklevel=4)


def optimizer_state_size(config: TrainingConfig, sizes: tuple[int, ...]) -> int:
    """Values in one repeat's flat optimizer state (a group state file's row after its repeat
    and epoch) of a network of layer widths ``sizes`` (input, hidden..., classes) trained with
    ``config``."""
    model = build_model(sizes[0], config.hidden, sizes[-1], config.activation, config.init, 0)
    optimizer = build_optimizer(config.optimizer, config.learning_rate, config.adam_epsilon)
    optimizer.build(model.trainable_variables)
    return sum(int(np.prod(v.shape)) for v in optimizer.variables)


def check_optimizer_states(config: TrainingConfig, sizes: tuple[int, ...],
                           saved: Mapping[int, SavedState | None]) -> None:
    """Every saved state holds the values ``config``'s optimizer keeps for a network of layer
    widths ``sizes``; ValueError naming the file of the first that does not."""
    found = [state for state in saved.values() if state is not None]
    size = optimizer_state_size(config, sizes) if found else 0
    for state in found:
        if len(state.values) != size:
            raise ValueError(f"{state.path} holds {len(state.values)} optimizer state values "
                             f"per repeat, {config.optimizer} needs {size}")


def build_optimizer(name: str, learning_rate: float,
                    adam_epsilon: float) -> keras.optimizers.Optimizer:
    """The optimizer ``name`` (one of OPTIMIZERS) with its step size; epsilon is Adam's."""
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate, epsilon=adam_epsilon)
    return keras.optimizers.SGD(learning_rate=learning_rate)


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
