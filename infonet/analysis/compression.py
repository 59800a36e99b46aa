"""The compression test: does a layer's I(X;T) fall from its peak by the end of training?

Lives here: `compression_table` (the test of every layer of several runs' measurements,
Holm-corrected together), `compression_rows` (the test of every layer of one estimator's
measurements), `adjusted` (Holm's correction and the verdicts) and the table's columns. Not
here: reading tables (``analysis.tables``), the forest plot (``plotting.compression``). The
method and its simulated error rates: docs/statistics.md.

Reading the peak-minus-final drop off the mean curve is biased: the peak is the maximum of
noisy values, so the drop is positive even where the curve is flat. The test removes that bias
by sample splitting. The repeats (independent networks) are split at random, with ``seed``,
into a selection half and a test half (the test half takes the odd one). The peak epoch is the
epoch of the highest mean I(X;T) of the selection half (the earliest of tied ones); the final
epoch is the last epoch every repeat measured. On the test half alone, each repeat's drop
d_r = I_r(peak) - I_r(final) is independent of how the peak was chosen, and the one-sided
paired t-test of mean(d) > 0 has its nominal level (or of mean(d) > ``min_drop``: a drop too
small to matter, e.g. 0.1 bits, is then no compression). Tests of many layers and estimators are
corrected together by Holm's method; a layer ``compresses`` when its adjusted p-value is at
most ``alpha``. The interval is the t-interval of the mean drop on the test half at level
1 - 2 alpha (90% for alpha 0.05): its lower end is above 0 exactly when the uncorrected
one-sided test rejects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from infonet.analysis.multiple_testing import holm
from infonet.analysis.tables import Measurements

COMPRESSION_COLUMNS = (
    "run", "estimator", "samples", "layer", "layer_name", "repeats", "test_repeats",
    "peak_epoch", "peak_bits", "final_epoch", "final_bits", "drop_bits", "ci_low", "ci_high",
    "min_drop_bits", "p_value", "p_adjusted", "compresses",
)
"""Columns of the compression table; bits are means over the test half of the repeats."""
MIN_REPEATS = 4
"""Fewest repeats the test takes: two to select the peak, two to test it."""
ALPHA = 0.05
"""The default family-wise error rate."""


def check_alpha(alpha: float) -> float:
    """``alpha`` if it is a level in (0, 0.5); ValueError otherwise."""
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha!r}")
    return alpha


def split_repeats(repeats: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(selection, test) row indices of ``repeats`` repeats split at random by ``seed``; the
    test half is the larger by one when ``repeats`` is odd."""
    order = np.random.default_rng(seed).permutation(repeats)
    return np.sort(order[: repeats // 2]), np.sort(order[repeats // 2:])


def drop_test(curves: np.ndarray, epochs: np.ndarray, alpha: float = ALPHA,
              seed: int = 0, min_drop: float = 0.0) -> dict[str, object]:
    """The test of one layer: ``curves`` (R, E) I(X;T) in bits of R repeats at ``epochs``
    (E,), every value finite; the null hypothesis is a mean drop of at most ``min_drop``
    bits (0: no drop). Returns the row's statistics (``COMPRESSION_COLUMNS`` from
    ``repeats`` to ``p_value``)."""
    repeats = len(curves)
    if repeats < MIN_REPEATS:
        raise ValueError(f"the compression test needs at least {MIN_REPEATS} repeats (half to "
                         f"pick the peak, half to test it), got {repeats}")
    if curves.shape[1] < 2:
        raise ValueError("the compression test needs at least two epochs measured in every "
                         "repeat")
    selection, test = split_repeats(repeats, seed)
    peak = int(np.argmax(curves[selection].mean(axis=0)))
    drops = curves[test, peak] - curves[test, -1]
    n = len(drops)
    mean = float(drops.mean())
    se = float(drops.std(ddof=1)) / math.sqrt(n)
    if se > 0:
        p_value = float(stats.t.sf((mean - min_drop) / se, n - 1))
        half = float(stats.t.ppf(1 - alpha, n - 1)) * se
    else:  # every test repeat drops by the same amount
        p_value, half = (0.0 if mean > min_drop else 1.0), 0.0
    return {"repeats": repeats, "test_repeats": n, "peak_epoch": int(epochs[peak]),
            "peak_bits": float(curves[test, peak].mean()), "final_epoch": int(epochs[-1]),
            "final_bits": float(curves[test, -1].mean()), "drop_bits": mean,
            "ci_low": mean - half, "ci_high": mean + half, "min_drop_bits": min_drop,
            "p_value": p_value}


def compression_rows(measurements: Measurements, run: str, alpha: float = ALPHA,
                     seed: int = 0, min_drop: float = 0.0) -> list[dict[str, object]]:
    """The test of every layer of ``measurements`` (one estimator on one choice of samples),
    on the epochs every repeat measured; rows without ``p_adjusted`` and ``compresses``
    (``adjusted`` adds them over the whole table). ValueError naming the estimator when the
    test cannot be made."""
    rows = []
    for la, layer in enumerate(measurements.layers.tolist()):
        curves = measurements.i_xt[:, :, la]
        common = np.isfinite(curves).all(axis=0)
        try:
            statistics = drop_test(curves[:, common], measurements.epochs[common], alpha, seed,
                                   min_drop)
        except ValueError as error:
            raise ValueError(f"{run}, {measurements.estimator} on {measurements.samples} "
                             f"samples, layer {layer}: {error}") from None
        rows.append({"run": run, "estimator": measurements.estimator,
                     "samples": measurements.samples, "layer": layer,
                     "layer_name": measurements.names[la], **statistics})
    return rows


def adjusted(rows: list[dict[str, object]], alpha: float = ALPHA) -> list[dict[str, object]]:
    """``rows`` with ``p_adjusted`` (Holm over all of them) and ``compresses`` (adjusted
    p-value at most ``alpha``)."""
    check_alpha(alpha)
    corrected = holm(np.array([row["p_value"] for row in rows], dtype=float))
    return [row | {"p_adjusted": float(p), "compresses": bool(p <= alpha)}
            for row, p in zip(rows, corrected, strict=True)]


def compression_table(measured: Sequence[tuple[str, Measurements]], alpha: float = ALPHA,
                      seed: int = 0, min_drop: float = 0.0) -> list[dict[str, object]]:
    """The compression test of every layer of each (run name, measurements) pair, in their
    order, each run's repeats split by ``seed``, a drop of at most ``min_drop`` bits the null
    hypothesis, Holm-corrected over the whole table."""
    check_alpha(alpha)
    if not (math.isfinite(min_drop) and min_drop >= 0):
        raise ValueError(f"min_drop must be a number of bits >= 0, got {min_drop!r}")
    return adjusted([row for run, measurements in measured
                     for row in compression_rows(measurements, run, alpha, seed, min_drop)],
                    alpha)
