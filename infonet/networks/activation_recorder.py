"""``ActivationRecorder``: any framework's layer outputs recorded as a run directory.

    from infonet.networks import ActivationRecorder
    with ActivationRecorder("runs/mine", X, y, layers=["block_1", "block_2", "head"]) as rec:
        rec.epoch(0, {"block_1": h1, "block_2": h2, "head": p})      # before training
        for epoch in range(1, 51):
            train_one_epoch()
            rec.epoch(epoch, outputs_on(X))                            # {name: (N, ...) array}

The run stores the measured layers' outputs on the fixed samples ``X`` (N, ...) with labels
``y`` (N,), not weights: ``snapshots/repeat-R/activations.bin`` grows by one float32 row per
recorded epoch (each layer's (N, units) in turn; ``rundir.snapshots.ActivationLayout`` in
``layout.json`` names each layer, its width, its output shape and the token pooling),
``samples.npz`` holds X (flattened to (N, D)) and y, config.json says what is known (dataset
``recorded``, ``training.recorded`` "activations", the layers, pool, framework, epochs).
Everything that reads a run reads it: ``main_data.py --from-run``, ``main_as_if_random.py``,
plots, movies, ``open_run`` (``networks.activations.StoredSource``; no framework imported).

Written like every run: the writers' lock is held from the constructor to ``close()`` (or
the end of a ``with``); each epoch appends its row, its metrics row and then its state
(``rundir.snapshots.EpochWriter``), so a process killed at any moment keeps every completed
epoch. ``resume=True`` reopens such a run (the same samples, layers and pool, else
ValueError): epochs already recorded are skipped by ``epoch`` (it returns False), so a
deterministic loop replayed from the start, or one started at ``next_epoch()`` from the
user's own checkpoint, ends with the files of a run never killed. Bad input (a layer not
asked for or missing, a width that changes between epochs, NaN or inf, samples of another
count) is a ValueError naming it, raised before anything of that epoch is written; nothing
is written before the first good epoch (config.json, samples and layout are written with
it), and a directory the recorder created and never wrote to is removed on ``close``.

Token outputs (N, L, D) become rows as ``pool`` says (``rundir.snapshots.POOLS``; README,
"Token activations"): ``flatten`` (N, L D), ``mean`` over the tokens (N, D) or ``last``
token (N, D); outputs of any other shape are flattened. Framework-specific recorders
(``networks.torch_recorder``) hand their outputs to this one.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import numpy as np

from infonet.networks.versions import package_versions
from infonet.rundir import directory as run_directory
from infonet.rundir.checks import check_repeat
from infonet.rundir.config import RECORDED_ACTIVATIONS, DatasetConfig, RunConfig
from infonet.rundir.snapshots import (
    METRICS_COLUMNS,
    POOLS,
    ActivationLayout,
    EpochWriter,
    read_layout,
    write_state,
)

METRICS = METRICS_COLUMNS[2:]
"""The metrics ``epoch`` takes (any omitted is nan): train_loss, train_accuracy, test_loss,
test_accuracy."""


def pooled(output: np.ndarray, pool: str) -> np.ndarray:
    """A layer's output (N, ...) as (N, units) float32 rows: (N, L, D) token outputs pooled as
    ``pool`` says (``flatten``, ``mean`` over the L tokens, the ``last`` token), any other
    shape flattened."""
    if output.ndim == 3 and pool == "mean":
        return output.mean(axis=1, dtype=np.float64).astype(np.float32)
    if output.ndim == 3 and pool == "last":
        return np.ascontiguousarray(output[:, -1], dtype=np.float32)
    return np.asarray(output, dtype=np.float32).reshape(len(output), -1)


class ActivationRecorder:
    """Records layer outputs on fixed samples, epoch by epoch, into the run directory
    ``run_dir`` (see the module).

    ``X`` (N, ...) the measured inputs, ``y`` (N,) their integer labels (one-hot (N, C) read
    as the argmax), ``layers`` the names of the layers ``epoch`` is given, in the order they
    are measured (layer 1 first); ``pool`` how token outputs become rows; ``repeats`` how many
    networks are recorded (``epoch(..., repeat=r)``); ``epochs`` the epochs planned
    (config.json's ``training.epochs`` rises with the epochs recorded past it);
    ``n_classes`` the model's classes (default: y's largest label + 1); ``framework`` the
    package whose version config.json records; ``resume`` reopens a run this recorder wrote.
    """

    def __init__(self, run_dir: str | Path, X: np.ndarray, y: np.ndarray,
                 layers: Sequence[str], *, pool: str = "flatten", repeats: int = 1,
                 epochs: int = 1, n_classes: int | None = None, framework: str | None = None,
                 resume: bool = False, wait: bool = False,
                 command: str = "ActivationRecorder") -> None:
        self._setup(run_dir, X, y, layers, pool, repeats, n_classes)
        if not (isinstance(epochs, int) and epochs >= 1):
            raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
        self._planned, self._framework, self._command = epochs, framework, command
        self._open.enter_context(run_directory.writing(self.run_dir, wait))
        try:
            if resume:
                self._reopen()
            elif run_directory.has_files(self.run_dir):
                raise ValueError(f"run directory {self.run_dir} already exists; record into a "
                                 "new directory, or pass resume=True to continue its recording")
        except BaseException:
            self.close()
            raise

    @classmethod
    def under_lock(cls, run_dir: Path, config: RunConfig, X: np.ndarray, y: np.ndarray,
                   repeat: int, completed: int) -> ActivationRecorder:
        """A recorder of repeat ``repeat`` of a run a command trains (``networks.torch_training``):
        the command holds the run's lock and wrote ``config`` (its layers, pool, classes);
        ``completed`` is the repeat's last recorded epoch (-1: none). The samples are
        written with its first epoch when the run has none yet."""
        recorder = cls.__new__(cls)
        training = config.training
        recorder._setup(run_dir, X, y, training["layers"], training["pool"], config.repeats,
                        config.dataset.n_classes)
        recorder._config = config
        recorder.completed = {repeat: completed}  # the other repeats' files stay closed
        if completed >= 0:
            recorder.layout = read_layout(run_directory.snapshot_dir(run_dir, repeat))
        return recorder

    def _setup(self, run_dir: str | Path, X: np.ndarray, y: np.ndarray, layers: Sequence[str],
               pool: str, repeats: int, n_classes: int | None) -> None:
        """Every setting checked (ValueError naming the first bad one), nothing opened."""
        self.run_dir = Path(run_dir)
        self.X, self.y, self.n_classes = _samples(X, y, n_classes)
        self.layers = tuple(layers)
        if not self.layers or len(set(self.layers)) != len(self.layers) or not all(
                isinstance(name, str) and name for name in self.layers):
            raise ValueError(f"layers must be distinct non-empty names, got {list(layers)!r}")
        if pool not in POOLS:
            raise ValueError(f"pool must be one of {', '.join(POOLS)}, got {pool!r}")
        if not (isinstance(repeats, int) and repeats >= 1):
            raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
        self.pool, self.repeats = pool, repeats
        self._created = [p for p in (self.run_dir, *self.run_dir.parents) if not p.exists()]
        self._open = ExitStack()
        self._writer: EpochWriter | None = None
        self.layout: ActivationLayout | None = None
        self._config: RunConfig | None = None
        self.completed = {r: -1 for r in range(repeats)}

    def __enter__(self) -> ActivationRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def next_epoch(self, repeat: int = 0) -> int:
        """The first epoch of ``repeat`` not recorded yet (0 for a new run)."""
        return self.completed[self._repeat(repeat)] + 1

    def epoch(self, epoch: int, activations: Mapping[str, object], repeat: int = 0,
              metrics: Mapping[str, float] | None = None,
              state: np.ndarray | None = None) -> bool:
        """Record ``epoch`` of ``repeat``: ``activations`` maps each of ``layers`` to its
        output (N, ...) on the samples (any array NumPy converts: NumPy, JAX, a CPU tensor),
        ``metrics`` any of ``METRICS``, ``state`` float64 values kept with the epoch in the
        repeat's ``state.npy`` (a trainer's weights and optimizer, to resume from). False,
        writing nothing, for an epoch already recorded (a resumed run replaying its loop);
        ValueError naming the problem, writing nothing, for bad input or an epoch out of
        order."""
        repeat = self._repeat(repeat)
        if epoch <= self.completed[repeat]:
            return False
        if epoch != self.completed[repeat] + 1:
            raise ValueError(f"epoch {epoch} of repeat {repeat}: the next epoch to record is "
                             f"{self.completed[repeat] + 1} (epochs are recorded in order from "
                             "0, the network before training)")
        outputs = self._outputs(epoch, activations)
        values = _metrics(metrics)
        layout = ActivationLayout(len(self.X), self.layers,
                                  tuple(rows.shape[1] for _, rows in outputs),
                                  tuple(shape for shape, _ in outputs), self.pool)
        if self.layout is not None and layout != self.layout:
            name, new, old = next((name, (units, shape), was) for name, units, shape, *was in zip(
                self.layers, layout.units, layout.shapes, self.layout.units, self.layout.shapes,
                strict=True) if (units, shape) != tuple(was))
            raise ValueError(f"layer {name} has width {new[0]} (output shape {list(new[1])}) at "
                             f"epoch {epoch}, it had {old[0]} ({list(old[1])}): a layer's "
                             "width must not change between epochs")
        row = np.concatenate([rows.ravel() for _, rows in outputs])
        writer = self._writer or self._start(layout, epoch)
        if epoch > self._config.epochs:
            self._config = self._config.with_training(epochs=epoch)
            run_directory.write_config(self.run_dir, self._config)
        directory = run_directory.snapshot_dir(self.run_dir, repeat)
        writer.write(epoch, {repeat: row}, {repeat: values},
                     partial(write_state, directory, epoch,
                             np.empty(0) if state is None else state))
        self.completed[repeat] = epoch
        return True

    def close(self) -> None:
        """Close the run's files and release its lock; a directory this recorder created
        and wrote nothing into is removed."""
        self._open.close()
        if self.layout is None:
            for folder in self._created:
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()

    def _repeat(self, repeat: int) -> int:
        if not (isinstance(repeat, int) and repeat in self.completed):
            raise ValueError(f"repeat must be in 0..{self.repeats - 1}, got {repeat!r}")
        return repeat

    def _outputs(self, epoch: int,
                 activations: Mapping[str, object]) -> list[tuple[tuple[int, ...], np.ndarray]]:
        """(output shape per sample, (N, units) rows) of each layer, checked."""
        missing = [name for name in self.layers if name not in activations]
        extra = [str(name) for name in activations if name not in self.layers]
        if missing or extra:
            raise ValueError(f"epoch {epoch}: activations must be given for exactly the layers "
                             f"{', '.join(self.layers)}; "
                             + (f"missing {', '.join(missing)}" if missing else
                                f"not recorded: {', '.join(extra)}"))
        outputs = []
        for name in self.layers:
            output = np.asarray(activations[name])
            if output.ndim < 2 or len(output) != len(self.X) or output.dtype.kind not in "biuf":
                raise ValueError(f"layer {name} at epoch {epoch}: its output must be numbers "
                                 f"(N, ...) on the {len(self.X)} samples, got shape "
                                 f"{output.shape} of {output.dtype}")
            rows = pooled(output, self.pool)
            if not np.isfinite(rows).all():
                raise ValueError(f"layer {name} at epoch {epoch} holds NaN or inf (training "
                                 "diverged?): recorded activations must be finite")
            outputs.append((tuple(int(n) for n in output.shape[1:]), rows))
        return outputs

    def _start(self, layout: ActivationLayout, epoch: int) -> EpochWriter:
        """The run's files opened for the first epoch recorded by this recorder: a new run's
        samples and config.json written first."""
        samples = self.run_dir / run_directory.RECORDED_SAMPLES
        if not samples.is_file():
            buffer = io.BytesIO()
            np.savez(buffer, X=self.X, y=self.y)
            run_directory.replace_file(samples, buffer.getvalue())
        if self._config is None:
            self._config = self._new_config(max(self._planned, epoch, 1))
            run_directory.write_config(self.run_dir, self._config)
        elif self.repeats > self._config.repeats:
            self._config = RunConfig.from_dict({**self._config.to_dict(),
                                                "repeats": self.repeats})
            run_directory.write_config(self.run_dir, self._config)
        self.layout = layout
        self._writer = self._open.enter_context(EpochWriter(self.run_dir, layout,
                                                             self.completed))
        return self._writer

    def _new_config(self, epochs: int) -> RunConfig:
        return RunConfig(
            dataset=DatasetConfig(run_directory.RECORDED, run_directory.RECORDED_SAMPLES,
                                  train_fraction=1.0, shuffle=False, n_samples=len(self.y),
                                  n_features=self.X.shape[1], n_classes=self.n_classes),
            training={"model": None, "recorded": RECORDED_ACTIVATIONS,
                      "framework": self._framework, "layers": list(self.layers),
                      "pool": self.pool, "epochs": epochs, "seed": None},
            repeats=self.repeats, command=self._command,
            versions=package_versions(() if self._framework is None else (self._framework,)))

    def _reopen(self) -> None:
        """Continue the run on disk: the same samples, layers and pool; each repeat's last
        complete epoch read and checked (``rundir.checks.check_repeat``)."""
        config = run_directory.read_config(self.run_dir)
        if not config.records_activations:
            raise ValueError(f"{self.run_dir} is not a run of recorded activations")
        with np.load(self.run_dir / run_directory.RECORDED_SAMPLES,
                     allow_pickle=False) as stored:
            same = np.array_equal(stored["X"], self.X) and np.array_equal(stored["y"], self.y)
        differences = [what for what, differs in (
            ("samples", not same), ("layers", tuple(config.training["layers"]) != self.layers),
            ("pool", config.training.get("pool") != self.pool),
            ("classes", config.dataset.n_classes != self.n_classes)) if differs]
        if differences:
            raise ValueError(f"cannot resume {self.run_dir}: its {', '.join(differences)} "
                             "differ from this recorder's")
        self.repeats = max(self.repeats, config.repeats)
        self.completed = {r: check_repeat(self.run_dir, config, r) if r < config.repeats
                          else -1 for r in range(self.repeats)}
        self._config = config
        started = [r for r in range(config.repeats)
                   if (run_directory.snapshot_dir(self.run_dir, r) / "layout.json").is_file()]
        if started:
            self.layout = read_layout(run_directory.snapshot_dir(self.run_dir, started[0]))


def _samples(X: np.ndarray, y: np.ndarray,
             n_classes: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """The samples as stored: X (N, D) float32, y (N,) int64 labels, the classes; checked."""
    X = np.asarray(X)
    labels = np.asarray(y)
    labels = labels.argmax(axis=1) if labels.ndim == 2 else labels
    if X.ndim < 2 or labels.shape != (len(X),) or not len(X) or X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numbers (N, ...) and y (N,) labels with N > 0, got shapes "
                         f"{X.shape} and {np.shape(y)}")
    if labels.dtype.kind not in "biu" and not np.array_equal(labels, np.round(labels)):
        raise ValueError("y must hold integer class labels 0..C-1")
    labels = labels.astype(np.int64)
    X = X.reshape(len(X), -1).astype(np.float32)
    if not np.isfinite(X).all():
        raise ValueError("X holds NaN or inf: the measured samples must be finite")
    classes = int(labels.max()) + 1 if n_classes is None else n_classes
    if labels.min() < 0 or labels.max() >= classes or classes < 2:
        raise ValueError(f"y must hold integer class labels 0..C-1 with C >= 2 "
                         f"(n_classes={classes}), got labels {labels.min()}..{labels.max()}")
    return X, labels, classes


def _metrics(metrics: Mapping[str, float] | None) -> list[float]:
    """The four metrics.csv values of ``metrics`` (nan where absent)."""
    metrics = dict(metrics or {})
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise ValueError(f"metrics must be some of {', '.join(METRICS)}, got "
                         f"{', '.join(unknown)}")
    return [float(metrics.get(name, math.nan)) for name in METRICS]
