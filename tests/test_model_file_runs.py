"""Any Keras model through main_data.py --model: trained, resumed bit for bit, every layer
measured within the entropies, equal to the built-in network when it is the built-in network,
and every bad model file refused with one line before anything is written."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from infonet.cli.command import run_cli
from infonet.rundir.results import read_rows
from main_data import main

MODELS = Path(__file__).parent / "model_files" / "networks_for_tests.py"
CNN = ["--dataset", "digits", "--model", f"{MODELS}:small_cnn", "--batch-size", "128",
       "--learning-rate", "0.01", "--jobs", "1", "--no-plot"]
RANGE_BINS = "binning:bins=30,range=layer"


def _run(args, capsys):
    status = run_cli(main, [str(a) for a in args])
    return status, capsys.readouterr().err


def _snapshot_bytes(run_dir: Path) -> dict[str, bytes]:
    folder = run_dir / "snapshots" / "repeat-0"
    return {name: (folder / name).read_bytes() for name in ("weights.bin", "state.npy")} | {
        "metrics.csv": (run_dir / "metrics.csv").read_bytes()}


@pytest.fixture(scope="module")
def cnn_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "cnn"
    assert run_cli(main, [*CNN, "--epochs", "3", "--estimator", RANGE_BINS, "--estimator",
                          "kde-upper", "--schedule", "log:2", "--out", str(run_dir)]) == 0
    return run_dir


def test_config_records_the_model_file_its_hash_and_the_measured_layers(cnn_run):
    training = json.loads((cnn_run / "config.json").read_text())["training"]
    assert training["model"] == f"{MODELS}:small_cnn"
    assert len(training["model_sha256"]) == 64
    assert training["layers"] == ["conv", "norm", "pool", "dense", "output"]


def test_every_conv_normalisation_pooling_and_dense_layer_is_measured_within_the_entropies(
        cnn_run):
    rows = read_rows(cnn_run / "information.csv")
    assert {r["layer_name"] for r in rows} == {"conv", "norm", "pool", "dense", "output"}
    assert {(r["epoch"], r["estimator"].split(":")[0]) for r in rows} == {
        (e, k) for e in (0, 3) for k in ("binning", "kde-upper")}
    assert all(0 <= r["i_xt"] <= r["h_x"] + 1e-9 and 0 <= r["i_yt"] <= r["h_y"] + 1e-9
               for r in rows)
    units = {r["layer_name"]: r["units"] for r in rows}
    assert units == {"conv": 6 * 6 * 4, "norm": 6 * 6 * 4, "pool": 3 * 3 * 4, "dense": 6,
                     "output": 10}


def test_every_weight_is_snapshotted_every_epoch_batch_statistics_included(cnn_run):
    layout = json.loads((cnn_run / "snapshots" / "repeat-0" / "layout.json").read_text())
    names = [name for name, _ in layout["weights"]]
    assert any(name.endswith("moving_mean") for name in names)
    values = sum(int(np.prod(shape)) for _, shape in layout["weights"])
    size = (cnn_run / "snapshots" / "repeat-0" / "weights.bin").stat().st_size
    assert size == 4 * values * 4  # epochs 0..3, float32


def test_a_resumed_model_run_has_the_bytes_of_an_uninterrupted_one(tmp_path, capsys):
    measure = ["--no-measure"]
    assert _run([*CNN, *measure, "--epochs", "3", "--out", tmp_path / "whole"], capsys)[0] == 0
    assert _run([*CNN, *measure, "--epochs", "1", "--out", tmp_path / "cut"], capsys)[0] == 0
    status, err = _run([*measure, "--epochs", "3", "--out", tmp_path / "cut", "--resume"],
                       capsys)
    assert status == 0, err
    assert _snapshot_bytes(tmp_path / "cut") == _snapshot_bytes(tmp_path / "whole")


def test_resuming_with_a_changed_model_file_is_refused_in_one_line(tmp_path, capsys):
    model_file = tmp_path / "net.py"
    shutil.copy(MODELS, model_file)
    args = ["--dataset", "digits", "--model", f"{model_file}:small_cnn", "--no-measure",
            "--out", tmp_path / "run"]
    assert _run([*args, "--epochs", "1"], capsys)[0] == 0
    before = _snapshot_bytes(tmp_path / "run")
    model_file.write_text(model_file.read_text() + "\n# changed\n")
    status, err = _run([*args, "--epochs", "2", "--resume"], capsys)
    assert status == 2 and err.count("\n") == 1
    assert "changed since the run was trained" in err
    assert _snapshot_bytes(tmp_path / "run") == before


def test_the_built_in_network_as_a_model_file_measures_as_the_built_in_network(tmp_path,
                                                                                capsys):
    """The same seed gives the same initial weights and, trained one repeat at a time, the same
    arithmetic: every row of information.csv is equal, layer names included."""
    common = ["--epochs", "3", "--jobs", "1", "--no-plot"]
    assert _run([*common, "--out", tmp_path / "built_in"], capsys)[0] == 0
    assert _run([*common, "--model", f"{MODELS}:built_in_mlp", "--out", tmp_path / "file"],
                capsys)[0] == 0
    built_in = read_rows(tmp_path / "built_in" / "information.csv")
    from_file = read_rows(tmp_path / "file" / "information.csv")
    assert from_file == built_in
    assert [r["layer_name"] for r in built_in if r["epoch"] == 0] == [
        "hidden_1", "hidden_2", "hidden_3", "hidden_4", "hidden_5", "output"]


def test_layers_picks_the_named_layers_only(tmp_path, capsys):
    status, err = _run([*CNN, "--epochs", "1", "--layers", "dense,pool",
                        "--out", tmp_path / "run"], capsys)
    assert status == 0, err
    rows = read_rows(tmp_path / "run" / "information.csv")
    assert {(r["layer"], r["layer_name"]) for r in rows} == {(1, "pool"), (2, "dense")}


@pytest.mark.parametrize(("model", "message"), [
    ("missing.py:small_cnn", "does not exist"),
    (f"{MODELS}:absent", "has no function absent"),
    (f"{MODELS}:raises", "raised RuntimeError: no model today"),
    (f"{MODELS}:not_a_model", "returned list, not a keras.Model"),
    (f"{MODELS}:wrong_input", "takes inputs of shape (None, 65)"),
    (f"{MODELS}:wrong_output", "gives outputs of shape (None, 11)"),
    ("no-colon.py", "must be FILE.py:FUNCTION"),
    (f"{MODELS}:with_lambda", "measuring cannot rebuild the model"),
    (f"{MODELS}:logits", "not class probabilities"),
    (f"{MODELS}:exits", "called sys.exit(0) instead of returning a model"),
    (f"{MODELS}:spaced_layer_name", "TensorFlow refuses the layer name 'my layer'"),
    (f"{MODELS}:spaced_model_name", "TensorFlow refuses the model's name 'my model'"),
])
def test_a_bad_model_file_is_one_error_line_and_writes_nothing(tmp_path, capsys, model,
                                                               message):
    status, err = _run(["--dataset", "digits", "--model", model, "--epochs", "1",
                        "--out", tmp_path / "run"], capsys)
    assert status == 2 and err.count("\n") == 1 and err.startswith("error: ")
    assert message in err
    assert not (tmp_path / "run").exists()


def test_a_model_file_exiting_while_imported_is_an_error(tmp_path, capsys):
    model_file = tmp_path / "net.py"
    model_file.write_text("raise SystemExit(0)\n")
    status, err = _run(["--dataset", "digits", "--model", f"{model_file}:net", "--epochs", "1",
                        "--out", tmp_path / "run"], capsys)
    assert status == 2 and err.count("\n") == 1 and "called sys.exit(0)" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("network", [[], ["--dataset", "digits", "--model",
                                          f"{MODELS}:unnamed_mlp"]])
def test_test_samples_of_a_run_without_a_test_set_are_refused_before_training(
        tmp_path, capsys, network):
    status, err = _run([*network, "--train-fraction", "1", "--samples", "test", "--epochs",
                        "1", "--out", tmp_path / "run"], capsys)
    assert status == 2 and err.count("\n") == 1 and "the test set is empty" in err
    assert not (tmp_path / "run").exists()


def test_an_unknown_layer_name_is_refused_naming_it(tmp_path, capsys):
    status, err = _run([*CNN, "--layers", "conv,nope", "--out", tmp_path / "run"], capsys)
    assert status == 2 and "no layer 'nope'" in err and not (tmp_path / "run").exists()


@pytest.mark.parametrize("flag", [["--shape", "4,3"], ["--activation", "relu"],
                                  ["--init", "glorot_uniform"], ["--repeats-together", "2"]])
def test_flags_of_the_built_in_network_are_refused_with_a_model(tmp_path, capsys, flag):
    status, err = _run([*CNN, *flag, "--out", tmp_path / "run"], capsys)
    assert status == 2 and f"{flag[0]} would be ignored" in err


def test_quantize_is_refused_with_a_model(tmp_path, capsys):
    status, err = _run([*CNN, "--quantize", "8", "--out", tmp_path / "run"], capsys)
    assert status == 2 and err.count("\n") == 1 and "a --model network is not quantized" in err
    assert not (tmp_path / "run").exists()


def test_layers_keras_named_get_the_same_names_when_trained_and_resumed(tmp_path, capsys):
    args = ["--dataset", "digits", "--model", f"{MODELS}:unnamed_mlp", "--jobs", "1",
            "--no-plot", "--out", tmp_path / "run"]
    assert _run([*args, "--epochs", "1"], capsys)[0] == 0
    status, err = _run([*args, "--epochs", "2", "--resume"], capsys)
    assert status == 0, err
    rows = read_rows(tmp_path / "run" / "information.csv")
    assert {(r["epoch"], r["layer_name"]) for r in rows} == {
        (e, name) for e in (0, 1, 2) for name in ("dense", "dense_1")}


def test_open_run_gives_python_a_model_runs_layers_as_measured(cnn_run):
    from infonet.information import estimator_from_spec
    from infonet.networks import open_run

    run = open_run(cnn_run)
    assert run.layer_names() == ("conv", "norm", "pool", "dense", "output")
    binning = estimator_from_spec(RANGE_BINS)
    (row,) = [r for r in read_rows(cnn_run / "information.csv") if r["epoch"] == 3
              and r["layer_name"] == "pool" and r["estimator"] == binning.name]
    T = run.activations(epoch=3)[2]
    assert binning.mutual_information(T, run.samples.ids, run.y) == (row["i_xt"], row["i_yt"])


# --- the architecture a run trained -----------------------------------------------------------

def _tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tanh_run(tmp_path_factory):
    """Two repeats of a small tanh model file, trained one epoch, not measured."""
    run_dir = tmp_path_factory.mktemp("runs") / "tanh"
    assert run_cli(main, ["--dataset", "digits", "--model", f"{MODELS}:unnamed_mlp",
                          "--epochs", "1", "--repeats", "2", "--no-measure",
                          "--out", str(run_dir)]) == 0
    return run_dir


def _relu_layout(run_dir: Path) -> Path:
    """Repeat 0's layout.json replaced by a ReLU network's with the same weight names."""
    layout = run_dir / "snapshots" / "repeat-0" / "layout.json"
    layout.write_text(layout.read_text().replace('"tanh"', '"relu"'))
    return layout


def test_every_repeat_of_a_model_run_measures_against_the_recorded_architecture(
        tanh_run, tmp_path, capsys):
    run_dir = shutil.copytree(tanh_run, tmp_path / "run")
    status, err = _run(["--from-run", run_dir, "--jobs", "1", "--no-plot"], capsys)
    assert status == 0, err
    assert {r["repeat"] for r in read_rows(run_dir / "information.csv")} == {0, 1}


@pytest.mark.parametrize("command", [["--from-run", "{run}", "--jobs", "1", "--no-plot"],
                                     ["--out", "{run}", "--resume", "--epochs", "2",
                                      "--no-measure"]])
def test_a_layout_of_another_architecture_is_refused_naming_it(tanh_run, tmp_path, capsys,
                                                               command):
    run_dir = shutil.copytree(tanh_run, tmp_path / "run")
    layout = _relu_layout(run_dir)
    before = _tree(run_dir)
    status, err = _run([str(a).format(run=run_dir) for a in command], capsys)
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert str(layout) in err and "architecture" in err
    assert _tree(run_dir) == before


@pytest.mark.parametrize("damage", [{"class_name": "Sequential"},
                                    {"class_name": "NoSuchModel", "config": {}}, {}])
def test_a_damaged_architecture_of_a_run_from_before_the_hash_is_one_line_naming_it(
        tanh_run, tmp_path, capsys, damage):
    run_dir = shutil.copytree(tanh_run, tmp_path / "run")
    config = json.loads((run_dir / "config.json").read_text())
    del config["training"]["architecture_sha256"]
    (run_dir / "config.json").write_text(json.dumps(config))
    for repeat in (0, 1):
        path = run_dir / "snapshots" / f"repeat-{repeat}" / "layout.json"
        layout = json.loads(path.read_text())
        path.write_text(json.dumps({**layout, "architecture": damage}))
    before = _tree(run_dir)
    status, err = _run(["--from-run", run_dir, "--jobs", "1", "--no-plot"], capsys)
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "repeat-0/layout.json" in err and "cannot rebuild" in err
    assert _tree(run_dir) == before
