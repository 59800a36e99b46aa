"""Benchmark the runner on a real default run: parallel KDE, and what delta-exact saves.

    python -m benchmarks.bench_runner [--epochs 2000]

Trains the default network (Tishby's set, tanh 10-7-5-4-3) once, then prints:
- KDE (upper bound) over ~100 layer-epochs with --jobs 2 beside --jobs 1 (target: >= 1.7x);
- binning with delta-exact:0.05 beside every epoch: epochs measured (target: >= 5x fewer) and
  the largest normalised distance between the every-epoch curve and delta-exact's linear
  interpolation (target: within delta).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np

from infonet.data.run_data import measured_samples
from infonet.information import BinningEstimator, KDEEstimator
from infonet.measuring.plan import EpochPlanner
from infonet.measuring.runner import Runner
from infonet.measuring.schedule import epoch_distance, interpolate_curve, schedule_from_spec
from infonet.rundir.checks import snapshot_dirs
from infonet.rundir.directory import read_config
from infonet.rundir.results import layer_curves, read_rows

ROOT = Path(__file__).resolve().parents[1]


def _timed_run(run_dir: Path, config: dict, estimator, schedule: str, jobs: int,
               table: Path) -> float:
    samples = measured_samples(config, "all")
    runner = Runner(snapshot_dirs(run_dir, config), [estimator], samples, jobs)
    start = time.perf_counter()
    runner.measure(table, EpochPlanner(schedule_from_spec(schedule)))
    return time.perf_counter() - start


@click.command()
@click.option("--epochs", default=2000, show_default=True, help="Training epochs of the run.")
@click.option("--delta", default=0.05, show_default=True)
def main(epochs: int, delta: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        subprocess.run([sys.executable, str(ROOT / "main_data.py"), "--epochs", str(epochs),
                        "--no-measure", "--no-plot", "--out", str(run_dir)], check=True,
                       cwd=ROOT, stderr=subprocess.DEVNULL)
        config = read_config(run_dir)
        n_layers = len(config.training["hidden"]) + 1

        kde = KDEEstimator(noise_variance=0.1, bound="upper")
        n_epochs = -(-100 // n_layers)
        schedule = f"log:{n_epochs}"
        _timed_run(run_dir, config, kde, "log:2", 2, Path(tmp) / "warm.csv")  # start the pool
        one = _timed_run(run_dir, config, kde, schedule, 1, Path(tmp) / "kde1.csv")
        two = _timed_run(run_dir, config, kde, schedule, 2, Path(tmp) / "kde2.csv")
        print(f"kde-upper, {n_epochs * n_layers} layer-epochs (N=4096):  --jobs 2 {two:6.2f} s"
              f"   --jobs 1 {one:6.2f} s   speed-up {one / two:4.2f}x  (target >= 1.7x)")

        binning = BinningEstimator()
        every_t = _timed_run(run_dir, config, binning, "every:1", -1, Path(tmp) / "every.csv")
        delta_t = _timed_run(run_dir, config, binning, f"delta-exact:{delta}", -1,
                             Path(tmp) / "delta.csv")
        every = layer_curves(read_rows(Path(tmp) / "every.csv"), n_layers)
        adaptive = layer_curves(read_rows(Path(tmp) / "delta.csv"), n_layers)
        epochs_all = sorted(every)
        truth = np.stack([every[e] for e in epochs_all])
        approx = interpolate_curve(adaptive, epochs_all)
        samples = measured_samples(config, "all")
        gap = float(np.max(epoch_distance(truth, approx, samples.h_x, samples.h_y)))
        print(f"binning, {len(epochs_all)} saved epochs:  delta-exact:{delta} measured "
              f"{len(adaptive)} epochs in {delta_t:.2f} s   every epoch {len(every)} in "
              f"{every_t:.2f} s   {len(every) / len(adaptive):.1f}x fewer (target >= 5x)")
        print(f"largest normalised distance of the interpolated curve from every-epoch: "
              f"{gap:.4f} (target <= {delta})")


if __name__ == "__main__":
    main()
