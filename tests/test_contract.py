"""The estimator contract: an estimator declares its facts, and the rest of the code asks them.

A small estimator defined here (plug-in information of activations rounded to a number of
decimals) is registered the way a new module would be, and is then parsed, named, selected
and measured by the runner with no other change.
"""

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
import pytest

from infonet import information, measuring
from infonet.information import BinningEstimator, KDEEstimator
from infonet.information.contract import (
    Estimate,
    Estimator,
    Parameter,
    integer,
    one_of,
    positive,
)
from infonet.information.entropy import check_samples, conditional_entropy, entropy, row_keys
from infonet.information.estimators import estimator_from_spec, parse_spec
from infonet.information.samples import Samples
from infonet.measuring.plan import EpochPlanner
from infonet.measuring.runner import Runner
from infonet.measuring.schedule import schedule_from_spec
from infonet.networks.forward import layer_activations
from infonet.rundir.results import read_rows
from infonet.rundir.snapshots import Layout, SnapshotReader, SnapshotWriter


@dataclass(frozen=True)
class RoundingEstimator(Estimator):
    """I(X;T) = H(T) and I(Y;T) = H(T) - H(T|Y) in bits of T rounded to ``decimals``
    (every input distinct); declared pairwise so that the runner gives it tasks of its own."""

    heads = {"rounding": {}}
    parameters = (integer("decimals", 0),)
    pairwise = True

    decimals: int = 1

    @property
    def name(self) -> str:
        return f"rounding:decimals={self.decimals}"

    def mutual_information(self, T, X, y):
        T, _, y = check_samples(T, X, y)
        keys = row_keys(np.round(T * 10**self.decimals).astype(np.int64))
        return entropy(keys), entropy(keys) - conditional_entropy(keys, y)


@pytest.fixture
def registered(monkeypatch):
    """The registry with RoundingEstimator added, as its one registry line would."""
    monkeypatch.setattr(information.estimators, "_BY_HEAD",
                        {**information.estimators._BY_HEAD, "rounding": RoundingEstimator})


@pytest.mark.parametrize(
    ("parameter", "text", "message"),
    [(integer("bins", 1), "0", "bins must be an integer >= 1, got 0"),
     (integer("bins", 1), "x", "bins must be an integer >= 1, got 'x'"),
     (integer("bins", 1, 9), "10", "bins must be an integer in 1..9, got 10"),
     (positive("noise"), "-1", "noise must be a number > 0, got -1.0"),
     (positive("noise", 1e300), "1e308", re.escape("noise must be a number in (0, 1e+300], got")),
     (one_of("range", ("fixed", "layer")), "batch", "range must be one of fixed, layer")],
)
def test_a_declared_parameter_names_itself_and_its_range_when_refused(parameter, text, message):
    with pytest.raises(ValueError, match=message):
        parameter.parse(text)


def test_a_registered_estimator_is_parsed_named_and_built_from_its_declarations(registered):
    estimator = estimator_from_spec("rounding:decimals=2")
    assert estimator == RoundingEstimator(decimals=2) and estimator.name == "rounding:decimals=2"
    with pytest.raises(ValueError, match="decimals must be an integer >= 0"):
        estimator_from_spec("rounding:decimals=-1")


def test_a_registered_estimator_is_selected_by_value(registered):
    assert parse_spec("rounding:decimals=02").selects(parse_spec("rounding:decimals=2"))
    assert not parse_spec("rounding").selects(parse_spec("binning"))


def test_the_runner_asks_the_declared_cost_and_gives_a_pairwise_estimator_a_task_per_layer(
        registered, tmp_path, monkeypatch):
    layout = Layout((3, 4, 2), "tanh")
    with SnapshotWriter(tmp_path / "repeat-0", layout, keep_epochs=0) as writer:
        for epoch in range(3):
            writer.append(np.random.default_rng(epoch).normal(size=layout.row_length))
    X = np.random.default_rng(9).normal(size=(40, 3)).astype(np.float32)
    samples = Samples(X, (X[:, 0] > 0).astype(np.int64), "all")
    tasks = []
    real = measuring.runner.measure
    monkeypatch.setattr(measuring.runner, "measure", lambda task: tasks.append(task)
                        or real(task))
    runner = Runner({0: tmp_path / "repeat-0"}, [BinningEstimator(), RoundingEstimator()],
                    samples, jobs=1)
    runner.measure(tmp_path / "information.csv", EpochPlanner(schedule_from_spec("every:1")))
    rounding = [t for t in tasks if t.plans[0].estimators == (RoundingEstimator(),)]
    assert len(rounding) == 3 * 2 and all(len(t.layers) == len(t.plans) == 1 for t in rounding)
    row = next(r for r in read_rows(tmp_path / "information.csv")
               if r["estimator"] == "rounding:decimals=1" and r["epoch"] == 2 and r["layer"] == 1)
    params = SnapshotReader(tmp_path / "repeat-0").params(2)
    T = layer_activations(params, X, "tanh")[0]
    assert (row["i_xt"], row["i_yt"]) == RoundingEstimator().mutual_information(T, X, samples.y)


def test_an_estimator_call_does_not_check_its_settings_again(monkeypatch):
    estimators = [BinningEstimator(bins=5), KDEEstimator(noise_variance=0.5)]

    def refuse(self, value):
        raise AssertionError(f"{self.key} checked again")

    monkeypatch.setattr(Parameter, "check", refuse)
    T = np.random.default_rng(0).normal(size=(20, 2))
    for estimator in estimators:
        estimator.mutual_information(T, np.arange(20), np.arange(20) % 2)


def test_every_registered_estimator_declares_its_heads_and_parameters_as_fields():
    heads = [head for kind in information.estimators.ESTIMATORS for head in kind.heads]
    assert len(heads) == len(set(heads))
    assert {"binning", "kde-upper", "kde-lower", "batching"} <= set(heads)
    for kind in information.estimators.ESTIMATORS:
        assert issubclass(kind, Estimator)
        fields = {field.name for field in dataclasses.fields(kind)}
        assert {parameter.key for parameter in kind.parameters} <= fields
        assert all(set(fixed) <= fields for fixed in kind.heads.values())


def test_an_estimator_that_defines_neither_call_is_refused():
    with pytest.raises(TypeError, match="must define mutual_information or estimate"):
        @dataclass(frozen=True, eq=False)
        class Mute(Estimator):
            heads = {"mute": {}}


def test_an_estimator_that_defines_only_estimate_answers_mutual_information():
    @dataclass(frozen=True, eq=False)
    class Constant(Estimator):
        heads = {"constant": {}}

        def estimate(self, T, X, y):
            return Estimate(1.5, 0.5, 0.1, 0.2)

    assert Constant().mutual_information(np.zeros((4, 1)), np.arange(4), np.arange(4)) == (
        1.5, 0.5)
