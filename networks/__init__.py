"""The networks: datasets, the model and its training, snapshots, and saved runs.

``from networks import open_run`` opens a saved run for Python (``networks.run``); it is
imported on first use, so importing any module of this package stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["open_run"]


def __getattr__(name: str) -> Any:
    if name == "open_run":
        from networks.run import open_run

        return open_run
    raise AttributeError(f"module 'networks' has no attribute {name!r}")
