"""A saved run as the measuring side sees it: its samples and snapshot folders, from config.json,
each checked against the others, and ``measure_run``, which measures it and records the
measurement there, with the run-wide activation ranges its rows are binned on.

The dataset is regenerated (or re-read) from its recorded name and path and split again with
the recorded seed, so a run directory never stores a copy of the data; a command that has just
trained the run hands its already loaded and split data in instead (``RunData``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from information.estimators import Estimator, estimator_from_spec
from information.plan import EpochPlanner, WindowPlanner
from information.progress import Progress
from information.results import Row, read_rows
from information.runner import Report, Runner
from information.samples import Samples
from information.schedule import Schedule
from information.windows import Window
from networks import run_directory
from networks.datasets import Dataset, Split, load_dataset, sample_indices, split_indices
from networks.group_state import saved_epoch
from networks.run_config import brief
from networks.snapshots import LAYOUT, Layout, ModelLayout, check_snapshots, read_layout


class RunData(NamedTuple):
    """The dataset a run was trained on, and its train/test split."""

    dataset: Dataset
    split: Split


def run_data(config: dict, run_dir: Path | None = None) -> RunData:
    """Load the run's dataset and split it as the run did; ValueError if the data changed.

    A run recorded by ``RunRecorder`` (dataset name ``recorded``) keeps its samples in the run
    directory ``run_dir`` (``data_path`` is relative to it); its seed may be null (no shuffle).
    """
    data = config["dataset"]
    if data["name"] == run_directory.RECORDED:
        if run_dir is None:
            raise ValueError("a recorded run's samples are read from its run directory")
        dataset = load_dataset(str(run_dir / data["data_path"]))
    else:
        dataset = load_dataset(data["name"], data["data_path"])
    recorded = {key: data[key] for key in ("n_samples", "n_features", "n_classes") if key in data}
    found = {"n_samples": len(dataset.y), "n_features": dataset.X.shape[1],
             "n_classes": dataset.n_classes}
    changed = [f"{key} {found[key]} (the run has {value})" for key, value in recorded.items()
               if found[key] != value]
    if changed:
        raise ValueError(f"dataset {data['name']} now has {brief(changed)}: the data file "
                         "changed since the run was trained")
    split = split_indices(len(dataset.y), data["train_fraction"],
                          config["training"]["seed"] or 0, shuffle=data["shuffle"])
    return RunData(dataset, split)


def measured_samples(config: dict, which: str, data: RunData | None = None,
                     run_dir: Path | None = None) -> Samples:
    """The ``which`` ("all", "train" or "test") samples of the run described by ``config``
    (in ``run_dir``), from ``data`` when given (else loaded)."""
    dataset, split = data if data is not None else run_data(config, run_dir)
    index = sample_indices(split, which)
    return Samples(dataset.X[index], dataset.y[index], which)


def expected_layout(config: dict, stored: Layout | ModelLayout) -> Layout | ModelLayout:
    """The layout config.json describes; input width and classes from ``stored`` where the
    config does not record them. A Keras model's layout must measure the config's layers."""
    data, training = config["dataset"], config["training"]
    if "model" in training:
        weights, architecture = ((stored.weights, stored.architecture)
                                 if isinstance(stored, ModelLayout) else ((), "{}"))
        return ModelLayout(weights, tuple(training["layers"]), architecture)
    return Layout((data.get("n_features", stored.sizes[0]), *training["hidden"],
                   data.get("n_classes", stored.sizes[-1])), training["activation"],
                  training.get("quantize") or 0)


def check_repeat(run_dir: Path, config: dict, repeat: int) -> int:
    """The last completed epoch of ``repeat`` (-1: none saved), its snapshot files and its
    group's training state checked against each other and against ``config``; ValueError
    naming the file that disagrees."""
    directory = run_directory.snapshot_dir(run_dir, repeat)
    stored = read_layout(directory) if (directory / LAYOUT).is_file() else None
    expected = expected_layout(config, stored) if stored else None
    return check_snapshots(directory, expected, config["training"]["epochs"],
                           lambda: saved_epoch(run_dir, repeat))


def snapshot_dirs(run_dir: Path, config: dict) -> dict[int, Path]:
    """Repeat number -> that repeat's snapshot folder; checks the config and the folders."""
    run_directory.check_config(config, run_dir)
    dirs = {r: run_directory.snapshot_dir(run_dir, r) for r in range(config["repeats"])}
    missing = [str(d) for d in dirs.values() if not d.is_dir()]
    if missing:
        raise FileNotFoundError(f"{run_dir} lacks snapshots: {brief(missing)}")
    for repeat in dirs:
        check_repeat(run_dir, config, repeat)
    return dirs


def check_quantized(config: dict, estimators: list[Estimator], run: str) -> None:
    """Raise ValueError when an estimator that measures only quantized networks (``exact``)
    is asked of ``run`` (its name in the message), whose ``config`` trains without
    quantized activations."""
    needing = [e.name for e in estimators if e.needs_quantization]
    if needing and not config["training"].get("quantize"):
        raise ValueError(f"--estimator {needing[0]} counts the values of a network trained with "
                         f"quantized activations; {run} is not quantized (train it with "
                         "--quantize BITS, e.g. --quantize 8)")


def measure_run(run_dir: Path, config: dict, estimators: list[Estimator], samples: str,
                jobs: int, record: dict, schedule: Schedule | None = None,
                windows: list[Window] | None = None, data: RunData | None = None) -> Report:
    """Measure the run's schedule-picked epochs (or, given ``windows``, its Batching windows).

    Rows go to information.csv; ``record`` (what was asked for) is added to config.json's
    ``measurements`` once every input is known to be good (config, snapshots, samples,
    information.csv, the run-wide ranges), before the first row is written, unless it repeats
    the last record (the same command resumed after a kill is one measurement). ``data`` is
    the run's dataset and split when already loaded. The caller holds the run's writers' lock
    (``networks.lock``).

    When an estimator bins on the run-wide range, each repeat's range is found first and kept
    in config.json's ``run_ranges`` (samples -> repeat -> [low, high]): every row binned on a
    run-wide range, of any estimator, is binned on the range recorded there. A repeat whose
    range changed since its rows were binned (the run was extended) has them measured again:
    the table is rewritten with the new rows, then the new range is recorded.
    """
    dirs = snapshot_dirs(run_dir, config)
    check_quantized(config, estimators, str(run_dir))
    measured = measured_samples(config, samples, data, run_dir)
    table = run_dir / run_directory.INFORMATION
    rows = read_rows(table)  # a damaged table is refused before the measurement is recorded
    unit = "layer-epoch" if windows is None else "layer-window"
    with Progress("measuring", unit) as progress:
        runner = Runner(dirs, estimators, measured, jobs, progress.advance)
        ranges = runner.run_ranges()
        replace = changed_ranges(config, rows, samples, ranges)
        recorded = config.setdefault("measurements", [])
        new_record = not recorded or recorded[-1] != record  # a resumed job is one measurement
        if new_record:
            recorded.append(record)
        learned = learn_ranges(config, samples, {r: ranges[r] for r in ranges if r not in replace})
        if new_record or learned:
            run_directory.write_config(run_dir, config)
        report = runner.measure(table, EpochPlanner(schedule) if windows is None
                                else WindowPlanner(windows), ranges, replace)
        if learn_ranges(config, samples, {r: ranges[r] for r in replace}):
            run_directory.write_config(run_dir, config)
        return report


def changed_ranges(config: dict, rows: list[Row], samples: str,
                   ranges: Mapping[int, tuple[float, float]]) -> set[int]:
    """The repeats of ``ranges`` whose rows on ``samples`` binned on a run-wide range were
    binned on another range than the one found now: config.json's ``run_ranges`` records a
    different one, or none (a table measured before ranges were recorded)."""
    names = {str(row["estimator"]) for row in rows if row["samples"] == samples}
    ranged = {name for name in names if estimator_from_spec(name).needs_run_range}
    binned = {int(row["repeat"]) for row in rows
              if row["samples"] == samples and row["estimator"] in ranged}
    known = config.get("run_ranges", {}).get(samples, {})
    return {r for r in binned & set(ranges) if known.get(str(r)) != list(ranges[r])}


def learn_ranges(config: dict, samples: str,
                 ranges: Mapping[int, tuple[float, float]]) -> bool:
    """Record ``ranges`` (repeat -> (low, high)) as those of ``samples`` in ``config``'s
    ``run_ranges``; whether that changed it."""
    known = config.setdefault("run_ranges", {}).setdefault(samples, {}) if ranges else {}
    changed = {str(r): [low, high] for r, (low, high) in ranges.items()
               if known.get(str(r)) != [low, high]}
    known.update(changed)
    return bool(changed)
