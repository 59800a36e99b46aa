"""Command-line options main_plot.py and main_movie.py share: what to show, epoch scale, limits.

Only parsing lives here; the commands pass the values to the plotting functions.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from networks.datasets import SAMPLES
from plotting.style import EPOCH_SCALES


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


def plane_options(multiple: bool) -> Callable:
    """--estimator and --samples (repeatable when ``multiple``), --epoch-scale, --xlim, --ylim."""
    which = ("Estimators to show, repeatable: a canonical name from information.csv or its "
             "start (binning, kde-upper, binning:bins=30) [default: all]." if multiple else
             "The estimator to animate: a canonical name from information.csv or its start "
             "(binning, kde-upper) [default: the first measured].")
    options = [
        click.option("--estimator", "estimators" if multiple else "estimator", multiple=multiple,
                     metavar="SPEC", help=which),
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
