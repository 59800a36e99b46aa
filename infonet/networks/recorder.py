"""``RunRecorder``: a Keras callback that records a user's own ``model.fit`` as a run directory.

    from infonet.networks import RunRecorder
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=50, validation_data=(X_test, y_test),
              callbacks=[RunRecorder("runs/mine", x=X, y=y)])

The directory then holds what ``main_data.py`` writes for a trained run (README, "Run
directory"): snapshots of every epoch, epoch 0 being the network before training
(``rundir.snapshots``, a ``ModelLayout`` of every weight), metrics.csv from the fit logs, and
config.json with what the callback can know (dataset ``recorded``, model and seed null, the
optimizer's name and learning rate, the measured layers and the epochs). The samples given as
``x`` (N, D) and ``y`` (N,) are the ones measured, saved as ``samples.npz`` ("all"; the run
has no train/test split). ``main_data.py --from-run``, ``main_as_if_random.py``,
``main_plot.py`` and ``main_movie.py`` work on it; ``--resume`` does not (training happens in
the user's code). The callback holds the directory's writers' lock (``rundir.lock``) from
the start of ``fit`` to its end; a process that dies releases it. Keras tells a callback
nothing when ``fit`` fails (``on_train_end`` is not called), so the lock is released: at once
when the failure is in the recorder's own work; otherwise at the end of a ``with`` block
around the recorder, on ``close()``, when the recorder's next ``fit`` begins (it goes on
recording), or when the recorder is garbage-collected (a notebook that keeps the traceback
keeps the recorder too).

metrics.csv: train loss and accuracy are the fit log's ``loss`` and ``accuracy`` (Keras's
running means over the epoch's batches, not an evaluation after it, unlike ``main_data.py``),
test ones ``val_loss`` and ``val_accuracy``; missing values, and every value of epoch 0, are
nan. Several ``fit`` calls with one recorder continue the epoch count.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import keras
import numpy as np

from infonet.networks.keras_activations import check_rebuildable
from infonet.networks.keras_training import model_layout
from infonet.networks.layers import measured_layers
from infonet.networks.model_file import check_fits
from infonet.networks.versions import versions
from infonet.rundir import directory as run_directory
from infonet.rundir.config import DatasetConfig, RunConfig
from infonet.rundir.lock import locked
from infonet.rundir.snapshots import EpochWriter, ModelLayout, write_state

_LOGGED = ("loss", "accuracy", "val_loss", "val_accuracy")
"""The fit-log keys that become metrics.csv's train loss, train accuracy, test loss, test
accuracy."""


class RunRecorder(keras.callbacks.Callback):
    """Writes every epoch of ``model.fit`` to the run directory ``run_dir``.

    ``x`` (N, D) are the measured inputs as the model takes them, ``y`` (N,) their integer
    labels (one-hot (N, C) labels are read as their argmax); ``layers`` the Keras names of the
    layers to measure (default: every layer computing a new representation,
    ``networks.layers``). The directory must not hold a run yet.

    Used as a context manager (``with RunRecorder(...) as recorder: model.fit(...,
    callbacks=[recorder])``) it releases the run's lock when the block ends, whether or not
    ``fit`` failed; ``close()`` does the same.
    """

    def __init__(self, run_dir: str | Path, x: np.ndarray, y: np.ndarray,
                 layers: list[str] | tuple[str, ...] | None = None) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.x = np.asarray(x, dtype=np.float32)
        y = np.asarray(y)
        self.y = (y.argmax(axis=1) if y.ndim == 2 else y).astype(np.int64)
        if self.x.ndim != 2 or self.y.shape != (len(self.x),) or not len(self.x):
            raise ValueError(f"x must be (N, D) and y (N,) labels with N > 0, got shapes "
                             f"{self.x.shape} and {np.shape(y)}")
        if self.y.min() < 0:
            raise ValueError("y must hold integer class labels 0..C-1")
        self.layers = None if layers is None else tuple(layers)
        self._epoch = -1
        self._open = ExitStack()

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the run's files and release its lock (nothing happens when none is held)."""
        self._open.close()

    @contextmanager
    def _closed_on_failure(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.close()
            raise

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Take the lock; on the first ``fit``, write config.json, the samples and epoch 0.
        What a failed earlier ``fit`` left open is closed first."""
        self.close()
        with self._closed_on_failure():
            self._begin()

    def _begin(self) -> None:
        first = self._epoch < 0
        if first and run_directory.has_files(self.run_dir):
            raise ValueError(f"run directory {self.run_dir} already exists; record into a "
                             "new directory")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._open.enter_context(locked(self.run_dir))
        n_classes = int(self.model.outputs[0].shape[-1])
        check_fits(self.model, self.x.shape[1], n_classes, "RunRecorder")
        if self.y.max() >= n_classes:
            raise ValueError(f"y holds label {self.y.max()}, the model has {n_classes} classes")
        layout = model_layout(self.model, measured_layers(self.model, self.layers))
        check_rebuildable(layout, "RunRecorder")  # a run that could never be measured
        planned = max(self._epoch, 0) + max(self.params.get("epochs", 1), 1)
        if first:
            self._write_config(layout, n_classes, planned)
        else:
            self._set_epochs(planned)
        self._files = self._open.enter_context(EpochWriter(self.run_dir, layout,
                                                            {0: self._epoch}))
        if first:
            self._record({})

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Append the epoch's weights, metrics and state."""
        with self._closed_on_failure():
            self._record(logs or {})

    def on_train_end(self, logs: dict | None = None) -> None:
        """Record the epochs trained in config.json, close the files, release the lock."""
        try:
            self._set_epochs(max(self._epoch, 1))
        finally:
            self.close()

    def _set_epochs(self, epochs: int) -> None:
        """config.json's epochs: those planned while fit runs, those trained once it ends."""
        config = run_directory.read_config(self.run_dir)
        run_directory.write_config(self.run_dir, config.with_training(epochs=epochs))

    def _record(self, logs: dict) -> None:
        self._epoch += 1
        row = np.concatenate([np.asarray(w, np.float32).ravel() for w in self.model.get_weights()])
        optimizer = self.model.optimizer
        state = [np.asarray(v.numpy(), np.float64).ravel()
                 for v in (optimizer.variables if optimizer is not None else [])]
        self._files.write(self._epoch, {0: row},
                          {0: [float(logs.get(key, math.nan)) for key in _LOGGED]},
                          partial(write_state, run_directory.snapshot_dir(self.run_dir, 0),
                                  self._epoch, np.concatenate(state or [np.empty(0)])))

    def _write_config(self, layout: ModelLayout, n_classes: int, epochs: int) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, X=self.x, y=self.y)
        run_directory.replace_file(self.run_dir / run_directory.RECORDED_SAMPLES,
                                   buffer.getvalue())
        optimizer = self.model.optimizer
        rate = getattr(optimizer, "learning_rate", None)
        run_directory.write_config(self.run_dir, RunConfig(
            dataset=DatasetConfig(run_directory.RECORDED, run_directory.RECORDED_SAMPLES,
                                  train_fraction=1.0, shuffle=False, n_samples=len(self.y),
                                  n_features=self.x.shape[1], n_classes=n_classes),
            training={"model": None, "model_sha256": None,
                      "architecture_sha256": layout.architecture_sha256,
                      "layers": list(layout.layers), "epochs": epochs, "seed": None,
                      "optimizer": None if optimizer is None else optimizer.name,
                      "learning_rate": None if rate is None else float(np.asarray(rate))},
            repeats=1, command="RunRecorder", versions=versions()))
