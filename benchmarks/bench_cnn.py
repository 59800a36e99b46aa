"""The cnn-digits preset's costs: ms per training epoch beside a plain ``model.fit``, ms per
measured layer-epoch, and the disk each choice of activation source takes.

    python benchmarks/bench_cnn.py               # ~1 minute on two cores (60 epochs)
    python benchmarks/bench_cnn.py --epochs 200  # steadier figures

The preset's network (``networks/model_zoo/cnn.py``, ``lenet_digits``) on the bundled digits,
80% for training, Adam 1e-3, batch 64, timed in one process:

- training, ms per epoch: ``train_model_repeat`` as ``main_data.py --model`` runs it (the
  compiled epoch, the evaluation of both sets, the weights row, metrics row and state
  written) beside the baseline, a plain ``model.fit(epochs=E)`` of the same model and data
  (no evaluation, nothing saved); both as (time of E epochs - time of 1) / (E - 1), so
  building and tracing are left out;
- measuring, ms per layer-epoch: the runner's worker (``measuring.runner.measure``:
  activations recomputed with Keras from the snapshots, then 30 bins over each layer's range)
  over every layer of every saved epoch, beside the binning alone on activations held in
  memory (what recording activations during training would leave to measure);
- disk per epoch: the weights row (what is saved) beside every measured layer's activations
  on all samples (what recording them during training would save).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import infonet.networks.quiet_start  # noqa: E402,F401  (before TensorFlow)

MODEL = str(Path(__file__).resolve().parent.parent / "networks" / "model_zoo" / "cnn.py")
SPEC = f"{MODEL}:lenet_digits"
BATCH = 64


def _data() -> tuple[np.ndarray, ...]:
    from infonet.data.datasets import load_dataset, split_indices

    digits = load_dataset("digits")
    train, test = split_indices(len(digits.y), 0.8, 0)
    return digits.X, digits.y, train, test


def ours_ms(epochs: int, run_dir: Path) -> float:
    """ms per epoch of train_model_repeat (snapshots, metrics and state included)."""
    from infonet.networks.keras_training import model_training, train_model_repeat

    X, y, train, test = _data()

    def run(n: int, out: Path) -> float:
        config, _ = model_training(SPEC, None, 64, 10, optimizer="adam", learning_rate=1e-3,
                                   batch_size=BATCH, epochs=n, seed=0)
        out.mkdir()
        start = time.perf_counter()
        train_model_repeat(X[train], y[train], X[test], y[test], 10, config, out, 0,
                           progress=False)
        return time.perf_counter() - start

    one = run(1, run_dir / "one")
    return (run(epochs, run_dir / "run") - one) / (epochs - 1) * 1e3


def plain_fit_ms(epochs: int) -> float:
    """ms per epoch of model.fit on the same model and data, nothing saved."""
    import keras

    from infonet.networks.keras_training import build_seeded
    from infonet.networks.model_file import ModelFile

    X, y, train, _ = _data()
    path, _, function = SPEC.rpartition(":")

    def run(n: int) -> float:
        model = build_seeded(ModelFile(Path(path), function), 64, 10, 0)
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        start = time.perf_counter()
        model.fit(X[train], y[train], epochs=n, batch_size=BATCH, verbose=0)
        return time.perf_counter() - start

    one = run(1)
    return (run(epochs) - one) / (epochs - 1) * 1e3


def measuring(run_dir: Path) -> tuple[float, float, int, int]:
    """(ms per layer-epoch by the worker, ms per layer-epoch of binning alone, bytes of one
    weights row, bytes of one epoch's activations of every measured layer)."""
    from infonet.information.estimators import estimator_from_spec
    from infonet.information.samples import Samples
    from infonet.measuring.plan import WindowPlan
    from infonet.measuring.runner import Task, measure
    from infonet.networks.activations import open_source

    X, y, _, _ = _data()
    samples = Samples(X, y, "all")
    directory = run_dir / "run" / "snapshots" / "repeat-0"
    source = open_source(directory)
    layers = tuple(range(1, len(source.layer_names) + 1))
    binning = estimator_from_spec("binning:bins=30,range=layer")
    epochs = range(source.n_epochs)
    task = Task(0, directory, tuple(WindowPlan((e, e), (binning,)) for e in epochs), layers,
                samples)
    measure(task)  # the model rebuilt and traced once per process, as in a worker
    start = time.perf_counter()
    measure(task)
    worker = (time.perf_counter() - start) / (len(epochs) * len(layers)) * 1e3
    held = source.activations(source.n_epochs - 1, X, layers)
    start = time.perf_counter()
    for T in held.values():
        binning.mutual_information(T, samples.ids, samples.y)
    alone = (time.perf_counter() - start) / len(layers) * 1e3
    row = source.reader.layout.row_length * 4
    return worker, alone, row, sum(T.nbytes for T in held.values())


@click.command()
@click.option("--epochs", type=click.IntRange(min=2), default=60, show_default=True,
              help="Epochs per timed run.")
def main(epochs: int) -> None:
    """Print the cnn-digits figures, each beside its baseline."""
    with tempfile.TemporaryDirectory() as tmp:
        ours = ours_ms(epochs, Path(tmp))
        plain = plain_fit_ms(epochs)
        worker, alone, row, activations = measuring(Path(tmp))
    print(f"training, ms per epoch:        ours {ours:7.1f} (snapshot, metrics of both sets)"
          f"   plain model.fit {plain:7.1f} (nothing saved)")
    print(f"measuring, ms per layer-epoch: recomputed with Keras + binning {worker:6.2f}"
          f"   binning of activations held in memory {alone:6.2f}")
    print(f"disk per epoch:                weights row {row / 1024:7.1f} KiB"
          f"   every measured layer's activations {activations / 1024:7.1f} KiB")


if __name__ == "__main__":
    main()
