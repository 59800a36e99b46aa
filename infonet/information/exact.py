"""The exact mutual information of a quantized network (Lorenzen, Igel & Nielsen 2022).

Lives here: `ExactEstimator` (spec ``exact``) and `value_codes`, which names each distinct
value of a unit by an integer, so rows of values become exact keys. Not here: the plug-in
entropies (`information.entropy`), quantizing activations (``networks.quantization``, at
training and in the forward pass).

A network trained with ``--quantize BITS`` computes every layer's output on at most 2^BITS
levels per unit, so T is a discrete variable and, with X uniform over the measured samples,
the plug-in entropies of its empirical distribution are its entropies, not estimates:

    I(X;T) = H(T) - H(T|X),    I(Y;T) = H(T) - H(T|Y)    (bits),

with H(T|X) = 0 when the network is deterministic and the inputs distinct, and counted over
the repeated inputs otherwise. T's values are compared exactly (no binning, no tolerance).
Raw float activations of a network trained without quantization are almost all distinct, so
their count would give H(T) = log2 N at every epoch: measuring refuses such runs (the
estimator declares ``needs_quantization``). Called directly on any activations, it counts the
values it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infonet.information.contract import Estimator, one_of
from infonet.information.corrections import CORRECTIONS, discrete_information
from infonet.information.entropy import check_samples, dense_ids


def value_codes(T: np.ndarray) -> np.ndarray:
    """Integer codes (N, d) int64 of the values T (N, d): in each column, equal values (as
    numbers: 0.0 equals -0.0) <=> equal codes, codes 0..K-1 in increasing value."""
    return np.column_stack([dense_ids(column)[0] for column in np.asarray(T).T])


@dataclass(frozen=True, eq=False)
class ExactEstimator(Estimator):
    """I(X;T) and I(Y;T) in bits of the activations' exact values (see the module doc).

    correction: the entropies' bias correction, "none" (the plug-in, default), "miller-madow",
    "grassberger" or "nsb" (`information.corrections`; NSB's states: the product of each
    unit's number of distinct values).
    """

    heads = {"exact": {}}
    parameters = (one_of("correction", CORRECTIONS),)
    needs_quantization = True

    correction: str = "none"

    @property
    def name(self) -> str:
        """``exact``, or ``exact:correction=C`` for a correction other than the plug-in."""
        return "exact" if self.correction == "none" else f"exact:correction={self.correction}"

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I(X;T), I(Y;T)) in bits of T's exact values.

        T: (N, d) activations; X: (N, ...) inputs or (N,) integer input ids; y: (N,) labels.
        """
        T, x_ids, y = check_samples(T, X, y)
        codes = value_codes(T)
        states = float(np.log(codes.max(axis=0) + 1).sum()) if codes.size else 0.0
        return discrete_information(codes, x_ids, y, self.correction, states)

