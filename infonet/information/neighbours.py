"""Exact nearest-neighbour searches in Euclidean distance, the method chosen by dimension.

Lives here: `kth_neighbour_distances` (each point's distance to its k-th nearest other point)
and `points_within` (how many points lie within each point's radius), and the blocked
brute-force search behind both in high dimension. Not here: the estimators that use them
(`information.knn`).

Up to `TREE_UNITS` dimensions the searches are scipy's k-d tree (cKDTree), which prunes well in
few dimensions; above, a k-d tree visits almost every node (at N = 4096, d = 1024 about 30x
slower than brute force), so the squared distances come from one matrix product per block of
rows, ||p||^2 + ||q||^2 - 2 p.q, on points centred on their mean. The product rounds each
entry by at most (d + 4) eps (||p||^2 + ||q||^2); every decision it could get wrong within that
bound (which points are the k + 1 nearest, whether a point is inside a radius) is taken again on
distances computed from the differences. So both methods give the same neighbours and counts,
and distances equal to rounding.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

TREE_UNITS = 20
"""The most dimensions searched with a k-d tree; above, blocked brute force."""
_BLOCK_ELEMENTS = 2**22
"""Squared distances held at once by the brute-force search: 32 MiB of float64."""


def kth_neighbour_distances(points: np.ndarray, k: int) -> np.ndarray:
    """Distance (n,) from each of ``points`` (n, d), n > k, to its k-th nearest other point
    (the point itself is its 0-th: the (k + 1)-th smallest distance of its row)."""
    points = np.asarray(points, dtype=np.float64)
    n = len(points)
    if points.shape[1] <= TREE_UNITS:
        return cKDTree(points).query(points, k + 1)[0][:, k]
    distances = np.empty(n)
    for rows, squared, error, centred in _squared_distance_blocks(points):
        order = np.argpartition(squared, min(k + 1, n - 1), axis=1)
        nearest = order[:, : k + 1]
        exact = np.sort(_distances(centred, np.repeat(rows, k + 1), nearest.ravel())
                        .reshape(-1, k + 1), axis=1)[:, k]
        if n > k + 1:  # a point outside the k + 1 could be nearer only within the rounding
            here = np.arange(len(rows))
            next_nearest = squared[here, order[:, k + 1]] - 2 * error[here, order[:, k + 1]]
            for i in np.flatnonzero(next_nearest <= exact**2):
                every = _distances(centred, np.full(n, rows[i]), np.arange(n))
                exact[i] = np.partition(every, k)[k]
        distances[rows] = exact
    return distances


def points_within(points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """How many of ``points`` (n, d), each itself included, lie at distance <= radius_i from
    point i; radius: (n,). int64 (n,)."""
    points = np.asarray(points, dtype=np.float64)
    if points.shape[1] <= TREE_UNITS:
        return np.asarray(cKDTree(points).query_ball_point(points, radius, return_length=True))
    counts = np.empty(len(points), dtype=np.int64)
    for rows, squared, error, centred in _squared_distance_blocks(points):
        bound = radius[rows, None] ** 2
        inside = squared + 2 * error < bound
        unsure = np.nonzero(~inside & (squared - 2 * error <= bound))
        inside[unsure] = (_distances(centred, rows[unsure[0]], unsure[1])
                          <= radius[rows[unsure[0]]])
        counts[rows] = inside.sum(axis=1)
    return counts


def _squared_distance_blocks(points: np.ndarray):
    """Yield (rows, squared (rows, n), error (rows, n), centred (n, d)) over blocks of rows:
    the expanded squared distances of those rows to every point and a bound on their
    rounding, (d + 4) eps (||p||^2 + ||q||^2), on the centred points."""
    centred = points - points.mean(axis=0)
    norms = np.einsum("ij,ij->i", centred, centred)
    unit = (points.shape[1] + 4) * np.finfo(np.float64).eps
    step = max(1, _BLOCK_ELEMENTS // len(points))
    for first in range(0, len(points), step):
        rows = np.arange(first, min(first + step, len(points)))
        squared = norms[rows, None] + norms[None, :] - 2 * centred[rows] @ centred.T
        yield rows, squared, unit * (norms[rows, None] + norms[None, :]), centred


def _distances(centred: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Distances (m,) between the points i and j (m,) each, from their differences, in chunks
    of about 2^20 numbers."""
    out = np.empty(len(i))
    chunk = max(1, 2**20 // centred.shape[1])
    for first in range(0, len(i), chunk):
        part = slice(first, first + chunk)
        difference = centred[i[part]] - centred[j[part]]
        out[part] = np.sqrt(np.einsum("ij,ij->i", difference, difference))
    return out
