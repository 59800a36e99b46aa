"""A user's model file: ``FILE.py:FUNCTION`` loaded, its text hashed, its model built and checked.

``--model FILE.py:FUNCTION`` names a Python file and a function in it; ``FUNCTION(input_dim,
n_classes, seed)`` must return an uncompiled ``keras.Model`` (or a ``torch.nn.Module``,
trained by ``networks.torch_training``) taking the dataset's flat feature vector, (N,
input_dim) float32, and giving (N, n_classes) class probabilities (it may reshape inside).
``zoo:FILE.py:FUNCTION`` names a file of the toolkit's own ``networks/model_zoo/`` (the
presets' CNNs and transformer), wherever the toolkit is installed; config.json records that portable
spec, not the absolute path. ``ModelFile.parse`` reads the spec, ``sha256`` hashes the
file's bytes (config.json records it, and a resumed run refuses a changed file), ``build``
imports the file, calls the function and checks what it returns (``sys.exit`` in the file is
an error too); ``check_probabilities`` refuses a model giving logits. Every failure is a
ValueError of one line naming the file and what is wrong, so the commands report it as
``error: ...`` before anything is written.
Importing a model file runs its code: it is the user's own program, trusted like any script
they run. Training lives in ``networks.keras_training``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from infonet.networks.model import OPTIMIZERS

if TYPE_CHECKING:
    import keras


ZOO = "zoo:"
"""Prefix of a model file of the toolkit's own ``networks/model_zoo/`` (``zoo:cnn.py:...``)."""
ZOO_DIR = Path(__file__).parent / "model_zoo"


@dataclass(frozen=True)
class ModelFile:
    """``path`` of a Python file and the ``function`` in it that builds the model; ``spec``
    the spec as typed (``FILE.py:FUNCTION`` or ``zoo:FILE.py:FUNCTION``)."""

    path: Path
    function: str
    spec: str = ""

    def __post_init__(self) -> None:
        if not self.spec:
            object.__setattr__(self, "spec", f"{self.path}:{self.function}")

    @classmethod
    def parse(cls, spec: str) -> ModelFile:
        """``[zoo:]FILE.py:FUNCTION`` as a ModelFile; ValueError when the spec is malformed."""
        path, colon, function = spec.removeprefix(ZOO).rpartition(":")
        if not colon or not path.endswith(".py") or not function.isidentifier():
            raise ValueError(f"--model must be FILE.py:FUNCTION, got {spec!r}")
        if spec.startswith(ZOO):
            if Path(path).name != path:
                raise ValueError(f"--model {spec}: a zoo model is a file name of "
                                 f"{ZOO_DIR.name}/, without folders")
            return cls(ZOO_DIR / path, function, spec)
        return cls(Path(path), function, spec)

    def sha256(self) -> str:
        """The hex SHA-256 of the file's bytes; ValueError when it cannot be read."""
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except FileNotFoundError:
            raise ValueError(f"model file {self.path} does not exist") from None
        except OSError as error:
            raise ValueError(f"model file {self.path} cannot be read ({error.strerror})") \
                from None

    def check_unchanged(self, sha256: str) -> None:
        """ValueError unless the file still has the text whose SHA-256 is ``sha256``."""
        if self.sha256() != sha256:
            raise ValueError(f"cannot resume: model file {self.path} changed since the run "
                             "was trained (its sha256 differs from config.json's)")

    def call(self, input_dim: int, n_classes: int, seed: int) -> object:
        """What the function returns for these arguments; ValueError of one line when the
        file or the function fails."""
        function = self._function()
        try:
            return function(input_dim, n_classes, seed)
        except SystemExit as error:  # sys.exit() in the user's code is no model either
            raise ValueError(f"{self.spec} called sys.exit({error.code!r}) instead of "
                             "returning a model") from None
        except Exception as error:  # the user's code: any failure is reported in one line
            raise ValueError(f"{self.spec} raised {type(error).__name__}: {error}") from None

    def returns_torch(self, input_dim: int, n_classes: int, seed: int) -> bool:
        """Whether the function returns a ``torch.nn.Module`` (trained in PyTorch) rather
        than a Keras model; torch is looked for only when the file imported it."""
        model = self.call(input_dim, n_classes, seed)
        torch = sys.modules.get("torch")
        return torch is not None and isinstance(model, torch.nn.Module)

    def build(self, input_dim: int, n_classes: int, seed: int) -> keras.Model:
        """The function's model for (N, input_dim) inputs and ``n_classes`` classes, checked:
        a ``keras.Model`` whose input is (None, input_dim) and output (None, n_classes)."""
        import keras

        model = self.call(input_dim, n_classes, seed)
        if not isinstance(model, keras.Model):
            raise ValueError(f"{self.spec} returned {type(model).__name__}, not a keras.Model")
        check_fits(model, input_dim, n_classes, self.spec)
        return model

    def _function(self) -> object:
        self.sha256()  # a missing or unreadable file gets its own clear line
        name = f"_model_file_{hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:16]}"
        spec = importlib.util.spec_from_file_location(name, self.path)
        if spec is None or spec.loader is None:
            raise ValueError(f"model file {self.path} is not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling-free decorators look it up
        try:
            spec.loader.exec_module(module)
        except SystemExit as error:
            del sys.modules[name]
            raise ValueError(f"model file {self.path} called sys.exit({error.code!r}) while "
                             "it was imported") from None
        except Exception as error:  # the user's code
            del sys.modules[name]
            raise ValueError(f"model file {self.path} failed to import: "
                             f"{type(error).__name__}: {error}") from None
        function = getattr(module, self.function, None)
        if not callable(function):
            raise ValueError(f"model file {self.path} has no function {self.function}")
        return function


@dataclass(frozen=True, kw_only=True)
class ModelFileTraining:
    """What the training configs of a model file's network share
    (``networks.keras_training.ModelTraining`` for Keras,
    ``networks.torch_training.TorchTraining`` for PyTorch, frozen dataclasses adding
    ``model``, ``model_sha256`` and ``layers``): how it is optimised (as
    ``networks.train.TrainingConfig``: ``batch_size`` 0 = full batch; repeat r uses seed
    ``seed + r``; ``adam_epsilon`` is Adam's epsilon), the file, the check that it is
    unchanged, and config.json's ``training`` dict."""

    optimizer: str = OPTIMIZERS[0]
    learning_rate: float = 4e-4
    batch_size: int = 256
    epochs: int = 2000
    seed: int = 0
    adam_epsilon: float = 1e-7

    @property
    def model_file(self) -> ModelFile:
        """The model file and function."""
        return ModelFile.parse(self.model)

    def check_unchanged(self) -> None:
        """ValueError unless the model file still has the text it was trained from."""
        self.model_file.check_unchanged(self.model_sha256)

    def to_dict(self) -> dict:
        """A JSON-ready dict (``layers`` as a list)."""
        return {**dataclasses.asdict(self), "layers": list(self.layers)}

    @classmethod
    def from_dict(cls, values: dict) -> ModelFileTraining:
        """The config ``to_dict`` wrote; unknown keys are an error."""
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**values)


def check_fits(model: keras.Model, input_dim: int, n_classes: int, name: str) -> None:
    """ValueError unless ``model`` takes (None, input_dim) and gives (None, n_classes)."""
    inputs, outputs = _shapes(model, "inputs"), _shapes(model, "outputs")
    if inputs is None or outputs is None:
        raise ValueError(f"{name}: the model has no defined inputs and outputs (build it on "
                         "keras.Input((input_dim,)))")
    if inputs != [(None, input_dim)]:
        raise ValueError(f"{name}: the model takes inputs of shape {_listed(inputs)}, the "
                         f"dataset gives (None, {input_dim})")
    if outputs != [(None, n_classes)]:
        raise ValueError(f"{name}: the model gives outputs of shape {_listed(outputs)}, the "
                         f"dataset has {n_classes} classes: (None, {n_classes})")


PROBABILITY_TOLERANCE = 1e-3
"""How far from 1 a row of a model's float32 outputs may sum and still be probabilities."""


def check_probabilities(model: keras.Model, input_dim: int, name: str) -> None:
    """ValueError unless ``model`` gives class probabilities (non-negative rows summing to 1)
    on a few fixed random inputs (N(0, 1), seeded), in inference mode: a model ending without
    a softmax gives logits, which the training loss (a cross-entropy of probabilities) and
    the measured output layer would both misread."""
    check_probability_rows(np.asarray(model(probe_inputs(input_dim), training=False)), name)


def probe_inputs(input_dim: int) -> np.ndarray:
    """The few fixed random inputs (8, input_dim) a model's outputs are checked on."""
    return np.random.default_rng(0).standard_normal((8, input_dim)).astype(np.float32)


def check_probability_rows(p: np.ndarray, name: str) -> None:
    """ValueError naming ``name`` unless the rows of ``p`` are class probabilities."""
    p = np.asarray(p, dtype=np.float64)
    sums = p.sum(axis=1)
    if p.min() < 0 or np.abs(sums - 1).max() > PROBABILITY_TOLERANCE or not np.isfinite(p).all():
        worst = sums[np.argmax(np.abs(sums - 1))]
        raise ValueError(f"{name}: the model's outputs are not class probabilities (a row sums "
                         f"to {worst:.4g}{', with negative values' if p.min() < 0 else ''}): "
                         "end it with a softmax, not logits")


def _shapes(model: keras.Model, which: str) -> list[tuple] | None:
    try:
        tensors = getattr(model, which)
    except (AttributeError, ValueError):
        return None
    if not tensors:
        return None
    return [tuple(tensor.shape) for tensor in tensors]


def _listed(shapes: list[tuple]) -> str:
    return ", ".join(str(shape) for shape in shapes)
