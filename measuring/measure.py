"""Measuring a saved run: ``measure_run`` plans its epochs (or Batching windows), runs the
tasks and records the measurement in config.json; ``check_quantized`` refuses ``exact`` on a
network trained without quantized activations, ``check_measurable`` everything a run about
to be trained could not be measured with, before training.
"""

from __future__ import annotations

from pathlib import Path

from data.run_data import RunData, measured_samples
from information.estimators import Estimator
from measuring.plan import EpochPlanner, WindowPlanner
from measuring.runner import Report, Runner
from measuring.schedule import Schedule
from measuring.windows import Window
from networks.activations import check_sources
from networks.progress import Progress
from rundir import directory as run_directory
from rundir.checks import snapshot_dirs
from rundir.results import read_rows


def check_quantized(config: dict, estimators: list[Estimator], run: str) -> None:
    """Raise ValueError when an estimator that measures only quantized networks (``exact``)
    is asked of ``run`` (its name in the message), whose ``config`` trains without
    quantized activations."""
    needing = [e.name for e in estimators if e.needs_quantization]
    if needing and not config["training"].get("quantize"):
        raise ValueError(f"--estimator {needing[0]} counts the values of a network trained with "
                         f"quantized activations; {run} is not quantized (train it with "
                         "--quantize BITS, e.g. --quantize 8)")



def check_measurable(config: dict, estimators: list[Estimator], samples: str, data: RunData,
                     run: str) -> None:
    """Raise ValueError, before the run described by ``config`` (``run`` in the message; its
    loaded ``data``) is trained, when it could not be measured with ``estimators`` on
    ``samples``: ``exact`` without quantized activations, ``test`` samples of an empty test
    set. (A model file's network is checked for measuring when it is built,
    ``networks.keras_training.model_training``.)"""
    check_quantized(config, estimators, run)
    measured_samples(config, samples, data)


def measure_run(run_dir: Path, config: dict, estimators: list[Estimator], samples: str,
                jobs: int, record: dict, schedule: Schedule | None = None,
                windows: list[Window] | None = None, data: RunData | None = None) -> Report:
    """Measure the run's schedule-picked epochs (or, given ``windows``, its Batching windows).

    Rows go to information.csv; ``record`` (what was asked for) is added to config.json's
    ``measurements`` once every input is known to be good (config, snapshots, the networks
    they rebuild, samples, information.csv), before the first row is written, unless it
    repeats the last record (the same command resumed after a kill is one measurement).
    ``data`` is the run's dataset and split when already loaded. The caller holds the run's
    writers' lock (``rundir.lock``).
    """
    dirs = snapshot_dirs(run_dir, config)
    check_quantized(config, estimators, str(run_dir))
    check_sources(dirs.values())
    measured = measured_samples(config, samples, data, run_dir)
    table = run_dir / run_directory.INFORMATION
    read_rows(table)  # a damaged table is refused before the measurement is recorded
    recorded = config.setdefault("measurements", [])
    if not recorded or recorded[-1] != record:  # a resumed job is the same measurement
        recorded.append(record)
        run_directory.write_config(run_dir, config)
    unit = "layer-epoch" if windows is None else "layer-window"
    with Progress("measuring", unit) as progress:
        runner = Runner(dirs, estimators, measured, jobs, progress.advance)
        return runner.measure(table, EpochPlanner(schedule) if windows is None
                              else WindowPlanner(windows))
