"""Fixtures for the container tests: the engine, the built images, a network, moto.

`make images` builds the images first (`make test` and `make containers` do). `make test`
runs them in a pytest process of their own after the rest, one after another: they share
the engine (one `podman system service`) and load the machine enough on their own. Every
container these fixtures start is removed by them: testcontainers' reaper (Ryuk) is off,
since its image cannot be pulled without a registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.containers import gas
from tests.containers.engine import EMULATOR_IMAGE, GAS_IMAGE, Engine
from tests.containers.gas import DockerContainer, Network


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    try:
        found = Engine()
    except RuntimeError as exc:
        pytest.fail(f"{exc}; then run `make images`")
    missing = [i for i in (GAS_IMAGE, EMULATOR_IMAGE) if not found.has_image(i)]
    if missing:
        found.close()
        pytest.fail(f"images {missing} are not built: run `make images`")
    yield found
    found.close()


@pytest.fixture(scope="session")
def reference_dir() -> Iterator[Path]:
    with gas.reference_bundle() as path:
        yield path


@pytest.fixture(scope="module")
def network(engine: Engine) -> Iterator[Network]:
    """A bridge network of its own, with DNS between the containers on it."""
    with Network() as net:
        yield net


@pytest.fixture(scope="module")
def moto(network: Network) -> Iterator[DockerContainer]:
    with gas.moto_container(network) as container:
        yield container


@pytest.fixture(scope="module")
def provision(network: Network, moto: DockerContainer) -> Callable[[], None]:
    """Provision moto from the image once; the fixture value provisions again."""
    gas.provision(network)
    return lambda: gas.provision(network)
