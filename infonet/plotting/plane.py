"""The information plane: each layer's I(X;T) against its I(Y;T), in bits, coloured by epoch.

As in Shwartz-Ziv & Tishby 2017 (Fig. 3) and Saxe et al. 2018 (Fig. 1): every measured epoch
is a thin path through its layers' points (each the mean over repeats, at the epochs every
repeat measured), coloured by the epoch; each layer has its own marker. Several panels (runs,
estimators) share axes and one colour bar.
``plot_run`` is what a training run calls when it is done. The animated plane is in movie.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from infonet.analysis.summary import mean_interval
from infonet.analysis.tables import Measurements, mean_over_repeats
from infonet.plotting.panels import Panel, caption, find_run, information_panels, titles
from infonet.plotting.style import (
    EPOCH_COLORMAP,
    FIGURE_FORMATS,
    epoch_colorbar,
    epoch_norm,
    label_outer,
    layer_label,
    layer_marker,
    new_figure,
    output_format,
    panel_axes,
    save_figure,
    set_caption,
    set_panel_title,
)

Limits = tuple[float, float]
MARGIN = 1.03
"""Default axes end this factor beyond H(X) and H(Y)."""


def plane_points(values: Measurements) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mean path of every epoch that every repeat measured finitely (in some layer).

    Returns epochs (E,), I(X;T) and I(Y;T) in bits, each (E, layers); a layer some repeat
    lacks at that epoch is nan (``mean_over_repeats``).
    """
    i_xt, i_yt = mean_over_repeats(values.i_xt), mean_over_repeats(values.i_yt)
    kept = (np.isfinite(i_xt) & np.isfinite(i_yt)).any(axis=1)
    return values.epochs[kept], i_xt[kept], i_yt[kept]


def draw_paths(
    ax: Axes,
    epochs: np.ndarray,
    i_xt: np.ndarray,
    i_yt: np.ndarray,
    norm: Normalize,
    faint: bool = False,
) -> None:
    """Draw each epoch's path through the layers, (E,) epochs and (E, layers) values in bits."""
    colors = EPOCH_COLORMAP(norm(epochs))
    alpha = 0.18 if faint else 1.0
    paths = LineCollection(np.stack([i_xt, i_yt], axis=-1), colors=colors,
                           linewidths=0.4 if faint else 0.6, alpha=0.5 * alpha,
                           zorder=1 if faint else 2)
    ax.add_collection(paths, autolim=False)
    for layer in range(i_xt.shape[1]):
        ax.scatter(i_xt[:, layer], i_yt[:, layer], c=colors, marker=layer_marker(layer),
                   s=6 if faint else 16, alpha=alpha, linewidths=0, zorder=1 if faint else 3)


def draw_error_bars(ax: Axes, values: Measurements,
                    points: tuple[np.ndarray, np.ndarray, np.ndarray], norm: Normalize) -> None:
    """Draw each mean point's 95% intervals of I(X;T) (horizontal) and I(Y;T) (vertical), in
    the colour of its epoch: the bootstrap over repeats, or one repeat's own standard error
    (``analysis.summary.mean_interval``), at ``points``, the panel's ``plane_points``."""
    epochs, i_xt, i_yt = points
    kept = np.isin(values.epochs, epochs)
    colors = EPOCH_COLORMAP(norm(epochs))
    for layer in range(i_xt.shape[1]):
        x_low, x_high = (end[kept] for end in mean_interval(values.i_xt[:, :, layer],
                                                           values.i_xt_se[:, :, layer]))
        y_low, y_high = (end[kept] for end in mean_interval(values.i_yt[:, :, layer],
                                                           values.i_yt_se[:, :, layer]))
        x, y = i_xt[:, layer], i_yt[:, layer]
        bars = np.concatenate([np.stack([np.c_[x_low, y], np.c_[x_high, y]], axis=1),
                               np.stack([np.c_[x, y_low], np.c_[x, y_high]], axis=1)])
        ax.add_collection(LineCollection(bars, colors=np.concatenate([colors, colors]),
                                         linewidths=0.6, alpha=0.6, zorder=2), autolim=False)


def set_plane_axes(ax: Axes, xlim: Limits | None, ylim: Limits | None) -> None:
    """Axis labels, and limits where known (otherwise matplotlib's from 0)."""
    ax.set_xlabel("$I(X;T)$ (bits)")
    ax.set_ylabel("$I(Y;T)$ (bits)")
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)


def default_limits(measured: Sequence[Measurements]) -> tuple[Limits | None, Limits | None]:
    """(0, H(X)) and (0, H(Y)) with a small margin, from the largest entropies measured."""
    def limit(values: list[float]) -> Limits | None:
        finite = [v for v in values if np.isfinite(v) and v > 0]
        return (0.0, MARGIN * max(finite)) if finite else None

    return limit([m.h_x for m in measured]), limit([m.h_y for m in measured])


def layer_legend(ax: Axes, values: Measurements, loc: str = "best") -> None:
    """A legend naming each layer's marker: "hidden_1 (10 units)", where it hides least data."""
    handles = [Line2D([], [], marker=layer_marker(i), linestyle="", color="0.25", markersize=5,
                      label=layer_label(name, int(units)))
               for i, (name, units) in enumerate(zip(values.names, values.units, strict=True))]
    ax.legend(handles=handles, loc=loc, fontsize="x-small", framealpha=0.9,
              handletextpad=0.2, borderaxespad=0.3)


def plane_figure(
    panels: Sequence[Panel],
    epoch_scale: str = "log",
    xlim: Limits | None = None,
    ylim: Limits | None = None,
    show_repeats: bool = False,
    error_bars: bool = False,
) -> Figure:
    """The information plane of each panel, side by side, sharing axes and the epoch colours.

    Limits default to (0, H(X)) and (0, H(Y)) of the measured samples. The mean is drawn at
    the epochs every repeat measured (``plane_points``); ``show_repeats`` draws every repeat's
    paths, at all the epochs it measured, faintly behind the mean; ``error_bars`` draws the
    95% intervals of every mean point (``draw_error_bars``).
    """
    if not panels:
        raise ValueError("panels: nothing to plot")
    measured = [p.measurements for p in panels]
    points = [plane_points(m) for m in measured]
    drawn = [epochs for epochs, _, _ in points]
    if show_repeats:
        drawn += [m.epochs[(np.isfinite(m.i_xt) & np.isfinite(m.i_yt)).any(axis=(0, 2))]
                  for m in measured]
    if not any(len(epochs) for epochs in drawn):
        raise ValueError("no epoch was measured finitely by every repeat: nothing to plot "
                         "(--show-repeats draws each repeat's own epochs)")
    norm = epoch_norm(np.concatenate(drawn), epoch_scale)
    default_x, default_y = default_limits(measured)
    figure = new_figure(len(panels))
    grid = panel_axes(figure, len(panels))
    axes = grid[0]
    labels = titles([p.settings for p in panels])
    for ax, values, (epochs, i_xt, i_yt), label in zip(axes, measured, points, labels,
                                                       strict=True):
        if show_repeats:
            for r in range(len(values.repeats)):
                draw_paths(ax, values.epochs, values.i_xt[r], values.i_yt[r], norm, faint=True)
        draw_paths(ax, epochs, i_xt, i_yt, norm)
        if error_bars:
            draw_error_bars(ax, values, (epochs, i_xt, i_yt), norm)
        set_plane_axes(ax, xlim or default_x, ylim or default_y)
        layer_legend(ax, values)
        set_panel_title(ax, label)
    label_outer(grid)
    epoch_colorbar(figure, list(axes), norm)
    set_caption(figure, caption([p.settings for p in panels]))
    return figure


def plot_run(run_dir: Path, output: Path) -> Path:
    """Draw the information plane of every estimator measured in ``run_dir`` into ``output``.

    The format follows the suffix of ``output`` (png, svg, pdf); returns ``output``.
    """
    output_format(output, FIGURE_FORMATS)
    return save_figure(plane_figure(information_panels([find_run(run_dir)])), output)
