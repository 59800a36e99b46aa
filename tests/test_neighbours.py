"""Exact neighbour searches: the brute-force search of high dimensions and the k-d tree of low
ones give the neighbours of the full distance matrix (scipy's cdist, sorted)."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from infonet.information.neighbours import TREE_UNITS, kth_neighbour_distances, points_within


def layers() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    grid = rng.integers(0, 3, size=(300, 24)).astype(float)  # many equal distances
    return {
        "gaussian, 32 units": rng.normal(size=(500, 32)),
        "far from the origin, 25 units": 1e4 + 1e-3 * rng.normal(size=(400, 25)),
        "integer grid with ties, 24 units": grid,
        "duplicated rows, 40 units": np.repeat(rng.normal(size=(100, 40)), 3, axis=0),
        "gaussian, 3 units": rng.normal(size=(500, 3)),
    }


@pytest.mark.parametrize("k", [1, 3, 10])
@pytest.mark.parametrize("layer", list(layers()))
def test_kth_neighbour_distances_are_those_of_the_sorted_distance_matrix(layer, k):
    points = layers()[layer]
    expected = np.sort(cdist(points, points), axis=1)[:, k]
    assert kth_neighbour_distances(points, k) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("layer", list(layers()))
def test_points_within_a_radius_are_those_of_the_distance_matrix(layer):
    points = layers()[layer]
    distances = cdist(points, points)
    ordered = np.sort(distances, axis=1)
    radius = 0.5 * (ordered[:, 5] + ordered[:, 6])  # no distance within rounding of a radius
    assert np.array_equal(points_within(points, radius), (distances <= radius[:, None]).sum(1))


@pytest.mark.parametrize("side", ["at", "just below"])
def test_points_exactly_at_the_radius_count_and_just_outside_do_not(side):
    points = layers()["integer grid with ties, 24 units"]  # distances sqrt(integer): exact
    distances = cdist(points, points)
    radius = np.sort(distances, axis=1)[:, 4]
    radius = radius if side == "at" else np.nextafter(radius, 0)
    assert np.array_equal(points_within(points, radius), (distances <= radius[:, None]).sum(1))


def test_a_search_of_exactly_k_plus_one_points_takes_them_all():
    points = np.random.default_rng(1).normal(size=(4, TREE_UNITS + 5))
    expected = np.sort(cdist(points, points), axis=1)[:, 3]
    assert kth_neighbour_distances(points, 3) == pytest.approx(expected, rel=1e-12)
