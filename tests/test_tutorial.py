"""docs/tutorial.ipynb runs end to end (nbclient, a fresh kernel) from another folder, its
``infonet`` the console command of an installed package."""

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.ipynb"


def _console_script(folder: Path) -> Path:
    """``folder/infonet``: what pip writes for the package's console script, this Python
    running ``infonet.cli.console:main``."""
    script = folder / "infonet"
    script.write_text(f"#!{sys.executable}\nimport sys\nfrom infonet.cli.console import main\n"
                      "sys.exit(main())\n")
    script.chmod(0o755)
    return folder


def test_the_tutorial_runs_end_to_end(tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    bin_dir = _console_script(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(TUTORIAL, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert (tmp_path / "runs" / "tutorial" / "information.csv").is_file()
    errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert errors == []
