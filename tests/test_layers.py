"""The floor plan holds: a package imports only from the packages below it, and the
estimators (``information``) are pure math, importing numpy and scipy only."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "infonet"
LAYERS = ("information", "rundir", "analysis", "data", "networks", "measuring", "plotting", "cli")
"""Bottom to top (README, "Architecture")."""


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in ``path``, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _layer(module: str) -> str | None:
    """The floor-plan package a module name belongs to (``infonet.rundir.lock``: rundir), or
    None for a module outside the toolkit."""
    parts = module.split(".")
    return parts[1] if parts[0] == "infonet" and len(parts) > 1 else None


@pytest.mark.parametrize("package", LAYERS)
def test_a_package_imports_only_from_the_packages_below_it(package):
    above = set(LAYERS[LAYERS.index(package) + 1:])
    upward = [f"{path.relative_to(ROOT)}:{line} imports {module}"
              for path in sorted((PACKAGE / package).rglob("*.py"))
              for line, module in _imports(path) if _layer(module) in above]
    assert upward == []


def test_the_estimators_import_numpy_and_scipy_only():
    allowed = {"numpy", "scipy", "__future__", *sys.stdlib_module_names}
    others = [f"{path.relative_to(ROOT)}:{line} imports {module}"
              for path in sorted((PACKAGE / "information").glob("*.py"))
              for line, module in _imports(path)
              if module.split(".")[0] not in allowed and _layer(module) != "information"]
    assert others == []


def test_every_package_is_in_the_floor_plan():
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == set(LAYERS)
