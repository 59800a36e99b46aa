"""What a measuring job measures next: the `Planner` interface and its two planners.

Lives here: `Repeat` (one repeat as a job sees it), `WindowPlan` (one window and the estimators
that measure it), `EpochPlanner` (the epochs a schedule picks, one window per epoch, every
estimator) and `WindowPlanner` (fixed Batching windows). Not here: which epochs a schedule picks
(`measuring.schedule`), running the plans (`measuring.runner`), the table (results).

A planner is asked, round after round, for each repeat's windows (``first_plan`` in a job's
first round, ``plan`` after); the runner measures what the table does not hold yet and stops
when a round leaves nothing to measure. Planners hold no state: one can direct any number of
jobs. An `EpochPlanner`'s first round adds the epochs the driving estimator measured in earlier
jobs (``Schedule.backfill``), so an estimator added to a measured run catches up on them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from information.batching import BatchingEstimator
from information.contract import Estimator
from information.samples import Samples
from measuring.schedule import Measured, Schedule
from measuring.windows import Window


@dataclass(frozen=True)
class Repeat:
    """One repeat in a job: its snapshots (epochs 0..last_epoch, ``n_layers`` layers) and the
    job's estimators, any run-wide range already supplied for this repeat."""

    number: int
    snapshot_dir: Path
    n_layers: int
    last_epoch: int
    estimators: tuple[Estimator, ...]


@dataclass(frozen=True)
class WindowPlan:
    """Measure the epochs ``window`` (first, last; inclusive) with ``estimators``."""

    window: Window
    estimators: tuple[Estimator, ...]


class Planner(ABC):
    """Decides, round by round, which windows of a repeat to measure and with what."""

    @abstractmethod
    def plan(self, repeat: Repeat, measured: Measured, samples: Samples,
             lookahead: int) -> list[WindowPlan]:
        """The windows of ``repeat`` to measure next, each with its estimators.

        ``measured``: the driving estimator's curves so far, epoch -> (2, L) array of I(X;T),
        I(Y;T) in bits; ``samples``: what is measured (H(X), H(Y)); ``lookahead``: how many
        tasks run at once. Windows already in the table are skipped by the runner.
        """

    def first_plan(self, repeat: Repeat, measured: Measured, samples: Samples,
                   lookahead: int) -> list[WindowPlan]:
        """The windows of a job's first round (arguments as ``plan``); by default ``plan``'s."""
        return self.plan(repeat, measured, samples, lookahead)


@dataclass(frozen=True)
class EpochPlanner(Planner):
    """The epochs ``schedule`` picks, each a one-epoch window measured by every estimator.

    The first estimator drives adaptive schedules: its curves decide the next epochs. The
    first round also measures the schedule's backfill with every estimator.
    """

    schedule: Schedule

    def plan(self, repeat: Repeat, measured: Measured, samples: Samples,
             lookahead: int) -> list[WindowPlan]:
        return self._windows(repeat, self._next(repeat, measured, samples, lookahead))

    def first_plan(self, repeat: Repeat, measured: Measured, samples: Samples,
                   lookahead: int) -> list[WindowPlan]:
        epochs = self._next(repeat, measured, samples, lookahead)
        return self._windows(repeat, epochs | self.schedule.backfill(measured, repeat.last_epoch))

    def _next(self, repeat: Repeat, measured: Measured, samples: Samples,
              lookahead: int) -> set[int]:
        return set(self.schedule.next_epochs(measured, last_epoch=repeat.last_epoch,
                                             h_x=samples.h_x, h_y=samples.h_y,
                                             lookahead=lookahead))

    @staticmethod
    def _windows(repeat: Repeat, epochs: set[int]) -> list[WindowPlan]:
        return [WindowPlan((epoch, epoch), repeat.estimators) for epoch in sorted(epochs)]


@dataclass(frozen=True)
class WindowPlanner(Planner):
    """Fixed windows, each measured by Batching over every estimator; one round."""

    windows: Sequence[Window]

    def plan(self, repeat: Repeat, measured: Measured, samples: Samples,
             lookahead: int) -> list[WindowPlan]:
        return [WindowPlan(window, tuple(pooled(e, window) for e in repeat.estimators))
                for window in self.windows]


def pooled(estimator: Estimator, window: Window) -> BatchingEstimator:
    """``estimator`` under Batching over the epochs of ``window``."""
    return BatchingEstimator(estimator, window=window[1] - window[0] + 1)
