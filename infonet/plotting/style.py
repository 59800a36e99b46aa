"""The look every figure shares: the epoch scale and colours, layer markers, sizes, and saving.

Epochs are coloured (information plane) or placed (epoch axes) on a ``log`` or ``linear``
scale. The log scale spaces log10(epoch + 1) evenly, so that epoch 0, the initial network, has
a place on it; its ticks are real epoch numbers. Figures are plain ``matplotlib.figure.Figure``
objects, never pyplot's, so no display is needed and the process's backend is left alone.
A figure is saved beside its destination and renamed over it when complete
(``rundir.directory.replacing``): a failed or killed save leaves the previous figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.cm import ScalarMappable
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Colormap, FuncNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator, StrMethodFormatter

from infonet.plotting.panels import SEPARATOR
from infonet.rundir.directory import replacing

EPOCH_SCALES = ("log", "linear")
EPOCH_COLORMAP: Colormap = colormaps["gnuplot"]
"""Dark purple (first epoch) through red to yellow (last), as in Shwartz-Ziv & Tishby's Fig. 3."""
LAYER_COLORMAP: Colormap = colormaps["viridis"]
LAYER_MARKERS = ("o", "s", "^", "D", "v", "p", "h", "<", ">", "*")
FIGURE_FORMATS = ("png", "svg", "pdf")
PANEL_SIZE = (4.4, 3.7)
"""Width and height of one panel in inches."""
DPI = 150
MAX_COLUMNS = 3
CAPTION_CHARACTERS_PER_INCH = 11
"""About how many characters of a medium-size caption fit in an inch."""
TITLE_CHARACTERS_PER_INCH = 12
"""About how many characters of a small panel title fit in an inch (with a margin: widths
vary by character)."""


def _log_epoch(epoch: np.ndarray) -> np.ndarray:
    return np.log10(np.maximum(np.asarray(epoch, dtype=float), 0.0) + 1.0)


def _exp_epoch(value: np.ndarray) -> np.ndarray:
    return 10.0 ** np.asarray(value, dtype=float) - 1.0


def epoch_norm(epochs: np.ndarray, scale: str) -> Normalize:
    """The map from the measured epochs' range [first, last] to [0, 1] on ``scale``."""
    if scale not in EPOCH_SCALES:
        raise ValueError(f"epoch scale must be one of {', '.join(EPOCH_SCALES)}, got {scale!r}")
    low, high = int(np.min(epochs)), int(np.max(epochs))
    high = max(high, low + 1)
    if scale == "linear":
        return Normalize(vmin=low, vmax=high)
    return FuncNorm((_log_epoch, _exp_epoch), vmin=low, vmax=high)


def log_epoch_ticks(low: int, high: int) -> list[int]:
    """Ticks for epochs in [low, high] on the log scale: 0, 1, 2, 5, 10, 20, 50, ... (only
    powers of ten if that makes many), and the ends ``low`` and ``high`` unless a tick is close.
    """
    top = int(np.log10(max(high, 1))) + 1
    steps = [m * 10**k for k in range(top) for m in (1, 2, 5)]
    ticks = [t for t in [0, *steps] if low <= t <= high]
    if len(ticks) > 7:
        ticks = [t for t in ticks if t == 0 or str(t).rstrip("0") == "1"]
    for end in (low, high):
        if not ticks or np.min(np.abs(_log_epoch(ticks) - _log_epoch(end))) > 0.25:
            ticks.append(end)
    return sorted(ticks)


def set_epoch_locator(axis: Axis, norm: Normalize) -> None:
    """Ticks at real epoch numbers on an axis showing epochs through ``norm``."""
    if isinstance(norm, FuncNorm):
        axis.set_major_locator(FixedLocator(log_epoch_ticks(int(norm.vmin), int(norm.vmax))))
        axis.set_minor_locator(NullLocator())
    else:
        axis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axis.set_major_formatter(StrMethodFormatter("{x:.0f}"))


def epoch_colorbar(figure: Figure, axes: Sequence[Axes] | Axes, norm: Normalize) -> Colorbar:
    """A colour bar labelled with real epoch numbers beside ``axes``."""
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=EPOCH_COLORMAP), ax=axes, pad=0.02,
                          aspect=30)
    set_epoch_locator(bar.ax.yaxis, norm)
    bar.set_label("epoch")
    return bar


def set_epoch_axis(ax: Axes, norm: Normalize) -> None:
    """Make the x axis of ``ax`` an epoch axis on the scale and range of ``norm``."""
    if isinstance(norm, FuncNorm):
        ax.set_xscale("function", functions=(_log_epoch, _exp_epoch))
    ax.set_xlim(norm.vmin, norm.vmax)
    set_epoch_locator(ax.xaxis, norm)
    ax.set_xlabel("epoch")


def layer_marker(index: int) -> str:
    """The marker of the ``index``-th layer (0 = first)."""
    return LAYER_MARKERS[index % len(LAYER_MARKERS)]


def layer_colors(count: int) -> np.ndarray:
    """``count`` RGBA colours, shape (count, 4), from the first layer (dark) to the last."""
    return LAYER_COLORMAP(np.linspace(0.0, 0.85, count))


def layer_label(name: str, units: int) -> str:
    """A layer's legend entry, its name and width: "hidden_2 (7 units)"."""
    return f"{name} ({units} unit{'s' if units != 1 else ''})"


def columns(count: int) -> int:
    """Columns of a grid of ``count`` panels: a square for four, else up to MAX_COLUMNS."""
    return 2 if count == 4 else min(count, MAX_COLUMNS)


def panel_axes(figure: Figure, count: int, rows: int = 1) -> np.ndarray:
    """Axes for ``count`` panels of ``rows`` rows each; shape (rows, count).

    Panels fill a grid of ``columns(count)`` columns, row after row (eight curves panels make
    three rows of panels, not one row of eight), and all share their x axis; each row of a
    panel shares its y axis with the same row of every other panel (one-row panels, the
    information planes, share both axes). Grid places no panel fills are hidden.
    """
    wide = columns(count)
    grid = figure.subplots(rows * -(-count // wide), wide, squeeze=False)
    axes = np.array([[grid[k // wide * rows + row, k % wide] for k in range(count)]
                     for row in range(rows)])
    used = {id(ax) for ax in axes.ravel()}
    for ax in grid.ravel():
        ax.set_visible(id(ax) in used)
    for row in range(rows):
        for ax in axes[row]:
            if ax is not axes[0, 0]:
                ax.sharex(axes[0, 0])
            if ax is not axes[row, 0]:
                ax.sharey(axes[row, 0])
    return axes


def label_outer(axes: np.ndarray) -> None:
    """Label the (rows, count) ``axes`` of ``panel_axes`` where they are read: y labels on the
    first column only; x labels on the last row of each panel of several rows, and for
    one-row panels (sharing both axes) on the lowest panel of each column only."""
    rows, count = axes.shape
    wide = columns(count)
    for k in range(count):
        first, lowest = k % wide == 0, k + wide >= count
        for row in range(rows):
            ax = axes[row, k]
            bottom = row == rows - 1 and (rows > 1 or lowest)
            ax.tick_params(labelbottom=bottom, labelleft=first)
            if not bottom:
                ax.set_xlabel("")
            if not first:
                ax.set_ylabel("")


def new_figure(count: int, rows: int = 1) -> Figure:
    """An empty figure sized for ``count`` panels laid out by ``panel_axes``: at most
    MAX_COLUMNS panels wide, as many rows of panels as they need."""
    wide = columns(count)
    panel_height = PANEL_SIZE[1] * (0.65 * rows if rows > 1 else 1.0)
    return Figure(figsize=(PANEL_SIZE[0] * wide + 0.9, panel_height * -(-count // wide) + 0.4),
                  layout="constrained")


def fit_lines(parts: Sequence[str], width: int) -> list[str]:
    """``parts`` joined by SEPARATOR in lines of at most ``width`` characters where they fit;
    a part longer than a line is broken after its commas (an estimator's parameters)."""
    pieces = [piece for part in parts for piece in _broken(part, width)]
    lines: list[str] = []
    for piece, continued in pieces:
        joint = "" if continued else SEPARATOR
        if lines and len(lines[-1]) + len(joint) + len(piece) <= width:
            lines[-1] += joint + piece
        else:
            lines.append(piece)
    return lines


def _broken(part: str, width: int) -> list[tuple[str, bool]]:
    """``part`` in pieces of at most ``width`` characters, cut after commas where it is
    longer; each with whether it continues the piece before it."""
    pieces = [""]
    for word in part.replace(",", ",\0").split("\0"):
        if pieces[-1] and len(pieces[-1]) + len(word) > width:
            pieces.append("")
        pieces[-1] += word
    return [(piece, i > 0) for i, piece in enumerate(pieces)]


def set_caption(figure: Figure, parts: Sequence[str]) -> None:
    """Title ``figure`` with ``parts`` joined by SEPARATOR, in lines that fit its width."""
    width = int(figure.get_figwidth() * CAPTION_CHARACTERS_PER_INCH)
    figure.suptitle("\n".join(fit_lines(parts, width)), fontsize="medium")


def set_panel_title(ax: Axes, title: str) -> None:
    """Title a panel's top axes with ``title`` (parts joined by SEPARATOR), in lines that fit
    a panel's width."""
    width = int(PANEL_SIZE[0] * TITLE_CHARACTERS_PER_INCH)
    ax.set_title("\n".join(fit_lines(title.split(SEPARATOR), width)) if title else "",
                 fontsize="small")


def output_format(path: Path, formats: Sequence[str]) -> str:
    """The format, one of ``formats``, that the suffix of the output ``path`` names."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in formats:
        suffixes = ", ".join("." + f for f in formats)
        raise ValueError(f"output {path} must end in {suffixes} (the suffix picks the format)")
    return fmt


def save_figure(figure: Figure, path: Path) -> Path:
    """Write ``figure`` to ``path`` in the format its suffix names, replacing the previous
    file atomically (the previous one stays when saving fails); returns ``path``."""
    fmt = output_format(path, FIGURE_FORMATS)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as handle:
        figure.savefig(handle, format=fmt, dpi=DPI)
    return path
