"""The integration harness: a real moto server and real service processes on free ports.

It starts them through gas_tools.stack, the same code as `gas up`.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from gas_common import aws
from gas_common.messages import dumps
from gas_common.settings import SERVICES, Settings
from gas_common.stores import JobStore, UserStore
from gas_tools.provision import provision
from gas_tools.stack import Stack, embedded_env, settings_from_env

_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_FIRST_PORT = 10_000
_handed_out: set[int] = set()


def _port_range() -> range:
    """Where free_port looks: below the kernel's ephemeral range, because outgoing
    connections take ports there and one could take a port found free before its server
    binds it (a `gas up` test failed so); split between pytest-xdist workers so that two
    never hand out the same port."""
    try:
        ephemeral = int(_EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral = 32768
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    share = (ephemeral - _FIRST_PORT) // max(workers, 1)
    first = _FIRST_PORT + share * (int(worker) if worker.isdigit() else 0)
    return range(first, first + share)


def free_port() -> int:
    """A port nothing listens on, not handed out before by this process."""
    ports = _port_range()
    for _ in range(1000) if len(ports) >= 100 else ():
        port = random.choice(ports)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    with socket.socket() as sock:  # no room below the ephemeral range: let the kernel pick
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Topics whose messages tests can capture (GasStack.capture).
RECORDED_TOPICS = ("job_requests_topic", "job_results_topic")


class Recorder:
    """A local HTTP server that hands each SNS envelope it receives to the watchers of its topic."""

    def __init__(self) -> None:
        self._watchers: dict[str, list[list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.end_headers()
                recorder._receive(json.loads(body))

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/"

    def _receive(self, envelope: dict[str, Any]) -> None:
        with self._lock:
            for envelopes in self._watchers.get(envelope.get("TopicArn", ""), []):
                envelopes.append(envelope)

    @contextlib.contextmanager
    def watch(self, topic_arn: str) -> Iterator[list[dict[str, Any]]]:
        envelopes: list[dict[str, Any]] = []
        with self._lock:
            self._watchers.setdefault(topic_arn, []).append(envelopes)
        try:
            yield envelopes
        finally:
            with self._lock:
                self._watchers[topic_arn].remove(envelopes)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class GasStack:
    """A running embedded stack plus helpers to drive and inspect it from tests."""

    def __init__(self, log_dir: Path, services: tuple[str, ...] = SERVICES,
                 extra_env: dict[str, str] | None = None):
        ports = {name: free_port() for name in (*SERVICES, "emulator")}
        base = {k: v for k, v in os.environ.items() if not k.startswith("GAS_")}
        base.update(extra_env or {})
        self.env = embedded_env(base, ports)
        self.settings: Settings = settings_from_env(self.env)
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stack = Stack(self.env, services=services, log_dir=log_dir)
        self.jobs = JobStore(self.settings)
        self.users = UserStore(self.settings)
        self.recorder = Recorder()

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> GasStack:
        self.stack.start_emulator()
        self._subscribe_recorder()
        provision(self.settings, echo=lambda line: None)
        self.stack.start_services()
        return self

    def stop(self) -> None:
        self.stack.stop_all()
        self.recorder.close()

    def restart(self, service: str, sig: int = signal.SIGTERM, **env: str) -> None:
        """Stop a service (SIGKILL = crash) and start it again, optionally with new settings."""
        self.stack.stop(service, sig)
        self.stack.env.update({f"GAS_{k.upper()}": v for k, v in env.items()})
        self.stack.start(service)
        self.stack.wait_ready([service])

    def reset(self) -> None:
        """Empty the emulator and provision again: each test starts from clean state."""
        requests.post(self.url("emulator") + "/moto-api/reset", timeout=10).raise_for_status()
        aws.reset_clients()
        self._subscribe_recorder()
        provision(self.settings, echo=lambda line: None)

    def _subscribe_recorder(self) -> None:
        """Subscribe the recorder to the recorded topics before provision subscribes services.

        moto delivers to a topic's subscribers one after another, inside Publish, and stops
        at the first it cannot reach: subscribed first, the recorder sees every message
        however the services (stopped, killed, restarting) answer.
        """
        sns = self.client("sns")
        for setting in RECORDED_TOPICS:
            arn = sns.create_topic(Name=getattr(self.settings, setting))["TopicArn"]
            sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.recorder.url,
                          ReturnSubscriptionArn=True)

    def log_tail(self, service: str, lines: int = 40) -> str:
        path = self.log_dir / f"{service}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # --- driving and reading ----------------------------------------------------------

    def url(self, service: str) -> str:
        return self.stack.url(service)

    def client(self, service: str) -> Any:
        return aws.client(service, self.settings)

    def topic_arn(self, setting: str) -> str:
        return aws.topic_arn(getattr(self.settings, setting), self.settings)

    def publish(self, message: Any, topic_setting: str) -> str:
        """Publish a message (model or raw string) the way services do; delivery is synchronous."""
        body = message if isinstance(message, str) else dumps(message)
        return str(self.client("sns").publish(
            TopicArn=self.topic_arn(topic_setting), Message=body)["MessageId"])

    @contextlib.contextmanager
    def capture(self, topic_setting: str) -> Iterator[list[dict[str, Any]]]:
        """Every SNS envelope delivered to a recorded topic while inside, as a live list."""
        if topic_setting not in RECORDED_TOPICS:
            raise ValueError(f"{topic_setting} is not recorded; add it to RECORDED_TOPICS")
        with self.recorder.watch(self.topic_arn(topic_setting)) as envelopes:
            yield envelopes

    def moto_data(self) -> dict[str, Any]:
        return dict(requests.get(self.url("emulator") + "/moto-api/data.json", timeout=10).json())

    def sent_mail(self) -> list[dict[str, Any]]:
        """Every email the emulator's SES accepted, oldest first.

        moto 5.2 lists them under ses -> Message, each with `destinations`, `source`,
        `subject` and `body` (the Html part when there is one).
        """
        return list(self.moto_data().get("ses", {}).get("Message", []))

    def metric(self, service: str, name: str, **labels: str) -> float:
        """The value of one Prometheus sample a service exposes (0 when absent)."""
        text = requests.get(self.url(service) + "/metrics", timeout=5).text
        want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            if line.startswith("#") or not line.startswith(name):
                continue
            sample, _, value = line.rpartition(" ")
            got = sample[len(name):].strip("{}")
            if sorted(got.split(",")) == sorted(want.split(",")) if want else got == "":
                return float(value)
        return 0.0


def messages_in(envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The GAS messages carried by captured SNS notifications."""
    return [json.loads(e["Message"]) for e in envelopes if e.get("Type") == "Notification"]


def wait_for(predicate: Callable[[], Any], timeout: float = 30, interval: float = 0.2,
             what: str = "condition") -> Any:
    """Poll until predicate() is truthy; return its value or fail with `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def holds_for(predicate: Callable[[], Any], seconds: float, interval: float = 0.1,
              what: str = "condition") -> None:
    """Check that predicate() stays truthy for `seconds` (e.g. no second message arrives)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not predicate():
            raise AssertionError(f"{what} stopped holding")
        time.sleep(interval)
