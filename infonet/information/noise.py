"""The Gaussian noise channel T + Z, Z ~ N(0, s^2 I), that the noisy-network estimators measure.

Lives here: `noisy_samples` (seeded draws of T + Z, several per row) and `gaussian_entropy`
(h(Z) in closed form). Not here: the estimators that use them (`information.mc`,
`information.knn`); the KDE bounds (`information.kde`) integrate the noise analytically.

For a deterministic network T is a function of X, so I(X;T) of the continuous layer is infinite
(or H(X) for a discrete X); adding independent noise Z makes it finite:
I(X;T+Z) = h(T+Z) - h(T+Z|X) = h(T+Z) - h(Z) when every input is distinct.
"""

from __future__ import annotations

import math

import numpy as np


def noisy_samples(
    T: np.ndarray, noise_variance: float, samples: int, seed: int | np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` draws of t_i + z per row: (V (samples * N, d) float64, sources (samples * N,)).

    Draw-major order: rows 0..N-1 are the first draw of every row, N..2N-1 the second, ...
    z ~ N(0, noise_variance I) from ``np.random.default_rng(seed)``, so the same arguments give
    the same draws. ``seed`` may be a Generator, which is used as it is: successive calls on one
    Generator continue its stream, so draws of M and then K per row are the M + K per row of
    one call.
    """
    T = np.asarray(T, dtype=np.float64)
    noise = np.random.default_rng(seed).standard_normal((samples, *T.shape))
    points = T[None] + math.sqrt(noise_variance) * noise
    return points.reshape(-1, T.shape[1]), np.tile(np.arange(len(T)), samples)


def gaussian_entropy(units: int, noise_variance: float) -> float:
    """h(Z) = d/2 ln(2 pi e s^2) in nats of Z ~ N(0, s^2 I_d), d = ``units``."""
    return 0.5 * units * math.log(2 * math.pi * math.e * noise_variance)
