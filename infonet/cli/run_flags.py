"""``main_data.py``'s flags turned into what the library takes: the `Measure` a command asks
for, and a new run's `RunConfig` (every training flag checked, the data loaded once).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from infonet.data.datasets import load_dataset, split_indices
from infonet.data.run_data import RunData
from infonet.information.bootstrap import BootstrapEstimator
from infonet.information.estimators import estimator_from_spec
from infonet.measuring.schedule import schedule_from_spec
from infonet.networks.model import parse_shape
from infonet.rundir.config import DatasetConfig, Measure, RunConfig


def measure_of(flags: dict) -> Measure:
    """The estimators, schedule and samples of the flags, each parsed and checked, by their
    canonical names; Batching is refused (it has a command of its own)."""
    estimators = [estimator_from_spec(spec) for spec in flags["estimators"]]
    if any(e.pools_epochs for e in estimators):
        raise click.UsageError("Batching pools several epochs: measure it with "
                               "main_as_if_random.py RUN_DIR --window B")
    return Measure(bootstrapped([e.name for e in estimators], flags.get("bootstrap", 0)),
                   schedule_from_spec(flags["schedule"]).name, flags["samples"])


def with_typed(stored: Measure, flags: dict, typed: set[str]) -> Measure:
    """``stored`` with the measuring flags typed on the command line in its place
    (``--bootstrap`` alone wraps the stored estimators)."""
    given = measure_of(flags)
    estimators = (given.estimators if "estimators" in typed
                  else bootstrapped(stored.estimators, flags.get("bootstrap", 0)))
    return Measure(estimators, given.schedule if "schedule" in typed else stored.schedule,
                   given.samples if "samples" in typed else stored.samples)


def bootstrapped(names: Sequence[str], resamples: int) -> tuple[str, ...]:
    """The canonical names of the estimators ``names``, each deterministic one wrapped in a
    bootstrap of ``resamples`` resamples (``--bootstrap``; 0: none is); those with a Monte
    Carlo error of their own (mc, knn) and those already bootstrapped stay as they are."""
    if resamples == 1:
        raise click.UsageError("--bootstrap must be 0 (off) or at least 2 resamples, got 1")
    estimators = [estimator_from_spec(name) for name in names]
    if resamples:
        estimators = [e if e.monte_carlo or isinstance(e, BootstrapEstimator)
                      else BootstrapEstimator(e, resamples) for e in estimators]
    return tuple(e.name for e in estimators)


def run_config_of(flags: dict, measure: Measure) -> tuple[RunConfig, RunData]:
    """A new run's configuration from the command line, every value checked, asked to measure
    ``measure``, and its data."""
    from infonet.networks.train import TrainingConfig
    from infonet.networks.versions import versions

    dataset = load_dataset(flags["dataset"], flags["data_path"])
    settings = {name: flags[name] for name in ("optimizer", "learning_rate", "batch_size",
                                                "epochs", "seed", "adam_epsilon")}
    recorded_versions = versions()
    if flags["model"] is not None:
        from infonet.networks.keras_training import model_training
        from infonet.networks.layers import parse_layers
        from infonet.networks.model_file import ModelFile

        layers = parse_layers(flags["layers"]) if flags["layers"] is not None else None
        if ModelFile.parse(flags["model"]).returns_torch(dataset.X.shape[1], dataset.n_classes,
                                                         flags["seed"]):
            from infonet.networks.torch_training import torch_model_training
            from infonet.networks.versions import package_versions

            training = torch_model_training(flags["model"], layers, flags["pool"],
                                            dataset.X.shape[1], dataset.n_classes, **settings)
            recorded_versions = {**recorded_versions, **package_versions(("torch",))}
        elif flags["pool"] != "flatten":
            raise click.UsageError("--pool pools the token outputs of a PyTorch --model; a "
                                   "Keras model's layers are measured flattened")
        else:
            training, _ = model_training(flags["model"], layers, dataset.X.shape[1],
                                         dataset.n_classes, **settings)
    else:
        training = TrainingConfig(
            hidden=parse_shape(flags["shape"]), activation=flags["activation"],
            init=flags["init"], repeats_together=flags["repeats_together"],
            quantize=flags["quantize"], **settings,
        ).grouped(len(dataset.y), dataset.X.shape[1], flags["repeats"])
    split = split_indices(len(dataset.y), flags["train_fraction"], flags["seed"],
                          shuffle=not flags["keep_order"])
    config = RunConfig(
        dataset=DatasetConfig(
            name=flags["dataset"],
            data_path=str(flags["data_path"]) if flags["data_path"] else None,
            train_fraction=flags["train_fraction"], shuffle=not flags["keep_order"],
            n_samples=int(len(dataset.y)), n_features=int(dataset.X.shape[1]),
            n_classes=int(dataset.n_classes)),
        training=training.to_dict(), repeats=flags["repeats"], preset=flags["preset"],
        command=command_line(), versions=recorded_versions, measure=(measure,))
    config.check_fits_in_memory()
    return config, RunData(dataset, split)


def command_line() -> str:
    """The command line as typed, program name first (shell-quoted)."""
    import shlex

    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])
