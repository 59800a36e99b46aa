"""A synthetic run directory with closed-form curves, for the plotting tests and benchmark.

``write_synthetic_run`` writes config.json, metrics.csv and information.csv shaped like a real
run of Tishby's network: every layer first gains information about X and Y (fitting), then the
deeper layers lose information about X (compression). Nothing here is measured; the numbers
are formulas of (repeat, epoch, layer). The README's pictures come from real runs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from infonet.rundir.directory import CONFIG, INFORMATION, METRICS
from infonet.rundir.results import COLUMNS
from infonet.rundir.snapshots import METRICS_COLUMNS

H_X = 12.0
"""H(X) in bits of Tishby's 4096 equiprobable inputs."""
H_Y = float(-(p := 2118 / 4096) * np.log2(p) - (1 - p) * np.log2(1 - p))
"""H(Y) in bits of Tishby's labels (2118 ones among 4096)."""
ESTIMATORS = ("binning:bins=30,low=-1.0,high=1.0", "kde-upper:noise_variance=0.1")


def synthetic_information(repeat: int, epoch: int, depth: float, last_epoch: int,
                          estimator: int) -> tuple[float, float]:
    """I(X;T), I(Y;T) in bits of a layer at ``depth`` in [0, 1] (0 = first, 1 = output).

    With progress t = log(epoch + 1) / log(last_epoch + 1):
    I(Y;T) = H(Y) (1 - 0.08 depth - (0.4 + 0.5 depth) e^(-t/0.2)),
    I(X;T) = H(X) (1 - 0.6 depth) (0.8 + 0.2 (1 - e^(-t/0.15)) - 0.6 depth max(0, t - 0.45)),
    both times 1 - 0.02 repeat; estimator 1 scales I(X;T) by 0.9.
    """
    t = np.log1p(epoch) / np.log1p(last_epoch)
    spread = 1.0 - 0.02 * repeat
    i_yt = H_Y * (1.0 - 0.08 * depth - (0.4 + 0.5 * depth) * np.exp(-t / 0.2)) * spread
    fitting = 0.8 + 0.2 * (1.0 - np.exp(-t / 0.15))
    compression = 0.6 * depth * max(0.0, t - 0.45)
    i_xt = H_X * (1.0 - 0.6 * depth) * (fitting - compression) * spread
    return float(i_xt * (0.9 if estimator else 1.0)), float(i_yt)


def write_synthetic_run(
    directory: Path,
    repeats: int = 2,
    epochs: int = 20,
    units: Sequence[int] = (10, 7, 5, 4, 3, 2),
    estimators: Sequence[str] = ESTIMATORS,
    activation: str = "tanh",
    noise: float = 0.0,
) -> Path:
    """Write a run of ``repeats`` networks measured at epochs 0..``epochs``; returns it.

    The layers have ``units`` (the last is the softmax output); ``estimators`` name the
    measurements, the i-th taking the i-th formula of ``synthetic_information``, with
    Gaussian noise of standard deviation ``noise`` bits (seeded) added to every I(X;T).
    """
    rng = np.random.default_rng(0)
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "dataset": {"name": "tishby", "data_path": None, "train_fraction": 0.8,
                    "shuffle": True, "n_samples": 4096, "n_features": 12, "n_classes": 2},
        "training": {"activation": activation, "hidden": list(units[:-1]), "epochs": epochs,
                     "seed": 0},
        "repeats": repeats,
        "command": f"synthetic {directory}",
    }
    (directory / CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    with open(directory / METRICS, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(METRICS_COLUMNS)
        for repeat in range(repeats):
            for epoch in range(epochs + 1):
                decay = np.exp(-epoch / (0.3 * epochs))
                writer.writerow([repeat, epoch, 0.05 + 0.64 * decay, 1.0 - 0.5 * decay,
                                 0.1 + 0.6 * decay, 0.95 - 0.45 * decay])
    with open(directory / INFORMATION, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for e, estimator in enumerate(estimators):
            for repeat in range(repeats):
                for epoch in range(epochs + 1):
                    for layer, width in enumerate(units, start=1):
                        depth = (layer - 1) / max(len(units) - 1, 1)
                        i_xt, i_yt = synthetic_information(repeat, epoch, depth, epochs, e)
                        row = {"repeat": repeat, "epoch": epoch, "layer": layer,
                               "layer_name": "output" if layer == len(units)
                               else f"hidden_{layer}", "units": width,
                               "estimator": estimator, "i_xt": i_xt + noise * rng.normal(),
                               "i_yt": i_yt, "i_xt_se": 0.0, "i_yt_se": 0.0, "samples": "all",
                               "h_x": H_X, "h_y": H_Y, "epoch_last": epoch}
                        writer.writerow([row[c] for c in COLUMNS])
    return directory

