"""The plotting package: reading tables, averaging repeats, panels and titles, figures, movies."""

import csv
import json
import math
import random
import sys
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from PIL import Image

from infonet.analysis.summary import summarise
from infonet.analysis.tables import mean_over_repeats, read_information, read_metrics
from infonet.information.estimators import parse_spec
from infonet.plotting import video
from infonet.plotting.curves import curves_figure
from infonet.plotting.metrics import metrics_figure
from infonet.plotting.movie import frame_indices, render_frames
from infonet.plotting.panels import (
    caption,
    find_run,
    information_panels,
    matches,
    run_settings,
    select,
    titles,
)
from infonet.plotting.plane import plane_figure, plane_points, plot_run
from infonet.plotting.style import MAX_COLUMNS, PANEL_SIZE, epoch_norm, log_epoch_ticks, save_figure
from infonet.plotting.synthetic import (
    ESTIMATORS,
    H_X,
    H_Y,
    synthetic_information,
    write_synthetic_run,
)

EPOCHS = 20
UNITS = (4, 3, 2)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Two repeats, epochs 0..20, three layers, two estimators."""
    return write_synthetic_run(tmp_path_factory.mktemp("run"), repeats=2, epochs=EPOCHS,
                               units=UNITS)


def _colorbar(figure):
    (bar,) = [ax for ax in figure.axes if ax.get_label() == "<colorbar>"]
    return bar


def _rewrite_information(path, edit):
    """Rewrite information.csv with ``edit`` applied to its list of data rows."""
    with open(path, newline="") as handle:
        header, *rows = list(csv.reader(handle))
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([header, *edit(rows)])


def _white_pixels(frame):
    return (frame == 255).all(axis=-1).sum()


# tables


def test_mean_over_repeats_averages_every_repeat_of_each_entry():
    values = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert mean_over_repeats(values).tolist() == [2.0, 3.5]


def test_mean_over_repeats_is_nan_where_some_repeat_lacks_the_entry():
    values = np.array([[1.0, np.nan, 2.0], [3.0, 5.0, 4.0]])
    mean = mean_over_repeats(values)
    assert mean[0] == 2.0 and math.isnan(mean[1]) and mean[2] == 3.0


def test_mean_over_repeats_is_nan_where_no_repeat_is_finite():
    values = np.array([[np.nan, 1.0], [np.inf, 1.0]])
    mean = mean_over_repeats(values)
    assert math.isnan(mean[0]) and mean[1] == 1.0


def test_information_is_grouped_by_estimator_then_indexed_by_repeat_epoch_layer(run_dir):
    measured = read_information(run_dir / "information.csv")
    assert [(m.estimator, m.samples) for m in measured] == [(e, "all") for e in ESTIMATORS]
    kde = measured[1]
    assert kde.i_xt.shape == (2, EPOCHS + 1, len(UNITS))
    assert kde.epochs.tolist() == list(range(EPOCHS + 1))
    assert kde.units.tolist() == list(UNITS)
    i_xt, i_yt = synthetic_information(repeat=1, epoch=7, depth=0.5, last_epoch=EPOCHS,
                                       estimator=1)
    assert kde.i_xt[1, 7, 1] == i_xt and kde.i_yt[1, 7, 1] == i_yt
    assert (kde.h_x, kde.h_y) == (H_X, H_Y)


def test_row_order_does_not_change_what_is_read(tmp_path):
    run = write_synthetic_run(tmp_path / "run", repeats=2, epochs=4, units=UNITS)
    before = read_information(run / "information.csv")
    _rewrite_information(run / "information.csv",
                         lambda rows: random.Random(0).sample(rows, len(rows)))
    after = read_information(run / "information.csv")
    for b, a in zip(before, after, strict=True):
        assert np.array_equal(b.i_xt, a.i_xt) and np.array_equal(b.i_yt, a.i_yt)


def test_wrong_columns_are_named_in_the_error(tmp_path):
    (tmp_path / "information.csv").write_text("repeat,epoch,layer\n0,0,1\n")
    with pytest.raises(ValueError, match="lacks columns: units, estimator"):
        read_information(tmp_path / "information.csv")


def test_a_header_without_rows_is_an_error(tmp_path):
    run = write_synthetic_run(tmp_path / "run", epochs=2)
    _rewrite_information(run / "information.csv", lambda rows: [])
    with pytest.raises(ValueError, match="holds no measurements"):
        read_information(run / "information.csv")


def test_empty_test_metrics_read_as_nan(tmp_path):
    (tmp_path / "metrics.csv").write_text(
        "repeat,epoch,train_loss,train_accuracy,test_loss,test_accuracy\n0,0,0.7,0.5,,\n")
    metrics = read_metrics(tmp_path / "metrics.csv")
    assert metrics.values["train_loss"].tolist() == [[0.7]]
    assert math.isnan(metrics.values["test_accuracy"][0, 0])


# the plane's points


def test_an_epoch_no_repeat_measured_finitely_is_left_out_of_the_plane(tmp_path):
    run = write_synthetic_run(tmp_path / "run", repeats=2, epochs=4, units=UNITS)
    _rewrite_information(run / "information.csv", lambda rows: [
        r[:5] + ["nan", "nan"] + r[7:] if r[1] == "3" else r for r in rows])
    epochs, i_xt, _ = plane_points(read_information(run / "information.csv")[0])
    assert epochs.tolist() == [0, 1, 2, 4] and i_xt.shape == (4, len(UNITS))


def _unevenly_measured_run(directory):
    """Two repeats measured as an adaptive schedule may: repeat 0 at epochs 0..4, repeat 1
    only at the even ones."""
    run = write_synthetic_run(directory, repeats=2, epochs=4, units=UNITS,
                              estimators=ESTIMATORS[:1])
    _rewrite_information(run / "information.csv", lambda rows: [
        r for r in rows if not (r[0] == "1" and int(r[1]) % 2)])
    return run


def test_the_plane_leaves_out_epochs_that_only_some_repeats_measured(tmp_path):
    measured = read_information(_unevenly_measured_run(tmp_path / "run") / "information.csv")[0]
    epochs, i_xt, _ = plane_points(measured)
    assert epochs.tolist() == [0, 2, 4]
    expected = [synthetic_information(r, 2, 0.0, 4, 0)[0] for r in (0, 1)]
    assert i_xt[1, 0] == pytest.approx(sum(expected) / 2)


def test_curves_draw_the_mean_only_at_epochs_every_repeat_measured(tmp_path):
    panels = information_panels([find_run(_unevenly_measured_run(tmp_path / "run"))])
    top = curves_figure(panels).axes[0]
    assert [line.get_xdata().tolist() for line in top.get_lines()[:len(UNITS)]] == \
        [[0, 2, 4]] * len(UNITS)


def test_the_caption_says_at_how_many_epochs_the_mean_averages_every_repeat(tmp_path):
    (panel,) = information_panels([find_run(_unevenly_measured_run(tmp_path / "run"))])
    assert "mean of 2 repeats at 3 of 5 measured epochs" in caption([panel.settings])


def test_plane_points_are_the_mean_over_repeats(run_dir):
    measured = read_information(run_dir / "information.csv")[0]
    _, i_xt, i_yt = plane_points(measured)
    expected = [synthetic_information(r, 5, 1.0, EPOCHS, 0) for r in (0, 1)]
    assert i_xt[5, 2] == pytest.approx((expected[0][0] + expected[1][0]) / 2)
    assert i_yt[5, 2] == pytest.approx((expected[0][1] + expected[1][1]) / 2)


# colour scale


def test_colour_bar_spans_the_measured_epochs(run_dir):
    figure = plane_figure(information_panels([find_run(run_dir)]))
    assert _colorbar(figure).get_ylim() == (0, EPOCHS)


def test_colour_bar_spans_the_measured_epochs_on_a_linear_scale(run_dir):
    figure = plane_figure(information_panels([find_run(run_dir)]), epoch_scale="linear")
    assert _colorbar(figure).get_ylim() == (0, EPOCHS)


def test_log_scale_spaces_epoch_plus_one_logarithmically():
    norm = epoch_norm(np.array([0, 99]), "log")
    assert norm(0) == 0 and norm(99) == 1 and norm(9) == pytest.approx(0.5)


def test_unknown_epoch_scale_is_named():
    with pytest.raises(ValueError, match="epoch scale .* 'cubic'"):
        epoch_norm(np.array([0, 1]), "cubic")


def test_log_ticks_are_real_epochs_from_zero_to_the_last():
    assert log_epoch_ticks(0, 20) == [0, 1, 2, 5, 10, 20]
    assert log_epoch_ticks(0, 2000) == [0, 1, 10, 100, 1000, 2000]


# panels and titles


def test_titles_name_the_setting_that_differs():
    settings = [{"training.activation": a, "dataset.name": "tishby"} for a in ("tanh", "relu")]
    assert titles(settings) == ["activation=tanh", "activation=relu"]


def test_titles_name_an_estimator_by_its_canonical_name_alone():
    settings = [{"estimator": e, "samples": "all"} for e in ESTIMATORS]
    assert titles(settings) == list(ESTIMATORS)


def _model_run(directory, model, sha256, together, command, versions, learning_rate):
    """A synthetic run whose config.json is that of a model file's run with these settings."""
    run = write_synthetic_run(directory, epochs=2, units=UNITS)
    config = json.loads((run / "config.json").read_text())
    config["training"] = {"model": model, "model_sha256": sha256, "layers": ["dense", "output"],
                          "optimizer": "adam", "learning_rate": learning_rate,
                          "batch_size": 64, "epochs": 2, "seed": 0,
                          "repeats_together": together}
    config |= {"command": command, "versions": versions,
               "measure": [{"estimators": list(ESTIMATORS), "schedule": "every:1",
                            "samples": "all"}]}
    (run / "config.json").write_text(json.dumps(config))
    return find_run(run)


def test_titles_name_neither_paths_digests_grouping_commands_nor_versions(tmp_path):
    runs = [
        _model_run(tmp_path / "a", "/home/me/nets/cnn.py:lenet", "a" * 64, 1,
                   "main_data.py --model /home/me/nets/cnn.py:lenet", {"keras": "3.15.1"},
                   0.0010000000474974513),
        _model_run(tmp_path / "b", "/tmp/old/cnn.py:lenet", "b" * 64, 5,
                   "main_data.py --model /tmp/old/cnn.py:lenet --lr 4e-4", {"keras": "3.9.0"},
                   0.0004),
    ]
    shown = titles([p.settings for p in information_panels(runs, [parse_spec("binning")])])
    assert shown == ["learning_rate=0.001", "learning_rate=0.0004"]


def test_a_long_title_is_wrapped_to_the_width_of_its_panel(tmp_path):
    runs = []
    for name, units, training in (
            ("a", (4, 3, 2), {"optimizer": "adam", "learning_rate": 4e-4, "batch_size": 256,
                              "init": "truncated_normal", "seed": 0}),
            ("b", (8, 6, 2), {"optimizer": "sgd", "learning_rate": 1e-3, "batch_size": 64,
                              "init": "glorot_uniform", "seed": 7})):
        run = write_synthetic_run(tmp_path / name, epochs=2, units=units, activation=name)
        config = json.loads((run / "config.json").read_text())
        config["training"] |= training
        (run / "config.json").write_text(json.dumps(config))
        runs.append(find_run(run))
    figure = plane_figure(information_panels(runs))
    FigureCanvasAgg(figure).draw()
    panels = [ax for ax in figure.axes if ax.get_label() != "<colorbar>"]
    assert all("\n" in ax.get_title() for ax in panels)
    assert all(ax.title.get_window_extent().width <= ax.get_window_extent().width
               for ax in panels)


def test_a_setting_a_panel_lacks_is_left_out_of_its_title():
    settings = [{"training.model": "lenet_digits", "training.epochs": "100"},
                {"training.activation": "tanh", "training.epochs": "100"}]
    assert titles(settings) == ["model=lenet_digits", "activation=tanh"]


def test_a_float_is_shown_to_three_significant_digits():
    config = {"training": {"learning_rate": 0.0010000000474974513, "adam_epsilon": 1e-08}}
    assert run_settings(config) == {"training.learning_rate": "0.001",
                                    "training.adam_epsilon": "1e-08"}


def test_a_model_file_is_named_by_its_function():
    assert run_settings({"training": {"model": "zoo:cnn.py:lenet_digits"}}) == {
        "training.model": "lenet_digits"}


def test_runs_alike_in_every_titled_setting_are_titled_by_their_directory():
    settings = [{"run": f"runs/{name}", "training.activation": "tanh", "estimator": e}
                for name in ("a", "b") for e in ESTIMATORS]
    assert titles(settings) == [f"runs/{name} · {e}" for name in ("a", "b") for e in ESTIMATORS]


def test_caption_names_what_all_panels_share():
    settings = [{"dataset.name": "tishby", "training.activation": "tanh", "repeats": "50",
                 "samples": "all", "estimator": e} for e in ESTIMATORS]
    assert caption(settings) == ["tishby", "tanh", "mean of 50 repeats"]


def test_run_settings_flatten_the_config_and_skip_the_command():
    config = {"training": {"hidden": [10, 7], "activation": "relu"}, "command": "x"}
    assert run_settings(config) == {"training.hidden": "10-7", "training.activation": "relu"}


def test_plane_panels_of_two_runs_are_titled_by_their_activation(tmp_path):
    runs = [find_run(write_synthetic_run(tmp_path / a, epochs=3, units=UNITS, activation=a))
            for a in ("tanh", "relu")]
    figure = plane_figure(information_panels(runs, estimators=[parse_spec("kde-upper")]))
    shown = [ax.get_title() for ax in figure.axes if ax.get_label() != "<colorbar>"]
    assert shown == ["activation=tanh", "activation=relu"]


def test_panels_come_in_the_order_the_run_measured_them(tmp_path):
    run = write_synthetic_run(tmp_path / "run", epochs=2, units=UNITS)
    config = json.loads((run / "config.json").read_text())
    config["measurements"] = [{"estimators": ["kde-upper"], "samples": "all"},
                              {"estimators": ["binning:bins=30,low=-1,high=1"], "samples": "all"}]
    (run / "config.json").write_text(json.dumps(config))
    panels = information_panels([find_run(run)])
    assert [p.measurements.estimator for p in panels] == list(reversed(ESTIMATORS))


def test_estimators_no_measurement_record_names_follow_in_table_order(tmp_path):
    run = write_synthetic_run(tmp_path / "run", epochs=2, units=UNITS)
    config = json.loads((run / "config.json").read_text())
    config["measurements"] = [{"estimators": ["kde-upper"], "samples": "test"}]
    (run / "config.json").write_text(json.dumps(config))
    panels = information_panels([find_run(run)])
    assert [p.measurements.estimator for p in panels] == list(ESTIMATORS)


MEASURED = ("binning:bins=30,low=-1.0,high=1.0", "binning:bins=30,range=layer",
            "binning:bin_size=0.07", "kde-upper:noise_variance=0.1",
            "kde-upper:noise_variance=0.1,dtype=float32",
            "batching:window=10,binning:bins=30,low=-1.0,high=1.0")


def selected(spec: str) -> list[str]:
    """The names among MEASURED that the filter ``spec`` selects."""
    return [name for name in MEASURED if matches(parse_spec(spec), name)]


@pytest.mark.parametrize("spec", ["binning:bins=30,low=-1,high=1",
                                  "binning:high=1,low=-1,bins=30",
                                  "binning:low=-1.0,bins=30,high=1.0", "binning:low=-1e0,high=1"])
def test_a_filter_selects_by_value_whatever_the_spelling_and_order(spec):
    assert selected(spec) == ["binning:bins=30,low=-1.0,high=1.0"]


@pytest.mark.parametrize("value", ["0.10", "1e-1", ".1"])
def test_a_noise_variance_is_compared_as_a_number(value):
    spec = f"kde-upper:dtype=float64,noise_variance={value}"
    assert selected(spec) == ["kde-upper:noise_variance=0.1"]


def test_a_bare_head_selects_every_estimator_of_that_head_and_no_other():
    assert selected("binning") == list(MEASURED[:3])
    assert selected("kde-upper") == list(MEASURED[3:5])


def test_a_partial_spec_leaves_the_parameters_it_omits_free():
    assert selected("binning:bins=30") == list(MEASURED[:2])
    assert selected("binning:range=layer") == ["binning:bins=30,range=layer"]
    assert selected("kde-upper:dtype=float32") == ["kde-upper:noise_variance=0.1,dtype=float32"]


def test_a_value_that_differs_selects_nothing():
    assert selected("binning:bins=3") == [] and selected("kde-upper:noise_variance=0.2") == []
    assert selected("binning:range=global") == [] and selected("kde-lower") == []


def test_a_batching_filter_selects_by_window_and_by_the_wrapped_filter():
    batching = [MEASURED[5]]
    assert selected("batching") == selected("batching:window=10") == batching
    assert selected("batching:binning") == batching
    assert selected("batching:window=10,binning:bins=30") == batching
    assert selected("batching:window=5") == [] and selected("batching:kde-upper") == []


def test_an_estimator_filter_matching_nothing_lists_the_measured_ones(run_dir):
    with pytest.raises(ValueError, match="'kde-lower' matches none .*kde-upper"):
        select(read_information(run_dir / "information.csv"),
               estimators=[parse_spec("kde-lower")])


def test_unmeasured_samples_are_an_error(run_dir):
    with pytest.raises(ValueError, match="samples 'test' were not measured"):
        select(read_information(run_dir / "information.csv"), samples=["test"])


# figures


def test_plane_axes_run_from_zero_to_the_entropies(run_dir):
    figure = plane_figure(information_panels([find_run(run_dir)]))
    ax = figure.axes[0]
    assert ax.get_xlim() == pytest.approx((0, 1.03 * H_X))
    assert ax.get_ylim() == pytest.approx((0, 1.03 * H_Y))


def test_plane_limits_can_be_overridden(run_dir):
    figure = plane_figure(information_panels([find_run(run_dir)]), xlim=(2, 10), ylim=(0, 2))
    assert figure.axes[0].get_xlim() == (2, 10) and figure.axes[0].get_ylim() == (0, 2)


def test_plane_legend_names_each_layer_and_its_units(run_dir):
    figure = plane_figure(information_panels([find_run(run_dir)]))
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend == ["hidden_1 (4 units)", "hidden_2 (3 units)", "output (2 units)"]


def test_show_repeats_draws_each_repeat_behind_the_mean(run_dir):
    panels = information_panels([find_run(run_dir)], estimators=[parse_spec("binning")])
    plain = plane_figure(panels).axes[0]
    with_repeats = plane_figure(panels, show_repeats=True).axes[0]
    per_path = 1 + len(UNITS)  # the lines and one scatter per layer
    assert len(with_repeats.collections) == len(plain.collections) + 2 * per_path


def test_curves_draw_each_layer_in_both_rows(run_dir):
    panels = information_panels([find_run(run_dir)], estimators=[parse_spec("binning")])
    figure = curves_figure(panels)
    top, bottom = figure.axes
    assert [len(ax.get_lines()) for ax in (top, bottom)] == [len(UNITS) + 1] * 2  # + H line
    assert top.get_ylim() == pytest.approx((0, 1.03 * H_X))


def test_metrics_draw_train_and_test_loss_and_accuracy(run_dir):
    figure = metrics_figure([find_run(run_dir)])
    loss, accuracy = figure.axes
    assert [line.get_label() for line in loss.get_lines()] == ["train", "test"]
    first_train_loss = loss.get_lines()[0].get_ydata()[0]
    assert first_train_loss == pytest.approx(0.05 + 0.64)


EIGHT_BINNINGS = tuple(f"binning:bins={b},low=-1.0,high=1.0" for b in range(10, 90, 10))


def _eight_panels(kind, directory):
    """A figure of ``kind`` with eight panels: eight estimators of one run, or eight runs."""
    if kind == "metrics":
        return metrics_figure([find_run(write_synthetic_run(directory / str(i), epochs=2,
                                                            units=UNITS)) for i in range(8)])
    run = write_synthetic_run(directory, epochs=2, units=UNITS, estimators=EIGHT_BINNINGS)
    figure = plane_figure if kind == "plane" else curves_figure
    return figure(information_panels([find_run(run)]))


@pytest.mark.parametrize("kind", ["plane", "curves", "metrics"])
def test_eight_panels_wrap_into_rows_of_at_most_three(tmp_path, kind):
    figure = _eight_panels(kind, tmp_path / "run")
    titled = [ax for ax in figure.axes if ax.get_title()]
    assert len(titled) == 8
    assert len({round(ax.get_position().y1, 3) for ax in titled}) == 3
    assert figure.get_figwidth() <= MAX_COLUMNS * PANEL_SIZE[0] + 1


def test_plot_run_writes_the_plane_where_asked(run_dir, tmp_path):
    output = plot_run(run_dir, tmp_path / "plane.png")
    assert output == tmp_path / "plane.png"
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_unknown_figure_format_is_refused(run_dir, tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.png, \.svg, \.pdf"):
        save_figure(plane_figure(information_panels([find_run(run_dir)])), tmp_path / "x.jpg")


# movies


def test_every_kth_epoch_gets_a_frame_and_the_last_one_too():
    assert frame_indices(21, every=5).tolist() == [0, 5, 10, 15, 20]
    assert frame_indices(21, every=6).tolist() == [0, 6, 12, 18, 20]


def test_a_frame_count_spreads_frames_evenly():
    assert frame_indices(21, frames=3).tolist() == [0, 10, 20]
    assert frame_indices(3, frames=10).tolist() == [0, 1, 2]


def test_frames_are_rgb_images_of_one_size(run_dir):
    measured = read_information(run_dir / "information.csv")[0]
    frames = list(render_frames(measured, frame_indices(EPOCHS + 1, every=10)))
    assert len(frames) == 3
    assert {f.shape for f in frames} == {(540, 720, 3)} and frames[0].dtype == np.uint8


def test_a_frame_shows_the_trail_of_earlier_epochs(run_dir):
    measured = read_information(run_dir / "information.csv")[0]
    (with_trail,) = render_frames(measured, np.array([EPOCHS]))
    off_the_axes = measured.i_xt.copy()
    off_the_axes[:, :EPOCHS] = 1e6
    (without_trail,) = render_frames(replace(measured, i_xt=off_the_axes), np.array([EPOCHS]))
    assert _white_pixels(with_trail) < _white_pixels(without_trail)


def test_gif_holds_every_frame(tmp_path):
    stripes = np.repeat(np.array([0, 80, 160, 240], dtype=np.uint8), 3)[None, :, None]
    frames = [np.broadcast_to(np.roll(stripes, 3 * i, axis=1), (8, 12, 3)) for i in range(4)]
    video.write_movie(iter(frames), tmp_path / "m.gif", fps=5)
    with Image.open(tmp_path / "m.gif") as gif:
        assert gif.n_frames == 4 and gif.size == (12, 8)
        assert gif.info["duration"] == 200


def test_mp4_is_written_exactly_where_asked_and_starts_with_an_ftyp_box(tmp_path):
    frames = [np.full((16, 16, 3), 60 * i, dtype=np.uint8) for i in range(3)]
    video.write_movie(iter(frames), tmp_path / "m.mp4", fps=5)
    assert [p.name for p in tmp_path.iterdir()] == ["m.mp4"]
    assert (tmp_path / "m.mp4").read_bytes()[4:8] == b"ftyp"


def test_mp4_without_ffmpeg_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(video.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(FileNotFoundError, match="needs ffmpeg.*imageio-ffmpeg"):
        video.write_movie(iter([]), tmp_path / "m.mp4", fps=5)
    assert not list(tmp_path.iterdir())


def test_an_unknown_movie_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.gif, \.mp4"):
        video.write_movie(iter([]), tmp_path / "m.avi", fps=5)


def test_curves_shade_each_layers_bootstrap_interval_around_its_mean(run_dir):
    (panel, _) = information_panels([find_run(run_dir)])
    figure = curves_figure([panel])
    bands = [c for c in figure.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(UNITS)
    summary = summarise(panel.measurements.i_xt[:, :, 0])
    vertices = bands[0].get_paths()[0].vertices
    assert vertices[:, 1].min() == pytest.approx(np.nanmin(summary.low))
    assert vertices[:, 1].max() == pytest.approx(np.nanmax(summary.high))


def test_error_bars_span_each_points_interval_in_both_directions(run_dir):
    (panel, _) = information_panels([find_run(run_dir)])
    plain, barred = (plane_figure([panel], error_bars=flag).axes[0] for flag in (False, True))
    assert len(barred.collections) == len(plain.collections) + len(UNITS)
    bars = barred.collections[-len(UNITS):]  # one collection per layer, drawn last
    x, y = (summarise(getattr(panel.measurements, q)[:, :, 0]) for q in ("i_xt", "i_yt"))
    horizontal, vertical = bars[0].get_segments()[0], bars[0].get_segments()[EPOCHS + 1]
    assert (horizontal[0][0], horizontal[1][0]) == pytest.approx((x.low[0], x.high[0]))
    assert (vertical[0][1], vertical[1][1]) == pytest.approx((y.low[0], y.high[0]))
