"""Measure what the deployment files assume: cold start to /readyz and memory per service.

Run: .venv/bin/python bench/bench_deploy.py [--requests N] [--no-containers]
1. Processes: starts moto and provisions it (as `gas up` does), then starts each service
   with the image's own command (`gunicorn --config python:gas_common.gunicorn_conf
   'gas_<service>:create_app()'`, no container) one at a time, and prints the time to
   /readyz, the resident memory of the gunicorn master and worker when idle and after N
   /readyz + /metrics requests, next to the memory request and limit in k8s/base.
2. Containers (the images of `make images`, on docker or podman): the image sizes; the
   same figures for each service started from the image under the hardening against a
   moto container (cold start = container start to /readyz 200); and `compose up` of
   compose.yaml until every service is healthy.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.harness: the same stack the integration tests use


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn master + workers), MB."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        me = status.parent.name == str(pid)
        if me or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total / 1024


def memory_of(quantity: str) -> float:
    """A Kubernetes memory quantity (Mi, Gi) in MB."""
    units = {"Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def k8s_memory(service: str) -> tuple[float, float]:
    """(request, limit) of the service's container in k8s/base, MB."""
    for doc in yaml.safe_load_all((ROOT / "k8s" / "base" / f"{service}.yaml").read_text()):
        if doc and doc["kind"] == "Deployment":
            resources = doc["spec"]["template"]["spec"]["containers"][0]["resources"]
            return memory_of(resources["requests"]["memory"]), memory_of(
                resources["limits"]["memory"])
    raise LookupError(service)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200,
                        help="/readyz + /metrics requests per service before the second reading")
    parser.add_argument("--no-containers", action="store_true",
                        help="only the processes, not the images")
    args = parser.parse_args()
    processes(args.requests)
    if not args.no_containers:
        containers(args.requests)
    return 0


HEADER = (f"{'service':<10} {'to /readyz':>10} {'idle RSS':>9} {'RSS after':>10} "
          f"{'k8s request':>12} {'k8s limit':>10}")


def load_and_report(name: str, url: str, ready: float, pid: int, requests_n: int) -> None:
    """RSS idle and after `requests_n` /readyz + /metrics requests, next to k8s/base."""
    idle = rss_mb(pid)
    with requests.Session() as session:
        for _ in range(requests_n):
            session.get(url + "/readyz", timeout=10).raise_for_status()
            session.get(url + "/metrics", timeout=10).raise_for_status()
    after = rss_mb(pid)
    request, limit = k8s_memory(name)
    print(f"{name:<10} {ready:>9.2f}s {idle:>7.0f}MB {after:>8.0f}MB "
          f"{request:>10.0f}MB {limit:>8.0f}MB")
    if after > request:
        print(f"  warning: {name} uses more than its k8s memory request")


def processes(requests_n: int) -> None:

    from gas_annotator.reference.custom import build_custom
    from gas_common.settings import SERVICES
    from gas_tools.provision import provision
    from gas_tools.stack import EMULATOR_AWS_ENV, Stack

    from tests.harness import GasStack

    class ImageStack(Stack):
        """The embedded stack, each service started with the image's command."""

        def command(self, name: str) -> list[str]:
            if name == "emulator":
                return super().command(name)
            return [sys.executable, "-m", "gunicorn", "--config",
                    "python:gas_common.gunicorn_conf", f"gas_{name}:create_app()"]

    os.environ.update(EMULATOR_AWS_ENV)  # this process talks to the emulator only
    with tempfile.TemporaryDirectory(prefix="gas-bench-") as tmp:
        bundle = build_custom(ROOT / "tests/data/annotator/reference.gtf", "gtf",
                              Path(tmp) / "ref", "bench")
        gas = GasStack(Path(tmp) / "logs", extra_env={"GAS_REFERENCE": str(bundle)})
        stack = ImageStack(gas.env, log_dir=gas.log_dir)
        try:
            stack.start_emulator()
            provision(gas.settings, echo=lambda line: None)
            print("== processes (the image's command, no container)")
            print(HEADER)
            for name in SERVICES:
                t0 = time.monotonic()
                stack.start(name)
                stack.wait_ready([name], timeout=120)
                load_and_report(name, stack.url(name), time.monotonic() - t0,
                                stack.procs[name].pid, requests_n)
        finally:
            stack.stop_all()


def containers(requests_n: int) -> None:
    """The same figures from the images on a real engine, and compose up to healthy."""
    from gas_common.settings import SERVICES, Settings

    from tests.containers import gas
    from tests.containers.engine import EMULATOR_IMAGE, GAS_IMAGE, Engine, http_status
    from tests.harness import wait_for

    try:
        engine = Engine()
    except RuntimeError as exc:
        print(f"== containers: skipped ({exc})")
        return
    try:
        missing = [i for i in (GAS_IMAGE, EMULATOR_IMAGE) if not engine.has_image(i)]
        if missing:
            print(f"== containers: skipped ({', '.join(missing)} not built: make images)")
            return
        print(f"== images ({'podman' if engine.podman else 'docker'})")
        for image in (GAS_IMAGE, EMULATOR_IMAGE):
            print(f"{image:<24} {engine.client.images.get(image).attrs['Size'] / 1e6:>6.0f} MB")
        print("== containers (from the image, hardened, against a moto container)")
        print(HEADER)
        with gas.reference_bundle() as reference, gas.Network() as network, \
                gas.moto_container(network):
            gas.provision(network)
            for name in SERVICES:
                port = Settings().port_of(name)
                container = gas.gas_container(
                    network, name, gas.service_command(name),
                    reference_dir=reference if name == "annotator" else None)
                container.with_exposed_ports(port)
                t0 = time.monotonic()
                container.start()
                try:
                    url = f"http://127.0.0.1:{container.get_exposed_port(port)}"
                    wait_for(lambda url=url: http_status(url + "/readyz") == 200,
                             timeout=180, interval=0.1, what=f"{name} ready")
                    pid = container.get_wrapped_container().attrs["State"]["Pid"]
                    load_and_report(name, url, time.monotonic() - t0, pid, requests_n)
                finally:
                    container.stop()
            stack = gas.ComposeStack.new(engine, reference)
            t0 = time.monotonic()
            with stack.up(engine):
                print(f"== compose up --wait (compose.yaml, every service healthy): "
                      f"{time.monotonic() - t0:.1f}s")
    finally:
        engine.close()


if __name__ == "__main__":
    sys.exit(main())
