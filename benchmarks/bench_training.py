"""Milliseconds per training epoch of one repeat: the compiled loop beside plain Keras.

    python benchmarks/bench_training.py                  # the default network, ~1 minute
    python benchmarks/bench_training.py --threads 1      # TensorFlow limited to one thread
    python benchmarks/bench_training.py --profile        # then cProfile of one more run

The default network (12-10-7-5-4-3-2, tanh, Adam 4e-4, batch 256) on the 4096 12-bit patterns
with random 0/1 labels, 80% (3277) of them for training, is timed four ways in one process:
the baseline, a plain Keras loop calling ``model.fit(epochs=1)``, two ``model.evaluate`` and
``get_weights`` per epoch; ``StackedEpochs.train`` of one network alone, before and after
TensorFlow's op determinism is switched on; and ``train_repeats`` as a run uses it, writing
the weights row, the metrics row and the training state of every epoch. Its per-epoch figure
is (time of E epochs - time of 1 epoch) / (E - 1), so the one-off start-up (building and
tracing, printed apart) is left out. Repeats trained together: ``bench_repeats.py``.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N_PATTERNS, N_TRAIN = 4096, 3277
HIDDEN = (10, 7, 5, 4, 3)
BATCH = 256


def tishby_like_data() -> tuple[np.ndarray, ...]:
    """Every 12-bit pattern with a random 0/1 label, split 3277 train / 819 test."""
    from infonet.data.tishby import all_patterns

    X = all_patterns().astype(np.float32)
    y = np.random.default_rng(0).integers(0, 2, N_PATTERNS)
    order = np.random.default_rng(1).permutation(N_PATTERNS)
    train, test = order[:N_TRAIN], order[N_TRAIN:]
    return X[train], y[train], X[test], y[test]


def plain_keras_ms(data: tuple[np.ndarray, ...], epochs: int) -> float:
    """ms per epoch of fit(epochs=1) + evaluate on both sets + get_weights."""
    import keras

    from infonet.networks.model import build_model

    X_train, y_train, X_test, y_test = data
    model = build_model(12, HIDDEN, 2)
    model.compile(optimizer=keras.optimizers.Adam(4e-4),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def epoch() -> None:
        model.fit(X_train, y_train, epochs=1, batch_size=BATCH, shuffle=True, verbose=0)
        model.evaluate(X_train, y_train, batch_size=len(y_train), verbose=0)
        model.evaluate(X_test, y_test, batch_size=len(y_test), verbose=0)
        model.get_weights()

    epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    return (time.perf_counter() - start) / epochs * 1e3


def compiled_epoch_ms(data: tuple[np.ndarray, ...], epochs: int) -> float:
    """ms per epoch of StackedEpochs.train of one network (after one tracing call)."""
    import keras

    from infonet.networks.model import build_model
    from infonet.networks.stacked import StackedEpochs
    from infonet.networks.train import epoch_order

    loop = StackedEpochs([build_model(12, HIDDEN, 2).get_weights()], "tanh",
                         keras.optimizers.Adam(4e-4), *data, BATCH)
    orders = [epoch_order(0, e, N_TRAIN)[None] for e in range(epochs + 1)]
    loop.train(orders[0])
    start = time.perf_counter()
    for order in orders[1:]:
        loop.train(order)
    return (time.perf_counter() - start) / epochs * 1e3


def train_seconds(data: tuple[np.ndarray, ...], epochs: int, repeats: int = 1,
                  together: int = 1) -> float:
    """Seconds of one train_repeats call (``repeats`` repeats, ``together`` at a time, of
    ``epochs`` epochs) into a fresh run directory, snapshots included."""
    from infonet.networks.train import TrainingConfig, train_repeats

    config = TrainingConfig(hidden=HIDDEN, epochs=epochs, batch_size=BATCH,
                            repeats_together=together)
    with tempfile.TemporaryDirectory() as run_dir:
        start = time.perf_counter()
        train_repeats(*data, config, Path(run_dir), repeats, progress=False)
        return time.perf_counter() - start


@click.command()
@click.option("--epochs", default=400, show_default=True,
              help="Epochs of each compiled measurement.")
@click.option("--keras-epochs", default=20, show_default=True,
              help="Epochs of the plain Keras baseline.")
@click.option("--threads", default=0, show_default=True,
              help="TensorFlow intra- and inter-op threads (0 = TensorFlow's default).")
@click.option("--profile", is_flag=True, help="Print cProfile's top functions of train_repeats.")
def main(epochs: int, keras_epochs: int, threads: int, profile: bool) -> None:
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    data = tishby_like_data()
    click.echo(f"network 12-{'-'.join(map(str, HIDDEN))}-2 tanh, Adam 4e-4, batch {BATCH}, "
               f"{N_TRAIN} train / {N_PATTERNS - N_TRAIN} test samples, "
               f"TensorFlow threads: {threads or 'default'}")
    baseline = plain_keras_ms(data, keras_epochs)
    click.echo(f"{'plain Keras: fit(epochs=1) + 2 x evaluate + get_weights':58s}"
               f"{baseline:8.1f} ms/epoch")
    click.echo(f"{'StackedEpochs.train (one network), op determinism off':58s}"
               f"{compiled_epoch_ms(data, epochs):8.1f} ms/epoch")
    tf.config.experimental.enable_op_determinism()
    click.echo(f"{'StackedEpochs.train (one network), op determinism on':58s}"
               f"{compiled_epoch_ms(data, epochs):8.1f} ms/epoch")
    one = min(train_seconds(data, 1) for _ in range(2))
    full = train_seconds(data, epochs + 1)
    per_epoch = (full - one) / epochs * 1e3
    click.echo(f"{'train_repeats, weights + metrics + state saved every epoch':58s}"
               f"{per_epoch:8.1f} ms/epoch  (start-up {one:.1f} s; target <= 10 ms)")
    click.echo(f"speed-up of train_repeats over plain Keras: {baseline / per_epoch:.0f}x")
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(train_seconds, data, epochs + 1)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
