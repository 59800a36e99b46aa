"""The animated information plane: one frame per chosen epoch, as RGB arrays.

Each frame shows the current epoch's path through the layers drawn strongly over a faded trail
of every earlier measured epoch, on fixed axes, with the epoch in the title. The figure is drawn
once; for each frame the saved picture is restored, the epochs since the previous frame are
added to the trail and the picture saved again, the legend's saved pixels are pasted over the
trail, and the current path is drawn on top. A frame therefore costs the same however long the
trail: rendering time grows linearly with the number of frames. Writing the frames to a file
is video.py's business.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from infonet.analysis.tables import Measurements
from infonet.plotting.plane import (
    Limits,
    default_limits,
    layer_legend,
    plane_points,
    set_plane_axes,
)
from infonet.plotting.style import (
    EPOCH_COLORMAP,
    epoch_colorbar,
    epoch_norm,
    layer_marker,
    set_caption,
)

MOVIE_SIZE = (7.2, 5.4)
"""Frame size in inches; at MOVIE_DPI a frame is 720 x 540 pixels (even, as video needs)."""
MOVIE_DPI = 100


def frame_indices(count: int, every: int | None = None, frames: int | None = None) -> np.ndarray:
    """Which of ``count`` measured epochs get a frame, as increasing indices.

    Every ``every``-th epoch, or ``frames`` evenly spaced ones, or (neither given) all; the
    last epoch always has a frame.
    """
    if count < 1:
        raise ValueError("nothing to animate: no epoch has a finite measurement in every "
                         "repeat")
    if every is not None and frames is not None:
        raise ValueError("give either every or frames, not both")
    if every is not None and every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    if frames is not None and frames < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    if frames is not None:
        chosen = np.linspace(0, count - 1, min(frames, count)).round().astype(int)
    else:
        chosen = np.arange(0, count, every or 1)
    return np.union1d(chosen, [count - 1])


def _finite_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2) points of the finite (x, y) pairs and the mask that chose them."""
    finite = np.isfinite(x) & np.isfinite(y)
    return np.column_stack([x[finite], y[finite]]), finite


def render_frames(
    values: Measurements,
    indices: np.ndarray,
    caption: Sequence[str] = (),
    epoch_scale: str = "log",
    xlim: Limits | None = None,
    ylim: Limits | None = None,
) -> Iterator[np.ndarray]:
    """Yield one (height, width, 3) uint8 RGB frame per index into ``plane_points(values)``.

    Epochs are the mean over repeats; limits default to (0, H(X)) and (0, H(Y)); ``caption``
    holds the parts of the figure's title.
    """
    epochs, i_xt, i_yt = plane_points(values)
    norm = epoch_norm(epochs, epoch_scale)
    colors = EPOCH_COLORMAP(norm(epochs))
    default_x, default_y = default_limits([values])
    figure = Figure(figsize=MOVIE_SIZE, dpi=MOVIE_DPI, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    set_plane_axes(ax, xlim or default_x, ylim or default_y)
    epoch_colorbar(figure, ax, norm)
    set_caption(figure, caption)
    layer_legend(ax, values, loc="lower right")
    layers = range(i_xt.shape[1])
    trail_paths = ax.add_collection(LineCollection([], linewidths=0.6, alpha=0.35), autolim=False)
    trail_points = [ax.scatter([], [], marker=layer_marker(k), s=10, alpha=0.45, linewidths=0)
                    for k in layers]
    path = ax.add_line(Line2D([], [], color="black", linewidth=1.6))
    points = [ax.scatter([], [], marker=layer_marker(k), s=60, edgecolors="black",
                         linewidths=0.8, zorder=4) for k in layers]
    ax.set_title(f"epoch {epochs[-1]}")
    for artist in [trail_paths, *trail_points, path, *points, ax.title]:
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)
    legend = canvas.copy_from_bbox(ax.get_legend().get_window_extent())
    drawn = 0
    for index in indices:
        canvas.restore_region(background)
        if index > drawn:
            trail = slice(drawn, index)
            trail_paths.set_segments(np.stack([i_xt[trail], i_yt[trail]], axis=-1))
            trail_paths.set_color(colors[trail])
            ax.draw_artist(trail_paths)
            for k, scatter in zip(layers, trail_points, strict=True):
                offsets, finite = _finite_points(i_xt[trail, k], i_yt[trail, k])
                scatter.set_offsets(offsets)
                scatter.set_facecolor(colors[trail][finite])
                ax.draw_artist(scatter)
            background = canvas.copy_from_bbox(figure.bbox)
            drawn = index
        canvas.restore_region(legend)
        path.set_data(i_xt[index], i_yt[index])
        ax.draw_artist(path)
        for k, scatter in zip(layers, points, strict=True):
            offsets, _ = _finite_points(i_xt[index, k:k + 1], i_yt[index, k:k + 1])
            scatter.set_offsets(offsets)
            scatter.set_facecolor(colors[index])
            ax.draw_artist(scatter)
        ax.title.set_text(f"epoch {epochs[index]}")
        ax.draw_artist(ax.title)
        yield np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
