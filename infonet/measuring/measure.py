"""Measuring a saved run: ``measure_run`` plans its epochs (or Batching windows), runs the
tasks and records the measurement in config.json; ``measure_requests`` measures each thing a
run is asked to measure (config.json's ``measure``); ``check_quantized`` refuses ``exact`` on
a network trained without quantized activations, ``check_measurable`` everything a run about
to be trained could not be measured with, before training.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from infonet.data.run_data import RunData, measured_samples
from infonet.information.estimators import Estimator, estimator_from_spec
from infonet.measuring.plan import EpochPlanner, WindowPlanner
from infonet.measuring.runner import Report, Runner
from infonet.measuring.schedule import Schedule, schedule_from_spec
from infonet.measuring.windows import Window
from infonet.networks.activations import check_sources
from infonet.networks.progress import Progress
from infonet.rundir import directory as run_directory
from infonet.rundir.checks import snapshot_dirs
from infonet.rundir.config import Measure, RunConfig
from infonet.rundir.results import Row, check_rewritable, read_rows


def check_quantized(config: RunConfig, estimators: list[Estimator], run: str) -> None:
    """Raise ValueError when an estimator that measures only quantized networks (``exact``)
    is asked of ``run`` (its name in the message), whose ``config`` trains without
    quantized activations."""
    needing = [e.name for e in estimators if e.needs_quantization]
    if needing and not config.quantize:
        raise ValueError(f"--estimator {needing[0]} counts the values of a network trained with "
                         f"quantized activations; {run} is not quantized (train it with "
                         "--quantize BITS, e.g. --quantize 8)")


def check_measurable(config: RunConfig, estimators: list[Estimator], samples: str,
                     data: RunData, run: str) -> None:
    """Raise ValueError, before the run described by ``config`` (``run`` in the message; its
    loaded ``data``) is trained, when it could not be measured with ``estimators`` on
    ``samples``: ``exact`` without quantized activations, ``test`` samples of an empty test
    set. (A model file's network is checked for measuring when it is built,
    ``networks.keras_training.model_training``.)"""
    check_quantized(config, estimators, run)
    measured_samples(config, samples, data)


def measure_run(run_dir: Path, estimators: list[Estimator], samples: str, jobs: int,
                record: dict, schedule: Schedule | None = None,
                windows: list[Window] | None = None, data: RunData | None = None) -> Report:
    """Measure the run's schedule-picked epochs (or, given ``windows``, its Batching windows).

    The run is as its config.json says now (read here, so that measurements made one after
    another each see the record of the one before).

    Rows go to information.csv; ``record`` (what was asked for) is added to config.json's
    ``measurements`` once every input is known to be good (config, snapshots, the networks
    they rebuild, samples, information.csv, the run-wide ranges), before the first row is
    written, unless it repeats the last record (the same command resumed after a kill is one
    measurement). ``data`` is the run's dataset and split when already loaded. The caller
    holds the run's writers' lock (``rundir.lock``).

    When an estimator bins on the run-wide range, each repeat's range is found first and kept
    in config.json's ``run_ranges`` (samples -> repeat -> [low, high]): every row binned on a
    run-wide range, of any estimator, is binned on the range recorded there. A repeat whose
    range changed since its rows were binned (the run was extended) has them measured again:
    the table is rewritten with the new rows, then the new range is recorded.
    """
    config = run_directory.read_config(run_dir)
    dirs = snapshot_dirs(run_dir, config)
    check_quantized(config, estimators, str(run_dir))
    check_sources(dirs.values())
    measured = measured_samples(config, samples, data, run_dir)
    table = run_dir / run_directory.INFORMATION
    existed = table.exists()
    rows = read_rows(table)  # a damaged table is refused before the measurement is recorded
    check_rewritable(table)
    unit = "layer-epoch" if windows is None else "layer-window"
    with Progress("measuring", unit) as progress:
        runner = Runner(dirs, estimators, measured, jobs, progress.advance)
        ranges = runner.run_ranges()
        replace = changed_ranges(config, rows, samples, ranges)
        recorded = config.with_measurement(record).with_run_ranges(
            samples, {r: ranges[r] for r in ranges if r not in replace})
        if recorded is not config:  # a resumed job is the same measurement
            run_directory.write_config(run_dir, recorded)
        try:
            report = runner.measure(table, EpochPlanner(schedule) if windows is None
                                    else WindowPlanner(windows), ranges, replace)
        except BaseException:
            if recorded is not config:
                _forget_if_nothing_written(run_dir, config, len(rows), existed)
            raise
        learned = recorded.with_run_ranges(samples, {r: ranges[r] for r in replace})
        if learned is not recorded:
            run_directory.write_config(run_dir, learned)
        return report


def _forget_if_nothing_written(run_dir: Path, config: RunConfig, rows_before: int,
                               existed: bool) -> None:
    """A measurement that failed before its first row leaves no trace: config.json as it
    was (the record taken back) and no information.csv where there was none."""
    table = run_dir / run_directory.INFORMATION
    try:
        if len(read_rows(table)) > rows_before:
            return  # its rows are measurements: the record stays with them
    except ValueError:
        return
    run_directory.write_config(run_dir, config)
    if not existed and table.is_file() and not table.is_symlink():
        table.unlink()


def changed_ranges(config: RunConfig, rows: list[Row], samples: str,
                   ranges: Mapping[int, tuple[float, float]]) -> set[int]:
    """The repeats of ``ranges`` whose rows on ``samples`` binned on a run-wide range were
    binned on another range than the one found now: config.json's ``run_ranges`` records a
    different one, or none (a table measured before ranges were recorded)."""
    names = {str(row["estimator"]) for row in rows if row["samples"] == samples}
    ranged = {name for name in names if estimator_from_spec(name).needs_run_range}
    binned = {int(row["repeat"]) for row in rows
              if row["samples"] == samples and row["estimator"] in ranged}
    return {r for r in binned & set(ranges)
            if config.run_range(samples, r) != tuple(ranges[r])}


def measure_requests(run_dir: Path, measures: Sequence[Measure], jobs: int,
                     preset: str | None = None, data: RunData | None = None) -> Report:
    """Measure each of ``measures`` in turn (``measure_run``; rows already in
    information.csv are skipped), each recorded in config.json's ``measurements`` with
    ``preset``. Returns the rows written by all of them and every non-finite epoch."""
    total = Report()
    for measure in measures:
        estimators = [estimator_from_spec(spec) for spec in measure.estimators]
        record = {"estimators": list(measure.estimators), "schedule": measure.schedule,
                  "samples": measure.samples, "preset": preset}
        report = measure_run(run_dir, estimators, measure.samples, jobs, record,
                             schedule=schedule_from_spec(measure.schedule), data=data)
        total.rows_written += report.rows_written
        total.non_finite |= report.non_finite
    return total
