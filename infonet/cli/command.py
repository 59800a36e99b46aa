"""Conventions shared by the four ``main_*.py`` commands: one-line errors, exit statuses, and
the flags that several commands share (where measuring runs, waiting for a run's lock).

Bad input of any kind (an unknown flag value, a missing file, mismatched arrays, a parameter
out of range, a run another process is writing) ends a command with ``error: <what is
wrong>`` on standard error and exit status 2, never a traceback; the line is cut to
``MAX_ERROR`` characters. Library code signals such input with ValueError or OSError; running
out of memory is reported the same way. A bad environment is bad input too: ``MPLBACKEND``
is taken out of the environment when this module is imported (the commands import it before
matplotlib, which refuses a bad value with a traceback when it is imported; they draw on
their own canvases, never through pyplot, so they need no backend) and checked by
``run_cli`` before the command runs; ``KERAS_BACKEND`` is checked when Keras is imported
(``networks.quiet_start``).
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from infonet.measuring.backend import BACKENDS, Tls

BAD_INPUT = 2
MAX_ERROR = 300
"""Longest error line, in characters."""

_PLOT_BACKEND = os.environ.pop("MPLBACKEND", None)
"""The user's ``MPLBACKEND``, out of the environment before matplotlib reads it (module doc)."""


def check_plot_backend() -> None:
    """ValueError naming ``MPLBACKEND`` when it was set to something matplotlib does not know."""
    if _PLOT_BACKEND is None:
        return
    from matplotlib.rcsetup import validate_backend

    try:
        validate_backend(_PLOT_BACKEND)
    except ValueError:
        raise ValueError(f"MPLBACKEND={_PLOT_BACKEND!r} is not a matplotlib backend (unset it: "
                         "these commands draw to files and need none)") from None


def run_cli(command: click.Command, args: Sequence[str] | None = None) -> int:
    """Run ``command`` on ``args`` (default: sys.argv) and return its exit status; warnings
    show as ``warning: <message>`` lines on standard error."""
    try:
        check_plot_backend()
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            status = command.main(args=list(args) if args is not None else None,
                                  standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as error:
        return _error(error.format_message())
    except (ValueError, OSError, OverflowError) as error:  # bad values, unreadable files
        return _error(str(error))
    except MemoryError:
        return _error("out of memory: the network, dataset or estimator is too large for "
                      "this machine")
    return status if isinstance(status, int) else 0


def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: object = None, line: str | None = None) -> None:
    """A warning as one ``warning: ...`` line on standard error, without the source line."""
    click.echo(f"warning: {' '.join(str(message).split())}", err=True)


def _error(message: str) -> int:
    line = " ".join(message.split())
    if len(line) > MAX_ERROR:
        line = line[: MAX_ERROR - 3] + "..."
    click.echo(f"error: {line}", err=True)
    return BAD_INPUT


def main_entry(command: click.Command) -> None:
    """``if __name__ == "__main__"`` body: run the command and exit with its status."""
    sys.exit(run_cli(command))


def given(ctx: click.Context, name: str) -> bool:
    """Whether the parameter ``name`` was typed on the command line (not a default or preset)."""
    return ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE


def announce(line: str) -> None:
    """Tell the user, on standard error, what the command is waiting for."""
    click.echo(line, err=True)


def directory_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """click callback of a directory flag: the path, refusing an empty one (which would
    silently name the current directory)."""
    if value is not None and not value.strip():
        raise click.BadParameter("must name a directory, got an empty path")
    return None if value is None else Path(value)


def finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """click callback of a number flag: refuse nan and infinities, which ranges let through."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"must be a finite number, got {value}")
    return value


def wait_option(command: Callable) -> Callable:
    """``--wait``: wait for another process writing the run instead of stopping."""
    return click.option(
        "--wait", is_flag=True,
        help="When another process is writing the run directory, wait for it to finish "
             "instead of stopping with an error naming it.")(command)


def backend_options(command: Callable) -> Callable:
    """``--backend``, ``--scheduler-address`` and the TLS certificate flags (``tls_of``
    gathers the last three into one ``Tls``)."""
    file = click.Path(path_type=Path, dir_okay=False)
    options = [
        click.option("--backend", type=click.Choice(BACKENDS), default="local",
                     help="Where measuring runs: this machine's processes, or a "
                          "dask.distributed cluster (anyone who can reach its scheduler can "
                          "run code on its workers: trusted networks or TLS only)."),
        click.option("--scheduler-address", default=None, metavar="tcp://|tls://HOST:PORT",
                     help="The dask scheduler to send measuring tasks to (with --backend "
                          "dask)."),
        click.option("--tls-ca-file", type=file, default=None,
                     help="For a tls:// scheduler: the CA certificate (PEM) that signed the "
                          "cluster's certificates [default: dask's configuration]."),
        click.option("--tls-cert", type=file, default=None,
                     help="For a tls:// scheduler: this client's certificate (PEM)."),
        click.option("--tls-key", type=file, default=None,
                     help="For a tls:// scheduler: this client's private key (PEM) [default: "
                          "in the --tls-cert file]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def tls_of(flags: dict) -> Tls:
    """The ``Tls`` of the flags ``backend_options`` added, removing them from ``flags``."""
    return Tls(flags.pop("tls_ca_file"), flags.pop("tls_cert"), flags.pop("tls_key"))
