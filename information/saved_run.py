"""A saved run as the measuring side sees it: its samples and snapshot folders, from config.json,
and ``measure_run``, which measures it and records the measurement there.

The dataset is regenerated (or re-read) from its recorded name and path and split again with
the recorded seed, so a run directory never stores a copy of the data.
"""

from __future__ import annotations

from pathlib import Path

from information.estimators import Estimator
from information.plan import EpochPlanner, WindowPlanner
from information.progress import Progress
from information.runner import Report, Runner
from information.samples import Samples
from information.schedule import Schedule
from information.windows import Window
from networks import run_directory
from networks.datasets import load_dataset, sample_indices, split_indices


def measured_samples(config: dict, which: str) -> Samples:
    """The ``which`` ("all", "train" or "test") samples of the run described by ``config``."""
    data = config["dataset"]
    dataset = load_dataset(data["name"], data["data_path"])
    if len(dataset.y) != data["n_samples"]:
        raise ValueError(
            f"dataset {data['name']} now has {len(dataset.y)} samples but the run was trained "
            f"on {data['n_samples']}; the data file changed"
        )
    split = split_indices(len(dataset.y), data["train_fraction"], config["training"]["seed"],
                          shuffle=data["shuffle"])
    index = sample_indices(split, which)
    return Samples(dataset.X[index], dataset.y[index], which)


def snapshot_dirs(run_dir: Path, config: dict) -> dict[int, Path]:
    """Repeat number -> that repeat's snapshot folder; checks the config and the folders."""
    run_directory.check_config(config, run_dir)
    dirs = {r: run_directory.snapshot_dir(run_dir, r) for r in range(config["repeats"])}
    missing = [str(d) for d in dirs.values() if not d.is_dir()]
    if missing:
        raise FileNotFoundError(f"{run_dir} lacks snapshots: {', '.join(missing)}")
    return dirs


def measure_run(run_dir: Path, config: dict, estimators: list[Estimator], samples: str,
                jobs: int, record: dict, schedule: Schedule | None = None,
                windows: list[Window] | None = None) -> Report:
    """Measure the run's schedule-picked epochs (or, given ``windows``, its Batching windows).

    Rows go to information.csv; ``record`` (what was asked for) is added to config.json's
    ``measurements`` once the inputs are known to be good, before the first row is written.
    """
    dirs = snapshot_dirs(run_dir, config)
    measured = measured_samples(config, samples)
    config.setdefault("measurements", []).append(record)
    run_directory.write_config(run_dir, config)
    table = run_dir / run_directory.INFORMATION
    unit = "layer-epoch" if windows is None else "layer-window"
    with Progress("measuring", unit) as progress:
        runner = Runner(dirs, estimators, measured, jobs, progress.advance)
        return runner.measure(table, EpochPlanner(schedule) if windows is None
                              else WindowPlanner(windows))
