"""Information against epoch: each layer's I(X;T) (top row) and I(Y;T) (bottom row), in bits.

One panel per run and estimator, two rows tall, in a grid of at most three panels a row
(``style.panel_axes``), each row sharing its y axis; a dashed line marks H(X) and H(Y) of the
measured samples, the most a layer can hold. Around each mean a band shows its 95% interval
(``analysis.summary.mean_interval``: the bootstrap over repeats, or a single repeat's own
standard error). ``draw_series`` (a mean over
repeats with the repeats faint behind it) also draws the training metrics in metrics.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from infonet.analysis.summary import mean_interval
from infonet.analysis.tables import mean_over_repeats
from infonet.plotting.panels import Panel, caption, titles
from infonet.plotting.plane import MARGIN
from infonet.plotting.style import (
    epoch_norm,
    label_outer,
    layer_colors,
    layer_label,
    new_figure,
    panel_axes,
    set_caption,
    set_epoch_axis,
    set_panel_title,
)

QUANTITIES = (("i_xt", "h_x", "$I(X;T)$ (bits)", "$H(X)$"),
              ("i_yt", "h_y", "$I(Y;T)$ (bits)", "$H(Y)$"))
"""Per row: the Measurements field, its upper bound's field, the axis label, the bound's name."""


def draw_series(
    ax: Axes,
    epochs: np.ndarray,
    values: np.ndarray,
    show_repeats: bool,
    band: tuple[np.ndarray, np.ndarray] | None = None,
    **style: object,
) -> None:
    """Draw the mean over repeats of ``values`` (repeats, epochs) against ``epochs`` (epochs,).

    The mean is drawn at the epochs every repeat measured finitely (``mean_over_repeats``),
    with ``band`` ((epochs,) low and high ends) shaded around it where given; with
    ``show_repeats`` each repeat is drawn faintly behind it, at all its finite epochs.
    ``style`` goes to ``Axes.plot`` (colour, label, line style).
    """
    mean = mean_over_repeats(values)
    kept = np.isfinite(mean)
    if not kept.any():
        return
    if band is not None:
        low, high = band
        shaded = kept & np.isfinite(low) & np.isfinite(high)
        ax.fill_between(epochs[shaded], low[shaded], high[shaded], color=style.get("color"),
                        alpha=0.2, linewidth=0)
    if show_repeats:
        faint = {k: v for k, v in style.items() if k != "label"}
        for repeat in values:
            finite = np.isfinite(repeat)
            ax.plot(epochs[finite], repeat[finite], **faint | {"linewidth": 0.6, "alpha": 0.25})
    ax.plot(epochs[kept], mean[kept], **{"linewidth": 1.3} | style)


def curves_figure(
    panels: Sequence[Panel], epoch_scale: str = "log", show_repeats: bool = False
) -> Figure:
    """I(X;T) and I(Y;T) of every layer against epoch, one panel (two rows of axes) each."""
    if not panels:
        raise ValueError("panels: nothing to plot")
    measured = [p.measurements for p in panels]
    norm = epoch_norm(np.concatenate([m.epochs for m in measured]), epoch_scale)
    figure = new_figure(len(panels), rows=2)
    axes = panel_axes(figure, len(panels), rows=2)
    for index, (values, label) in enumerate(zip(measured, titles([p.settings for p in panels]),
                                                 strict=True)):
        colors = layer_colors(len(values.layers))
        for row, (field, bound_field, axis_label, bound_name) in enumerate(QUANTITIES):
            ax = axes[row, index]
            series, errors = getattr(values, field), getattr(values, field + "_se")
            for i in range(len(values.layers)):
                draw_series(ax, values.epochs, series[:, :, i], show_repeats,
                            mean_interval(series[:, :, i], errors[:, :, i]), color=colors[i],
                            label=layer_label(values.names[i], int(values.units[i])))
            bound = getattr(values, bound_field)
            if np.isfinite(bound):
                ax.axhline(bound, color="0.5", linestyle="--", linewidth=0.8, label=bound_name)
            ax.set_ylabel(axis_label)
            set_epoch_axis(ax, norm)
        set_panel_title(axes[0, index], label)
        axes[1, index].legend(loc="best", fontsize="x-small", framealpha=0.9)
    label_outer(axes)
    for row, (_, bound_field, _, _) in enumerate(QUANTITIES):
        bounds = [getattr(m, bound_field) for m in measured]
        if all(np.isfinite(bounds)):
            axes[row, 0].set_ylim(0.0, MARGIN * max(bounds))
    set_caption(figure, caption([p.settings for p in panels]))
    return figure
