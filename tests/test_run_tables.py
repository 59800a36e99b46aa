"""open_run's two tables: pandas DataFrames where pandas is installed, else columns of arrays.

CI installs pandas (requirements-extras.txt); the fallback is tested in a process where
``import pandas`` fails.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from infonet.analysis.summary import SUMMARY_COLUMNS
from infonet.networks import open_run
from infonet.rundir.results import COLUMNS
from infonet.rundir.snapshots import METRICS_COLUMNS
from tests.test_run import run_dir  # noqa: F401  (the measured run of those tests)

ROOT = Path(__file__).resolve().parents[1]
WITHOUT_PANDAS = "import sys; sys.modules['pandas'] = None; from infonet.networks import open_run; "


def _without_pandas(code: str) -> subprocess.CompletedProcess:
    """``code`` run in a process where pandas cannot be imported."""
    return subprocess.run([sys.executable, "-c", WITHOUT_PANDAS + code], cwd=ROOT,
                          capture_output=True, text=True)


def test_information_is_the_csv_as_a_data_frame(run_dir):  # noqa: F811
    frame = open_run(run_dir).information()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(COLUMNS)
    pd.testing.assert_frame_equal(frame, pd.read_csv(run_dir / "information.csv"))


def test_metrics_is_the_csv_as_a_data_frame(run_dir):  # noqa: F811
    frame = open_run(run_dir).metrics()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(METRICS_COLUMNS)
    pd.testing.assert_frame_equal(frame, pd.read_csv(run_dir / "metrics.csv"))


def test_as_frame_false_gives_columns_of_arrays(run_dir):  # noqa: F811
    columns = open_run(run_dir).information(as_frame=False)
    frame = open_run(run_dir).information()
    assert list(columns) == list(COLUMNS)
    assert all(np.array_equal(columns[c], frame[c].to_numpy()) for c in ("epoch", "i_xt"))


def test_without_pandas_the_tables_are_columns_of_arrays(run_dir):  # noqa: F811
    code = (f"run = open_run({str(run_dir)!r}); tables = (run.information(), run.metrics()); "
            "print([type(t).__name__ for t in tables], len(tables[1]['epoch']))")
    done = _without_pandas(code)
    assert (done.stdout, done.stderr) == ("['dict', 'dict'] 10\n", "")


def test_as_frame_true_without_pandas_is_an_error_naming_it(run_dir):  # noqa: F811
    done = _without_pandas(f"open_run({str(run_dir)!r}).information(as_frame=True)")
    assert "ModuleNotFoundError: as_frame=True needs pandas" in done.stderr



def test_summary_is_a_data_frame_of_its_columns(run_dir):  # noqa: F811
    frame = open_run(run_dir).summary(resamples=10)
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(SUMMARY_COLUMNS)
    assert len(frame) == len(open_run(run_dir).summary(resamples=10, as_frame=False)["epoch"])
