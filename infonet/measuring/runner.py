"""The parallel runner: measures the saved epochs of a run with joblib, streaming rows to disk.

Planning (which windows next) lives in ``measuring.plan``, estimation (what number) in the
estimator modules, storage in ``rundir.results``; this module cuts the plans into tasks,
runs them and records their rows. A job reads information.csv once, then plans, executes and
records round after round until a round leaves nothing to measure. Rows of a window planned
speculatively (looking ahead on spare workers) are held in memory, not recorded: they inform
the planner, and are recorded only if a later round plans their window for the record, so the
table does not depend on how many tasks ran at once. Rows binned on a run-wide range that
changed (a run extended since) are measured again and replace the stale ones when the job
ends. Tasks are sized to their
cost: one task measures a chunk of windows with the estimators whose cost is not pairwise
(binning), or one layer of one window with a pairwise one (KDE, cost N^2). Workers ask the
repeat's activation source (``networks.activations``) for the task's layers: the built-in
network's are recomputed from the weight snapshots with the NumPy forward pass, so its
workers never import TensorFlow; any other Keras model's with Keras, in sample blocks. They
run with one BLAS thread each (no oversubscription, and the same numbers on every backend).
Arrays over 1 MB reach loky workers memory-mapped (joblib's ``max_nbytes``), not pickled per
task. Results stream back as they finish
(``return_as="generator_unordered"``) and are appended at once; the table is sorted at the end.
A layer an estimator does not trust itself on (``Estimator.validity``) is measured all the same
and named once per job, estimator and layer in a ``ValidityWarning``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from threadpoolctl import threadpool_limits

from infonet.information.contract import Estimate, Estimator, ValidityWarning
from infonet.information.estimators import estimator_from_spec
from infonet.information.samples import Samples
from infonet.measuring.backend import check_jobs, in_worker
from infonet.measuring.plan import Planner, Repeat, WindowPlan
from infonet.measuring.windows import Window
from infonet.networks.activations import open_source
from infonet.rundir.results import Key, Row, TableWriter, layer_curves, row_key, write_sorted

MAX_EPOCHS_PER_TASK = 50


@dataclass(frozen=True)
class Task:
    """One worker's share of a job: ``layers`` (from 1) of each planned window of one repeat."""

    repeat: int
    snapshot_dir: Path
    plans: tuple[WindowPlan, ...]
    layers: tuple[int, ...]
    samples: Samples

    @property
    def rows(self) -> int:
        """How many rows the task measures."""
        return len(self.layers) * sum(len(plan.estimators) for plan in self.plans)


@dataclass
class Measured:
    """What a task gives back: its rows of information.csv, and (estimator name, layer name,
    reason) for each layer an estimator does not trust itself on (``Estimator.validity``)."""

    rows: list[Row]
    untrusted: set[tuple[str, str, str]]


def measure(task: Task) -> Measured:
    """Worker: the rows of information.csv that ``task`` measures, and the layers an estimator
    is outside its trusted range on.

    Activations are recomputed from the snapshots, each epoch once per task; an estimator that
    pools epochs sees the window's (b, N, d) stack, any other the (N, d) activations of the
    window's one epoch. Windows with non-finite activations (diverged training) give NaN rows,
    not estimates.
    """
    source = open_source(task.snapshot_dir)
    samples = task.samples
    cache: dict[int, dict[int, np.ndarray]] = {}
    rows = []
    untrusted: set[tuple[str, str, str]] = set()
    with threadpool_limits(limits=1):
        for plan in task.plans:
            first, last = plan.window
            for epoch in [e for e in cache if e < first]:
                del cache[epoch]
            for epoch in range(first, last + 1):
                if epoch not in cache:
                    cache[epoch] = source.activations(epoch, samples.X, task.layers)
            for layer in task.layers:
                stack = [cache[epoch][layer] for epoch in range(first, last + 1)]
                finite = all(np.isfinite(T).all() for T in stack)
                for estimator in plan.estimators:
                    T = np.stack(stack) if estimator.pools_epochs else stack[0]
                    estimate = (estimator.estimate(T, samples.ids, samples.y)
                                if finite else Estimate(*[np.nan] * 4))
                    reason = estimator.validity(T) if finite else None
                    if reason is not None:
                        untrusted.add((estimator.name, source.layer_names[layer - 1], reason))
                    rows.append({"repeat": task.repeat, "epoch": first, "layer": layer,
                                 "layer_name": source.layer_names[layer - 1],
                                 "units": stack[0].shape[1], "estimator": estimator.name,
                                 **{key: float(value)
                                    for key, value in estimate._asdict().items()},
                                 "samples": samples.name, "h_x": samples.h_x,
                                 "h_y": samples.h_y, "epoch_last": last})
    return Measured(rows, untrusted)


def activation_range(
    snapshot_dir: Path, epochs: Sequence[int], X: np.ndarray
) -> tuple[float, float]:
    """Worker: the min and max finite activation over every layer of ``epochs``."""
    source = open_source(snapshot_dir)
    layers = range(1, len(source.layer_names) + 1)
    low, high = np.inf, -np.inf
    for epoch in epochs:
        for T in source.activations(epoch, X, layers).values():
            finite = T[np.isfinite(T)]
            if finite.size:
                low, high = min(low, float(finite.min())), max(high, float(finite.max()))
    return low, high


@dataclass
class Report:
    """What a measuring job leaves: rows written now, and (repeat, epoch) pairs that diverged."""

    rows_written: int = 0
    non_finite: set[tuple[int, int]] = field(default_factory=set)

    def diverged(self) -> str:
        """One line naming the repeats and epochs whose activations were not finite."""
        by_repeat: dict[int, list[int]] = {}
        for repeat, epoch in sorted(self.non_finite):
            by_repeat.setdefault(repeat, []).append(epoch)
        parts = [f"repeat {r}: {len(e)} epochs from epoch {e[0]}" for r, e in by_repeat.items()]
        return ("training diverged: activations are NaN or inf in " + "; ".join(parts)
                + " (recorded as nan in information.csv, not measured)")


@dataclass
class Ledger:
    """What one job knows is measured: every row of the table (read once, then appended),
    their keys, rows measured speculatively and not recorded (``held``), and per repeat the
    rows, recorded or held, of the estimator that drives adaptive schedules."""

    driver: tuple[str, str]
    rows: list[Row] = field(default_factory=list)
    done: set[Key] = field(default_factory=set)
    held: dict[Key, Row] = field(default_factory=dict)
    driver_rows: dict[int, dict[Key, Row]] = field(default_factory=dict)

    def add(self, rows: list[Row]) -> None:
        """Note ``rows`` as measured and recorded."""
        for row in rows:
            self.rows.append(row)
            self.done.add(row_key(row))
            self._note_driver(row)

    def hold(self, rows: list[Row]) -> None:
        """Keep ``rows`` (measured speculatively) without recording them."""
        for row in rows:
            key = row_key(row)
            if key not in self.done:
                self.held[key] = row
                self._note_driver(row)

    def release(self, slots: set[tuple[int, Window, str]]) -> list[Row]:
        """The held rows of ``slots`` ((repeat, window, estimator name)), no longer held."""
        keys = [key for key, row in self.held.items() if _slot(row) in slots]
        return [self.held.pop(key) for key in keys]

    def missing(self, repeat: int, window: tuple[int, int], layer: int,
                estimator: Estimator, samples: str) -> bool:
        """Whether ``estimator``'s row of that layer and window is neither recorded nor held."""
        key = (repeat, window[0], layer, estimator.name, samples)
        return key not in self.done and key not in self.held

    def _note_driver(self, row: Row) -> None:
        if (row["estimator"], row["samples"]) == self.driver:
            self.driver_rows.setdefault(int(row["repeat"]), {})[row_key(row)] = row


def _warn_untrusted(untrusted: set[tuple[str, str, str]], warned: set[tuple[str, str]]) -> None:
    """One ``ValidityWarning`` per (estimator, layer) not in ``warned`` (added to it), with the
    first of its reasons: the estimate is written all the same."""
    for name, layer, reason in sorted(untrusted):
        if (name, layer) not in warned:
            warned.add((name, layer))
            warnings.warn(f"{name} on layer {layer} is outside its trusted range: {reason} "
                          "(the estimate is written; docs/estimators.md)", ValidityWarning,
                          stacklevel=2)


def _window_of(row: Row) -> tuple[int, Window]:
    """(repeat, window) of a row."""
    return int(row["repeat"]), (int(row["epoch"]), int(row["epoch_last"]))


def _slot(row: Row) -> tuple[int, Window, str]:
    """(repeat, window, estimator name) of a row."""
    return (*_window_of(row), str(row["estimator"]))


@dataclass
class Runner:
    """Measures the repeats of one run with several estimators, as a planner directs.

    ``snapshot_dirs`` maps each repeat to its snapshot folder; the first estimator drives
    adaptive schedules. ``measure(table, planner)`` plans (the planner's windows, minus what
    the table holds, cut into tasks), executes (the tasks in parallel) and records (each task's
    rows appended as it finishes) until a round leaves nothing to measure.
    ``progress(done, planned)`` hears of planned and finished rows.
    """

    snapshot_dirs: dict[int, Path]
    estimators: Sequence[Estimator]
    samples: Samples
    jobs: int = -1
    progress: Callable[[int, int], None] = lambda done, planned: None

    def __post_init__(self) -> None:
        check_jobs(self.jobs)

    @property
    def workers(self) -> int:
        """How many tasks run at once on the active joblib backend (local or dask)."""
        return effective_n_jobs(self.jobs)

    def measure(self, table: Path, planner: Planner,
                ranges: Mapping[int, tuple[float, float]] | None = None,
                replace: Collection[int] = ()) -> Report:
        """Measure what ``planner`` plans into ``table``; rows already there are not redone.

        ``ranges``: each repeat's run-wide activation range, for the estimators that need one
        (``run_ranges``, found here when None). ``replace``: repeats whose range changed since
        their rows were binned. Their rows of these samples whose estimator needs a run-wide
        range are stale: each is measured again on ``ranges``, and no such row is appended
        while the job runs; the new rows replace the stale ones when the job ends, in the one
        atomic rewrite of the table (a killed job leaves the stale rows, and is resumed to
        the same replacement).
        """
        report = Report()
        ranges = self.run_ranges() if ranges is None else ranges
        ledger = Ledger((self.estimators[0].name, self.samples.name))
        stale = _Stale(self.samples.name, frozenset(replace))
        warned: set[tuple[str, str]] = set()
        with TableWriter(table) as writer, Parallel(
            n_jobs=self.jobs, return_as="generator_unordered"
        ) as parallel:
            ledger.add([row for row in writer.rows if not stale(row)])
            redo = _windows_of([row for row in writer.rows if stale(row)], ranges)
            repeats = self._repeats(ranges)
            while True:
                measured = {repeat.number: layer_curves(
                    ledger.driver_rows.get(repeat.number, {}).values(), repeat.n_layers)
                    for repeat in repeats}
                plans = planner.plan(repeats, measured, self.samples, self.workers)
                recorded = {(number, plan.window, e.name) for number, windows in plans.items()
                            for plan in windows if not plan.speculative
                            for e in plan.estimators}
                recorded |= {(number, window, e.name) for number, windows in redo.items()
                             for window, estimators in windows.items() for e in estimators}
                report.rows_written += self._record(ledger.release(recorded), ledger, writer,
                                                    stale)
                tasks = [task for repeat in repeats for task in self._tasks(
                    repeat, _joined(plans.get(repeat.number, []), redo.get(repeat.number, {})),
                    ledger)]
                if not tasks:
                    break
                self.progress(0, sum(task.rows for task in tasks))
                for measured in parallel(delayed(in_worker)(os.getpid(), measure, task)
                                         for task in tasks):
                    rows = measured.rows
                    _warn_untrusted(measured.untrusted, warned)
                    ledger.hold([row for row in rows if _slot(row) not in recorded])
                    report.rows_written += self._record(
                        [row for row in rows if _slot(row) in recorded], ledger, writer, stale)
                    self.progress(len(rows), 0)
        write_sorted(table, ledger.rows)
        report.non_finite = {(int(row["repeat"]), int(row["epoch"])) for row in ledger.rows
                             if np.isnan(row["i_xt"])}
        return report

    def run_ranges(self) -> dict[int, tuple[float, float]]:
        """Repeat number -> its run-wide activation range (low, high); {} when no estimator
        needs one.

        The range is the min and max finite activation over every layer and every saved epoch
        of that repeat, on the measured samples, found by one parallel pass over its
        snapshots. ValueError when a repeat has no finite activation at all.
        """
        if not any(e.needs_run_range for e in self.estimators):
            return {}
        ranges = {}
        with Parallel(n_jobs=self.jobs) as parallel:
            for number, directory in self.snapshot_dirs.items():
                epochs = list(range(open_source(directory).n_epochs))
                size = max(1, len(epochs) // (4 * self.workers))
                parts = parallel(delayed(in_worker)(os.getpid(), activation_range, directory,
                                                    part, self.samples.X)
                                 for part in _chunks(epochs, size))
                low, high = min(p[0] for p in parts), max(p[1] for p in parts)
                if not low <= high:
                    raise ValueError(f"repeat {number} has no finite activation to take a "
                                     "run-wide range from (training diverged)")
                ranges[number] = (low, high)
        return ranges

    def _repeats(self, ranges: Mapping[int, tuple[float, float]]) -> list[Repeat]:
        """Each repeat with its estimators, its run-wide range supplied to those needing it."""
        repeats = []
        for number, directory in self.snapshot_dirs.items():
            source = open_source(directory)
            estimators = tuple(e.with_run_range(*ranges[number]) if e.needs_run_range else e
                               for e in self.estimators)
            repeats.append(Repeat(number, directory, len(source.layer_names),
                                  source.n_epochs - 1,
                                  estimators))
        return repeats

    def _tasks(self, repeat: Repeat, plans: Sequence[WindowPlan], ledger: Ledger) -> list[Task]:
        """The tasks of ``repeat``'s planned windows whose rows are neither in the table nor
        held.

        Estimators whose cost is not pairwise measure every layer of a chunk of windows per
        task; a pairwise one measures one layer of one window per task.
        """
        layers = tuple(range(1, repeat.n_layers + 1))

        def missing(window: WindowPlan, estimator: Estimator, layer: int) -> bool:
            return ledger.missing(repeat.number, window.window, layer, estimator,
                                  self.samples.name)

        def task(windows: Sequence[WindowPlan], task_layers: tuple[int, ...]) -> Task:
            return Task(repeat.number, repeat.snapshot_dir, tuple(windows), task_layers,
                        self.samples)

        cheap = [WindowPlan(p.window, tuple(e for e in p.estimators if not e.pairwise))
                 for p in plans]
        pending = [p for p in cheap
                   if any(missing(p, e, layer) for e in p.estimators for layer in layers)]
        longest = max((last - first + 1 for first, last in (p.window for p in plans)), default=1)
        size = max(1, min(MAX_EPOCHS_PER_TASK // longest, len(pending) // (4 * self.workers)))
        tasks = [task(part, layers) for part in _chunks(pending, size)]
        tasks += [task([WindowPlan(p.window, (e,))], (layer,))
                  for p in plans for e in p.estimators if e.pairwise
                  for layer in layers if missing(p, e, layer)]
        return tasks

    def _record(self, rows: list[Row], ledger: Ledger, writer: TableWriter,
                stale: _Stale) -> int:
        """Record the rows the table lacks, appending those that replace no stale row; how
        many."""
        new = [row for row in rows if row_key(row) not in ledger.done]
        writer.write([row for row in new if not stale(row)])
        ledger.add(new)
        return len(new)


@dataclass(frozen=True)
class _Stale:
    """Whether a row is binned on the old run-wide range of a repeat in ``repeats``: a row on
    ``samples`` whose estimator (plain or under Batching) needs a run-wide range."""

    samples: str
    repeats: frozenset[int]
    needs_range: dict[str, bool] = field(default_factory=dict, compare=False)
    """estimator name -> whether it needs a run-wide range, for the names seen so far."""

    def __call__(self, row: Row) -> bool:
        if int(row["repeat"]) not in self.repeats or row["samples"] != self.samples:
            return False
        name = str(row["estimator"])
        if name not in self.needs_range:
            self.needs_range[name] = estimator_from_spec(name).needs_run_range
        return self.needs_range[name]


def _windows_of(rows: list[Row], ranges: Mapping[int, tuple[float, float]]
                ) -> dict[int, dict[Window, tuple[Estimator, ...]]]:
    """Repeat -> window -> the estimators of ``rows`` there, each on its repeat's range."""
    windows: dict[int, dict[Window, dict[str, Estimator]]] = {}
    for row in rows:
        repeat, window = _window_of(row)
        name = str(row["estimator"])
        named = windows.setdefault(repeat, {}).setdefault(window, {})
        if name not in named:
            named[name] = estimator_from_spec(name).with_run_range(*ranges[repeat])
    return {repeat: {window: tuple(named.values()) for window, named in by_window.items()}
            for repeat, by_window in windows.items()}


def _joined(plans: list[WindowPlan], redo: Mapping[Window, tuple[Estimator, ...]]
            ) -> list[WindowPlan]:
    """``plans``, and the windows and estimators of the stale rows in ``redo`` that they do
    not plan for the record."""
    planned = {(plan.window, e.name) for plan in plans if not plan.speculative
               for e in plan.estimators}
    extra = [WindowPlan(window, tuple(e for e in estimators if (window, e.name) not in planned))
             for window, estimators in redo.items()]
    return [*plans, *(plan for plan in extra if plan.estimators)]


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
