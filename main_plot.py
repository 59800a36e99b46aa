"""Plot measured runs: the information plane, information against epoch, or training metrics.

    python main_plot.py RUN_DIR                              # RUN_DIR/information_plane.png
    python main_plot.py RUN_TANH RUN_RELU -o tanh-relu.pdf   # side by side, shared axes
    python main_plot.py RUN_DIR --kind curves --estimator kde-upper --estimator kde-lower
    python main_plot.py RUN_DIR... --kind report -o report.html   # interactive, one HTML file

A thin click command: it parses and checks flags, then calls the ``plotting`` package. Each
panel is one run's estimator on one choice of samples, titled by what differs between panels.
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.command import main_entry
from cli.plot_options import plane_options
from plotting.curves import curves_figure
from plotting.metrics import metrics_figure
from plotting.panels import find_run, information_panels
from plotting.plane import plane_figure
from plotting.style import FIGURE_FORMATS, output_format, save_figure

KINDS = ("plane", "curves", "metrics", "report")
DEFAULT_OUTPUT = {"plane": "information_plane.png", "curves": "information_curves.png",
                  "metrics": "metrics.png", "report": "report.html"}
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
                   "against epoch; metrics: loss and accuracy against epoch; report: all of "
                   "them, tables and the configuration in one interactive HTML file (plotly).")
@plane_options(multiple=True)
@click.option("--show-repeats", is_flag=True,
              help="Draw every repeat faintly behind the mean over repeats, at every epoch it "
                   "measured (the mean is drawn at the epochs all repeats measured).")
def main(paths: tuple[Path, ...], output: Path | None, kind: str, estimators: tuple[str, ...],
         samples: tuple[str, ...], epoch_scale: str, xlim: tuple[float, float] | None,
         ylim: tuple[float, float] | None, show_repeats: bool) -> None:
    """Plot the information plane (or curves, or metrics) of one or more runs, in bits."""
    if kind != "plane" and (xlim or ylim):
        raise click.UsageError("--xlim and --ylim apply to --kind plane only")
    if kind == "metrics" and (estimators or samples):
        raise click.UsageError("--estimator and --samples do not apply to --kind metrics")
    runs = [find_run(path) for path in paths]
    output = output or runs[0].directory / DEFAULT_OUTPUT[kind]
    if kind == "report":
        _report(runs, output, estimators, samples, epoch_scale, show_repeats)
        return
    output_format(output, FIGURE_FORMATS)
    if kind == "metrics":
        figure = metrics_figure(runs, epoch_scale, show_repeats)
    else:
        panels = information_panels(runs, estimators, samples)
        if kind == "curves":
            figure = curves_figure(panels, epoch_scale, show_repeats)
        else:
            figure = plane_figure(panels, epoch_scale, xlim, ylim, show_repeats)
    click.echo(f"wrote {save_figure(figure, output)}")


def _report(runs: list, output: Path, estimators: tuple[str, ...], samples: tuple[str, ...],
            epoch_scale: str, show_repeats: bool) -> None:
    """--kind report: the HTML report (``plotting.report``)."""
    from plotting.report import check_plotly, write_report

    if show_repeats:
        raise click.UsageError("--kind report draws every repeat's band: --show-repeats "
                               "would be ignored")
    output_format(output, ("html",))
    check_plotly()
    click.echo(f"wrote {write_report(runs, output, estimators, samples, epoch_scale)}")


if __name__ == "__main__":
    main_entry(main)
