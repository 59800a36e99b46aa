"""The matrix-based Renyi alpha-entropy estimator (Giraldo, Rao & Principe 2015; Yu et al. 2020).

Lives here: `RenyiEstimator` and its quantities: `kernel_spectrum` (eigenvalues of a layer's
Gaussian Gram matrix), `default_width` (the cited papers' width rule), `matrix_entropy`
(S_alpha from them) and `grouped_information` (I(G;T) with the equality kernel of a discrete
G). Not here: spec strings (`information.estimators`).

With K_ij = exp(-||t_i - t_j||^2 / (2 W^2)) and A = K / tr K (unit trace), eigenvalues l_k:

    S_alpha(A) = log2(sum_k l_k^alpha) / (1 - alpha)    (alpha = 1: -sum_k l_k log2 l_k),
    S_alpha(A, B) = S_alpha(A o B / tr(A o B))            (o: elementwise product),
    I_alpha(G;T) = S_alpha(A_G) + S_alpha(A_T) - S_alpha(A_G, A_T), in bits.

The labels' kernel is the label-equality kernel [y_i = y_j] (the Gram matrix of one-hot labels,
equivalently a Gaussian kernel on them in the limit of a small width), so S_alpha(A_Y) is the
Renyi entropy of the class frequencies. The inputs enter the same way, through their identities
(the estimators of this toolkit see which rows are the same input, not the input vectors): with
every input distinct A_X = I / N, S_alpha(A_X) = S_alpha(A_X, A_T) = log2 N and I(X;T) =
S_alpha(A_T), as binning's I(X;T) = H(T). (Yu et al. and Wickstrom et al. put a Gaussian kernel
on the input images instead, which makes I(X;T) depend on the inputs' geometry.) The joint Gram
matrix with a grouping is block diagonal, one block per group, so only A_T needs a full
eigendecomposition: O(N^3) time and O(N^2) memory per layer-epoch.

S_alpha is evaluated in log space, finite at every order alpha > 0 (`matrix_entropy`): l^alpha
itself underflows from alpha ~ 500, and log2(sum_k l_k^alpha) / (1 - alpha) cancels near
alpha = 1 (1.44 bits for 1.5 at alpha = 1 + 1 ulp). The kernel is exp(-(||t_i - t_j|| / W)^2 / 2),
which neither overflows nor divides 0 by 0 at any width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigvalsh
from scipy.spatial.distance import pdist, squareform
from scipy.special import logsumexp

from infonet.information.contract import Estimator, positive
from infonet.information.entropy import check_samples, dense_ids


def default_width(T: np.ndarray) -> float:
    """The cited width rule W = gamma sqrt(d) N^(-1/(4 + d)), gamma = 0.8, of T (N, d).

    Silverman's rule sigma = gamma N^(-1/(4+d)) of Giraldo et al. and Yu et al., with the
    dimension factor sqrt(d) of Tapia & Estevez (2020), as the IPDL reference code sets it
    (``SilvermanOptimizer``: gamma 0.8, ``normalize_dim``) for its kernel
    exp(-||t_i - t_j||^2 / (2 sigma^2)), which is ours with W = sigma.
    """
    n, d = T.shape
    return float(_GAMMA * math.sqrt(d) * n ** (-1.0 / (4 + d)))


_GAMMA = 0.8
"""The width rule's gamma in the IPDL reference code."""


def kernel_spectrum(T: np.ndarray, width: float) -> np.ndarray:
    """Eigenvalues of the Gram matrix K_ij = exp(-||t_i - t_j||^2 / (2 width^2)) of T (N, d).

    Equal rows are merged first: with U distinct rows, counts c and their Gram matrix K_u, K has
    the non-zero eigenvalues of diag(c)^(1/2) K_u diag(c)^(1/2) (U x U), so saturated layers
    cost less. width 0 gives the equality kernel [t_i = t_j].
    """
    rows, counts = np.unique(T, axis=0, return_counts=True)
    distances = squareform(pdist(rows))
    with np.errstate(over="ignore"):  # a distance of more than 1e154 widths: a kernel of 0
        kernel = (distances == 0.0) * 1.0 if width == 0 else np.exp(-0.5 * (distances / width)**2)
    root = np.sqrt(counts)
    return eigvalsh(root[:, None] * kernel * root[None, :])


def matrix_entropy(eigenvalues: np.ndarray, alpha: float) -> float:
    """S_alpha in bits of a positive semi-definite matrix, normalised to unit trace, from its
    K eigenvalues, finite at every alpha > 0. Eigenvalues within rounding of zero, below
    K eps l_max (as ``numpy.linalg.matrix_rank``), are taken as zero: an order below 1 would
    count each of them (at alpha -> 0, S_alpha is the log of the rank).

    With p_k = l_k / sum l and beta = alpha - 1, ln sum_k p_k^alpha is taken as
    log1p(sum_k p_k expm1(beta ln p_k) / sum_k p_k), a sum of terms of one sign that keeps its
    precision as alpha -> 1 (and tends to the von Neumann entropy), unless that sum is below
    1/e; then as alpha ln p_max + ln sum_k exp(alpha (ln p_k - ln p_max)), whose second term
    lies in [0, ln K], so S_alpha -> -log2 p_max as alpha grows and nothing overflows.
    """
    resolution = len(eigenvalues) * np.finfo(float).eps * eigenvalues.max()
    weights = eigenvalues[eigenvalues > resolution]
    weights = weights / weights.sum()
    if alpha == 1:
        return float(-(weights * np.log2(weights)).sum()) + 0.0
    log_weights = np.log(weights)
    top = log_weights.max()
    with np.errstate(over="ignore"):  # alpha (ln p - ln p_max) below float64: a term of 0
        spread = float(logsumexp(alpha * (log_weights - top)))
    if alpha > 1 and top < -(1 + spread) / alpha:  # alpha ln p_max + spread < -1
        return float(alpha / (1 - alpha) * top + spread / (1 - alpha)) / math.log(2) + 0.0
    beta = alpha - 1
    if beta > 0:
        terms = weights * np.expm1(beta * log_weights)
    else:  # the same p (e^x - 1) as -p^alpha (e^-x - 1), which cannot overflow for x > 0
        terms = -np.exp(alpha * log_weights) * np.expm1(-beta * log_weights)
    log_sum = np.log1p(terms.sum() / weights.sum())
    return float(log_sum / (1 - alpha)) / math.log(2) + 0.0


def grouped_information(
    T: np.ndarray, width: float, entropy_t: float, groups: np.ndarray, alpha: float
) -> float:
    """I_alpha(G;T) in bits with the equality kernel [g_i = g_j] for the grouping G (N,) of T.

    entropy_t: S_alpha(A_T). S_alpha(A_G) is the Renyi entropy of the group frequencies;
    A_G o A_T is block diagonal, so its spectrum is the union of each group's block spectrum.
    """
    ids, _ = dense_ids(groups)
    counts = np.bincount(ids)
    if len(counts) == len(ids):
        return entropy_t
    members = np.split(np.argsort(ids, kind="stable"), np.cumsum(counts)[:-1])
    spectrum = np.concatenate([kernel_spectrum(T[rows], width) for rows in members])
    return matrix_entropy(counts / len(ids), alpha) + entropy_t - matrix_entropy(spectrum, alpha)


@dataclass(frozen=True, eq=False)
class RenyiEstimator(Estimator):
    """I_alpha(X;T), I_alpha(Y;T) in bits, matrix-based Renyi alpha-entropies (module doc).

    alpha: order > 0 (1: von Neumann entropy; default 1.01 as Yu et al.); width: kernel width
    W > 0, None for the IPDL code's rule 0.8 sqrt(d) N^(-1/(4+d)) (`default_width`). The cost
    is O(N^3) time and O(N^2) memory (one eigendecomposition of the N x N Gram matrix of the
    distinct rows): about 15 s at N = 4096 on one core; beyond about 10^4 distinct rows it is
    out of reach (docs/estimators.md).
    """

    heads = {"renyi": {}}
    parameters = (positive("alpha"), positive("width"))
    pairwise = True

    alpha: float = 1.01
    width: float | None = None

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I_alpha(X;T), I_alpha(Y;T)) in bits; T: (N, d), X: (N, ...) or (N,) ids, y: (N,)."""
        T, x_ids, y = check_samples(T, X, y)
        T = T.astype(np.float64)
        width = default_width(T) if self.width is None else float(self.width)
        entropy_t = matrix_entropy(kernel_spectrum(T, width), self.alpha)
        return (
            grouped_information(T, width, entropy_t, x_ids, self.alpha),
            grouped_information(T, width, entropy_t, y, self.alpha),
        )


