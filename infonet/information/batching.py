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

import numpy as np

from infonet.information.contract import Estimate, Estimator, Wrapper, integer
from infonet.information.entropy import check_samples


@dataclass(frozen=True, eq=False)
class BatchingEstimator(Wrapper):
    """I(X;T), I(Y;T) in bits of a window of ``window`` epochs, pooled, by ``estimator``.

    Its cost and its needs (a run-wide range, a quantized run) are those of the estimator it
    wraps.
    """

    heads = {"batching": {}}
    parameters = (integer("window", 1),)
    pools_epochs = True

    estimator: Estimator
    window: int = 10

    @property
    def name(self) -> str:
        """Canonical spec: ``batching:window=<b>,<the wrapped estimator's name>``."""
        return f"batching:window={self.window},{self.estimator.name}"

    def validity(self, T: np.ndarray) -> str | None:
        """The wrapped estimator's reason, if any, on the window's pooled rows; T: (window, N,
        d)."""
        T = np.asarray(T)
        return self.estimator.validity(T.reshape(-1, T.shape[-1]))

    def check(self) -> None:
        """Raise ValueError when the wrapped estimator is itself a Batching estimator."""
        if isinstance(self.estimator, BatchingEstimator):
            raise ValueError("batching cannot wrap another batching estimator")

    def estimate(self, T: np.ndarray, X: np.ndarray, y: np.ndarray) -> Estimate:
        """I(X;T), I(Y;T) of the pooled window and the wrapped estimator's standard errors,
        bits.

        T: (window, N, d) the window's activations of one layer, the same N inputs in the same
        order in every epoch; X: (N, ...) inputs or (N,) integer input ids; y: (N,) labels.
        """
        T = np.asarray(T)
        if T.ndim != 3:
            raise ValueError(
                f"batching needs activations of shape (window, samples, units), got shape {T.shape}"
            )
        if len(T) != self.window:
            raise ValueError(f"activations hold {len(T)} epochs but window={self.window}")
        _, x_ids, y = check_samples(T[0], X, y)
        pooled = T.reshape(-1, T.shape[2])
        return self.estimator.estimate(
            pooled, np.tile(x_ids, self.window), np.tile(y, self.window)
        )
