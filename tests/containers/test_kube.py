"""The local Kubernetes overlay, rendered by `kubectl kustomize`, run by `podman kube play`.

kube play (Podman 4.3) runs Deployments, ConfigMaps, PVCs and Pods, not the rest; what
this test does in their place (docs/operations.md, "Kubernetes without a cluster"):
- Services: each Deployment's pod joins the network under its Service's name (an alias),
  which is the DNS name the ConfigMap's URLs use;
- Jobs: the `gas-provision` Job's pod template is played as a Pod (restartPolicy
  OnFailure, as in the Job); `gas-reference-install` is not run: the reference volume is
  the host directory with the test bundle (no download at run time);
- the Secret: a Podman secret (kube play 4.3 reads secretKeyRef from a Podman secret
  holding a JSON map of base64 values);
- HPA, PDB, Ingress, ServiceAccounts, the Namespace and readiness probes are ignored, so
  readiness is asked of each pod the way its readinessProbe would (GET /readyz).
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from gas_common.settings import SERVICES, Settings

from tests.containers.engine import EMULATOR_IMAGE, GAS_IMAGE, ROOT, Engine
from tests.containers.gas import CONTAINERS, REFERENCE
from tests.harness import wait_for
from tests.unit.deploy.conftest import kubectl

pytestmark = CONTAINERS
SECRETS = {"secret-key": "kube-test-secret-key", "sns-shared-secret": "kube-test-sns-secret",
           "globus-client-secret": "unused-locally"}


class Kube:
    """Podman commands for one play, with the names made unique to this run."""

    def __init__(self, engine: Engine, reference_dir: Path):
        self.env = engine.podman_env()
        self.run_id = uuid.uuid4().hex[:6]
        self.network = f"gas-kube-{self.run_id}"
        self.secret = f"gas-secrets-{self.run_id}"
        self.volume = f"gas-reference-{self.run_id}"
        self.reference_dir = reference_dir
        self.tmp = Path(tempfile.mkdtemp(prefix="gas-kube-"))
        self.played: list[Path] = []

    def podman(self, *args: str, check: bool = True,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
        out = subprocess.run(["podman", *args], env=self.env, capture_output=True, text=True,
                             check=False, timeout=timeout)
        assert out.returncode == 0 or not check, f"podman {' '.join(args)}: {out.stderr}"
        return out

    def setup(self) -> None:
        self.podman("network", "create", self.network)
        data = {k: base64.b64encode(v.encode()).decode() for k, v in SECRETS.items()}
        (self.tmp / "secret.json").write_text(json.dumps(data))
        self.podman("secret", "create", self.secret, str(self.tmp / "secret.json"))
        self.podman("volume", "create", "--opt", "type=none", "--opt", "o=bind",
                    "--opt", f"device={self.reference_dir}", self.volume)

    def play(self, name: str, docs: list[dict[str, Any]]) -> None:
        path = self.tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(docs))
        self.played.append(path)
        self.podman("kube", "play", "--network", self.network, str(path))

    def alias(self, pod: str, service: str) -> None:
        """Give the pod the Service's DNS name on the network (kube play has no Services)."""
        infra = self.podman("pod", "inspect", pod, "--format", "{{.InfraContainerID}}")
        cid = infra.stdout.strip()
        self.podman("network", "disconnect", self.network, cid)
        self.podman("network", "connect", "--alias", service, self.network, cid)

    def state(self, container: str) -> dict[str, Any]:
        out = self.podman("inspect", container, "--format", "{{json .State}}")
        return dict(json.loads(out.stdout))

    def get(self, container: str, url: str) -> int:
        """The status of GET url from inside the container (0: no answer)."""
        code = ("import urllib.request, urllib.error, sys\n"
                "try: print(urllib.request.urlopen(sys.argv[1], timeout=5).status)\n"
                "except urllib.error.HTTPError as e: print(e.code)\n"
                "except OSError: print(0)\n")
        out = self.podman("exec", container, "python", "-c", code, url, check=False)
        return int(out.stdout.strip() or 0)

    def logs(self, container: str) -> str:
        return self.podman("logs", "--tail", "20", container, check=False).stderr[-3000:]

    def teardown(self) -> None:
        for path in reversed(self.played):
            self.podman("kube", "down", str(path), check=False)
        self.podman("secret", "rm", self.secret, check=False)
        self.podman("volume", "rm", "--force", self.volume, check=False)
        self.podman("network", "rm", "--force", self.network, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def rendered() -> list[dict[str, Any]]:
    out = subprocess.run([kubectl(), "kustomize", str(ROOT / "k8s" / "overlays" / "local")],
                         capture_output=True, text=True, check=True, timeout=120)
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def for_podman(docs: list[dict[str, Any]], kube: Kube) -> tuple[list, list, dict]:
    """(what kube play runs now, the provision Job as a Pod, Deployment -> Service name)."""
    run, services = [], {}
    provision: list[dict[str, Any]] = []
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    for svc in by_kind["Service"]:
        for dep in by_kind["Deployment"]:
            labels = dep["spec"]["template"]["metadata"]["labels"]
            if all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()):
                services[dep["metadata"]["name"]] = svc["metadata"]["name"]
    for config in by_kind["ConfigMap"]:
        config["data"]["GAS_REFERENCE"] = REFERENCE  # the bundle in the mounted volume
        run.append(config)
    for dep in by_kind["Deployment"]:
        dep = copy.deepcopy(dep)
        dep["metadata"]["name"] += f"-{kube.run_id}"  # pod names are global in Podman
        adapt_pod_spec(dep["spec"]["template"]["spec"], kube)
        run.append(dep)
    job = next(j for j in by_kind["Job"] if j["metadata"]["name"] == "gas-provision")
    spec = copy.deepcopy(job["spec"]["template"]["spec"])
    adapt_pod_spec(spec, kube)
    provision.extend(by_kind["ConfigMap"])  # kube play reads ConfigMaps from the same file
    provision.append({"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": f"gas-provision-{kube.run_id}",
                                   "labels": job["spec"]["template"]["metadata"]["labels"]},
                      "spec": spec})
    return run, provision, services


def adapt_pod_spec(spec: dict[str, Any], kube: Kube) -> None:
    """Our images, this run's Secret and reference volume."""
    for container in spec["containers"]:
        if container["image"].startswith("motoserver/moto:"):
            container["image"] = EMULATOR_IMAGE
        elif container["image"].split(":")[0] == "gas":
            container["image"] = GAS_IMAGE
        for env in container.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref and ref["name"] == "gas-secrets":
                ref["name"] = kube.secret
    for volume in spec.get("volumes", []):
        claim = volume.get("persistentVolumeClaim")
        if claim and claim["claimName"] == "gas-reference":
            claim["claimName"] = kube.volume


@pytest.fixture(scope="module")
def kube(engine: Engine, reference_dir: Path) -> Iterator[Kube]:
    if not shutil.which("podman"):
        pytest.fail("podman kube play needs podman: make images installs it on Debian")
    kube = Kube(engine, reference_dir)
    try:
        kube.setup()
        yield kube
    finally:
        kube.teardown()


def test_the_local_overlay_runs_under_kube_play(kube: Kube) -> None:
    docs = rendered()
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "Job", "ConfigMap"} <= kinds
    run, provision, services = for_podman(docs, kube)
    assert set(services.values()) == {"moto", *(f"gas-{s}" for s in SERVICES)}

    kube.play("deployments", run)
    for deployment, service in services.items():
        kube.alias(f"{deployment}-{kube.run_id}-pod-0", service)

    # The provision Job's pod: creates the AWS resources in moto, then exits 0.
    kube.play("provision", provision)
    pod = provision[-1]["metadata"]["name"]
    container = f"{pod}-provision"
    wait_for(lambda: kube.state(container)["Status"] == "exited", timeout=180, interval=1,
             what=f"the provision pod to finish\n{kube.logs(container)}")
    assert kube.state(container)["ExitCode"] == 0, kube.logs(container)

    # Every GAS pod becomes ready: what its readinessProbe asks, from inside the pod.
    port = Settings().port_of
    for name in SERVICES:
        ctr = f"gas-{name}-{kube.run_id}-pod-0-{name}"
        wait_for(lambda ctr=ctr, name=name: kube.get(ctr, f"http://127.0.0.1:{port(name)}/readyz")
                 == 200, timeout=180, interval=2, what=f"{name} ready\n{kube.logs(ctr)}")
        # The pod's securityContext held: non-root, read-only root filesystem.
        uid = kube.podman("exec", ctr, "id", "-u").stdout.strip()
        assert uid == "10001", name
        touched = kube.podman("exec", ctr, "touch", "/opt/gas/x", check=False)
        assert touched.returncode != 0 and "Read-only" in touched.stderr, name
    # And the services reach each other by their Service names, as SNS delivery does.
    web = f"gas-web-{kube.run_id}-pod-0-web"
    assert kube.get(web, "http://gas-notifier:8084/healthz") == 200
