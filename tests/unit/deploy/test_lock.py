"""requirements.lock (what the image installs) pins everything pyproject.toml asks for;
requirements-build.lock pins what builds GAS (its [build-system] requires)."""

from __future__ import annotations

import re
import tomllib

from gas_common.settings import SERVICES
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.unit.deploy.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", re.MULTILINE)


def pins(text: str) -> dict[str, Version]:
    return {canonicalize_name(name): Version(v) for name, v in PIN.findall(text)}


def wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in
            [*project["dependencies"], *(r for s in SERVICES for r in extras[s])]]


def test_the_lock_pins_every_dependency_of_the_services_within_its_range() -> None:
    lock = (ROOT / "requirements.lock").read_text()
    pinned = pins(lock)
    assert len(pinned) > 30 and lock.count("--hash=sha256:") >= len(pinned)
    for req in wanted():
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in requirements.lock: run make lock"
        assert req.specifier.contains(pinned[name]), f"{name} {pinned[name]} not in {req}"


def test_the_build_lock_pins_what_builds_gas_within_its_range() -> None:
    lock = (ROOT / "requirements-build.lock").read_text()
    pinned = pins(lock)
    assert pinned and lock.count("--hash=sha256:") >= len(pinned)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    for req in map(Requirement, requires):
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in requirements-build.lock: run make lock"
        assert req.specifier.contains(pinned[name]), f"{name} {pinned[name]} not in {req}"


def test_a_dependency_missing_from_the_lock_is_caught() -> None:
    lock = (ROOT / "requirements.lock").read_text()
    without_flask = re.sub(r"^flask==.*$", "", lock, flags=re.MULTILINE)
    assert "flask" in pins(lock) and "flask" not in pins(without_flask)
