"""What recording costs a PyTorch loop: ms per epoch of ``TorchRecorder.record`` beside the
training epoch's own cost, measured in the same run.

    python benchmarks/bench_torch_recorder.py              # ~10 s (200 epochs)
    python benchmarks/bench_torch_recorder.py --epochs 1000

The tanh 12-10-7-5-4-3-2 network on the Tishby set's 4096 samples, trained by a plain
PyTorch loop (Adam 1e-3, minibatches of 256, one thread); after each epoch ``record``
stores its 5 hidden layers (31 units) on all 4096 samples: the forward pass in inference
mode through the hooks, then the row (508 KiB), the metrics row and the state file written
as every run writes them (``rundir.snapshots.EpochWriter``). Printed per epoch, as medians
and 90th percentiles: the training epoch, ``record`` as a whole, and its two parts (the
hooked forward pass, ``TorchRecorder.outputs``; the checks and the writes,
``ActivationRecorder.epoch``), each timed on its own in interleaved calls.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infonet.data.datasets import load_dataset  # noqa: E402
from infonet.networks import TorchRecorder  # noqa: E402
from tests.model_files.torch_loop import tanh_network  # noqa: E402

HIDDEN = ["1", "3", "5", "7", "9"]
"""The Tanh modules of the five hidden layers."""


def _ms(times: list[float]) -> str:
    return f"median {1e3 * np.median(times):6.2f} ms, 90th percentile " \
           f"{1e3 * np.percentile(times, 90):6.2f} ms"


@click.command()
@click.option("--epochs", default=200, show_default=True, help="Epochs trained and recorded.")
def main(epochs: int) -> None:
    torch.set_num_threads(1)
    data = load_dataset("tishby")
    X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
    model = tanh_network(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.Generator().manual_seed(0)
    timed: dict[str, list[float]] = {"training": [], "record": [], "forward": [], "write": []}
    with tempfile.TemporaryDirectory() as folder, TorchRecorder(
            Path(folder) / "run", model, data.X, data.y, HIDDEN,
            epochs=2 * epochs) as recorder:
        recorder.record(0)
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            for batch in torch.randperm(len(y), generator=order).split(256):
                optimizer.zero_grad()
                loss = torch.nn.functional.nll_loss(torch.log(model(X[batch])), y[batch])
                loss.backward()
                optimizer.step()
            trained = time.perf_counter()
            recorder.record(2 * epoch - 1, metrics={"train_loss": loss.item()})
            recorded = time.perf_counter()
            outputs = recorder.outputs()
            forward = time.perf_counter()
            recorder.epoch(2 * epoch, outputs)
            written = time.perf_counter()
            timed["training"].append(trained - start)
            timed["record"].append(recorded - trained)
            timed["forward"].append(forward - recorded)
            timed["write"].append(written - forward)
    print(f"tanh 12-10-7-5-4-3-2, 4096 samples, {epochs} epochs, one thread")
    print(f"training epoch (Adam, batch 256):           {_ms(timed['training'])}")
    print(f"record, 5 layers x 4096 samples (508 KiB):  {_ms(timed['record'])}")
    print(f"  hooked forward pass in inference mode:    {_ms(timed['forward'])}")
    print(f"  checks, row, metrics and state written:   {_ms(timed['write'])}")
    ratio = np.median(timed["record"]) / np.median(timed["training"])
    print(f"record / training epoch: {ratio:.2f}")


if __name__ == "__main__":
    main()
