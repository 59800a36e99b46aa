"""Conventions shared by the four ``main_*.py`` commands: one-line errors and exit status 2.

Bad input of any kind (an unknown flag value, a missing file, mismatched arrays, a parameter
out of range) ends a command with ``error: <what is wrong>`` on standard error and exit status
2, never a traceback. Library code signals such input with ValueError or FileNotFoundError.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

BAD_INPUT = 2


def run_cli(command: click.Command, args: Sequence[str] | None = None) -> int:
    """Run ``command`` on ``args`` (default: sys.argv) and return its exit status."""
    try:
        command.main(args=list(args) if args is not None else None, standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as error:
        click.echo(f"error: {error.format_message()}", err=True)
        return BAD_INPUT
    except (ValueError, OSError) as error:  # bad values, missing or unreadable files
        click.echo(f"error: {error}", err=True)
        return BAD_INPUT
    return 0


def main_entry(command: click.Command) -> None:
    """``if __name__ == "__main__"`` body: run the command and exit with its status."""
    sys.exit(run_cli(command))
