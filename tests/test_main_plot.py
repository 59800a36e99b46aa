"""main_plot.py: each kind of figure from run directories, and one-line errors with status 2.

Commands run through ``cli.command.run_cli``, exactly as ``python main_plot.py`` does.
"""

import csv
import os
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from infonet.analysis.summary import SUMMARY_COLUMNS
from infonet.cli.command import run_cli
from infonet.plotting.plane import plot_run
from infonet.plotting.synthetic import write_synthetic_run
from main_plot import main

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Two repeats, epochs 0..20, three layers, two estimators."""
    return write_synthetic_run(tmp_path_factory.mktemp("run"), repeats=2, epochs=20,
                               units=(4, 3, 2))


def plot(capsys, *args):
    """Run main_plot.py with ``args``: (exit status, standard output, standard error)."""
    status = run_cli(main, [str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status, err, words):
    """Exit status 2 and one line on standard error, "error: ..." holding ``words``."""
    assert status == 2
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert words in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["plane", "curves", "metrics"])
def test_each_kind_is_drawn_to_the_named_file(capsys, run_dir, tmp_path, kind):
    status, out, _ = plot(capsys, run_dir, "--kind", kind, "-o", tmp_path / f"{kind}.png")
    assert status == 0 and out.splitlines()[0] == f"wrote {tmp_path / f'{kind}.png'}"
    assert (tmp_path / f"{kind}.png").read_bytes()[:8] == PNG


def test_curves_write_their_means_errors_and_intervals_beside_the_figure(capsys, run_dir,
                                                                        tmp_path):
    status, out, _ = plot(capsys, run_dir, "--kind", "curves", "-o", tmp_path / "c.png")
    assert status == 0 and out.splitlines()[1] == f"wrote {tmp_path / 'c.csv'}"
    with open(tmp_path / "c.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames) == SUMMARY_COLUMNS
    assert len(rows) == 2 * 21 * 3  # estimators x epochs x layers
    assert all(float(r["i_xt_low"]) <= float(r["i_xt_mean"]) <= float(r["i_xt_high"])
               for r in rows)


def test_the_plane_goes_to_the_run_directory_by_default(capsys, tmp_path):
    run = write_synthetic_run(tmp_path / "run", epochs=3)
    assert plot(capsys, run)[0] == 0
    assert (run / "information_plane.png").read_bytes()[:8] == PNG


def test_an_information_csv_path_names_its_run(capsys, run_dir, tmp_path):
    status, _, _ = plot(capsys, run_dir / "information.csv", "-o", tmp_path / "p.png")
    assert status == 0 and (tmp_path / "p.png").exists()


@pytest.mark.parametrize(("suffix", "start"), [(".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_the_suffix_picks_the_format(capsys, run_dir, tmp_path, suffix, start):
    assert plot(capsys, run_dir, "-o", tmp_path / f"plane{suffix}")[0] == 0
    assert (tmp_path / f"plane{suffix}").read_bytes().startswith(start)


def test_two_runs_and_filters_with_repeats_shown(capsys, run_dir, tmp_path):
    other = write_synthetic_run(tmp_path / "relu", epochs=5, units=(4, 3, 2), activation="relu")
    status, _, err = plot(capsys, run_dir, other, "--estimator", "kde-upper", "--samples", "all",
                          "--show-repeats", "--color-scale", "linear", "--xlim", "0,13",
                          "-o", tmp_path / "both.png")
    assert status == 0, err


def test_a_missing_directory_is_an_error(capsys, tmp_path):
    status, _, err = plot(capsys, tmp_path / "nowhere")
    assert_one_line_error(status, err, "does not exist")


def test_an_empty_directory_is_an_error(capsys, tmp_path):
    status, _, err = plot(capsys, tmp_path)
    assert_one_line_error(status, err, "is empty")


def test_a_directory_without_information_csv_is_an_error(capsys, tmp_path):
    (tmp_path / "config.json").write_text("{}")
    status, _, err = plot(capsys, tmp_path)
    assert_one_line_error(status, err, "holds no information.csv")


def test_wrong_columns_are_an_error(capsys, tmp_path):
    (tmp_path / "information.csv").write_text("repeat,epoch,i_xt\n0,0,1.0\n")
    status, _, err = plot(capsys, tmp_path)
    assert_one_line_error(status, err, "lacks columns: layer, units")


def test_a_header_only_csv_is_an_error(capsys, tmp_path):
    run = write_synthetic_run(tmp_path / "run", epochs=2)
    header = (run / "information.csv").read_text().splitlines()[0]
    (run / "information.csv").write_text(header + "\n")
    status, _, err = plot(capsys, run)
    assert_one_line_error(status, err, "holds no measurements")


def test_an_unknown_format_is_an_error(capsys, run_dir, tmp_path):
    status, _, err = plot(capsys, run_dir, "-o", tmp_path / "plane.jpg")
    assert_one_line_error(status, err, ".png, .svg, .pdf")
    assert not (tmp_path / "plane.jpg").exists()


@pytest.mark.parametrize("value", ["5", "a,b", "3,1", "1,2,3"])
def test_a_malformed_xlim_is_an_error(capsys, run_dir, value):
    status, _, err = plot(capsys, run_dir, "--xlim", value)
    assert_one_line_error(status, err, "--xlim")


def test_limits_with_curves_are_refused_not_ignored(capsys, run_dir):
    status, _, err = plot(capsys, run_dir, "--kind", "curves", "--ylim", "0,1")
    assert_one_line_error(status, err, "--kind plane only")


def test_an_unmeasured_estimator_is_an_error(capsys, run_dir):
    status, _, err = plot(capsys, run_dir, "--estimator", "kde-lower")
    assert_one_line_error(status, err, "'kde-lower' matches none")


def test_an_estimator_typed_as_measured_selects_its_stored_canonical_name(capsys, run_dir,
                                                                            tmp_path):
    status, out, err = plot(capsys, run_dir, "--estimator", "binning:bins=30,low=-1,high=1",
                            "-o", tmp_path / "p.png")
    assert status == 0 and err == "" and (tmp_path / "p.png").exists()


def test_an_invalid_estimator_filter_is_a_one_line_error(capsys, run_dir):
    status, _, err = plot(capsys, run_dir, "--estimator", "binning:bins=0")
    assert_one_line_error(status, err, "bins must be an integer in 1..2**52")


def half_then_fail(target, content=PNG + b"half a figure"):
    """Write part of a file to ``target`` (a path or an open file), then fail as a full disk
    does."""
    if isinstance(target, (str, os.PathLike)):
        Path(target).write_bytes(content)
    else:
        target.write(content)
    raise OSError("No space left on device")


def files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_a_failed_save_keeps_the_previous_figure_and_leaves_no_temporary(capsys, tmp_path,
                                                                          monkeypatch, suffix):
    run = write_synthetic_run(tmp_path / "run", epochs=3)
    output = run / f"information_plane{suffix}"
    assert plot(capsys, run, "-o", output)[0] == 0
    before = files(run)
    monkeypatch.setattr(Figure, "savefig", lambda self, target, **options: half_then_fail(target))
    status, _, err = plot(capsys, run, "-o", output)
    assert_one_line_error(status, err, "No space left on device")
    assert files(run) == before


def test_the_plane_main_data_draws_is_replaced_only_when_complete(tmp_path, monkeypatch):
    run = write_synthetic_run(tmp_path / "run", epochs=3)
    plot_run(run, run / "information_plane.png")
    before = files(run)
    monkeypatch.setattr(Figure, "savefig", lambda self, target, **options: half_then_fail(target))
    with pytest.raises(OSError, match="No space left"):
        plot_run(run, run / "information_plane.png")
    assert files(run) == before


@pytest.mark.parametrize("name", ["information_plane.png.tmp", ".information_plane.png.part"])
def test_a_figure_is_never_written_through_a_link_planted_at_a_temporary_name(capsys, tmp_path,
                                                                               name):
    run = write_synthetic_run(tmp_path / "run", epochs=3)
    (tmp_path / "elsewhere").write_bytes(b"precious")
    (run / name).symlink_to(tmp_path / "elsewhere")
    assert plot(capsys, run)[0] == 0
    assert (tmp_path / "elsewhere").read_bytes() == b"precious"
    assert (run / "information_plane.png").read_bytes()[:8] == PNG
