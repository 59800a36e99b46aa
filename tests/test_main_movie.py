"""main_movie.py: GIF and MP4 movies of a run's plane, frame choice, one-line errors.

Commands run through ``cli.command.run_cli``, exactly as ``python main_movie.py`` does.
"""

import csv
import json

import pytest
from PIL import Image

from infonet.cli.command import run_cli
from infonet.plotting.synthetic import write_synthetic_run
from main_movie import main
from tests.test_main_plot import assert_one_line_error, files, half_then_fail

EPOCHS = 20


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Two repeats, epochs 0..20, three layers, two estimators."""
    return write_synthetic_run(tmp_path_factory.mktemp("run"), repeats=2, epochs=EPOCHS,
                               units=(4, 3, 2))


def movie(capsys, *args):
    """Run main_movie.py with ``args``: (exit status, standard output, standard error)."""
    status = run_cli(main, [str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def gif_frames(path):
    with Image.open(path) as gif:
        return gif.n_frames


def test_a_gif_has_a_frame_per_measured_epoch(capsys, run_dir, tmp_path):
    status, out, err = movie(capsys, run_dir, "-o", tmp_path / "plane.gif")
    assert status == 0, err
    assert gif_frames(tmp_path / "plane.gif") == EPOCHS + 1
    assert "21 frames" in out


BINNING = "binning:bins=30,low=-1.0,high=1.0"


def test_the_first_measured_estimator_is_animated_not_the_first_by_name(capsys, tmp_path):
    """As ``main_data.py`` then ``main_as_if_random.py --window 5 --step 10``: binning on
    every epoch, then Batching on three windows (whose name sorts first in the table)."""
    batching = f"batching:window=5,{BINNING}"
    run = write_synthetic_run(tmp_path / "run", epochs=EPOCHS, units=(3, 2),
                              estimators=(BINNING, batching))
    table = run / "information.csv"
    with open(table, newline="") as handle:
        header, *rows = list(csv.reader(handle))
    with open(table, "w", newline="") as handle:
        csv.writer(handle).writerows([header, *sorted(
            (r for r in rows if r[5] == BINNING or r[1] in ("0", "10", "20")),
            key=lambda r: (r[0], r[5]))])
    config = json.loads((run / "config.json").read_text())
    config["measurements"] = [
        {"estimators": [BINNING], "schedule": "every:1", "samples": "all", "preset": None},
        {"batching": ["0-4", "10-14", "20-24"], "estimators": [BINNING], "samples": "all"}]
    (run / "config.json").write_text(json.dumps(config))
    status, out, err = movie(capsys, run, "-o", tmp_path / "plane.gif")
    assert status == 0, err
    assert gif_frames(tmp_path / "plane.gif") == EPOCHS + 1 and "21 frames" in out


def test_rendering_logged_to_a_file_prints_a_few_plain_progress_lines(capsys, run_dir,
                                                                     tmp_path):
    status, _, err = movie(capsys, run_dir, "-o", tmp_path / "plane.gif")
    assert status == 0 and "\r" not in err
    lines = err.splitlines()
    assert 1 < len(lines) <= 11 and all(line.startswith("rendering: ") for line in lines)
    assert lines[-1] == f"rendering: {EPOCHS + 1}/{EPOCHS + 1} frames (100%)"


def test_every_kth_epoch_with_the_last(capsys, run_dir, tmp_path):
    assert movie(capsys, run_dir, "--every", 6, "-o", tmp_path / "m.gif")[0] == 0
    assert gif_frames(tmp_path / "m.gif") == 5  # epochs 0, 6, 12, 18, 20


def test_a_duration_at_a_frame_rate_sets_the_frame_count(capsys, run_dir, tmp_path):
    args = ["--duration", 1.5, "--fps", 4, "--estimator", "kde-upper", "-o", tmp_path / "m.gif"]
    assert movie(capsys, run_dir, *args)[0] == 0
    assert gif_frames(tmp_path / "m.gif") == 6


def test_the_gif_goes_to_the_run_directory_by_default(capsys, tmp_path):
    run = write_synthetic_run(tmp_path / "run", epochs=2, units=(3, 2))
    assert movie(capsys, run)[0] == 0
    assert gif_frames(run / "information_plane.gif") == 3


def test_an_mp4_is_written_exactly_where_asked(capsys, run_dir, tmp_path):
    status, _, err = movie(capsys, run_dir, "--every", 10, "--output", tmp_path / "x.mp4")
    assert status == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.mp4"]
    data = (tmp_path / "x.mp4").read_bytes()
    assert len(data) > 1000 and data[4:8] == b"ftyp"


def test_an_unknown_movie_format_is_an_error(capsys, run_dir, tmp_path):
    status, _, err = movie(capsys, run_dir, "-o", tmp_path / "m.avi")
    assert_one_line_error(status, err, ".gif, .mp4")


def test_every_and_duration_together_are_an_error(capsys, run_dir):
    status, _, err = movie(capsys, run_dir, "--every", 2, "--duration", 3)
    assert_one_line_error(status, err, "--every or --duration")


def test_an_empty_directory_is_an_error(capsys, tmp_path):
    status, _, err = movie(capsys, tmp_path)
    assert_one_line_error(status, err, "is empty")


def test_an_unmeasured_estimator_is_an_error(capsys, run_dir, tmp_path):
    status, _, err = movie(capsys, run_dir, "--estimator", "kde-lower", "-o", tmp_path / "m.gif")
    assert_one_line_error(status, err, "'kde-lower' matches none")


def test_a_failed_movie_keeps_the_previous_one_and_leaves_no_temporary(capsys, tmp_path,
                                                                         monkeypatch):
    run = write_synthetic_run(tmp_path / "run", epochs=2, units=(3, 2))
    assert movie(capsys, run)[0] == 0
    before = files(run)
    monkeypatch.setattr(Image.Image, "save",
                        lambda self, target, *args, **options: half_then_fail(target, b"GIF89a"))
    status, _, err = movie(capsys, run)
    rendered = [line for line in err.splitlines(keepends=True) if line.startswith("rendering: ")]
    assert_one_line_error(status, err.removeprefix("".join(rendered)), "No space left on device")
    assert files(run) == before


@pytest.mark.parametrize("name", ["information_plane.gif.tmp", ".information_plane.gif.part"])
def test_a_movie_is_never_written_through_a_link_planted_at_a_temporary_name(capsys, tmp_path,
                                                                              name):
    run = write_synthetic_run(tmp_path / "run", epochs=2, units=(3, 2))
    (tmp_path / "elsewhere").write_bytes(b"precious")
    (run / name).symlink_to(tmp_path / "elsewhere")
    assert movie(capsys, run)[0] == 0
    assert (tmp_path / "elsewhere").read_bytes() == b"precious"
    assert gif_frames(run / "information_plane.gif") == 3
