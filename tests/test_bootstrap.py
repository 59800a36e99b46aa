"""The bootstrap over the measured samples: a standard error for deterministic estimators."""

import math

import numpy as np
import pytest

from infonet.cli.command import run_cli
from infonet.cli.run_flags import bootstrapped
from infonet.information.binning import BinningEstimator
from infonet.information.bootstrap import BootstrapEstimator
from infonet.information.estimators import estimator_from_spec
from infonet.rundir.results import read_rows
from main_data import main as data_main


def _binned_layer(probabilities, n, seed=0):
    """A one-unit layer whose values fall in len(probabilities) bins of [-1, 1] with those
    probabilities, each row its own input, labels half and half."""
    rng = np.random.default_rng(seed)
    centres = np.linspace(-1, 1, 31)[:-1] + 1 / 30
    T = centres[rng.choice(len(probabilities), size=n, p=probabilities)][:, None]
    return T, np.arange(n), np.arange(n) % 2


def test_the_estimate_is_the_wrapped_estimators_on_all_samples():
    T, X, y = _binned_layer([0.5, 0.25, 0.125, 0.125], 1000)
    wrapped = BootstrapEstimator(BinningEstimator(), resamples=5).estimate(T, X, y)
    assert wrapped[:2] == BinningEstimator().mutual_information(T, X, y)


def test_the_error_of_a_plug_in_entropy_matches_the_delta_method():
    # I(X;T) = H(T) for distinct inputs; Var(plug-in H) ~ (sum p ln^2 p - H^2) / N (nats^2)
    p = np.array([0.4, 0.3, 0.2, 0.1])
    T, X, y = _binned_layer(p, 4000)
    h = -(p * np.log(p)).sum()
    delta = math.sqrt(((p * np.log(p) ** 2).sum() - h**2) / 4000) / math.log(2)
    error = BootstrapEstimator(BinningEstimator(), resamples=400).estimate(T, X, y).i_xt_se
    assert error == pytest.approx(delta, rel=0.12)


def test_a_constant_layer_has_no_error():
    T = np.zeros((200, 3))
    estimate = BootstrapEstimator(BinningEstimator(), resamples=20).estimate(
        T, np.arange(200), np.arange(200) % 2)
    assert estimate == (0.0, 0.0, 0.0, 0.0)


def test_the_same_seed_gives_the_same_errors_and_another_seed_others():
    T, X, y = _binned_layer([0.5, 0.3, 0.2], 500)
    first = BootstrapEstimator(BinningEstimator(), resamples=30, seed=1).estimate(T, X, y)
    again = BootstrapEstimator(BinningEstimator(), resamples=30, seed=1).estimate(T, X, y)
    other = BootstrapEstimator(BinningEstimator(), resamples=30, seed=2).estimate(T, X, y)
    assert first == again and first[2:] != other[2:]


def test_a_pooled_window_is_resampled_by_input_across_its_epochs():
    batching = estimator_from_spec("batching:window=3,binning")
    T = np.random.default_rng(0).uniform(-1, 1, size=(3, 300, 2))
    X, y = np.arange(300), np.arange(300) % 3
    estimate = BootstrapEstimator(batching, resamples=10).estimate(T, X, y)
    assert estimate[:2] == batching.mutual_information(T, X, y)
    assert 0 < estimate.i_xt_se < 1 and 0 < estimate.i_yt_se < 1


def test_a_monte_carlo_estimator_is_not_bootstrapped():
    with pytest.raises(ValueError, match="own Monte Carlo standard error"):
        estimator_from_spec("bootstrap:mc")


def test_the_name_parses_back_to_an_equal_estimator():
    estimator = estimator_from_spec("bootstrap:resamples=50,binning:bins=10,range=layer")
    assert estimator.name == "bootstrap:resamples=50,seed=0,binning:bins=10,range=layer"
    assert estimator_from_spec(estimator.name) == estimator


def test_the_bootstrap_flag_wraps_the_deterministic_estimators_only():
    assert bootstrapped(["binning", "mc"], 20) == (
        "bootstrap:resamples=20,seed=0,binning:bins=30,low=-1.0,high=1.0",
        estimator_from_spec("mc").name)
    assert bootstrapped(["binning"], 0) == ("binning:bins=30,low=-1.0,high=1.0",)


def test_a_bootstrapped_run_writes_nonzero_errors_and_a_plain_one_zero(tmp_path):
    small = ["--shape", "4,3", "--epochs", "2", "--jobs", "1", "--no-plot"]
    assert run_cli(data_main, [*small, "--bootstrap", "5", "--out", str(tmp_path / "b")]) == 0
    assert run_cli(data_main, [*small, "--out", str(tmp_path / "p")]) == 0
    boot, plain = (read_rows(tmp_path / run / "information.csv") for run in ("b", "p"))
    assert {r["estimator"] for r in boot} == {
        "bootstrap:resamples=5,seed=0,binning:bins=30,low=-1.0,high=1.0"}
    assert [r["i_xt"] for r in boot] == [r["i_xt"] for r in plain]
    assert all(r["i_xt_se"] > 0 for r in boot if r["i_xt"] < 12)
    assert all(r["i_xt_se"] == r["i_yt_se"] == 0.0 for r in plain)


def test_one_bootstrap_resample_is_one_error_line_naming_the_flag(tmp_path, capsys):
    status = run_cli(data_main, ["--bootstrap", "1", "--epochs", "1", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("error: ") and "--bootstrap" in err
    assert not (tmp_path / "r").exists()
