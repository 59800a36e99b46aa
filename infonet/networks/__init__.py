"""The networks: datasets, the model and its training, snapshots, and saved runs.

``from networks import open_run`` opens a saved run for Python (``networks.run``);
``from networks import RunRecorder`` gives the Keras callback that records a user's own
``model.fit`` as a run (``networks.recorder``); ``ActivationRecorder`` records any
framework's layer outputs (``networks.activation_recorder``) and ``TorchRecorder`` a PyTorch
model's named modules through forward hooks (``networks.torch_recorder``; torch is an
optional dependency). All are imported on first use, so importing any module of this
package stays light (no TensorFlow, no torch).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ActivationRecorder", "RunRecorder", "TorchRecorder", "open_run"]


def __getattr__(name: str) -> Any:
    if name == "open_run":
        from infonet.networks.run import open_run

        return open_run
    if name == "ActivationRecorder":
        from infonet.networks.activation_recorder import ActivationRecorder

        return ActivationRecorder
    if name == "TorchRecorder":
        from infonet.networks.torch_recorder import TorchRecorder

        return TorchRecorder
    if name == "RunRecorder":
        import infonet.networks.quiet_start  # noqa: F401  (before TensorFlow)
        from infonet.networks.recorder import RunRecorder

        return RunRecorder
    raise AttributeError(f"module 'networks' has no attribute {name!r}")
