"""Planners: which windows a job measures next, and with which estimators."""

from pathlib import Path

import numpy as np

from information import BatchingEstimator, BinningEstimator, KDEEstimator
from information.samples import Samples
from measuring.plan import EpochPlanner, Repeat, WindowPlan, WindowPlanner
from measuring.schedule import schedule_from_spec

ESTIMATORS = (BinningEstimator(), KDEEstimator())
REPEAT = Repeat(0, Path("repeat-0"), n_layers=2, last_epoch=9, estimators=ESTIMATORS)
SAMPLES = Samples(np.eye(4), np.array([0, 1, 0, 1]), "all")


def curves(epochs):
    """Driving-estimator curves at ``epochs``: all equal, (2, 2) arrays in bits."""
    return {epoch: np.ones((2, 2)) for epoch in epochs}


def epochs_of(plans):
    return [plan.window for plan in plans]


def test_an_epoch_planner_gives_one_epoch_windows_measured_by_every_estimator():
    plans = EpochPlanner(schedule_from_spec("every:3")).plan(REPEAT, {}, SAMPLES, 1)
    assert plans == [WindowPlan((e, e), ESTIMATORS) for e in (0, 3, 6, 9)]


def test_the_first_round_backfills_the_driver_epochs_that_the_schedule_picks():
    planner = EpochPlanner(schedule_from_spec("every:3"))
    measured = curves([0, 1, 2, 3, 6, 9])  # an every:1 job stopped early, then every:3 ones
    assert epochs_of(planner.first_plan(REPEAT, measured, SAMPLES, 1)) == [(0, 0), (3, 3),
                                                                           (6, 6), (9, 9)]
    assert planner.plan(REPEAT, measured, SAMPLES, 1) == []


def test_an_adaptive_first_round_backfills_every_driver_epoch():
    planner = EpochPlanner(schedule_from_spec("delta-approx:0.1"))
    measured = curves([0, 1, 3])
    assert epochs_of(planner.first_plan(REPEAT, measured, SAMPLES, 1)) == [(0, 0), (1, 1),
                                                                           (3, 3), (7, 7)]
    assert epochs_of(planner.plan(REPEAT, measured, SAMPLES, 1)) == [(7, 7)]


def test_a_window_planner_pools_each_window_with_batching_over_every_estimator():
    plans = WindowPlanner([(0, 2), (4, 4)]).plan(REPEAT, {}, SAMPLES, 1)
    assert plans == [
        WindowPlan((0, 2), tuple(BatchingEstimator(e, window=3) for e in ESTIMATORS)),
        WindowPlan((4, 4), tuple(BatchingEstimator(e, window=1) for e in ESTIMATORS)),
    ]
    assert all(e.pools_epochs for plan in plans for e in plan.estimators)
