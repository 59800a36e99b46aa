"""A measured run as TensorBoard events: ``main_data.py --tensorboard DIR``.

Lives here: ``write_events``, which turns a run's two tables into TensorBoard event files,
and ``check_log_dir``, which refuses a log directory before anything is written. Not here:
the tables (``analysis.tables``), the plane's frames (``plotting.movie``).

``tensorboard --logdir DIR`` then shows one TensorBoard run per repeat, ``repeat-R``, each
with, at step = epoch:

- ``I(X;T)/ESTIMATOR/LAYER`` and ``I(Y;T)/ESTIMATOR/LAYER`` in bits at every measured epoch
  (ESTIMATOR the full spec as in information.csv, followed by `` on test samples`` or `` on
  train samples`` where those were measured; LAYER the layer's name; a Batching window at its
  first epoch);
- ``loss/train``, ``loss/test`` (nats), ``accuracy/train``, ``accuracy/test`` at every epoch;

and a run ``mean`` with ``information plane/ESTIMATOR``: the plane of the mean over repeats
(as ``main_movie.py`` draws its frames) at the first measured epoch of every N epochs (0, N,
2N, ...) and at the last. Non-finite values are left out. Each call replaces the event files
of those runs (so a resumed run is logged once), leaving the rest of DIR alone.

Written with TensorBoard's own record writer and protocol buffers (the ``tensorboard``
package, an optional extra), without its event-file writer, which imports TensorFlow: a
process that only measures never loads it.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from infonet.analysis.tables import read_metrics
from infonet.plotting.movie import render_frames
from infonet.plotting.panels import caption, find_run, information_panels
from infonet.plotting.plane import plane_points
from infonet.rundir.directory import INFORMATION, METRICS

EVENTS = "events.out.tfevents."
"""How TensorBoard's event files are named (the writer adds the time and host)."""
MEAN = "mean"
METRIC_TAGS = {"train_loss": "loss/train", "test_loss": "loss/test",
               "train_accuracy": "accuracy/train", "test_accuracy": "accuracy/test"}
"""metrics.csv column -> its TensorBoard tag."""
INSTALL = ("--tensorboard needs the tensorboard package: pip install tensorboard (the version "
           "tested is in requirements-extras.txt)")


def check_log_dir(log_dir: Path) -> None:
    """ValueError unless ``log_dir`` can be written by ``write_events`` (and the
    tensorboard package is installed); creates nothing."""
    try:
        import tensorboard  # noqa: F401
    except ModuleNotFoundError:
        raise ValueError(INSTALL) from None
    existing = next(p for p in (log_dir.absolute(), *log_dir.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"--tensorboard: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"--tensorboard: {existing} is not writable")


def image_indices(epochs: np.ndarray, every: int) -> np.ndarray:
    """Indices into the measured ``epochs`` (increasing) that get a plane: the first at or
    after each multiple of ``every``, and the last."""
    if every < 1:
        raise ValueError(f"the plane's image interval must be at least 1 epoch, got {every}")
    firsts = np.unique(epochs // every, return_index=True)[1]
    return np.union1d(firsts, [len(epochs) - 1])


def write_events(run_dir: Path, log_dir: Path, image_every: int) -> Path:
    """Write ``run_dir``'s tables into ``log_dir`` as the module doc says; returns it. A run
    not measured yet gets its loss and accuracy only."""
    from tensorboard.compat.proto.summary_pb2 import Summary

    run = find_run(run_dir)
    scalars: dict[tuple[int, int], list[Summary.Value]] = {}
    metrics = read_metrics(run_dir / METRICS)
    for name, tag in METRIC_TAGS.items():
        _add_scalars(scalars, tag, metrics.repeats, metrics.epochs, metrics.values[name])
    panels = information_panels([run]) if (run_dir / INFORMATION).is_file() else []
    for panel in panels:
        values = panel.measurements
        label = _estimator_label(values.estimator, values.samples)
        for index, layer in enumerate(values.names):
            for quantity, table in (("I(X;T)", values.i_xt), ("I(Y;T)", values.i_yt)):
                _add_scalars(scalars, f"{quantity}/{label}/{layer}", values.repeats,
                             values.epochs, table[:, :, index])
    for repeat in metrics.repeats.tolist():
        events = [(epoch, Summary(value=v)) for (r, epoch), v in sorted(scalars.items())
                  if r == repeat]
        _write(log_dir / f"repeat-{repeat}", events)
    images = []
    for panel in panels:
        values = panel.measurements
        tag = f"information plane/{_estimator_label(values.estimator, values.samples)}"
        epochs = plane_points(values)[0]
        indices = image_indices(epochs, image_every)
        frames = render_frames(values, indices, caption([panel.settings]))
        images += [(int(epochs[i]), Summary(value=[Summary.Value(tag=tag, image=_image(frame))]))
                   for i, frame in zip(indices, frames, strict=True)]
    if images:
        _write(log_dir / MEAN, sorted(images, key=lambda event: event[0]))
    return log_dir


def _estimator_label(estimator: str, samples: str) -> str:
    return estimator if samples == "all" else f"{estimator} on {samples} samples"


def _add_scalars(scalars: dict, tag: str, repeats: np.ndarray, epochs: np.ndarray,
                 table: np.ndarray) -> None:
    """Add ``tag``'s finite values of a (repeats, epochs) ``table`` to ``scalars``, keyed by
    (repeat, epoch)."""
    from tensorboard.compat.proto.summary_pb2 import Summary

    for r, e in zip(*np.nonzero(np.isfinite(table)), strict=True):
        scalars.setdefault((int(repeats[r]), int(epochs[e])), []).append(
            Summary.Value(tag=tag, simple_value=float(table[r, e])))


def _image(frame: np.ndarray) -> object:
    """An (height, width, 3) uint8 RGB frame as TensorBoard's PNG image summary."""
    from tensorboard.compat.proto.summary_pb2 import Summary

    png = io.BytesIO()
    Image.fromarray(frame).save(png, format="PNG")
    height, width = frame.shape[:2]
    return Summary.Image(height=height, width=width, colorspace=3,
                         encoded_image_string=png.getvalue())


def _write(folder: Path, events: list[tuple[int, object]]) -> None:
    """Replace the event files in ``folder`` by one holding ``events``, (step, summary),
    after the file-version record TensorBoard's readers expect first."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.summary.writer.record_writer import RecordWriter

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(EVENTS + "*"):
        old.unlink()
    now = time.time()
    with open(folder / f"{EVENTS}{int(now)}.infonet", "wb") as handle:
        records = RecordWriter(handle)
        records.write(Event(wall_time=now, file_version="brain.Event:2").SerializeToString())
        for step, summary in events:
            records.write(Event(wall_time=now, step=step, summary=summary).SerializeToString())
