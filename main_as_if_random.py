"""Measure a saved run with the Batching estimator: b consecutive epochs as one random network.

    python main_as_if_random.py RUN_DIR --window 10 --step 10
    python main_as_if_random.py RUN_DIR --ranges 1-5,5-10 --estimator kde-upper
    python main_as_if_random.py RUN_DIR --train '--epochs 500' --window 20   # train first

The parameters of the epochs in a window are treated as draws of one random network (thesis
section 0.2.6): their activations are pooled and measured with the underlying estimator, so
H(T|X) is computed rather than zero. Rows go to the run's information.csv; each row's epoch is
its window's first epoch and epoch_last its last.
"""

from __future__ import annotations

from pathlib import Path

import click

from infonet.cli.command import announce, backend_options, main_entry, tls_of, wait_option
from infonet.cli.run_flags import measure_of, run_config_of
from infonet.data.datasets import SAMPLES
from infonet.information.estimators import estimator_from_spec, spec_help
from infonet.measuring.backend import check_backend, check_jobs, execution
from infonet.measuring.measure import measure_run
from infonet.measuring.windows import check_windows, parse_ranges, sliding_windows
from infonet.rundir import directory as run_directory
from infonet.rundir.checks import snapshot_dirs
from infonet.rundir.snapshots import SnapshotReader


@click.command(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--window", type=int, default=None,
              help="Epochs per window (b). Windows start at --first, --first+step, ...")
@click.option("--step", type=int, default=None,
              help="Epochs between window starts [default: --window].")
@click.option("--first", type=click.IntRange(min=0), default=0,
              help="First epoch of the sliding windows.")
@click.option("--last", type=click.IntRange(min=0), default=None,
              help="Last epoch the sliding windows may reach [default: the last saved epoch].")
@click.option("--ranges", default=None, metavar="A-B,C-D,...",
              help="Explicit windows instead of --window: inclusive epoch ranges; ranges may "
                   "share epochs (1-5,5-10 both hold epoch 5).")
@click.option("--estimator", "estimators", multiple=True, default=("binning",), metavar="SPEC",
              help=f"Underlying estimator, repeatable: {spec_help()}; exact measures runs "
                   "trained with --quantize. Binning uses one grid for the whole window.")
@click.option("--samples", type=click.Choice(SAMPLES), default="all",
              help="The samples information is measured on.")
@click.option("--jobs", type=int, default=-1, help="Parallel processes (-1 = all cores).")
@backend_options
@click.option("--train", "train_flags", default=None, metavar="'FLAGS'",
              help="Train RUN_DIR first with these main_data.py flags, quoted "
                   "(e.g. --train '--epochs 500 --activation relu').")
@wait_option
def main(run_dir: Path, window: int | None, step: int | None, first: int, last: int | None,
         ranges: str | None, estimators: tuple[str, ...], samples: str, jobs: int,
         backend: str, scheduler_address: str | None, train_flags: str | None, wait: bool,
         **tls_files: Path | None) -> None:
    """Measure RUN_DIR with the Batching estimator over windows of consecutive epochs."""
    underlying = [estimator_from_spec(spec) for spec in estimators]
    if any(e.pools_epochs for e in underlying):
        raise click.UsageError("--estimator names the estimator under Batching (binning, "
                               "kde-upper, ...); the windows come from --window or --ranges")
    check_jobs(jobs)
    if (window is None) == (ranges is None):
        raise click.UsageError("give either --window B (with optional --step) or --ranges A-B,...")
    if ranges is not None and (step, first, last) != (None, 0, None):
        raise click.UsageError("--step, --first and --last shape --window's sliding windows; "
                               "--ranges lists the windows itself")
    tls = tls_of(tls_files)
    check_backend(backend, scheduler_address, tls)
    listed = parse_ranges(ranges) if ranges is not None else None
    training = _training(train_flags) if train_flags is not None else None
    if training is None:
        run_directory.read_config(run_dir)  # a clear error before touching the directory
    else:
        config, data = run_config_of(training[0], measure_of(training[0]))
    with execution(backend, scheduler_address, tls), \
            run_directory.writing(run_dir, wait, announce):
        if training is not None:  # trained and measured under one lock
            from main_data import train

            train(run_dir, config, data, *training)
        config = run_directory.read_config(run_dir)
        last_saved = min(SnapshotReader(d).n_epochs
                         for d in snapshot_dirs(run_dir, config).values()) - 1
        if listed is not None:
            windows = listed
        else:
            windows = sliding_windows(window, window if step is None else step, first,
                                      last_saved if last is None else last)
        check_windows(windows, last_saved)
        record = {"batching": [f"{a}-{b}" for a, b in windows],
                  "estimators": [e.name for e in underlying], "samples": samples}
        report = measure_run(run_dir, underlying, samples, jobs, record, windows=windows)
    table = run_dir / run_directory.INFORMATION
    click.echo(f"{report.rows_written} measurements written to {table}")
    if report.non_finite:
        raise ValueError(report.diverged())


def _training(train_flags: str) -> tuple[dict, set[str]]:
    """``--train``'s quoted ``main_data.py`` flags, parsed and checked by main_data.py."""
    import shlex

    from main_data import training_flags

    try:
        arguments = shlex.split(train_flags)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--train") from None
    return training_flags(arguments)


if __name__ == "__main__":
    main_entry(main)
