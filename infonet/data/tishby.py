"""Tishby's 12-bit datasets: the 4096 input patterns and the three published labelling rules.

Shwartz-Ziv & Tishby (2017) train on every 12-bit pattern; ``var_u`` labels it by a score on
the vertices of an icosahedron, ``g1`` and ``g2`` are the two published variants. Each rule is a
pure function of the bit patterns, so the sets are generated, never shipped; their published
files (``tishby_var_u.npz``, ``tishby_g1.npz``, ``tishby_g2.npz``) are reproduced exactly.

Naming the sets, loading files and splitting live in ``data.datasets``.
"""

from __future__ import annotations

import numpy as np

N_BITS = 12

ICOSAHEDRON_NEIGHBOURS: tuple[tuple[int, ...], ...] = (
    (1, 3, 5, 10, 11),
    (0, 2, 3, 4, 11),
    (1, 3, 4, 8, 9),
    (0, 1, 2, 8, 10),
    (1, 2, 6, 9, 11),
    (0, 6, 7, 10, 11),
    (4, 5, 7, 9, 11),
    (5, 6, 8, 9, 10),
    (2, 3, 7, 9, 10),
    (2, 4, 6, 7, 8),
    (0, 3, 5, 7, 8),
    (0, 1, 4, 5, 6),
)
"""The neighbours of vertex (bit column) i of the icosahedron; 30 edges in all."""

ICOSAHEDRON_EDGES: tuple[tuple[int, int], ...] = tuple(
    (i, j) for i, neighbours in enumerate(ICOSAHEDRON_NEIGHBOURS) for j in neighbours if i < j
)

ANTIPODAL_PAIRS: tuple[tuple[int, int], ...] = ((0, 9), (1, 7), (2, 5), (3, 6), (4, 10), (8, 11))
"""Opposite vertices of the icosahedron (no common neighbour)."""

G1_COEFFICIENTS = np.array([
    [0.1, 0.4, 0.3, 0.5, 0.3, 0.7, 0.1, 0.2, 0.4, 0.3, 0.5, 0.25],
    [0.4, 0.7, 0.7, 0.4, 0.6, 0.6, 0.3, 0.1, 0.15, 0.25, 0.45, 0.05],
    [0.4, 0.2, 0.3, 0.6, 0.1, 0.65, 0.55, 0.25, 0.1, 0.25, 0.7, 0.15],
])
"""(3, 12) ``ref_coeff`` of tishby_g1.npz: three weightings of the bits."""

G1_ROW_THRESHOLDS = np.array([0.1, 0.3, 0.2])
"""``thredhold`` of tishby_g1.npz: subtracted from each weighted sum."""

G1_THRESHOLD = 5.89
"""``thrshold_gen`` of tishby_g1.npz."""

G2_COEFFICIENTS = G1_COEFFICIENTS / G1_COEFFICIENTS.sum(axis=1, keepdims=True)
"""(3, 12) ``ref_coeff`` of tishby_g2.npz: g1's rows scaled to sum to 1 (bit for bit the file's)."""

G2_CENTRE = 0.41
"""``thredhold_inner`` of tishby_g2.npz: where each sigmoid is centred."""

G2_GAIN = 7.0
"""Slope of g2's sigmoids (not stored in the file)."""

G2_THRESHOLD = 1.945
"""``thrshold_gen`` of tishby_g2.npz."""


def all_patterns(n_bits: int = N_BITS) -> np.ndarray:
    """Every ``n_bits``-bit pattern once, (2**n_bits, n_bits) uint8 of 0/1.

    Row r is the binary expansion of r, most significant bit in column 0 (binary counting order).
    """
    if n_bits < 1:
        raise ValueError(f"n_bits must be at least 1, got {n_bits}")
    shifts = np.arange(n_bits - 1, -1, -1)
    return ((np.arange(2**n_bits)[:, None] >> shifts) & 1).astype(np.uint8)


def _pairs_on(x: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> np.ndarray:
    """(N,) how many of ``pairs`` of columns have both bits of x (N, 12) set."""
    first, second = np.array(pairs).T
    return (x[:, first] * x[:, second]).sum(axis=1)


def var_u_labels(x: np.ndarray) -> np.ndarray:
    """Tishby's labels, (N,) int64 0/1, of bit patterns x (N, 12).

    With n the number of ones, e1 the number of icosahedron edges with both ends on and e3 the
    number of antipodal pairs with both on: y = 1 iff 30 n - 3 n^2 + 8 e1 - 4 e3 >= 120.
    """
    x = np.asarray(x, dtype=np.int64)
    n = x.sum(axis=1)
    score = (30 * n - 3 * n**2 + 8 * _pairs_on(x, ICOSAHEDRON_EDGES)
             - 4 * _pairs_on(x, ANTIPODAL_PAIRS))
    return (score >= 120).astype(np.int64)


def g1_labels(x: np.ndarray) -> np.ndarray:
    """The g1 variant's labels, (N,) int64 0/1, of bit patterns x (N, 12).

    With z_k = G1_COEFFICIENTS[k] . x: y = 1 iff sum_k (z_k - G1_ROW_THRESHOLDS[k]) > 5.89,
    that is iff (column sums of G1_COEFFICIENTS) . x > 6.49.
    """
    z = np.asarray(x, dtype=np.float64) @ G1_COEFFICIENTS.T
    return ((z - G1_ROW_THRESHOLDS).sum(axis=1) > G1_THRESHOLD).astype(np.int64)


def g2_labels(x: np.ndarray) -> np.ndarray:
    """The g2 variant's labels, (N,) int64 0/1, of bit patterns x (N, 12).

    With z_k = G2_COEFFICIENTS[k] . x: y = 1 iff sum_k sigmoid(7 (z_k - 0.41)) > 1.945.
    """
    z = np.asarray(x, dtype=np.float64) @ G2_COEFFICIENTS.T
    votes = 1.0 / (1.0 + np.exp(-G2_GAIN * (z - G2_CENTRE)))
    return (votes.sum(axis=1) > G2_THRESHOLD).astype(np.int64)
