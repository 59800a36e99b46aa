"""The bootstrap over the measured samples: a sampling error for a deterministic estimator.

Lives here: `BootstrapEstimator`, which wraps a deterministic estimator (binning, KDE, Renyi,
exact, Batching of those) and gives its estimate on all the samples together with the bootstrap
standard error of that estimate. Not here: the estimators it wraps, errors over repeats
(``analysis.summary``).

A deterministic estimator's number is exact for the samples it measures (standard error 0): it
says nothing of how the number would move on another draw of samples from the same
distribution. The bootstrap answers that (Efron & Tibshirani 1993, ch. 6): ``resamples`` times,
N rows are drawn with replacement (the same rows of every epoch of a Batching window, with
their inputs and labels), the wrapped estimator measures them, and the standard error is the
standard deviation (ddof=1) of those estimates. A row drawn twice is one input seen twice, so a
resample's H(X) is below the original's: the plug-in estimates of a resample are biased low,
which the standard error ignores (it measures spread, not bias). The cost is ``resamples + 1``
times the wrapped estimator's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infonet.information.contract import Estimate, Estimator, Wrapper, integer


@dataclass(frozen=True, eq=False)
class BootstrapEstimator(Wrapper):
    """The wrapped ``estimator``'s I(X;T), I(Y;T) in bits with their bootstrap standard errors.

    resamples: bootstrap resamples (>= 2); seed: seed of the resampling (>= 0): the same
    arguments give the same errors. Its cost and needs are those of the estimator it wraps,
    ``resamples + 1`` times over.
    """

    heads = {"bootstrap": {}}
    parameters = (integer("resamples", 2), integer("seed", 0))

    estimator: Estimator
    resamples: int = 100
    seed: int = 0

    @property
    def name(self) -> str:
        """Canonical spec: ``bootstrap:resamples=<B>,seed=<s>,<the wrapped estimator's name>``."""
        return f"bootstrap:resamples={self.resamples},seed={self.seed},{self.estimator.name}"

    @property
    def pools_epochs(self) -> bool:
        """Whether the wrapped estimator takes a window of epochs (Batching)."""
        return self.estimator.pools_epochs

    def check(self) -> None:
        """Raise ValueError when the wrapped estimator is random (it has a Monte Carlo error
        of its own) or is itself a bootstrap."""
        if isinstance(self.estimator, BootstrapEstimator):
            raise ValueError("bootstrap cannot wrap another bootstrap")
        if self.estimator.monte_carlo:
            raise ValueError(f"bootstrap wraps deterministic estimators; {self.estimator.name} "
                             "writes its own Monte Carlo standard error")

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I(X;T), I(Y;T)) in bits of the wrapped estimator on all the samples."""
        return self.estimator.mutual_information(T, X, y)

    def estimate(self, T: np.ndarray, X: np.ndarray, y: np.ndarray) -> Estimate:
        """The wrapped estimator's numbers on all samples and their bootstrap standard errors.

        T: (N, d) activations, or (window, N, d) for an estimator that pools epochs; X: (N, ...)
        inputs or (N,) input ids; y: (N,) labels. Every resample draws N of the N rows.
        """
        T, X, y = np.asarray(T), np.asarray(X), np.asarray(y)
        i_xt, i_yt = self.estimator.mutual_information(T, X, y)
        rows = np.random.default_rng(self.seed).integers(0, len(y), size=(self.resamples, len(y)))
        samples_axis = 1 if self.estimator.pools_epochs else 0
        resampled = np.array([self.estimator.mutual_information(
            np.take(T, drawn, axis=samples_axis), X[drawn], y[drawn]) for drawn in rows])
        i_xt_se, i_yt_se = resampled.std(axis=0, ddof=1)
        return Estimate(float(i_xt), float(i_yt), float(i_xt_se), float(i_yt_se))
