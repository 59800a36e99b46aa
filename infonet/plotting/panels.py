"""What a figure compares: the runs it is given, their panels, and the panels' titles.

A panel shows one run's measurements by one estimator on one choice of samples (for training
metrics: one run). Panels are titled by the settings in which they differ, read from each run's
config.json and the estimator's canonical name; the settings they share make the figure's
caption. Only the settings a reader of the figure needs are named (``TITLED``), as they are
typed (floats to three significant digits, a model by its function's name); the rest stays in
config.json. Nothing here draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infonet.analysis.tables import Measurements, mean_coverage, read_information
from infonet.information.contract import Estimator
from infonet.information.estimators import Spec, parse_spec
from infonet.rundir.directory import CONFIG, INFORMATION, read_config

TITLED = (
    ("dataset.name", "dataset"), ("preset", "preset"), ("training.model", "model"),
    ("training.activation", "activation"), ("training.hidden", "hidden"),
    ("training.init", "init"), ("training.quantize", "quantize"),
    ("training.optimizer", "optimizer"), ("training.learning_rate", "learning_rate"),
    ("training.adam_epsilon", "adam_epsilon"), ("training.batch_size", "batch_size"),
    ("training.epochs", "epochs"), ("training.seed", "seed"),
    ("dataset.train_fraction", "train_fraction"), ("dataset.shuffle", "shuffle"),
)
"""The config.json settings a title or caption may name, in title order, each with the name it
is shown by. Left out, because they describe how a run was made rather than what it is, or
are paths and digests no reader can compare at a glance: the data and model files' paths, the
model file's SHA-256, ``repeats_together``, the layers' names, the dataset's sizes, the
command line, the versions, and what was asked for and measured (``measure``,
``measurements``)."""
SHOWN = (*(key for key, _ in TITLED), "repeats", "mean", "samples", "estimator")
"""Every setting a title may name, in title order; a panel's settings hold these and ``run``
(its directory, named only when nothing else tells two panels apart)."""
_NAMES = dict(TITLED)
SIGNIFICANT_DIGITS = 3
"""Floats are shown to this many significant digits (0.0010000000474974513 as 0.001)."""

SEPARATOR = " · "
"""Between the parts of a title or caption."""


@dataclass(frozen=True)
class Run:
    """A run directory and the information.csv to read from it."""

    directory: Path
    information: Path

    @property
    def config(self) -> dict:
        """config.json as a dict, checked; empty when the directory has none. Read when a
        title needs it, after the table it describes."""
        if not (self.directory / CONFIG).is_file():
            return {}
        return read_config(self.directory).to_dict()


@dataclass(frozen=True)
class Panel:
    """One run's measurements by one estimator on one choice of samples."""

    run: Run
    measurements: Measurements
    settings: dict[str, str]


def find_run(path: Path) -> Run:
    """The run at ``path``: a run directory, or an information.csv inside one."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.is_dir():
        if not any(path.iterdir()):
            raise ValueError(f"{path} is empty: it holds no run")
        directory, information = path, path / INFORMATION
    else:
        directory, information = path.parent, path
    return Run(directory=directory, information=information)


def _format(value: object) -> str:
    """A setting's value as a reader types it: lists joined by dashes (10-7-5), floats to
    SIGNIFICANT_DIGITS digits, null and booleans in lower case."""
    if isinstance(value, list | tuple):
        return "-".join(_format(v) for v in value)
    if value is None or isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.{SIGNIFICANT_DIGITS}g}"
    return str(value)


def run_settings(config: dict) -> dict[str, str]:
    """The run's settings that titles may name (``TITLED``), by dotted key
    ("training.activation": "tanh"), formatted for reading; those it lacks or holds as null
    are left out. A model file (``FILE.py:FUNCTION``, ``zoo:FILE.py:FUNCTION``) is named by
    its function."""
    settings: dict[str, str] = {}
    for key, _ in TITLED:
        section, _, name = key.rpartition(".")
        values = config.get(section, {}) if section else config
        if isinstance(values, dict) and values.get(name) is not None:
            value = values[name]
            if key == "training.model" and isinstance(value, str):
                value = value.rpartition(":")[2]
            settings[key] = _format(value)
    return settings


def matches(spec: Spec, estimator: str) -> bool:
    """Whether the estimator filter ``spec`` selects ``estimator`` (a canonical name).

    By value, as ``Spec.selects`` says: the same head and every parameter the filter gives
    equal (``binning`` selects every Binning estimator, ``binning:bins=30,low=-1`` the one
    named ``binning:bins=30,low=-1.0,high=1.0``). Names of other heads are not parsed.
    """
    return estimator.partition(":")[0] == spec.head and spec.selects(parse_spec(estimator))


def _estimator(spec: object, unwrap: bool = False) -> Estimator | None:
    """The estimator a spec names (with ``unwrap``, the one a Batching spec wraps); None when
    this version cannot read it."""
    try:
        parsed = parse_spec(str(spec))
        if unwrap:
            if parsed.head != "batching" or parsed.wrapped is None:
                return None
            parsed = parsed.wrapped
        return parsed.build()
    except ValueError:
        return None


def _record_rank(record: object, values: Measurements) -> int | None:
    """The position in a config.json ``measurements`` record of the estimator that measured
    ``values``, or None when the record did not measure it. A Batching record (its windows
    under ``batching``) lists the estimators it wrapped."""
    if not isinstance(record, dict) or record.get("samples") != values.samples:
        return None
    estimator = _estimator(values.estimator, unwrap="batching" in record)
    recorded = record.get("estimators")
    for rank, spec in enumerate(recorded if isinstance(recorded, list) else ()):
        if estimator is not None and _estimator(spec) == estimator:
            return rank
    return None


def measurement_order(config: dict, measured: Sequence[Measurements]) -> list[Measurements]:
    """``measured`` in the order the run measured them.

    information.csv is sorted by estimator name when a job ends, so its order is not the
    order of measurement; config.json's ``measurements`` is (one record per measuring
    command, in order). Each (estimator, samples) pair goes where the first record that
    measured it stands, and within a record in the order of its estimators; pairs no record
    names (tables written without records, or copied in) follow, in their table order.
    """
    records = config.get("measurements") or []

    def position(values: Measurements) -> tuple[int, int]:
        for index, record in enumerate(records):
            rank = _record_rank(record, values)
            if rank is not None:
                return index, rank
        return len(records), 0

    return sorted(measured, key=position)


def select(
    measured: Sequence[Measurements], estimators: Sequence[Spec] = (), samples: Sequence[str] = ()
) -> list[Measurements]:
    """The measurements passing the filters, in the filters' order (none given: all of them)."""
    names = sorted({m.estimator for m in measured})
    selected = [{name for name in names if matches(spec, name)} for spec in estimators]
    for spec, chosen_names in zip(estimators, selected, strict=True):
        if not chosen_names:
            raise ValueError(f"estimator {spec.text!r} matches none of the measured estimators: "
                             f"{', '.join(names)}")
    measured_samples = sorted({m.samples for m in measured})
    for choice in samples:
        if choice not in measured_samples:
            raise ValueError(f"samples {choice!r} were not measured; the run has "
                             f"{', '.join(measured_samples)}")
    chosen = [m for m in measured if not samples or m.samples in samples]
    if not estimators:
        return chosen
    return [m for chosen_names in selected for m in chosen if m.estimator in chosen_names]


def information_panels(
    runs: Sequence[Run], estimators: Sequence[Spec] = (), samples: Sequence[str] = ()
) -> list[Panel]:
    """One panel per run and measured (estimator, samples) pair passing the filters; a run's
    panels in the order of its filters, then in the order it was measured
    (``measurement_order``)."""
    panels = []
    for run in runs:
        measured = read_information(run.information)
        measured = measurement_order(run.config, measured)
        try:
            chosen = select(measured, estimators, samples)
        except ValueError as error:
            raise ValueError(f"{run.directory}: {error}") from None
        for m in chosen:
            settings = run_settings(run.config) | {
                "run": str(run.directory), "repeats": str(len(m.repeats)),
                "samples": m.samples, "estimator": m.estimator}
            averaged, measured_epochs = mean_coverage(m)
            if len(m.repeats) > 1 and averaged < measured_epochs:
                settings["mean"] = f"{averaged} of {measured_epochs}"
            panels.append(Panel(run=run, measurements=m, settings=settings))
    return panels


def _shown(key: str, settings: dict[str, str]) -> str:
    """How a title names ``key`` of a panel's ``settings``; "" when the panel lacks it (a
    model file's run has no activation, the built-in network's no model)."""
    if key not in settings:
        return ""
    if key == "mean":
        return f"mean at {settings['mean']} epochs"
    value = settings[key]
    return value if key in ("estimator", "run") else f"{_NAMES.get(key, key)}={value}"


def titles(settings: Sequence[dict[str, str]]) -> list[str]:
    """Each panel's title: the settings of ``SHOWN`` whose values differ between the panels,
    joined by SEPARATOR.

    A setting is named as ``activation=relu`` in the panels that have it; an estimator by its
    canonical name alone. Where those leave two panels of different runs alike, each title
    starts with its run's directory.
    """
    def parts(keys: Sequence[str]) -> list[tuple[str, ...]]:
        return [tuple(p for k in keys if (p := _shown(k, s))) for s in settings]

    keys = [k for k in SHOWN if len({_shown(k, s) for s in settings}) > 1]
    alike = len(set(parts(keys)))
    if len(set(zip(parts(keys), (s.get("run") for s in settings), strict=True))) > alike:
        keys = ["run", *keys]
    return [SEPARATOR.join(title) for title in parts(keys)]


def caption(settings: Sequence[dict[str, str]]) -> list[str]:
    """What all panels share, in words: dataset, network, estimator, samples, repeats.

    A mean over repeats is "mean of R repeats", followed by "at M of N measured epochs" when
    only M of the N epochs some repeat measured were measured by all R (the others are left
    out of the mean).
    """
    common = {k: v for k, v in settings[0].items() if all(s.get(k) == v for s in settings)}
    network = " ".join(common[k] for k in ("training.model", "training.activation",
                                           "training.hidden") if k in common)
    parts = [common.get("dataset.name", ""), network, common.get("estimator", "")]
    if common.get("samples", "all") != "all":
        parts.append(f"{common['samples']} samples")
    repeats = common.get("repeats", "1")
    if repeats.isdigit() and int(repeats) > 1:
        kept = f" at {common['mean']} measured epochs" if "mean" in common else ""
        parts.append(f"mean of {repeats} repeats{kept}")
    return [part for part in parts if part]
