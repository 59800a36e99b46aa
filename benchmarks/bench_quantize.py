"""Training with quantized activations beside plain training: milliseconds per epoch.

    python benchmarks/bench_quantize.py                 # about a minute on two cores
    python benchmarks/bench_quantize.py --epochs 100 --repeats 1 --repeats 10

The default network (12-10-7-5-4-3-2, Adam 4e-4, batch 256) on the 4096 12-bit patterns,
3277 of them for training, is trained by ``networks.stacked.StackedEpochs`` (what
``main_data.py`` runs) for tanh and ReLU, with R repeats stacked, once plain and once with
``--quantize 8`` (every layer's output on 256 levels, the ReLU layers' ranges learned every
step), in one process, alternating, so both see the same machine. Each figure is the median
over rounds of the time per epoch after one warm-up epoch (tracing left out). The issue asks
that quantized training cost at most 1.5 times plain training per epoch: the ratio column.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import click
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))



HIDDEN = (10, 7, 5, 4, 3)
LIMIT = 1.5


def tishby_data() -> tuple[np.ndarray, ...]:
    """Tishby's set, split 3277 train / 819 test at random (seed 0)."""
    from infonet.data.datasets import load_dataset, split_indices

    data = load_dataset("tishby", None)
    train, test = split_indices(len(data.y), 0.8, 0)
    X, y = data.X.astype(np.float32), data.y.astype(np.int32)
    return X[train], y[train], X[test], y[test]


def trainer(activation: str, repeats: int, quantize: int, data: tuple[np.ndarray, ...]):
    """A StackedEpochs of ``repeats`` networks and a function training it one epoch."""
    import keras

    from infonet.networks.model import build_model
    from infonet.networks.stacked import StackedEpochs
    from infonet.networks.train import epoch_order

    initial = [build_model(12, HIDDEN, 2, activation, seed=r).get_weights()
               for r in range(repeats)]
    networks = StackedEpochs(initial, activation, keras.optimizers.Adam(4e-4), *data, 256,
                             quantize=quantize)
    epoch = iter(range(1, 10**9))

    def train() -> None:
        e = next(epoch)
        networks.train(np.stack([epoch_order(r, e, len(data[1])) for r in range(repeats)]))

    train()  # traces the compiled epoch
    return train


def ms_per_epoch(train, epochs: int) -> float:
    start = time.perf_counter()
    for _ in range(epochs):
        train()
    return (time.perf_counter() - start) / epochs * 1e3


@click.command()
@click.option("--epochs", default=40, help="Epochs per timed round.")
@click.option("--rounds", default=5, help="Alternating rounds; the median is printed.")
@click.option("--repeats", "repeat_counts", multiple=True, type=int, default=(1, 10),
              help="Repeats trained together (repeatable).")
def main(epochs: int, rounds: int, repeat_counts: tuple[int, ...]) -> None:
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    data = tishby_data()
    click.echo(f"{'activation':>10} {'repeats':>7} {'plain ms':>9} {'quantized ms':>12} "
               f"{'ratio':>6}  (limit {LIMIT}x)")
    worst = 0.0
    for activation in ("tanh", "relu"):
        for repeats in repeat_counts:
            plain = trainer(activation, repeats, 0, data)
            quantized = trainer(activation, repeats, 8, data)
            times: dict[int, list[float]] = {0: [], 8: []}
            for _ in range(rounds):
                times[0].append(ms_per_epoch(plain, epochs))
                times[8].append(ms_per_epoch(quantized, epochs))
            base, quant = statistics.median(times[0]), statistics.median(times[8])
            worst = max(worst, quant / base)
            click.echo(f"{activation:>10} {repeats:>7} {base:>9.2f} {quant:>12.2f} "
                       f"{quant / base:>6.2f}")
    click.echo(f"worst ratio {worst:.2f}: {'within' if worst <= LIMIT else 'OVER'} the "
               f"{LIMIT}x limit")


if __name__ == "__main__":
    main()
