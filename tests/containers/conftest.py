"""Fixtures for the container tests: the engine, the built images, a network, moto.

`make images` builds the images first (`make test` and `make containers` do). Every
container these fixtures start is removed by them: testcontainers' reaper (Ryuk) is off,
since its image cannot be pulled without a registry.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# testcontainers reads these when it is imported: no reaper; talk to the engine's socket
# from the host (it would otherwise guess it runs inside a container under podman).
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
os.environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", "docker_host")

from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.network import Network  # noqa: E402

from tests.containers.engine import (  # noqa: E402
    EMULATOR_IMAGE,
    GAS_IMAGE,
    HARDENING,
    ROOT,
    Engine,
    http_status,
)
from tests.harness import wait_for  # noqa: E402

SNS_SECRET = "container-test-sns-secret"  # noqa: S105 - a test value, not a credential
REFERENCE = "gas-test"  # the bundle the annotator reads (tests/conftest.py builds it)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One worker runs them all, one after another: they share the engine and the machine.
    for item in items:
        if "tests/containers" in str(item.path):
            item.add_marker(pytest.mark.containers)
            item.add_marker(pytest.mark.xdist_group("containers"))


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
    """A host directory holding the small test bundle, mounted into containers read-only:
    the containers never download a reference (docs/operations.md, "Reference data")."""
    from gas_annotator.reference.custom import build_custom

    gtf = ROOT / "tests" / "data" / "annotator" / "reference.gtf"
    with tempfile.TemporaryDirectory(prefix="gas-ctest-reference-") as tmp:
        os.chmod(tmp, 0o755)  # the containers' user (uid 10001) reads it
        build_custom(gtf, "gtf", Path(tmp) / REFERENCE, REFERENCE)
        yield Path(tmp)


@pytest.fixture(scope="module")
def network(engine: Engine) -> Iterator[Network]:
    """A bridge network of its own, with DNS between the containers on it."""
    with Network() as net:
        yield net


def service_env(**extra: str) -> dict[str, str]:
    """What every GAS container gets, as in compose.yaml (services reached by name)."""
    return {
        "GAS_ENV": "local",
        "GAS_AWS_ENDPOINT_URL": "http://moto:4566",
        "GAS_ANNOTATOR_URL": "http://annotator:8081",
        "GAS_ARCHIVER_URL": "http://archiver:8082",
        "GAS_THAWER_URL": "http://thawer:8083",
        "GAS_NOTIFIER_URL": "http://notifier:8084",
        "GAS_SNS_SHARED_SECRET": SNS_SECRET,
        "GAS_SECRET_KEY": "container-test-secret-key",
        "GAS_REFERENCE": REFERENCE,
        "AWS_ACCESS_KEY_ID": "gas-local",
        "AWS_SECRET_ACCESS_KEY": "gas-local",
        "AWS_DEFAULT_REGION": "us-east-1",
        **extra,
    }


def gas_container(network: Network, name: str, command: list[str],
                  reference_dir: Path | None = None, **env: str) -> DockerContainer:
    """A GAS container on `network`, known there as `name`, under the hardening."""
    container = (DockerContainer(GAS_IMAGE)
                 .with_name(f"gas-test-{name}-{uuid.uuid4().hex[:8]}")
                 .with_network(network).with_network_aliases(name)
                 .with_command(command).with_kwargs(**HARDENING)
                 .with_tmpfs_mount("/tmp"))
    for key, value in service_env(**env).items():
        container.with_env(key, value)
    if reference_dir is not None:
        container.with_volume_mapping(str(reference_dir), "/var/lib/gas/reference", "ro")
    return container


def service_command(service: str) -> list[str]:
    """The command compose.yaml and k8s/ give the service's container."""
    return ["gunicorn", "--config", "python:gas_common.gunicorn_conf",
            f"gas_{service}:create_app()"]


@pytest.fixture(scope="module")
def moto(network: Network) -> Iterator[DockerContainer]:
    """The emulator image on the network as `moto`, published on a free host port."""
    container = (DockerContainer(EMULATOR_IMAGE).with_network(network)
                 .with_name(f"gas-test-moto-{uuid.uuid4().hex[:8]}")
                 .with_network_aliases("moto").with_exposed_ports(4566)
                 .with_kwargs(**HARDENING).with_tmpfs_mount("/tmp"))
    container.start()
    try:
        url = moto_url(container)
        wait_for(lambda: http_status(url + "/moto-api/") == 200, timeout=60,
                 what="moto answering")
        yield container
    finally:
        container.stop()


def moto_url(container: DockerContainer) -> str:
    return f"http://127.0.0.1:{container.get_exposed_port(4566)}"


@pytest.fixture(scope="module")
def provision(network: Network, moto: DockerContainer) -> Callable[[], None]:
    """Run `gas provision` from the image against the moto container, as compose does."""

    def run() -> None:
        container = gas_container(network, "provision", ["gas", "provision"])
        container.start()
        try:
            code = container.get_wrapped_container().wait(timeout=180)["StatusCode"]
            assert code == 0, container.get_logs()
        finally:
            container.stop()

    run()
    return run
