"""The nearest-neighbour estimator of the noisy layer T + Z: Kozachenko-Leonenko and Ross (2014).

Lives here: `NearestNeighbourEstimator` and its two quantities, `kozachenko_leonenko_entropy`
(differential entropy from k-th neighbour distances) and `ross_information` (I(G;V) for a
discrete G and a continuous V, the method of scikit-learn's ``mutual_info_classif``). Not here:
the noisy draws and h(Z) (`information.noise`), spec strings (`information.estimators`).

The layer is seen through the same channel as `mc` and the KDE bounds, V = T + Z with
Z ~ N(0, s^2 I), but only through samples of V: ``draws`` per row (seeded), so
``draws * N`` points. With Euclidean distances (exact neighbour searches, a k-d tree or blocked
brute force by dimension: `information.neighbours`) and psi the digamma function, in nats:

- h(V) = psi(n) - psi(k) + ln c_d + (d / n) sum_i ln eps_i, eps_i the distance from point i to
  its k-th nearest neighbour, c_d = pi^(d/2) / Gamma(d/2 + 1) the volume of the unit ball;
- I(X;V) = h(V) - h(Z), h(Z) in closed form, when every input is distinct; with repeated inputs
  (pooled epochs) I(X;V) = h(V) - sum_x p_x h(V | x), each input's points estimated alone;
- I(Y;V) = psi(n) + <psi(k_i)> - <psi(n_c)> - <psi(m_i)> (Ross 2014): eps_i the distance to
  the k-th nearest point of the same class, m_i the number of points within it (itself
  included, the radius just below eps_i), classes of one point left out and k_i =
  min(k, n_c - 1), as scikit-learn does (without its clipping of negative values at zero).

The estimate is the mean of ``replicates`` independent estimates (each on its own ``draws``
per row from one seeded stream) and its Monte Carlo standard error their sd / sqrt(replicates)
(`NearestNeighbourEstimator.estimate`). By default draws = ceil(8192 / N), so that each
replicate has at least 8192 points, and 4 replicates: within 0.03 bits of the quadrature truth
on 1-D and 2-D layers of 96 to 600 rows (docs/estimators.md).

Duplicate rows of T are separated by the noise. Nothing is clipped: an estimate above log2 N or
below zero is the estimator's bias, left visible. Noisy points that coincide (noise below the
float64 resolution of T) make eps = 0 and raise ValueError, as do labels that leave no class
of two points (Ross's estimate is then undefined). noise_variance is at most 1e300: above,
h(Z) and the squared distances overflow float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from infonet.information.contract import Estimate, Estimator, integer, positive
from infonet.information.entropy import check_samples, dense_ids
from infonet.information.neighbours import kth_neighbour_distances, points_within
from infonet.information.noise import gaussian_entropy, noisy_samples


def kozachenko_leonenko_entropy(points: np.ndarray, k: int) -> float:
    """Kozachenko-Leonenko estimate of the differential entropy of ``points`` (n, d), in nats."""
    n, d = points.shape
    if n <= k:
        raise ValueError(f"the k-nearest-neighbour entropy needs more than k={k} points, got {n}")
    distances = kth_neighbour_distances(points, k)
    if not distances.all():
        raise ValueError(
            "noisy points coincide (noise_variance below the resolution of the activations)"
        )
    log_unit_ball = 0.5 * d * math.log(math.pi) - gammaln(0.5 * d + 1)
    return float(digamma(n) - digamma(k) + log_unit_ball + d * np.log(distances).mean())


def ross_information(points: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Ross's (2014) estimate of I(G;V) in nats; points: (n, d) samples of V, labels: (n,) G."""
    ids, _ = dense_ids(labels)
    counts = np.bincount(ids)[ids]
    kept = counts > 1
    if not kept.any():
        raise ValueError(
            "Ross's I(Y;T) needs a class with more than one noisy point: every label is unique "
            "(raise draws)"
        )
    points, ids, counts = points[kept], ids[kept], counts[kept]
    neighbours = np.minimum(k, counts - 1)
    radius = np.empty(len(points))
    for label in np.unique(ids):
        members = np.flatnonzero(ids == label)
        own = min(k, len(members) - 1)
        radius[members] = np.nextafter(kth_neighbour_distances(points[members], own), 0)
    within = points_within(points, radius)
    return float(
        digamma(len(points)) + digamma(neighbours).mean() - digamma(counts).mean()
        - digamma(within).mean()
    )


@dataclass(frozen=True, eq=False)
class NearestNeighbourEstimator(Estimator):
    """I(X;T+Z), I(Y;T+Z) in bits from k-nearest-neighbour distances of noisy samples (module doc).

    k: neighbours (>= 1); noise_variance: s^2 in (0, 1e300]; seed: seed of the draws (>= 0).
    The noisy points: ``draws`` per row (>= 1), or by default as many per row as make at least
    ``points`` in all (default 8192: draws = ceil(points / N)); the estimate is the mean of
    ``replicates`` independent sets of them (default 4; 1 when ``draws`` is given without it,
    the estimator of specs written before replicates existed). Declared pairwise so that the
    runner gives each layer-epoch a task of its own: neighbour searches cost far more than a
    binning.
    """

    heads = {"knn": {}}
    parameters = (integer("k", 1), positive("noise_variance", 1e300), integer("draws", 1),
                  integer("points", 1), integer("replicates", 1), integer("seed", 0))
    pairwise = True
    renamed = {"samples": "draws"}
    monte_carlo = True

    k: int = 3
    noise_variance: float = 0.1
    draws: int | None = None
    points: int | None = None
    replicates: int | None = None
    seed: int = 0

    @property
    def name(self) -> str:
        """Canonical spec, every setting written: ``knn:k=3,noise_variance=0.1,points=8192,
        replicates=4,seed=0``, or ``draws=D`` in place of ``points``; ``draws=D`` with one
        replicate as old specs wrote it: ``knn:k=3,noise_variance=0.1,draws=D,seed=0``."""
        replicates = self._replicates()
        if self.draws is None:
            sampling = f"points={self.points or _DEFAULT_POINTS},replicates={replicates}"
        else:
            sampling = f"draws={self.draws}" + (f",replicates={replicates}" if replicates > 1
                                                 else "")
        return (f"knn:k={self.k},noise_variance={float(self.noise_variance)!r},{sampling},"
                f"seed={self.seed}")

    def check(self) -> None:
        """Raise ValueError when ``draws`` and ``points`` are both given."""
        if self.draws is not None and self.points is not None:
            raise ValueError("draws fixes the noisy points per row, points their number in all: "
                             "give one of them")

    def validity(self, T: np.ndarray) -> str | None:
        """A reason when T (N, d) has more than 3 units or fewer than 96 rows: the defaults are
        checked against quadrature truths in 1 and 2 dimensions from 96 rows, and the
        Kozachenko-Leonenko bias grows with the dimension (16 bits for 12 on 10 units)."""
        n, d = np.shape(T)
        if d > _TRUSTED_UNITS:
            return (f"d = {d} > {_TRUSTED_UNITS} units: nearest-neighbour entropies are biased "
                    "in high dimension (checked in 1-2)")
        if n < _TRUSTED_ROWS:
            return f"N = {n} < {_TRUSTED_ROWS} samples: below the sizes its defaults are checked at"
        return None

    def estimate(self, T: np.ndarray, X: np.ndarray, y: np.ndarray) -> Estimate:
        """I(X;T+Z), I(Y;T+Z) in bits, each the mean of the replicates' estimates, with its
        Monte Carlo standard error sd / sqrt(replicates) (NaN, unknown, for one replicate).

        T: (N, d), X: (N, ...) or (N,) input ids, y: (N,) labels. Replicate r takes the next
        ``draws`` per row from one seeded stream, so the first is the one-replicate estimate.
        Repeated inputs need more than k noisy points per input (rows of the input x draws).
        """
        T, x_ids, y = check_samples(T, X, y)
        draws = self.draws or math.ceil((self.points or _DEFAULT_POINTS) / len(T))
        replicates = self._replicates()
        stream = np.random.default_rng(self.seed)
        estimates = np.array([self._replicate(T, x_ids, y, draws, stream)
                              for _ in range(replicates)])
        errors = (estimates.std(axis=0, ddof=1) / math.sqrt(replicates) if replicates > 1
                  else np.full(2, math.nan))
        return Estimate(*map(float, estimates.mean(axis=0)), *map(float, errors))

    def _replicate(self, T: np.ndarray, x_ids: np.ndarray, y: np.ndarray, draws: int,
                   stream: np.random.Generator) -> tuple[float, float]:
        """One replicate's (I(X;T+Z), I(Y;T+Z)) in bits, on ``draws`` per row from ``stream``."""
        V, sources = noisy_samples(T, self.noise_variance, draws, stream)
        h_v = kozachenko_leonenko_entropy(V, self.k)
        x_of_point = x_ids[sources]
        if x_ids.max() + 1 == len(x_ids):
            h_v_given_x = gaussian_entropy(T.shape[1], self.noise_variance)
        else:
            counts = np.bincount(x_of_point)
            if counts.min() <= self.k:
                raise ValueError(
                    f"knn with repeated inputs needs more than k={self.k} noisy points per input, "
                    f"got {counts.min()}: raise draws or the number of pooled epochs"
                )
            groups = np.split(V[np.argsort(x_of_point, kind="stable")], np.cumsum(counts)[:-1])
            h_v_given_x = sum(
                len(group) / len(V) * kozachenko_leonenko_entropy(group, self.k)
                for group in groups
            )
        i_yt = ross_information(V, y[sources], self.k)
        return (h_v - h_v_given_x) / math.log(2), i_yt / math.log(2)

    def _replicates(self) -> int:
        """The replicates: as set, else 4, or 1 when ``draws`` is set (a spec from before
        replicates)."""
        if self.replicates is not None:
            return self.replicates
        return _DEFAULT_REPLICATES if self.draws is None else 1


_DEFAULT_POINTS, _DEFAULT_REPLICATES = 8192, 4
_TRUSTED_UNITS, _TRUSTED_ROWS = 3, 96
