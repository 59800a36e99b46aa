"""Milliseconds per repeat-epoch when repeats are trained together, beside one at a time.

    python -m benchmarks.bench_repeats                   # ~3 minutes on a 2-core machine
    python -m benchmarks.bench_repeats --epochs 50       # shorter

The default network (12-10-7-5-4-3-2, tanh, Adam 4e-4, batch 256, 3277 training samples; see
``benchmarks.bench_training``) trained by ``networks.train.train_repeats`` exactly as a run
does, snapshots, metrics and training state written every epoch. Printed, all measured in this
run:
- the baseline: repeats one at a time (``repeats_together=1``), ms per repeat-epoch;
- 1, 10 and 50 repeats together (and any ``--repeats`` given), ms per repeat-epoch and the
  cost of the whole group's epoch against one repeat's alone (target: 10 together at most
  3x one alone). Each figure is (time of E + 1 epochs - time of 1 epoch) / (E R), so the
  start-up (building R networks, tracing) is left out and printed apart;
- the per-epoch cost of saving 50 repeats' optimizer states: one group file (what training
  writes) against one ``state.npy`` per repeat (what it wrote before repeats were grouped).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click
import numpy as np

from benchmarks.bench_training import tishby_like_data, train_seconds


def per_repeat_epoch_ms(data: tuple[np.ndarray, ...], epochs: int, repeats: int,
                        together: int) -> tuple[float, float]:
    """(ms per repeat-epoch, start-up seconds) of ``repeats`` repeats, ``together`` a group."""
    one = train_seconds(data, 1, repeats, together)
    full = train_seconds(data, epochs + 1, repeats, together)
    return (full - one) / (epochs * repeats) * 1e3, one


def state_writes_ms(repeats: int, state_length: int, rounds: int = 200) -> tuple[float, float]:
    """ms per epoch to save ``repeats`` optimizer states: (one group file, one file each)."""
    from infonet.rundir import directory as run_directory
    from infonet.rundir.group_state import write_group_state
    from infonet.rundir.snapshots import write_state

    states = np.random.default_rng(0).standard_normal((repeats, state_length))
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        directories = [run_directory.snapshot_dir(run_dir, r) for r in range(repeats)]
        for directory in directories:
            directory.mkdir(parents=True)
        start = time.perf_counter()
        for epoch in range(rounds):
            write_group_state(run_dir, range(repeats), [epoch] * repeats, states)
        grouped = (time.perf_counter() - start) / rounds * 1e3
        start = time.perf_counter()
        for epoch in range(rounds):
            for directory, state in zip(directories, states, strict=True):
                write_state(directory, epoch, state)
        apart = (time.perf_counter() - start) / rounds * 1e3
    return grouped, apart


@click.command()
@click.option("--epochs", default=200, show_default=True, help="Epochs of each measurement.")
@click.option("--repeats", "extra", type=int, multiple=True,
              help="More group sizes to measure besides 1, 10 and 50 (repeatable).")
@click.option("--baseline-repeats", default=3, show_default=True,
              help="Repeats trained one at a time for the baseline.")
def main(epochs: int, extra: tuple[int, ...], baseline_repeats: int) -> None:
    data = tishby_like_data()
    click.echo(f"default network 12-10-7-5-4-3-2 tanh, Adam, batch 256, {len(data[1])} "
               f"training samples, {epochs} epochs, snapshots every epoch")
    alone, _ = per_repeat_epoch_ms(data, epochs, baseline_repeats, 1)
    click.echo(f"{'baseline: one repeat at a time':40s}{alone:8.2f} ms per repeat-epoch")
    for together in sorted({1, 10, 50, *extra}):
        ms, startup = per_repeat_epoch_ms(data, epochs, together, together)
        click.echo(f"{f'{together} repeats together':40s}{ms:8.2f} ms per repeat-epoch   "
                   f"{alone / ms:5.1f}x faster; a group epoch costs {ms * together / alone:5.2f}"
                   f" x one repeat's (start-up {startup:.1f} s)")
    click.echo("target: 10 together cost at most 3x one repeat alone")
    grouped, apart = state_writes_ms(50, 616)
    click.echo(f"saving 50 optimizer states per epoch: one group file {grouped:.2f} ms, "
               f"one state.npy per repeat {apart:.2f} ms ({apart / grouped:.0f}x)")


if __name__ == "__main__":
    main()
