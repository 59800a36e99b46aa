"""Mutual information between a layer's activations T and the inputs X and labels Y, in bits.

The estimators (`BinningEstimator`, `KDEEstimator`, `MonteCarloEstimator`,
`NearestNeighbourEstimator`, `RenyiEstimator`, `BatchingEstimator`) share one call,
``estimator.mutual_information(T, X, y) -> (I(X;T), I(Y;T))``, and are named by spec strings
(`estimator_from_spec`); what every estimator declares and answers is `Estimator`
(`information.contract`). Measuring a whole run (runner, schedules, results table) lives in the
other modules of this package and is not imported here.
"""

from infonet.information.batching import BatchingEstimator
from infonet.information.binning import BinningEstimator
from infonet.information.contract import Estimate, Estimator
from infonet.information.estimators import estimator_from_spec
from infonet.information.kde import KDEEstimator
from infonet.information.knn import NearestNeighbourEstimator
from infonet.information.mc import MonteCarloEstimator
from infonet.information.renyi import RenyiEstimator

__all__ = [
    "BatchingEstimator",
    "BinningEstimator",
    "Estimate",
    "Estimator",
    "KDEEstimator",
    "MonteCarloEstimator",
    "NearestNeighbourEstimator",
    "RenyiEstimator",
    "estimator_from_spec",
]
