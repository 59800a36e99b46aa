"""ActivationRecorder: any framework's layer outputs recorded as a run that every command and
open_run read unchanged; checked, locked, resumable, and refusing bad input before writing."""

import json

import numpy as np
import pytest

import main_as_if_random
import main_data
import main_movie
import main_plot
from infonet.cli.command import run_cli
from infonet.information import estimator_from_spec
from infonet.networks import ActivationRecorder, open_run
from infonet.rundir.directory import remove_run
from infonet.rundir.lock import RunLocked
from infonet.rundir.results import read_rows
from tests.killing import tree

N = 300
LAYERS = ["encoder", "tokens", "head"]


def _samples():
    rng = np.random.default_rng(0)
    return rng.normal(size=(N, 6)).astype(np.float32), rng.integers(0, 3, N)


def _outputs(X, epoch):
    """Layer outputs that change with the epoch: (N, 4), (N, 3 tokens, 2), (N, 3)."""
    encoder = np.tanh(X[:, :4] * (epoch + 1))
    tokens = np.stack([np.tanh(X[:, 2 * t : 2 * t + 2] * epoch) for t in range(3)], axis=1)
    logits = X[:, :3] * epoch
    head = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return {"encoder": encoder, "tokens": tokens, "head": head}


def _record(run_dir, epochs=4, **options):
    """Epochs 0..``epochs`` of ``_outputs`` recorded into ``run_dir``; returns it."""
    X, y = _samples()
    with ActivationRecorder(run_dir, X, y, LAYERS, epochs=epochs, **options) as recorder:
        for epoch in range(epochs + 1):
            recorder.epoch(epoch, _outputs(X, epoch), metrics={"train_loss": 1 / (epoch + 1)})
    return run_dir


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A run of 5 recorded epochs."""
    return _record(tmp_path_factory.mktemp("recorded") / "run")


def test_open_run_reads_back_the_given_activations_as_float32(recorded):
    run = open_run(recorded)
    X, y = _samples()
    assert run.layer_names() == tuple(LAYERS) and list(run.epochs()) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(run.X, X)
    np.testing.assert_array_equal(run.y, y)
    for given, stored in zip(_outputs(X, 3).values(), run.activations(3), strict=True):
        np.testing.assert_array_equal(stored, given.reshape(N, -1).astype(np.float32))


def test_measuring_a_recorded_run_gives_the_estimates_of_its_arrays(recorded):
    assert run_cli(main_data.main, ["--from-run", str(recorded), "--estimator", "binning",
                                    "--estimator", "kde-upper", "--jobs", "1",
                                    "--no-plot"]) == 0
    X, y = _samples()
    rows = read_rows(recorded / "information.csv")
    assert len(rows) == 5 * 3 * 2
    for row in rows:
        T = _outputs(X, row["epoch"])[row["layer_name"]].reshape(N, -1).astype(np.float32)
        estimate = estimator_from_spec(row["estimator"]).mutual_information(T, X, y)
        assert (row["i_xt"], row["i_yt"]) == pytest.approx(estimate, abs=1e-12)


def test_batching_plots_and_movies_work_on_a_recorded_run(recorded, tmp_path):
    assert run_cli(main_as_if_random.main, [str(recorded), "--window", "2", "--step", "1",
                                            "--jobs", "1"]) == 0
    assert run_cli(main_plot.main, [str(recorded), "-o", str(tmp_path / "plane.png")]) == 0
    assert run_cli(main_movie.main, [str(recorded), "-o", str(tmp_path / "plane.gif")]) == 0
    assert (tmp_path / "plane.png").stat().st_size and (tmp_path / "plane.gif").stat().st_size


def test_a_run_wide_binning_range_spans_every_recorded_layer_and_epoch(recorded):
    assert run_cli(main_data.main, ["--from-run", str(recorded), "--estimator",
                                    "binning:bins=30,range=global", "--jobs", "1",
                                    "--no-plot"]) == 0
    X, _ = _samples()
    values = np.concatenate([a.ravel() for e in range(5) for a in _outputs(X, e).values()])
    low, high = json.loads((recorded / "config.json").read_text())["run_ranges"]["all"]["0"]
    assert (low, high) == (float(values.astype(np.float32).min()),
                           float(values.astype(np.float32).max()))


def test_config_json_says_what_a_recorded_run_is(recorded):
    config = json.loads((recorded / "config.json").read_text())
    assert config["dataset"]["name"] == "recorded" and config["dataset"]["n_samples"] == N
    assert config["training"]["recorded"] == "activations"
    assert config["training"]["layers"] == LAYERS and config["training"]["epochs"] == 4
    assert "tensorflow" not in config["versions"]


def test_a_recorded_run_of_activations_cannot_be_trained_by_main_data(recorded, capsys):
    assert run_cli(main_data.main, ["--out", str(recorded), "--resume"]) == 2
    assert "recorded by ActivationRecorder" in capsys.readouterr().err


def test_a_recorded_run_has_no_weights_to_give(recorded):
    with pytest.raises(ValueError, match="holds recorded activations, not weights"):
        open_run(recorded).params(0)


def test_metrics_csv_holds_the_given_metrics_and_nan_for_the_others(recorded):
    lines = (recorded / "metrics.csv").read_text().splitlines()
    assert lines[2] == "0,1,0.5,nan,nan,nan"


def test_a_recorder_closed_half_way_and_resumed_ends_with_the_files_of_one_run(tmp_path):
    _record(tmp_path / "whole")
    _record(tmp_path / "parts", epochs=2)
    X, y = _samples()
    with ActivationRecorder(tmp_path / "parts", X, y, LAYERS, epochs=4,
                            resume=True) as recorder:
        assert recorder.next_epoch() == 3
        for epoch in range(5):  # the user's loop replayed from the start
            recorder.epoch(epoch, _outputs(X, epoch), metrics={"train_loss": 1 / (epoch + 1)})
    assert tree(tmp_path / "parts") == tree(tmp_path / "whole")


def test_an_epoch_already_recorded_is_skipped_and_says_so(tmp_path):
    X, y = _samples()
    with ActivationRecorder(tmp_path / "run", X, y, LAYERS) as recorder:
        assert recorder.epoch(0, _outputs(X, 0)) is True
        assert recorder.epoch(0, _outputs(X, 5)) is False
    np.testing.assert_array_equal(open_run(tmp_path / "run").activations(0)[0],
                                  _outputs(X, 0)["encoder"].astype(np.float32))


def test_an_epoch_out_of_order_is_refused(tmp_path):
    X, y = _samples()
    with ActivationRecorder(tmp_path / "run", X, y, LAYERS) as recorder:
        recorder.epoch(0, _outputs(X, 0))
        with pytest.raises(ValueError, match="the next epoch to record is 1"):
            recorder.epoch(2, _outputs(X, 2))


def test_a_layer_whose_width_changes_is_refused_and_nothing_of_that_epoch_written(tmp_path):
    X, y = _samples()
    with ActivationRecorder(tmp_path / "run", X, y, LAYERS) as recorder:
        recorder.epoch(0, _outputs(X, 0))
        before = tree(tmp_path / "run")
        wider = {**_outputs(X, 1), "encoder": np.tanh(X[:, :5])}
        with pytest.raises(ValueError, match="layer encoder has width 5 .* at epoch 1, it had 4"):
            recorder.epoch(1, wider)
        assert tree(tmp_path / "run") == before


def test_nan_activations_are_refused_naming_the_layer_and_epoch(tmp_path):
    X, y = _samples()
    outputs = _outputs(X, 0)
    outputs["head"][3, 1] = np.nan
    with ActivationRecorder(tmp_path / "run", X, y, LAYERS) as recorder:
        with pytest.raises(ValueError, match="layer head at epoch 0 holds NaN"):
            recorder.epoch(0, outputs)
    assert not (tmp_path / "run").exists()


def test_a_layer_not_asked_for_is_refused(tmp_path):
    X, y = _samples()
    with ActivationRecorder(tmp_path / "run", X, y, LAYERS) as recorder:
        with pytest.raises(ValueError, match="not recorded: decoder"):
            recorder.epoch(0, {**_outputs(X, 0), "decoder": X})
    assert not (tmp_path / "run").exists()


def test_outputs_of_another_sample_count_are_refused(tmp_path):
    X, y = _samples()
    with ActivationRecorder(tmp_path / "run", X, y, LAYERS) as recorder:
        with pytest.raises(ValueError, match=f"on the {N} samples, got shape \\(299, 4\\)"):
            recorder.epoch(0, {**_outputs(X, 0), "encoder": np.zeros((N - 1, 4))})


def test_nan_samples_are_refused_before_anything_is_written(tmp_path):
    X, y = _samples()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="X holds NaN"):
        ActivationRecorder(tmp_path / "run", X, y, LAYERS)
    assert not (tmp_path / "run").exists()


def test_a_directory_holding_a_run_is_refused_without_resume(recorded):
    X, y = _samples()
    with pytest.raises(ValueError, match="already exists"):
        ActivationRecorder(recorded, X, y, LAYERS)


def test_resuming_with_other_samples_is_refused(recorded):
    X, y = _samples()
    with pytest.raises(ValueError, match="its samples differ"):
        ActivationRecorder(recorded, X + 1, y, LAYERS, resume=True)


def test_the_recorder_holds_the_runs_lock(tmp_path):
    X, y = _samples()
    with ActivationRecorder(tmp_path / "run", X, y, LAYERS) as recorder:
        recorder.epoch(0, _outputs(X, 0))
        with pytest.raises(RunLocked):
            ActivationRecorder(tmp_path / "run", X, y, LAYERS, resume=True)
    assert not (tmp_path / "run" / "writer.lock").exists()


@pytest.mark.parametrize(("pool", "expected"), [
    ("flatten", lambda tokens: tokens.reshape(N, -1)),
    ("mean", lambda tokens: tokens.mean(axis=1)),
    ("last", lambda tokens: tokens[:, -1]),
])
def test_token_outputs_are_stored_as_the_pool_says(tmp_path, pool, expected):
    stored = open_run(_record(tmp_path / "run", epochs=1, pool=pool)).activations(1)
    X, _ = _samples()
    np.testing.assert_allclose(stored[1], expected(_outputs(X, 1)["tokens"]), atol=1e-6)
    np.testing.assert_array_equal(stored[0], _outputs(X, 1)["encoder"].astype(np.float32))


def test_repeats_are_recorded_each_in_its_own_folder(tmp_path):
    X, y = _samples()
    with ActivationRecorder(tmp_path / "run", X, y, LAYERS, repeats=2) as recorder:
        for epoch in range(3):
            for repeat in range(2):
                recorder.epoch(epoch, _outputs(X, epoch + 10 * repeat), repeat=repeat)
    run = open_run(tmp_path / "run")
    assert run.repeats == 2
    np.testing.assert_array_equal(run.activations(2, repeat=1)[0],
                                  _outputs(X, 12)["encoder"].astype(np.float32))


def test_a_damaged_activations_file_is_refused_naming_it(recorded, tmp_path):
    copy = tmp_path / "run"
    for name, content in tree(recorded).items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes(content)
    path = copy / "snapshots" / "repeat-0" / "activations.bin"
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(ValueError, match="activations.bin holds"):
        open_run(copy)


def test_measuring_leaves_a_recorded_run_byte_for_byte_when_refused(recorded, capsys):
    before = tree(recorded)
    assert run_cli(main_data.main, ["--from-run", str(recorded), "--samples", "test",
                                    "--jobs", "1", "--no-plot"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert tree(recorded) == before


def test_removing_a_recorded_run_deletes_every_file_it_wrote(tmp_path):
    _record(tmp_path / "run", epochs=1)
    remove_run(tmp_path / "run")
    assert list((tmp_path / "run").iterdir()) == []


def test_every_estimator_and_an_adaptive_schedule_measure_a_recorded_run(tmp_path):
    run_dir = _record(tmp_path / "run", epochs=6)
    specs = ["binning:bins=30,edges=equal-mass", "binning:bin_size=0.5", "kde-lower",
             "mc:draws=2", "knn", "renyi"]
    assert run_cli(main_data.main, ["--from-run", str(run_dir), *(
        part for spec in specs for part in ("--estimator", spec)),
        "--schedule", "delta-exact:0.05", "--jobs", "1", "--no-plot"]) == 0
    X, y = _samples()
    rows = read_rows(run_dir / "information.csv")
    assert {estimator_from_spec(r["estimator"]).name for r in rows} == {
        estimator_from_spec(spec).name for spec in specs}
    row = next(r for r in rows if r["estimator"].startswith("renyi") and r["layer"] == 1)
    T = _outputs(X, row["epoch"])["encoder"].astype(np.float32)
    assert (row["i_xt"], row["i_yt"]) == pytest.approx(
        estimator_from_spec(row["estimator"]).mutual_information(T, X, y), abs=1e-12)
