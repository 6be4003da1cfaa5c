"""Run the embedded GAS stack: a moto server and the five services as child processes.

`gas up` and the integration tests both use this, so what the tests start is
what a person starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import requests
from gas_common.settings import SERVICES, Settings

# Dummy credentials: the emulator accepts any, and real ones must never reach it.
EMULATOR_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "gas-local",
    "AWS_SECRET_ACCESS_KEY": "gas-local",  # noqa: S105 - emulator only, not a secret
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_SESSION_TOKEN": "",
}


def settings_from_env(env: dict[str, str]) -> Settings:
    """Settings as a child process with exactly this environment would read them."""
    values: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        key = f"GAS_{name.upper()}"
        values[name] = env[key] if key in env else field.get_default(call_default_factory=True)
    return Settings.model_validate(values)


def embedded_env(base: dict[str, str], ports: dict[str, int] | None = None) -> dict[str, str]:
    """The environment of an embedded stack: local mode, the emulator, fresh secrets."""
    env = dict(base)
    env.update(EMULATOR_AWS_ENV)
    env.setdefault("GAS_ENV", "local")
    for service, port in (ports or {}).items():
        env[f"GAS_{service.upper()}_PORT"] = str(port)
    s = settings_from_env(env)
    host = s.host
    env.setdefault("GAS_AWS_ENDPOINT_URL", f"http://{host}:{s.emulator_port}")
    env.setdefault("GAS_PUBLIC_URL", f"http://{host}:{s.web_port}")
    for service in SERVICES[1:]:
        env.setdefault(f"GAS_{service.upper()}_URL", f"http://{host}:{s.port_of(service)}")
    # Per-run secrets: nothing secret is stored in the repo or reused across runs.
    env.setdefault("GAS_SNS_SHARED_SECRET", secrets.token_urlsafe(24))
    env.setdefault("GAS_SECRET_KEY", secrets.token_urlsafe(32))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _die_with_parent() -> None:
    """In the child: get SIGTERM if `gas up` itself dies (no orphans on Linux)."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ServiceDied(RuntimeError):
    """A child process exited while the stack was meant to be up."""


class Stack:
    """The emulator plus the services, each a child process in its own process group."""

    def __init__(
        self,
        env: dict[str, str],
        services: tuple[str, ...] = SERVICES,
        emulator: bool = True,
        log: Callable[[str, str], Any] | None = None,
        log_dir: Path | None = None,
        keep_data: Path | None = None,
    ):
        self.env = env
        self.keep_data = keep_data  # the emulator saves its data here (gas up)
        self.settings = settings_from_env(env)
        self.services = services
        self.emulator = emulator
        self.log = log or (lambda name, line: print(f"{name:<9} | {line}", flush=True))
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._pumps: list[threading.Thread] = []

    # --- commands of each child -------------------------------------------------------

    def command(self, name: str) -> list[str]:
        s = self.settings
        if name == "emulator" and self.keep_data is not None:
            return [sys.executable, "-m", "gas_tools.emulator", s.host, str(s.emulator_port),
                    str(self.keep_data), str(s.snapshot_seconds)]
        if name == "emulator":
            return [sys.executable, "-m", "moto.server", "-H", s.host, "-p", str(s.emulator_port)]
        # The same gunicorn configuration as the container image (gas_common.gunicorn_conf).
        return [sys.executable, "-m", "gunicorn", "--config", "python:gas_common.gunicorn_conf",
                f"gas_{name}:create_app()"]

    def url(self, name: str) -> str:
        s = self.settings
        port = s.emulator_port if name == "emulator" else s.port_of(name)
        return f"http://{s.host}:{port}"

    # --- lifecycle --------------------------------------------------------------------

    def start(self, name: str) -> None:
        """Start one child (emulator or a service)."""
        proc = subprocess.Popen(
            self.command(name),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - setsid + death signal only
        )
        self.procs[name] = proc
        sink = (self.log_dir / f"{name}.log").open("ab") if self.log_dir else None
        pump = threading.Thread(target=self._pump, args=(name, proc.stdout, sink), daemon=True)
        pump.start()
        self._pumps.append(pump)

    def _pump(self, name: str, stream: IO[bytes] | None, sink: IO[bytes] | None) -> None:
        assert stream is not None
        for raw in iter(stream.readline, b""):
            if sink:
                sink.write(raw)
                sink.flush()
            else:
                self.log(name, raw.decode("utf-8", "replace").rstrip())
        if sink:
            sink.close()

    def wait_ready(self, names: list[str], timeout: float = 60) -> None:
        """Block until each child answers its readiness probe; ServiceDied on an early exit."""
        deadline = time.monotonic() + timeout
        pending = list(names)
        while pending:
            self.check_alive()
            name = pending[0]
            path = "/moto-api/" if name == "emulator" else "/readyz"
            try:
                if requests.get(self.url(name) + path, timeout=2).status_code == 200:
                    pending.pop(0)
                    continue
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{', '.join(pending)} not ready after {timeout:.0f} s")
            time.sleep(0.1)

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            code = proc.poll()
            if code is not None:
                raise ServiceDied(f"{name} exited with code {code}")

    def start_emulator(self) -> None:
        self.start("emulator")
        self.wait_ready(["emulator"])

    def start_services(self, names: tuple[str, ...] | None = None, timeout: float = 60) -> None:
        names = names or self.services
        for name in names:
            self.start(name)
        self.wait_ready(list(names), timeout)

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        """Stop one child and everything in its process group."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # stragglers in the group
        return proc.returncode

    def stop_all(self) -> None:
        """Services first, then the emulator they depend on."""
        for name in [n for n in list(self.procs) if n != "emulator"] + ["emulator"]:
            self.stop(name)

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.procs.items()}
