"""Training a run directory: the trainer's settings from its config.json, the checks before a
run is resumed, preparing the directory (new, resumed or overwritten) and training every
repeat.

``prepare_run`` decides what a training command may do to a run directory, checks everything
first and only then writes config.json; ``train_run`` trains (or continues) its repeats with
the built-in network's grouped trainer (``networks.train``) or, for a model file's network,
one repeat at a time (``networks.keras_training``; ``networks.torch_training`` for a PyTorch
module, whose run records activations). The caller holds the run's writers' lock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from infonet.data.run_data import RunData, run_data
from infonet.rundir import directory as run_directory
from infonet.rundir.checks import check_repeat
from infonet.rundir.config import MODEL, NETWORK, RECORDED, Measure, RunConfig, brief
from infonet.rundir.group_state import read_states
from infonet.rundir.snapshots import metrics_rows, read_layout


def training_settings(config: RunConfig, run_dir: Path) -> object:
    """The stored training settings as a ``networks.train.TrainingConfig`` (a
    ``networks.keras_training.ModelTraining`` for a model file's network); ValueError naming
    config.json, or saying that a recorded run cannot be trained here."""
    from infonet.networks.keras_training import ModelTraining
    from infonet.networks.train import TrainingConfig

    if config.kind == RECORDED:
        recorder = ("ActivationRecorder during the user's own training"
                    if config.records_activations else "RunRecorder during a model.fit")
        raise ValueError(f"{run_dir} was recorded by {recorder}: it can be measured "
                         "(--from-run) but not trained here")
    kind = ModelTraining if config.kind == MODEL else TrainingConfig
    if config.records_activations:  # a PyTorch --model run
        from infonet.networks.torch_training import TorchTraining as kind
    try:
        return kind.from_dict(dict(config.training))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{run_dir / run_directory.CONFIG}: {error}") from None


def check_resumable(run_dir: Path, stored: RunConfig) -> None:
    """Every saved repeat's files agree with each other and with ``stored``: its snapshots and
    its group's state file, the size of its optimizer state, and metrics.csv holding each
    epoch its state records."""
    from infonet.networks.train import check_optimizer_states

    training = training_settings(stored, run_dir)
    if stored.kind == MODEL:
        training.check_unchanged()  # the state's size is checked against the model on restore
    completed = {r: check_repeat(run_dir, stored, r) for r in range(stored.repeats)}
    path = run_dir / run_directory.METRICS
    saved = set(metrics_rows(path)) if path.is_file() else set()
    lacking = [f"repeat {r}" for r, last in completed.items()
               if not {(r, e) for e in range(last + 1)} <= saved]
    if lacking:
        raise ValueError(f"{path} lacks epochs the snapshots of {brief(lacking)} record")
    started = [r for r, last in completed.items() if last >= 0]
    if started and stored.kind == NETWORK:
        layout = read_layout(run_directory.snapshot_dir(run_dir, started[0]))
        check_optimizer_states(training, layout.sizes, read_states(run_dir, started))


def prepare_run(run_dir: Path, config: RunConfig, data: RunData, typed: Collection[str],
                measure: Measure | None, resume: bool, overwrite: bool,
                check: Callable[[RunConfig, RunData], object] = lambda config, data: None,
                ) -> tuple[RunConfig, RunData]:
    """Check the run directory against the command, then (only then) write config.json.

    A new run needs an empty directory, or ``overwrite`` of a run (``remove_run``). A resumed
    run continues the stored config (``RunConfig.resumed``; ``typed`` names the flags given on
    the command line), its snapshots and metrics checked first; its data are reloaded only
    when its settings differ from the flags'. ``measure``, when given, is added to what the
    run is asked to measure (measuring flags typed with ``--resume``); ``check`` may refuse
    the resumed config and its data (ValueError) before anything is written. Returns the
    config and data training goes on with.
    """
    if resume and overwrite:
        raise ValueError("--resume and --overwrite exclude each other")
    if resume:
        if not (run_dir / run_directory.CONFIG).is_file():
            raise ValueError(f"cannot resume {run_dir}: it holds no {run_directory.CONFIG}")
        stored = run_directory.read_config(run_dir)
        check_resumable(run_dir, stored)
        resumed = stored.resumed(config, typed)
        training_settings(resumed, run_dir)
        resumed.check_fits_in_memory()
        if _split_settings(resumed) != _split_settings(config):
            data = run_data(resumed)  # the resumed run's own data
        elif resumed.dataset != config.dataset:
            run_data(resumed)  # the same name, other data: an error naming what changed
        config = resumed if measure is None else resumed.with_measure(measure)
        check(config, data)
    elif run_directory.has_files(run_dir):
        if not overwrite:
            raise ValueError(f"run directory {run_dir} already exists; pass --resume to "
                             "continue it or --overwrite to replace it")
        run_directory.remove_run(run_dir)
    run_directory.write_config(run_dir, config)
    return config, data


def _split_settings(config: RunConfig) -> tuple:
    data = config.dataset
    return data.name, data.data_path, data.train_fraction, data.shuffle, config.seed


def train_run(run_dir: Path, config: RunConfig, data: RunData, resume: bool) -> None:
    """Train (or continue) every repeat of the run in ``run_dir``, repeats grouped as its
    config records."""
    from infonet.networks.keras_training import train_model_repeat
    from infonet.networks.train import train_repeats

    training = training_settings(config, run_dir)
    X, y = data.dataset.X, data.dataset.y
    train, test = data.split
    if config.records_activations:
        from infonet.networks.torch_training import train_torch_repeat

        for repeat in range(config.repeats):
            train_torch_repeat(X, y, train, test, data.dataset.n_classes, config, run_dir,
                               repeat, resume=resume)
    elif config.kind == MODEL:
        for repeat in range(config.repeats):
            train_model_repeat(X[train], y[train], X[test], y[test], data.dataset.n_classes,
                               training, run_dir, repeat, resume=resume)
    else:
        train_repeats(X[train], y[train], X[test], y[test], training, run_dir,
                      config.repeats, resume=resume)
