"""docs/examples/pytorch_transformer.py, the PyTorch example of docs/pytorch.md, run in short
form as a user runs it, then measured by main_data.py --from-run."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import main_data
from infonet.cli.command import run_cli
from infonet.networks import open_run
from infonet.rundir.results import read_rows

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "examples" / "pytorch_transformer.py"


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("example") / "run"
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(run_dir), "--epochs", "2"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return run_dir


def test_the_example_records_every_layer_of_the_transformer(example_run):
    run = open_run(example_run)
    assert run.layer_names() == ("embedding", "blocks.0", "blocks.1", "pool", "output")
    assert [T.shape[1] for T in run.activations(2)] == [16, 16, 16, 16, 10]
    assert list(run.epochs()) == [0, 1, 2]


def test_mean_pooled_tokens_of_the_last_block_are_the_networks_own_pooling(example_run):
    """The recorder's pool=mean of blocks.1 and the network's mean over tokens (``pool``)
    are the same numbers computed twice."""
    T = open_run(example_run).activations(2)
    np.testing.assert_allclose(T[2], T[3], rtol=0, atol=1e-6)


def test_the_example_run_is_measured_layer_by_layer(example_run):
    assert run_cli(main_data.main, ["--from-run", str(example_run), "--estimator",
                                    "kde-upper:noise_variance=0.1", "--jobs", "1",
                                    "--no-plot"]) == 0
    rows = read_rows(example_run / "information.csv")
    assert {r["layer_name"] for r in rows} == {"embedding", "blocks.0", "blocks.1", "pool",
                                               "output"}
    assert all(0 <= r["i_xt"] <= r["h_x"] + 1e-9 for r in rows)
