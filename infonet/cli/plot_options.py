"""Command-line options main_plot.py and main_movie.py share: what to show, epoch scale, limits.

Only parsing lives here; the commands pass the values to the plotting functions.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from infonet.data.datasets import SAMPLES
from infonet.information.estimators import Spec, parse_spec
from infonet.plotting.style import EPOCH_SCALES


class AxisLimits(click.ParamType):
    """``LOW,HIGH``: two numbers, LOW below HIGH, as a (low, high) pair of floats."""

    name = "LOW,HIGH"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[float, float]:
        if isinstance(value, tuple):
            return value
        try:
            low, high = (float(part) for part in str(value).split(","))
        except ValueError:
            self.fail(f"expected two numbers LOW,HIGH, got {value!r}", param, ctx)
        if not low < high:
            self.fail(f"LOW must be below HIGH, got {value!r}", param, ctx)
        return low, high


class EstimatorFilter(click.ParamType):
    """An estimator spec that chooses among the measured estimators, parsed by ``parse_spec``."""

    name = "SPEC"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Spec:
        if isinstance(value, Spec):
            return value
        try:
            return parse_spec(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


def plane_options(multiple: bool) -> Callable:
    """--estimator and --samples (repeatable when ``multiple``), --epoch-scale, --xlim, --ylim."""
    rule = ("selects every measured estimator of that head whose given parameters have the "
            "given values, whatever the order and spelling (binning: every binning; "
            "binning:low=-1,bins=30 selects binning:bins=30,low=-1.0,high=1.0)")
    which = (f"Estimators to show, repeatable: a spec that {rule} [default: all]." if multiple
             else f"The estimator to animate: a spec that {rule}; the first selected is "
                  "animated [default: the first measured].")
    options = [
        click.option("--estimator", "estimators" if multiple else "estimator", multiple=multiple,
                     type=EstimatorFilter(), help=which),
        click.option("--samples", type=click.Choice(SAMPLES), multiple=multiple,
                     help="Show only measurements on these samples, repeatable [default: all]."
                          if multiple else "The samples whose measurements to animate "
                                           "[default: the first measured]."),
        click.option("--epoch-scale", "--color-scale", "epoch_scale",
                     type=click.Choice(EPOCH_SCALES), default="log", show_default=True,
                     help="How epochs are spaced on the colour bar (and on epoch axes): "
                          "log places log10(epoch + 1), so that epoch 0 has a place."),
        click.option("--xlim", type=AxisLimits(), default=None,
                     help="I(X;T) axis range in bits [default: 0 to H(X)]."),
        click.option("--ylim", type=AxisLimits(), default=None,
                     help="I(Y;T) axis range in bits [default: 0 to H(Y)]."),
    ]

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate
