"""The KDE estimator (Saxe et al. 2018): Kolchinsky & Tracey's pairwise-distance entropy bounds.

Lives here: `KDEEstimator` and the two quantities it is made of, `pairwise_kernel_sums` (the
kernel row sums, in row blocks) and `kernel_mutual_information` (the bound on I(G;T) from them);
and the Gaussian kernel's exponents, exact to 1e-9 nats at any width, shared with
`information.mc`: `kernel_exponent_blocks` (all pairs, in row blocks) and `paired_exponents`
(given pairs).
Not here: input checking and discrete entropy (`information.entropy`), spec strings
(`information.estimators`).

T is taken as an equal-weight mixture of Gaussians N(t_i, s^2 I), s^2 = noise_variance. With
D_ij = ||t_i - t_j||^2 and, for a set of rows R,

    S(R) = -(1/|R|) sum_{i in R} ln[(1/|R|) sum_{j in R} exp(-D_ij / (2 w))],

w = s^2 gives the upper (KL) bound and w = 4 s^2 the lower (Bhattacharyya) bound, and

    I(X;T) = S(all) - sum_x p_x S(rows of input x),
    I(Y;T) = S(all) - sum_c p_c S(rows of class c),

divided by ln 2 for bits. This is Saxe's H_bound(T) - H(T|X) with H(T|X) = d/2 (ln 2 pi s^2 + 1):
the Gaussian constants cancel. When every input is distinct S(rows of input x) = 0 exactly.

The exponents -D_ij / (2 w) come from one matrix product, which rounds each of them by up to
about (d + 4) eps (|z_i|^2 + |z_j|^2) nats, z = (t - mean t) / sqrt(w): nothing at the usual
widths, but 2e-3 nats on a 10-unit tanh layer at s^2 = 1e-12 and whole nats below, enough for
K_ii < 1 and a bound above H(X). So each row's own entry, D_ii = 0, is always exactly 0
(K_ii = 1: no bound exceeds H(X) or H(Y)), and the entries that count (within `_MARGIN` nats
of their row's largest) whose rounding bound may pass `_TOLERANCE` are recomputed from the
differences.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from infonet.information.contract import Estimator, one_of, positive
from infonet.information.entropy import check_samples, dense_ids, entropy, row_keys

BOUNDS = ("upper", "lower")
DTYPES = ("float64", "float32")
_BLOCK_ELEMENTS = 2**20
"""Kernel entries held at once when block_rows is not given: 8 MiB of float64 per block."""
_TOLERANCE = {"float64": 1e-9, "float32": 1e-3}
"""Rounding, in nats, an expanded exponent may carry; entries that may carry more and count are
recomputed. float32 is the precision a user chooses for speed, at about 1e-3 bits."""
_TRUSTED_UNITS = 20
"""The most units on which the bounds are read without a warning (`KDEEstimator.validity`)."""
_MARGIN = 60.0
"""Entries this far, in nats, below their row's largest are kept as expanded: together they
hold less than N e^-60 (1e-20 at N = 1e6) of the row's sum."""


def paired_exponents(P: np.ndarray, Q: np.ndarray, width: float) -> np.ndarray:
    """-||p_i - q_i||^2 / (2 width) in nats, float64, of paired rows P, Q (n, d) (or broadcast).

    From the differences, scaled before they are squared: exact to rounding at any width, and
    never NaN; a distance too large for float64 gives -inf (a kernel of 0).
    """
    scaled = (np.asarray(P, dtype=np.float64) - Q) / math.sqrt(width)
    with np.errstate(over="ignore"):
        return -0.5 * np.einsum("ij,ij->i", scaled, scaled)


def kernel_exponent_blocks(
    P: np.ndarray,
    Q: np.ndarray,
    width: float,
    anchors: np.ndarray,
    *,
    dtype: type | str = np.float64,
    block_rows: int | None = None,
) -> Iterator[tuple[slice, np.ndarray]]:
    """E_ij = -||p_i - q_j||^2 / (2 width), nats, of P (n, d) against Q (N, d), in row blocks.

    Yields (rows of P, E of those rows (rows, N) in ``dtype``), ``block_rows`` rows at a time
    (None: about 2^20 / N); the block array is reused, so use it before taking the next. E is
    one matrix product of expanded factors, whose rounding in entry ij is at most r_i + c_j
    nats (`_exponent_factors`). Entries whose r_i + c_j may pass ``_TOLERANCE[dtype]`` (in a
    row or column whose r or c passes half of it, or overflows) are recomputed by
    `paired_exponents` wherever they lie within ``_MARGIN`` nats, plus twice the row's largest
    rounding, of the row's largest entry or of its anchor; the others hold less than N e^-60
    of any sum that includes either. So the entries that count are exact to the tolerance at
    any width, and none is NaN. anchors: (n,) a column of Q per row of P whose entry is always
    taken from the differences (KDE: the row itself, 0; mc: the row the draw was made around),
    so that sums over any group holding the anchor are as exact as it is.
    """
    left, right, row_error, column_error = _exponent_factors(P, Q, width, dtype)
    half = _TOLERANCE[np.dtype(dtype).name] / 2
    loud_rows = ~(row_error <= half)
    loud_columns = np.flatnonzero(~(column_error <= half))
    widest = column_error.max()
    n, rows = len(P), block_rows or max(1, _BLOCK_ELEMENTS // len(Q))
    buffer = np.empty((min(rows, n), len(Q)), dtype=dtype)
    for first in range(0, n, rows):
        block = slice(first, min(first + rows, n))
        exponent, here = buffer[: block.stop - first], np.arange(block.stop - first)
        with np.errstate(invalid="ignore", over="ignore"):
            np.matmul(left[block], right, out=exponent)
        anchored = paired_exponents(P[block], Q[anchors[block]], width)
        loud = np.flatnonzero(loud_rows[block])
        if len(loud) or len(loud_columns):
            rounding = row_error[block] + widest
            floor = np.minimum(exponent.max(axis=1), anchored) - (_MARGIN + 2 * rounding)
            quiet = np.flatnonzero(~loud_rows[block])
            in_loud_rows = np.nonzero(~(exponent[loud] <= floor[loud, None]))
            in_loud_columns = np.nonzero(
                ~(exponent[np.ix_(quiet, loud_columns)] <= floor[quiet, None]))
            i = np.r_[loud[in_loud_rows[0]], quiet[in_loud_columns[0]]]
            j = np.r_[in_loud_rows[1], loud_columns[in_loud_columns[1]]]
            _recompute(exponent, i, j, P[block], Q, width)
        exponent[here, anchors[block]] = anchored
        yield block, exponent


def pairwise_kernel_sums(
    T: np.ndarray,
    groupings: list[np.ndarray],
    width: float,
    *,
    dtype: type | str = np.float64,
    block_rows: int | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Row sums of the Gaussian kernel K_ij = exp(-||t_i - t_j||^2 / (2 width)), in one pass.

    T: (N, d); groupings: (N,) dense group ids 0..G-1 each. Returns total (N,) = sum_j K_ij
    and, per grouping g, own (N,) = sum_{j: g_j = g_i} K_ij, float64. Each block of K rows is
    summed over runs of consecutive rows alike in every grouping, and the runs over groups;
    rows in any order give the same sums, rows sorted by their tuple of group ids the fewest
    runs (fastest). K is computed ``block_rows`` rows at a time (memory O(block_rows * N));
    ``dtype`` is the precision of the kernel arithmetic. K_ii = 1 exactly, and the entries
    that count are exact at any width (`kernel_exponent_blocks`).
    """
    n = len(T)
    fine = row_keys(np.column_stack(groupings)) if groupings else np.zeros(n, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, fine[1:] != fine[:-1]])
    reducers = [_reducer(grouping[starts]) for grouping in groupings]
    T = np.asarray(T, dtype=np.float64)
    total = np.empty(n)
    owns = [np.empty(n) for _ in groupings]
    blocks = kernel_exponent_blocks(T, T, width, np.arange(n), dtype=dtype, block_rows=block_rows)
    for block, k in blocks:
        np.exp(k, out=k)
        by_run = k if len(starts) == n else np.add.reduceat(k, starts, axis=1)
        total[block] = by_run.sum(axis=1)
        here = np.arange(block.stop - block.start)
        for grouping, own, (order, group_starts) in zip(groupings, owns, reducers, strict=True):
            runs = by_run if order is None else by_run[:, order]
            own[block] = np.add.reduceat(runs, group_starts, axis=1)[here, grouping[block]]
    return total, owns


def kernel_mutual_information(
    total: np.ndarray, own: np.ndarray | None, groups: np.ndarray
) -> float:
    """I(G;T) = S(all) - sum_g p_g S(rows of g) in bits, from the kernel sums of every row.

    Equals H(G) - mean_i ln(total_i / own_i) / ln 2; total, own: (N,) as returned by
    `pairwise_kernel_sums`; own None means every row is its own group's only member (own = 1).
    groups: (N,) group ids.
    """
    log_ratio = np.log(total) if own is None else np.log(total) - np.log(own)
    return entropy(groups) - float(log_ratio.mean()) / math.log(2)


def _dtype_name(dtype: object) -> str:
    """The name of a NumPy dtype given as a type or a string ("float32"); repr if none."""
    try:
        return np.dtype(dtype).name
    except TypeError:
        return repr(dtype)


@dataclass(frozen=True, eq=False)
class KDEEstimator(Estimator):
    """I(X;T), I(Y;T) in bits: Kolchinsky-Tracey bounds for T plus Gaussian noise of variance s^2.

    noise_variance: s^2 > 0; bound: "upper" (KL) or "lower" (Bhattacharyya); dtype: float64 or
    float32 kernel arithmetic; block_rows: kernel rows held at once (None: about 2^20 / N, so
    memory stays O(N)). block_rows changes speed and memory, not the estimate beyond rounding,
    so it is not part of the name or of equality. The cost is pairwise: N^2 kernel entries.
    """

    heads = {"kde-upper": {"bound": "upper"}, "kde-lower": {"bound": "lower"}}
    parameters = (positive("noise_variance"), one_of("dtype", DTYPES, normal=_dtype_name))
    pairwise = True

    noise_variance: float = 0.1
    bound: str = "upper"
    dtype: type | str = np.float64
    block_rows: int | None = None

    @property
    def name(self) -> str:
        """Canonical spec, e.g. ``kde-upper:noise_variance=0.1`` (``,dtype=float32`` if so)."""
        dtype = _dtype_name(self.dtype)
        precision = "" if dtype == "float64" else f",dtype={dtype}"
        return f"kde-{self.bound}:noise_variance={float(self.noise_variance)!r}{precision}"

    def check(self) -> None:
        """Raise ValueError naming the bound or block_rows when invalid."""
        if self.bound not in BOUNDS:
            raise ValueError(f"bound must be one of {', '.join(BOUNDS)}; got {self.bound!r}")
        rows = self.block_rows
        if rows is not None and not (isinstance(rows, Integral) and rows >= 1):
            raise ValueError(f"block_rows must be an integer >= 1, got {rows!r}")

    def validity(self, T: np.ndarray) -> str | None:
        """A reason when T (N, d) has more than 20 units: the two bounds part as the dimension
        grows (each unit adds to the gap between the widths s^2 and 4 s^2), so in wide layers
        they bracket the truth loosely."""
        d = np.shape(T)[1]
        if d > _TRUSTED_UNITS:
            return (f"d = {d} > {_TRUSTED_UNITS} units: the KDE bounds part in high dimension; "
                    "read them as bounds, not estimates")
        return None

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I(X;T), I(Y;T)) in bits; T: (N, d), X: (N, ...) or (N,) input ids, y: (N,) labels.

        Every input distinct: I(X;T) = S(all). Repeated inputs (e.g. pooled epochs): the
        within-input term is computed over each input's rows in the same kernel pass.
        """
        T, x_ids, y = check_samples(T, X, y)
        y_ids = dense_ids(y)[0]
        width = self.noise_variance * (1.0 if self.bound == "upper" else 4.0)
        options = {"width": width, "dtype": _dtype_name(self.dtype),
                   "block_rows": self.block_rows}
        if x_ids.max() + 1 == len(x_ids):
            order = np.argsort(y_ids, kind="stable")
            total, (own_y,) = pairwise_kernel_sums(T[order], [y_ids[order]], **options)
            return (
                kernel_mutual_information(total, None, x_ids),
                kernel_mutual_information(total, own_y, y_ids[order]),
            )
        order = np.lexsort((x_ids, y_ids))
        x_ids, y_ids = x_ids[order], y_ids[order]
        total, (own_y, own_x) = pairwise_kernel_sums(T[order], [y_ids, x_ids], **options)
        return (
            kernel_mutual_information(total, own_x, x_ids),
            kernel_mutual_information(total, own_y, y_ids),
        )



def _exponent_factors(
    P: np.ndarray, Q: np.ndarray, width: float, dtype: type | str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(L (n, d+2), R (d+2, N), r (n,), c (N,)): (L @ R)_ij = -||p_i - q_j||^2 / (2 width) in
    dtype, rounded by at most r_i + c_j nats.

    With a = (p - m) / sqrt(width), b = (q - m) / sqrt(width), m the mean of Q:
    a_i.b_j - |a_i|^2/2 - |b_j|^2/2, one matrix product, whose terms sum in magnitude to at
    most |a_i|^2 + |b_j|^2; r = (d + 4) eps |a|^2 and c = (d + 4) eps |b|^2 (inf or NaN where
    the factors overflow).
    """
    centre, scale = Q.mean(axis=0), math.sqrt(width)
    with np.errstate(invalid="ignore", over="ignore"):
        a, b = (P - centre) / scale, (Q - centre) / scale
        half_a = 0.5 * np.einsum("ij,ij->i", a, a)[:, None]
        half_b = 0.5 * np.einsum("ij,ij->i", b, b)[:, None]
        left = np.hstack([a, -half_a, np.ones_like(half_a)]).astype(dtype)
        right = np.ascontiguousarray(np.hstack([b, np.ones_like(half_b), -half_b]).T, dtype=dtype)
        unit = 2 * (P.shape[1] + 4) * np.finfo(dtype).eps
        return left, right, unit * half_a[:, 0], unit * half_b[:, 0]


def _recompute(exponent: np.ndarray, i: np.ndarray, j: np.ndarray, P: np.ndarray, Q: np.ndarray,
               width: float) -> None:
    """Overwrite exponent[i, j] (rows of P against Q) by `paired_exponents`, in chunks of about
    2^20 numbers."""
    chunk = max(1, _BLOCK_ELEMENTS // P.shape[1])
    with np.errstate(over="ignore"):  # below float32's range: -inf, a kernel of 0
        for first in range(0, len(i), chunk):
            rows, columns = i[first : first + chunk], j[first : first + chunk]
            exponent[rows, columns] = paired_exponents(P[rows], Q[columns], width)


def _reducer(run_groups: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """How to sum runs of rows into groups: (column order or None if already sorted, starts)."""
    order = np.argsort(run_groups, kind="stable")
    ordered = run_groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return (None if (order == np.arange(len(order))).all() else order), starts
