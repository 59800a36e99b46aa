"""Estimators by name: the registry and the one grammar of the spec strings (CLI and CSV).

Lives here: ``ESTIMATORS``, the registry (one line per estimator class); `parse_spec` (spec
string -> `Spec`, every given value read and checked by the estimator's declared parameters);
`estimator_from_spec` (spec string -> estimator; every estimator's ``.name`` is such a spec and
parses back to an equal estimator); and `Spec.selects`, which compares specs by value. Not here:
the contract every estimator follows (`information.contract`), the estimators themselves.

Spec grammar (``spec_help`` gives it from the registry, for ``--help``):
``<head>[:<key>=<value>,...]``, parameters in any order, each at most once; a
wrapping estimator's parameters are followed by the spec of the estimator it wraps.

- ``binning``: ``bins`` (integer >= 1), ``low``, ``high`` (numbers, low < high), ``range``
  (fixed | layer | global; low/high only with fixed), or ``bin_size`` (number > 0) alone.
  Default ``binning:bins=30,low=-1.0,high=1.0``.
- ``kde-upper``, ``kde-lower``: ``noise_variance`` (number > 0, default 0.1), ``dtype``
  (float64 | float32, default float64).
- ``binning:bins=B,edges=equal-mass|max-entropy``: adaptive edges from the layer's values
  (``edges`` only with ``bins``; default ``equal-width``, the grids above).
- ``binning:...,correction=none|miller-madow|grassberger|nsb``: the entropies' bias correction
  (default none, the plug-in; `information.corrections`), with any grid.
- ``mc``: ``noise_variance`` (number > 0, default 0.1), ``seed`` (integer >= 0, default 0), and
  either ``draws`` (noise draws per row, integer >= 1) or the stopping rule ``target_se``
  (bits, number > 0, default 0.01) and ``max_draws`` (per row, integer >= 1, default 256):
  draws are added until both standard errors are at most target_se. ``samples`` (the name of
  draws until 2026-12, which clashed with ``--samples``) still reads as ``draws``.
- ``knn``: ``k`` (integer >= 1, default 3), ``noise_variance`` (in (0, 1e300]), ``seed`` as for
  ``mc``, either ``draws`` per row (``samples`` reads as it) or ``points`` in all (default
  8192: ceil(points / N) per row), and ``replicates`` (integer >= 1; default 4, or 1 with
  ``draws``, as specs before it meant): the estimate is the replicates' mean.
- ``renyi``: ``alpha`` (number > 0, default 1.01), ``width`` (kernel width > 0, default
  0.8 sqrt(d) N^(-1/(4+d)) on each layer-epoch, the IPDL code's rule).
- ``exact``: ``correction`` as for ``binning``; the count of the exact values of a quantized
  network's activations (runs trained with ``--quantize``).
- ``batching``: ``window`` (integer >= 1, default 10), then after a comma the spec of the
  estimator it wraps, e.g. ``batching:window=10,binning:bins=30,low=-1.0,high=1.0``.
- ``bootstrap``: ``resamples`` (integer >= 2, default 100), ``seed`` (integer >= 0, default 0),
  then the spec of the deterministic estimator it wraps: its estimate with a bootstrap
  standard error over the measured samples (``--bootstrap B`` wraps every such estimator).

Canonical names (what ``.name`` gives) list every parameter that changes the estimate, floats
as Python's repr: ``binning:bins=30,low=-1.0,high=1.0``, ``binning:bin_size=0.07``,
``binning:bins=100,range=layer``, ``kde-upper:noise_variance=0.1``,
``mc:noise_variance=0.1,target_se=0.01,max_draws=256,seed=0``,
``knn:k=3,noise_variance=0.1,points=8192,replicates=4,seed=0``,
``batching:window=10,kde-lower:noise_variance=0.1``.

A spec means one of two things, by where it is typed:

- to measure (``estimator_from_spec``), it names one estimator: omitted parameters take their
  defaults, so ``binning`` is ``binning:bins=30,low=-1.0,high=1.0``;
- to choose among measured estimators (``Spec.selects``, e.g. ``main_plot.py --estimator``),
  it selects every estimator of that head whose given parameters have the given values:
  ``binning`` is every Binning estimator, ``binning:bins=30`` every one with 30 bins whatever
  its range, ``kde-upper:noise_variance=1e-1`` the one with 0.1. Values compare as values, so
  ``low=-1`` selects ``low=-1.0`` and the order of the parameters does not matter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from infonet.information.batching import BatchingEstimator
from infonet.information.binning import BinningEstimator
from infonet.information.bootstrap import BootstrapEstimator
from infonet.information.contract import Estimator
from infonet.information.exact import ExactEstimator
from infonet.information.kde import KDEEstimator
from infonet.information.knn import NearestNeighbourEstimator
from infonet.information.mc import MonteCarloEstimator
from infonet.information.renyi import RenyiEstimator

ESTIMATORS: tuple[type[Estimator], ...] = (
    BinningEstimator,
    KDEEstimator,
    BatchingEstimator,
    MonteCarloEstimator,
    NearestNeighbourEstimator,
    RenyiEstimator,
    ExactEstimator,
    BootstrapEstimator,
)
"""Every estimator class a spec can name; a new estimator adds its class here."""

_BY_HEAD: dict[str, type[Estimator]] = {head: kind for kind in ESTIMATORS for head in kind.heads}


@dataclass(frozen=True)
class Spec:
    """A parsed spec: its head, the parameters it gives (checked values), what it wraps."""

    head: str
    parameters: dict[str, object] = field(default_factory=dict)
    wrapped: Spec | None = None
    text: str = ""

    @property
    def kind(self) -> type[Estimator]:
        """The estimator class the head names."""
        return _BY_HEAD[self.head]

    def build(self) -> Estimator:
        """The estimator this spec names, omitted parameters at their defaults."""
        kind = self.kind
        arguments = {**kind.heads[self.head], **self.parameters}
        if kind.wraps is not None:
            if self.wrapped is None:
                raise ValueError(
                    f"{self.head} needs the estimator it wraps after its parameters in "
                    f"{self.text!r}, e.g. {self.head}:binning"
                )
            arguments[kind.wraps] = self.wrapped.build()
        return kind(**arguments)

    def selects(self, measured: Spec) -> bool:
        """Whether this spec, as a choice among measured estimators, selects ``measured``.

        ``measured`` is a complete spec (a canonical name, parsed). Selected: the same head,
        a wrapped spec (if this one gives one) that selects the measured one's, and every
        given parameter equal in value: ``measured`` with this spec's parameters put in names
        the same estimator as ``measured`` itself.
        """
        if self.head != measured.head:
            return False
        if self.wrapped is not None and (
            measured.wrapped is None or not self.wrapped.selects(measured.wrapped)
        ):
            return False
        given = Spec(self.head, measured.parameters | self.parameters, measured.wrapped)
        try:
            return given.build() == measured.build()
        except ValueError:  # the given parameters cannot go with the measured ones
            return False


def parse_spec(spec: str) -> Spec:
    """Read a spec string (grammar in the module doc); ValueError naming what is wrong.

    Each given value is read and checked by the estimator's declared parameter; whether the
    values go together is checked when the estimator is built.
    """
    head, _, text = spec.strip().partition(":")
    head = head.strip()
    if head not in _BY_HEAD:
        raise ValueError(
            f"unknown estimator {head!r} in {spec!r}; allowed: {', '.join(_BY_HEAD)}"
        )
    kind = _BY_HEAD[head]
    items = [item.strip() for item in text.split(",")] if text.strip() else []
    own = len(items)
    if kind.wraps is not None:
        own = 0
        while own < len(items) and "=" in items[own] and ":" not in items[own]:
            own += 1
    wrapped = parse_spec(",".join(items[own:])) if own < len(items) else None
    return Spec(head, _parameters(kind, head, items[:own]), wrapped, spec)


def spec_help(pooling: bool = False) -> str:
    """The spec grammar for ``--estimator`` help, from each estimator's declared parameters and
    defaults: ``head[:key=default, ...]`` per head (``; `` between heads), choices as ``a|b``,
    a parameter without a default as ``key=KEY``; spaces after the commas are for wrapping
    (a spec may have them, quoted). Estimators that pool epochs (Batching) only when
    ``pooling``."""
    return "; ".join(_head_help(head, kind) for head, kind in _BY_HEAD.items()
                     if pooling or kind.pools_epochs is not True)


def _head_help(head: str, kind: type[Estimator]) -> str:
    """One head's part of ``spec_help``: the defaults are those its default estimator's name
    gives (so Binning's 30 bins on [-1, 1], which its fields leave unset, show)."""
    if kind.wraps is None:
        defaults = parse_spec(kind(**kind.heads[head]).name).parameters
    else:
        defaults = {f.name: f.default for f in dataclasses.fields(kind)}
    shown = []
    for parameter in kind.parameters:
        default = defaults.get(parameter.key)
        if parameter.choices:
            value = "|".join(parameter.choices)
        elif default is None or default is dataclasses.MISSING:
            value = parameter.key.upper()
        else:
            value = parameter.text(default)
        shown.append(f"{parameter.key}={value}")
    wrapped = ", SPEC" if kind.wraps is not None else ""
    return f"{head}[:{', '.join(shown)}{wrapped}]" if shown else head


def estimator_from_spec(spec: str) -> Estimator:
    """The estimator a spec string names (grammar in the module doc); ValueError if invalid."""
    return parse_spec(spec).build()


def _parameters(kind: type[Estimator], head: str, items: list[str]) -> dict[str, object]:
    """The values ``key=value`` items give for estimator ``head``, read and checked."""
    allowed = {parameter.key: parameter for parameter in kind.parameters}
    parameters: dict[str, object] = {}
    for item in items:
        key, equals, text = (part.strip() for part in item.partition("="))
        if not equals:
            raise ValueError(f"parameter {item!r} of {head} is not of the form key=value")
        key = kind.renamed.get(key, key)
        if key not in allowed:
            raise ValueError(
                f"unknown parameter {key!r} for {head}; allowed: {', '.join(allowed)}"
            )
        if key in parameters:
            raise ValueError(f"parameter {key!r} given twice for {head}")
        parameters[key] = allowed[key].parse(text)
    return parameters
