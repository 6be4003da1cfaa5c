"""The container engine the container tests drive: a docker daemon when one answers,
otherwise podman's Docker-compatible API (`podman system service`) on a private socket.

Both are reached through the docker SDK, so testcontainers and Docker Compose work the
same on either. Podman reads deploy/podman/containers.conf (runc, ulimits).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import docker
import requests

ROOT = Path(__file__).resolve().parents[2]
PODMAN_CONF = ROOT / "deploy" / "podman" / "containers.conf"
GAS_IMAGE = os.environ.get("GAS_IMAGE", "gas:0.1.0")
EMULATOR_IMAGE = os.environ.get("GAS_EMULATOR_IMAGE", "gas-moto:5.2.5")

# The compose/Kubernetes hardening, as docker SDK run() arguments (and a private /tmp).
HARDENING: dict[str, Any] = {
    "read_only": True,
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges"],
}


def _answers(base_url: str) -> bool:
    try:
        return bool(docker.DockerClient(base_url=base_url, timeout=10).ping())
    except Exception:  # noqa: BLE001 - any failure means "not this one"
        return False


class Engine:
    """A docker SDK client on whichever engine is here; `podman` is True for podman."""

    def __init__(self) -> None:
        self._service: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        host = os.environ.get("DOCKER_HOST")
        if host and _answers(host):
            pass
        elif _answers("unix:///var/run/docker.sock"):
            host = "unix:///var/run/docker.sock"
        elif shutil.which("podman"):
            host = self._start_podman_service()
        else:
            raise RuntimeError("no container engine: install docker or podman (make images "
                               "installs podman on Debian as root)")
        self.host = host
        os.environ["DOCKER_HOST"] = host
        self.client = docker.DockerClient(base_url=host, timeout=120)
        components = self.client.version().get("Components", [])
        self.podman = any("Podman" in c.get("Name", "") for c in components)

    def _start_podman_service(self) -> str:
        self._tmp = tempfile.TemporaryDirectory(prefix="gas-podman-")
        socket = f"unix://{self._tmp.name}/podman.sock"
        env = {**os.environ, "CONTAINERS_CONF": str(PODMAN_CONF)}
        self._service = subprocess.Popen(  # noqa: S603 - fixed arguments
            ["podman", "system", "service", "--time=0", socket], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not _answers(socket):
            if self._service.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("podman system service did not start")
            time.sleep(0.3)
        return socket

    def podman_env(self) -> dict[str, str]:
        """The environment for podman or docker CLI commands run by the tests."""
        return {**os.environ, "CONTAINERS_CONF": str(PODMAN_CONF), "DOCKER_HOST": self.host}

    def has_image(self, name: str) -> bool:
        try:
            self.client.images.get(name)
            return True
        except docker.errors.ImageNotFound:
            return False

    def close(self) -> None:
        self.client.close()
        if self._service is not None:
            self._service.terminate()
            self._service.wait(timeout=30)
        if self._tmp is not None:
            self._tmp.cleanup()


class HealthTicker:
    """Runs the containers' HEALTHCHECKs every few seconds while it is on.

    Podman schedules healthchecks with systemd timers; on a host without systemd they
    never run and Compose would wait for `service_healthy` forever. Docker needs none.
    """

    def __init__(self, engine: Engine, interval: float = 2.0):
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthTicker:
        if self.engine.podman:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        env = self.engine.podman_env()
        while not self._stop.wait(self.interval):
            listed = subprocess.run(
                ["podman", "ps", "--filter", "health=starting", "--filter", "health=unhealthy",
                 "--filter", "health=healthy", "--format", "{{.ID}}"],
                capture_output=True, text=True, env=env, check=False, timeout=60)
            for cid in listed.stdout.split():
                subprocess.run(["podman", "healthcheck", "run", cid], env=env, check=False,
                               capture_output=True, timeout=60)


def http_status(url: str, timeout: float = 10, **kwargs: Any) -> int:
    """The status of GET url, 0 when nothing answers."""
    try:
        return requests.get(url, timeout=timeout, **kwargs).status_code
    except requests.RequestException:
        return 0
