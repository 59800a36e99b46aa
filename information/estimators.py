"""Estimators by name: the common interface and the spec strings of the CLI and the CSV.

Lives here: the `Estimator` protocol every estimator follows, `estimator_from_spec` (spec string
-> estimator; every estimator's ``.name`` is such a spec and parses back to an equal estimator)
and `is_expensive`. Not here: the estimators themselves (`information.binning`,
`information.kde`, `information.batching`).

Spec grammar: ``<estimator>[:<key>=<value>,...]``, parameters in any order, each at most once;
omitted ones take their defaults.

- ``binning``: ``bins`` (integer >= 1), ``low``, ``high`` (numbers, low < high), ``range``
  (fixed | layer | global; low/high only with fixed), or ``bin_size`` (number > 0) alone.
  Default ``binning:bins=30,low=-1.0,high=1.0``.
- ``kde-upper``, ``kde-lower``: ``noise_variance`` (number > 0, default 0.1), ``dtype``
  (float64 | float32, default float64).
- ``batching``: ``window`` (integer >= 1, default 10), then after a comma the spec of the
  estimator it wraps, e.g. ``batching:window=10,binning:bins=30,low=-1.0,high=1.0``.

Canonical names (what ``.name`` gives) list every parameter that changes the estimate, floats
as Python's repr: ``binning:bins=30,low=-1.0,high=1.0``, ``binning:bin_size=0.07``,
``binning:bins=100,range=layer``, ``kde-upper:noise_variance=0.1``,
``batching:window=10,kde-lower:noise_variance=0.1``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from information.batching import BatchingEstimator
from information.binning import BinningEstimator
from information.kde import KDEEstimator


class Estimator(Protocol):
    """What every estimator answers; hyper-parameters are checked by ``validate`` and the call."""

    @property
    def name(self) -> str:
        """The canonical spec string."""

    def validate(self) -> None:
        """Raise ValueError naming the first invalid hyper-parameter."""

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I(X;T), I(Y;T)) in bits."""


def _integer(key: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{key} must be an integer, got {text!r}") from None


def _number(key: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{key} must be a number, got {text!r}") from None


def _word(key: str, text: str) -> str:
    return text


_PARAMETERS: dict[str, dict[str, Callable[[str, str], object]]] = {
    "binning": {"bins": _integer, "low": _number, "high": _number, "bin_size": _number,
                "range": _word},
    "kde-upper": {"noise_variance": _number, "dtype": _word},
    "kde-lower": {"noise_variance": _number, "dtype": _word},
    "batching": {"window": _integer},
}


def estimator_from_spec(spec: str) -> Estimator:
    """The estimator a spec string names (grammar in the module doc); ValueError if invalid."""
    head, _, text = spec.strip().partition(":")
    head = head.strip()
    if head not in _PARAMETERS:
        raise ValueError(
            f"unknown estimator {head!r} in {spec!r}; allowed: {', '.join(_PARAMETERS)}"
        )
    if head == "batching":
        items = _items(text)
        own = 0
        while own < len(items) and "=" in items[own] and ":" not in items[own]:
            own += 1
        parameters = _parameters(head, items[:own])
        if own == len(items):
            raise ValueError(
                f"batching needs the estimator it wraps after its parameters in {spec!r}, "
                "e.g. batching:window=10,binning"
            )
        estimator = BatchingEstimator(estimator_from_spec(",".join(items[own:])), **parameters)
    elif head == "binning":
        parameters = _parameters(head, _items(text))
        if parameters.get("range", "fixed") != "fixed" and {"low", "high"} & parameters.keys():
            raise ValueError(
                f"low and high can be given only with range=fixed, got {spec!r} "
                "(a layer range is the layer's own, a global one the runner supplies)"
            )
        estimator = BinningEstimator(**parameters)
    else:
        estimator = KDEEstimator(bound=head.removeprefix("kde-"), **_parameters(head, _items(text)))
    estimator.validate()
    return estimator


def is_expensive(estimator: Estimator) -> bool:
    """Whether the estimator's cost grows as N^2 (KDE, also inside batching), not as N log N."""
    if isinstance(estimator, BatchingEstimator):
        estimator = estimator.estimator
    return isinstance(estimator, KDEEstimator)


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",")] if text.strip() else []


def _parameters(head: str, items: list[str]) -> dict[str, object]:
    """The keyword arguments ``key=value`` items give for estimator ``head``, converted."""
    allowed = _PARAMETERS[head]
    parameters: dict[str, object] = {}
    for item in items:
        key, equals, text = (part.strip() for part in item.partition("="))
        if not equals:
            raise ValueError(f"parameter {item!r} of {head} is not of the form key=value")
        if key not in allowed:
            raise ValueError(
                f"unknown parameter {key!r} for {head}; allowed: {', '.join(allowed)}"
            )
        if key in parameters:
            raise ValueError(f"parameter {key!r} given twice for {head}")
        parameters[key] = allowed[key](key, text)
    return parameters
