"""Each service from the image, hardened as compose and Kubernetes run it, against moto."""

from __future__ import annotations

import json

import pytest
from gas_common.settings import SERVICES, Settings

from tests.containers.engine import ROOT, http_status
from tests.containers.gas import CONTAINERS, DockerContainer, gas_container, service_command
from tests.harness import wait_for

pytestmark = CONTAINERS
PORTS = {name: Settings().port_of(name) for name in SERVICES}
# The Cython modules setup.py compiles (services/<service>/<package>/.../<module>.pyx).
COMPILED = sorted(".".join(p.relative_to(ROOT / "services").with_suffix("").parts[1:])
                  for p in (ROOT / "services").glob("*/*/**/*.pyx"))

# Run inside the container: who it runs as, its capabilities, whether / is writable, and
# whether each module named on its command line is an extension module (compiled).
PROBE = """
import importlib, importlib.machinery, json, os, sys
compiled = {m: importlib.import_module(m).__file__.endswith(
    tuple(importlib.machinery.EXTENSION_SUFFIXES)) for m in sys.argv[1:]}
caps = dict(l.split(":\\t") for l in open("/proc/self/status") if l.startswith("Cap"))
try:
    open("/opt/gas/written", "w"); root_writable = True
except OSError:
    root_writable = False
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "cap_eff": caps["CapEff"].strip(),
                  "cap_prm": caps["CapPrm"].strip(), "no_new_privs": open("/proc/self/status")
                  .read().split("NoNewPrivs:")[1].split()[0], "root_writable": root_writable,
                  "compiled": compiled}))
"""


def start_service(network, service: str, reference_dir=None) -> tuple[DockerContainer, str]:
    container = gas_container(network, service, service_command(service),
                              reference_dir=reference_dir)
    container.with_exposed_ports(PORTS[service])
    container.start()
    return container, f"http://127.0.0.1:{container.get_exposed_port(PORTS[service])}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_ready_from_the_image_under_the_hardening(
        service, network, provision, reference_dir):
    container, url = start_service(
        network, service, reference_dir=reference_dir if service == "annotator" else None)
    try:
        wait_for(lambda: http_status(url + "/readyz") == 200, timeout=120, interval=1,
                 what=f"{service} /readyz 200")
        inside = container.exec(["python", "-c", PROBE, *COMPILED])
        assert inside.exit_code == 0, inside.output
        seen = json.loads(inside.output)
        assert COMPILED and seen == {
            "uid": 10001, "gid": 10001, "cap_eff": "0" * 16, "cap_prm": "0" * 16,
            "no_new_privs": "1", "root_writable": False,
            "compiled": dict.fromkeys(COMPILED, True)}
        host_config = container.get_wrapped_container().attrs["HostConfig"]
        assert host_config["ReadonlyRootfs"] is True
    finally:
        container.stop()


def test_a_service_cut_off_from_moto_is_not_ready_and_recovers_by_itself(
        engine, network, moto, provision):
    container, url = start_service(network, "notifier")
    try:
        wait_for(lambda: http_status(url + "/readyz") == 200, timeout=120, interval=1,
                 what="notifier ready")
        # moto leaves the network (its state stays in memory), then comes back.
        engine.client.networks.get(network.name).disconnect(moto.get_container_id())
        wait_for(lambda: http_status(url + "/readyz", timeout=120) == 503, timeout=180,
                 interval=1, what="notifier /readyz 503 without moto")
        network.connect(moto.get_container_id(), network_aliases=["moto"])
        wait_for(lambda: http_status(url + "/readyz", timeout=120) == 200, timeout=180,
                 interval=1, what="notifier ready again")
    finally:
        container.stop()
