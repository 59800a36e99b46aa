"""Ground truths computed from first principles, independently of the estimators' code.

Lives here: layers whose information is known, and the truth for each: the noisy layers' exact
I(X;T+Z), I(Y;T+Z) (the mixture entropies by quadrature on a fine grid), and closed forms for
the binned and kernel quantities. Used by the tests of every estimator and by
benchmarks/bench_debate.py. Not here: any call into `information` (the truths must not come
from the code they judge).

For T + Z, Z ~ N(0, s^2 I), the density of T + Z is the equal-weight Gaussian mixture over the
rows; h = -integral p ln p is summed on a uniform grid reaching 9 s beyond the rows (the
Gaussian tails beyond hold less than 1e-18 of the mass), which for these smooth, fast-decaying
integrands is exact far below the estimators' tolerances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.special import logsumexp


def mixture_entropy(centres: np.ndarray, variance: float, points: int) -> float:
    """h in nats of the equal-weight mixture of N(c_j, variance I), c: (n, 1) or (n, 2), by
    quadrature on a grid of ``points`` per axis."""
    d = centres.shape[1]
    reach = 9 * math.sqrt(variance)
    axes = [np.linspace(centres[:, k].min() - reach, centres[:, k].max() + reach, points)
            for k in range(d)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
    cell = math.prod(axis[1] - axis[0] for axis in axes)
    log_p = np.empty(len(grid))
    for first in range(0, len(grid), 4096):
        block = grid[first:first + 4096]
        squared = ((block[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        log_p[first:first + 4096] = (
            logsumexp(-squared / (2 * variance), axis=1) - math.log(len(centres))
            - 0.5 * d * math.log(2 * math.pi * variance)
        )
    return float(-(np.exp(log_p) * log_p).sum() * cell)


def gaussian_entropy(d: int, variance: float) -> float:
    """h(N(0, variance I_d)) in nats."""
    return 0.5 * d * math.log(2 * math.pi * math.e * variance)


def conditional_mixture_entropy(T, groups, variance, points) -> float:
    """sum_g p_g h(mixture of group g's rows), nats."""
    values, counts = np.unique(groups, return_counts=True)
    return sum(count / len(groups) * mixture_entropy(T[groups == value], variance, points)
               for value, count in zip(values, counts, strict=True))


@dataclass(frozen=True)
class NoisyCase:
    """A layer T (N, d), input ids X (N,), labels y (N,), the noise variance s^2, and the exact
    I(X;T+Z), I(Y;T+Z) in bits."""

    name: str
    T: np.ndarray
    X: np.ndarray
    y: np.ndarray
    noise_variance: float
    i_xt: float
    i_yt: float


def _truth(name, T, X, y, variance, points) -> NoisyCase:
    h_all = mixture_entropy(T, variance, points)
    distinct = len(np.unique(X)) == len(X)
    h_given_x = (gaussian_entropy(T.shape[1], variance) if distinct
                 else conditional_mixture_entropy(T, X, variance, points))
    h_given_y = conditional_mixture_entropy(T, y, variance, points)
    return NoisyCase(name, T, X, y, variance, float(h_all - h_given_x) / math.log(2),
                     float(h_all - h_given_y) / math.log(2))


@cache
def noisy_cases() -> tuple[NoisyCase, ...]:
    """The noisy layers: a 1-D and a 2-D tanh layer of two classes, and a 1-D window of pooled
    epochs (each input repeated, so H(T+Z | X) is a mixture too)."""
    rng = np.random.default_rng(20260)
    y1 = rng.integers(0, 2, 600)
    one = np.tanh(rng.normal(loc=1.2 * (2 * y1 - 1), scale=1.0))[:, None]
    y2 = rng.integers(0, 3, 300)
    angle = 2 * math.pi * y2 / 3
    two = np.tanh(np.column_stack([np.cos(angle), np.sin(angle)])
                  + 0.6 * rng.normal(size=(300, 2)))
    inputs = rng.integers(0, 2, 40)
    base = rng.normal(loc=2 * inputs - 1, scale=0.8)
    window = np.concatenate([base + 0.15 * rng.normal(size=40) for _ in range(5)])[:, None]
    return (
        _truth("1-D tanh, 600 rows, 2 classes", one, np.arange(600), y1, 0.05, 3000),
        _truth("2-D tanh, 300 rows, 3 classes", two, np.arange(300), y2, 0.02, 200),
        _truth("1-D window, 40 inputs x 5 epochs", window, np.tile(np.arange(40), 5),
               np.tile(inputs, 5), 0.05, 3000),
    )


@cache
def small_noisy_cases() -> tuple[NoisyCase, ...]:
    """Noisy layers of the sizes researchers measure on a test split: the 1-D and 2-D tanh
    layers of `noisy_cases`, drawn afresh at 96, 256 and 512 rows."""
    rng = np.random.default_rng(20261)
    cases = []
    for n in (96, 256, 512):
        y1 = rng.integers(0, 2, n)
        one = np.tanh(rng.normal(loc=1.2 * (2 * y1 - 1), scale=1.0))[:, None]
        cases.append(_truth(f"1-D tanh, {n} rows, 2 classes", one, np.arange(n), y1, 0.05, 3000))
        y2 = rng.integers(0, 3, n)
        angle = 2 * math.pi * y2 / 3
        two = np.tanh(np.column_stack([np.cos(angle), np.sin(angle)])
                      + 0.6 * rng.normal(size=(n, 2)))
        cases.append(_truth(f"2-D tanh, {n} rows, 3 classes", two, np.arange(n), y2, 0.02, 200))
    return tuple(cases)


def entropy_bits(counts) -> float:
    """Shannon entropy in bits of the frequencies ``counts``."""
    p = np.asarray(counts, dtype=float) / np.sum(counts)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def renyi_entropy_bits(counts, alpha: float) -> float:
    """Renyi alpha-entropy in bits of the frequencies ``counts`` (alpha = 1: Shannon), as
    [alpha log2 p_max + log2 sum_k (p_k / p_max)^alpha] / (1 - alpha): no p^alpha, which
    underflows at large alpha."""
    if alpha == 1:
        return entropy_bits(counts)
    p = np.asarray(counts, dtype=float) / np.sum(counts)
    p, top = p[p > 0], p.max()
    return float(alpha / (1 - alpha) * np.log2(top) + np.log2(((p / top) ** alpha).sum())
                 / (1 - alpha))


TISHBY_LABEL_COUNTS = (4096 - 2118, 2118)
"""Class sizes of the Tishby labels: 2118 ones among 4096 patterns."""


def heavy_tailed_layer(n: int = 4096, seed: int = 3) -> np.ndarray:
    """A one-unit layer (n, 1) of n distinct Cauchy values: heavy tails, equal-width bins waste
    themselves on the few outliers."""
    return np.random.default_rng(seed).standard_cauchy(n)[:, None]
