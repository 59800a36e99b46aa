"""``infonet``, the console command a ``pip install`` gives: one subcommand per ``main_*.py``.

    infonet data ...       main_data.py: train, snapshot, measure
    infonet batching ...   main_as_if_random.py: measure a saved run with the Batching estimator
    infonet plot ...       main_plot.py: planes, curves, metrics, the HTML report
    infonet movie ...      main_movie.py: the plane through training as a GIF or MP4
    infonet --version

The subcommands are the very click commands of the ``main_*.py`` files (installed beside the
packages as top-level modules), with the same flags, errors and exit statuses (``run_cli``).
They live above this package, so they are named here by module and imported only when asked
for: ``infonet plot`` never imports the training side.
"""

from __future__ import annotations

import importlib

import click

from infonet.cli.command import main_entry
from infonet.networks.versions import TOOLKIT_VERSION

PROGRAM = "infonet"
COMMANDS = {"data": "main_data", "batching": "main_as_if_random", "plot": "main_plot",
            "movie": "main_movie"}
"""Subcommand -> the module whose ``main`` it runs."""


class _Commands(click.Group):
    """A group whose subcommands are imported from their modules on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return importlib.import_module(COMMANDS[name]).main


@click.group(cls=_Commands, no_args_is_help=False,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(TOOLKIT_VERSION, "--version", prog_name=PROGRAM,
                      message="%(prog)s %(version)s")
def infonet() -> None:
    """Measure the information each layer of a network keeps about its input and label."""


def main() -> None:
    """The ``infonet`` console script: run the group and exit with its status."""
    main_entry(infonet)
