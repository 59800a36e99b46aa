"""The README's "Python: open a run" examples run as written, in the tested environment
(pandas installed), on a short run of the default network at ``runs/default``."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import main_data
from infonet.cli.command import run_cli

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks(section: str) -> list[str]:
    """The ```python blocks of the README's ``## section``."""
    text = (ROOT / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, flags=re.DOTALL)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A folder holding runs/default: the default network trained 100 epochs, binned."""
    folder = tmp_path_factory.mktemp("project")
    arguments = ["--epochs", "100", "--jobs", "1", "--no-plot", "--out",
                 str(folder / "runs" / "default")]
    assert run_cli(main_data.main, arguments) == 0
    return folder


def test_the_section_has_the_pandas_example():
    assert [block for block in _python_blocks("Python: open a run") if "pd.read_csv" in block]


@pytest.mark.parametrize("block", range(len(_python_blocks("Python: open a run"))))
def test_each_python_example_runs_as_written(project, block):
    code = _python_blocks("Python: open a run")[block]
    environment = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-W", "ignore::UserWarning", "-c", code],
                          cwd=project, env=environment, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
