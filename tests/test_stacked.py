"""networks.stacked: repeats trained together never influence each other."""

import numpy as np
import pytest
from keras.optimizers import Adam

from infonet.networks.model import build_model
from infonet.networks.stacked import StackedEpochs
from infonet.networks.train import epoch_order

N, D = 96, 6


def data():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (N, D)).astype(np.float32)
    y = rng.integers(0, 2, N).astype(np.int32)
    return X[:80], y[:80], X[80:], y[80:]


def trained_rows(seeds, epochs=2, spoil=None):
    """Rows after ``epochs`` epochs of networks seeded ``seeds`` trained together; ``spoil``
    (slot, value) first overwrites one slot's parameters with ``value``."""
    initial = [build_model(D, (5, 3), 2, seed=s).get_weights() for s in seeds]
    networks = StackedEpochs(initial, "tanh", Adam(0.01), *data(), batch_size=32)
    if spoil is not None:
        slot, value = spoil
        row_length = sum(a.size for a in initial[0])
        state_length = networks.evaluate()[2].shape[1]
        networks.set_repeat(slot, np.full(row_length, value, np.float32),
                            np.r_[0.0, 0.01, np.zeros(state_length - 2)])
    for epoch in range(1, epochs + 1):
        rows = networks.train(np.stack([epoch_order(s, epoch, 80) for s in seeds]))[0]
    return rows


@pytest.fixture(scope="module")
def clean():
    return trained_rows([0, 1, 2])


def test_a_nan_repeat_leaves_the_others_bit_for_bit(clean):
    spoiled = trained_rows([0, 1, 2], spoil=(1, np.nan))
    assert np.isnan(spoiled[1]).all()
    np.testing.assert_array_equal(spoiled[[0, 2]], clean[[0, 2]])


def test_a_repeat_does_not_depend_on_the_other_repeats_values(clean):
    np.testing.assert_array_equal(trained_rows([0, 7, 2])[[0, 2]], clean[[0, 2]])


def test_rows_hold_each_repeats_parameters_in_snapshot_order():
    initial = [build_model(D, (5, 3), 2, seed=s).get_weights() for s in (3, 4)]
    rows = StackedEpochs(initial, "tanh", Adam(0.01), *data(), batch_size=32).evaluate()[0]
    for row, params in zip(rows, initial, strict=True):
        np.testing.assert_array_equal(row, np.concatenate([a.ravel() for a in params]))


def test_a_state_of_the_wrong_size_is_refused():
    initial = [build_model(D, (5, 3), 2, seed=0).get_weights()]
    networks = StackedEpochs(initial, "tanh", Adam(0.01), *data(), batch_size=32)
    with pytest.raises(ValueError, match="cannot resume: a saved state holds 3 values"):
        networks.set_repeat(0, np.zeros(3, np.float32), np.zeros(3))
