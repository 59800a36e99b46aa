"""Movie rendering cost against the number of frames: incremental frames beside full redraws.

    python -m benchmarks.movie_frames      # from the repository root

For runs of E measured epochs (one frame each) it times ``plotting.movie.render_frames``, which
adds each epoch to a saved picture, beside the plain way: redraw the whole plane of epochs
0..k for frame k. The incremental time per frame should stay flat as E grows (linear total);
the plain one grows with E (quadratic total).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from infonet.analysis.tables import Measurements, read_information
from infonet.plotting.movie import MOVIE_DPI, MOVIE_SIZE, frame_indices, render_frames
from infonet.plotting.plane import default_limits, draw_paths, plane_points, set_plane_axes
from infonet.plotting.style import epoch_norm
from infonet.plotting.synthetic import write_synthetic_run


def full_redraw_frames(values: Measurements) -> int:
    """The plain baseline: for each epoch k, draw epochs 0..k afresh and grab the pixels."""
    epochs, i_xt, i_yt = plane_points(values)
    norm = epoch_norm(epochs, "log")
    xlim, ylim = default_limits([values])
    figure = Figure(figsize=MOVIE_SIZE, dpi=MOVIE_DPI, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    for k in range(len(epochs)):
        ax.clear()
        draw_paths(ax, epochs[:k + 1], i_xt[:k + 1], i_yt[:k + 1], norm)
        set_plane_axes(ax, xlim, ylim)
        ax.set_title(f"epoch {epochs[k]}")
        canvas.draw()
        np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
    return len(epochs)


def incremental_frames(values: Measurements) -> int:
    """``render_frames`` over every measured epoch."""
    return sum(1 for _ in render_frames(values, frame_indices(len(values.epochs))))


def seconds(work, values: Measurements) -> float:
    start = time.perf_counter()
    work(values)
    return time.perf_counter() - start


def main() -> None:
    print(f"{'epochs':>6}  {'incremental s':>13}  {'ms/frame':>8}  "
          f"{'full redraw s':>13}  {'ms/frame':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        for epochs in (50, 100, 200, 400):
            run = write_synthetic_run(Path(scratch) / f"run{epochs}", repeats=1, epochs=epochs - 1)
            values = read_information(run / "information.csv")[0]
            incremental = seconds(incremental_frames, values)
            full = seconds(full_redraw_frames, values)
            print(f"{epochs:>6}  {incremental:>13.2f}  {1000 * incremental / epochs:>8.1f}  "
                  f"{full:>13.2f}  {1000 * full / epochs:>8.1f}")


if __name__ == "__main__":
    main()
