"""The compression test drawn: a forest plot of each layer's drop of I(X;T), one panel a panel.

Lives here: `compression_table` (the test of every panel's layers, Holm-corrected together),
`table_text` (the table for the terminal) and `compression_figure` (one panel per run,
estimator and samples: each layer's drop from its peak to the last epoch with its interval,
filled where the layer compresses). Not here: the
statistics (``analysis.compression``), choosing panels (``plotting.panels``).
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from infonet.analysis.compression import ALPHA
from infonet.analysis.compression import compression_table as analysis_table
from infonet.plotting.panels import Panel, caption, titles
from infonet.plotting.style import (
    PANEL_SIZE,
    columns,
    label_outer,
    layer_colors,
    layer_label,
    panel_axes,
    set_caption,
    set_panel_title,
)

Row = dict[str, object]


def compression_table(panels: Sequence[Panel], alpha: float = ALPHA, seed: int = 0,
                      min_drop: float = 0.0) -> list[Row]:
    """The compression test of every layer of every panel, in panel order
    (``analysis.compression.compression_table``; the run named by its directory)."""
    return analysis_table([(str(p.run.directory), p.measurements) for p in panels], alpha,
                          seed, min_drop)


def compression_figure(panels: Sequence[Panel], table: Sequence[Row],
                       alpha: float = ALPHA) -> Figure:
    """One forest plot per panel: each layer's mean drop of I(X;T) (bits) on the test repeats
    with its 1 - 2 alpha interval, first layer on top; filled where the layer compresses
    (Holm-adjusted p-value <= alpha), hollow where it does not; a line at no drop."""
    if not panels:
        raise ValueError("panels: nothing to plot")
    layers = max(len(p.measurements.layers) for p in panels)
    wide = columns(len(panels))
    figure = Figure(figsize=(PANEL_SIZE[0] * wide + 0.9,
                             (0.9 + 0.32 * layers) * -(-len(panels) // wide) + 0.8),
                    layout="constrained")
    grid = panel_axes(figure, len(panels))
    for ax, panel, title in zip(grid[0], panels, titles([p.settings for p in panels]),
                                strict=True):
        rows = [row for row in table if row["run"] == str(panel.run.directory)
                and row["estimator"] == panel.measurements.estimator
                and row["samples"] == panel.measurements.samples]
        colors = layer_colors(len(rows))
        for i, row in enumerate(rows):
            drop, low, high = (float(row[key]) for key in ("drop_bits", "ci_low", "ci_high"))
            ax.errorbar([drop], [i], xerr=[[drop - low], [high - drop]], color=colors[i],
                        marker="o", markersize=6, capsize=3, linewidth=1.2,
                        markerfacecolor=colors[i] if row["compresses"] else "white")
        ax.axvline(0.0, color="0.5", linestyle="--", linewidth=0.8)
        ax.set_yticks(range(len(rows)), [layer_label(str(r["layer_name"]),
                                                     int(panel.measurements.units[i]))
                                         for i, r in enumerate(rows)], fontsize="x-small")
        ax.set_ylim(layers - 0.5, -0.5)
        ax.set_xlabel("drop of $I(X;T)$, peak to last epoch (bits)")
        set_panel_title(ax, title)
    label_outer(grid)
    for ax in grid[0]:
        ax.tick_params(labelleft=True)
    share = round(100 * (1 - 2 * alpha))
    tested = sorted({int(row["test_repeats"]) for row in table})
    test_half = (f"the other {tested[0]}" if len(tested) == 1 else "the other half")
    figure.legend(handles=[
        Line2D([], [], marker="o", color="0.3", linestyle="-", label="compresses"),
        Line2D([], [], marker="o", color="0.3", markerfacecolor="white", linestyle="-",
               label="does not")], loc="outside lower center", ncols=2, fontsize="x-small")
    set_caption(figure, [*caption([p.settings for p in panels]),
                         f"{share}% intervals", f"Holm at {alpha:g}",
                         f"peaks picked on half the repeats, drops the means over {test_half}"])
    return figure


def table_text(table: Sequence[Row]) -> str:
    """The compression table as aligned text, one line per layer, for the terminal."""
    shown = ("estimator", "samples", "layer_name", "repeats", "peak_epoch", "drop_bits",
             "ci_low", "ci_high", "p_adjusted", "compresses")
    if len({row["run"] for row in table}) > 1:
        shown = ("run", *shown)
    cells = [[table_cell(row[key]) for key in shown] for row in table]
    widths = [max(len(key), *(len(c[i]) for c in cells)) for i, key in enumerate(shown)]
    lines = ["  ".join(key.ljust(w) for key, w in zip(shown, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join(lines)


def table_cell(value: object) -> str:
    """One value as the terminal table shows it: floats to 3 decimals (3 significant digits
    below 0.001), booleans as true and false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:.3f}"
    return str(value)

