"""Training a PyTorch model of a user's file (``--model FILE.py:FUNCTION`` returning a
``torch.nn.Module``), one repeat at a time, its layers' activations recorded every epoch.

``torch_model_training`` builds repeat 0's module and checks it before anything is written:
it takes (N, input_dim) float32 and gives (N, n_classes) class probabilities (non-negative
rows summing to 1, as for a Keras model: end it with a softmax), and every measured module
(``layers``, names of ``model.named_modules()``; by default every direct child that is not a
pass-through, ``PASS_THROUGH``) runs exactly once in a forward pass.

``train_torch_repeat`` then trains repeat r as the run's settings say, in PyTorch: the
module built after ``torch.manual_seed(seed + r)`` by ``FUNCTION(input_dim, n_classes, seed +
r)``; ``--optimizer adam`` is ``torch.optim.Adam(lr, betas=(0.9, 0.999), eps=--adam-epsilon)``,
``sgd`` plain ``torch.optim.SGD(lr)``; epoch e visits the training samples in
``networks.train.epoch_order(seed + r, e, n_train)`` in minibatches of ``--batch-size`` (0:
full batch), in training mode, with the mean cross-entropy of the probabilities clipped to
[1e-7, 1 - 1e-7] as Keras clips them; PyTorch's deterministic algorithms are on. After every
epoch (and at epoch 0, before training) the measured modules' outputs on all samples, in
inference mode, are recorded (``networks.torch_recorder.hooked_outputs``,
``networks.activation_recorder``): the run stores activations, not weights, so measuring
never imports torch. metrics.csv gets the mean cross-entropy (nats) and accuracy of both sets
in inference mode; each repeat's ``state.npy`` the epoch, every tensor of
``model.state_dict()`` (parameters and buffers) and the optimizer's state (Adam's step and
moments), all as float64 (exact for float32 values and integer counters below 2**53), so
``--resume`` continues bit for bit on the same machine. No pickle: no ``torch.save``. A
network whose outputs become NaN or inf stops the run with one error at that epoch (the
epochs before it are kept and measurable), where a Keras network is recorded as nan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from infonet.networks.activation_recorder import METRICS, ActivationRecorder
from infonet.networks.model_file import (
    ModelFile,
    ModelFileTraining,
    check_probability_rows,
    probe_inputs,
)
from infonet.networks.progress import Progress
from infonet.networks.torch_recorder import hooked_outputs, named_modules
from infonet.networks.train import check_optimization, epoch_order
from infonet.rundir import directory as run_directory
from infonet.rundir.config import RECORDED_ACTIVATIONS, RunConfig
from infonet.rundir.snapshots import POOLS, read_state

BLOCK = 1024
"""Samples per forward pass when recording and evaluating."""

PASS_THROUGH = (torch.nn.Identity, torch.nn.Flatten, torch.nn.Unflatten, torch.nn.Dropout,
                torch.nn.Dropout1d, torch.nn.Dropout2d, torch.nn.Dropout3d,
                torch.nn.AlphaDropout, torch.nn.FeatureAlphaDropout)
"""Module classes not measured by default: the identity in inference mode, or a reshape."""

CLIP = 1e-7
"""Probabilities are clipped to [CLIP, 1 - CLIP] in the cross-entropy, as Keras does."""


@dataclass(frozen=True)
class TorchTraining(ModelFileTraining):
    """config.json's ``training`` of a PyTorch ``--model`` run: ``model`` the
    ``FILE.py:FUNCTION``, ``model_sha256`` its file's SHA-256, ``layers`` the measured
    modules' names, ``pool`` how their token outputs are recorded; the rest as
    ``networks.keras_training.ModelTraining``; ``framework`` and ``recorded`` say that the
    run stores PyTorch activations."""

    model: str
    model_sha256: str
    layers: tuple[str, ...]
    pool: str = POOLS[0]
    framework: str = "torch"
    recorded: str = RECORDED_ACTIVATIONS

    def __post_init__(self) -> None:
        ModelFile.parse(self.model)
        object.__setattr__(self, "layers", tuple(self.layers))
        if self.pool not in POOLS:
            raise ValueError(f"pool must be one of {', '.join(POOLS)}, got {self.pool!r}")
        check_optimization(self.optimizer, self.learning_rate, self.batch_size, self.epochs,
                           self.seed, self.adam_epsilon)


def build_torch(model_file: ModelFile, input_dim: int, n_classes: int,
                seed: int) -> torch.nn.Module:
    """The file's module for ``seed``, built after ``torch.manual_seed(seed)``."""
    torch.manual_seed(seed)
    model = model_file.call(input_dim, n_classes, seed)
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"{model_file.spec} returned {type(model).__name__}, not a "
                         "torch.nn.Module")
    return model


def default_layers(model: torch.nn.Module) -> tuple[str, ...]:
    """The direct children of ``model`` that are not ``PASS_THROUGH``, in order."""
    return tuple(name for name, child in model.named_children()
                 if not isinstance(child, PASS_THROUGH))


def torch_model_training(spec: str, layers: tuple[str, ...] | None, pool: str, input_dim: int,
                         n_classes: int, **settings: object) -> TorchTraining:
    """The training config of the PyTorch model file ``spec``, its module built once and
    checked (see the module) before anything is written; ValueError of one line."""
    model_file = ModelFile.parse(spec)
    model = build_torch(model_file, input_dim, n_classes, int(settings.get("seed", 0)))
    names = default_layers(model) if layers is None else layers
    if not names:
        raise ValueError(f"{spec}: the module has no child module to measure; name them "
                         "with --layers")
    modules = named_modules(model, names)
    X = probe_inputs(input_dim)
    try:
        with torch.no_grad():
            p = model.eval()(torch.as_tensor(X))
        outputs = hooked_outputs(model, modules, X, len(X))
    except ValueError as error:
        raise ValueError(f"{spec}: {error}") from None
    except Exception as error:  # the user's module: any failure in one line
        raise ValueError(f"{spec}: the module fails on (N, {input_dim}) float32 inputs: "
                         f"{type(error).__name__}: {str(error).splitlines()[0]}") from None
    if not isinstance(p, torch.Tensor) or tuple(p.shape) != (len(X), n_classes):
        raise ValueError(f"{spec}: the module must give (N, {n_classes}) class probabilities "
                         f"for (N, {input_dim}) inputs, got "
                         f"{tuple(p.shape) if isinstance(p, torch.Tensor) else type(p).__name__}")
    check_probability_rows(p.numpy(), spec)
    for name, output in outputs.items():
        if output.ndim < 2 or output.dtype.kind != "f":
            raise ValueError(f"{spec}: module {name!r} gives {output.dtype} of shape "
                             f"{output.shape[1:]} per sample, not float values")
    return TorchTraining(spec, model_file.sha256(), tuple(names), pool, **settings)


class TorchEpochs:
    """A module, its optimizer and the training data: one epoch trained, the metrics of both
    sets, and the state to resume from as one float64 vector."""

    def __init__(self, model: torch.nn.Module, config: TorchTraining, X_train: np.ndarray,
                 y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray) -> None:
        self.model = model
        parameters = list(model.parameters())
        self.optimizer = (torch.optim.Adam(parameters, lr=config.learning_rate,
                                           betas=(0.9, 0.999), eps=config.adam_epsilon)
                          if config.optimizer == "adam"
                          else torch.optim.SGD(parameters, lr=config.learning_rate))
        dtype = parameters[0].dtype if parameters else torch.float32
        self.sets = [(torch.as_tensor(X, dtype=dtype), torch.as_tensor(y, dtype=torch.int64))
                     for X, y in ((X_train, y_train), (X_test, y_test))]
        n_train = len(y_train)
        self.batch = n_train if config.batch_size == 0 else min(config.batch_size, n_train)

    def train(self, order: np.ndarray) -> None:
        """One epoch in training mode, visiting the training samples in ``order``."""
        X, y = self.sets[0]
        order = torch.as_tensor(order)
        self.model.train()
        for start in range(0, len(order), self.batch):
            batch = order[start : start + self.batch]
            self.optimizer.zero_grad()
            _cross_entropy(self.model(X[batch]), y[batch]).mean().backward()
            self.optimizer.step()

    def evaluate(self) -> dict[str, float]:
        """Train and test loss (mean cross-entropy, nats) and accuracy in inference mode;
        nan for an empty test set."""
        modes = {module: module.training for module in self.model.modules()}
        values = []
        self.model.eval()
        with torch.no_grad():
            for X, y in self.sets:
                sums = np.zeros(2)
                for start in range(0, len(y), BLOCK):
                    p = self.model(X[start : start + BLOCK])
                    sums += (float(_cross_entropy(p, y[start : start + BLOCK]).double().sum()),
                             float((p.argmax(dim=1) == y[start : start + BLOCK]).sum()))
                values += list(sums / len(y)) if len(y) else [np.nan, np.nan]
        for module, training in modes.items():
            module.training = training
        return dict(zip(METRICS, values, strict=True))

    def state(self) -> np.ndarray:
        """The module's tensors, then the optimizer's, flattened, as float64."""
        return np.concatenate([t.detach().cpu().numpy().astype(np.float64).ravel()
                               for t in self._tensors()] or [np.empty(0)])

    def restore(self, state: np.ndarray) -> None:
        """Set every tensor as ``state`` gave it (an optimizer that had not stepped yet has
        no state: then only the module's tensors)."""
        module = list(self.model.state_dict().values())
        if len(state) > sum(t.numel() for t in module):
            for parameter in self.model.parameters():  # a zero step creates the state
                parameter.grad = torch.zeros_like(parameter)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        tensors = self._tensors()
        sizes = [t.numel() for t in tensors]
        if sum(sizes) != len(state):
            raise ValueError(f"cannot resume: the saved training state holds {len(state)} "
                             f"values, the module and its optimizer need {sum(sizes)}")
        with torch.no_grad():
            for tensor, values in zip(tensors, np.split(state, np.cumsum(sizes)[:-1]),
                                      strict=True):
                tensor.copy_(torch.as_tensor(values.reshape(tensor.shape)))

    def _tensors(self) -> list[torch.Tensor]:
        module = list(self.model.state_dict().values())
        optimizer = [self.optimizer.state[p][key] for p in self.model.parameters()
                     if p in self.optimizer.state for key in sorted(self.optimizer.state[p])]
        return module + optimizer


def _cross_entropy(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Each sample's cross-entropy (nats) of its clipped class probabilities."""
    return -torch.log(p.gather(1, y[:, None]).clamp(CLIP, 1 - CLIP))[:, 0]


def train_torch_repeat(X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray,
                       n_classes: int, config: RunConfig, run_dir: Path, repeat: int,
                       resume: bool = False, progress: bool = True) -> None:
    """Train repeat ``repeat`` of the run's PyTorch model file for its epochs, recording
    epochs 0..epochs of its measured modules on all samples ``X`` (N, D), labels ``y``;
    ``train`` and ``test`` index the split. With ``resume`` a repeat continues from its last
    recorded epoch. The caller holds the run's lock and wrote config.json."""
    training = TorchTraining.from_dict(dict(config.training))
    directory = run_directory.snapshot_dir(run_dir, repeat)
    state = read_state(directory) if resume else None
    completed = -1 if state is None else state[0]
    if completed >= training.epochs:
        return
    torch.use_deterministic_algorithms(True)
    seed = training.seed + repeat
    model = build_torch(training.model_file, X.shape[1], n_classes, seed)
    epochs = TorchEpochs(model, training, X[train], y[train], X[test], y[test])
    if state is not None:
        epochs.restore(state[1])
    modules = named_modules(model, training.layers)
    with ActivationRecorder.under_lock(run_dir, config, X, y, repeat, completed) as recorder, \
            Progress(f"training repeat {repeat}", "epoch", total=training.epochs,
                     initial=max(completed, 0), enabled=progress) as bar:
        for epoch in range(completed + 1, training.epochs + 1):
            if epoch:
                epochs.train(epoch_order(seed, epoch, len(train)))
            recorder.epoch(epoch, hooked_outputs(model, modules, X, BLOCK), repeat,
                           epochs.evaluate(), epochs.state())
            if epoch:
                bar.advance(1)
