"""Where each estimator says it is trusted: ``validity(T)`` names what lies outside (the
dimension, the samples, the bins) and is None inside."""

import numpy as np
import pytest

from infonet.information.estimators import estimator_from_spec


def tanh_layer(n: int, d: int) -> np.ndarray:
    return np.tanh(np.random.default_rng(0).normal(size=(n, d)))


@pytest.mark.parametrize(
    ("spec", "shape", "reason"),
    [("binning:bins=4096,low=-1,high=1", (1000, 1), "bins=4096 > N = 1000 samples"),
     ("binning", (4096, 10), None),  # every row its own bin tuple: exact for these samples
     ("binning", (4096, 1), None),
     ("binning:bins=30,edges=max-entropy", (4096, 2), None),
     ("exact", (512, 6), None),
     ("kde-upper", (4096, 128), "d = 128 > 20 units"),
     ("kde-lower", (4096, 10), None),
     ("knn", (4096, 10), "d = 10 > 3 units"),
     ("knn", (64, 2), "N = 64 < 96 samples"),
     ("knn", (512, 2), None),
     ("mc", (4096, 1024), None),
     ("renyi", (512, 10), None)],
)
def test_each_estimator_names_what_lies_outside_its_trusted_range(spec, shape, reason):
    said = estimator_from_spec(spec).validity(tanh_layer(*shape))
    assert said is None if reason is None else said.startswith(reason)


def test_batching_asks_the_wrapped_estimator_about_the_pooled_window():
    window = np.stack([tanh_layer(60, 2)] * 2)  # 120 pooled rows, 60 per epoch
    assert estimator_from_spec("batching:window=2,knn").validity(window) is None
    assert estimator_from_spec("knn").validity(window[0]).startswith("N = 60 < 96")


def test_a_bootstrap_asks_the_estimator_it_wraps():
    T = tanh_layer(1000, 1)
    assert estimator_from_spec("bootstrap:resamples=2,binning:bins=4096").validity(T) == \
        estimator_from_spec("binning:bins=4096").validity(T) is not None
