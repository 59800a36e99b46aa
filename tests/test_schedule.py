"""Epoch schedules, driven as the runner drives them, on closed-form information curves."""

import numpy as np
import pytest

from infonet.measuring.schedule import (
    DeltaApprox,
    DeltaExact,
    EveryNth,
    LogSpaced,
    epoch_distance,
    interpolate_curve,
    schedule_from_spec,
)

H_X, H_Y = 12.0, 1.0
LAYERS = 3


def saturating(epoch):
    """Every series rises as 1 - exp(-e/50) towards its ceiling: changes decay over training."""
    rise = 1 - np.exp(-epoch / 50)
    return np.array([[12.0, 10.0, 6.0], [0.9, 0.8, 0.7]]) * rise


def jump_at_500(epoch):
    """Smooth I(X;T), and I(Y;T) of every layer jumps by 1 bit (= H(Y)) at epoch 500."""
    return np.array([saturating(epoch)[0], np.full(LAYERS, float(epoch >= 500))])


def random_walk(seed, last_epoch):
    """A curve whose per-epoch steps are Gaussian, 2% of the entropy on average."""
    steps = np.random.default_rng(seed).normal(0, 0.02, size=(last_epoch + 1, 2, LAYERS))
    walk = np.cumsum(steps, axis=0) * np.array([[H_X], [H_Y]])
    return lambda epoch: walk[epoch]


def run(schedule, curve, last_epoch, lookahead=1, measured=None, kill_at_round=None):
    """The runner's loop. With ``kill_at_round`` the job dies in that round after it recorded
    the first half (rounded up) of the round's epochs."""
    measured = dict(measured or {})
    rounds = 0
    while epochs := schedule.next_epochs(measured, last_epoch=last_epoch, h_x=H_X, h_y=H_Y,
                                         lookahead=lookahead):
        assert epochs == sorted(epochs) and not set(epochs) & set(measured)
        if rounds == kill_at_round:
            epochs = epochs[: (len(epochs) + 1) // 2]
        measured.update({e: curve(e) for e in epochs})
        if rounds == kill_at_round:
            break
        rounds += 1
    return measured


def picked(schedule, measured, last_epoch):
    """The measured epochs ``schedule`` chose."""
    return schedule.chosen(measured, last_epoch=last_epoch, h_x=H_X, h_y=H_Y)


def count_rounds(schedule, curve, last_epoch, lookahead=1):
    measured, rounds = {}, 0
    while epochs := schedule.next_epochs(measured, last_epoch=last_epoch, h_x=H_X, h_y=H_Y,
                                         lookahead=lookahead):
        measured.update({e: curve(e) for e in epochs})
        rounds += 1
    return rounds


def largest_shift(a, b):
    """The normalised distance written out: max |change| / entropy over series."""
    return max(np.max(np.abs(a[0] - b[0])) / H_X, np.max(np.abs(a[1] - b[1])) / H_Y)


def far_pairs(measured, delta):
    """Consecutive measured epochs more than one epoch apart and more than delta apart."""
    epochs = sorted(measured)
    return [(a, b) for a, b in zip(epochs, epochs[1:], strict=False)
            if b - a > 1 and largest_shift(measured[a], measured[b]) > delta]


def gaps(epochs):
    return list(np.diff(sorted(epochs)))


def constant(epoch):
    return np.ones((2, LAYERS))


# epoch_distance


def test_distance_is_the_largest_shift_normalised_by_entropy():
    a = np.zeros((2, LAYERS))
    b = np.array([[1.2, 0.0, 2.4], [0.0, 0.3, 0.0]])  # X: 0.1, 0.2 of H(X); Y: 0.3 of H(Y)
    assert epoch_distance(a, b, h_x=H_X, h_y=H_Y) == pytest.approx(0.3)


def test_distance_counts_decreases_as_shifts():
    a = np.zeros((2, LAYERS))
    b = np.array([[-6.0, 0.0, 0.0], [0.1, 0.0, 0.0]])
    assert epoch_distance(a, b, h_x=H_X, h_y=H_Y) == pytest.approx(0.5)
    assert epoch_distance(b, a, h_x=H_X, h_y=H_Y) == pytest.approx(0.5)


def test_distance_of_stacked_epochs_is_one_per_pair():
    a = np.zeros((2, 2, LAYERS))
    b = np.stack([np.full((2, LAYERS), 0.25), np.full((2, LAYERS), 0.5)])
    assert np.allclose(epoch_distance(a, b, h_x=1.0, h_y=1.0), [0.25, 0.5])


def test_distance_rejects_a_non_positive_entropy():
    with pytest.raises(ValueError, match="h_y must be a positive entropy"):
        epoch_distance(np.zeros((2, 1)), np.zeros((2, 1)), h_x=1.0, h_y=0.0)


def test_distance_rejects_epochs_with_different_layers():
    with pytest.raises(ValueError, match=r"\(2, L\) arrays of the same L"):
        epoch_distance(np.zeros((2, 2)), np.zeros((2, 3)), h_x=1.0, h_y=1.0)


# interpolate_curve


def test_interpolation_is_linear_between_measured_epochs():
    measured = {0: np.zeros((2, 2)), 10: np.array([[10.0, 20.0], [1.0, 2.0]])}
    curve = interpolate_curve(measured, [0, 5, 10])
    assert curve.shape == (3, 2, 2)
    assert np.allclose(curve[1], [[5.0, 10.0], [0.5, 1.0]])
    assert np.allclose(curve[[0, 2]], [measured[0], measured[10]])


def test_interpolation_holds_the_end_values_outside_the_measured_epochs():
    measured = {2: np.zeros((2, 1)), 4: np.ones((2, 1))}
    assert np.allclose(interpolate_curve(measured, [0, 9]), [np.zeros((2, 1)), np.ones((2, 1))])


def test_interpolation_reproduces_a_linear_curve_from_two_epochs():
    def line(epoch):
        return np.array([[0.1, 0.2], [0.01, 0.02]]) * epoch

    curve = interpolate_curve({0: line(0), 100: line(100)}, range(101))
    assert np.allclose(curve, [line(e) for e in range(101)])


def test_interpolation_needs_a_measured_epoch():
    with pytest.raises(ValueError, match="measured must hold"):
        interpolate_curve({}, [0])


# every:N


@pytest.mark.parametrize(("n", "last_epoch", "expected"), [
    (3, 10, [0, 3, 6, 9, 10]),
    (3, 9, [0, 3, 6, 9]),
    (1, 4, [0, 1, 2, 3, 4]),
    (50, 7, [0, 7]),
    (5, 0, [0]),
])
def test_every_n_measures_multiples_of_n_and_the_last_epoch(n, last_epoch, expected):
    assert run(EveryNth(n), constant, last_epoch).keys() == set(expected)


def test_every_n_plans_everything_in_one_round():
    assert count_rounds(EveryNth(2), constant, 100, lookahead=1) == 1


def test_fixed_schedules_return_only_what_is_not_measured():
    epochs = EveryNth(2).next_epochs({0: constant(0), 4: constant(4)}, last_epoch=6,
                                      h_x=H_X, h_y=H_Y)
    assert epochs == [2, 6]


# log:N


@pytest.mark.parametrize(("n", "last_epoch"), [(2, 1), (5, 9), (10, 10), (37, 40), (100, 7999),
                                                (400, 7999), (64, 200)])
def test_log_n_measures_n_distinct_epochs_from_first_to_last(n, last_epoch):
    epochs = LogSpaced(n).epochs(last_epoch)
    assert len(set(epochs)) == len(epochs) == n
    assert epochs == sorted(epochs) and epochs[0] == 0 and epochs[-1] == last_epoch


def test_log_n_with_more_points_than_epochs_measures_every_epoch():
    assert LogSpaced(50).epochs(9) == list(range(10))


def test_log_1_measures_the_last_epoch():
    assert LogSpaced(1).epochs(9) == [9]


def test_log_n_measures_every_early_epoch_and_spreads_out_later():
    epochs = LogSpaced(101).epochs(9999)
    assert epochs[:10] == list(range(10))
    # log-spacing of epoch+1 from 1 to 10^4 puts about three quarters of the points below 10^3;
    # linear spacing would put a tenth there
    assert sum(e < 1000 for e in epochs) > 0.6 * len(epochs)
    assert gaps(epochs)[-1] > 5 * 9999 / 100  # five times the linear spacing


def test_log_n_ratios_of_epoch_plus_one_are_constant_once_steps_exceed_an_epoch():
    epochs = np.array(LogSpaced(30).epochs(10**6 - 1)) + 1
    ratios = epochs[1:] / epochs[:-1]
    late = ratios[len(ratios) // 2:]
    assert np.allclose(late, late.mean(), rtol=0.05)


# delta-exact


def test_delta_exact_starts_with_the_first_epoch():
    assert DeltaExact(0.05).next_epochs({}, last_epoch=100, h_x=H_X, h_y=H_Y) == [0]


def test_delta_exact_measures_right_up_to_a_jump():
    measured = run(DeltaExact(0.05), jump_at_500, 1000)
    assert 499 in measured and 500 in measured
    assert 1000 in measured


def test_delta_exact_skip_grows_while_changes_decay():
    measured = run(DeltaExact(0.05), saturating, 1000)
    epochs = sorted(measured)
    early = [b - a for a, b in zip(epochs, epochs[1:], strict=False) if b <= 100]
    late = [b - a for a, b in zip(epochs, epochs[1:], strict=False) if a >= 300]
    assert max(early) < min(late[:-1])  # the very last gap is cut short by the last epoch
    assert len(measured) < 1001 / 10


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("lookahead", [1, 3, 16])
def test_delta_exact_consecutive_epochs_are_within_delta_unless_adjacent(seed, lookahead):
    measured = run(DeltaExact(0.05), random_walk(seed, 300), 300, lookahead=lookahead)
    chosen = picked(DeltaExact(0.05), measured, 300)
    assert far_pairs({e: measured[e] for e in chosen}, 0.05) == []
    assert min(chosen) == 0 and max(chosen) == 300


@pytest.mark.parametrize(("curve", "last_epoch"), [(random_walk(5, 300), 300),
                                                 (jump_at_500, 1000)])
@pytest.mark.parametrize("lookahead", [2, 3, 8])
def test_delta_exact_chooses_the_same_epochs_whatever_the_lookahead(curve, last_epoch,
                                                                    lookahead):
    alone = run(DeltaExact(0.05), curve, last_epoch)
    ahead = run(DeltaExact(0.05), curve, last_epoch, lookahead=lookahead)
    assert len(ahead) > len(alone)  # speculation measured epochs the rule did not choose
    assert picked(DeltaExact(0.05), ahead, last_epoch) == alone.keys()


@pytest.mark.parametrize("spec", ["delta-exact:0.05", "delta-approx:0.05"])
def test_epochs_measured_for_other_reasons_do_not_change_an_adaptive_choice(spec):
    curve = random_walk(2, 300)
    alone = run(schedule_from_spec(spec), curve, 300)
    others = {e: curve(e) for e in range(0, 301, 7)}  # e.g. another repeat's or schedule's
    together = run(schedule_from_spec(spec), curve, 300, measured=others)
    assert picked(schedule_from_spec(spec), together, 300) == alone.keys()


def test_delta_exact_guarantee_holds_on_the_jump_with_lookahead():
    measured = run(DeltaExact(0.05), jump_at_500, 1000, lookahead=8)
    chosen = picked(DeltaExact(0.05), measured, 1000)
    assert far_pairs({e: measured[e] for e in chosen}, 0.05) == []
    assert 499 in chosen and 500 in chosen


def levels(values):
    """Measured (2, 1) curves: epoch -> that value in both rows."""
    return {epoch: np.full((2, 1), float(value)) for epoch, value in values.items()}


def test_delta_exact_bisects_every_far_gap_in_one_round():
    # frontier 0, 1, 3, 7, 15 (7 -> 15 far: 11, then 7 -> 11 far: 9), then 23; (7, 9) and
    # (15, 23) are far
    measured = levels({0: 0, 1: 0, 3: 0, 7: 0, 9: 1, 11: 1, 15: 1, 23: 0})
    assert DeltaExact(0.05).next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [8, 19]


def test_delta_exact_does_not_bisect_adjacent_epochs():
    measured = {0: np.zeros((2, 1)), 1: np.ones((2, 1))}
    assert DeltaExact(0.05).next_epochs(measured, last_epoch=1, h_x=1.0, h_y=1.0) == []


def test_delta_exact_skip_doubles_the_last_accepted_gap():
    measured = {0: constant(0), 1: constant(1), 3: constant(3)}
    assert DeltaExact(0.05).next_epochs(measured, last_epoch=100, h_x=H_X, h_y=H_Y) == [7]


def test_delta_exact_after_an_adjacent_far_step_the_skip_stays_one_epoch():
    measured = {0: np.zeros((2, 1)), 1: np.ones((2, 1))}
    assert DeltaExact(0.05).next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [2]


def test_delta_exact_waits_for_the_last_gap_to_settle_before_skipping_on():
    measured = levels({0: 0, 1: 0, 3: 0, 7: 0, 15: 1})
    assert DeltaExact(0.05).next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [11]


def test_delta_exact_skip_resets_to_the_gap_left_by_backtracking():
    measured = levels({0: 0, 1: 0, 3: 0, 7: 0, 11: 1, 15: 1})
    # (7, 11) is still far and is bisected; the settled last gap (11, 15) sets the skip to 8
    assert DeltaExact(0.05).next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [9, 23]


def test_delta_exact_spare_lookahead_speculates_the_doubling_frontier():
    measured = {0: constant(0), 1: constant(1), 3: constant(3)}
    epochs = DeltaExact(0.05).next_epochs(measured, last_epoch=100, h_x=H_X, h_y=H_Y,
                                          lookahead=3)
    assert epochs == [7, 15, 31]


def test_delta_exact_speculation_stops_at_the_last_epoch():
    measured = {0: constant(0), 1: constant(1), 3: constant(3)}
    epochs = DeltaExact(0.05).next_epochs(measured, last_epoch=20, h_x=H_X, h_y=H_Y,
                                          lookahead=5)
    assert epochs == [7, 15, 20]


def test_delta_exact_speculation_refuted_by_a_far_step_is_not_chosen():
    measured = levels({0: 0, 1: 0, 3: 0, 7: 1, 15: 1, 31: 1})  # 7, 15, 31 measured at once
    schedule = DeltaExact(0.05)
    assert schedule.chosen(measured, last_epoch=100, h_x=1.0, h_y=1.0) == {0, 1, 3, 7}
    assert schedule.next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [5]


def test_delta_exact_measures_the_first_epoch_when_it_is_missing():
    epochs = DeltaExact(0.05).next_epochs({6: constant(6)}, last_epoch=100, h_x=H_X, h_y=H_Y)
    assert epochs == [0]


def test_delta_exact_does_not_refine_around_diverged_epochs():
    def diverged_from_40(epoch):
        return np.full((2, 1), np.nan if epoch >= 40 else 0.0)

    assert sorted(run(DeltaExact(0.05), diverged_from_40, 100)) == [0, 1, 3, 7, 15, 31, 63,
                                                                     100]


def test_delta_exact_with_lookahead_one_ends_the_same_however_rounds_are_cut():
    curve = random_walk(7, 200)
    whole = run(DeltaExact(0.05), curve, 200)
    for kill in range(count_rounds(DeltaExact(0.05), curve, 200)):
        partial = run(DeltaExact(0.05), curve, 200, kill_at_round=kill)
        assert run(DeltaExact(0.05), curve, 200, measured=partial).keys() == whole.keys()


def test_delta_exact_resumes_at_a_round_boundary_with_lookahead():
    curve = random_walk(3, 300)
    whole = run(DeltaExact(0.05), curve, 300, lookahead=4)
    rounds = count_rounds(DeltaExact(0.05), curve, 300, lookahead=4)
    measured, done = {}, 0
    while done < rounds // 2:
        epochs = DeltaExact(0.05).next_epochs(measured, last_epoch=300, h_x=H_X, h_y=H_Y,
                                              lookahead=4)
        measured.update({e: curve(e) for e in epochs})
        done += 1
    resumed = run(schedule_from_spec("delta-exact:0.05"), curve, 300, lookahead=4,
                  measured=measured)
    assert resumed.keys() == whole.keys()


# delta-approx


def test_delta_approx_measures_one_epoch_per_round():
    schedule = DeltaApprox(0.05)
    assert count_rounds(schedule, saturating, 1000, lookahead=8) == len(
        run(schedule, saturating, 1000, lookahead=8))


def test_delta_approx_skip_doubles_while_within_delta():
    measured = levels({0: 0, 1: 0, 3: 0.04})
    assert DeltaApprox(0.05).next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [7]


def test_delta_approx_skip_stays_between_delta_and_twice_delta():
    measured = levels({0: 0, 1: 0, 3: 0.07})
    assert DeltaApprox(0.05).next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [5]


def test_delta_approx_skip_halves_beyond_twice_delta():
    measured = levels({0: 0, 1: 0, 3: 0.2})
    assert DeltaApprox(0.05).next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [4]


def test_delta_approx_skip_never_drops_below_one_epoch():
    measured = {0: np.zeros((2, 1)), 1: np.ones((2, 1))}
    assert DeltaApprox(0.05).next_epochs(measured, last_epoch=100, h_x=1.0, h_y=1.0) == [2]


def test_delta_approx_compares_with_the_last_measured_epoch_not_the_first():
    # I(X;T) grows by 0.0005 H(X) per epoch. Against the last measured epoch a gap of 64 is
    # 0.032 <= delta, so the skip reaches 128 (0.064: kept, not halved). A reference frozen at
    # epoch 0 would exceed delta from epoch 127 on and keep the skip at 64 forever.
    def linear(epoch):
        return np.array([np.full(LAYERS, 0.0005 * H_X * epoch), np.zeros(LAYERS)])

    measured = run(DeltaApprox(0.05), linear, 1000)
    assert sorted(measured) == [0, 1, 3, 7, 15, 31, 63, 127, 255, 383, 511, 639, 767, 895, 1000]


def test_delta_approx_skip_shrinks_after_a_quiet_phase():
    def quiet_then_steep(epoch):
        return np.full((2, 1), 0.0 if epoch < 200 else 0.01 * (epoch - 200))

    measured = run(DeltaApprox(0.05), quiet_then_steep, 1000)
    assert gaps(measured)[-2] < max(gaps(measured))


def test_delta_approx_ends_with_the_last_epoch():
    assert 777 in run(DeltaApprox(0.05), saturating, 777)


def test_delta_approx_measures_the_first_epoch_when_it_is_missing():
    epochs = DeltaApprox(0.05).next_epochs({6: constant(6)}, last_epoch=100, h_x=H_X, h_y=H_Y)
    assert epochs == [0]


# every schedule


@pytest.mark.parametrize("spec", ["every:7", "log:40", "delta-exact:0.05", "delta-approx:0.05"])
def test_a_resumed_job_ends_with_the_same_epochs(spec):
    curve = jump_at_500
    whole = run(schedule_from_spec(spec), curve, 1000)
    kill = count_rounds(schedule_from_spec(spec), curve, 1000) // 2
    partial = run(schedule_from_spec(spec), curve, 1000, kill_at_round=kill)
    assert len(partial) < len(whole)
    assert run(schedule_from_spec(spec), curve, 1000, measured=partial).keys() == whole.keys()


@pytest.mark.parametrize("spec", ["every:7", "log:40", "delta-exact:0.05", "delta-approx:0.05"])
def test_every_schedule_measures_first_and_last_epoch_of_a_one_epoch_run(spec):
    assert run(schedule_from_spec(spec), saturating, 0).keys() == {0}


@pytest.mark.parametrize("spec", ["every:7", "log:40", "delta-exact:0.05", "delta-approx:0.05"])
def test_lookahead_below_one_is_rejected(spec):
    with pytest.raises(ValueError, match="lookahead must be at least 1"):
        schedule_from_spec(spec).next_epochs({}, last_epoch=10, h_x=H_X, h_y=H_Y, lookahead=0)


def test_a_negative_last_epoch_is_rejected():
    with pytest.raises(ValueError, match="last_epoch must be >= 0"):
        DeltaExact(0.05).next_epochs({}, last_epoch=-1, h_x=H_X, h_y=H_Y)


# schedule_from_spec


@pytest.mark.parametrize(("spec", "expected"), [
    ("every:1", EveryNth(1)),
    ("log:100", LogSpaced(100)),
    ("delta-exact:0.05", DeltaExact(0.05)),
    ("delta-approx:0.1", DeltaApprox(0.1)),
])
def test_spec_reads_each_kind(spec, expected):
    assert schedule_from_spec(spec) == expected


@pytest.mark.parametrize("spec", ["every:3", "log:400", "delta-exact:0.05", "delta-approx:1e-05"])
def test_name_reads_back_as_the_same_schedule(spec):
    schedule = schedule_from_spec(spec)
    assert schedule.name == spec
    assert schedule_from_spec(schedule.name) == schedule


@pytest.mark.parametrize(("spec", "problem"), [
    ("sometimes:3", "unknown kind 'sometimes'"),
    ("every", "N must be a whole number >= 1"),
    ("every:0", "N must be a whole number >= 1"),
    ("log:2.5", "N must be a whole number >= 1"),
    ("delta-exact:0", "DELTA must be a positive number"),
    ("delta-approx:-0.1", "DELTA must be a positive number"),
    ("delta-exact:nan", "DELTA must be a positive number"),
    ("delta-exact:small", "DELTA must be a positive number"),
])
def test_bad_specs_name_the_spec_and_list_the_valid_forms(spec, problem):
    with pytest.raises(ValueError, match=problem) as error:
        schedule_from_spec(spec)
    message = str(error.value)
    assert repr(spec) in message and "\n" not in message
    assert "every:N, log:N, delta-exact:DELTA, delta-approx:DELTA" in message
