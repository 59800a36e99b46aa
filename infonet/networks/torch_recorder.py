"""``TorchRecorder``: a PyTorch model's named modules recorded, epoch by epoch, in the user's loop.

    from infonet.networks import TorchRecorder
    with TorchRecorder("runs/torch", model, X, y, layers=["net.1", "net.3", "net.5"]) as rec:
        rec.record(0)                                   # the network before training
        for epoch in range(1, 101):
            train_one_epoch(model, optimizer)           # the user's own loop
            rec.record(epoch, metrics={"train_loss": loss})

``layers`` are names of ``model.named_modules()``. ``record`` registers a forward hook on
each, runs the fixed samples ``X`` through the model in inference mode (``model.eval()``
and ``torch.no_grad()``) in blocks of ``block`` samples on the model's device and dtype,
removes the hooks and gives every module the training mode it had; the hooked outputs (a
module returning a tuple, as ``nn.MultiheadAttention`` does, gives its first element) are
recorded as ``networks.activation_recorder.ActivationRecorder``, which it extends, records
them (stored
activations, checked, crash-safe, resumable, locked; the module says how). No weights are
stored and nothing is pickled.

Bad input is a ValueError naming it before anything of that epoch is written: a name that
is not a module of the model (the message lists some that are), a module that does not run
in the forward pass or runs more than once (its output would be ambiguous), and whatever
``ActivationRecorder`` refuses (NaN, a width that changes between epochs).

torch is an optional dependency (``requirements-extras.txt``); this module imports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from infonet.networks.activation_recorder import ActivationRecorder
from infonet.rundir.config import brief


class TorchRecorder(ActivationRecorder):
    """Records ``model``'s modules ``layers`` on the samples ``X`` (N, ...) with labels ``y``
    (N,) into ``run_dir``; ``pool``, ``repeats``, ``epochs``, ``n_classes``, ``resume`` and
    ``wait`` as ``ActivationRecorder`` takes them (and ``next_epoch``, ``close``, the
    ``with`` block); ``block`` samples per forward pass."""

    def __init__(self, run_dir: str | Path, model: torch.nn.Module, X: np.ndarray,
                 y: np.ndarray, layers: Sequence[str], *, pool: str = "flatten",
                 block: int = 1024, repeats: int = 1, epochs: int = 1,
                 n_classes: int | None = None, resume: bool = False,
                 wait: bool = False) -> None:
        self.modules = named_modules(model, layers)
        if not (isinstance(block, int) and block >= 1):
            raise ValueError(f"block must be an integer >= 1, got {block!r}")
        self.model, self.block = model, block
        self.inputs = np.asarray(X)
        super().__init__(run_dir, X, y, layers, pool=pool, repeats=repeats, epochs=epochs,
                         n_classes=n_classes, framework="torch", resume=resume, wait=wait,
                         command="TorchRecorder")

    def record(self, epoch: int, repeat: int = 0,
               metrics: Mapping[str, float] | None = None) -> bool:
        """Record the model as it is now as ``epoch`` of ``repeat`` (False, nothing run, for
        an epoch already recorded); ValueError naming the problem, nothing written."""
        if epoch < self.next_epoch(repeat):
            return False
        return self.epoch(epoch, self.outputs(), repeat, metrics)

    def outputs(self) -> dict[str, np.ndarray]:
        """Each recorded module's output on all the samples, in inference mode, as NumPy."""
        return hooked_outputs(self.model, self.modules, self.inputs, self.block)


def named_modules(model: torch.nn.Module,
                  layers: Sequence[str]) -> list[tuple[str, torch.nn.Module]]:
    """(name, module) of each of ``layers`` in ``model.named_modules()``; ValueError naming
    the first the model lacks, and some it has."""
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    modules = dict(model.named_modules())
    unknown = [name for name in layers if name not in modules or not name]
    if unknown:
        named = [name for name in modules if name]
        raise ValueError(f"module {unknown[0]!r} is not in the model's named_modules(); "
                         f"it has {brief(named, 8)}")
    return [(name, modules[name]) for name in layers]


def hooked_outputs(model: torch.nn.Module, modules: Sequence[tuple[str, torch.nn.Module]],
                   X: np.ndarray, block: int) -> dict[str, np.ndarray]:
    """Name -> the output of each of ``modules`` on the inputs ``X``, run through ``model``
    in inference mode in blocks of ``block`` samples on its device and dtype (see the
    module); every module's training mode restored."""
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    dtype = parameter.dtype if parameter is not None else torch.float32
    parts: dict[str, list[torch.Tensor]] = {name: [] for name, _ in modules}
    calls: dict[str, int] = {}

    def hook(name: str):
        def keep(module: torch.nn.Module, inputs: object, output: object) -> None:
            calls[name] = calls.get(name, 0) + 1
            output = output[0] if isinstance(output, tuple | list) else output
            parts[name].append(output.detach())
        return keep

    modes = {module: module.training for module in model.modules()}
    handles = [module.register_forward_hook(hook(name)) for name, module in modules]
    try:
        model.eval()
        with torch.no_grad():
            for start in range(0, len(X), block):
                calls.clear()
                model(torch.as_tensor(X[start : start + block], dtype=dtype, device=device))
                _check_calls(modules, calls)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training
    return {name: torch.cat(part).cpu().numpy() for name, part in parts.items()}


def _check_calls(modules: Sequence[tuple[str, torch.nn.Module]], calls: dict[str, int]) -> None:
    for name, _ in modules:
        if calls.get(name, 0) != 1:
            how = "does not run" if name not in calls else f"runs {calls[name]} times"
            raise ValueError(f"module {name!r} {how} in the model's forward pass: a recorded "
                             "module must run exactly once per input")
