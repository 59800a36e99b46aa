"""Train a network, snapshot every epoch, and measure I(X;T) and I(Y;T) of every layer.

    python main_data.py                       # the default experiment (Tishby's set, tanh)
    python main_data.py --from-run RUN_DIR --estimator kde-upper --schedule log:100
    python main_data.py --preset saxe2018-relu --repeats 5   # a paper's settings (docs/presets.md)

A thin click command: it parses and validates flags, then calls ``networks.train`` and
``information.runner``; results go to a run directory (see README, "Run directory").
"""

from __future__ import annotations

import platform
import shlex
import sys
from pathlib import Path

import click
import numpy as np

from information.backend import BACKENDS, check_jobs, execution
from information.batching import BatchingEstimator
from information.cli import main_entry
from information.estimators import estimator_from_spec
from information.saved_run import measure_run
from information.schedule import schedule_from_spec
from networks import run_directory
from networks.datasets import DATASET_NAMES, SAMPLES, Dataset, load_dataset, split_indices
from networks.model import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, parse_shape
from networks.presets import PRESETS, preset_arguments, with_preset

TRAINING_FLAGS = (
    "dataset", "data_path", "train_fraction", "keep_order", "shape", "activation",
    "optimizer", "learning_rate", "batch_size", "init", "seed", "repeats", "adam_epsilon",
    "repeats_together",
)


@click.command(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.option("--preset", type=click.Choice(tuple(PRESETS)), default=None,
              help="Start from a paper's settings: tishby2017 (Shwartz-Ziv & Tishby 2017), "
                   "saxe2018-tanh, saxe2018-relu (Saxe et al. 2018 Fig. 1A, 1B), saxe2018-kde "
                   "(KDE bounds on the test samples), mnist-style (1024-20-20-20, SGD, on "
                   "digits). A flag given on the command line overrides the preset's value; "
                   "with --from-run only its measuring flags apply. See docs/presets.md.")
@click.option("--show-preset", is_flag=True,
              help="Print the flags the preset sets (after overrides) as a command line, and "
                   "stop.")
@click.option("--dataset", default="tishby", metavar="NAME|FILE.npz",
              help=f"Dataset: one of {', '.join(DATASET_NAMES)}, or a .npz file with arrays X "
                   "and y.")
@click.option("--data-path", type=click.Path(path_type=Path), default=None,
              help="For mnist: Keras's mnist.npz or a folder with the four IDX files "
                   "(nothing is ever downloaded).")
@click.option("--train-fraction", type=float, default=0.8,
              help="Fraction of the samples used for training; the rest is the test set.")
@click.option("--keep-order/--no-keep-order", default=False,
              help="Split in file order (the first samples train) instead of shuffling with "
                   "the seed, as the original IDNNs code did.")
@click.option("--shape", default="10,7,5,4,3", help="Hidden layer widths, comma-separated.")
@click.option("--activation", type=click.Choice(ACTIVATIONS), default="tanh",
              help="Activation of the hidden layers (the output layer is softmax).")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam")
@click.option("--learning-rate", type=float, default=4e-4)
@click.option("--adam-epsilon", type=float, default=1e-7,
              help="Adam's epsilon: Keras's default 1e-7; TensorFlow 1's AdamOptimizer, used by "
                   "the papers' code, had 1e-8 (the presets set their source's value).")
@click.option("--batch-size", type=int, default=256, help="Minibatch size; 0 = full batch.")
@click.option("--epochs", type=click.IntRange(min=1), default=2000,
              help="Training epochs (epoch 0 is the initial network, so a run has epochs+1 "
                   "snapshots).")
@click.option("--init", type=click.Choice(INITIALIZERS), default=INITIALIZERS[0],
              help="Weight initialisation (biases start at zero).")
@click.option("--seed", type=int, default=0,
              help="Seed of the split, the initial weights and the shuffling; repeat r uses "
                   "seed+r.")
@click.option("--repeats", type=click.IntRange(min=1), default=1,
              help="Independent networks trained with seeds seed, seed+1, ...")
@click.option("--repeats-together", type=click.IntRange(min=0), default=0,
              help="Repeats trained together in one compiled program (0 = choose from memory, "
                   "at most 50). A repeat's last float32 bits may depend on it; the number used "
                   "is recorded in config.json.")
@click.option("--estimator", "estimators", multiple=True, default=("binning",),
              metavar="SPEC",
              help="Estimator, repeatable: binning[:bins=30,low=-1,high=1 | :bin_size=0.07 | "
                   ":bins=100,range=layer|global], kde-upper[:noise_variance=0.1], kde-lower[...].")
@click.option("--schedule", default="every:1", metavar="SPEC",
              help="Which epochs to measure: every:N, log:N, delta-exact:DELTA, "
                   "delta-approx:DELTA.")
@click.option("--samples", type=click.Choice(SAMPLES), default="all",
              help="The samples information is measured on.")
@click.option("--jobs", type=int, default=-1,
              help="Parallel measuring processes (-1 = all cores, or all dask workers).")
@click.option("--backend", type=click.Choice(BACKENDS), default="local",
              help="Where measuring runs: this machine's processes, or a dask.distributed cluster.")
@click.option("--scheduler-address", default=None, metavar="tcp://HOST:PORT",
              help="The dask scheduler to send measuring tasks to (with --backend dask).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="The run directory [default: runs/<dataset>-<activation>-<shape>-<time>].")
@click.option("--resume", is_flag=True,
              help="Continue the run in --out: finish training, then measure what is missing.")
@click.option("--overwrite", is_flag=True, help="Replace an existing run directory.")
@click.option("--from-run", type=click.Path(path_type=Path), default=None,
              help="Measure this existing run directory instead of training (appends to its "
                   "information.csv, skipping measurements already there).")
@click.option("--plot/--no-plot", default=True,
              help="Draw the information plane of the run when done.")
@click.option("--measure/--no-measure", default=True,
              help="Measure after training (--no-measure only trains and saves snapshots).")
@click.pass_context
def main(ctx: click.Context, **flags: object) -> None:
    """Train a network, save every epoch, and measure each layer's I(X;T) and I(Y;T) in bits."""
    flags = with_preset(flags, flags["preset"], [name for name in flags if _given(ctx, name)])
    if flags["show_preset"]:
        if flags["preset"] is None:
            raise click.UsageError("--show-preset needs --preset NAME")
        shown = {p.name: flags[p.name] for p in ctx.command.params
                 if p.name in PRESETS[flags["preset"]]}
        click.echo(shlex.join(["main_data.py", *preset_arguments(shown)]))
        return
    estimators = [estimator_from_spec(spec) for spec in flags["estimators"]]
    if any(isinstance(e, BatchingEstimator) for e in estimators):
        raise click.UsageError("Batching pools several epochs: measure it with "
                               "main_as_if_random.py RUN_DIR --window B")
    schedule = schedule_from_spec(flags["schedule"])
    check_jobs(flags["jobs"])
    if not flags["measure"]:
        _refuse_unused(ctx, "--no-measure", ("estimators", "schedule", "samples", "from_run"))
    with execution(flags["backend"], flags["scheduler_address"]):
        if flags["from_run"] is not None:
            _refuse_unused(ctx, "--from-run measures a saved run without training it",
                           (*TRAINING_FLAGS, "epochs", "out", "resume", "overwrite"))
            run_dir = flags["from_run"]
            config = run_directory.read_config(run_dir)
        else:
            run_dir, config = _train(ctx, flags)
        if not flags["measure"]:
            return
        record = {"estimators": [e.name for e in estimators], "schedule": schedule.name,
                  "samples": flags["samples"], "preset": flags["preset"]}
        report = measure_run(run_dir, config, estimators, flags["samples"], flags["jobs"],
                             record, schedule=schedule)
    table = run_dir / run_directory.INFORMATION
    click.echo(f"{report.rows_written} measurements written to {table}")
    if flags["plot"]:
        from plotting.plane import plot_run

        click.echo(f"information plane: {plot_run(run_dir, run_dir / 'information_plane.png')}")
    if report.non_finite:
        raise ValueError(report.diverged())


def _given(ctx: click.Context, name: str) -> bool:
    """Whether the parameter ``name`` was typed on the command line (not a default or preset)."""
    return ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE


def _refuse_unused(ctx: click.Context, reason: str, names: tuple[str, ...]) -> None:
    """Flags among ``names`` given on the command line would be ignored: an error."""
    given = [param.opts[0] for param in ctx.command.params
             if param.name in names and _given(ctx, param.name)]
    if given:
        raise click.UsageError(f"{reason}: {', '.join(given)} would be ignored")


def _train(ctx: click.Context, flags: dict) -> tuple[Path, dict]:
    """Create or resume the run directory, train every repeat; return it and its config."""
    config, dataset = _config(flags)  # validates every training flag before writing anything
    asked = config["dataset"]
    run_dir = flags["out"] or run_directory.default_run_dir(
        flags["dataset"], flags["activation"], tuple(config["training"]["hidden"]))
    run_directory.prepare(run_dir, flags["resume"], flags["overwrite"])
    if flags["resume"]:
        config = _resumable(ctx, run_directory.read_config(run_dir), config)
    run_directory.write_config(run_dir, config)
    from networks.train import TrainingConfig, train_repeats

    data = config["dataset"]
    if (data["name"], data["data_path"]) != (asked["name"], asked["data_path"]):
        dataset = load_dataset(data["name"], data["data_path"])  # the resumed run's own data
    training = TrainingConfig.from_dict(config["training"])
    train, test = split_indices(len(dataset.y), data["train_fraction"], training.seed,
                                shuffle=data["shuffle"])
    train_repeats(dataset.X[train], dataset.y[train], dataset.X[test], dataset.y[test],
                  training, run_dir, config["repeats"], resume=flags["resume"])
    return run_dir, config


def _config(flags: dict) -> tuple[dict, Dataset]:
    """The run's configuration from the command line, every value checked, and its dataset."""
    from networks.train import TrainingConfig

    dataset = load_dataset(flags["dataset"], flags["data_path"])
    training = TrainingConfig(
        hidden=parse_shape(flags["shape"]), activation=flags["activation"],
        optimizer=flags["optimizer"], learning_rate=flags["learning_rate"],
        batch_size=flags["batch_size"], epochs=flags["epochs"], init=flags["init"],
        seed=flags["seed"], adam_epsilon=flags["adam_epsilon"],
        repeats_together=flags["repeats_together"],
    ).grouped(len(dataset.y), dataset.X.shape[1], flags["repeats"])
    split_indices(len(dataset.y), flags["train_fraction"], flags["seed"])  # checks the fraction
    return {
        "dataset": {
            "name": flags["dataset"],
            "data_path": str(flags["data_path"]) if flags["data_path"] else None,
            "train_fraction": flags["train_fraction"],
            "shuffle": not flags["keep_order"],
            "n_samples": int(len(dataset.y)),
            "n_features": int(dataset.X.shape[1]),
            "n_classes": int(dataset.n_classes),
        },
        "training": training.to_dict(),
        "repeats": flags["repeats"],
        "preset": flags["preset"],
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "versions": _versions(),
    }, dataset


def _resumable(ctx: click.Context, stored: dict, new: dict) -> dict:
    """The stored config, extended by --epochs and --repeats when given on the command line.

    Any other training flag given on the command line must agree with the stored run; flags
    left at their defaults take the stored values.
    """

    conflicts = []
    for section in ("dataset", "training"):
        for key, value in new[section].items():
            flag = {"hidden": "shape", "shuffle": "keep_order"}.get(key, key)
            if flag in TRAINING_FLAGS and _given(ctx, flag) and stored[section].get(key) != value:
                conflicts.append(f"{key}={value!r} (the run has {stored[section].get(key)!r})")
    if conflicts:
        raise ValueError("cannot resume with different settings: " + "; ".join(conflicts))
    if _given(ctx, "epochs"):
        stored["training"]["epochs"] = max(new["training"]["epochs"],
                                           stored["training"]["epochs"])
    if _given(ctx, "repeats"):
        stored["repeats"] = max(new["repeats"], stored["repeats"])
    return stored


def _versions() -> dict:
    import tensorflow as tf

    return {"python": platform.python_version(), "numpy": np.__version__,
            "tensorflow": tf.__version__}


if __name__ == "__main__":
    main_entry(main)
