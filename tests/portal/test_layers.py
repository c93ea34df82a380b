"""Apps depend one way (pyproject.toml's import-linter contract): the foundation never reaches
up into the domains, the domains never into each other or into ``hub``, and an import hidden
inside a function counts as much as one at the top of a module."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return config["root_packages"], config["contracts"][0]["layers"]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


def test_every_app_of_the_portal_is_in_a_layer():
    packages, layers = _contract()
    apps = {app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    in_layers = {name.strip() for layer in layers for name in layer.split("|")}
    assert apps == set(packages) == in_layers


def test_the_tree_keeps_the_layers():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def copy_of_the_tree(tmp_path):
    packages, _layers = _contract()
    for package in packages:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(("module", "imported", "message"), [
    # The foundation reaching up, from inside a function.
    ("notifications/services.py", "from programs.models import Status",
     "notifications is not allowed to import programs"),
    ("portal/scoping.py", "from partners.models import PartnerMembership",
     "portal is not allowed to import partners"),
    # Two domains of the same layer.
    ("enterprises/services.py", "from programs import services",
     "enterprises is not allowed to import programs"),
    # Anything importing the top.
    ("regionalisation/views/board.py", "from hub import views",
     "regionalisation is not allowed to import hub"),
])
def test_an_import_against_the_order_breaks_the_contract(copy_of_the_tree, module, imported,
                                                         message):
    path = copy_of_the_tree / module
    path.write_text(path.read_text() + f"\n\ndef _sneaky():\n    {imported}\n")
    result = _lint(copy_of_the_tree)
    assert result.returncode != 0
    assert message in " ".join(result.stdout.split())
