"""Error rates of the compression test, by simulation, beside the naive peak-minus-final rule.

    python -m benchmarks.bench_compression [--studies 200] [--repeats 40]

Each simulated study is one run: ``repeats`` networks, 6 layers, 60 measured epochs. Every
layer's I(X;T) is a flat curve at its own level (3 to 8 bits), plus a per-repeat offset
(standard deviation 0.5 bits: networks differ) and independent per-epoch noise (``noise``
bits: estimator and training noise). Under the null no layer compresses. Under the
alternative one layer (the fifth) falls linearly by ``drop`` bits over the second half of
training. Each study is tested as ``main_plot.py --kind compression`` tests a run (peak picked
on half the repeats, tested on the other, Holm over the 6 layers, alpha 0.05). The naive rule
calls a layer compressing when its mean curve's peak is above its final value, the reading of
a mean curve the test replaces. Printed: the share of studies that call any layer compressing
under the null (family-wise false positives, target <= 6%), and the share that find the
compressing layer under the alternative (power, target >= 95%), each with its 95% binomial
interval, at the default noise of 0.1 bits and at other noise levels.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from infonet.analysis.compression import adjusted, drop_test

LAYERS, EPOCHS, DROPPING = 6, 60, 4
LEVELS = np.linspace(3.0, 8.0, LAYERS)


def simulated_study(rng: np.random.Generator, repeats: int, noise: float,
                    drop: float) -> np.ndarray:
    """I(X;T) of one study, (layers, repeats, epochs) bits; layer DROPPING falls by ``drop``."""
    shape = np.zeros((LAYERS, EPOCHS))
    shape[DROPPING] = -drop * np.clip(np.linspace(-1, 1, EPOCHS), 0, None)
    offsets = rng.normal(0, 0.5, (LAYERS, repeats, 1))
    return (LEVELS[:, None, None] + shape[:, None, :] + offsets
            + rng.normal(0, noise, (LAYERS, repeats, EPOCHS)))


def test_calls(study: np.ndarray, seed: int) -> np.ndarray:
    """The compression test's verdict per layer, (layers,) booleans."""
    epochs = np.arange(EPOCHS)
    rows = adjusted([drop_test(curves, epochs, seed=seed) for curves in study])
    return np.array([row["compresses"] for row in rows])


def naive_calls(study: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The naive rule per layer: (mean curve's peak > its final value, that drop in bits)."""
    mean = study.mean(axis=1)
    drop = mean.max(axis=1) - mean[:, -1]
    return drop > 0, drop


def rate(hits: int, studies: int) -> str:
    """A share with its 95% Wilson interval, in percent."""
    z, p = 1.96, hits / studies
    centre = (p + z * z / (2 * studies)) / (1 + z * z / studies)
    half = z * math.sqrt(p * (1 - p) / studies + z * z / (4 * studies**2)) / (1 + z * z / studies)
    return f"{100 * p:5.1f}% [{100 * (centre - half):4.1f}, {100 * (centre + half):5.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--drop", type=float, default=0.25)
    args = parser.parse_args()
    print(f"{args.studies} simulated studies of {args.repeats} repeats, {LAYERS} layers, "
          f"{EPOCHS} epochs; true drop {args.drop} bits in layer {DROPPING + 1}; alpha 0.05")
    print(f"{'noise':>6}  {'test: null, any layer':>24}  {'naive: null, any layer':>24}  "
          f"{'naive drop (bits)':>17}  {'test: finds the drop':>22}  {'naive: finds it':>22}")
    for noise in (0.1, 0.05, 0.2, 0.3):
        rng = np.random.default_rng(0)
        counts = {"test null": 0, "naive null": 0, "test power": 0, "naive power": 0}
        naive_drops = []
        for study in range(args.studies):
            null = simulated_study(rng, args.repeats, noise, 0.0)
            alternative = simulated_study(rng, args.repeats, noise, args.drop)
            counts["test null"] += bool(test_calls(null, study).any())
            calls, drops = naive_calls(null)
            counts["naive null"] += bool(calls.any())
            naive_drops.append(drops.mean())
            counts["test power"] += bool(test_calls(alternative, study)[DROPPING])
            counts["naive power"] += bool(naive_calls(alternative)[0][DROPPING])
        shares = {key: rate(value, args.studies) for key, value in counts.items()}
        label = f"{noise:.2f}" + ("*" if noise == 0.1 else " ")
        print(f"{label:>6}  {shares['test null']:>24}  {shares['naive null']:>24}  "
              f"{np.mean(naive_drops):>17.3f}  {shares['test power']:>22}  "
              f"{shares['naive power']:>22}")
    print("* the noise of the targets: at most 6% false positives, at least 95% power. The "
          "test's null rate is the same at every noise: its t statistic is scale-free.")


if __name__ == "__main__":
    main()
