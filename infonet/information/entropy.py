"""Plug-in entropy of discrete samples, in bits, over exact integer keys.

Lives here: the entropy of a sample of keys and its conditional and mutual-information forms
(`plug_in_information`: I(X;T) and I(Y;T) of discrete T);
the exact reduction of integer code rows (N, d) and of inputs X to 1-D int64 keys; and
`check_samples`, the check of the (activations, inputs, labels) arguments every estimator takes,
which hands back the inputs as such keys. Not here: how activations become codes
(`information.binning`) or the continuous estimators (`information.kde`).
"""

from __future__ import annotations

import math

import numpy as np

_INT64_MAX = int(np.iinfo(np.int64).max)


def dense_ids(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """Relabel 1-D keys (N,) as 0..K-1 in sorted key order: (ids (N,) int64, K distinct keys).

    Integer keys that already are 0..K-1, each present (a sample's input ids), are returned as
    they are, without sorting.
    """
    keys = np.asarray(keys)
    if keys.ndim == 1 and keys.dtype.kind in "iu" and len(keys) and keys.min() >= 0 \
            and keys.max() < len(keys):
        present = np.bincount(keys.astype(np.int64, copy=False))
        if present.all():
            return keys.astype(np.int64, copy=False), len(present)
    uniques, ids = np.unique(keys, return_inverse=True)
    return ids.astype(np.int64, copy=False).reshape(-1), len(uniques)


def row_keys(codes: np.ndarray) -> np.ndarray:
    """One exact int64 key per row of an integer matrix (N, d): equal rows <=> equal keys.

    Columns are combined in mixed radix, key = key * width_j + (code_j - min_j), with width_j the
    range of column j (all columns at once when the product of the widths fits in int64);
    whenever the next column would overflow int64 the keys are re-densified to 0..K-1 (K <= N)
    first. No hashing, no truncation, at any d. A 1-D array is taken as keys already and
    returned as int64.
    """
    codes = np.asarray(codes)
    if codes.dtype.kind not in "biu":
        raise ValueError(f"codes must be integers, got dtype {codes.dtype}")
    if codes.dtype.kind == "u" and codes.size and int(codes.max()) > _INT64_MAX:
        raise ValueError("codes must fit in int64")
    codes = codes.astype(np.int64, copy=False)
    if codes.ndim == 1:
        return codes
    if codes.ndim != 2:
        raise ValueError(f"codes must be a 1-D or 2-D array, got shape {codes.shape}")
    keys = np.zeros(len(codes), dtype=np.int64)
    if len(codes) == 0:
        return keys
    columns = np.ascontiguousarray(codes.T)  # NumPy reduces a contiguous axis far faster
    lows, highs = columns.min(axis=1), columns.max(axis=1)
    widths = [int(high) - int(low) + 1 for low, high in zip(lows, highs, strict=True)]
    if math.prod(widths) <= _INT64_MAX:  # no key overflows: every column at once
        places = [math.prod(widths[j + 1 :]) for j in range(len(widths))]
        return (codes - lows) @ np.array(places, dtype=np.int64)
    span = 1
    for column, low, width in zip(columns, lows, widths, strict=True):
        if width == 1:
            continue
        if span * width > _INT64_MAX:
            keys, span = dense_ids(keys)
        if span * width > _INT64_MAX:
            column, width = dense_ids(column)
        else:
            column = column - low
        keys = keys * width + column
        span *= width
    return keys


def entropy(codes: np.ndarray) -> float:
    """H = -sum_k p_k log2 p_k in bits, p_k the frequency of key k among the N samples.

    codes: (N,) integer keys, or (N, d) integer rows (each row one symbol, see `row_keys`).
    """
    keys = row_keys(codes)
    if len(keys) == 0:
        raise ValueError("entropy of an empty sample is undefined")
    p = key_counts(keys) / len(keys)
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0: a single key gives 0.0, not -0.0


def key_counts(keys: np.ndarray) -> np.ndarray:
    """How often each distinct key of ``keys`` (N,) int64, N >= 1, occurs, in increasing key
    order: counted in place (``np.bincount``) when the keys span at most 4N values, else by
    ``np.unique``."""
    low = int(keys.min())
    if int(keys.max()) - low < 4 * len(keys):
        counts = np.bincount(keys - low)
        return counts[counts > 0]
    return np.unique(keys, return_counts=True)[1]


def joint_keys(codes: np.ndarray, given: np.ndarray) -> np.ndarray:
    """One exact key (N,) per pair (row of codes, row of given); shapes as in `entropy`."""
    return row_keys(np.column_stack([row_keys(codes), row_keys(given)]))


def conditional_entropy(codes: np.ndarray, given: np.ndarray) -> float:
    """H(A|B) = H(A,B) - H(B) in bits; codes and given hold paired samples (N,) or (N, d)."""
    return entropy(joint_keys(codes, given)) - entropy(given)


def plug_in_information(keys: np.ndarray, x_ids: np.ndarray,
                        y: np.ndarray) -> tuple[float, float]:
    """(I(X;T), I(Y;T)) in bits of discrete T given as keys (N,) or integer rows (N, d).

    I(X;T) = H(T) - H(T|X), with H(T|X) = 0 when all input ids (N,) are distinct and counted
    over the repeated inputs otherwise; I(Y;T) = H(T) - H(T|Y), y (N,) integer labels.
    """
    keys = row_keys(keys)
    h_t = entropy(keys)
    all_distinct = x_ids.max() + 1 == len(x_ids)
    i_xt = h_t if all_distinct else h_t - conditional_entropy(keys, x_ids)
    return i_xt, h_t - conditional_entropy(keys, y)


def input_ids(X: np.ndarray) -> np.ndarray:
    """Dense ids (N,) int64 for the inputs X (N, ...): equal inputs <=> equal ids.

    A 1-D integer X is taken as ids already (equal ids = same input).
    """
    X = np.asarray(X)
    if X.ndim == 1 and X.dtype.kind in "biu":
        return dense_ids(X)[0]
    rows = X.reshape(len(X), -1)
    if rows.dtype.kind in "biu":
        return dense_ids(row_keys(rows))[0]
    return np.unique(rows, axis=0, return_inverse=True)[1].astype(np.int64).reshape(-1)


def check_samples(
    T: np.ndarray, X: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check an estimator's arguments; return (T (N, d), input ids (N,) 0..K-1, labels (N,)).

    T: (N, d) finite activations; X: (N, ...) inputs or (N,) integer input ids; y: (N,) integer
    labels. Raises ValueError naming the argument that is wrong.
    """
    T, X, y = np.asarray(T), np.asarray(X), np.asarray(y)
    if T.ndim != 2:
        raise ValueError(f"activations must be a 2-D array (samples, units), got shape {T.shape}")
    if X.ndim == 0:
        raise ValueError("inputs must be an array with one row per sample, got a scalar")
    if y.ndim != 1:
        raise ValueError(f"labels must be a 1-D array (samples,), got shape {y.shape}")
    if not len(T) == len(X) == len(y):
        raise ValueError(
            "activations, inputs and labels differ in length: "
            f"T has {len(T)} rows, X {len(X)}, y {len(y)}"
        )
    if len(T) == 0:
        raise ValueError("no samples: activations, inputs and labels are empty")
    if y.dtype.kind not in "biu":
        raise ValueError(f"labels must be integers, got dtype {y.dtype}")
    if not np.isfinite(T).all():
        raise ValueError("activations contain NaN or inf")
    return T, input_ids(X), y
