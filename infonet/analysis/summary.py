"""Means over repeats with their uncertainty: standard errors and bootstrap confidence intervals.

Lives here: `RepeatSummary` and `summarise` (the mean over repeats of an (R, ...) array, its
standard error and a percentile bootstrap interval over repeats), and `summary_rows`, the table
of one estimator's curves that ``main_plot.py --kind curves`` writes beside its figure and
``open_run(...).summary()`` returns. Not here: reading the tables (``analysis.tables``), drawing.

The repeats are the independent units: each is one network trained from its own seed, so the
spread of their values holds every source of error at once (training seed, and the estimator's
own Monte Carlo error where it has one). The standard error of the mean is sd / sqrt(R)
(ddof=1); the interval is the percentile bootstrap (Efron & Tibshirani 1993, ch. 13): the
repeats are resampled with replacement ``resamples`` times and the interval is the central
``confidence`` share of the resampled means. Like every mean the figures draw, a mean is taken
only where every repeat has a finite value (``analysis.tables.mean_over_repeats``); with one
repeat the standard error and the interval are nan (unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from infonet.analysis.tables import Measurements, mean_over_repeats

SUMMARY_COLUMNS = (
    "estimator", "samples", "epoch", "layer", "layer_name", "repeats",
    "i_xt_mean", "i_xt_se", "i_xt_low", "i_xt_high",
    "i_yt_mean", "i_yt_se", "i_yt_low", "i_yt_high",
)
"""Columns of a summary table; every number in bits, low and high the interval's ends."""


@dataclass(frozen=True)
class RepeatSummary:
    """The mean over repeats of values (R, ...) and its uncertainty, each of shape (...):
    standard error, and the ends of the bootstrap interval at ``confidence``."""

    mean: np.ndarray
    se: np.ndarray
    low: np.ndarray
    high: np.ndarray
    repeats: int
    confidence: float


def summarise(values: np.ndarray, confidence: float = 0.95, resamples: int = 1000,
              seed: int = 0) -> RepeatSummary:
    """The mean over axis 0 (repeats) of ``values`` (R, ...), its standard error and percentile
    bootstrap interval; nan wherever some repeat lacks a finite value, and for the error and
    the interval when R = 1. The same arguments give the same interval."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    values = np.asarray(values, dtype=float)
    repeats = len(values)
    mean = mean_over_repeats(values)
    known = np.isfinite(mean)
    if repeats < 2:
        unknown = np.full(mean.shape, np.nan)
        return RepeatSummary(mean, unknown, unknown, unknown.copy(), repeats, confidence)
    filled = np.where(known, values, 0.0).reshape(repeats, -1)
    se = filled.std(axis=0, ddof=1) / np.sqrt(repeats)
    counts = np.random.default_rng(seed).multinomial(repeats, np.full(repeats, 1 / repeats),
                                                     size=resamples)
    means = counts @ filled / repeats
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail], axis=0)

    def kept(array: np.ndarray) -> np.ndarray:
        return np.where(known, array.reshape(mean.shape), np.nan)

    return RepeatSummary(mean, kept(se), kept(low), kept(high), repeats, confidence)


def mean_interval(values: np.ndarray, errors: np.ndarray, confidence: float = 0.95,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The interval drawn around a mean curve: (low, high), each of the shape of one repeat.

    ``values`` (R, ...) and their standard errors ``errors`` (R, ...), in bits. Over two or
    more repeats, the bootstrap interval of the mean over repeats (``summarise``); for a single
    repeat, its value plus and minus the normal quantile times its own standard error (a Monte
    Carlo or bootstrap error; zero width where the number is exact).
    """
    if len(values) >= 2:
        summary = summarise(values, confidence, seed=seed)
        return summary.low, summary.high
    half = stats.norm.ppf(0.5 + confidence / 2) * np.asarray(errors[0], dtype=float)
    return values[0] - half, values[0] + half


def summary_rows(measurements: Measurements, confidence: float = 0.95, resamples: int = 1000,
                 seed: int = 0) -> list[dict[str, object]]:
    """One row (``SUMMARY_COLUMNS``) per epoch and layer where every repeat has both I(X;T)
    and I(Y;T): the means over repeats with their standard errors and intervals, in bits."""
    x, y = (summarise(getattr(measurements, field), confidence, resamples, seed)
            for field in ("i_xt", "i_yt"))
    rows = []
    for e, epoch in enumerate(measurements.epochs.tolist()):
        for la, layer in enumerate(measurements.layers.tolist()):
            if not (np.isfinite(x.mean[e, la]) and np.isfinite(y.mean[e, la])):
                continue
            rows.append({
                "estimator": measurements.estimator, "samples": measurements.samples,
                "epoch": epoch, "layer": layer, "layer_name": measurements.names[la],
                "repeats": x.repeats,
                **{f"i_{q}_{part}": float(getattr(s, part)[e, la])
                   for q, s in (("xt", x), ("yt", y)) for part in ("mean", "se", "low", "high")},
            })
    return rows
