"""A quiet start for TensorFlow: its start-up lines kept off the terminal, its numerics untouched.

Importing this module (the commands do, before anything imports TensorFlow) does three things
and nothing else; it does not import TensorFlow, so processes that do not train never load it:

- ``TF_CPP_MIN_LOG_LEVEL`` defaults to 1 (TensorFlow's C++ INFO lines hidden, warnings and
  errors shown) unless the user has set it. ``TF_ENABLE_ONEDNN_OPTS`` is never touched: it
  changes the arithmetic, hence the weights of a run.
- The first ``import tensorflow`` runs with file descriptor 2 (standard error) captured.
  Lines TensorFlow's C++ code writes there while loading before its log level is read (absl's
  "All log messages before absl::InitializeLog()", oneDNN's and the CPU feature guard's INFO
  lines, CUDA plugin registration messages) are dropped; every other line is written to
  standard error once the import is over, so real errors stay visible.
- Keras runs on TensorFlow, the only backend this tool trains and measures with:
  ``KERAS_BACKEND`` defaults to ``tensorflow`` (over ``~/.keras/keras.json``), and the first
  ``import keras`` with any other value raises one ValueError naming the variable
  (``check_keras_backend``), which the commands report as their ``error:`` line, instead of
  Keras's traceback for a backend it cannot import.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
KERAS_BACKEND = "KERAS_BACKEND"

_START_UP_NOISE = re.compile(
    r"^(?:[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]"  # absl INFO and WARNING lines
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: .* rebuild TensorFlow"
    r"|E\d{4} .*Unable to register cu(?:DNN|FFT|BLAS) factory)"
)
"""Lines TensorFlow writes to standard error while it is imported, none of them an error."""


def start_up_noise(line: str) -> bool:
    """Whether ``line`` is one of TensorFlow's start-up lines (see the module doc)."""
    return bool(_START_UP_NOISE.match(line))


@contextmanager
def stderr_filtered() -> Iterator[None]:
    """Capture file descriptor 2 inside the block; then write back the lines that are not
    start-up noise. Without a usable descriptor 2 the block runs uncaptured."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode(errors="replace")
            kept = [line for line in text.splitlines(keepends=True) if not start_up_noise(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    """Loads a module with its loader, standard error filtered while the module runs."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = module.__spec__.loader = self._loader
        with stderr_filtered():
            self._loader.exec_module(module)


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds the package ``name`` as usual, once, and has it loaded by a `_QuietLoader`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_import(name: str) -> None:
    """Have the first import of the top-level package ``name`` filter its start-up lines."""
    if name not in sys.modules and not any(
        isinstance(finder, _QuietFinder) and finder.name == name for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _QuietFinder(name))


def check_keras_backend() -> None:
    """ValueError naming ``KERAS_BACKEND`` unless it is ``tensorflow``."""
    backend = os.environ.get(KERAS_BACKEND)
    if backend != "tensorflow":
        raise ValueError(f"{KERAS_BACKEND}={backend!r}: this tool runs Keras on TensorFlow; "
                         f"unset {KERAS_BACKEND} or set it to tensorflow")


class _KerasBackendCheck(importlib.abc.MetaPathFinder):
    """Runs ``check_keras_backend`` when ``keras`` is about to be imported; finds nothing."""

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> None:
        if fullname == "keras":
            check_keras_backend()


os.environ.setdefault(LOG_LEVEL, "1")
os.environ.setdefault(KERAS_BACKEND, "tensorflow")
quiet_import("tensorflow")
if "keras" not in sys.modules and not any(isinstance(f, _KerasBackendCheck)
                                          for f in sys.meta_path):
    sys.meta_path.insert(0, _KerasBackendCheck())
