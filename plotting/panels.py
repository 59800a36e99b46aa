"""What a figure compares: the runs it is given, their panels, and the panels' titles.

A panel shows one run's measurements by one estimator on one choice of samples (for training
metrics: one run). Panels are titled by the settings in which they differ, read from each run's
config.json and the estimator's canonical name; the settings they share make the figure's
caption. Nothing here draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from information.contract import Estimator
from information.estimators import Spec, parse_spec
from plotting.tables import Measurements, mean_coverage, read_information
from rundir.directory import CONFIG, INFORMATION, read_config

UNRECORDED = ("command", "versions", "measurements")
"""config.json keys that differ between any two runs without describing them."""

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
    if isinstance(value, list | tuple):
        return "-".join(_format(v) for v in value)
    if value is None or isinstance(value, bool):
        return str(value).lower()
    return str(value)


def run_settings(config: dict, prefix: str = "") -> dict[str, str]:
    """The run's configuration flattened to dotted keys ("training.activation": "tanh")."""
    settings: dict[str, str] = {}
    for key, value in config.items():
        if not prefix and key in UNRECORDED:
            continue
        if isinstance(value, dict):
            settings.update(run_settings(value, f"{prefix}{key}."))
        else:
            settings[f"{prefix}{key}"] = _format(value)
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
                "repeats": str(len(m.repeats)), "samples": m.samples, "estimator": m.estimator}
            averaged, measured_epochs = mean_coverage(m)
            if len(m.repeats) > 1 and averaged < measured_epochs:
                settings["mean"] = f"{averaged} of {measured_epochs}"
            panels.append(Panel(run=run, measurements=m, settings=settings))
    return panels


def _shown(key: str, value: str, short: str) -> str:
    return value if key == "estimator" else f"{short}={value}"


def titles(settings: Sequence[dict[str, str]]) -> list[str]:
    """Each panel's title: the settings whose values differ between the panels.

    A setting is named by its last dotted part (``activation=relu``) unless two differing
    settings share it; an estimator is named by its canonical name alone.
    """
    keys = sorted({k for s in settings for k in s}, key=lambda k: (k == "estimator", k))
    differing = [k for k in keys if len({s.get(k, "none") for s in settings}) > 1]
    last = [k.rsplit(".", 1)[-1] for k in differing]
    short = {k: (n if last.count(n) == 1 else k) for k, n in zip(differing, last, strict=True)}
    return [SEPARATOR.join(_shown(k, s.get(k, "none"), short[k]) for k in differing)
            for s in settings]


def caption(settings: Sequence[dict[str, str]]) -> list[str]:
    """What all panels share, in words: dataset, network, estimator, samples, repeats.

    A mean over repeats is "mean of R repeats", followed by "at M of N measured epochs" when
    only M of the N epochs some repeat measured were measured by all R (the others are left
    out of the mean).
    """
    common = {k: v for k, v in settings[0].items() if all(s.get(k) == v for s in settings)}
    network = " ".join(common[k] for k in ("training.activation", "training.hidden")
                       if k in common)
    parts = [common.get("dataset.name", ""), network, common.get("estimator", "")]
    if common.get("samples", "all") != "all":
        parts.append(f"{common['samples']} samples")
    repeats = common.get("repeats", "1")
    if repeats.isdigit() and int(repeats) > 1:
        kept = f" at {common['mean']} measured epochs" if "mean" in common else ""
        parts.append(f"mean of {repeats} repeats{kept}")
    return [part for part in parts if part]
