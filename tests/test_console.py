"""The installed package: the ``infonet`` console command over the four ``main_*.py``
commands, and pyproject.toml declaring what the checkout holds and what CI pins.

CI also builds the wheel, installs it into a fresh environment and runs every subcommand
from another directory (``.ci/run``); these tests keep the declarations honest in between.
"""

import importlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import click

from infonet.cli.command import run_cli
from infonet.cli.console import COMMANDS, infonet
from infonet.networks.versions import TOOLKIT_VERSION, git_commit

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _pins(name: str) -> dict[str, str]:
    """A requirements file's pins: package -> version (environment markers dropped)."""
    lines = (ROOT / name).read_text().splitlines()
    pins = [line.split(";")[0].strip() for line in lines if line and not line.startswith("#")]
    return dict(pin.split("==") for pin in pins)


def _lower_bounds(requirements: list[str]) -> dict[str, str]:
    """pyproject requirements ``name>=version[; marker]`` as name -> version."""
    return dict(re.fullmatch(r"([\w.-]+)>=([\w.]+)", r.split(";")[0].strip()).groups()
                for r in requirements)


def test_version_prints_the_toolkit_version(capsys):
    assert run_cli(infonet, ["--version"]) == 0
    assert capsys.readouterr().out == f"infonet {TOOLKIT_VERSION}\n"


def test_each_subcommand_is_the_command_of_its_main_py():
    ctx = click.Context(infonet)
    for name, module in COMMANDS.items():
        assert infonet.get_command(ctx, name) is importlib.import_module(module).main


def test_a_missing_subcommand_is_one_error_line(capsys):
    assert run_cli(infonet, []) == 2
    assert capsys.readouterr().err == "error: Missing command.\n"


def test_a_subcommand_runs_from_another_directory(tmp_path):
    code = "from infonet.cli.console import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "plot", "--help"], cwd=tmp_path,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Usage: -c plot [OPTIONS] RUN_DIR|INFORMATION_CSV...")


def test_the_console_script_is_the_console_main():
    assert PROJECT["scripts"] == {"infonet": "infonet.cli.console:main"}


def test_the_wheel_holds_every_command_and_every_package():
    commands = sorted(path.stem for path in ROOT.glob("main_*.py"))
    assert sorted(SETUPTOOLS["py-modules"]) == commands == sorted(COMMANDS.values())
    assert SETUPTOOLS["packages"]["find"]["include"] == ["infonet*"]


def test_every_pinned_package_is_declared_at_most_at_its_pin():
    declared = _lower_bounds(PROJECT["dependencies"])
    for extra in PROJECT["optional-dependencies"].values():
        declared |= _lower_bounds(extra)
    pins = _pins("requirements.txt") | _pins("requirements-extras.txt")
    assert set(declared) == set(pins) - {"ruff"}
    newer = {name: (declared[name], pin) for name, pin in pins.items() if name in declared and
             tuple(map(int, declared[name].split("."))) > tuple(map(int, pin.split(".")))}
    assert newer == {}


def test_the_extras_file_is_sorted_one_package_a_line():
    lines = [line for line in (ROOT / "requirements-extras.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines == sorted(lines, key=str.lower) and all("==" in line for line in lines)


def test_the_checkout_records_its_commit():
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", git_commit())


def test_an_installed_copy_records_no_commit_even_inside_a_checkout(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    package = tmp_path / ".venv" / "site-packages" / "infonet" / "networks"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "versions.py").write_text((ROOT / "infonet" / "networks" / "versions.py")
                                         .read_text())
    code = ("import sys; from infonet.networks.versions import git_commit as c; "
            "sys.exit(c() is not None)")
    done = subprocess.run([sys.executable, "-c", code], cwd=package.parent.parent)
    assert done.returncode == 0
