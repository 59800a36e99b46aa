"""Animate a run's information plane: one frame per measured epoch, as a GIF or an MP4.

    python main_movie.py RUN_DIR                                  # RUN_DIR/information_plane.gif
    python main_movie.py RUN_DIR -o plane.mp4 --duration 20 --fps 25
    python main_movie.py RUN_DIR --estimator kde-upper --every 10

A thin click command: it parses and checks flags, then calls ``plotting.movie`` for the frames
and ``plotting.video`` to write them (GIF through Pillow; MP4 through ffmpeg).
"""

from __future__ import annotations

from pathlib import Path

import click

from infonet.cli.command import finite, main_entry
from infonet.cli.plot_options import plane_options
from infonet.networks.progress import Progress
from infonet.plotting.movie import frame_indices, render_frames
from infonet.plotting.panels import caption, find_run, information_panels
from infonet.plotting.plane import plane_points
from infonet.plotting.style import output_format
from infonet.plotting.video import MOVIE_FORMATS, EncodingError, write_movie

DEFAULT_OUTPUT = "information_plane.gif"
MIN_FPS, MAX_FPS = 0.01, 100.0
"""Frame rates a GIF can store (delays of 1 to 10000 centiseconds); MP4 takes the same."""
MAX_DURATION = 24 * 3600.0
"""Longest movie asked for, in seconds."""


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("path", type=click.Path(path_type=Path), metavar="RUN_DIR|INFORMATION_CSV")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The movie, .gif or .mp4, written exactly there "
                   f"[default: {DEFAULT_OUTPUT} in the run directory].")
@plane_options(multiple=False)
@click.option("--every", type=click.IntRange(min=1), default=None, metavar="K",
              help="A frame every K-th measured epoch [default: every epoch that every repeat "
                   "measured].")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True, max=MAX_DURATION),
              default=None, metavar="SECONDS", callback=finite,
              help="Aim at a movie this long at --fps, choosing evenly spaced epochs.")
@click.option("--fps", type=click.FloatRange(min=MIN_FPS, max=MAX_FPS), default=10.0,
              callback=finite,
              show_default=True, help=f"Frames per second, {MIN_FPS} to {MAX_FPS} (a GIF "
                                      "stores each frame's delay in centiseconds, at most "
                                      "655.35 s).")
def main(path: Path, output: Path | None, estimator: str | None, samples: str | None,
         epoch_scale: str, xlim: tuple[float, float] | None, ylim: tuple[float, float] | None,
         every: int | None, duration: float | None, fps: float) -> None:
    """Animate the information plane of a run (mean over repeats), one frame per epoch that
    every repeat measured."""
    if every is not None and duration is not None:
        raise click.UsageError("give --every or --duration, not both")
    run = find_run(path)
    output = output or run.directory / DEFAULT_OUTPUT
    output_format(output, MOVIE_FORMATS)
    panel = information_panels([run], [estimator] if estimator else (),
                               [samples] if samples else ())[0]
    epochs = plane_points(panel.measurements)[0]
    frames = None if duration is None else max(1, round(duration * fps))
    indices = frame_indices(len(epochs), every, frames)
    rendered = render_frames(panel.measurements, indices, caption([panel.settings]),
                             epoch_scale, xlim, ylim)
    with Progress("rendering", "frame", total=len(indices)) as progress:
        try:
            written = write_movie(progress.counted(rendered), output, fps)
        except EncodingError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"wrote {written} ({len(indices)} frames, {len(indices) / fps:.1f} s)")


if __name__ == "__main__":
    main_entry(main)
