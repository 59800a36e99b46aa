"""The estimator contract: what every estimator declares about itself and what it answers.

Lives here: `Estimator`, the base class of every estimator, and `Parameter`, the declaration of
one spec parameter (its key, how its text reads, which values are allowed). Not here: any
estimator (each has its own module), the registry and the spec grammar
(`information.estimators`), running estimators over a run (`measuring.runner`). This module
imports no estimator, so every estimator module can import it.

An estimator is a frozen dataclass deriving from `Estimator`. It declares, as class attributes:

- ``heads``: spec head -> the constructor arguments that head fixes (``{"binning": {}}``;
  KDE has ``{"kde-upper": {"bound": "upper"}, "kde-lower": {"bound": "lower"}}``);
- ``parameters``: one `Parameter` per ``key=value`` its specs take, each a constructor field;
- ``pairwise``: True when its cost grows as N^2 in the samples (the runner then gives every
  layer-epoch a task of its own); a property where it depends on the settings;
- ``needs_run_range``: True when it bins on the run-wide activation range, which the runner
  finds in the data and supplies with ``with_run_range(low, high)`` as learned state, kept
  apart from the settings the user typed (as scikit-learn keeps ``bin_edges_`` apart from
  ``n_bins``); a property where it depends on the settings;
- ``needs_quantization``: True when it measures only networks trained with quantized
  activations (``exact``: the plug-in count of raw values is an exact mutual information
  only when each unit takes finitely many values); measuring refuses a run trained without
  them; a property where it depends on the settings;
- ``wraps``: the field holding the estimator it wraps, whose spec ends its own (Batching), or
  None;
- ``pools_epochs``: True when ``mutual_information`` takes a window of epochs' activations
  stacked, (window, N, d), rather than one epoch's (N, d) (Batching);
- ``monte_carlo``: True when its estimate is random (noise draws: ``mc``, ``knn``), so that
  ``estimate`` carries a Monte Carlo standard error; a property where it depends on the
  settings;
- ``renamed``: keys older specs used -> their key now (mc's and knn's ``samples`` are
  ``draws``), so names in old tables still read.

and answers ``name`` (its canonical spec, which parses back to an equal estimator; by default
built from the head and the declared parameters),
``mutual_information(T, X, y) -> (I(X;T), I(Y;T))`` in bits, and ``estimate(T, X, y)``, the same
two numbers with their standard errors (`Estimate`; an estimator defines one of the two, the
other follows): an estimator whose number is random
(noise draws: ``mc``, ``knn``) writes its Monte Carlo standard error; a deterministic one is
exact for the samples it is given, so by default 0. It also answers
``validity(T) -> str | None``: None where the estimator is trusted on activations T (as
``mutual_information`` takes them), else a short reason naming what is outside its trusted range
(the dimension, the samples, the bins); the runner writes the number and warns once with it.
Two estimators are equal when they
are of one class and have one ``identity`` (by default the name; an estimator with learned
state adds it), stated once here: every estimator is a dataclass with ``eq=False``.
Construction validates, once: each
declared parameter's value (None = unset) by its `Parameter`, then the combination by
``check``. An estimator that exists is valid; its calls do not check its settings again.
"""

from __future__ import annotations

import dataclasses
import math
from abc import ABC
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar, NamedTuple

import numpy as np


@dataclass(frozen=True)
class Parameter:
    """One ``key=value`` of a spec: ``read`` turns the text into the value, ``allowed`` says
    which values are valid, ``requirement`` says so in words (``"an integer >= 1"``)."""

    key: str
    read: Callable[[str], object]
    allowed: Callable[[object], bool]
    requirement: str
    choices: tuple[str, ...] = ()
    """The words it takes, for a parameter that takes one of a few (``one_of``)."""

    def parse(self, text: str) -> object:
        """The checked value that ``text`` gives; ValueError naming the key otherwise."""
        try:
            value = self.read(text)
        except ValueError:
            raise ValueError(f"{self.key} must be {self.requirement}, got {text!r}") from None
        self.check(value)
        return value

    def check(self, value: object) -> None:
        """Raise ValueError naming the key unless ``value`` is allowed or None (unset)."""
        if value is not None and not self.allowed(value):
            raise ValueError(f"{self.key} must be {self.requirement}, got {value!r}")

    def text(self, value: object) -> str:
        """``value`` as a spec writes it: read as this parameter reads, floats as their repr."""
        value = self.read(value)
        return repr(value) if isinstance(value, float) else str(value)


def integer(key: str, minimum: int, maximum: int | None = None,
            requirement: str | None = None) -> Parameter:
    """An integer parameter in ``minimum``..``maximum`` (None: no upper bound)."""
    return Parameter(
        key, int,
        lambda v: isinstance(v, Integral) and minimum <= v and (maximum is None or v <= maximum),
        requirement or (f"an integer >= {minimum}" if maximum is None
                        else f"an integer in {minimum}..{maximum}"),
    )


def positive(key: str, maximum: float = math.inf) -> Parameter:
    """A finite number > 0, and <= ``maximum`` where one is given (a bound beyond which the
    estimator's arithmetic would overflow)."""
    return Parameter(
        key, float, lambda v: isinstance(v, Real) and 0 < v <= maximum and v < math.inf,
        "a number > 0" if maximum == math.inf else f"a number in (0, {maximum:g}]",
    )


def finite(key: str) -> Parameter:
    """A finite number."""
    return Parameter(key, float, lambda v: isinstance(v, Real) and math.isfinite(v),
                     "a finite number")


def one_of(key: str, choices: tuple[str, ...],
           normal: Callable[[object], object] = lambda v: v) -> Parameter:
    """A word among ``choices``; ``normal`` maps a Python value to its word (e.g. a dtype)."""
    return Parameter(key, str, lambda v: normal(v) in choices, f"one of {', '.join(choices)}",
                     choices)


class ValidityWarning(UserWarning):
    """A layer measured outside the range where its estimator is trusted
    (``Estimator.validity``): the number is written, and read with care."""


class Estimate(NamedTuple):
    """I(X;T), I(Y;T) and their standard errors, all in bits; a standard error of 0 means the
    number is exact for the samples measured (no Monte Carlo error)."""

    i_xt: float
    i_yt: float
    i_xt_se: float = 0.0
    i_yt_se: float = 0.0


class Estimator(ABC):
    """The base of every estimator: the declared facts (module doc) and the checks they give."""

    heads: ClassVar[Mapping[str, Mapping[str, object]]]
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    pairwise: ClassVar[bool] = False
    needs_run_range: ClassVar[bool] = False
    needs_quantization: ClassVar[bool] = False
    wraps: ClassVar[str | None] = None
    pools_epochs: ClassVar[bool] = False
    monte_carlo: ClassVar[bool] = False
    renamed: ClassVar[Mapping[str, str]] = {}

    def __post_init__(self) -> None:
        for parameter in self.parameters:
            parameter.check(getattr(self, parameter.key))
        self.check()

    def check(self) -> None:  # noqa: B027  (a hook: most estimators have no such rule)
        """Raise ValueError naming the setting that is wrong in combination with others."""

    @property
    def name(self) -> str:
        """The canonical spec string; it parses back to an equal estimator.

        By default the estimator's one head, then ``key=value`` for each parameter that is set,
        in declared order (``mc:noise_variance=0.1,draws=4,seed=0``). An estimator with
        several heads or whose name depends on its settings otherwise writes its own.
        """
        (head,) = self.heads
        given = [f"{p.key}={p.text(getattr(self, p.key))}" for p in self.parameters
                 if getattr(self, p.key) is not None]
        return ":".join([head, ",".join(given)]) if given else head

    def identity(self) -> tuple:
        """What makes two estimators of this class the same: the name, and any learned
        state an estimator adds."""
        return (self.name,)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.identity() == other.identity()

    def __hash__(self) -> int:
        return hash(self.identity())

    def __init_subclass__(cls, **kwargs: object) -> None:
        """Refuse an estimator class (one with ``heads``) that defines neither
        ``mutual_information`` nor ``estimate``: each is made from the other."""
        super().__init_subclass__(**kwargs)
        if ("heads" in cls.__dict__ and cls.mutual_information is Estimator.mutual_information
                and cls.estimate is Estimator.estimate):
            raise TypeError(f"{cls.__name__} must define mutual_information or estimate")

    def mutual_information(
        self, T: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, float]:
        """(I(X;T), I(Y;T)) in bits; T: (N, d) activations (Batching: (window, N, d)),
        X: (N, ...) inputs or (N,) integer input ids, y: (N,) integer labels. By default the
        two numbers of ``estimate``."""
        i_xt, i_yt, _, _ = self.estimate(T, X, y)
        return i_xt, i_yt

    def estimate(self, T: np.ndarray, X: np.ndarray, y: np.ndarray) -> Estimate:
        """``mutual_information`` with the standard errors of its two numbers, in bits.

        By default the estimator is deterministic: the number is exact for these samples and
        both errors are 0. An estimator with noise draws defines this instead, with its Monte
        Carlo errors.
        """
        i_xt, i_yt = self.mutual_information(T, X, y)
        return Estimate(float(i_xt), float(i_yt))

    def validity(self, T: np.ndarray) -> str | None:
        """None when this estimator is trusted on activations T (N, d) (Batching: (window,
        N, d)), else a short reason: which of the dimension, the samples or the bins lies
        outside its trusted range, e.g. ``"d = 128 > 20 dimensions: ..."``. Cheap next to a
        measurement, and read only: the estimate is made whatever it says. By default
        trusted everywhere."""
        return None

    def with_run_range(self, low: float, high: float) -> Estimator:
        """This estimator with the run-wide activation range [low, high] supplied.

        Only for estimators that declare ``needs_run_range``; the others refuse.
        """
        raise ValueError(f"{self.name} does not bin on a run-wide range")


class Wrapper(Estimator):
    """The base of an estimator over another, held in its field ``estimator`` (Batching, the
    bootstrap): its cost, its needs, whether it is random and where it is valid are the
    wrapped estimator's, and a run-wide range goes to the wrapped estimator."""

    wraps = "estimator"
    estimator: Estimator

    @property
    def pairwise(self) -> bool:
        """Whether the wrapped estimator's cost grows as N^2."""
        return self.estimator.pairwise

    @property
    def needs_run_range(self) -> bool:
        """Whether the wrapped estimator bins on the run-wide range."""
        return self.estimator.needs_run_range

    @property
    def needs_quantization(self) -> bool:
        """Whether the wrapped estimator measures only quantized networks."""
        return self.estimator.needs_quantization

    @property
    def monte_carlo(self) -> bool:
        """Whether the wrapped estimator's estimate is random (noise draws)."""
        return self.estimator.monte_carlo

    def validity(self, T: np.ndarray) -> str | None:
        """The wrapped estimator's reason, if any, on T."""
        return self.estimator.validity(T)

    def with_run_range(self, low: float, high: float) -> Estimator:
        """This estimator over the wrapped one with the run-wide range [low, high] supplied."""
        return dataclasses.replace(self, estimator=self.estimator.with_run_range(low, high))
