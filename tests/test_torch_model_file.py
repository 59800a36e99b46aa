"""main_data.py --model FILE.py:FUNCTION returning a torch.nn.Module: trained in PyTorch with
the run's settings, its modules' activations recorded, measured, resumed bit for bit, and
bad input refused in one line before anything is written."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import main_data
from infonet.cli.command import run_cli
from infonet.data.datasets import load_dataset, split_indices
from infonet.information import estimator_from_spec
from infonet.networks import open_run
from infonet.rundir.results import read_rows
from infonet.rundir.snapshots import read_state
from tests.killing import assert_kills_resume_identically

ROOT = Path(__file__).resolve().parents[1]
NETS = Path(__file__).parent / "model_files" / "torch_networks.py"
TANH = ["1", "3", "5", "7", "9", "11"]
"""tanh_net's Tanh modules and its Softmax."""


def _train(run_dir, *flags):
    return run_cli(main_data.main, ["--model", f"{NETS}:tanh_net", "--layers", ",".join(TANH),
                                    "--epochs", "3", "--jobs", "1", "--no-plot", "--out",
                                    str(run_dir), *flags])


@pytest.fixture(scope="module")
def torch_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("torch-model") / "run"
    assert _train(run_dir, "--estimator", "binning", "--batch-size", "512") == 0
    return run_dir


def _forward(state, X):
    """The tanh network's layers in float64 from the weights in its state vector."""
    sizes = (12, 10, 7, 5, 4, 3, 2)
    outputs, T, start = [], X.astype(np.float64), 0
    for index, (fan_in, width) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        W = state[start : start + fan_in * width].reshape(width, fan_in)
        b = state[start + fan_in * width : start + fan_in * width + width]
        start += fan_in * width + width
        z = T @ W.T + b
        T = np.tanh(z) if index < len(sizes) - 2 else np.exp(z) / np.exp(z).sum(1, keepdims=True)
        outputs.append(T)
    return outputs


def test_the_last_epochs_activations_are_the_forward_pass_of_its_saved_weights(torch_run):
    epoch, state = read_state(torch_run / "snapshots" / "repeat-0")
    run = open_run(torch_run)
    assert epoch == 3
    for recorded, expected in zip(run.activations(3), _forward(state, run.X), strict=True):
        np.testing.assert_allclose(recorded, expected, rtol=0, atol=1e-6)


def test_the_run_is_measured_layer_by_layer_with_the_module_names(torch_run):
    rows = read_rows(torch_run / "information.csv")
    assert sorted({r["layer_name"] for r in rows}) == sorted(TANH)
    run, binning = open_run(torch_run), estimator_from_spec("binning")
    epoch, state = read_state(torch_run / "snapshots" / "repeat-0")
    for row in (r for r in rows if r["epoch"] == epoch):
        T = _forward(state, run.X)[row["layer"] - 1]
        assert (row["i_xt"], row["i_yt"]) == binning.mutual_information(T, run.X, run.y)


def test_metrics_are_the_inference_mode_cross_entropy_and_accuracy(torch_run):
    data = load_dataset("tishby")
    train, test = split_indices(len(data.y), 0.8, 0)
    epoch, state = read_state(torch_run / "snapshots" / "repeat-0")
    p = _forward(state, data.X)[-1]
    last = (torch_run / "metrics.csv").read_text().splitlines()[-1].split(",")
    for index, values in ((train, last[2:4]), (test, last[4:6])):
        loss = -np.log(np.clip(p[index, data.y[index]], 1e-7, 1 - 1e-7)).mean()
        accuracy = (p[index].argmax(axis=1) == data.y[index]).mean()
        assert float(values[0]) == pytest.approx(loss, abs=1e-6)
        assert float(values[1]) == pytest.approx(accuracy, abs=1e-12)


def test_test_samples_are_measured_on_their_own_recorded_rows(torch_run):
    assert run_cli(main_data.main, ["--from-run", str(torch_run), "--estimator", "kde-upper",
                                    "--samples", "test", "--schedule", "every:3", "--jobs", "1",
                                    "--no-plot"]) == 0
    test_run = open_run(torch_run, samples="test")
    all_run = open_run(torch_run)
    _, test = split_indices(4096, 0.8, 0)
    np.testing.assert_array_equal(test_run.activations(3)[2], all_run.activations(3)[2][test])
    rows = [r for r in read_rows(torch_run / "information.csv")
            if r["samples"] == "test" and r["epoch"] == 3 and r["layer"] == 3]
    kde = estimator_from_spec("kde-upper")
    assert (rows[0]["i_xt"], rows[0]["i_yt"]) == pytest.approx(
        kde.mutual_information(test_run.activations(3)[2], test_run.X, test_run.y), abs=1e-12)


def test_config_json_records_the_pytorch_run(torch_run):
    config = open_run(torch_run).run_config
    assert config.records_activations and config.training["framework"] == "torch"
    assert config.training["layers"] == TANH and "torch" in config.versions


def test_a_module_name_the_model_lacks_is_one_error_line_and_nothing_written(tmp_path, capsys):
    status = run_cli(main_data.main, ["--model", f"{NETS}:tanh_net", "--layers", "1,fc9",
                                      "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("error: module 'fc9' is not in the model's "
                                          "named_modules()") and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


def test_a_module_giving_logits_is_refused_before_anything_is_written(tmp_path, capsys):
    status = run_cli(main_data.main, ["--model", f"{NETS}:logits_net",
                                      "--out", str(tmp_path / "run")])
    assert status == 2 and "not class probabilities" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_outputs_turning_nan_stop_the_run_in_one_line_keeping_the_epochs_before(tmp_path,
                                                                                capsys):
    run_dir = tmp_path / "run"
    status = run_cli(main_data.main, ["--model", f"{NETS}:diverging_net", "--epochs", "3",
                                      "--no-measure", "--out", str(run_dir)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("error: layer linear at epoch 1 holds NaN or inf")
    assert list(open_run(run_dir).epochs()) == [0]


def test_the_default_layers_are_the_children_that_compute_skipping_dropout(tmp_path):
    assert run_cli(main_data.main, ["--model", f"{NETS}:dropout_net", "--epochs", "1",
                                    "--no-measure", "--out", str(tmp_path / "run")]) == 0
    assert open_run(tmp_path / "run").layer_names() == ("0", "1", "3", "4")


def test_pool_is_refused_for_the_built_in_network(capsys):
    assert run_cli(main_data.main, ["--pool", "mean", "--epochs", "1"]) == 2
    assert "--pool pools the token outputs of a PyTorch --model" in capsys.readouterr().err


def _main_data(folder, epochs, resume):
    """main_data.py started in ``folder`` with the same relative --out, so even the command
    line config.json records is the same."""
    return subprocess.Popen([sys.executable, str(ROOT / "main_data.py"), "--model",
                             f"{NETS}:tanh_net", "--epochs", str(epochs), "--batch-size", "64",
                             "--no-measure", "--out", "run", *(["--resume"] if resume else [])],
                            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.parametrize(("epochs", "kills"), [
    (6, [4]), pytest.param(30, [3, 12, 25], marks=pytest.mark.slow)])
def test_a_pytorch_run_killed_while_training_resumes_to_identical_bytes(tmp_path, epochs, kills):
    assert_kills_resume_identically(_main_data, tmp_path, epochs, kills)
