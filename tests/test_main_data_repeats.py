"""main_data.py trains repeats together and records the grouping and Adam's epsilon."""

import json

from infonet.cli.command import run_cli
from main_data import main

SMALL = ["--shape", "4,3", "--epochs", "2", "--jobs", "1", "--no-plot", "--no-measure"]


def _run(args, capsys):
    status = run_cli(main, [str(a) for a in args])
    return status, capsys.readouterr()


def _training(run_dir):
    return json.loads((run_dir / "config.json").read_text())["training"]


def test_repeats_go_together_by_default_and_the_grouping_is_recorded(tmp_path, capsys):
    assert _run([*SMALL, "--repeats", "3", "--out", tmp_path / "r"], capsys)[0] == 0
    assert _training(tmp_path / "r")["repeats_together"] == 3
    assert [p.name for p in (tmp_path / "r" / "snapshots").glob("state-*")] == ["state-0-2.npy"]


def test_repeats_together_sets_the_group_size(tmp_path, capsys):
    args = [*SMALL, "--repeats", "3", "--repeats-together", "2", "--out", tmp_path / "r"]
    assert _run(args, capsys)[0] == 0
    assert _training(tmp_path / "r")["repeats_together"] == 2
    assert sorted(p.name for p in (tmp_path / "r" / "snapshots").glob("state-*")) == [
        "state-0-1.npy", "state-2-2.npy"]


def test_adam_epsilon_is_recorded_with_keras_default_otherwise(tmp_path, capsys):
    assert _run([*SMALL, "--out", tmp_path / "a"], capsys)[0] == 0
    assert _run([*SMALL, "--adam-epsilon", "1e-8", "--out", tmp_path / "b"], capsys)[0] == 0
    assert _training(tmp_path / "a")["adam_epsilon"] == 1e-7
    assert _training(tmp_path / "b")["adam_epsilon"] == 1e-8


def test_resuming_with_another_grouping_is_refused(tmp_path, capsys):
    args = [*SMALL, "--repeats", "2", "--out", tmp_path / "r"]
    assert _run(args, capsys)[0] == 0
    status, out = _run([*args, "--resume", "--repeats-together", "1"], capsys)
    assert status == 2 and "cannot resume with different settings: repeats_together" in out.err


def test_help_explains_both_flags_with_their_defaults(capsys):
    status, out = _run(["--help"], capsys)
    text = " ".join(out.out.split())
    assert status == 0
    assert "--repeats-together" in text and "--adam-epsilon" in text and "1e-07" in text
