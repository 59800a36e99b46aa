"""What a measuring job measures next: the `Planner` interface and its two planners.

Lives here: `Repeat` (one repeat as a job sees it), `WindowPlan` (one window and the estimators
that measure it), `EpochPlanner` (the epochs a schedule picks, one window per epoch, every
estimator) and `WindowPlanner` (fixed Batching windows). Not here: which epochs a schedule picks
(`measuring.schedule`), running the plans (`measuring.runner`), the table (results).

A planner is asked, round after round, for every repeat's windows; the runner measures what the
table does not hold yet and stops when a round leaves nothing to measure. Planners hold no
state: one can direct any number of jobs. Every round an `EpochPlanner` plans all the epochs
the schedule has chosen so far and those it wants next (``Schedule.decide``), so an estimator
added to a measured run catches up on them; with an adaptive schedule, every repeat is planned
on the union of the epochs chosen in any repeat. Epochs measured only to look ahead are
planned `speculative`: their rows are not recorded unless a later round plans them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from infonet.information.batching import BatchingEstimator
from infonet.information.contract import Estimator
from infonet.information.samples import Samples
from infonet.measuring.schedule import Measured, Schedule
from infonet.measuring.windows import Window


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
    """Measure the epochs ``window`` (first, last; inclusive) with ``estimators``.

    ``speculative``: measured only so that the planner can decide what comes next; its rows
    are recorded only if a later round of the job plans the window again, not speculatively.
    """

    window: Window
    estimators: tuple[Estimator, ...]
    speculative: bool = False


class Planner(ABC):
    """Decides, round by round, which windows of each repeat to measure and with what."""

    @abstractmethod
    def plan(self, repeats: Sequence[Repeat], measured: Mapping[int, Measured],
             samples: Samples, lookahead: int) -> dict[int, list[WindowPlan]]:
        """Repeat number -> the windows of that repeat to measure next, each with its
        estimators.

        ``measured``: repeat number -> the driving estimator's curves so far (epoch -> (2, L)
        array of I(X;T), I(Y;T) in bits), speculative ones included; ``samples``: what is
        measured (H(X), H(Y)); ``lookahead``: how many tasks run at once. Windows already in
        the table are skipped by the runner.
        """


@dataclass(frozen=True)
class EpochPlanner(Planner):
    """The epochs ``schedule`` picks, each a one-epoch window measured by every estimator.

    The first estimator drives adaptive schedules: its curves decide the next epochs. Each
    round plans every epoch chosen so far and every epoch the schedule wants next; an adaptive
    schedule's epochs are the union over the repeats (a repeat's own choice does not depend
    on the others'). With spare lookahead, the epochs the schedule speculates on are planned
    for the driving estimator alone, speculatively.
    """

    schedule: Schedule

    def plan(self, repeats: Sequence[Repeat], measured: Mapping[int, Measured],
             samples: Samples, lookahead: int) -> dict[int, list[WindowPlan]]:
        picked: dict[int, set[int]] = {}
        ahead: dict[int, set[int]] = {}
        for repeat in repeats:
            decision = self.schedule.decide(measured.get(repeat.number, {}), repeat.last_epoch,
                                            samples.h_x, samples.h_y, lookahead)
            picked[repeat.number] = decision.chosen | set(decision.wanted)
            ahead[repeat.number] = set(decision.ahead)
        shared = set().union(*picked.values()) if self.schedule.adaptive else set()
        plans = {}
        for repeat in repeats:
            epochs = picked[repeat.number] | {e for e in shared if e <= repeat.last_epoch}
            plans[repeat.number] = (
                [WindowPlan((e, e), repeat.estimators) for e in sorted(epochs)]
                + [WindowPlan((e, e), repeat.estimators[:1], speculative=True)
                   for e in sorted(ahead[repeat.number] - epochs)])
        return plans


@dataclass(frozen=True)
class WindowPlanner(Planner):
    """Fixed windows, each measured by Batching over every estimator; one round."""

    windows: Sequence[Window]

    def plan(self, repeats: Sequence[Repeat], measured: Mapping[int, Measured],
             samples: Samples, lookahead: int) -> dict[int, list[WindowPlan]]:
        return {repeat.number: [WindowPlan(window, tuple(pooled(e, window)
                                                         for e in repeat.estimators))
                                for window in self.windows]
                for repeat in repeats}


def pooled(estimator: Estimator, window: Window) -> BatchingEstimator:
    """``estimator`` under Batching over the epochs of ``window``."""
    return BatchingEstimator(estimator, window=window[1] - window[0] + 1)
