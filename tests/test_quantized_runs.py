"""Quantized runs end to end: main_data.py --quantize, --estimator exact, open_run's values."""

import json

import numpy as np
import pytest

from infonet.cli.command import run_cli
from infonet.information.exact import ExactEstimator
from infonet.networks import open_run
from infonet.rundir.results import read_rows
from main_data import main

SMALL = ["--shape", "4,3", "--epochs", "3", "--jobs", "1", "--no-plot"]


@pytest.fixture(scope="module")
def quantized_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "quantized"
    args = [*SMALL, "--activation", "relu", "--quantize", "4", "--estimator", "exact",
            "--repeats", "2", "--out", str(run_dir)]
    assert run_cli(main, args) == 0
    return run_dir


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "plain"
    assert run_cli(main, [*SMALL, "--out", str(run_dir)]) == 0
    return run_dir


def test_the_run_records_its_bits_in_the_config_and_the_layout(quantized_run):
    assert json.loads((quantized_run / "config.json").read_text())["training"]["quantize"] == 4
    layout = json.loads((quantized_run / "snapshots/repeat-1/layout.json").read_text())
    assert layout["quantize"] == 4


def test_every_layer_of_a_saved_epoch_holds_at_most_two_to_the_bits_values(quantized_run):
    run = open_run(quantized_run)
    for repeat in (0, 1):
        for epoch in (0, 3):
            for T in run.activations(epoch=epoch, repeat=repeat):
                assert all(len(np.unique(column)) <= 2**4 for column in T.T)


def test_exact_rows_are_the_plug_in_of_the_values_open_run_gives(quantized_run):
    run = open_run(quantized_run)
    rows = [r for r in read_rows(quantized_run / "information.csv") if r["estimator"] == "exact"]
    assert {(r["repeat"], r["epoch"], r["layer"]) for r in rows} == {
        (repeat, epoch, layer) for repeat in (0, 1) for epoch in range(4) for layer in (1, 2, 3)}
    for row in rows:
        T = run.activations(epoch=row["epoch"], repeat=row["repeat"])[row["layer"] - 1]
        assert (row["i_xt"], row["i_yt"]) == ExactEstimator().mutual_information(T, run.X,
                                                                                  run.y)


def test_exact_on_a_run_trained_without_quantize_is_refused_untouched(plain_run, capsys):
    before = {p.name: p.read_bytes() for p in plain_run.iterdir() if p.is_file()}
    status = run_cli(main, ["--from-run", str(plain_run), "--estimator", "exact", "--jobs", "1",
                            "--no-plot"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("error: --estimator exact counts the values of a network trained "
                          "with quantized activations")
    assert before == {p.name: p.read_bytes() for p in plain_run.iterdir() if p.is_file()}


def test_training_for_exact_without_quantize_is_refused_before_training(tmp_path, capsys):
    status = run_cli(main, [*SMALL, "--estimator", "exact", "--out", str(tmp_path / "run")])
    assert status == 2 and "--quantize" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("bits", ["17", "-1", "x"])
def test_bits_outside_zero_to_sixteen_are_refused(tmp_path, capsys, bits):
    status = run_cli(main, [*SMALL, "--quantize", bits, "--out", str(tmp_path / "run")])
    assert status == 2 and "--quantize" in capsys.readouterr().err


def test_a_resumed_quantized_run_continues_to_the_same_weights_and_ranges(tmp_path):
    quantized = [*SMALL, "--activation", "relu", "--quantize", "8", "--no-measure"]
    assert run_cli(main, [*quantized, "--epochs", "2", "--out", str(tmp_path / "a")]) == 0
    assert run_cli(main, [*quantized, "--epochs", "4", "--out", str(tmp_path / "a"),
                          "--resume"]) == 0
    assert run_cli(main, [*quantized, "--epochs", "4", "--out", str(tmp_path / "b")]) == 0
    weights = "snapshots/repeat-0/weights.bin"
    assert (tmp_path / "a" / weights).read_bytes() == (tmp_path / "b" / weights).read_bytes()


def test_a_config_from_before_quantize_loads_as_not_quantized():
    from infonet.networks.train import TrainingConfig

    stored = TrainingConfig().to_dict()
    del stored["quantize"]
    assert TrainingConfig.from_dict(stored).quantize == 0


def test_batching_pools_the_exact_values_of_a_window(quantized_run):
    from main_as_if_random import main as as_if_random

    args = [str(quantized_run), "--window", "2", "--estimator", "exact", "--jobs", "1"]
    assert run_cli(as_if_random, args) == 0
    run = open_run(quantized_run)
    row = next(r for r in read_rows(quantized_run / "information.csv")
               if r["estimator"] == "batching:window=2,exact" and r["repeat"] == 0
               and r["epoch"] == 0 and r["layer"] == 2)
    pooled = np.concatenate([run.activations(epoch=e)[1] for e in (0, 1)])
    ids = np.tile(np.arange(len(run.y)), 2)
    expected = ExactEstimator().mutual_information(pooled, ids, np.tile(run.y, 2))
    assert (row["i_xt"], row["i_yt"]) == pytest.approx(expected, abs=1e-12)


def test_batching_over_exact_on_a_plain_run_is_refused(plain_run, capsys):
    from main_as_if_random import main as as_if_random

    status = run_cli(as_if_random, [str(plain_run), "--window", "2", "--estimator", "exact",
                                    "--jobs", "1"])
    assert status == 2 and "not quantized" in capsys.readouterr().err
