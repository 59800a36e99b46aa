"""Plot measured runs: the information plane, information against epoch, training metrics, or
the compression test.

    python main_plot.py RUN_DIR                              # RUN_DIR/information_plane.png
    python main_plot.py RUN_TANH RUN_RELU -o tanh-relu.pdf   # side by side, shared axes
    python main_plot.py RUN_DIR --kind curves --estimator kde-upper --estimator kde-lower
    python main_plot.py RUN_DIR --kind compression -o compression.png   # and compression.csv
    python main_plot.py RUN_DIR... --kind report -o report.html   # interactive, one HTML file

A thin click command: it parses and checks flags, then calls the ``plotting`` package. Each
panel is one run's estimator on one choice of samples, titled by what differs between panels.
"""

from __future__ import annotations

from pathlib import Path

import click

from infonet.analysis.compression import ALPHA, COMPRESSION_COLUMNS, check_alpha
from infonet.analysis.summary import SUMMARY_COLUMNS, summary_rows
from infonet.analysis.tables import table_csv
from infonet.cli.command import main_entry
from infonet.cli.plot_options import plane_options
from infonet.plotting.compression import compression_figure, compression_table, table_text
from infonet.plotting.curves import curves_figure
from infonet.plotting.metrics import metrics_figure
from infonet.plotting.panels import find_run, information_panels
from infonet.plotting.plane import plane_figure
from infonet.plotting.style import FIGURE_FORMATS, output_format, save_figure
from infonet.rundir.directory import replace_file

KINDS = ("plane", "curves", "metrics", "compression", "report")
DEFAULT_OUTPUT = {"plane": "information_plane.png", "curves": "information_curves.png",
                  "metrics": "metrics.png", "compression": "compression.png",
                  "report": "report.html"}
"""The output, in the first run's directory, when --output is not given."""


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="RUN_DIR|INFORMATION_CSV...")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=f"The figure; its suffix picks the format ({', '.join(FIGURE_FORMATS)}) "
                   "[default: information_plane.png, information_curves.png or metrics.png "
                   "in the first run directory].")
@click.option("--kind", type=click.Choice(KINDS), default="plane", show_default=True,
              help="plane: I(Y;T) against I(X;T) coloured by epoch; curves: I(X;T) and I(Y;T) "
                   "against epoch with 95% bands, their table (means over repeats, standard "
                   "errors, intervals) written beside the figure as FILE.csv; metrics: loss "
                   "and accuracy against epoch; compression: the compression test of every "
                   "layer (docs/statistics.md) as a forest plot, its table printed and "
                   "written beside the figure as FILE.csv; report: all of them, tables and "
                   "the configuration in one interactive HTML file (plotly).")
@plane_options(multiple=True)
@click.option("--show-repeats", is_flag=True,
              help="Draw every repeat faintly behind the mean over repeats, at every epoch it "
                   "measured (the mean is drawn at the epochs all repeats measured).")
@click.option("--error-bars", is_flag=True,
              help="--kind plane: draw the 95% intervals of I(X;T) and I(Y;T) at every point "
                   "(bootstrap over repeats; one repeat: its own standard error).")
@click.option("--alpha", type=float, default=ALPHA, show_default=True,
              help="--kind compression: the family-wise error rate, Holm-corrected over every "
                   "layer, estimator and run shown; intervals are at 1 - 2 alpha.")
@click.option("--min-drop", type=float, default=0.0, show_default=True, metavar="BITS",
              help="--kind compression: the smallest drop that counts as compression; the "
                   "test's null hypothesis is a mean drop of at most BITS (0: no drop).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="--kind compression: seed of the split of the repeats into the half that "
                   "picks each layer's peak and the half that tests it.")
def main(paths: tuple[Path, ...], output: Path | None, kind: str, estimators: tuple[str, ...],
         samples: tuple[str, ...], epoch_scale: str, xlim: tuple[float, float] | None,
         ylim: tuple[float, float] | None, show_repeats: bool, error_bars: bool, alpha: float,
         min_drop: float, seed: int) -> None:
    """Plot the information plane (or curves, metrics, the compression test) of one or more
    runs, in bits."""
    if kind != "plane" and (xlim or ylim or error_bars):
        raise click.UsageError("--xlim, --ylim and --error-bars apply to --kind plane only")
    if kind == "metrics" and (estimators or samples):
        raise click.UsageError("--estimator and --samples do not apply to --kind metrics")
    if kind != "compression" and (alpha != ALPHA or seed or min_drop):
        raise click.UsageError("--alpha, --min-drop and --seed apply to --kind compression "
                               "only")
    check_alpha(alpha)
    runs = [find_run(path) for path in paths]
    output = output or runs[0].directory / DEFAULT_OUTPUT[kind]
    if kind == "report":
        _report(runs, output, estimators, samples, epoch_scale, show_repeats)
        return
    output_format(output, FIGURE_FORMATS)
    table = None
    if kind == "metrics":
        figure = metrics_figure(runs, epoch_scale, show_repeats)
    else:
        panels = information_panels(runs, estimators, samples)
        if kind == "curves":
            figure = curves_figure(panels, epoch_scale, show_repeats)
            rows = [row for panel in panels for row in summary_rows(panel.measurements)]
            table = table_csv(SUMMARY_COLUMNS, rows)
        elif kind == "compression":
            rows = compression_table(panels, alpha, seed, min_drop)
            figure = compression_figure(panels, rows, alpha)
            table = table_csv(COMPRESSION_COLUMNS, rows)
            click.echo(table_text(rows))
        else:
            figure = plane_figure(panels, epoch_scale, xlim, ylim, show_repeats, error_bars)
    click.echo(f"wrote {save_figure(figure, output)}")
    if table is not None:
        replace_file(output.with_suffix(".csv"), table)
        click.echo(f"wrote {output.with_suffix('.csv')}")


def _report(runs: list, output: Path, estimators: tuple[str, ...], samples: tuple[str, ...],
            epoch_scale: str, show_repeats: bool) -> None:
    """--kind report: the HTML report (``plotting.report``)."""
    from infonet.plotting.report import check_plotly, write_report

    if show_repeats:
        raise click.UsageError("--kind report draws every repeat's band: --show-repeats "
                               "would be ignored")
    output_format(output, ("html",))
    check_plotly()
    click.echo(f"wrote {write_report(runs, output, estimators, samples, epoch_scale)}")


if __name__ == "__main__":
    main_entry(main)
