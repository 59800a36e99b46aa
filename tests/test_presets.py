"""Paper presets: each preset's settings, flags on the command line winning, the run's record."""

import json
import shlex

import click
import pytest

from infonet.cli.command import run_cli
from infonet.cli.presets import PRESETS, preset, preset_arguments, with_preset
from infonet.information.estimators import estimator_from_spec
from infonet.measuring.schedule import schedule_from_spec
from infonet.rundir.results import read_rows
from main_data import main

FAST = ["--jobs", "1", "--no-plot"]
TANH_30_BINS = "binning:bins=30,low=-1.0,high=1.0"


def _run(args, capsys):
    status = run_cli(main, [str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def _config(run_dir):
    return json.loads((run_dir / "config.json").read_text())


def test_tishby2017_is_shwartz_ziv_and_tishbys_setup():
    assert preset("tishby2017") == {
        "dataset": "tishby", "train_fraction": 0.8, "keep_order": True,
        "shape": "10,7,5,4,3", "activation": "tanh", "optimizer": "adam",
        "learning_rate": 4e-4, "adam_epsilon": 1e-8, "batch_size": 512, "epochs": 8000,
        "init": "truncated_normal",
        "estimators": (TANH_30_BINS,), "schedule": "log:300", "samples": "all",
    }


def test_saxe2018_tanh_trains_the_same_network_with_batch_256_for_10000_epochs():
    saxe = preset("saxe2018-tanh")
    assert (saxe["batch_size"], saxe["epochs"], saxe["optimizer"], saxe["learning_rate"]) == (
        256, 10000, "adam", 4e-4)
    assert (saxe["dataset"], saxe["shape"], saxe["activation"]) == (
        "tishby", "10,7,5,4,3", "tanh")
    assert saxe["estimators"] == (TANH_30_BINS,) and saxe["samples"] == "all"
    assert saxe["adam_epsilon"] == 1e-8  # TensorFlow 1's AdamOptimizer, as their notebook


def test_saxe2018_relu_differs_from_tanh_only_in_activation_and_global_range_bins():
    tanh, relu = preset("saxe2018-tanh"), preset("saxe2018-relu")
    changed = {key for key in tanh if tanh[key] != relu[key]}
    assert changed == {"activation", "estimators"}
    assert relu["activation"] == "relu"
    assert relu["estimators"] == ("binning:bins=100,range=global",)


def test_saxe2018_kde_measures_both_bounds_with_noise_variance_0_1_on_the_test_samples():
    kde = preset("saxe2018-kde")
    assert kde["estimators"] == ("kde-upper:noise_variance=0.1", "kde-lower:noise_variance=0.1")
    assert kde["samples"] == "test" and kde["activation"] == "tanh"
    assert {k: v for k, v in kde.items() if k not in ("estimators", "samples")} == {
        k: v for k, v in preset("saxe2018-tanh").items() if k not in ("estimators", "samples")}


def test_mnist_style_is_saxes_1024_20_20_20_sgd_network_on_digits():
    mnist = preset("mnist-style")
    assert (mnist["dataset"], mnist["shape"], mnist["optimizer"], mnist["learning_rate"],
            mnist["batch_size"]) == ("digits", "1024,20,20,20", "sgd", 0.001, 128)
    assert mnist["estimators"] == ("kde-upper:noise_variance=0.1", "binning:bin_size=0.5")
    assert mnist["samples"] == "test"


def test_lorenzen2022_quantizes_tishbys_network_to_8_bits_and_measures_it_exactly():
    tanh, relu = preset("lorenzen2022-tanh"), preset("lorenzen2022-relu")
    assert tanh["quantize"] == 8 and tanh["estimators"] == ("exact",)
    assert (tanh["learning_rate"], tanh["batch_size"], tanh["epochs"]) == (1e-4, 256, 8000)
    assert tanh["init"] == "glorot_uniform" and tanh["schedule"] == "every:1"
    assert {k: v for k, v in relu.items() if tanh[k] != v} == {"activation": "relu"}


def test_only_tishby2017_splits_in_file_order():
    assert {name for name, values in PRESETS.items() if values["keep_order"]} == {"tishby2017"}


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_value_is_one_its_flag_accepts_unchanged(name):
    options = {param.name: param for param in main.params}
    with click.Context(main) as ctx:
        for key, value in preset(name).items():
            assert options[key].type_cast_value(ctx, value) == value, key
    values = preset(name)
    assert [estimator_from_spec(s).name for s in values["estimators"]] == list(
        values["estimators"])
    assert schedule_from_spec(values["schedule"]).name == values["schedule"]


def test_an_unknown_preset_is_named_with_the_valid_ones():
    with pytest.raises(ValueError, match="unknown preset 'tishby'.*tishby2017, saxe2018-tanh"):
        preset("tishby")


def test_an_unknown_preset_on_the_command_line_is_one_line_with_status_2(capsys):
    status, _, err = _run(["--preset", "saxe2017"], capsys)
    assert status == 2 and err.count("\n") == 1 and err.startswith("error: ")
    assert all(name in err for name in PRESETS)


def test_flags_given_on_the_command_line_keep_their_values():
    flags = {"batch_size": 64, "epochs": 3, "seed": 7}
    merged = with_preset(flags, "tishby2017", given={"epochs"})
    assert merged["epochs"] == 3 and merged["batch_size"] == 512 and merged["seed"] == 7


def test_without_a_preset_the_flags_are_unchanged():
    flags = {"batch_size": 64, "epochs": 3}
    assert with_preset(flags, None, given=()) == flags


def test_arguments_spell_booleans_as_flag_pairs_and_repeat_tuples():
    assert preset_arguments({"keep_order": True, "estimators": ("a", "b")}) == [
        "--keep-order", "--estimator", "a", "--estimator", "b"]
    assert preset_arguments({"keep_order": False, "learning_rate": 4e-4}) == [
        "--no-keep-order", "--learning-rate", "0.0004"]


def test_help_lists_every_preset(capsys):
    status, out, _ = _run(["--help"], capsys)
    assert status == 0 and all(name in out for name in PRESETS)


def test_show_preset_prints_the_presets_flags_with_the_overrides(tmp_path, capsys):
    status, out, _ = _run(["--preset", "saxe2018-kde", "--activation", "relu", "--show-preset",
                           "--out", tmp_path / "never"], capsys)
    words = shlex.split(out)
    assert status == 0 and words[0] == "main_data.py" and not (tmp_path / "never").exists()
    assert words[words.index("--activation") + 1] == "relu"
    assert words.count("--estimator") == 2 and "--no-keep-order" in words


def test_show_preset_without_a_preset_is_an_error(capsys):
    status, _, err = _run(["--show-preset"], capsys)
    assert status == 2 and "--preset" in err


def test_a_preset_run_records_the_preset_its_values_and_the_overrides(tmp_path, capsys):
    run_dir = tmp_path / "tishby"
    status, _, _ = _run(["--preset", "tishby2017", "--epochs", "3", "--schedule", "every:1",
                         *FAST, "--out", run_dir], capsys)
    assert status == 0
    config = _config(run_dir)
    assert config["preset"] == "tishby2017" and config["measurements"][-1]["preset"] == "tishby2017"
    assert config["training"]["batch_size"] == 512 and config["training"]["epochs"] == 3
    assert config["dataset"]["shuffle"] is False
    rows = read_rows(run_dir / "information.csv")
    assert {r["estimator"] for r in rows} == {TANH_30_BINS}
    assert {r["epoch"] for r in rows} == {0, 1, 2, 3}


def test_no_keep_order_overrides_the_presets_file_order_split(tmp_path, capsys):
    run_dir = tmp_path / "shuffled"
    status, _, _ = _run(["--preset", "tishby2017", "--no-keep-order", "--epochs", "1",
                         "--no-measure", *FAST, "--out", run_dir], capsys)
    assert status == 0 and _config(run_dir)["dataset"]["shuffle"] is True


def test_a_preset_trains_the_same_network_as_its_command_line(tmp_path, capsys):
    short = ["--epochs", "1", *FAST]
    status, out, _ = _run(["--preset", "mnist-style", "--show-preset"], capsys)
    assert status == 0
    assert _run(["--preset", "mnist-style", *short, "--out", tmp_path / "a"], capsys)[0] == 0
    assert _run([*shlex.split(out)[1:], *short, "--out", tmp_path / "b"], capsys)[0] == 0
    a, b = _config(tmp_path / "a"), _config(tmp_path / "b")
    assert (a["dataset"], a["training"]) == (b["dataset"], b["training"])
    weights = "snapshots/repeat-0/weights.bin"
    assert (tmp_path / "a" / weights).read_bytes() == (tmp_path / "b" / weights).read_bytes()


def test_from_run_takes_only_the_presets_measuring_flags(tmp_path, capsys):
    run_dir = tmp_path / "small"
    assert _run(["--shape", "4,3", "--epochs", "2", "--no-measure", *FAST, "--out", run_dir],
                capsys)[0] == 0
    status, _, _ = _run(["--from-run", run_dir, "--preset", "saxe2018-kde", *FAST], capsys)
    assert status == 0
    config = _config(run_dir)
    assert config["training"]["hidden"] == [4, 3] and config["training"]["epochs"] == 2
    assert config["measurements"][-1] == {
        "estimators": ["kde-upper:noise_variance=0.1", "kde-lower:noise_variance=0.1"],
        "schedule": "log:300", "samples": "test", "preset": "saxe2018-kde"}
    rows = read_rows(run_dir / "information.csv")
    assert {r["samples"] for r in rows} == {"test"} and {r["epoch"] for r in rows} == {0, 1, 2}


def test_cnn_digits_trains_and_measures_its_lenet_style_network(tmp_path, capsys):
    status, _, err = _run(["--preset", "cnn-digits", "--epochs", "2", "--jobs", "1",
                           "--no-plot", "--out", tmp_path / "run"], capsys)
    assert status == 0, err
    names = {r["layer_name"] for r in read_rows(tmp_path / "run" / "information.csv")}
    assert names == {"conv_1", "pool_1", "conv_2", "pool_2", "dense_1", "output"}


def test_cnn_mnist_needs_the_users_mnist_file(tmp_path, capsys):
    status, _, err = _run(["--preset", "cnn-mnist", "--out", tmp_path / "run"], capsys)
    assert status == 2 and "--data-path" in err and not (tmp_path / "run").exists()


def test_a_zoo_preset_records_a_portable_model_spec_not_the_checkouts_path(tmp_path, capsys):
    status, _, err = _run(["--preset", "cnn-digits", "--epochs", "1", "--no-measure",
                           "--out", tmp_path / "run"], capsys)
    assert status == 0, err
    assert _config(tmp_path / "run")["training"]["model"] == "zoo:cnn.py:lenet_digits"


def test_transformer_digits_measures_its_embedding_blocks_pooling_and_output(tmp_path, capsys):
    status, _, err = _run(["--preset", "transformer-digits", "--epochs", "1", "--estimator",
                           "binning:bins=30,range=layer", "--jobs", "1", "--no-plot",
                           "--out", tmp_path / "run"], capsys)
    assert status == 0, err
    units = {r["layer_name"]: r["units"] for r in read_rows(tmp_path / "run" / "information.csv")}
    assert units == {"embedding": 128, "block_1": 128, "block_2": 128, "pool": 16, "output": 10}
