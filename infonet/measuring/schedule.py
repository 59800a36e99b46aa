"""Epoch schedules: which saved epochs get measured (every:N, log:N, delta-exact, delta-approx).

Every epoch 0..E of a run is on disk; a schedule picks the ones worth measuring. Schedules are
stateless: ``next_epochs`` decides only from the epochs measured so far, so a killed job resumes
by reloading what it measured, and a round of epochs may be measured in parallel. An adaptive
schedule decides from the epochs it picked alone (``chosen``): it replays its own rule from
epoch 0, so epochs measured for any other reason (speculation on spare workers, other repeats,
earlier schedules) never change what it picks, and the pick is the same whatever the lookahead,
the number of processes or the backend. A measurement
of one epoch is a (2, L) array: row 0 is I(X;T_l), row 1 is I(Y;T_l) for layers l = 1..L, in
bits. The adaptive schedules (the thesis's "delta skip", section 0.3.2) compare epochs with
``epoch_distance``. Measuring, storage and execution live elsewhere
(``measuring.runner``); this module does no I/O.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

Measured = Mapping[int, np.ndarray]
"""epoch -> (2, L) array: row 0 = I(X;T_l), row 1 = I(Y;T_l), bits."""

VALID_FORMS = "every:N, log:N, delta-exact:DELTA, delta-approx:DELTA"


def epoch_distance(a: np.ndarray, b: np.ndarray, h_x: float, h_y: float) -> float | np.ndarray:
    """Normalised maximum shift between two measured epochs (thesis eq. 51, with |.|).

    max over s in {X, Y} and layers l of |I_a(s;T_l) - I_b(s;T_l)| / H(s). ``a`` and ``b`` are
    (..., 2, L) arrays in bits; h_x = H(X) and h_y = H(Y) in bits. Returns a float (an array of
    shape (...) for stacked inputs); 0 means identical, 1 means a shift of a whole entropy.
    NaN when either epoch holds NaN (diverged training).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape[-2:] != b.shape[-2:] or a.shape[-2] != 2:
        raise ValueError(
            f"epochs to compare must be (2, L) arrays of the same L, got {a.shape} and {b.shape}"
        )
    for name, value in (("h_x", h_x), ("h_y", h_y)):
        if not value > 0:
            raise ValueError(f"{name} must be a positive entropy in bits, got {value}")
    scale = np.array([[1.0 / h_x], [1.0 / h_y]])
    return np.max(np.abs(a - b) * scale, axis=(-2, -1))


def interpolate_curve(measured: Measured, epochs: Sequence[int]) -> np.ndarray:
    """Measured values linearly interpolated at ``epochs``: array (len(epochs), 2, L), bits.

    Each series (I(X;T_l) or I(Y;T_l) of one layer) is interpolated on its own (np.interp);
    epochs before the first or after the last measured epoch take that end's value.
    """
    if not measured:
        raise ValueError("measured must hold at least one epoch to interpolate from")
    known = sorted(measured)
    values = np.stack([np.asarray(measured[e], dtype=float) for e in known])
    series = values.reshape(len(known), -1)
    at = np.asarray(epochs, dtype=float)
    curve = np.stack([np.interp(at, known, series[:, k]) for k in range(series.shape[1])], -1)
    return curve.reshape(len(at), *values.shape[1:])


class Decision(NamedTuple):
    """A schedule's answer in one round: ``chosen``, the measured epochs it picks so far;
    ``wanted``, the unmeasured epochs it picks next (each is chosen once measured); ``ahead``,
    speculative epochs for spare workers, chosen only if the measurements before them say so.
    Lists are sorted."""

    chosen: set[int]
    wanted: list[int]
    ahead: list[int]


class Schedule(ABC):
    """Decides which epochs to measure next from what has been measured so far.

    ``adaptive``: True when the epochs picked depend on the measurements (delta-exact,
    delta-approx), so that repeats pick different epochs; False when they depend only on the
    last epoch.
    """

    adaptive: ClassVar[bool] = True

    @property
    @abstractmethod
    def name(self) -> str:
        """The spec that ``schedule_from_spec`` reads back into this schedule."""

    @abstractmethod
    def decide(self, measured: Measured, last_epoch: int, h_x: float, h_y: float,
               lookahead: int = 1) -> Decision:
        """What this round picks among and beyond the measured epochs (see `Decision`).

        ``measured`` maps epoch -> (2, L) array of I(X;T_l), I(Y;T_l) in bits (epochs outside
        0..last_epoch are ignored); h_x, h_y are H(X), H(Y) in bits; ``lookahead`` is how many
        epochs can be measured at once (``ahead`` fills what ``wanted`` leaves of it). Measured
        epochs the schedule does not pick (refuted speculation, another schedule's epochs)
        change nothing.
        """

    def next_epochs(self, measured: Measured, last_epoch: int, h_x: float, h_y: float,
                    lookahead: int = 1) -> list[int]:
        """Sorted epochs in 0..last_epoch, none in ``measured``, to measure next (wanted and
        ahead; arguments as ``decide``); [] when done."""
        decision = self.decide(measured, last_epoch, h_x, h_y, lookahead)
        return sorted([*decision.wanted, *decision.ahead])

    def chosen(self, measured: Measured, last_epoch: int, h_x: float, h_y: float) -> set[int]:
        """The measured epochs this schedule picks (arguments as ``decide``)."""
        return self.decide(measured, last_epoch, h_x, h_y).chosen


class FixedSchedule(Schedule):
    """A schedule whose epochs depend only on the last epoch; one round wants all of them."""

    adaptive: ClassVar[bool] = False

    @abstractmethod
    def epochs(self, last_epoch: int) -> list[int]:
        """Every epoch this schedule measures in a run whose last epoch is ``last_epoch``."""

    def decide(self, measured: Measured, last_epoch: int, h_x: float, h_y: float,
               lookahead: int = 1) -> Decision:
        """Chosen: the measured epochs that are this schedule's own (not those of an earlier
        schedule); wanted: the others."""
        done = set(_measured_epochs(measured, last_epoch, lookahead))
        epochs = self.epochs(last_epoch)
        return Decision(done & set(epochs), [e for e in epochs if e not in done], [])


@dataclass(frozen=True)
class EveryNth(FixedSchedule):
    """``every:N``: epochs 0, N, 2N, ... and always the last epoch (the thesis's simple skip)."""

    n: int

    @property
    def name(self) -> str:
        return f"every:{self.n}"

    def epochs(self, last_epoch: int) -> list[int]:
        return sorted({*range(0, last_epoch + 1, self.n), last_epoch})


@dataclass(frozen=True)
class LogSpaced(FixedSchedule):
    """``log:N``: min(N, E+1) distinct epochs from 0 to E, log-spaced in epoch + 1.

    Built left to right: each next epoch is the first step of a geometric sequence of epoch + 1
    from the current epoch to E + 1 over the points still to place, but at least one epoch
    further. Early on, where geometric steps are shorter than an epoch, this measures every
    epoch; the remaining points are then re-spaced geometrically, so there are exactly
    min(N, E+1) of them and the last is E. ``log:1`` measures only the last epoch.
    """

    n: int

    @property
    def name(self) -> str:
        return f"log:{self.n}"

    def epochs(self, last_epoch: int) -> list[int]:
        count = min(self.n, last_epoch + 1)
        if count == 1:
            return [last_epoch]
        chosen = [0]
        for remaining in range(count - 1, 0, -1):
            ratio = ((last_epoch + 1) / (chosen[-1] + 1)) ** (1 / remaining)
            chosen.append(max(chosen[-1] + 1, round((chosen[-1] + 1) * ratio) - 1))
        return chosen


@dataclass(frozen=True)
class DeltaExact(Schedule):
    """``delta-exact:DELTA``: skip ahead exponentially, bisect back wherever a gap is too large.

    The rule, replayed from epoch 0 over the epochs it picked (``chosen``) m_0 < m_1 < ...:
    - every gap (m_i, m_i+1) longer than one epoch whose ``epoch_distance`` exceeds delta gets
      its midpoint picked; all the midpoints wanted at once go in one round (backtracking needs
      only the snapshots on disk);
    - once the last gap is settled (within delta, or one epoch), the frontier f moves on by a
      skip of twice that gap, or of that gap (one epoch) when it was too far; the first skip is
      one epoch. Bisection leaves a short last gap, so the skip resets to the local scale after
      backtracking. The frontier epoch is capped at E, so E is always measured.
    - with spare ``lookahead`` (more than the epochs the rule wants now), the round also
      speculates: after the wanted frontier epoch f + s, the epochs f + 3s, f + 7s, ... that
      doubling would visit if every step were accepted. A speculative epoch is chosen only when
      the rule reaches it; measured epochs it does not reach are ignored.
    So the chosen epochs are those of a job measuring one frontier epoch per round (lookahead
    1), whatever the lookahead and however rounds were cut short or resumed.
    Guarantee: when done, consecutive chosen epochs are within delta unless adjacent. A NaN
    distance (diverged training) counts as within delta, so diverged epochs are not refined.
    The distance compares end points only: a curve that leaves and returns within a gap is not
    seen.
    """

    delta: float

    @property
    def name(self) -> str:
        return f"delta-exact:{self.delta}"

    def decide(self, measured: Measured, last_epoch: int, h_x: float, h_y: float,
               lookahead: int = 1) -> Decision:
        _measured_epochs(measured, last_epoch, lookahead)
        chosen, wanted, step = self._replay(measured, last_epoch, h_x, h_y)
        ahead = []
        if step is not None:
            frontier, skip = step
            while len(wanted) + len(ahead) < lookahead and frontier < last_epoch:
                skip *= 2
                frontier = min(frontier + skip, last_epoch)
                if frontier not in measured:
                    ahead.append(frontier)
        return Decision(set(chosen), sorted(wanted), ahead)

    def _replay(self, measured: Measured, last_epoch: int, h_x: float,
                h_y: float) -> tuple[list[int], list[int], tuple[int, int] | None]:
        """(chosen, wanted, step): the epochs the rule picks among ``measured``, the unmeasured
        ones it wants next, and (the wanted frontier epoch, the skip that reached it) when the
        frontier is among them."""
        if 0 not in measured:
            return [], [0], None
        chosen: list[int] = [0]
        wanted: list[int] = []

        def far(a: int, b: int) -> bool:
            return bool(epoch_distance(measured[a], measured[b], h_x, h_y) > self.delta)

        def bisect(a: int, b: int) -> tuple[int, int] | None:
            """Pick midpoints of the gap (a, b) until every part is settled; its settled last
            part, or None while a midpoint on the way to it is not measured."""
            while b - a > 1 and far(a, b):
                middle = (a + b) // 2
                if middle not in measured:
                    wanted.append(middle)
                    return None
                chosen.append(middle)
                bisect(a, middle)
                a = middle
            return a, b

        frontier, skip = 0, 1
        while frontier < last_epoch:
            step = min(frontier + skip, last_epoch)
            if step not in measured:
                wanted.append(step)
                return chosen, wanted, (step, step - frontier)
            chosen.append(step)
            settled = bisect(frontier, step)
            if settled is None:
                break
            a, b = settled
            skip = b - a if far(a, b) else 2 * (b - a)
            frontier = step
        return chosen, wanted, None


@dataclass(frozen=True)
class DeltaApprox(Schedule):
    """``delta-approx:DELTA``: one epoch per round, skip adapted without backtracking.

    Replayed from epoch 0 over the epochs it picked (``chosen``): with f the last picked epoch
    and p the one before it (the reference is always the last pair; the thesis's code froze it
    at the first epoch), the skip g = f - p becomes 2g when ``epoch_distance(p, f)`` <= delta,
    stays g when it is within 2 * delta, and halves (at least 1) beyond 2 * delta, so a sudden
    change after a quiet phase shrinks the skip again. The first skip is one epoch; the next
    epoch is f + skip, capped at E, so E is always measured. A NaN distance (diverged training)
    counts as within delta. ``lookahead`` is ignored: each step needs the last.
    """

    delta: float

    @property
    def name(self) -> str:
        return f"delta-approx:{self.delta}"

    def decide(self, measured: Measured, last_epoch: int, h_x: float, h_y: float,
               lookahead: int = 1) -> Decision:
        _measured_epochs(measured, last_epoch, lookahead)
        chosen, wanted = self._replay(measured, last_epoch, h_x, h_y)
        return Decision(set(chosen), wanted, [])

    def _replay(self, measured: Measured, last_epoch: int, h_x: float,
                h_y: float) -> tuple[list[int], list[int]]:
        """(chosen, wanted): the epochs the rule picks among ``measured``, and the one it wants
        next ([] when done)."""
        if 0 not in measured:
            return [], [0]
        chosen = [0]
        while chosen[-1] < last_epoch:
            last, skip = chosen[-1], 1
            if len(chosen) > 1:
                before = chosen[-2]
                skip = last - before
                distance = epoch_distance(measured[before], measured[last], h_x, h_y)
                if distance > 2 * self.delta:
                    skip = max(1, skip // 2)
                elif not distance > self.delta:
                    skip *= 2
            step = min(last + skip, last_epoch)
            if step not in measured:
                return chosen, [step]
            chosen.append(step)
        return chosen, []


def schedule_from_spec(spec: str) -> Schedule:
    """``every:N``, ``log:N`` (N a whole number >= 1), ``delta-exact:DELTA``,
    ``delta-approx:DELTA`` (DELTA > 0, a normalised distance) -> the schedule."""
    kind, _, value = spec.strip().partition(":")
    counted = {"every": EveryNth, "log": LogSpaced}
    adaptive = {"delta-exact": DeltaExact, "delta-approx": DeltaApprox}
    if kind in counted:
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            raise _spec_error(spec, f"N must be a whole number >= 1, got {value!r}")
        return counted[kind](n)
    if kind in adaptive:
        try:
            delta = float(value)
        except ValueError:
            delta = math.nan
        if not (math.isfinite(delta) and delta > 0):
            raise _spec_error(spec, f"DELTA must be a positive number, got {value!r}")
        return adaptive[kind](delta)
    raise _spec_error(spec, f"unknown kind {kind!r}")


def _spec_error(spec: str, problem: str) -> ValueError:
    return ValueError(f"schedule {spec!r}: {problem}; valid forms are {VALID_FORMS}")


def _measured_epochs(measured: Measured, last_epoch: int, lookahead: int) -> list[int]:
    """The sorted measured epochs within 0..last_epoch, after checking the round's parameters."""
    if last_epoch < 0:
        raise ValueError(f"last_epoch must be >= 0, got {last_epoch}")
    if lookahead < 1:
        raise ValueError(f"lookahead must be at least 1, got {lookahead}")
    return sorted(e for e in measured if 0 <= e <= last_epoch)
