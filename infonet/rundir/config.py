"""The schema of a run's ``config.json``, and the policy for resuming a run with new flags.

A config is a JSON object::

    dataset       name, data_path (str or null), train_fraction, shuffle, n_samples,
                  n_features, n_classes: what was trained on, and its size
    training      the keys of ``networks.train.TrainingConfig.to_dict`` (hidden, activation,
                  seed, epochs, ...; the keys measuring relies on, adam_epsilon and
                  repeats_together are checked here, the rest by
                  ``TrainingConfig.from_dict`` when a run is resumed; runs from before
                  adam_epsilon and repeats_together lack them, and resume with Keras's
                  epsilon, one repeat at a time; quantize, the bits of quantized activations,
                  is absent from runs before it and means 0, not quantized); for a model
                  file's network (``--model``) those of ``networks.keras_training.ModelTraining``
                  instead (model, model_sha256, layers, seed, epochs, ...;
                  architecture_sha256, the model's architecture without its seeds
                  hashed, ``rundir.snapshots.ModelLayout.architecture_sha256``, checked
                  against every layout.json read, absent from runs before it), and for a run
                  recorded by ``networks.recorder.RunRecorder`` model null, seed null; a
                  run of recorded activations (``networks.activation_recorder``) has
                  model null, ``recorded`` "activations", its layers, pool and framework
    repeats       how many networks were trained (seeds seed, seed + 1, ...)
    preset        the preset named on the command line, or null
    command       the command line that created the run
    versions      python, numpy, tensorflow
    measure       what the run is asked to measure, from the moment it is created: a list of
                  {estimators, schedule, samples}; ``--resume`` measures every entry, and
                  measuring flags given with ``--resume`` add one (runs from before it lack
                  the key)
    measurements  one record per measuring command, appended when it starts measuring
    run_ranges    samples -> repeat -> [low, high]: the run-wide activation range that rows
                  binned on a run-wide range (``range=global``) are binned on; absent until
                  one is measured

Lives here: `RunConfig`, the typed, frozen config (``from_json``/``to_json``, the run's kind,
the resume merge), built from the text by ``parse`` (every known value's type and range
checked) and ``check_complete`` (the keys measuring needs are there), and the memory a network
needs (``repeat_bytes``, ``RunConfig.check_fits_in_memory``). Error messages name the file and
stay one short line (``brief``). Not here: reading or writing files (``rundir.directory``).
No TensorFlow here.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from numbers import Integral, Real
from pathlib import Path

MAX_BITS = 16
"""The most bits a run's quantized activations may have (levels stay exact in float32
arithmetic)."""

REQUIRED = {
    "dataset": ("name", "data_path", "train_fraction", "shuffle", "n_samples"),
    "training": ("hidden", "activation", "seed", "epochs"),
    "repeats": (),
}
"""The sections (and their keys) of config.json that measuring a saved run relies on."""

MODEL_REQUIRED = ("model", "layers", "epochs")
"""What measuring relies on in ``training`` when it holds ``model`` (any Keras model): the
layers measured and the epochs, in place of REQUIRED's."""

RECORDED_ACTIVATIONS = "activations"
"""``training.recorded`` of a recorded run that stores activations, not weights."""

MAX_REPEATS = 100_000
"""More repeats than any experiment trains; a larger count is a damaged file."""


def brief(items: Sequence[object], shown: int = 3) -> str:
    """``items`` joined by commas, at most ``shown`` of them then "and N more" (short errors)."""
    listed = ", ".join(str(item) for item in items[:shown])
    return listed + (f" and {len(items) - shown} more" if len(items) > shown else "")


def _integer(low: int, high: float = math.inf) -> Callable[[object], bool]:
    return lambda v: isinstance(v, Integral) and not isinstance(v, bool) and low <= v <= high


def _text(v: object) -> bool:
    return isinstance(v, str)


def _optional_text(v: object) -> bool:
    return v is None or isinstance(v, str)


def _fraction(v: object) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and 0 < v <= 1


def _positive(v: object) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and 0 < v < math.inf


def _widths(v: object) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(_integer(1)(w) for w in v)


_SECTIONS: dict[str, dict[str, tuple[Callable[[object], bool], str]]] = {
    "dataset": {
        "name": (_text, "a string"),
        "data_path": (_optional_text, "a string or null"),
        "train_fraction": (_fraction, "a number in (0, 1]"),
        "shuffle": (lambda v: isinstance(v, bool), "true or false"),
        "n_samples": (_integer(1), "an integer >= 1"),
        "n_features": (_integer(1), "an integer >= 1"),
        "n_classes": (_integer(2), "an integer >= 2"),
    },
    "training": {
        "hidden": (_widths, "a non-empty list of integers >= 1"),
        "activation": (_text, "a string"),
        "seed": (lambda v: v is None or _integer(0)(v), "an integer >= 0 or null"),
        "epochs": (_integer(1), "an integer >= 1"),
        "model": (_optional_text, "a string or null"),
        "layers": (lambda v: isinstance(v, list) and len(v) > 0 and all(map(_text, v)),
                   "a non-empty list of layer names"),
        "adam_epsilon": (_positive, "a positive number"),
        "repeats_together": (_integer(1), "an integer >= 1"),
        "quantize": (_integer(0, MAX_BITS), f"bits in 0..{MAX_BITS} (0: not quantized)"),
        "recorded": (lambda v: v == RECORDED_ACTIVATIONS, f'"{RECORDED_ACTIVATIONS}"'),
        "architecture_sha256": (lambda v: v is None or (isinstance(v, str) and bool(
            re.fullmatch("[0-9a-f]{64}", v))), "a hex SHA-256 or null"),
    },
}
_VALUES: dict[str, tuple[Callable[[object], bool], str]] = {
    "repeats": (_integer(1, MAX_REPEATS), f"an integer in 1..{MAX_REPEATS}"),
    "preset": (_optional_text, "a string or null"),
    "command": (_text, "a string"),
    "versions": (lambda v: isinstance(v, dict), "an object"),
    "measurements": (lambda v: isinstance(v, list) and all(isinstance(m, dict) for m in v),
                     "a list of objects"),
    "measure": (lambda v: isinstance(v, list) and all(
        isinstance(m, dict) and set(m) == {"estimators", "schedule", "samples"}
        and isinstance(m["estimators"], list) and m["estimators"]
        and all(map(_text, m["estimators"])) and _text(m["schedule"]) and _text(m["samples"])
        for m in v), "a list of {estimators, schedule, samples}"),
    "run_ranges": (lambda v: isinstance(v, dict) and all(
        isinstance(by_repeat, dict) and all(
            isinstance(r, list) and len(r) == 2 and all(isinstance(x, Real) for x in r)
            for r in by_repeat.values())
        for by_repeat in v.values()), "an object of samples -> repeat -> [low, high]"),
}


def parse(text: str, path: Path) -> dict:
    """The config in ``text`` (read from ``path``); ValueError naming the file and the first
    value of a wrong type. Keys it does not know are kept unchecked."""
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path} is not a run's configuration: it holds "
                         f"{type(config).__name__ if config is not None else 'null'}, "
                         "not a JSON object")
    wrong = []
    for section, keys in _SECTIONS.items():
        if section not in config:
            continue
        values = config[section]
        if not isinstance(values, dict):
            wrong.append(f"{section} must be an object")
            continue
        wrong += [f"{section}.{key} must be {what}" for key, (valid, what) in keys.items()
                  if key in values and not valid(values[key])]
    wrong += [f"{key} must be {what}" for key, (valid, what) in _VALUES.items()
              if key in config and not valid(config[key])]
    if wrong:
        raise ValueError(f"{path} is damaged: {brief(wrong, 2)}")
    return config


def check_complete(config: dict, path: Path) -> None:
    """Raise ValueError naming what ``config`` lacks of the REQUIRED settings."""
    required = REQUIRED
    if isinstance(config.get("training"), dict) and "model" in config["training"]:
        required = {**REQUIRED, "training": MODEL_REQUIRED}
    missing = [f"{section}.{key}" if key else section
               for section, keys in required.items()
               for key in ((None,) if section not in config else keys)
               if section not in config or (key and key not in config[section])]
    if missing:
        raise ValueError(f"{path} is not a run's configuration: it lacks {brief(missing, 5)}")


FLAG_OF_KEY = {"hidden": "shape", "shuffle": "keep_order"}
"""config.json keys whose ``main_data.py`` flag has another name."""


def _resumed(stored: dict, new: dict, given: Collection[str]) -> dict:
    """The config a resumed run continues with: ``stored``, its epochs and repeats raised to
    ``new``'s when those flags are in ``given`` (never lowered).

    ``given`` names the flags typed on the command line (click parameter names); each other
    dataset or training setting among them must agree with the stored run (ValueError listing
    the conflicts); flags left at their defaults take the stored values. ``stored`` is not
    changed.
    """
    conflicts = [f"{key}={value!r} (the run has {stored[section].get(key)!r})"
                 for section in ("dataset", "training") for key, value in new[section].items()
                 if key != "epochs" and FLAG_OF_KEY.get(key, key) in given
                 and stored[section].get(key) != value]
    if conflicts:
        raise ValueError(f"cannot resume with different settings: {brief(conflicts)}")
    merged = copy.deepcopy(stored)
    if "epochs" in given:
        merged["training"]["epochs"] = max(new["training"]["epochs"], stored["training"]["epochs"])
    if "repeats" in given:
        merged["repeats"] = max(new["repeats"], stored["repeats"])
    return merged


def parameter_count(sizes: Sequence[int]) -> int:
    """Weights and biases of a dense network of layer widths ``sizes`` (input first)."""
    return sum((fan_in + 1) * width for fan_in, width in pairwise(sizes))


def physical_memory() -> int:
    """Bytes of this machine's physical memory."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def repeat_bytes(sizes: Sequence[int], n_samples: int, batch_size: int) -> int:
    """A floor on the memory one repeat of the built-in network takes in a group of repeats
    trained together: layer widths ``sizes`` (input, hidden..., classes), ``n_samples``
    samples, minibatches of ``batch_size`` (0: full batch).

    16 bytes per parameter (float32 weights, gradients and Adam's two moments), then float32
    activations: two layers of the widest over every sample (evaluating the metrics), and a
    minibatch's activations and gradients in every layer, counted twice.
    """
    hidden = sizes[1:-1]
    batch = n_samples if batch_size == 0 else min(batch_size, n_samples)
    activations = 2 * n_samples * max(hidden) + 4 * batch * (sizes[0] + sum(hidden))
    return 16 * parameter_count(sizes) + 4 * activations


def _check_fits_in_memory(config: RunConfig) -> None:
    """Refuse a network this machine cannot hold before anything is allocated: the repeats
    trained together (``training.repeats_together``, 1 where absent) each take
    ``repeat_bytes``, a floor."""
    if config.kind != NETWORK:
        return  # a model file's network is built, so checked, before anything is written
    data, training = config.dataset, config.training
    hidden = training["hidden"]
    sizes = (data.n_features or 1, *hidden, data.n_classes or 2)
    together = training.get("repeats_together") or 1
    needed = together * repeat_bytes(sizes, data.n_samples, training.get("batch_size", 0))
    available = physical_memory()
    if needed > available:
        networks = (f"{together} repeats trained together (--repeats-together) of a network"
                    if together > 1 else "a network")
        raise ValueError(f"--shape {','.join(map(str, hidden))}: {networks} of "
                         f"{parameter_count(sizes):.3g} parameters "
                         f"need{'' if together > 1 else 's'} at least "
                         f"{_size(needed)} of memory; this machine has {_size(available)}")


def _size(n_bytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n_bytes < 1024:
            return f"{n_bytes:.0f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.3g} PiB"


NETWORK, MODEL, RECORDED = "network", "model", "recorded"
"""The kinds of run: the built-in network, a model file's network (``--model``), and a run
recorded during a user's own training (``RunRecorder``, ``ActivationRecorder``; model null)."""


@dataclass(frozen=True)
class DatasetConfig:
    """config.json's ``dataset``: what was trained on. ``data_path`` is a path or null (for a
    recorded run, its samples file, relative to the run directory); ``n_features`` and
    ``n_classes`` are null in runs from before they were recorded."""

    name: str
    data_path: str | None
    train_fraction: float
    shuffle: bool
    n_samples: int
    n_features: int | None = None
    n_classes: int | None = None


@dataclass(frozen=True)
class Measure:
    """One thing a run is asked to measure: estimator specs, a schedule spec, the samples
    (``all``, ``train`` or ``test``)."""

    estimators: tuple[str, ...]
    schedule: str
    samples: str

    def to_dict(self) -> dict:
        return {"estimators": list(self.estimators), "schedule": self.schedule,
                "samples": self.samples}


@dataclass(frozen=True)
class RunConfig:
    """A run's config.json, typed and frozen (change it with ``dataclasses.replace`` or the
    ``with_*`` methods). ``training`` holds the trainer's own settings (the keys of
    ``networks.train.TrainingConfig`` or ``networks.keras_training.ModelTraining``), read
    through the properties here; ``None`` fields are absent from the file; ``extra`` keeps
    keys this version does not know, written back unchanged."""

    dataset: DatasetConfig
    training: Mapping[str, object]
    repeats: int
    preset: str | None = None
    """The preset named on the command line; always written (null when none)."""
    command: str | None = None
    versions: Mapping[str, object] | None = None
    measure: tuple[Measure, ...] | None = None
    measurements: tuple[Mapping[str, object], ...] | None = None
    run_ranges: Mapping[str, Mapping[str, list[float]]] | None = None
    """samples -> repeat (as text) -> [low, high], the run-wide ranges rows are binned on."""
    extra: Mapping[str, object] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str, path: Path) -> RunConfig:
        """The config in ``text`` (read from ``path``), checked (ValueError naming the file)."""
        values = parse(text, path)
        check_complete(values, path)
        return cls.from_dict(values)

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> RunConfig:
        """From a parsed and complete config.json object (``parse``, ``check_complete``)."""
        values = copy.deepcopy(dict(values))
        data = values.pop("dataset")
        known = {f.name for f in dataclasses.fields(DatasetConfig)}
        measure = values.pop("measure", None)
        measurements = values.pop("measurements", None)
        run_ranges = values.pop("run_ranges", None)
        return cls(
            dataset=DatasetConfig(**{k: v for k, v in data.items() if k in known}),
            training=values.pop("training"), repeats=values.pop("repeats"),
            preset=values.pop("preset", None), command=values.pop("command", None),
            versions=values.pop("versions", None),
            measure=None if measure is None else tuple(
                Measure(tuple(m["estimators"]), m["schedule"], m["samples"]) for m in measure),
            measurements=None if measurements is None else tuple(measurements),
            run_ranges=run_ranges,
            extra={**values, **({"dataset": {k: v for k, v in data.items() if k not in known}}
                                if set(data) - known else {})})

    def to_dict(self) -> dict:
        """The JSON object of config.json (absent fields left out, unknown keys kept)."""
        extra = copy.deepcopy(dict(self.extra))
        dataset = {**extra.pop("dataset", {}), **{
            k: v for k, v in dataclasses.asdict(self.dataset).items()
            if v is not None or k == "data_path"}}
        out = {**extra, "dataset": dataset, "training": copy.deepcopy(dict(self.training)),
               "repeats": self.repeats, "preset": self.preset}
        optional = {"command": self.command, "versions": self.versions,
                    "measure": None if self.measure is None
                    else [m.to_dict() for m in self.measure],
                    "measurements": None if self.measurements is None
                    else [dict(m) for m in self.measurements],
                    "run_ranges": self.run_ranges}
        out.update({k: copy.deepcopy(v) for k, v in optional.items() if v is not None})
        return out

    def to_json(self) -> str:
        """config.json's text: sorted keys, two-space indents, a final newline."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @property
    def kind(self) -> str:
        """NETWORK, MODEL or RECORDED."""
        if "model" not in self.training:
            return NETWORK
        return RECORDED if self.training["model"] is None else MODEL

    @property
    def records_activations(self) -> bool:
        """Whether the run stores its layers' activations (``networks.activation_recorder``)
        rather than weights that measuring recomputes them from."""
        return self.training.get("recorded") == RECORDED_ACTIVATIONS

    @property
    def epochs(self) -> int:
        """The epochs trained (saved epochs are 0..epochs)."""
        return self.training["epochs"]

    @property
    def seed(self) -> int:
        """The seed of the split and of repeat 0 (a recorded run's null seed is 0)."""
        return self.training["seed"] or 0

    @property
    def quantize(self) -> int:
        """Bits of the quantized activations; 0 when not quantized."""
        return self.training.get("quantize") or 0

    @property
    def measures(self) -> tuple[Measure, ...]:
        """What the run is asked to measure (empty for runs from before it was recorded)."""
        return self.measure or ()

    def with_training(self, **changes: object) -> RunConfig:
        """A copy with the given ``training`` keys changed."""
        return dataclasses.replace(self, training={**self.training, **changes})

    def with_measurement(self, record: Mapping[str, object]) -> RunConfig:
        """A copy with ``record`` appended to ``measurements``, unless it repeats the last
        one (the same command resumed after a kill is one measurement)."""
        recorded = self.measurements or ()
        if recorded and dict(recorded[-1]) == dict(record):
            return self
        return dataclasses.replace(self, measurements=(*recorded, dict(record)))

    def run_range(self, samples: str, repeat: int) -> tuple[float, float] | None:
        """The run-wide range ``repeat``'s rows on ``samples`` are binned on; None when none is
        recorded."""
        found = (self.run_ranges or {}).get(samples, {}).get(str(repeat))
        return None if found is None else (found[0], found[1])

    def with_run_ranges(self, samples: str,
                        ranges: Mapping[int, tuple[float, float]]) -> RunConfig:
        """A copy recording ``ranges`` (repeat -> (low, high)) as those of ``samples``; this
        config itself when that changes nothing."""
        changed = {str(r): [low, high] for r, (low, high) in ranges.items()
                   if self.run_range(samples, r) != (low, high)}
        if not changed:
            return self
        known = copy.deepcopy(dict(self.run_ranges or {}))
        known[samples] = {**known.get(samples, {}), **changed}
        return dataclasses.replace(self, run_ranges=known)

    def with_measure(self, measure: Measure) -> RunConfig:
        """A copy asked to measure ``measure`` too (kept once)."""
        if measure in self.measures:
            return self
        return dataclasses.replace(self, measure=(*self.measures, measure))

    def resumed(self, new: RunConfig, given: Collection[str]) -> RunConfig:
        """The config a resumed run continues with: this one, its epochs and repeats raised
        to ``new``'s when those flags are in ``given`` (never lowered).

        ``given`` names the flags typed on the command line (click parameter names); each
        other dataset or training setting among them must agree with the stored run
        (ValueError listing the conflicts); flags left at their defaults take the stored
        values. What the run measures is not merged here (``with_measure``).
        """
        merged = _resumed(self.to_dict(), new.to_dict(), given)
        return RunConfig.from_dict(merged)

    def check_fits_in_memory(self) -> None:
        """ValueError when the built-in network cannot fit this machine's memory."""
        _check_fits_in_memory(self)
