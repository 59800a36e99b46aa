"""What Lorenzen et al. (2022) report, end to end: in quantized networks, measured exactly, the
output layer compresses (its I(X;T) ends below its peak) with tanh and with ReLU.

The runs are the lorenzen2022 presets (8 bits, Tishby's set, ``--estimator exact``),
shortened. MARGINS keeps about half of what our runs measured on the repeat-averaged output
layer (peak minus end, bits): SHORT_MEASURED and FULL_MEASURED below.
"""

from pathlib import Path

import numpy as np
import pytest

from information.cli import run_cli
from information.results import read_rows
from main_data import main

SHORT = {"epochs": 100, "repeats": 2, "learning_rate": 1e-3, "schedule": "every:5",
         "margin": 0.3}
FULL = {"epochs": 2000, "repeats": 5, "learning_rate": 1e-4, "schedule": "log:100",
        "margin": 0.5}
LENGTHS = [pytest.param(SHORT, id="short"), pytest.param(FULL, id="full", marks=pytest.mark.slow)]


def _output_layer_curve(run_dir: Path) -> np.ndarray:
    """The repeat-averaged I(X;T) of the output layer, in bits, by measured epoch."""
    rows = [r for r in read_rows(run_dir / "information.csv") if r["estimator"] == "exact"]
    last = max(r["layer"] for r in rows)
    epochs = sorted({r["epoch"] for r in rows})
    repeats = max(r["repeat"] for r in rows) + 1
    curve = np.full((repeats, len(epochs)), np.nan)
    for r in rows:
        if r["layer"] == last:
            curve[r["repeat"], epochs.index(r["epoch"])] = r["i_xt"]
    return curve.mean(axis=0)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("length", LENGTHS)
def test_the_output_layer_compresses_in_a_quantized_network(tmp_path, activation, length):
    run_dir = tmp_path / activation
    args = ["--preset", f"lorenzen2022-{activation}", "--epochs", length["epochs"],
            "--repeats", length["repeats"], "--learning-rate", length["learning_rate"],
            "--schedule", length["schedule"], "--no-plot", "--out", run_dir]
    assert run_cli(main, [str(a) for a in args]) == 0
    curve = _output_layer_curve(run_dir)
    print(f"{activation}: peak {curve.max():.2f} bits at {curve.argmax()}, end {curve[-1]:.2f}")
    assert curve.max() - curve[-1] > length["margin"]
