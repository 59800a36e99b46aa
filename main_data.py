"""Train a network, snapshot every epoch, and measure I(X;T) and I(Y;T) of every layer.

    python main_data.py                       # the default experiment (Tishby's set, tanh)
    python main_data.py --from-run RUN_DIR --estimator kde-upper --schedule log:100
    python main_data.py --preset saxe2018-relu --repeats 5   # a paper's settings (docs/presets.md)

A thin click command: it parses and validates flags, then calls ``networks.train`` and
``measuring.runner``; results go to a run directory (see README, "Run directory").
"""

from __future__ import annotations

import platform
import shlex
import sys
from pathlib import Path

import click
import numpy as np

import networks.quiet_start  # noqa: F401  (before anything imports TensorFlow)
from cli.command import (
    announce,
    backend_options,
    directory_path,
    finite,
    given,
    main_entry,
    tls_of,
    wait_option,
)
from cli.presets import (
    MEASURING_FLAGS,
    PRESETS,
    TRAINING_FLAGS,
    preset_arguments,
    with_preset,
)
from data.datasets import DATASET_NAMES, SAMPLES, load_dataset, split_indices
from data.run_data import RunData, run_data
from information.batching import BatchingEstimator
from information.estimators import estimator_from_spec
from measuring.backend import check_jobs, execution
from measuring.measure import check_measurable, measure_run
from measuring.schedule import schedule_from_spec
from networks.model import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, parse_shape
from networks.quantization import MAX_BITS
from rundir import config as run_config
from rundir import directory as run_directory
from rundir.checks import check_repeat
from rundir.group_state import read_states
from rundir.snapshots import metrics_rows, read_layout


@click.command(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.option("--preset", type=click.Choice(tuple(PRESETS)), default=None,
              help="Start from a paper's settings: tishby2017 (Shwartz-Ziv & Tishby 2017), "
                   "saxe2018-tanh, saxe2018-relu (Saxe et al. 2018 Fig. 1A, 1B), saxe2018-kde "
                   "(KDE bounds on the test samples), mnist-style (1024-20-20-20, SGD, on "
                   "digits), cnn-digits (a LeNet-style CNN on digits), cnn-mnist (LeNet-5 on "
                   "your MNIST), lorenzen2022-tanh, lorenzen2022-relu (8-bit quantized, exact; "
                   "Lorenzen et al. 2022). A flag given on the command line overrides the "
                   "preset's value; "
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
@click.option("--train-fraction", type=float, default=0.8, callback=finite,
              help="Fraction of the samples used for training; the rest is the test set.")
@click.option("--keep-order/--no-keep-order", default=False,
              help="Split in file order (the first samples train) instead of shuffling with "
                   "the seed, as the original IDNNs code did.")
@click.option("--shape", default="10,7,5,4,3", help="Hidden layer widths, comma-separated.")
@click.option("--model", "model", default=None, metavar="FILE.py:FUNCTION",
              help="Train your own Keras model instead of the built-in network: FUNCTION("
                   "input_dim, n_classes, seed) in FILE.py returns an uncompiled keras.Model "
                   "from the flat features to class probabilities (README, 'Any Keras model').")
@click.option("--layers", default=None, metavar="NAME,NAME",
              help="With --model: the layers to measure, by Keras name [default: every layer "
                   "computing a new representation].")
@click.option("--activation", type=click.Choice(ACTIVATIONS), default="tanh",
              help="Activation of the hidden layers (the output layer is softmax).")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam")
@click.option("--learning-rate", type=float, default=4e-4, callback=finite,
              help="The optimizer's step size.")
@click.option("--adam-epsilon", type=float, default=1e-7, callback=finite,
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
@click.option("--repeats", type=click.IntRange(min=1, max=run_config.MAX_REPEATS), default=1,
              help="Independent networks trained with seeds seed, seed+1, ...")
@click.option("--repeats-together", type=click.IntRange(min=0), default=0,
              help="Repeats trained together in one compiled program (0 = choose from memory, "
                   "at most 50). A repeat's last float32 bits may depend on it; the number used "
                   "is recorded in config.json.")
@click.option("--quantize", type=click.IntRange(0, MAX_BITS), default=0, metavar="BITS",
              help="Quantize every layer's output, the softmax included, to 2^BITS levels in "
                   "training and measuring (Lorenzen et al. 2022; 0 = off); --estimator exact "
                   "measures such runs.")
@click.option("--estimator", "estimators", multiple=True, default=("binning",),
              metavar="SPEC",
              help="Estimator, repeatable: binning[:bins=30,low=-1,high=1 | :bin_size=0.07 | "
                   ":bins=100,range=layer|global | :bins=30,edges=equal-mass|max-entropy], "
                   "kde-upper[:noise_variance=0.1], kde-lower[...], "
                   "mc[:noise_variance=0.1,samples=4,seed=0], "
                   "knn[:k=3,noise_variance=0.1,samples=1,seed=0], renyi[:alpha=1.01,width=W], "
                   "exact (runs trained with --quantize) "
                   "(docs/estimators.md).")
@click.option("--schedule", default="every:1", metavar="SPEC",
              help="Which epochs to measure: every:N, log:N, delta-exact:DELTA, "
                   "delta-approx:DELTA.")
@click.option("--samples", type=click.Choice(SAMPLES), default="all",
              help="The samples information is measured on.")
@click.option("--jobs", type=int, default=-1,
              help="Parallel measuring processes (-1 = all cores, or all dask workers).")
@backend_options
@click.option("--out", type=click.Path(), callback=directory_path, default=None,
              help="The run directory [default: runs/<dataset>-<activation>-<shape>-<time>].")
@click.option("--resume", is_flag=True,
              help="Continue the run in --out: finish training, then measure what is missing.")
@click.option("--overwrite", is_flag=True,
              help="Replace the run in --out: deletes only the files this tool wrote there "
                   "(config.json, metrics.csv, information.csv, snapshots/, its pictures), and "
                   "only in a directory holding a run's config.json.")
@wait_option
@click.option("--from-run", type=click.Path(), callback=directory_path, default=None,
              help="Measure this existing run directory instead of training (appends to its "
                   "information.csv, skipping measurements already there).")
@click.option("--plot/--no-plot", default=True,
              help="Draw the information plane of the run when done.")
@click.option("--measure/--no-measure", default=True,
              help="Measure after training (--no-measure only trains and saves snapshots).")
@click.pass_context
def main(ctx: click.Context, **flags: object) -> None:
    """Train a network, save every epoch, and measure each layer's I(X;T) and I(Y;T) in bits."""
    typed = {name for name in flags if given(ctx, name)}
    flags = with_preset(flags, flags["preset"], typed)
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
        _refuse_unused(ctx, "--no-measure", (*MEASURING_FLAGS, "from_run"))
    if flags["from_run"] is not None:
        _refuse_unused(ctx, "--from-run measures a saved run without training it",
                       (*TRAINING_FLAGS, "out", "resume", "overwrite"))
    if flags["model"] is not None:
        _refuse_unused(ctx, "--model trains the model file's network, one repeat at a time",
                       ("shape", "activation", "init", "repeats_together"))
        if flags["quantize"]:
            raise click.UsageError("--quantize quantizes the built-in network's activations; "
                                   "a --model network is not quantized")
    elif flags["layers"] is not None:
        raise click.UsageError("--layers picks layers of a --model FILE.py:FUNCTION")
    tls = tls_of(flags)
    with execution(flags["backend"], flags["scheduler_address"], tls):
        if flags["from_run"] is not None:
            run_dir, data = flags["from_run"], None
            run_directory.read_config(run_dir)  # a clear error before touching the directory
        else:
            config, data = _config(flags)  # every training flag checked, the data loaded once
            if flags["measure"] and not flags["resume"]:
                check_measurable(config, estimators, flags["samples"], data,
                                 "the network to train")
            run_dir = flags["out"] or run_directory.default_run_dir(
                flags["dataset"], *_network_words(flags, config["training"]))
        with run_directory.writing(run_dir, flags["wait"], announce):
            if flags["from_run"] is not None:
                config = run_directory.read_config(run_dir)
            else:
                config, data = _prepare(run_dir, config, data, flags, typed)
                _train(run_dir, config, data, flags["resume"])
            if not flags["measure"]:
                return
            record = {"estimators": [e.name for e in estimators], "schedule": schedule.name,
                      "samples": flags["samples"], "preset": flags["preset"]}
            report = measure_run(run_dir, config, estimators, flags["samples"], flags["jobs"],
                                 record, schedule=schedule, data=data)
            table = run_dir / run_directory.INFORMATION
            click.echo(f"{report.rows_written} measurements written to {table}")
            if flags["plot"]:
                from plotting.plane import plot_run

                plane = plot_run(run_dir, run_dir / "information_plane.png")
                click.echo(f"information plane: {plane}")
    if report.non_finite:
        raise ValueError(report.diverged())


def _network_words(flags: dict, training: dict) -> tuple[str, tuple[int, ...]]:
    """What the default run directory's name says of the network: the model file's function,
    or the activation and the hidden widths."""
    if flags["model"] is not None:
        return training["model"].rpartition(":")[2], ()
    return flags["activation"], tuple(training["hidden"])


def _refuse_unused(ctx: click.Context, reason: str, names: tuple[str, ...]) -> None:
    """Flags among ``names`` given on the command line would be ignored: an error."""
    typed = [param.opts[0] for param in ctx.command.params
             if param.name in names and given(ctx, param.name)]
    if typed:
        raise click.UsageError(f"{reason}: {', '.join(typed)} would be ignored")


def _config(flags: dict) -> tuple[dict, RunData]:
    """The run's configuration from the command line, every value checked, and its data."""
    from networks.train import TrainingConfig

    dataset = load_dataset(flags["dataset"], flags["data_path"])
    settings = {name: flags[name] for name in ("optimizer", "learning_rate", "batch_size",
                                                "epochs", "seed", "adam_epsilon")}
    if flags["model"] is not None:
        from networks.keras_training import model_training
        from networks.layers import parse_layers

        layers = parse_layers(flags["layers"]) if flags["layers"] is not None else None
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
    config = {
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
    }
    run_config.check_fits_in_memory(config)
    return config, RunData(dataset, split)


def _prepare(run_dir: Path, config: dict, data: RunData, flags: dict,
             typed: set[str]) -> tuple[dict, RunData]:
    """Check the run directory against the command, then (only then) write config.json.

    A new run needs an empty directory, or ``--overwrite`` of a run (``remove_run``). A
    resumed run continues the stored config (``run_config.resumed``), its snapshots and
    metrics checked first; its data are reloaded only when its settings differ from the
    flags'. Returns the config and data training goes on with.
    """
    if flags["resume"] and flags["overwrite"]:
        raise ValueError("--resume and --overwrite exclude each other")
    if flags["resume"]:
        if not (run_dir / run_directory.CONFIG).is_file():
            raise ValueError(f"cannot resume {run_dir}: it holds no {run_directory.CONFIG}")
        stored = run_directory.read_config(run_dir)
        run_directory.check_config(stored, run_dir)
        _check_resumable(run_dir, stored, _training(stored, run_dir))
        resumed = run_config.resumed(stored, config, typed)
        _training(resumed, run_dir)
        run_config.check_fits_in_memory(resumed)
        if _split_settings(resumed) != _split_settings(config):
            data = run_data(resumed)  # the resumed run's own data
        elif resumed["dataset"] != {**resumed["dataset"], **config["dataset"]}:
            run_data(resumed)  # the same name, other data: an error naming what changed
        config = resumed
        if flags["measure"]:
            check_measurable(config, [estimator_from_spec(s) for s in flags["estimators"]],
                             flags["samples"], data, str(run_dir))
    elif run_directory.has_files(run_dir):
        if not flags["overwrite"]:
            raise ValueError(f"run directory {run_dir} already exists; pass --resume to "
                             "continue it or --overwrite to replace it")
        run_directory.remove_run(run_dir)
    run_directory.write_config(run_dir, config)
    return config, data


def _check_resumable(run_dir: Path, stored: dict, training: object) -> None:
    """Every saved repeat's files agree with each other and with ``stored``: its snapshots and
    its group's state file, the size of its optimizer state, and metrics.csv holding each
    epoch its state records."""
    from networks.train import check_optimizer_states

    if "model" in stored["training"]:
        training.check_unchanged()  # the state's size is checked against the model on restore
    completed = {r: check_repeat(run_dir, stored, r) for r in range(stored["repeats"])}
    path = run_dir / run_directory.METRICS
    saved = set(metrics_rows(path)) if path.is_file() else set()
    lacking = [f"repeat {r}" for r, last in completed.items()
               if not {(r, e) for e in range(last + 1)} <= saved]
    if lacking:
        raise ValueError(f"{path} lacks epochs the snapshots of {run_config.brief(lacking)} "
                         "record")
    started = [r for r, last in completed.items() if last >= 0]
    if started and "model" not in stored["training"]:
        layout = read_layout(run_directory.snapshot_dir(run_dir, started[0]))
        check_optimizer_states(training, layout.sizes, read_states(run_dir, started))


def _split_settings(config: dict) -> tuple:
    data = config["dataset"]
    return (data["name"], data["data_path"], data["train_fraction"], data["shuffle"],
            config["training"]["seed"])


def _training(config: dict, run_dir: Path) -> object:
    """The stored training settings as a ``TrainingConfig`` (a ``ModelTraining`` for a model
    file's network); ValueError naming config.json."""
    from networks.keras_training import ModelTraining
    from networks.train import TrainingConfig

    if "model" in config["training"] and config["training"]["model"] is None:
        raise ValueError(f"{run_dir} was recorded by RunRecorder during a model.fit: it can be "
                         "measured (--from-run) but not trained here")
    kind = ModelTraining if "model" in config["training"] else TrainingConfig
    try:
        return kind.from_dict(config["training"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"{run_dir / run_directory.CONFIG}: {error}") from None


def _train(run_dir: Path, config: dict, data: RunData, resume: bool) -> None:
    """Train (or continue) every repeat of the run in ``run_dir``, repeats grouped as its
    config records."""
    from networks.keras_training import ModelTraining, train_model_repeat
    from networks.train import train_repeats

    training = _training(config, run_dir)
    X, y = data.dataset.X, data.dataset.y
    train, test = data.split
    if isinstance(training, ModelTraining):
        for repeat in range(config["repeats"]):
            train_model_repeat(X[train], y[train], X[test], y[test], data.dataset.n_classes,
                               training, run_dir, repeat, resume=resume)
    else:
        train_repeats(X[train], y[train], X[test], y[test], training, run_dir,
                      config["repeats"], resume=resume)


def _versions() -> dict:
    import tensorflow as tf

    return {"python": platform.python_version(), "numpy": np.__version__,
            "tensorflow": tf.__version__}


if __name__ == "__main__":
    main_entry(main)
