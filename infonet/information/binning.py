"""The Binning estimator (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018): discretise, then count.

Lives here: `BinningEstimator`, the grid that turns activations into integer bin codes, and
I(X;T), I(Y;T) of those codes. Not here: the plug-in entropy itself (`information.entropy`),
pooling epochs (`information.batching`), parsing spec strings (`information.estimators`).

Grids (each unit is binned alone; a row's bin is the tuple of its units' bins):

- ``bins`` equal intervals on [low, high] (``range="fixed"``, default 30 on [-1, 1]):
  index = floor((t - low) / (high - low) * bins); values below ``low`` go to bin 0, values at or
  above ``high`` to bin ``bins - 1``. So 30 bins are 30 intervals, 31 edges. This differs from
  the IDNNs code, whose ``np.digitize(t, np.linspace(-1, 1, 30))`` uses 30 *edges*: 29
  intervals [e_k, e_k+1) inside [-1, 1) plus overflow bins for t < -1 and for t >= 1 (where
  a saturated tanh lands, exactly 1.0). Its "30 bins" match our ``bins=29`` for activations
  in [-1, 1); a saturated unit there has a bin of its own, here it shares the last interval.
- ``range="layer"``: as above on [min T, max T] of the call's activations (all units together);
  when they are all equal every row is in one bin.
- ``range="global"``: as above on the run-wide [min, max] over every layer and every saved
  epoch of the repeat (Saxe et al.'s ReLU setting), which only the runner knows: it supplies
  them with ``with_run_range(low, high)``, kept as learned state (``run_range_``) apart from
  the settings.
- ``bin_size``: the unbounded grid of Saxe et al., index = floor(t / bin_size).
- ``edges="equal-mass"`` (Lorenzen et al. 2022's adaptive bins): ``bins`` intervals holding
  equal numbers of the layer's values, all units' values of the call pooled (as their code
  does), edges halfway between neighbouring sorted values, the first n % bins bins one value
  fuller (their code's split); ``edges="max-entropy"`` (Chelombiev et al. 2019's entropy-based
  adaptive binning): the same over the layer's *distinct* values, so a value repeated by
  saturation counts once, and in a layer without negative values (ReLU) the exact zeros in a
  bin of their own, as their code does. Recomputed on every call,
  i.e. per layer and epoch (over the whole window under Batching). A one-unit layer of N
  distinct values, B dividing N, gets N / B rows per bin: H(T) = log2 B whatever their
  distribution. See `adaptive_edges`. Neither edges nor codes sort every value: counting
  passes over equal-width cells find the few cells that hold a cut or an edge (`order_statistics`,
  `bin_indices`), with the same result as sorting and searching all of them.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from infonet.information.contract import Estimator, finite, integer, one_of, positive
from infonet.information.corrections import CORRECTIONS, discrete_information
from infonet.information.entropy import check_samples, row_keys

RANGES = ("fixed", "layer", "global")
MAX_BINS = 2**52
"""Most bins per unit: bin indices stay exact in float64 and int64."""
EDGES = ("equal-width", "equal-mass", "max-entropy")
_DEFAULT_BINS, _DEFAULT_LOW, _DEFAULT_HIGH = 30, -1.0, 1.0
_BLOCK_VALUES = 2**22
"""Values binned at once when rows are keyed (`BinningEstimator.keys`): 32 MiB of float64."""
_VALUES_PER_CELL = 8
"""Mean values per cell of the counting passes of adaptive binning (`equal_width_cells`)."""
_FIBONACCI_HASH = np.uint64(0x9E3779B97F4A7C15)
"""2**64 / golden ratio, odd: multiplying by it spreads float bit patterns over the buckets."""


@dataclass(frozen=True, eq=False)
class BinningEstimator(Estimator):
    """I(X;T) and I(Y;T) in bits from the activations binned on a grid (see the module doc).

    Pass either ``bin_size``, or ``bins`` with adaptive ``edges``, or any of ``bins``, ``low``,
    ``high``, ``range``; ``low`` and ``high`` only with ``range="fixed"``. Unset values take
    the defaults 30 bins on [-1, 1].
    ``run_range_`` is the run-wide (low, high) a ``range="global"`` estimator bins on, learned
    from the run and supplied by ``with_run_range``; None until then.
    Two estimators are equal when they bin alike.
    """

    heads = {"binning": {}}
    parameters = (integer("bins", 1, MAX_BINS, "an integer in 1..2**52"), finite("low"),
                  finite("high"), positive("bin_size"), one_of("range", RANGES),
                  one_of("edges", EDGES), one_of("correction", CORRECTIONS))

    bins: int | None = None
    low: float | None = None
    high: float | None = None
    bin_size: float | None = None
    range: str = "fixed"
    edges: str = "equal-width"
    correction: str = "none"
    run_range_: tuple[float, float] | None = field(default=None, init=False, repr=False)

    @property
    def name(self) -> str:
        """Canonical spec, e.g. ``binning:bins=30,low=-1.0,high=1.0`` or ``binning:bin_size=0.07``.

        A global-range estimator is named ``binning:bins=B,range=global`` with or without its
        supplied range: the name says the setting, not the numbers. A bias correction other
        than the plug-in ends it: ``...,correction=grassberger``.
        """
        correction = "" if self.correction == "none" else f",correction={self.correction}"
        if self.bin_size is not None:
            return f"binning:bin_size={float(self.bin_size)!r}{correction}"
        bins, low, high = self._grid()
        if self.edges != "equal-width":
            return f"binning:bins={bins},edges={self.edges}{correction}"
        if self.range == "fixed":
            return f"binning:bins={bins},low={float(low)!r},high={float(high)!r}{correction}"
        return f"binning:bins={bins},range={self.range}{correction}"

    @property
    def needs_run_range(self) -> bool:
        """Whether the runner must supply the run-wide range (``range="global"``)."""
        return self.range == "global"

    def check(self) -> None:
        """Raise ValueError naming the settings that cannot go together."""
        if self.edges != "equal-width":
            clashes = [k for k in ("low", "high", "bin_size") if getattr(self, k) is not None]
            if clashes or self.range != "fixed":
                raise ValueError(
                    f"edges={self.edges} takes only bins: its edges come from the layer's "
                    f"values, not from {', '.join(clashes or ['range'])}"
                )
        if self.bin_size is not None:
            clashes = [k for k in ("bins", "low", "high") if getattr(self, k) is not None]
            if self.range != "fixed":
                clashes.append("range")
            if clashes:
                raise ValueError(
                    f"bin_size cannot be combined with {', '.join(clashes)}: "
                    "pass either bin_size, or bins with low/high or range"
                )
            return
        if self.range != "fixed" and (self.low is not None or self.high is not None):
            raise ValueError(
                f"low and high can be given only with range=fixed, got range={self.range!r} "
                "(a layer range is the layer's own, a global one the runner supplies)"
            )
        _, low, high = self._grid()
        if self.range == "fixed" and not (low < high and np.isfinite(high - low)):
            raise ValueError(f"low must be < high (a finite width), got low={low!r}, "
                             f"high={high!r}")

    def with_run_range(self, low: float, high: float) -> BinningEstimator:
        """This ``range="global"`` estimator binning on the run-wide range [low, high].

        The result keeps the name ``...,range=global``; low == high (every activation of the
        run equal) puts every row in one bin.
        """
        if not self.needs_run_range:
            raise ValueError(f"a run-wide range needs range='global', this estimator has "
                             f"{self.name}")
        low, high = float(low), float(high)
        if not (low <= high and np.isfinite(high - low)):
            raise ValueError(f"a run-wide range needs finite low <= high, got [{low}, {high}]")
        supplied = copy.copy(self)
        object.__setattr__(supplied, "run_range_", (low, high))
        return supplied

    def codes(self, T: np.ndarray) -> np.ndarray:
        """Bin indices (N, d) int64 of the activations T (N, d)."""
        return self._encoder(T)(np.asarray(T, dtype=np.float64))

    def keys(self, T: np.ndarray) -> np.ndarray:
        """One exact int64 key (N,) per row of bin indices of T (N, d): equal bin tuples <=>
        equal keys. The grid is found on all of T, then blocks of columns (about 2^22 values)
        are binned and keyed one at a time, so memory stays O(N) beyond T at any width."""
        encode = self._encoder(T)
        keys = np.zeros(len(T), dtype=np.int64)
        step = max(1, _BLOCK_VALUES // max(len(T), 1))
        for first in range(0, T.shape[1], step):
            block = np.asarray(T[:, first:first + step], dtype=np.float64)
            keys = row_keys(np.column_stack([keys, row_keys(encode(block))]))
        return keys

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I(X;T), I(Y;T)) in bits of the binned activations.

        T: (N, d) activations; X: (N, ...) inputs or (N,) integer input ids; y: (N,) labels.
        I(X;T) = H(T) - H(T|X), with H(T|X) = 0 when all inputs are distinct and counted over
        the repeated inputs otherwise; I(Y;T) = H(T) - H(T|Y); each entropy the plug-in or
        ``correction``'s (`information.corrections`, NSB over the grid's bins^d states).
        """
        T, x_ids, y = check_samples(T, X, y)
        states = self._log_states(T) if self.correction == "nsb" else 0.0
        return discrete_information(self.keys(T), x_ids, y, self.correction, states)

    def _encoder(self, T: np.ndarray):
        """The function from values (any shape) to their int64 bin indices on the grid of
        this estimator for the activations T (N, d): a layer range, adaptive edges and the
        bin_size check are found on all of T."""
        if self.bin_size is not None:
            magnitude = float(np.abs(T).max()) if T.size else 0.0
            if magnitude / self.bin_size >= 2.0**62:
                raise ValueError(
                    f"bin_size={self.bin_size!r} is too small for activations of magnitude "
                    f"{magnitude:.3g}: bin indices would overflow int64"
                )
            return lambda values: np.floor(values / self.bin_size).astype(np.int64)
        bins, low, high = self._grid()
        if self.edges != "equal-width":
            edges = adaptive_edges(T, bins, self.edges)
            return lambda values: bin_indices(values, edges)
        if self.range == "layer":
            low, high = (float(T.min()), float(T.max())) if T.size else (0.0, 0.0)
        elif self.range == "global":
            if self.run_range_ is None:
                raise ValueError(
                    "range='global' needs the run-wide activation range: the runner supplies "
                    "it with estimator.with_run_range(low, high) before measuring"
                )
            low, high = self.run_range_
        if not high > low:
            return lambda values: np.zeros(np.shape(values), dtype=np.int64)

        def equal_width(values: np.ndarray) -> np.ndarray:
            index = np.floor((values - low) / (high - low) * bins)
            return np.clip(index, 0, bins - 1, out=index).astype(np.int64)

        return equal_width

    def validity(self, T: np.ndarray) -> str | None:
        """A reason when T (N, d) has fewer rows than bins per unit. Rows that mostly have a
        bin tuple of their own are not a reason: on all of a finite dataset the plug-in count
        is exact for it (the papers' setting), and where it is a sample the corrections are
        the remedy (docs/estimators.md)."""
        bins = None if self.bin_size is not None else self._grid()[0]
        if bins is not None and bins > len(T):
            return f"bins={bins} > N = {len(T)} samples: most bins stay empty"
        return None

    def _log_states(self, T: np.ndarray) -> float:
        """ln of the number of bin tuples the grid has for T (N, d): bins^d (adaptive edges:
        their bins per unit), or for ``bin_size`` the product of each unit's range of codes."""
        if self.bin_size is not None:
            if not T.size:
                return 0.0
            spans = (np.floor(T.max(axis=0) / self.bin_size)
                     - np.floor(T.min(axis=0) / self.bin_size) + 1)
            return float(np.log(spans).sum())
        bins = self._grid()[0]
        if self.edges != "equal-width":
            bins = len(adaptive_edges(T, bins, self.edges)) + 1
        return T.shape[1] * math.log(bins)

    def _grid(self) -> tuple[int, float | None, float | None]:
        """(bins, low, high) with defaults filled in; low/high None for layer/global ranges."""
        bins = _DEFAULT_BINS if self.bins is None else self.bins
        if self.range == "fixed":
            low = _DEFAULT_LOW if self.low is None else self.low
            high = _DEFAULT_HIGH if self.high is None else self.high
            return bins, low, high
        return bins, None, None

    def identity(self) -> tuple:
        """The grid and the learned run-wide range (``run_range_``)."""
        return (self.bin_size, *self._grid(), self.range, self.edges, self.correction,
                self.run_range_)


def adaptive_edges(values: np.ndarray, bins: int, edges: str) -> np.ndarray:
    """The inner edges (sorted) of ``edges`` "equal-mass" or "max-entropy" binning.

    values: any shape, pooled, as float64. The sorted values (equal-mass) or sorted distinct
    values (max-entropy), v_0 <= ... <= v_(n-1), are cut into ``bins`` runs before positions
    c_k, k = 1..bins-1 (c_k > 0), each edge halfway between the values either side:
    e_k = (v_(c_k - 1) + v_(c_k)) / 2; a value equal to an edge goes to the bin above. The cuts
    are the cited codes': equal-mass as Lorenzen et al.'s, the first n % bins runs one value
    longer (c_k = k floor(n / bins) + min(k, n % bins), the split of ``np.array_split``);
    max-entropy as Chelombiev et al.'s, c_k = floor(k n / bins). A max-entropy layer without
    negative values (ReLU-like) keeps its exact zeros in a bin of their own, as Chelombiev et
    al.'s edge at 0 does, and cuts its distinct positive values into ``bins`` runs: bins + 1
    bins in all when it has zeros. With fewer values than bins some bins stay empty. The two
    order statistics per cut come from `order_statistics`, without sorting every value.
    """
    ordered = np.asarray(values, dtype=np.float64).ravel()
    zero_edge = np.empty(0)
    if edges == "max-entropy":
        ordered = distinct_values(ordered)
        if ordered.size and ordered.min() >= 0:
            positive = ordered[ordered > 0]
            if positive.size < ordered.size and positive.size:
                zero_edge = np.array([0.5 * positive.min()])
            ordered = positive
    if edges == "equal-mass":
        size, longer = divmod(len(ordered), bins)
        cuts = np.arange(1, bins) * size + np.minimum(np.arange(1, bins), longer)
    else:
        cuts = np.arange(1, bins) * len(ordered) // bins
    cuts = cuts[(cuts > 0) & (cuts < len(ordered))]
    if not cuts.size:
        return zero_edge
    below, above = np.split(order_statistics(ordered, np.r_[cuts - 1, cuts]), 2)
    return np.r_[zero_edge, 0.5 * (below + above)]


def bin_indices(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index of each value: the number of ``edges`` (sorted) <= t, int64, values' shape.

    The same as ``np.searchsorted(edges, values, side="right")``, searching only where it must:
    on `equal_width_cells` spanning the edges (and one cell more either side), a value in a cell
    holding no edge has the count of the edges in the cells before its own; the values of
    cells holding an edge are searched.
    """
    values = np.asarray(values, dtype=np.float64)
    if not edges.size:
        return np.zeros(values.shape, dtype=np.int64)
    count = values.size // _VALUES_PER_CELL + 3
    margin = (edges[-1] - edges[0]) / (count - 2)
    low, high = edges[0] - margin, edges[-1] + margin
    cells = equal_width_cells(values, low, high, count)
    edge_cells = equal_width_cells(edges, low, high, count)
    indices = np.searchsorted(edge_cells, np.arange(count))[cells]
    holds_edge = np.zeros(count, dtype=bool)
    holds_edge[edge_cells] = True
    near = holds_edge[cells]
    indices[near] = np.searchsorted(edges, values[near], side="right")
    return indices


def order_statistics(values: np.ndarray, ranks: np.ndarray, passes: int = 2) -> np.ndarray:
    """``np.sort(values)[ranks]`` sorting only the values near the ranks.

    values: (n,) float64; ranks: (k,) integers in 0..n-1. A counting pass over
    `equal_width_cells` of [min, max] finds the cell holding each rank and keeps those cells'
    values; the kept values get a second pass over their own, narrower range (a heavy tail
    stretches the first cells over the bulk), then are sorted.
    """
    count = len(values) // _VALUES_PER_CELL + 1
    cells = equal_width_cells(values, values.min(), values.max(), count)
    sizes = np.bincount(cells, minlength=count)
    ends = np.cumsum(sizes)
    held_in = np.searchsorted(ends, ranks, side="right")
    wanted = np.zeros(count, dtype=bool)
    wanted[held_in] = True
    kept = values[wanted[cells]]
    kept_ranks = ranks - ends[held_in] + np.cumsum(np.where(wanted, sizes, 0))[held_in]
    if passes > 1 and len(kept) < len(values):
        return order_statistics(kept, kept_ranks, passes - 1)
    return np.sort(kept)[kept_ranks]


def distinct_values(values: np.ndarray) -> np.ndarray:
    """The distinct values of ``values`` (n,) float64, in no particular order; -0.0 counts as 0.0.

    Equal values hash alike, so a value alone in its hash bucket (about 8 buckets per value)
    occurs once; ``np.unique`` sorts only the values sharing a bucket.
    """
    values = values + 0.0  # -0.0 + 0.0 == +0.0: equal values, equal bits
    bits = min((8 * len(values)).bit_length(), 22)
    buckets = (values.view(np.uint64) * _FIBONACCI_HASH) >> np.uint64(64 - bits)
    shared = np.bincount(buckets)[buckets] > 1
    return np.concatenate([values[~shared], np.unique(values[shared])])


def equal_width_cells(values: np.ndarray, low: float, high: float, count: int) -> np.ndarray:
    """Cell of each value on ``count`` equal cells of [low, high]: floor((t - low) count /
    (high - low)) clipped to 0..count - 1.

    int64, values' shape; every value in one cell when high - low is 0 or overflows. Each
    floating-point step rounds monotonically, so s <= t gives cell(s) <= cell(t): equal values
    share a cell, and a cell's values lie between those of the cells either side.
    """
    with np.errstate(divide="ignore", over="ignore"):
        scale = count / (high - low)
    if not 0 < scale < np.inf:
        return np.zeros(np.shape(values), dtype=np.int64)
    with np.errstate(over="ignore"):
        return np.clip((values - low) * scale, 0, count - 1).astype(np.int64)
