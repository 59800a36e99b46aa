"""The commands' edge: every failure is one short ``error:`` line and a non-zero exit status."""

import click
import pytest

from infonet.cli.command import MAX_ERROR, run_cli


def _command(failure):
    @click.command()
    def command():
        raise failure
    return command


@pytest.mark.parametrize("failure", [ValueError("bad value"), FileNotFoundError("no file"),
                                     OverflowError("too large"), click.UsageError("bad flag")])
def test_bad_input_is_one_line_and_status_2(capsys, failure):
    assert run_cli(_command(failure), []) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_running_out_of_memory_is_one_line(capsys):
    assert run_cli(_command(MemoryError()), []) == 2
    assert capsys.readouterr().err.startswith("error: out of memory")


def test_a_long_error_is_cut_to_one_short_line(capsys):
    run_cli(_command(ValueError("x" * 10**6 + "\n" + "y" * 10)), [])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) == len("error: ") + MAX_ERROR + 1


def test_the_exit_status_of_a_nested_command_propagates():
    inner = _command(ValueError("bad"))

    @click.command()
    def outer():
        status = run_cli(inner, [])
        if status:
            raise click.exceptions.Exit(status)

    assert run_cli(outer, []) == 2


def test_help_exits_0(capsys):
    assert run_cli(_command(ValueError()), ["--help"]) == 0
