"""The data a saved run was trained on, reloaded: its dataset (regenerated or re-read from the
recorded name and path) split again with the recorded seed, so a run directory never stores a
copy of the data (a run recorded by ``RunRecorder`` keeps its samples in ``samples.npz``), and
the samples measured on it. A command that has just trained a run hands its already loaded
and split data around instead (``RunData``).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from infonet.data.datasets import (
    Dataset,
    Split,
    load_dataset,
    load_recorded,
    sample_indices,
    split_indices,
)
from infonet.information.samples import Samples
from infonet.rundir import directory as run_directory
from infonet.rundir.config import RunConfig, brief


class RunData(NamedTuple):
    """The dataset a run was trained on, and its train/test split."""

    dataset: Dataset
    split: Split


def run_data(config: RunConfig, run_dir: Path | None = None) -> RunData:
    """Load the run's dataset and split it as the run did; ValueError if the data changed.

    A run recorded by ``RunRecorder`` (dataset name ``recorded``) keeps its samples in the run
    directory ``run_dir`` (``data_path`` is relative to it), its classes those of the model it
    recorded (config.json's, whatever classes the samples hold); its seed may be null (no
    shuffle).
    """
    data = config.dataset
    if data.name == run_directory.RECORDED:
        if run_dir is None:
            raise ValueError("a recorded run's samples are read from its run directory")
        path = run_dir / data.data_path
        dataset = (load_recorded(path, data.n_classes) if data.n_classes is not None
                   else load_dataset(str(path)))
    else:
        dataset = load_dataset(data.name, data.data_path)
    recorded = {key: getattr(data, key) for key in ("n_samples", "n_features", "n_classes")
                if getattr(data, key) is not None}
    found = {"n_samples": len(dataset.y), "n_features": dataset.X.shape[1],
             "n_classes": dataset.n_classes}
    changed = [f"{key} {found[key]} (the run has {value})" for key, value in recorded.items()
               if found[key] != value]
    if changed:
        raise ValueError(f"dataset {data.name} now has {brief(changed)}: the data file "
                         "changed since the run was trained")
    split = split_indices(len(dataset.y), data.train_fraction, config.seed,
                          shuffle=data.shuffle)
    return RunData(dataset, split)


def measured_samples(config: RunConfig, which: str, data: RunData | None = None,
                     run_dir: Path | None = None) -> Samples:
    """The ``which`` ("all", "train" or "test") samples of the run described by ``config``
    (in ``run_dir``), from ``data`` when given (else loaded)."""
    dataset, split = data if data is not None else run_data(config, run_dir)
    index = sample_indices(split, which)
    return Samples(dataset.X[index], dataset.y[index], which)
