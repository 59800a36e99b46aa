"""The transformer-digits network in PyTorch, trained by a plain loop and recorded layer by layer.

    python docs/examples/pytorch_transformer.py --out runs/torch-transformer
    python main_data.py --from-run runs/torch-transformer --estimator kde-upper:noise_variance=0.1
    python main_plot.py runs/torch-transformer -o torch-transformer.png

The 8x8 digits as 8 tokens (rows) of 8 pixels, each embedded in 16 dimensions by its
position's own weights, two post-norm attention blocks (2 heads, feed-forward 32, no
dropout), the tokens averaged, softmax: the Keras preset ``transformer-digits``
(``networks/model_zoo/transformer.py``) built in PyTorch. Trained with Adam 1e-3 on a seeded
80% split in minibatches of 64; after every epoch ``TorchRecorder`` records the embedding, both
blocks, the pooled tokens and the softmax on all 1797 digits, token outputs pooled as
``--pool`` says (docs/pytorch.md). ``--resume`` continues a run that was killed: the loop is
replayed from the start (seeded, one thread: the same numbers) and the epochs already
recorded are skipped, so the run ends with the bytes of one never killed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from infonet.data.datasets import load_dataset, split_indices  # noqa: E402
from infonet.networks import TorchRecorder  # noqa: E402

TOKENS, FEATURES, WIDTH = 8, 8, 16
LAYERS = ["embedding", "blocks.0", "blocks.1", "pool", "output"]


class TokenEmbedding(torch.nn.Module):
    """(N, 8, 8) tokens -> (N, 8, 16): each position's own weights (Keras's EinsumDense)."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(TOKENS, FEATURES, WIDTH))
        self.bias = torch.nn.Parameter(torch.zeros(TOKENS, WIDTH))
        torch.nn.init.xavier_uniform_(self.weight)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return torch.einsum("btf,tfd->btd", tokens, self.weight) + self.bias


class MeanOverTokens(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=1)


class DigitTransformer(torch.nn.Module):
    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.embedding = TokenEmbedding()
        self.blocks = torch.nn.ModuleList(torch.nn.TransformerEncoderLayer(
            WIDTH, nhead=2, dim_feedforward=32, dropout=0.0, batch_first=True)
            for _ in range(2))
        self.pool = MeanOverTokens()
        self.head = torch.nn.Linear(WIDTH, n_classes)
        self.output = torch.nn.Softmax(dim=1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embedding(tokens)
        for block in self.blocks:
            x = block(x)
        return self.output(self.head(self.pool(x)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="The run directory to record into.")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--pool", choices=("flatten", "mean", "last"), default="mean",
                        help="How the (N, 8, 16) token outputs are recorded.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    digits = load_dataset("digits")
    tokens = digits.X.reshape(-1, TOKENS, FEATURES)
    train, test = split_indices(len(digits.y), 0.8, args.seed)
    X, y = torch.as_tensor(tokens[train]), torch.as_tensor(digits.y[train])
    model = DigitTransformer(digits.n_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.Generator().manual_seed(args.seed)
    with TorchRecorder(args.out, model, tokens, digits.y, LAYERS, pool=args.pool,
                       epochs=args.epochs, resume=args.resume) as recorder:
        recorder.record(0)
        for epoch in range(1, args.epochs + 1):
            model.train()
            for batch in torch.randperm(len(y), generator=order).split(64):
                optimizer.zero_grad()
                loss = torch.nn.functional.nll_loss(torch.log(model(X[batch])), y[batch])
                loss.backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                correct = model(torch.as_tensor(tokens[test])).argmax(dim=1).numpy()
            recorder.record(epoch, metrics={
                "train_loss": loss.item(),
                "test_accuracy": float(np.mean(correct == digits.y[test]))})
    print(f"recorded {args.epochs + 1} epochs of {', '.join(LAYERS)} into {args.out}")


if __name__ == "__main__":
    main()
