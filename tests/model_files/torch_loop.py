"""A user's own PyTorch loop recorded by TorchRecorder, run as a process the tests kill.

``python torch_loop.py RUN_DIR EPOCHS [--resume]`` trains a tanh 12-10-7-5-4-3-2 network on
the Tishby set with Adam (seeded, one thread: the same numbers at every run) and records its
five hidden layers and its softmax after every epoch; with ``--resume`` the same loop is
replayed from the start and the epochs already recorded are skipped.
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from infonet.data.datasets import load_dataset  # noqa: E402
from infonet.networks import TorchRecorder  # noqa: E402

SIZES = (12, 10, 7, 5, 4, 3, 2)
LAYERS = ["1", "3", "5", "7", "9", "11"]
"""The Tanh modules of the five hidden layers and the Softmax of ``tanh_network``."""


def tanh_network(seed: int) -> torch.nn.Sequential:
    """Linear, Tanh, ..., Linear, Softmax for the widths SIZES, initialised with ``seed``."""
    torch.manual_seed(seed)
    modules: list[torch.nn.Module] = []
    for fan_in, width in zip(SIZES[:-1], SIZES[1:], strict=True):
        modules += [torch.nn.Linear(fan_in, width), torch.nn.Tanh()]
    modules[-1] = torch.nn.Softmax(dim=1)
    return torch.nn.Sequential(*modules)


def train(run_dir: str, epochs: int, resume: bool) -> None:
    torch.set_num_threads(1)
    data = load_dataset("tishby")
    X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
    model = tanh_network(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    order = torch.Generator().manual_seed(0)
    with TorchRecorder(run_dir, model, data.X, data.y, LAYERS, epochs=epochs,
                       resume=resume) as recorder:
        recorder.record(0)
        for epoch in range(1, epochs + 1):
            for batch in torch.randperm(len(y), generator=order).split(512):
                optimizer.zero_grad()
                loss = torch.nn.functional.nll_loss(torch.log(model(X[batch])), y[batch])
                loss.backward()
                optimizer.step()
            recorder.record(epoch, metrics={"train_loss": loss.item()})


if __name__ == "__main__":
    train(sys.argv[1], int(sys.argv[2]), "--resume" in sys.argv[3:])
