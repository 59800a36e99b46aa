"""Bias-corrected entropies of discrete samples, in bits: Miller-Madow, Grassberger, NSB.

Lives here: one function per corrected entropy of a sample's counts (`miller_madow_entropy`,
`grassberger_entropy`, `nsb_entropy`), `conditional_entropy_given`, which averages one over
the groups of a grouping, and `discrete_information`, I(X;T) and I(Y;T) of discrete T under a
chosen correction (``binning`` and ``exact`` take it as ``correction=``). Not here: the
plug-in entropy and the exact keys of rows (`information.entropy`).

The plug-in entropy of N samples of a distribution over K states is biased low, by about
(K - 1) / (2 N) nats while N >> K and by more when N is about K or below: 4096 draws of a uniform
distribution over 4096 states give about 11.2 bits for 12. In nats, with counts n_k of the
K_obs observed states:

- Miller-Madow (1955): H_plug-in + (K_obs - 1) / (2 N);
- Grassberger (2003, eq. 35): ln N - (1/N) sum_k n_k G(n_k), with
  G(n) = psi(n) + (-1)^n / 2 (psi((n + 1) / 2) - psi(n / 2));
- NSB (Nemenman, Shafee & Bialek 2002): the posterior mean of the entropy under a mixture of
  symmetric Dirichlet priors of concentration beta over the K possible states, mixed with weight
  d xi / d beta (xi(beta) = psi(K beta + 1) - psi(beta + 1), the prior mean entropy) so that the
  prior on the entropy is nearly uniform on [0, ln K]. With a = K beta and A = N + a:
  E[H | n, beta] = psi(A + 1) - sum_k (n_k + beta) / A psi(n_k + beta + 1)
  - (a - K_obs beta) / A psi(beta + 1), and the posterior over a is
  Gamma(a) / Gamma(N + a) prod_k Gamma(n_k + beta) / Gamma(beta) times the prior weight;
  integrated on a grid of ln a from 1e-6 to min(1e6 K, 1e10) N. K enters only as ln K, so
  alphabets of 30^1000 states are fine. A sample of singletons alone does not determine the
  estimate (the posterior piles up at the grid's top; NSB's known limit).

They help when the samples are a sub-sample of a larger population (a test split, a sample of
a dataset): then the true distribution has states the sample missed. They overshoot when the
samples are all of a finite dataset taken as uniform (the Tishby set's 4096 inputs, each once):
the plug-in entropy of that empirical distribution is then exact, and a correction adds bits
that are not there (N distinct rows: Miller-Madow gives log2 N + (N - 1) / (2 N ln 2)).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from infonet.information.entropy import dense_ids, key_counts, plug_in_information, row_keys

CORRECTIONS = ("none", "miller-madow", "grassberger", "nsb")
_GRID = 2000
"""Points of the NSB integral over ln a."""


def miller_madow_entropy(counts: np.ndarray) -> float:
    """H_plug-in + (K_obs - 1) / (2 N) in bits; counts (K_obs,) of the observed states, >= 1."""
    n = counts.sum()
    p = counts / n
    return float(-(p * np.log(p)).sum() + (len(counts) - 1) / (2 * n)) / math.log(2) + 0.0


def grassberger_entropy(counts: np.ndarray) -> float:
    """Grassberger's (2003) ln N - (1/N) sum_k n_k G(n_k) in bits; counts (K_obs,) >= 1."""
    n = counts.sum()
    sign = np.where(counts % 2 == 0, 1.0, -1.0)
    g = digamma(counts) + 0.5 * sign * (digamma((counts + 1) / 2) - digamma(counts / 2))
    return float(math.log(n) - (counts * g).sum() / n) / math.log(2)


def nsb_entropy(counts: np.ndarray, log_states: float) -> float:
    """The NSB posterior mean entropy in bits; counts (K_obs,) >= 1 of the observed states,
    log_states: ln K of the number K >= K_obs of possible states (module doc)."""
    values, multiplicity = np.unique(counts, return_counts=True)  # sums over counts alike
    values = values.astype(np.float64)
    n, observed = float(counts.sum()), len(counts)
    if log_states <= math.log(observed) + 1e-12:  # every possible state observed or K = 1
        log_states = math.log(observed)
    if observed == 1 and log_states == 0.0:
        return 0.0
    top = min(math.log(1e6) + log_states, math.log(1e10)) + math.log(n)
    log_a = np.linspace(math.log(1e-6), top, _GRID)
    log_beta = log_a - log_states
    a, beta = np.exp(log_a), np.exp(log_beta)
    total, shifted = n + a, values + beta[:, None]
    shared = gammaln(shifted) - gammaln(1 + beta)[:, None] + log_beta[:, None]
    log_likelihood = gammaln(a) - gammaln(total) + shared @ multiplicity
    prior = polygamma(1, a + 1) - np.exp(-log_states) * polygamma(1, beta + 1)
    with np.errstate(divide="ignore"):
        log_weight = log_likelihood + np.log(np.maximum(prior, 0)) + log_a  # d a = a d ln a
    weight = np.exp(log_weight - log_weight.max())
    mean = (digamma(total + 1) - (shifted * digamma(shifted + 1)) @ multiplicity / total
            - (a - observed * beta) / total * digamma(beta + 1))
    return float((weight * mean).sum() / weight.sum()) / math.log(2)


def corrected_entropy(counts: np.ndarray, correction: str, log_states: float) -> float:
    """The entropy in bits of a sample's counts (K_obs,) under ``correction`` (one of
    CORRECTIONS; "none" the plug-in); log_states: ln K, used by "nsb" alone."""
    if correction == "miller-madow":
        return miller_madow_entropy(counts)
    if correction == "grassberger":
        return grassberger_entropy(counts)
    if correction == "nsb":
        return nsb_entropy(counts, log_states)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0


def conditional_entropy_given(keys: np.ndarray, groups: np.ndarray, correction: str,
                              log_states: float) -> float:
    """sum_g p_g H(T | g) in bits, each group's entropy corrected from its own counts.

    keys: (N,) int64 keys of T; groups: (N,) integer group ids; log_states as for
    `corrected_entropy`.
    """
    ids, _ = dense_ids(groups)
    order = np.lexsort((keys, ids))
    keys, ids = keys[order], ids[order]
    bounds = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1], True])
    return sum((stop - start) / len(keys)
               * corrected_entropy(key_counts(keys[start:stop]), correction, log_states)
               for start, stop in zip(bounds[:-1], bounds[1:], strict=True))


def discrete_information(keys: np.ndarray, x_ids: np.ndarray, y: np.ndarray,
                         correction: str = "none",
                         log_states: float = 0.0) -> tuple[float, float]:
    """(I(X;T), I(Y;T)) in bits of discrete T (keys (N,) or integer rows (N, d)) under
    ``correction``: H(T) - H(T|X) and H(T) - H(T|Y), every entropy corrected, H(T|X) = 0 when
    all input ids (N,) are distinct (T is then a function of X: no entropy to estimate);
    "none" is `plug_in_information`. log_states: ln K of T's possible states (for "nsb")."""
    if correction == "none":
        return plug_in_information(keys, x_ids, y)
    keys = row_keys(keys)
    h_t = corrected_entropy(key_counts(keys), correction, log_states)
    distinct = x_ids.max() + 1 == len(x_ids)
    h_t_x = 0.0 if distinct else conditional_entropy_given(keys, x_ids, correction, log_states)
    return h_t - h_t_x, h_t - conditional_entropy_given(keys, y, correction, log_states)
