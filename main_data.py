"""Train a network, snapshot every epoch, and measure I(X;T) and I(Y;T) of every layer.

    python main_data.py                       # the default experiment (Tishby's set, tanh)
    python main_data.py --from-run RUN_DIR --estimator kde-upper --schedule log:100
    python main_data.py --preset saxe2018-relu --repeats 5   # a paper's settings (docs/presets.md)

A thin click command, one call per stage: parse and check the flags, build the run's config
(``cli.run_flags.run_config_of``), prepare the run directory and train
(``networks.run_training``), measure what the run is asked to measure
(``measuring.measure.measure_requests``), draw its plane (``plotting.plane.plot_run``);
results go to a run directory (see README, "Run directory").
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

import infonet.networks.quiet_start  # noqa: F401  (before anything imports TensorFlow)
from infonet.cli.command import (
    announce,
    backend_options,
    directory_path,
    finite,
    given,
    main_entry,
    tls_of,
    wait_option,
)
from infonet.cli.presets import (
    MEASURING_FLAGS,
    PRESETS,
    TRAINING_FLAGS,
    preset_arguments,
    with_preset,
)
from infonet.cli.run_flags import measure_of, run_config_of, with_typed
from infonet.data.datasets import DATASET_NAMES, SAMPLES
from infonet.data.run_data import RunData
from infonet.information.estimators import estimator_from_spec, spec_help
from infonet.measuring.backend import check_jobs, execution
from infonet.measuring.measure import check_measurable, measure_requests
from infonet.networks.model import ACTIVATIONS, INITIALIZERS, OPTIMIZERS
from infonet.networks.quantization import MAX_BITS
from infonet.networks.run_training import prepare_run, train_run
from infonet.rundir import config as run_config
from infonet.rundir import directory as run_directory
from infonet.rundir.config import Measure, RunConfig
from infonet.rundir.snapshots import POOLS


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
                   "(or a torch.nn.Module, trained in PyTorch) from the flat features to class "
                   "probabilities (README, 'Any Keras model'; docs/pytorch.md).")
@click.option("--layers", default=None, metavar="NAME,NAME",
              help="With --model: the layers to measure, by Keras name or PyTorch module name "
                   "[default: every layer computing a new representation].")
@click.option("--pool", type=click.Choice(POOLS), default=POOLS[0],
              help="With a PyTorch --model: how (N, tokens, D) outputs are recorded "
                   "(flattened, the mean over tokens, the last token).")
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
              help=f"Estimator, repeatable: {spec_help()}; omitted parameters take the "
                   "defaults shown; exact measures runs trained with --quantize "
                   "(docs/estimators.md).")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, metavar="B",
              help="Give the deterministic estimators a standard error too: each is measured "
                   "as bootstrap:resamples=B,SPEC, B resamples of the measured samples (B + 1 "
                   "times its cost; B >= 2, 0 = off: their standard error is then 0, the "
                   "number being exact for those samples). mc and knn always write their "
                   "Monte Carlo error.")
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
@click.option("--tensorboard", type=click.Path(), callback=directory_path, default=None,
              metavar="DIR",
              help="When done, log the run to DIR for TensorBoard (the tensorboard package): "
                   "every layer's I(X;T) and I(Y;T) per measured epoch, the loss and "
                   "accuracy, one TensorBoard run per repeat; and the information plane as an "
                   "image every --tensorboard-every epochs.")
@click.option("--tensorboard-every", type=click.IntRange(min=1), default=100, metavar="N",
              help="With --tensorboard: epochs between the information plane's images.")
@click.pass_context
def main(ctx: click.Context, **flags: object) -> None:
    """Train a network, save every epoch, and measure each layer's I(X;T) and I(Y;T) in bits."""
    typed = {name for name in flags if given(ctx, name)}
    flags = with_preset(flags, flags["preset"], typed)
    if flags["show_preset"]:
        _show_preset(ctx, flags)
        return
    measure = measure_of(flags)
    _check_flags(ctx, flags)
    with execution(flags["backend"], flags["scheduler_address"], tls_of(flags)):
        if flags["from_run"] is not None:
            run_dir, data = flags["from_run"], None
            run_directory.read_config(run_dir)  # a clear error before touching the directory
        else:
            config, data = run_config_of(flags, measure)  # checked, the data loaded once
            if flags["measure"] and not flags["resume"]:
                _check_measurable(config, data, "the network to train")
            run_dir = flags["out"] or run_directory.default_run_dir(
                flags["dataset"], *_network_words(flags, config))
        with run_directory.writing(run_dir, flags["wait"], announce):
            if flags["from_run"] is not None:
                measures = (measure,)
            else:
                config, data = train(run_dir, config, data, flags, typed)
                measures = config.measures or (measure,)
            if not flags["measure"]:
                return
            report = measure_requests(run_dir, measures, flags["jobs"], flags["preset"], data)
            click.echo(f"{report.rows_written} measurements written to "
                       f"{run_dir / run_directory.INFORMATION}")
            if flags["plot"]:
                from infonet.plotting.plane import plot_run

                plane = plot_run(run_dir, run_dir / "information_plane.png")
                click.echo(f"information plane: {plane}")
            if flags["tensorboard"] is not None:
                from infonet.plotting.tensorboard import write_events

                logged = write_events(run_dir, flags["tensorboard"], flags["tensorboard_every"])
                click.echo(f"tensorboard: {logged}")
    if report.non_finite:
        raise ValueError(report.diverged())


def train(run_dir: Path, config: RunConfig, data: RunData, flags: dict,
          typed: set[str]) -> tuple[RunConfig, RunData]:
    """Prepare ``run_dir`` for the command's ``config`` (new, ``--resume``d or
    ``--overwrite``n), then train it; returns the config and data the run goes on with. The
    caller holds the run's lock."""
    config, data = prepare_run(
        run_dir, config, data, typed, _resumed_measure(run_dir, flags, typed), flags["resume"],
        flags["overwrite"], check=lambda resumed, its_data: flags["measure"] and
        _check_measurable(resumed, its_data, str(run_dir)))
    train_run(run_dir, config, data, flags["resume"])
    return config, data


def training_flags(arguments: list[str]) -> tuple[dict, set[str]]:
    """``main_data.py`` arguments that train without measuring (``main_as_if_random.py
    --train``) as (flags, the ones typed), parsed and checked by this command's own options."""
    ctx = main.make_context("main_data.py", arguments)
    typed = {name for name in ctx.params if given(ctx, name)}
    _refuse_unused(ctx, "--train trains RUN_DIR", ("out", "from_run", "show_preset"))
    flags = {**with_preset(ctx.params, ctx.params["preset"], typed), "measure": False}
    _check_flags(ctx, flags)
    return flags, typed


def _check_measurable(config: RunConfig, data: RunData, run: str) -> None:
    """Refuse, before training, a run that could not be measured as it is asked to
    (``measuring.measure.check_measurable`` for each of its measures)."""
    for measure in config.measures:
        check_measurable(config, [estimator_from_spec(s) for s in measure.estimators],
                         measure.samples, data, run)


def _show_preset(ctx: click.Context, flags: dict) -> None:
    """Print the flags the preset sets (after overrides) as a command line."""
    if flags["preset"] is None:
        raise click.UsageError("--show-preset needs --preset NAME")
    shown = {p.name: flags[p.name] for p in ctx.command.params
             if p.name in PRESETS[flags["preset"]]}
    click.echo(shlex.join(["main_data.py", *preset_arguments(shown)]))


def _check_flags(ctx: click.Context, flags: dict) -> None:
    """Refuse combinations of flags that would be ignored or cannot work together."""
    check_jobs(flags["jobs"])
    if not flags["measure"]:
        _refuse_unused(ctx, "--no-measure", (*MEASURING_FLAGS, "from_run", "tensorboard"))
    if flags["tensorboard"] is None:
        _refuse_unused(ctx, "--tensorboard-every sets --tensorboard's images",
                       ("tensorboard_every",))
    else:
        from infonet.plotting.tensorboard import check_log_dir

        check_log_dir(flags["tensorboard"])
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
    elif flags["pool"] != POOLS[0]:
        raise click.UsageError("--pool pools the token outputs of a PyTorch --model")


def _resumed_measure(run_dir: Path, flags: dict, typed: set[str]) -> Measure | None:
    """What a resumed run is asked to measure besides what it already is: the measuring flags
    typed with ``--resume`` (the others as the run first measured), or, for a run from
    before config.json recorded what it measures, the command's measuring flags."""
    if not flags["resume"] or not (run_dir / run_directory.CONFIG).is_file():
        return None
    stored = run_directory.read_config(run_dir).measures
    if not stored:
        return measure_of(flags)
    if not typed & set(MEASURING_FLAGS):
        return None
    return with_typed(stored[0], flags, typed)


def _network_words(flags: dict, config: RunConfig) -> tuple[str, tuple[int, ...]]:
    """What the default run directory's name says of the network: the model file's function,
    or the activation and the hidden widths."""
    if flags["model"] is not None:
        return config.training["model"].rpartition(":")[2], ()
    return flags["activation"], tuple(config.training["hidden"])


def _refuse_unused(ctx: click.Context, reason: str, names: tuple[str, ...]) -> None:
    """Flags among ``names`` given on the command line would be ignored: an error."""
    typed = [param.opts[0] for param in ctx.command.params
             if param.name in names and given(ctx, param.name)]
    if typed:
        raise click.UsageError(f"{reason}: {', '.join(typed)} would be ignored")


if __name__ == "__main__":
    main_entry(main)
