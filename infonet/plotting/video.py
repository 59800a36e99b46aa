"""Writing RGB frames to a movie file: GIF through Pillow, MP4 through ffmpeg.

The format follows the file's suffix, and the file written is exactly the one named. MP4 frames
stream to ffmpeg one at a time (ffmpeg from the PATH, else the binary the ``imageio-ffmpeg``
package bundles); a GIF keeps its frames in memory as 8-bit images on one palette until Pillow
writes them. A movie is written beside its destination and moved there when complete
(``rundir.directory.replacing``: a new file under a fresh name, never one already
there), so a failed run leaves the previous movie and no half-written file. Nothing here
draws.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from infonet.plotting.style import output_format
from infonet.rundir.directory import replacing

MOVIE_FORMATS = ("gif", "mp4")
TINTS = (0.25, 0.45, 0.65)
"""Opacities over white of the faded colours a GIF's palette also holds (the movie's trail)."""


class EncodingError(RuntimeError):
    """ffmpeg could not encode the frames; the message is ffmpeg's last line."""


def find_ffmpeg() -> str:
    """The ffmpeg program: the one on the PATH, else imageio-ffmpeg's bundled binary."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        raise FileNotFoundError(
            "writing MP4 needs ffmpeg: install it on the PATH or pip install imageio-ffmpeg, "
            "or write a .gif") from None


def gif_palette(frame: np.ndarray) -> Image.Image:
    """A 256-colour palette for the colours of ``frame``, (height, width, 3) uint8, and for
    the same colours faded over white at the opacities TINTS."""
    rgb = frame.astype(float)
    probe = np.concatenate([rgb] + [alpha * rgb + (1 - alpha) * 255 for alpha in TINTS])
    return Image.fromarray(probe.round().astype(np.uint8)).quantize(
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def write_gif(frames: Iterable[np.ndarray], path: Path | BinaryIO, fps: float) -> None:
    """Write (height, width, 3) uint8 frames as a looping GIF shown at ``fps`` frames a second.

    Every frame takes the palette of the first (``gif_palette``), so colours do not flicker;
    a colour the first frame lacks becomes the nearest one in it (the movie's first frame holds
    the colour bar, hence every epoch's colour).
    """
    images: list[Image.Image] = []
    palette = None
    for frame in frames:
        if palette is None:
            palette = gif_palette(frame)
        images.append(Image.fromarray(frame).quantize(palette=palette, dither=Image.Dither.NONE))
    if not images:
        raise ValueError("frames: no frame to write")
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=1000.0 / fps, loop=0)


def write_mp4(frames: Iterable[np.ndarray], path: Path, fps: float, ffmpeg: str) -> None:
    """Stream (height, width, 3) uint8 frames to ``ffmpeg``, encoding H.264 MP4 at ``fps``."""
    process = None
    with tempfile.TemporaryFile() as log:
        try:
            for frame in frames:
                if process is None:
                    process = subprocess.Popen(
                        [ffmpeg, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt",
                         "rgb24", "-s", f"{frame.shape[1]}x{frame.shape[0]}", "-r", f"{fps:g}",
                         "-i", "-", "-an", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                         "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-movflags", "+faststart",
                         "-f", "mp4", str(path)],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
                process.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
        except BrokenPipeError:
            pass
        finally:
            if process is not None:
                process.stdin.close()
                process.wait()
        if process is None:
            raise ValueError("frames: no frame to write")
        if process.returncode:
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines() or ["no message"]
            raise EncodingError(f"ffmpeg failed (exit status {process.returncode}): {lines[-1]}")


def write_movie(frames: Iterable[np.ndarray], path: Path, fps: float) -> Path:
    """Write ``frames`` to ``path`` as the GIF or MP4 its suffix names; returns ``path``.

    The format and, for MP4, ffmpeg are checked before the first frame is asked for.
    """
    fmt = output_format(path, MOVIE_FORMATS)
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    ffmpeg = find_ffmpeg() if fmt == "mp4" else None
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as partial:
        if ffmpeg is None:
            write_gif(frames, partial, fps)
        else:
            write_mp4(frames, Path(partial.name), fps, ffmpeg)
    return path
