"""A saved run's snapshots checked against its config.json and its groups' training states:
the layout each repeat must have (a Keras model's architecture that the run trained), the
last completed epoch of each repeat, and the snapshot folders measuring reads. Every
disagreement is a ValueError naming the file.
"""

from __future__ import annotations

from pathlib import Path

from infonet.rundir import directory as run_directory
from infonet.rundir.config import NETWORK, RunConfig, brief
from infonet.rundir.group_state import saved_epoch
from infonet.rundir.snapshots import (
    LAYOUT,
    ActivationLayout,
    AnyLayout,
    Layout,
    ModelLayout,
    check_snapshots,
    read_layout,
)


def expected_layout(config: RunConfig, stored: AnyLayout) -> AnyLayout:
    """The layout config.json describes; input width and classes from ``stored`` where the
    config does not record them. A Keras model's layout must measure the config's layers, a
    run of recorded activations hold the config's layers and samples."""
    data, training = config.dataset, config.training
    if config.records_activations:
        return (ActivationLayout(data.n_samples, tuple(training["layers"]), stored.units,
                                 stored.shapes, stored.pool)
                if isinstance(stored, ActivationLayout) and len(stored.layers) == len(
                    training["layers"])
                else ActivationLayout(data.n_samples, tuple(training["layers"]), (), ()))
    if config.kind != NETWORK:
        weights, architecture = ((stored.weights, stored.architecture)
                                 if isinstance(stored, ModelLayout) else ((), "{}"))
        return ModelLayout(weights, tuple(training["layers"]), architecture)
    return Layout((data.n_features or stored.sizes[0], *training["hidden"],
                   data.n_classes or stored.sizes[-1]), training["activation"], config.quantize)


def check_architecture(config: RunConfig, stored: AnyLayout, path: Path) -> None:
    """A Keras model's layout (read from ``path``) holds the architecture the run was trained
    with: config.json's ``training.architecture_sha256`` (``ModelLayout.architecture_sha256``;
    runs from before it have none and are not checked). ValueError naming the file."""
    recorded = config.training.get("architecture_sha256")
    if (recorded is not None and isinstance(stored, ModelLayout)
            and stored.architecture_sha256 != recorded):
        raise ValueError(f"{path} holds another network than the run trained: its "
                         "architecture's sha256 differs from config.json's "
                         "training.architecture_sha256")


def check_repeat(run_dir: Path, config: RunConfig, repeat: int,
                 measuring: bool = False) -> int:
    """The last completed epoch of ``repeat`` (-1: none saved), its snapshot files and its
    group's training state checked against each other and against ``config``; ValueError
    naming the file that disagrees. ``measuring`` accepts a finished repeat whose training
    state was removed (measuring needs only the weights)."""
    directory = run_directory.snapshot_dir(run_dir, repeat)
    stored = read_layout(directory) if (directory / LAYOUT).is_file() else None
    if stored is not None:
        check_architecture(config, stored, directory / LAYOUT)
    expected = expected_layout(config, stored) if stored else None
    return check_snapshots(directory, expected, config.epochs,
                           lambda: saved_epoch(run_dir, repeat), stateless_finish=measuring)


def snapshot_dirs(run_dir: Path, config: RunConfig) -> dict[int, Path]:
    """Repeat number -> that repeat's snapshot folder; checks the folders."""
    dirs = {r: run_directory.snapshot_dir(run_dir, r) for r in range(config.repeats)}
    missing = [str(d) for d in dirs.values() if not d.is_dir()]
    if missing:
        raise FileNotFoundError(f"{run_dir} lacks snapshots: {brief(missing)}")
    for repeat in dirs:
        check_repeat(run_dir, config, repeat, measuring=True)
    return dirs
