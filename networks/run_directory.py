"""The run directory: where one experiment's files live, and its ``config.json``.

Layout::

    RUN_DIR/config.json            everything needed to reproduce the run, and a record of
                                   every measurement made on it ("measurements")
    RUN_DIR/metrics.csv            loss and accuracy per repeat and epoch (networks.train)
    RUN_DIR/information.csv        one row per measurement (information.results)
    RUN_DIR/snapshots/repeat-R/    the weights of every epoch of repeat R (networks.snapshots)
    RUN_DIR/information_plane.png  drawn by main_data.py when it has measured (plotting.plane)

This module creates and checks the directory and reads and writes the configuration; it knows
nothing of training or measuring.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

CONFIG = "config.json"
METRICS = "metrics.csv"
INFORMATION = "information.csv"
REQUIRED = {
    "dataset": ("name", "data_path", "train_fraction", "shuffle", "n_samples"),
    "training": ("hidden", "activation", "seed", "epochs"),
    "repeats": (),
}
"""The sections (and their keys) of config.json that measuring a saved run relies on."""


def snapshot_dir(run_dir: Path, repeat: int) -> Path:
    """The folder holding repeat ``repeat``'s weight snapshots."""
    return run_dir / "snapshots" / f"repeat-{repeat}"


def default_run_dir(dataset: str, activation: str, hidden: tuple[int, ...]) -> Path:
    """``runs/<dataset>-<activation>-<shape>-<timestamp>`` under the current directory."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(dataset).stem)
    shape = "x".join(str(w) for w in hidden)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{stem}-{activation}-{shape}-{stamp}"


def prepare(run_dir: Path, resume: bool, overwrite: bool) -> None:
    """Create ``run_dir`` for a new run, or check it holds a run to resume.

    A directory with files in it is never reused silently: without ``resume`` or ``overwrite``
    that is an error, and ``resume`` needs a config.json to continue from.
    """
    if resume and overwrite:
        raise ValueError("--resume and --overwrite exclude each other")
    has_files = run_dir.is_dir() and any(run_dir.iterdir())
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"run directory {run_dir} is a file")
    if resume:
        if not (run_dir / CONFIG).is_file():
            raise ValueError(f"cannot resume {run_dir}: it holds no {CONFIG}")
        return
    if has_files:
        if not overwrite:
            raise ValueError(
                f"run directory {run_dir} already exists; pass --resume to continue it "
                "or --overwrite to replace it"
            )
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)


def replace_text(path: Path, text: str) -> None:
    """Replace ``path``'s content with ``text`` atomically (temporary file + ``os.replace``):
    a reader, or a job killed half-way, sees the old content or the new, never a mix."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_config(run_dir: Path, config: dict) -> None:
    """Write config.json atomically."""
    replace_text(run_dir / CONFIG, json.dumps(config, indent=2, sort_keys=True) + "\n")


def read_config(run_dir: Path) -> dict:
    """The run's configuration; a clear error when the directory holds no run."""
    path = run_dir / CONFIG
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory: it holds no {CONFIG}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None


def check_config(config: dict, run_dir: Path) -> None:
    """Raise ValueError naming what ``config`` lacks of the REQUIRED settings."""
    missing = [f"{section}.{key}" if key else section
               for section, keys in REQUIRED.items()
               for key in ((None,) if section not in config else keys)
               if section not in config or (key and key not in config[section])]
    if missing:
        raise ValueError(f"{run_dir / CONFIG} is not a run's configuration: it lacks "
                         f"{', '.join(missing)}")
