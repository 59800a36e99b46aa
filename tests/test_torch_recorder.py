"""TorchRecorder: a PyTorch model's named modules recorded through forward hooks, measured as
any run. The truths are computed another way: a NumPy float64 forward pass of the same weights,
binning of those activations, an uninterrupted run's bytes."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import main_data
from infonet.cli.command import run_cli
from infonet.data.datasets import load_dataset
from infonet.information import estimator_from_spec
from infonet.networks import TorchRecorder, open_run
from infonet.rundir.results import read_rows
from tests.killing import assert_kills_resume_identically
from tests.model_files.torch_loop import LAYERS, tanh_network

LOOP = Path(__file__).parent / "model_files" / "torch_loop.py"
EPOCHS = 3


def _numpy_forward(weights, X):
    """Every layer's output of the tanh network, in float64: tanh hidden layers, softmax."""
    outputs, T = [], X.astype(np.float64)
    for index, (W, b) in enumerate(weights):
        z = T @ W.T + b
        if index < len(weights) - 1:
            T = np.tanh(z)
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            T = e / e.sum(axis=1, keepdims=True)
        outputs.append(T)
    return outputs


def _weights(model):
    return [(m.weight.detach().numpy().astype(np.float64), m.bias.detach().numpy().astype(
        np.float64)) for m in model if isinstance(m, torch.nn.Linear)]


@pytest.fixture(scope="module")
def tishby_run(tmp_path_factory):
    """The tanh network trained 3 epochs by plain SGD, recorded; its weights of each epoch."""
    run_dir = tmp_path_factory.mktemp("torch") / "run"
    data = load_dataset("tishby")
    model = tanh_network(0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
    weights = []
    with TorchRecorder(run_dir, model, data.X, data.y, LAYERS, epochs=EPOCHS) as recorder:
        for epoch in range(EPOCHS + 1):
            if epoch:
                optimizer.zero_grad()
                torch.nn.functional.nll_loss(torch.log(model(X)), y).backward()
                optimizer.step()
            recorder.record(epoch)
            weights.append(_weights(model))
    return run_dir, weights


def test_hooked_activations_equal_a_numpy_float64_forward_pass_within_1e_6(tishby_run):
    run_dir, weights = tishby_run
    run = open_run(run_dir)
    for epoch in range(EPOCHS + 1):
        for recorded, expected in zip(run.activations(epoch), _numpy_forward(weights[epoch],
                                                                            run.X), strict=True):
            assert recorded.dtype == np.float32
            np.testing.assert_allclose(recorded, expected, rtol=0, atol=1e-6)


def test_binning_the_recorded_run_equals_binning_the_numpy_activations_exactly(tishby_run):
    run_dir, weights = tishby_run
    assert run_cli(main_data.main, ["--from-run", str(run_dir), "--estimator", "binning",
                                    "--jobs", "1", "--no-plot"]) == 0
    run, binning = open_run(run_dir), estimator_from_spec("binning")
    rows = read_rows(run_dir / "information.csv")
    assert len(rows) == (EPOCHS + 1) * len(LAYERS)
    for row in rows:
        T = _numpy_forward(weights[row["epoch"]], run.X)[row["layer"] - 1]
        assert (row["i_xt"], row["i_yt"]) == binning.mutual_information(T, run.X, run.y)
        assert row["layer_name"] == LAYERS[row["layer"] - 1]


def test_a_module_name_the_model_lacks_is_refused_naming_it_before_anything_is_written(
        tmp_path):
    data = load_dataset("tishby")
    with pytest.raises(ValueError, match="module 'fc9' is not in the model's named_modules"):
        TorchRecorder(tmp_path / "run", tanh_network(0), data.X, data.y, ["1", "fc9"])
    assert not (tmp_path / "run").exists()


def test_recording_restores_each_modules_training_mode(tmp_path):
    data = load_dataset("tishby")
    model = tanh_network(0)
    model.train()
    model[1].eval()  # a user's frozen submodule stays frozen
    seen = []
    model[3].register_forward_hook(lambda module, i, o: seen.append(module.training))
    with TorchRecorder(tmp_path / "run", model, data.X, data.y, ["3"]) as recorder:
        recorder.record(0)
    assert seen and not any(seen)  # recorded in inference mode
    assert model.training and not model[1].training and model[3].training


def test_dropout_passes_everything_while_recording(tmp_path):
    data = load_dataset("tishby")
    model = torch.nn.Sequential(torch.nn.Linear(12, 6), torch.nn.Dropout(0.5), torch.nn.Tanh())
    with TorchRecorder(tmp_path / "run", model, data.X, data.y, ["2"], block=1000) as recorder:
        recorder.record(0)
    expected = np.tanh(data.X @ model[0].weight.detach().numpy().T
                       + model[0].bias.detach().numpy())
    np.testing.assert_allclose(open_run(tmp_path / "run").activations(0)[0], expected,
                               atol=1e-6)


def test_blocks_of_samples_give_the_outputs_of_one_whole_pass(tmp_path):
    """Up to float32 rounding: the kernels PyTorch picks depend on the block's shape."""
    data = load_dataset("tishby")
    for block in (7, 4096):
        with TorchRecorder(tmp_path / str(block), tanh_network(0), data.X, data.y,
                           LAYERS, block=block) as recorder:
            recorder.record(0)
    for small, whole in zip(open_run(tmp_path / "7").activations(0),
                            open_run(tmp_path / "4096").activations(0), strict=True):
        np.testing.assert_allclose(small, whole, rtol=0, atol=1e-6)


def test_a_module_running_twice_per_forward_pass_is_refused(tmp_path):
    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(12, 12)

        def forward(self, x):
            return self.layer(self.layer(x))

    data = load_dataset("tishby")
    with TorchRecorder(tmp_path / "run", Twice(), data.X, data.y, ["layer"]) as recorder:
        with pytest.raises(ValueError, match="module 'layer' runs 2 times"):
            recorder.record(0)
    assert not (tmp_path / "run").exists()


def test_a_layer_whose_output_becomes_nan_is_refused_and_that_epoch_not_written(tmp_path):
    data = load_dataset("tishby")
    model = tanh_network(0)
    with TorchRecorder(tmp_path / "run", model, data.X, data.y, ["1"]) as recorder:
        recorder.record(0)
        before = (tmp_path / "run" / "snapshots" / "repeat-0" / "activations.bin").read_bytes()
        with torch.no_grad():
            model[0].weight[0, 0] = float("nan")
        with pytest.raises(ValueError, match="layer 1 at epoch 1 holds NaN"):
            recorder.record(1)
    after = (tmp_path / "run" / "snapshots" / "repeat-0" / "activations.bin").read_bytes()
    assert after == before


def _attention_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.TransformerEncoderLayer(
        16, 2, dim_feedforward=32, batch_first=True, dropout=0.1))


@pytest.mark.parametrize("pool", ["flatten", "mean", "last"])
def test_token_outputs_are_pooled_as_the_recorder_says(tmp_path, pool):
    digits = load_dataset("digits")
    tokens = digits.X.reshape(-1, 8, 8)
    model = _attention_model()
    with TorchRecorder(tmp_path / "run", model, tokens, digits.y, ["1"], pool=pool) as rec:
        rec.record(0)
    model.eval()
    with torch.no_grad():
        out = model(torch.as_tensor(tokens)).numpy()  # (N, 8 tokens, 16)
    expected = {"flatten": out.reshape(len(out), -1), "mean": out.mean(axis=1),
                "last": out[:, -1]}[pool]
    run = open_run(tmp_path / "run")
    np.testing.assert_allclose(run.activations(0)[0], expected, atol=1e-5)
    assert run.X.shape == (1797, 64)


def test_the_layout_records_the_pool_and_each_modules_output_shape(tmp_path):
    digits = load_dataset("digits")
    with TorchRecorder(tmp_path / "run", _attention_model(), digits.X.reshape(-1, 8, 8),
                       digits.y, ["0", "1"], pool="mean") as rec:
        rec.record(0)
    layout = (tmp_path / "run" / "snapshots" / "repeat-0" / "layout.json").read_text()
    assert '"pool": "mean"' in layout
    assert '{"name": "1", "units": 16, "shape": [8, 16]}' in layout


def _loop(folder, epochs, resume):
    return subprocess.Popen([sys.executable, str(LOOP), str(folder / "run"), str(epochs),
                             *(["--resume"] if resume else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize(("epochs", "kills"), [
    (12, [5]), pytest.param(40, [3, 11, 17, 26, 38], marks=pytest.mark.slow)])
def test_a_recording_killed_during_its_loop_resumes_to_identical_bytes(tmp_path, epochs, kills):
    assert_kills_resume_identically(_loop, tmp_path, epochs, kills)
