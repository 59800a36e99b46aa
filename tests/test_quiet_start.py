"""A quiet start: no TensorFlow start-up lines on the terminal, real errors still shown."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infonet.networks.quiet_start import start_up_noise

ROOT = Path(__file__).parents[1]
ABSL = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
ONEDNN = ("I0000 00:00:1796032739.825905    9905 port.cc:153] oneDNN custom operations are on. "
          "You may see slightly different numerical results due to floating-point round-off "
          "errors from different computation orders. To turn them off, set the environment "
          "variable `TF_ENABLE_ONEDNN_OPTS=0`.")
CPU_GUARD = ("I0000 00:00:1796032739.890376    9905 cpu_feature_guard.cc:227] This TensorFlow "
             "binary is optimized to use available CPU instructions in performance-critical "
             "operations.")
CPU_GUARD_2 = ("To enable the following instructions: AVX2 AVX512F FMA, in other operations, "
               "rebuild TensorFlow with the appropriate compiler flags.")
CUDNN = ("E0000 00:00:1712345678.123456  123 cuda_dnn.cc:8310] Unable to register cuDNN "
         "factory: Attempting to register factory for plugin cuDNN when one has already been "
         "registered")


def _environment(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    return env | changes


@pytest.mark.parametrize("line", [ABSL, ONEDNN, CPU_GUARD, CPU_GUARD_2, CUDNN])
def test_tensorflows_start_up_lines_are_noise(line):
    assert start_up_noise(line)


@pytest.mark.parametrize("line", [
    "E0000 00:00:1796032739.825905    9905 some_op.cc:12] could not allocate memory",
    "Traceback (most recent call last):",
    "RuntimeWarning: repeat 0 diverged at epoch 1",
])
def test_errors_and_other_lines_are_not_noise(line):
    assert not start_up_noise(line)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """A default-like run (smaller network, 2 epochs) trained, measured and plotted by
    ``python main_data.py``: (its run directory, its standard output and error)."""
    run_dir = tmp_path_factory.mktemp("quiet") / "run"
    done = subprocess.run(
        [sys.executable, "main_data.py", "--shape", "4,3", "--epochs", "2", "--jobs", "1",
         "--out", str(run_dir)],
        cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return run_dir, done.stdout, done.stderr


PROGRESS_LINE = re.compile(r"(training repeat 0|measuring): \d+/\d+ (epoch|layer-epoch)s "
                           r"\(\d+%\)(, loss \d\.\d{4}, accuracy \d\.\d{3})?")
"""A line of networks.progress on a standard error that is not a terminal."""


def test_a_default_run_prints_no_tensorflow_start_up_lines(default_run):
    run_dir, out, err = default_run
    for word in ("absl", "oneDNN", "TensorFlow", "tensorflow", "cuda", "I0000"):
        assert word not in out + err
    assert out.splitlines() == [
        f"9 measurements written to {run_dir / 'information.csv'}",
        f"information plane: {run_dir / 'information_plane.png'}",
    ]
    assert all(PROGRESS_LINE.fullmatch(line) for line in err.splitlines()), err


def test_a_run_logged_to_a_file_prints_a_few_plain_progress_lines(default_run):
    _, _, err = default_run
    lines = err.splitlines()
    assert "\r" not in err
    assert lines[-1] == "measuring: 9/9 layer-epochs (100%)"
    assert lines[1].startswith("training repeat 0: 2/2 epochs (100%)")
    assert len(lines) <= 2 * 11


def test_measuring_a_saved_run_does_not_import_tensorflow(default_run):
    run_dir, _, _ = default_run
    code = ("import sys; from infonet.cli.command import run_cli; from main_data import main; "
            "status = run_cli(main, sys.argv[1:]); "
            "sys.exit(10 + status if status else 'tensorflow' in sys.modules)")
    args = ["--from-run", str(run_dir), "--estimator", "kde-upper", "--jobs", "1", "--no-plot"]
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=_environment(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_other_lines_written_while_importing_stay_visible(tmp_path):
    package = tmp_path / "noisy"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import os, sys\n"
        f"os.write(2, {(ABSL + chr(10) + ONEDNN + chr(10)).encode()!r})\n"
        "os.write(2, b'E0000 00:00:1.5 1 op.cc:1] a real failure\\n')\n"
        "print('a Python warning', file=sys.stderr)\n"
    )
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from infonet.networks.quiet_start import quiet_import; quiet_import('noisy'); "
            "import noisy")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT,
                          env=_environment(), capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stderr == "E0000 00:00:1.5 1 op.cc:1] a real failure\na Python warning\n"


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("0", "0"), ("3", "3")])
def test_the_log_level_is_a_default_that_the_user_can_override(given, expected):
    env = _environment() if given is None else _environment(TF_CPP_MIN_LOG_LEVEL=given)
    code = ("import os, infonet.networks.quiet_start; "
            "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], 'TF_ENABLE_ONEDNN_OPTS' in os.environ)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.stdout.split() == [expected, "False"]
