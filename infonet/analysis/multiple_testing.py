"""Adjusting p-values for testing many hypotheses at once: Holm's step-down (Holm 1979)."""

from __future__ import annotations

import numpy as np


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values, (m,) -> (m,): rejecting where the adjusted value is <= alpha
    keeps the chance of any false rejection among the m tests at most alpha, whatever their
    dependence.

    The i-th smallest p-value is multiplied by m - i + 1 (i from 1), made non-decreasing in
    that order and capped at 1. nan p-values (untested hypotheses) stay nan and do not count
    in m.
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * (len(order) - np.arange(len(order)))
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted
