"""The versions a run is made with, recorded in its config.json: the toolkit's own version and
git commit (null outside a git checkout), Python, NumPy, TensorFlow and Keras.

``versions`` imports TensorFlow (only the commands that train call it); ``package_versions``
reads installed versions without importing anything (a recorded run's framework).
"""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np

TOOLKIT_VERSION = "0.9.0"
"""This toolkit's version."""


def git_commit() -> str | None:
    """The toolkit checkout's commit (40 hex digits, ``+dirty`` when files differ from it),
    or None when the toolkit is not run from a git checkout (an installed copy: even one in a
    virtual environment inside a checkout, whose commit may not be the copy's) or git is
    missing."""
    root = Path(__file__).resolve().parents[2]  # the checkout holding the infonet package
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                             check=True, capture_output=True, text=True, timeout=10).stdout
        if Path(top.strip()).resolve() != root:
            return None
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        changed = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                  "--untracked-files=no"], check=True, capture_output=True,
                                 text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if changed else "")


def _own_versions() -> dict[str, str | None]:
    return {"toolkit": TOOLKIT_VERSION, "git_commit": git_commit(),
            "python": platform.python_version(), "numpy": np.__version__}


def versions() -> dict[str, str | None]:
    """What config.json records under ``versions``."""
    import keras
    import tensorflow as tf

    return {**_own_versions(), "tensorflow": tf.__version__, "keras": keras.__version__}


def package_versions(packages: tuple[str, ...]) -> dict[str, str | None]:
    """``versions`` of a run made without TensorFlow: the toolkit's, Python's, NumPy's and
    each installed distribution's of ``packages`` (e.g. ``torch``), none imported."""
    found = {}
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {**_own_versions(), **found}
