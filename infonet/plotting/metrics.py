"""Training metrics against epoch: loss (top row) and accuracy (bottom row), train and test.

One panel per run (two rows of axes), read from its metrics.csv, in a grid of at most three
panels a row; each line is the mean over repeats. The original IDNNs code left these plots
empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from infonet.analysis.tables import read_metrics
from infonet.plotting.curves import draw_series
from infonet.plotting.panels import Run, caption, run_settings, titles
from infonet.plotting.style import (
    epoch_norm,
    label_outer,
    new_figure,
    panel_axes,
    set_caption,
    set_epoch_axis,
    set_panel_title,
)
from infonet.rundir.directory import METRICS

ROWS = (("loss", "cross-entropy loss (nats)"), ("accuracy", "accuracy"))
SPLITS = (("train", "-", "C0"), ("test", "--", "C1"))
"""Per split: its name in metrics.csv, line style and colour."""


def metrics_figure(
    runs: Sequence[Run], epoch_scale: str = "log", show_repeats: bool = False
) -> Figure:
    """Train and test loss and accuracy of each run against epoch, one panel per run."""
    if not runs:
        raise ValueError("runs: nothing to plot")
    tables = [read_metrics(run.directory / METRICS) for run in runs]
    settings = [run_settings(run.config) | {"run": str(run.directory),
                                            "repeats": str(len(table.repeats))}
                for run, table in zip(runs, tables, strict=True)]
    norm = epoch_norm(np.concatenate([table.epochs for table in tables]), epoch_scale)
    figure = new_figure(len(runs), rows=2)
    axes = panel_axes(figure, len(runs), rows=2)
    for index, (table, label) in enumerate(zip(tables, titles(settings), strict=True)):
        for row, (quantity, axis_label) in enumerate(ROWS):
            ax = axes[row, index]
            for split, line_style, color in SPLITS:
                draw_series(ax, table.epochs, table.values[f"{split}_{quantity}"], show_repeats,
                            color=color, linestyle=line_style, label=split)
            ax.set_ylabel(axis_label)
            set_epoch_axis(ax, norm)
        set_panel_title(axes[0, index], label)
        axes[0, index].legend(loc="best", fontsize="x-small", framealpha=0.9)
    label_outer(axes)
    set_caption(figure, caption(settings))
    return figure
