"""Planners: which windows a job measures next, and with which estimators."""

from dataclasses import replace
from pathlib import Path

import numpy as np

from infonet.information import BatchingEstimator, BinningEstimator, KDEEstimator
from infonet.information.samples import Samples
from infonet.measuring.plan import EpochPlanner, Repeat, WindowPlan, WindowPlanner
from infonet.measuring.schedule import schedule_from_spec

ESTIMATORS = (BinningEstimator(), KDEEstimator())
REPEAT = Repeat(0, Path("repeat-0"), n_layers=2, last_epoch=9, estimators=ESTIMATORS)
SAMPLES = Samples(np.eye(4), np.array([0, 1, 0, 1]), "all")


def curves(epochs, value=1.0):
    """Driving-estimator curves at ``epochs``: all equal, (2, 2) arrays in bits."""
    return {epoch: np.full((2, 2), value) for epoch in epochs}


def epochs_of(plans):
    return [plan.window for plan in plans]


def test_an_epoch_planner_gives_one_epoch_windows_measured_by_every_estimator():
    plans = EpochPlanner(schedule_from_spec("every:3")).plan([REPEAT], {}, SAMPLES, 1)
    assert plans == {0: [WindowPlan((e, e), ESTIMATORS) for e in (0, 3, 6, 9)]}


def test_a_fixed_schedule_plans_its_own_epochs_not_every_driver_epoch():
    planner = EpochPlanner(schedule_from_spec("every:3"))
    measured = {0: curves([0, 1, 2, 3, 6, 9])}  # an every:1 job stopped early, then every:3
    assert epochs_of(planner.plan([REPEAT], measured, SAMPLES, 1)[0]) == [(0, 0), (3, 3),
                                                                          (6, 6), (9, 9)]


def test_an_adaptive_schedule_plans_its_chosen_epochs_and_the_next_one():
    planner = EpochPlanner(schedule_from_spec("delta-approx:0.1"))
    measured = {0: curves([0, 1, 3, 5])}  # 5: measured, but not an epoch the rule picks
    assert epochs_of(planner.plan([REPEAT], measured, SAMPLES, 1)[0]) == [(0, 0), (1, 1),
                                                                          (3, 3), (7, 7)]


def test_an_adaptive_schedule_plans_every_repeat_on_the_union_of_their_epochs():
    planner = EpochPlanner(schedule_from_spec("delta-approx:0.1"))
    other = replace(REPEAT, number=1)
    measured = {0: curves([0, 1, 3]),  # steady: the skip doubles, next 7
                1: {0: np.zeros((2, 2)), 1: np.ones((2, 2))}}  # a far step: next 2
    plans = planner.plan([REPEAT, other], measured, SAMPLES, 1)
    union = [(e, e) for e in (0, 1, 2, 3, 7)]
    assert epochs_of(plans[0]) == epochs_of(plans[1]) == union


def test_speculative_epochs_are_planned_for_the_driving_estimator_alone():
    planner = EpochPlanner(schedule_from_spec("delta-exact:0.1"))
    repeat = replace(REPEAT, last_epoch=100)
    plans = planner.plan([repeat], {0: curves([0, 1, 3])}, SAMPLES, 3)[0]
    assert plans == [*(WindowPlan((e, e), ESTIMATORS) for e in (0, 1, 3, 7)),
                     *(WindowPlan((e, e), ESTIMATORS[:1], speculative=True) for e in (15, 31))]


def test_a_window_planner_pools_each_window_with_batching_over_every_estimator():
    plans = WindowPlanner([(0, 2), (4, 4)]).plan([REPEAT], {}, SAMPLES, 1)
    assert plans == {0: [
        WindowPlan((0, 2), tuple(BatchingEstimator(e, window=3) for e in ESTIMATORS)),
        WindowPlan((4, 4), tuple(BatchingEstimator(e, window=1) for e in ESTIMATORS)),
    ]}
    assert all(e.pools_epochs for plan in plans[0] for e in plan.estimators)
