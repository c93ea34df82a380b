"""Reproducible installs: bin/run, bin/test, CI and the Dockerfile install the lockfiles
(requirements/*.lock, refreshed by bin/lock), which must stay in step with pyproject.toml."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^ \\]+)")


def _lock(name):
    """{package: (version, number of hashes)} of requirements/<name>.lock."""
    pins, current = {}, None
    for line in (ROOT / "requirements" / f"{name}.lock").read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match[1])
            pins[current] = [match[2], 0]
        elif current and line.strip().startswith("--hash=sha256:"):
            pins[current][1] += 1
    return pins


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize("lock, groups", [("base", []), ("test", ["test"])])
def test_every_dependency_of_pyproject_is_pinned_within_its_range(lock, groups):
    pins = _lock(lock)
    wanted = _project()["dependencies"] + [
        dep for group in groups for dep in _project()["optional-dependencies"][group]]
    for spec in map(Requirement, wanted):
        name = canonicalize_name(spec.name)
        assert name in pins, f"{spec.name} is missing from {lock}.lock: run bin/lock"
        assert spec.specifier.contains(pins[name][0], prereleases=True), (
            f"{lock}.lock pins {spec.name} {pins[name][0]}, outside {spec.specifier}: run bin/lock")


@pytest.mark.parametrize("lock", ["base", "test"])
def test_every_pin_carries_its_hashes(lock):
    assert all(hashes for _, hashes in _lock(lock).values())


def test_the_portal_runs_the_same_versions_with_and_without_its_tests():
    base, test = _lock("base"), _lock("test")
    assert {name: base[name][0] for name in base} == {name: test[name][0] for name in base}


def test_this_environment_is_the_lockfile():
    """bin/test installed exactly the test lockfile (not pyproject's ranges)."""
    different = {}
    for name, (version, _) in _lock("test").items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            different[name] = (version, installed)
    assert not different, f"installed versions differ from requirements/test.lock: {different}"
