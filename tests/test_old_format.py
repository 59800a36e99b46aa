"""A run directory written before config.json was typed and before a run recorded what it
measures (``tests/fixtures/format-2026-11``: 2 repeats of a 4-3 tanh network, 3 epochs, binning
and kde-upper on every epoch, written by the toolkit as of commit f894663) still reads,
plots, measures and resumes."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from infonet.cli.command import run_cli
from infonet.information import estimator_from_spec
from infonet.networks import open_run
from infonet.rundir.config import RunConfig
from infonet.rundir.results import read_rows
from main_data import main as data_main
from main_plot import main as plot_main

FIXTURE = Path(__file__).parent / "fixtures" / "format-2026-11"


@pytest.fixture
def old_run(tmp_path):
    return Path(shutil.copytree(FIXTURE, tmp_path / "run"))


def test_an_old_config_reads_typed_and_writes_back_its_own_bytes(old_run):
    text = (old_run / "config.json").read_text()
    config = RunConfig.from_json(text, old_run / "config.json")
    assert config.measures == () and config.repeats == 2 and config.epochs == 3
    assert config.to_json() == text


def test_open_run_reproduces_an_old_runs_rows(old_run):
    run = open_run(old_run)
    binning = estimator_from_spec("binning")
    row = next(r for r in read_rows(old_run / "information.csv")
               if r["estimator"] == binning.name and r["repeat"] == 1 and r["epoch"] == 2
               and r["layer"] == 2)
    T = run.activations(epoch=2, repeat=1)[1]
    assert binning.mutual_information(T, run.X, run.y) == pytest.approx(
        (row["i_xt"], row["i_yt"]), abs=1e-12)


def test_an_old_run_is_plotted(old_run, tmp_path):
    assert run_cli(plot_main, [str(old_run), "-o", str(tmp_path / "plane.png")]) == 0
    assert (tmp_path / "plane.png").stat().st_size > 0


def test_an_old_run_is_measured_again_with_another_estimator(old_run):
    before = read_rows(old_run / "information.csv")
    assert run_cli(data_main, ["--from-run", str(old_run), "--estimator", "kde-lower",
                               "--jobs", "1", "--no-plot"]) == 0
    after = read_rows(old_run / "information.csv")
    assert all(row in after for row in before)
    assert {r["estimator"] for r in read_rows(old_run / "information.csv")} == {
        "binning:bins=30,low=-1.0,high=1.0", "kde-upper:noise_variance=0.1",
        "kde-lower:noise_variance=0.1"}


def test_an_old_run_resumes_longer_keeping_every_saved_epoch(old_run):
    weights = (old_run / "snapshots" / "repeat-0" / "weights.bin").read_bytes()
    assert run_cli(data_main, ["--out", str(old_run), "--resume", "--epochs", "5", "--jobs",
                               "1", "--no-plot"]) == 0
    grown = (old_run / "snapshots" / "repeat-0" / "weights.bin").read_bytes()
    assert grown[:len(weights)] == weights and len(grown) == len(weights) // 4 * 6
    assert np.array_equal(open_run(old_run).epochs(repeat=1), np.arange(6))
