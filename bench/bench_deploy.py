"""Measure what the deployment files assume: cold start to /readyz and memory per service.

Run: .venv/bin/python bench/bench_deploy.py [--requests N]
Starts moto and provisions it (as `gas up` does), then starts each service with the
image's own command (`gunicorn --config python:gas_common.gunicorn_conf
'gas_<service>:create_app()'`, no container) one at a time, and prints the time to
/readyz, the resident memory of the gunicorn master and worker when idle and after N
/readyz + /metrics requests, next to the memory request and limit in k8s/base.
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
    args = parser.parse_args()

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
            print(f"{'service':<10} {'to /readyz':>10} {'idle RSS':>9} {'RSS after':>10} "
                  f"{'k8s request':>12} {'k8s limit':>10}")
            for name in SERVICES:
                t0 = time.monotonic()
                stack.start(name)
                stack.wait_ready([name], timeout=120)
                ready = time.monotonic() - t0
                pid = stack.procs[name].pid
                idle = rss_mb(pid)
                url = stack.url(name)
                with requests.Session() as session:
                    for _ in range(args.requests):
                        session.get(url + "/readyz", timeout=10).raise_for_status()
                        session.get(url + "/metrics", timeout=10).raise_for_status()
                after = rss_mb(pid)
                request, limit = k8s_memory(name)
                print(f"{name:<10} {ready:>9.2f}s {idle:>7.0f}MB {after:>8.0f}MB "
                      f"{request:>10.0f}MB {limit:>8.0f}MB")
                if after > request:
                    print(f"  warning: {name} uses more than its k8s memory request")
        finally:
            stack.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
