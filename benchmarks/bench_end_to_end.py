"""End to end, from one run on this machine: training, measuring, and a whole paper preset.

    python -m benchmarks.bench_end_to_end                   # ~15 minutes on a 2-core machine
    python -m benchmarks.bench_end_to_end --quick           # the presets shortened to 800 epochs
    python -m benchmarks.bench_end_to_end --repeats 10      # the paper-scale run with 10 repeats
    python -m benchmarks.bench_end_to_end --paper-only --paper-epochs 300   # its binning, ~3 min

Prints, each beside a plain baseline measured in the same run:
- training: ms per epoch of the compiled loop (snapshot included) vs a plain Keras
  ``fit(epochs=1)``-per-epoch loop (from benchmarks.bench_training);
- measuring: ms per layer-epoch of binning and KDE vs np.unique(axis=0) and
  cdist + logsumexp (from benchmarks.bench_estimators, one core);
- the Shwartz-Ziv & Tishby preset, one repeat, through the command line: training plus binning
  on every epoch, then KDE upper and lower bounds on 300 log-spaced epochs. Target: under
  5 minutes (the original IDNNs estimator needs ~35 minutes for its 274 binned epochs alone);
- the same preset at the papers' scale, ``--repeats`` networks (default 50, as both papers
  averaged) through the command line, each step timed: training (repeats trained together),
  binning on the preset's ``log:300`` with ``--jobs 2``, and drawing the plane. Targets: the
  whole under 10 minutes, the binning under a minute. The repeats' training is set beside the
  same training one repeat at a time, estimated from 2 such repeats timed in the same run; the
  binning beside the textbook loop (np.unique(axis=0) per entropy, one core) over the same
  layer-epochs, estimated from 60 of them timed in the same run. ``--paper-epochs`` shortens
  this run alone (the binning's cost grows with the epochs log:300 picks, at most 300, so 300
  trained epochs already give its full-length figure); ``--paper-only`` skips the rest.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks.bench_estimators import bench_binning, bench_kde, textbook_binning
from benchmarks.bench_training import plain_keras_ms, tishby_like_data, train_seconds
from infonet.data.run_data import measured_samples
from infonet.networks.forward import layer_activations
from infonet.rundir.directory import INFORMATION, read_config, snapshot_dir
from infonet.rundir.results import read_rows
from infonet.rundir.snapshots import SnapshotReader

ROOT = Path(__file__).resolve().parents[1]


def _timed(args: list[str], script: str = "main_data.py") -> float:
    """Seconds of one invocation of ``script`` (it must succeed)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / script), *args], check=True, cwd=ROOT,
                   stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def paper_scale(repeats: int, epochs: list[str], length: str) -> None:
    """Time the tishby2017 preset with ``repeats`` repeats: train, bin on log:300, plot."""
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = str(Path(tmp) / "tishby2017-repeats")
        train = _timed(["--preset", "tishby2017", *epochs, "--repeats", str(repeats),
                        "--no-measure", "--out", run_dir])
        alone = _timed(["--preset", "tishby2017", *epochs, "--repeats", "2",
                        "--repeats-together", "1", "--no-measure", "--out",
                        str(Path(tmp) / "alone")])
        binning = _timed(["--from-run", run_dir, "--preset", "tishby2017", "--jobs", "2",
                          "--no-plot"])
        layer_epochs = len(read_rows(Path(run_dir) / INFORMATION))
        textbook = textbook_seconds(Path(run_dir), 60) * layer_epochs
        plane = _timed([run_dir, "-o", str(Path(tmp) / "plane.png")], "main_plot.py")
    total = train + binning + plane
    click.echo(f"tishby2017 preset, {repeats} repeats, {length}: training {train:6.1f} s "
               f"(one at a time: ~{alone / 2 * repeats:6.0f} s); binning log:300 --jobs 2 "
               f"{binning:5.1f} s for {layer_epochs} layer-epochs (target < 60 s; textbook "
               f"loop, one core: ~{textbook:5.0f} s); plane {plane:4.1f} s; total "
               f"{total / 60:4.1f} min (target < 10 min)")


def textbook_seconds(run_dir: Path, count: int) -> float:
    """Seconds per layer-epoch of the textbook binning (one core) on ``count`` layer-epochs of
    the run's first repeat, epochs spread evenly, activations recomputed as the runner does."""
    samples = measured_samples(read_config(run_dir), "all")
    reader = SnapshotReader(snapshot_dir(run_dir, 0))
    epochs = np.linspace(0, reader.n_epochs - 1, -(-count // reader.n_layers)).astype(int)
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        for epoch in epochs:
            for T in layer_activations(reader.params(epoch), samples.X, reader.activation):
                textbook_binning(T, samples.ids, samples.y)
    return (time.perf_counter() - start) / (len(epochs) * reader.n_layers)


@click.command()
@click.option("--quick", is_flag=True, help="Shorten the presets to 800 epochs.")
@click.option("--repeats", type=click.IntRange(min=1), default=50, show_default=True,
              help="Repeats of the paper-scale tishby2017 run.")
@click.option("--paper-epochs", type=click.IntRange(min=1), default=None,
              help="Epochs of the paper-scale run (default: the preset's, 800 with --quick).")
@click.option("--paper-only", is_flag=True, help="Run the paper-scale section alone.")
def main(quick: bool, repeats: int, paper_epochs: int | None, paper_only: bool) -> None:
    click.echo(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
               f"Python {platform.python_version()}")
    epochs = ["--epochs", "800"] if quick else []
    length = "800 epochs (--quick)" if quick else "8000 epochs"
    if paper_epochs is not None:
        paper = (["--epochs", str(paper_epochs)], f"{paper_epochs} epochs")
    else:
        paper = (epochs, length)
    if not paper_only:
        one_repeat(epochs, length)
    paper_scale(repeats, *paper)


def one_repeat(epochs: list[str], length: str) -> None:
    """Time training, the estimators, and the tishby2017 preset with one repeat."""
    data = tishby_like_data()
    keras_ms = plain_keras_ms(data, 20)
    one = min(train_seconds(data, 1) for _ in range(2))
    ours_ms = (train_seconds(data, 401) - one) / 400 * 1e3
    click.echo(f"training, default network:  compiled loop + snapshot {ours_ms:6.1f} ms/epoch   "
               f"plain Keras fit per epoch {keras_ms:6.1f} ms/epoch   ({keras_ms / ours_ms:.0f}x)")

    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1):
        bench_binning(rng, 10, None, "<= 2 ms")
        bench_kde(rng)

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = str(Path(tmp) / "tishby2017")
        train_and_bin = _timed(["--preset", "tishby2017", *epochs, "--schedule", "every:1",
                                "--estimator", "binning", "--no-plot", "--out", run_dir])
        kde = _timed(["--from-run", run_dir, "--schedule", "log:300", "--estimator",
                      "kde-upper", "--estimator", "kde-lower", "--no-plot"])
    total = train_and_bin + kde
    click.echo(f"tishby2017 preset, one repeat, {length}: training + binning on every epoch "
               f"{train_and_bin:6.1f} s; KDE upper + lower on 300 log-spaced epochs {kde:6.1f} s;"
               f" total {total / 60:4.1f} min (target < 5 min; the IDNNs estimator: ~35 min "
               f"for 274 binned epochs)")


if __name__ == "__main__":
    main()
