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
  them with ``with_range(low, high)``.
- ``bin_size``: the unbounded grid of Saxe et al., index = floor(t / bin_size).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from information.entropy import check_samples, conditional_entropy, entropy, row_keys

RANGES = ("fixed", "layer", "global")
MAX_BINS = 2**52
"""Most bins per unit: bin indices stay exact in float64 and int64."""
_DEFAULT_BINS, _DEFAULT_LOW, _DEFAULT_HIGH = 30, -1.0, 1.0


@dataclass(frozen=True, eq=False)
class BinningEstimator:
    """I(X;T) and I(Y;T) in bits from the activations binned on a grid (see the module doc).

    Pass either ``bin_size`` or any of ``bins``, ``low``, ``high``, ``range``; ``low`` and
    ``high`` only with ``range="fixed"`` (for ``"global"`` they are the supplied run-wide range,
    see ``with_range``). Unset values take the defaults 30 bins on [-1, 1].
    Two estimators are equal when they bin alike.
    """

    bins: int | None = None
    low: float | None = None
    high: float | None = None
    bin_size: float | None = None
    range: str = "fixed"

    @property
    def name(self) -> str:
        """Canonical spec, e.g. ``binning:bins=30,low=-1.0,high=1.0`` or ``binning:bin_size=0.07``.

        A global-range estimator is named ``binning:bins=B,range=global`` with or without its
        supplied range: the name says the setting, not the numbers.
        """
        if self.bin_size is not None:
            return f"binning:bin_size={float(self.bin_size)!r}"
        bins, low, high = self._grid()
        if self.range == "fixed":
            return f"binning:bins={bins},low={float(low)!r},high={float(high)!r}"
        return f"binning:bins={bins},range={self.range}"

    def validate(self) -> None:
        """Raise ValueError naming the first invalid hyper-parameter."""
        if self.range not in RANGES:
            raise ValueError(f"range must be one of {', '.join(RANGES)}; got {self.range!r}")
        if self.bin_size is not None:
            clashes = [k for k in ("bins", "low", "high") if getattr(self, k) is not None]
            if self.range != "fixed":
                clashes.append("range")
            if clashes:
                raise ValueError(
                    f"bin_size cannot be combined with {', '.join(clashes)}: "
                    "pass either bin_size, or bins with low/high or range"
                )
            if not (isinstance(self.bin_size, Real) and 0 < self.bin_size < np.inf):
                raise ValueError(f"bin_size must be a number > 0, got {self.bin_size!r}")
            return
        if self.bins is not None and not (isinstance(self.bins, Integral)
                                          and 1 <= self.bins <= MAX_BINS):
            raise ValueError(f"bins must be an integer >= 1 and <= 2**52, got {self.bins!r}")
        given = [k for k in ("low", "high") if getattr(self, k) is not None]
        if self.range == "layer" and given:
            raise ValueError(
                f"{' and '.join(given)} cannot be given with range='layer': "
                "the range is the layer's own min and max"
            )
        if self.range == "global" and len(given) == 1:
            raise ValueError("a supplied global range needs both low and high (use with_range)")
        for key in given:
            if not (isinstance(getattr(self, key), Real) and np.isfinite(getattr(self, key))):
                raise ValueError(f"{key} must be a finite number, got {getattr(self, key)!r}")
        _, low, high = self._grid()
        if self.range == "fixed" and not (low < high and np.isfinite(high - low)):
            raise ValueError(f"low must be < high (a finite width), got low={low!r}, high={high!r}")
        if self.range == "global" and given and not low <= high:
            raise ValueError(f"low must be <= high, got low={low!r}, high={high!r}")

    def with_range(self, low: float, high: float) -> BinningEstimator:
        """This ``range="global"`` estimator with the run-wide activation range supplied.

        The result bins on [low, high] and keeps the name ``...,range=global``.
        low == high (every activation of the run equal) puts every row in one bin.
        """
        if self.range != "global":
            raise ValueError(f"with_range needs range='global', this estimator has {self.name}")
        supplied = dataclasses.replace(self, low=float(low), high=float(high))
        supplied.validate()
        return supplied

    def codes(self, T: np.ndarray) -> np.ndarray:
        """Bin indices (N, d) int64 of the activations T (N, d)."""
        self.validate()
        T = np.asarray(T, dtype=np.float64)
        if self.bin_size is not None:
            if T.size and np.abs(T).max() / self.bin_size >= 2.0**62:
                raise ValueError(
                    f"bin_size={self.bin_size!r} is too small for activations of magnitude "
                    f"{np.abs(T).max():.3g}: bin indices would overflow int64"
                )
            return np.floor(T / self.bin_size).astype(np.int64)
        bins, low, high = self._grid()
        if self.range == "layer":
            low, high = (T.min(), T.max()) if T.size else (0.0, 0.0)
        elif low is None:
            raise ValueError(
                "range='global' needs the run-wide activation range: the runner supplies it "
                "with estimator.with_range(low, high) before measuring"
            )
        if not high > low:
            return np.zeros(T.shape, dtype=np.int64)
        index = np.floor((T - low) / (high - low) * bins)
        return np.clip(index, 0, bins - 1, out=index).astype(np.int64)

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I(X;T), I(Y;T)) in bits of the binned activations.

        T: (N, d) activations; X: (N, ...) inputs or (N,) integer input ids; y: (N,) labels.
        I(X;T) = H(T) - H(T|X), with H(T|X) = 0 when all inputs are distinct and counted over
        the repeated inputs otherwise; I(Y;T) = H(T) - H(T|Y).
        """
        T, x_ids, y = check_samples(T, X, y)
        keys = row_keys(self.codes(T))
        h_t = entropy(keys)
        all_distinct = x_ids.max() + 1 == len(x_ids)
        i_xt = h_t if all_distinct else h_t - conditional_entropy(keys, x_ids)
        return i_xt, h_t - conditional_entropy(keys, y)

    def _grid(self) -> tuple[int, float | None, float | None]:
        """(bins, low, high) with defaults filled in; low/high None for layer/global ranges."""
        bins = _DEFAULT_BINS if self.bins is None else self.bins
        if self.range == "fixed":
            low = _DEFAULT_LOW if self.low is None else self.low
            high = _DEFAULT_HIGH if self.high is None else self.high
            return bins, low, high
        return bins, self.low, self.high

    def _identity(self) -> tuple:
        return (self.bin_size, *self._grid(), self.range)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())
