"""``main_data.py --tensorboard DIR``: the run's tables as TensorBoard events, read back with
TensorBoard's own event reader; bad flags are one ``error:`` line, status 2, nothing written.

The library-level tests use a synthetic run, whose values are closed-form; the end-to-end
test trains a small network.
"""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from infonet.analysis.tables import read_information, read_metrics
from infonet.cli.command import run_cli
from infonet.plotting.synthetic import ESTIMATORS, write_synthetic_run
from infonet.plotting.tensorboard import image_indices, write_events
from main_data import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--shape", "4,3", "--epochs", "4", "--jobs", "1", "--no-plot"]


def _events(folder: Path) -> EventAccumulator:
    """Every event in ``folder``, as TensorBoard reads them."""
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    return events


def _steps_and_values(events: EventAccumulator, tag: str) -> tuple[list[int], np.ndarray]:
    scalars = events.Scalars(tag)
    return [s.step for s in scalars], np.array([s.value for s in scalars])


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A synthetic run (2 repeats, epochs 0..20, 3 layers, 2 estimators) and its events."""
    folder = tmp_path_factory.mktemp("tensorboard")
    run = write_synthetic_run(folder / "run", repeats=2, epochs=20, units=(4, 3, 2))
    return run, write_events(run, folder / "logs", image_every=5)


def test_each_layer_information_is_a_scalar_per_measured_epoch(synthetic):
    run, logs = synthetic
    measured = read_information(run / "information.csv")[0]
    steps, values = _steps_and_values(_events(logs / "repeat-1"),
                                      f"I(Y;T)/{ESTIMATORS[0]}/hidden_2")
    assert steps == list(range(21))
    assert np.allclose(values, measured.i_yt[1, :, 1])


def test_the_scalars_are_tagged_by_quantity_estimator_and_layer_and_the_metrics(synthetic):
    tags = set(_events(synthetic[1] / "repeat-0").Tags()["scalars"])
    expected = {f"{q}/{e}/{layer}" for q in ("I(X;T)", "I(Y;T)") for e in ESTIMATORS
                for layer in ("hidden_1", "hidden_2", "output")}
    assert tags == expected | {"loss/train", "loss/test", "accuracy/train", "accuracy/test"}


def test_loss_and_accuracy_are_scalars_per_epoch(synthetic):
    run, logs = synthetic
    metrics = read_metrics(run / "metrics.csv")
    steps, values = _steps_and_values(_events(logs / "repeat-0"), "accuracy/test")
    assert steps == list(range(21)) and np.allclose(values, metrics.values["test_accuracy"][0])
    assert np.allclose(_steps_and_values(_events(logs / "repeat-1"), "loss/train")[1],
                       metrics.values["train_loss"][1])


def test_the_plane_is_an_image_every_n_epochs(synthetic):
    images = _events(synthetic[1] / "mean").Images(f"information plane/{ESTIMATORS[1]}")
    assert [image.step for image in images] == [0, 5, 10, 15, 20]
    picture = Image.open(io.BytesIO(images[-1].encoded_image_string))
    assert picture.size == (images[-1].width, images[-1].height) == (720, 540)


def test_images_go_to_the_first_measured_epoch_of_each_interval_and_the_last():
    epochs = np.array([0, 1, 3, 7, 15, 31, 63, 127, 130])
    assert epochs[image_indices(epochs, 50)].tolist() == [0, 63, 127, 130]


def test_logging_again_replaces_the_events(synthetic, tmp_path):
    run, logs = synthetic
    write_events(run, tmp_path, image_every=5)
    write_events(run, tmp_path, image_every=10)
    assert len(list((tmp_path / "repeat-0").iterdir())) == 1
    assert len(_events(tmp_path / "mean").Images(f"information plane/{ESTIMATORS[0]}")) == 3


def test_main_data_logs_a_trained_run(tmp_path, capsys):
    logs = tmp_path / "logs"
    arguments = [*SMALL, "--out", tmp_path / "run", "--tensorboard", logs,
                 "--tensorboard-every", "2"]
    assert run_cli(main, [str(a) for a in arguments]) == 0
    assert f"tensorboard: {logs}" in capsys.readouterr().out
    repeat = _events(logs / "repeat-0")
    assert _steps_and_values(repeat, "I(X;T)/binning:bins=30,low=-1.0,high=1.0/output")[0] == [
        0, 1, 2, 3, 4]
    assert len(_steps_and_values(repeat, "loss/train")[0]) == 5
    assert [i.step for i in _events(logs / "mean").Images(
        "information plane/binning:bins=30,low=-1.0,high=1.0")] == [0, 2, 4]


@pytest.mark.parametrize("flags, message", [
    (["--tensorboard-every", "5"], "--tensorboard-every sets --tensorboard's images: "
                                   "--tensorboard-every would be ignored"),
    (["--tensorboard", "FILE/logs"], "is not a directory"),
    (["--tensorboard", "logs", "--tensorboard-every", "0"], "--tensorboard-every"),
    (["--tensorboard", "logs", "--no-measure"], "--tensorboard would be ignored"),
])
def test_bad_tensorboard_flags_are_one_line_and_write_nothing(tmp_path, capsys, flags, message):
    (tmp_path / "FILE").write_text("")
    flags = [str(tmp_path / f) if f.endswith("logs") else f for f in flags]
    status = run_cli(main, [*SMALL, "--out", str(tmp_path / "run"), *flags])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE"]


def test_without_tensorboard_the_flag_is_one_line_naming_the_package(tmp_path):
    code = ("import sys; sys.modules['tensorboard'] = None; import main_data; "
            "from infonet.cli.command import main_entry; main_entry(main_data.main)")
    done = subprocess.run([sys.executable, "-c", code, "--out", str(tmp_path / "run"),
                           "--tensorboard", str(tmp_path / "logs")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr == (
        "error: --tensorboard needs the tensorboard package: pip install tensorboard (the "
        "version tested is in requirements-extras.txt)\n")
    assert list(tmp_path.iterdir()) == []
