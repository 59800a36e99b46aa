"""The Batching estimator (thesis section 0.2.6): b consecutive epochs as draws of one network.

Lives here: `BatchingEstimator`, which pools a window of epochs and hands the pooled rows to a
Binning or KDE estimator. Not here: the estimators it wraps (`information.binning`,
`information.kde`), choosing windows (the runner).

The window's parameters are taken as b draws of one random network, so T given input x is
uniform over that input's b activations. The N inputs are pooled into N*b rows, each input
repeated b times with its label, and the wrapped estimator measures the pooled rows with the
repeated input ids, so H(T|X) is computed rather than assumed zero:

- Binning: all b epochs share one grid (fixed range, fixed width, or with range="layer" the
  range of the whole window); I(X;T) = H(T) - sum_x p(x) H(T|X=x) and I(Y;T) = H(T) - H(T|Y)
  over the pooled rows (Y, not X, in the second: the thesis's pseudocode passes X there).
- KDE: T is the equal-weight Gaussian mixture over the N*b pooled points and H(T|X=x) that of
  the mixture of input x's b Gaussians, bounded by the same pairwise formula; no per-epoch
  noise term enters.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np

from information.entropy import check_samples

if TYPE_CHECKING:
    from information.estimators import Estimator


@dataclass(frozen=True)
class BatchingEstimator:
    """I(X;T), I(Y;T) in bits of a window of ``window`` epochs, pooled, by ``estimator``."""

    estimator: Estimator
    window: int = 10

    @property
    def name(self) -> str:
        """Canonical spec: ``batching:window=<b>,<the wrapped estimator's name>``."""
        return f"batching:window={self.window},{self.estimator.name}"

    def validate(self) -> None:
        """Raise ValueError naming the first invalid hyper-parameter, the wrapped one's included."""
        window = self.window
        if not (isinstance(window, Integral) and window >= 1):
            raise ValueError(f"window must be an integer >= 1, got {window!r}")
        if isinstance(self.estimator, BatchingEstimator):
            raise ValueError("batching cannot wrap another batching estimator")
        self.estimator.validate()

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I(X;T), I(Y;T)) in bits of the pooled window.

        T: (window, N, d) the window's activations of one layer, the same N inputs in the same
        order in every epoch; X: (N, ...) inputs or (N,) integer input ids; y: (N,) labels.
        """
        self.validate()
        T = np.asarray(T)
        if T.ndim != 3:
            raise ValueError(
                f"batching needs activations of shape (window, samples, units), got shape {T.shape}"
            )
        if len(T) != self.window:
            raise ValueError(f"activations hold {len(T)} epochs but window={self.window}")
        _, x_ids, y = check_samples(T[0], X, y)
        pooled = T.reshape(-1, T.shape[2])
        return self.estimator.mutual_information(
            pooled, np.tile(x_ids, self.window), np.tile(y, self.window)
        )
