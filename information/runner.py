"""The parallel runner: measures the saved epochs of a run with joblib, streaming rows to disk.

Scheduling (which epochs) lives in ``information.schedule``, estimation (what number) in the
estimator modules, storage in ``information.results``; this module decides only where the work
runs and in what pieces. Tasks are sized to their cost: one task measures a chunk of epochs with
the cheap estimators (binning), or one layer-epoch with an expensive one (KDE). Workers
recompute activations from the weight snapshots with the NumPy forward pass, so they never
import TensorFlow, and they run with one BLAS thread each (no oversubscription, and the same
numbers on every backend). Arrays over 1 MB reach loky workers memory-mapped (joblib's
``max_nbytes``), not pickled per task. Results stream back as they finish
(``return_as="generator_unordered"``) and are appended at once; the table is sorted at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from threadpoolctl import threadpool_limits

from information.backend import check_jobs
from information.batching import BatchingEstimator
from information.contract import Estimator
from information.results import (
    Key,
    Row,
    TableWriter,
    layer_curves,
    read_rows,
    row_key,
    sort_table,
)
from information.samples import Samples
from information.schedule import FixedSchedule, Schedule
from information.windows import Window
from networks.forward import layer_activations
from networks.snapshots import SnapshotReader

MeasuredRow = tuple[int, int, int, int, str, float, float]
"""(first epoch, last epoch, layer, units, estimator name, I(X;T), I(Y;T)); bits."""

MAX_EPOCHS_PER_TASK = 50


def measure_windows(
    snapshot_dir: Path,
    windows: Sequence[Window],
    layers: Sequence[int] | None,
    estimators: Sequence[Estimator],
    samples: Samples,
    batching: bool = False,
) -> list[MeasuredRow]:
    """Worker task: measure ``layers`` (from 1; None = all) of each window with ``estimators``.

    A window is an inclusive epoch range (first, last). Without ``batching`` each window is one
    epoch (e, e) and the estimators see its (N, d)
    activations. With ``batching`` each estimator is wrapped in a BatchingEstimator that pools
    the window's (b, N, d) activations. Windows with non-finite activations (diverged
    training) give NaN rows, not estimates.
    """
    reader = SnapshotReader(snapshot_dir)
    cache: dict[int, list[np.ndarray]] = {}
    out = []
    with threadpool_limits(limits=1):
        for first, last in windows:
            for epoch in [e for e in cache if e < first]:
                del cache[epoch]
            for epoch in range(first, last + 1):
                if epoch not in cache:
                    cache[epoch] = layer_activations(reader.params(epoch), samples.X,
                                                     reader.activation)
            per_epoch = [cache[e] for e in range(first, last + 1)]
            for layer in range(1, len(per_epoch[0]) + 1) if layers is None else layers:
                stack = [activations[layer - 1] for activations in per_epoch]
                finite = all(np.isfinite(T).all() for T in stack)
                for estimator in estimators:
                    if batching:
                        estimator = pooled(estimator, (first, last))
                    T = np.stack(stack) if batching else stack[0]
                    i_xt, i_yt = (
                        estimator.mutual_information(T, samples.ids, samples.y)
                        if finite
                        else (np.nan, np.nan)
                    )
                    out.append((first, last, layer, stack[0].shape[1], estimator.name,
                                float(i_xt), float(i_yt)))
    return out


def pooled(estimator: Estimator, window: Window) -> BatchingEstimator:
    """``estimator`` under Batching over the epochs of ``window``."""
    return BatchingEstimator(estimator, window=window[1] - window[0] + 1)


def activation_range(
    snapshot_dir: Path, epochs: Sequence[int], X: np.ndarray
) -> tuple[float, float]:
    """Worker task: the min and max finite activation over every layer of ``epochs``."""
    reader = SnapshotReader(snapshot_dir)
    low, high = np.inf, -np.inf
    for epoch in epochs:
        for T in layer_activations(reader.params(epoch), X, reader.activation):
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
class Runner:
    """Measures the repeats of one run with several estimators.

    ``snapshot_dirs`` maps each repeat to its snapshot folder. ``run`` measures the epochs a
    schedule picks: the first estimator drives adaptive schedules (its values decide which
    epochs are measured) and every estimator measures the chosen epochs. ``run_windows``
    measures fixed epoch windows with the Batching estimator over each estimator.
    ``progress(done, planned)`` hears of planned and finished rows.
    """

    snapshot_dirs: dict[int, Path]
    estimators: Sequence[Estimator]
    schedule: Schedule | None
    samples: Samples
    jobs: int = -1
    progress: Callable[[int, int], None] = lambda done, planned: None

    def run(self, table: Path) -> Report:
        """Measure the scheduled epochs into ``table``; rows already there are kept, not redone."""
        if self.schedule is None:
            raise ValueError("a schedule is needed to pick the epochs to measure")
        with self._session(table) as session:
            first_round = True
            while True:
                tasks = []
                for repeat, reader in session.readers.items():
                    measured = layer_curves(session.driver_rows[repeat], reader.n_layers)
                    epochs = self.schedule.next_epochs(
                        measured, last_epoch=reader.n_epochs - 1, h_x=self.samples.h_x,
                        h_y=self.samples.h_y, lookahead=self.workers,
                    )
                    if first_round:  # other estimators may lack epochs the driver measured
                        epochs = sorted(set(epochs) | self._planned(measured, reader))
                    windows = [(e, e) for e in epochs]
                    tasks += session.tasks(repeat, windows, batching=False)
                first_round = False
                if not tasks:
                    return session.report
                session.execute(tasks)

    def run_windows(self, table: Path, windows: Sequence[Window]) -> Report:
        """Measure each window of every repeat with Batching over each estimator."""
        with self._session(table) as session:
            session.execute([
                task for repeat in session.readers
                for task in session.tasks(repeat, windows, batching=True)
            ])
            return session.report

    def __post_init__(self) -> None:
        check_jobs(self.jobs)

    @property
    def workers(self) -> int:
        """How many tasks run at once on the active joblib backend (local or dask)."""
        return effective_n_jobs(self.jobs)

    def _planned(self, measured: dict, reader: SnapshotReader) -> set[int]:
        """The epochs the driver has measured that this schedule wants measured."""
        if isinstance(self.schedule, FixedSchedule):
            return set(measured) & set(self.schedule.epochs(reader.n_epochs - 1))
        return set(measured)

    @contextmanager
    def _session(self, table: Path) -> Iterator[_Session]:
        with TableWriter(table) as writer, Parallel(
            n_jobs=self.jobs, return_as="generator_unordered"
        ) as parallel:
            session = _Session(self, writer, parallel, table)
            yield session
        sort_table(table)
        session.report.non_finite = {
            (k[0], k[1]) for k, row in session.done.items() if np.isnan(row["i_xt"])
        }


class _Session:
    """One measuring job: the open table, the worker pool, and what is already done."""

    def __init__(self, runner: Runner, writer: TableWriter, parallel: Parallel,
                 table: Path) -> None:
        self.runner = runner
        self.writer = writer
        self.parallel = parallel
        self.report = Report()
        self.done: dict[Key, Row] = {}
        self.readers = {r: SnapshotReader(d) for r, d in runner.snapshot_dirs.items()}
        self.driver_rows: dict[int, list[Row]] = {r: [] for r in self.readers}
        """Per repeat, the rows of the estimator that drives adaptive schedules."""
        self._record(read_rows(table))
        self.estimators = self._with_ranges()

    def tasks(self, repeat: int, windows: Sequence[Window],
              batching: bool) -> list[tuple[object, int]]:
        """(delayed task, rows it writes) for what ``windows`` still lack, sized to cost."""
        runner, samples = self.runner, self.runner.samples
        estimators = self.estimators[repeat]
        snapshot_dir = runner.snapshot_dirs[repeat]
        layers = range(1, self.readers[repeat].n_layers + 1)

        def missing(estimator: Estimator, window: Window, layer: int) -> bool:
            name = pooled(estimator, window).name if batching else estimator.name
            return (repeat, window[0], layer, name, samples.name) not in self.done

        cheap = [e for e in estimators if not e.pairwise]
        pending = [w for w in windows if any(missing(e, w, la) for e in cheap for la in layers)]
        per_task = MAX_EPOCHS_PER_TASK // max(1, max((b - a + 1 for a, b in windows), default=1))
        size = max(1, min(per_task, len(pending) // (4 * runner.workers)))
        tasks = [
            (delayed(_tagged)(repeat, snapshot_dir, part, None, cheap, samples, batching),
             len(part) * len(layers) * len(cheap))
            for part in _chunks(pending, size)
        ]
        tasks += [
            (delayed(_tagged)(repeat, snapshot_dir, [w], [la], [e], samples, batching), 1)
            for e in estimators if e.pairwise
            for w in windows for la in layers if missing(e, w, la)
        ]
        return tasks

    def execute(self, tasks: list[tuple[object, int]]) -> None:
        """Run ``tasks`` in parallel, appending each task's rows as soon as it finishes."""
        self.runner.progress(0, sum(count for _, count in tasks))
        for repeat, rows in self.parallel(task for task, _ in tasks):
            written = [self._row(repeat, *row) for row in rows]
            written = [row for row in written if row_key(row) not in self.done]
            self.writer.write(written)
            self._record(written)
            self.report.rows_written += len(written)
            self.runner.progress(len(written), 0)

    def _record(self, rows: list[Row]) -> None:
        """Note ``rows`` as done; keep the driving estimator's apart for the schedule."""
        driver = (self.runner.estimators[0].name, self.runner.samples.name)
        for row in rows:
            self.done[row_key(row)] = row
            if (row["estimator"], row["samples"]) == driver and row["repeat"] in self.driver_rows:
                self.driver_rows[row["repeat"]].append(row)

    def _row(self, repeat: int, first: int, last: int, layer: int, units: int, name: str,
             i_xt: float, i_yt: float) -> Row:
        s = self.runner.samples
        return {"repeat": repeat, "epoch": first, "layer": layer, "units": units,
                "estimator": name, "i_xt": i_xt, "i_yt": i_yt, "samples": s.name,
                "h_x": s.h_x, "h_y": s.h_y, "epoch_last": last}

    def _with_ranges(self) -> dict[int, list[Estimator]]:
        """Per repeat, the estimators with any run-wide ("global") binning range filled in.

        The range is the min and max activation over every layer and every saved epoch of
        that repeat, found by one parallel pass over its snapshots.
        """
        runner = self.runner
        global_range = [e for e in runner.estimators if e.needs_run_range]
        resolved = {}
        for repeat, reader in self.readers.items():
            if not global_range:
                resolved[repeat] = list(runner.estimators)
                continue
            epochs = list(range(reader.n_epochs))
            size = max(1, len(epochs) // (4 * runner.workers))
            ranges = list(self.parallel(
                delayed(activation_range)(runner.snapshot_dirs[repeat], part, runner.samples.X)
                for part in _chunks(epochs, size)
            ))
            low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
            resolved[repeat] = [e.with_run_range(low, high) if e in global_range else e
                                for e in runner.estimators]
        return resolved


def _tagged(repeat: int, *args: object) -> tuple[int, list[MeasuredRow]]:
    return repeat, measure_windows(*args)


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
