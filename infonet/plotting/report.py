"""The interactive report: measured runs as one self-contained HTML file
(``main_plot.py RUN_DIR... --kind report -o report.html``).

Lives here: ``write_report`` and its sections, top to bottom: the information plane of every
panel (run, estimator, samples) with an epoch slider that walks the mean path through the
layers; I(X;T) and I(Y;T) against epoch, each layer's mean over repeats inside a band from the
lowest to the highest repeat; the training metrics the same way; the tables
(``report_tables``, the one place a new table is added); each run's configuration. Not here:
reading the tables (``analysis.tables``), choosing and titling the panels
(``plotting.panels``).

Drawn with plotly (an optional extra: ``pip install plotly``, the version tested in
requirements-extras.txt), whose JavaScript is embedded in the file: it opens offline and
requests nothing over the network. Its size is bounded whatever the number of repeats (the
figures hold means and bands) or epochs (at most ``MAX_SLIDER_EPOCHS`` slider steps): plotly's
JavaScript, about 4.8 MB, plus the data, values rounded to ``DECIMALS`` decimals.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from infonet.analysis.compression import MIN_REPEATS
from infonet.analysis.tables import Measurements, mean_over_repeats, read_metrics
from infonet.networks.versions import TOOLKIT_VERSION
from infonet.plotting.compression import compression_table, table_cell
from infonet.plotting.movie import frame_indices
from infonet.plotting.panels import SEPARATOR, Panel, Run, caption, information_panels, titles
from infonet.plotting.plane import plane_points
from infonet.plotting.style import (
    EPOCH_COLORMAP,
    EPOCH_SCALES,
    layer_colors,
    layer_label,
    log_epoch_ticks,
)
from infonet.plotting.style import columns as grid_columns
from infonet.rundir.directory import METRICS, replacing

MAX_SLIDER_EPOCHS = 300
"""Most epochs the plane's slider steps through (evenly spaced among the measured ones)."""
MAX_SLIDER_LABELS = 25
"""A slider with more steps labels only the current one (the rest would overlap)."""
DECIMALS = 4
"""Values are stored rounded to this many decimals (1e-4 bits)."""
INSTALL = ("--kind report needs plotly: pip install plotly (the version tested is in "
           "requirements-extras.txt)")
QUANTITIES = (("i_xt", "I(X;T)"), ("i_yt", "I(Y;T)"))
METRIC_PAIRS = (("loss", "nats"), ("accuracy", "fraction"))
STYLE = """body{font-family:sans-serif;margin:1.5em auto;max-width:1400px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:2px 8px;
text-align:right}th{background:#f3f3f3}pre{background:#f6f6f6;padding:.6em;overflow:auto;
max-height:30em}.caption{color:#555}"""


def check_plotly() -> None:
    """ValueError naming the package unless plotly is installed."""
    try:
        import plotly  # noqa: F401
    except ModuleNotFoundError:
        raise ValueError(INSTALL) from None


def write_report(runs: Sequence[Run], output: Path, estimators: Sequence[str] = (),
                 samples: Sequence[str] = (), epoch_scale: str = "log") -> Path:
    """Write the report of ``runs`` (their panels chosen by ``estimators`` and ``samples`` as
    ``main_plot.py`` does) to ``output``, replacing it atomically; returns it."""
    check_plotly()
    if epoch_scale not in EPOCH_SCALES:
        raise ValueError(f"epoch scale must be one of {', '.join(EPOCH_SCALES)}, "
                         f"got {epoch_scale!r}")
    from plotly.offline import get_plotlyjs

    panels = information_panels(runs, estimators, samples)
    names = titles([p.settings for p in panels])
    sections = [
        ("Information plane", plane_figure(panels, names, epoch_scale)),
        ("Information against epoch", curves_figure(panels, names, epoch_scale)),
        ("Training metrics", metrics_figure(runs, epoch_scale)),
        ("Tables", "".join(report_tables(runs, panels))),
        ("Configuration", configuration(runs)),
    ]
    title = "Information planes: " + ", ".join(str(run.directory) for run in runs)
    body = "".join(f"<h2>{name}</h2>{content}" for name, content in sections if content)
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
            f"<h1>{html.escape(title)}</h1><p class=\"caption\">"
            f"{html.escape(SEPARATOR.join(caption([p.settings for p in panels])))}; information in "
            f"bits; information-networks {TOOLKIT_VERSION}</p>{body}</body></html>")
    output.parent.mkdir(parents=True, exist_ok=True)
    with replacing(output) as handle:
        handle.write(page.encode())
    return output


def report_tables(runs: Sequence[Run], panels: Sequence[Panel]) -> list[str]:
    """The report's tables, as HTML: the information of every layer at each panel's last
    epoch, the compression test, and the metrics at each run's last epoch. A new table is
    added here."""
    return [last_information_table(panels), compression_section(panels),
            last_metrics_table(runs)]


def compression_section(panels: Sequence[Panel]) -> str:
    """The compression test (``plotting.compression.compression_table``, docs/statistics.md)
    of the panels with at least MIN_REPEATS repeats, as an HTML table; a line saying why
    where it cannot be made."""
    tested = [p for p in panels if len(p.measurements.repeats) >= MIN_REPEATS]
    if not tested:
        return (f"<p>The compression test needs at least {MIN_REPEATS} repeats: no panel has "
                "them.</p>")
    try:
        table = compression_table(tested)
    except ValueError as error:
        return f"<p>No compression test: {html.escape(str(error))}.</p>"
    shown = ("run", "estimator", "samples", "layer_name", "repeats", "peak_epoch",
             "drop_bits", "ci_low", "ci_high", "p_adjusted", "compresses")
    rows = [[table_cell(row[key]) for key in shown] for row in table]
    return _table(shown, rows, "The compression test: drop of I(X;T) from its peak (picked on "
                               "half the repeats) to the last epoch on the other half, bits, "
                               "90% intervals, Holm-adjusted p-values at alpha 0.05")


def _round(values: np.ndarray) -> list:
    """Rounded values as a JSON-ready list, nan as null."""
    rounded = np.round(np.asarray(values, dtype=float), DECIMALS)
    return [None if not np.isfinite(v) else float(v) for v in rounded.ravel()]


def _epoch_position(epochs: np.ndarray, scale: str) -> np.ndarray:
    """Where an epoch sits on an epoch axis or colour scale: log10(epoch + 1) on the log
    scale (epoch 0 has a place), the epoch on the linear one (``plotting.style``)."""
    epochs = np.asarray(epochs, dtype=float)
    return np.log10(epochs + 1.0) if scale == "log" else epochs


def _epoch_ticks(epochs: np.ndarray, scale: str) -> dict:
    """Plotly axis or colour-bar ticks labelled with real epochs."""
    if scale == "linear":
        return {}
    ticks = log_epoch_ticks(int(np.min(epochs)), int(np.max(epochs)))
    return {"tickvals": _round(_epoch_position(np.array(ticks), scale)),
            "ticktext": [str(t) for t in ticks]}


def _colorscale() -> list[list]:
    """The epoch colour map as a plotly colour scale."""
    steps = np.linspace(0.0, 1.0, 11)
    return [[float(s), _rgb(EPOCH_COLORMAP(s))] for s in steps]


def _rgb(color: Sequence[float], alpha: float = 1.0) -> str:
    red, green, blue = (int(round(255 * c)) for c in color[:3])
    return f"rgba({red},{green},{blue},{alpha})"


def _figure_html(figure: object, name: str) -> str:
    """A plotly figure as a div and its script, the JavaScript left to the page's head."""
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=name, auto_play=False,
                          config={"displaylogo": False, "responsive": True})


def plane_figure(panels: Sequence[Panel], names: Sequence[str], epoch_scale: str) -> str:
    """Every panel's plane: each layer's mean over repeats at every measured epoch, coloured
    by epoch, and the path through the layers at the slider's epoch."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    columns = grid_columns(len(panels))
    rows = -(-len(panels) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=list(names) or None,
                           horizontal_spacing=0.08, vertical_spacing=0.12)
    points = [plane_points(panel.measurements) for panel in panels]
    every_epoch = np.unique(np.concatenate([epochs for epochs, _, _ in points]))
    slider = every_epoch[frame_indices(len(every_epoch), frames=MAX_SLIDER_EPOCHS)]
    low, high = every_epoch.min(), every_epoch.max()
    colors = layer_colors(max(len(p.measurements.names) for p in panels))
    moving, legend = [], set()
    for k, (panel, (epochs, i_xt, i_yt)) in enumerate(zip(panels, points, strict=True)):
        cell = {"row": k // columns + 1, "col": k % columns + 1}
        values = panel.measurements
        for index, name in enumerate(values.names):
            label = layer_label(name, int(values.units[index]))
            figure.add_trace(go.Scatter(
                x=_round(i_xt[:, index]), y=_round(i_yt[:, index]), mode="markers",
                name=label, legendgroup=label, showlegend=_first(legend, label),
                text=epochs.tolist(),
                hovertemplate=f"{name}, epoch %{{text}}<br>I(X;T) %{{x}}<br>I(Y;T) %{{y}}"
                              "<extra></extra>",
                marker={"size": 6, "color": _round(_epoch_position(epochs, epoch_scale)),
                        "colorscale": _colorscale(), "showscale": k == index == 0,
                        "cmin": float(_epoch_position(low, epoch_scale)),
                        "cmax": float(_epoch_position(high, epoch_scale)),
                        "symbol": index, "line": {"width": 0.5, "color": _rgb(colors[index])},
                        "colorbar": {"title": {"text": "epoch"},
                                     **_epoch_ticks(every_epoch, epoch_scale)}}), **cell)
        moving.append(len(figure.data))
        figure.add_trace(go.Scatter(
            **_path_at(epochs, i_xt, i_yt, slider[-1]), mode="lines+markers",
            name="the slider's epoch", legendgroup="epoch", showlegend=k == 0,
            line={"color": "black", "width": 2}, marker={"size": 9, "color": "black"}), **cell)
        figure.update_xaxes(title_text="I(X;T) (bits)", range=_limit(values.h_x), **cell)
        figure.update_yaxes(title_text="I(Y;T) (bits)", range=_limit(values.h_y), **cell)
    figure.frames = [
        go.Frame(name=str(epoch), traces=moving,
                 data=[go.Scatter(**_path_at(e, x, y, epoch)) for e, x, y in points])
        for epoch in slider.tolist()]
    steps = [{"label": str(epoch), "method": "animate",
              "args": [[str(epoch)], {"mode": "immediate", "frame": {"duration": 0},
                                      "transition": {"duration": 0}}]}
             for epoch in slider.tolist()]
    labelled = len(steps) <= MAX_SLIDER_LABELS
    figure.update_layout(height=430 * rows + 80, legend={"orientation": "h", "y": 1.0,
                                                         "yanchor": "top", "yref": "container"},
                         margin={"t": 110}, modebar={"orientation": "v"}, sliders=[{
                             "active": len(steps) - 1, "steps": steps, "pad": {"t": 50},
                             "currentvalue": {"prefix": "epoch ", "font": {"color": "#222"}},
                             "ticklen": 4 if labelled else 0, "minorticklen": 0,
                             "font": {"color": "#444" if labelled else "rgba(0,0,0,0)"}}])
    return _figure_html(figure, "plane")


def _first(shown: set[str], label: str) -> bool:
    """Whether ``label`` is new to a legend that shows the labels in ``shown``; adds it."""
    new = label not in shown
    shown.add(label)
    return new


def _path_at(epochs: np.ndarray, i_xt: np.ndarray, i_yt: np.ndarray, epoch: int) -> dict:
    """The path through the layers at the last measured epoch not after ``epoch`` (the
    first measured one before any): x and y of each layer, and the hover text."""
    index = max(int(np.searchsorted(epochs, epoch, side="right")) - 1, 0)
    return {"x": _round(i_xt[index]), "y": _round(i_yt[index]),
            "hovertemplate": f"epoch {int(epochs[index])}<br>I(X;T) %{{x}}<br>I(Y;T) %{{y}}"
                             "<extra></extra>"}


def _limit(entropy: float) -> list[float] | None:
    """An axis from 0 to a little over H (bits), or plotly's own range when H is unknown."""
    return [0.0, 1.05 * entropy] if np.isfinite(entropy) and entropy > 0 else None


def _band(figure: object, epochs: np.ndarray, values: np.ndarray, color: Sequence[float],
          label: str, cell: dict, show: bool, scale: str) -> None:
    """Add the mean over repeats of (repeats, epochs) ``values`` as a line inside a band from
    the lowest to the highest repeat; epochs some repeat lacks are left out."""
    import plotly.graph_objects as go

    kept = np.isfinite(values).all(axis=0)
    if not kept.any():
        return
    x = _epoch_position(epochs[kept], scale)
    low, high = values[:, kept].min(axis=0), values[:, kept].max(axis=0)
    if len(values) > 1:
        figure.add_trace(go.Scatter(
            x=_round(np.concatenate([x, x[::-1]])), y=_round(np.concatenate([high, low[::-1]])),
            fill="toself", fillcolor=_rgb(color, 0.2), line={"width": 0}, hoverinfo="skip",
            legendgroup=label, showlegend=False), **cell)
    figure.add_trace(go.Scatter(
        x=_round(x), y=_round(mean_over_repeats(values[:, kept])), mode="lines", name=label,
        legendgroup=label, showlegend=show, line={"color": _rgb(color), "width": 1.5},
        text=epochs[kept].tolist(), hovertemplate=f"{label}, epoch %{{text}}: %{{y}}"
                                                  "<extra></extra>"), **cell)


def _epoch_axes(figure: object, epochs: np.ndarray, scale: str) -> None:
    figure.update_xaxes(title_text=f"epoch ({scale} scale)", **_epoch_ticks(epochs, scale))


def curves_figure(panels: Sequence[Panel], names: Sequence[str], epoch_scale: str) -> str:
    """I(X;T) (left) and I(Y;T) (right) against epoch, a row per panel, each layer's mean
    inside its band over repeats."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=len(panels), cols=2, horizontal_spacing=0.08,
                           subplot_titles=[f"{q}{SEPARATOR}{n}" if n else q for n in (names or [""])
                                           for _, q in QUANTITIES])
    legend: set[str] = set()
    for k, panel in enumerate(panels):
        values: Measurements = panel.measurements
        colors = layer_colors(len(values.names))
        for column, (field, quantity) in enumerate(QUANTITIES, start=1):
            table = getattr(values, field)
            for index, name in enumerate(values.names):
                label = layer_label(name, int(values.units[index]))
                _band(figure, values.epochs, table[:, :, index], colors[index], label,
                      {"row": k + 1, "col": column}, _first(legend, label), epoch_scale)
            figure.update_yaxes(title_text=f"{quantity} (bits)", row=k + 1, col=column)
    _epoch_axes(figure, np.concatenate([p.measurements.epochs for p in panels]), epoch_scale)
    figure.update_layout(height=360 * len(panels))
    return _figure_html(figure, "curves")


def metrics_figure(runs: Sequence[Run], epoch_scale: str) -> str:
    """Loss (left) and accuracy (right) against epoch, a row per run with a metrics.csv,
    train and test each a mean inside its band over repeats; "" when no run has one."""
    from plotly.subplots import make_subplots

    trained = [run for run in runs if (run.directory / METRICS).is_file()]
    if not trained:
        return ""
    figure = make_subplots(rows=len(trained), cols=2, horizontal_spacing=0.08,
                           subplot_titles=[f"{name}{SEPARATOR}{run.directory}" for run in trained
                                           for name, _ in METRIC_PAIRS])
    colors = layer_colors(2)
    all_epochs = []
    for k, run in enumerate(trained):
        metrics = read_metrics(run.directory / METRICS)
        all_epochs.append(metrics.epochs)
        for column, (name, unit) in enumerate(METRIC_PAIRS, start=1):
            for color, split in zip(colors, ("train", "test"), strict=True):
                _band(figure, metrics.epochs, metrics.values[f"{split}_{name}"], color,
                      split, {"row": k + 1, "col": column}, k == 0 and column == 1,
                      epoch_scale)
            figure.update_yaxes(title_text=f"{name} ({unit})", row=k + 1, col=column)
    _epoch_axes(figure, np.concatenate(all_epochs), epoch_scale)
    figure.update_layout(height=330 * len(trained))
    return _figure_html(figure, "metrics")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> str:
    """An HTML table, every cell escaped."""
    def cells(tag: str, values: Sequence[object]) -> str:
        return "".join(f"<{tag}>{html.escape(str(v))}</{tag}>" for v in values)

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return (f"<table><caption>{html.escape(caption)}</caption><tr>{cells('th', header)}</tr>"
            f"{body}</table>")


def _mean_and_spread(values: np.ndarray) -> str:
    """The mean of a repeat's values ± their standard deviation (over repeats)."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return "nan"
    spread = f" ± {np.std(finite):.3f}" if len(finite) > 1 else ""
    return f"{np.mean(finite):.3f}{spread}"


def last_information_table(panels: Sequence[Panel]) -> str:
    """Each panel's layers at its last epoch measured by every repeat: I(X;T), I(Y;T) in
    bits, mean ± standard deviation over repeats."""
    rows = []
    for panel in panels:
        values = panel.measurements
        epochs = plane_points(values)[0]
        if not len(epochs):
            continue
        at = int(np.searchsorted(values.epochs, epochs[-1]))
        for index, name in enumerate(values.names):
            rows.append([str(panel.run.directory), values.estimator, values.samples,
                         int(epochs[-1]), layer_label(name, int(values.units[index])),
                         _mean_and_spread(values.i_xt[:, at, index]),
                         _mean_and_spread(values.i_yt[:, at, index])])
    header = ["run", "estimator", "samples", "epoch", "layer", "I(X;T)", "I(Y;T)"]
    return _table(header, rows, "Information at the last epoch every repeat measured (bits, "
                                "mean ± standard deviation over repeats)")


def last_metrics_table(runs: Sequence[Run]) -> str:
    """Each run's loss and accuracy at its last epoch, mean ± standard deviation over
    repeats; "" when no run has a metrics.csv."""
    names = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
    rows = []
    for run in runs:
        if (run.directory / METRICS).is_file():
            metrics = read_metrics(run.directory / METRICS)
            rows.append([str(run.directory), int(metrics.epochs[-1]),
                         *(_mean_and_spread(metrics.values[n][:, -1]) for n in names)])
    if not rows:
        return ""
    return _table(["run", "epoch", *names], rows, "Training metrics at the last epoch (losses "
                                                  "in nats; mean ± standard deviation over "
                                                  "repeats)")


def configuration(runs: Sequence[Run]) -> str:
    """Each run's config.json, as stored."""
    return "".join(f"<h3>{html.escape(str(run.directory))}</h3><pre>"
                   f"{html.escape(json.dumps(run.config, indent=2))}</pre>" for run in runs)
