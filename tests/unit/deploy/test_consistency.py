"""Services, ports, probe paths, SNS paths and GAS_* variables agree everywhere they appear."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from typing import Any

from gas_annotator.runner import JobRunner
from gas_archiver.service import Archiver
from gas_common.app import create_service_app
from gas_common.publish import _TOPIC_OF
from gas_common.service import Service
from gas_common.settings import SERVICES, Settings, env_names
from gas_notifier.delivery import Notifier
from gas_thawer.service import Thawer
from gas_tools.provision import SUBSCRIPTIONS, TOPICS
from gas_web import Web

from tests.unit.deploy.conftest import COMPOSE, COMPOSE_AWS, DOCKERFILE, K8S, ROOT, objects

Docs = dict[str, list[dict[str, Any]]]
README = ROOT / "README.md"
OPERATIONS = ROOT / "docs" / "operations.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
GAS_VAR = re.compile(r"\bGAS_[A-Z0-9_]+\b")
HEALTHCHECK_URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/[a-z]+)")


def readme_services() -> dict[str, tuple[int, set[str]]]:
    """The README's services table: name -> (port, SNS endpoint paths)."""
    rows = {}
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] in SERVICES and cells[1].isdigit():
            rows[cells[0]] = (int(cells[1]), set(re.findall(r"`(/sns/[a-z-]+)`", cells[2])))
    return rows


def compose_gas_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compose services that run a GAS app under gunicorn."""
    return {name: svc for name, svc in compose["services"].items()
            if svc.get("command", [None])[0] == "gunicorn"}


def test_every_service_is_everywhere(compose: dict[str, Any], rendered: Docs) -> None:
    expected = set(SERVICES)
    assert set(compose_gas_services(compose)) == expected
    for overlay, docs in rendered.items():
        deployments = {n[4:] for n in objects(docs, "Deployment") if n.startswith("gas-")}
        assert deployments == expected, overlay
    assert set(readme_services()) == expected
    assert {p.stem for p in (K8S / "base").glob("*.yaml")} >= expected


def test_ports_agree_with_settings(compose: dict[str, Any], rendered: Docs) -> None:
    settings = Settings()
    ports = {s: settings.port_of(s) for s in SERVICES}
    assert {s: port for s, (port, _) in readme_services().items()} == ports
    for name, svc in compose_gas_services(compose).items():
        (port, path), = HEALTHCHECK_URL.findall(" ".join(svc["healthcheck"]["test"]))
        assert int(port) == ports[name], name
    for overlay, docs in rendered.items():
        for service, port in ports.items():
            deployment = objects(docs, "Deployment")[f"gas-{service}"]
            container = deployment["spec"]["template"]["spec"]["containers"][0]
            assert container["ports"][0]["containerPort"] == port, (overlay, service)
    exposed = re.search(r"^EXPOSE (.+)$", DOCKERFILE.read_text(), re.M)
    assert exposed and sorted(map(int, exposed.group(1).split())) == sorted(ports.values())


def test_probe_paths_are_served_by_every_service(compose: dict[str, Any],
                                                 rendered: Docs) -> None:
    app = create_service_app(Service(Settings(env="local")), [])
    served = {rule.rule for rule in app.url_map.iter_rules()}
    used = set()
    for svc in compose_gas_services(compose).values():
        used |= {path for _, path in HEALTHCHECK_URL.findall(" ".join(svc["healthcheck"]["test"]))}
    for docs in rendered.values():
        for deployment in objects(docs, "Deployment").values():
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                for probe in ("livenessProbe", "readinessProbe"):
                    path = container[probe]["httpGet"]["path"]
                    if not path.startswith("/moto-api"):
                        used.add(path)
    assert used == {"/healthz", "/readyz"}
    assert used <= served


# Each service's Service class, which declares the SNS endpoints its app serves.
SERVICE_CLASSES: dict[str, type[Service]] = {
    "web": Web, "annotator": JobRunner, "archiver": Archiver, "thawer": Thawer,
    "notifier": Notifier,
}


def test_sns_endpoints_agree_with_provision_code_and_readme() -> None:
    expected: dict[str, set[str]] = {s: set() for s in SERVICES}
    for _, service, path in SUBSCRIPTIONS:
        expected[service].add(path)
    assert {s: paths for s, (_, paths) in readme_services().items()} == expected
    declared = {(sub.topic_setting, service, sub.path)
                for service, owner in SERVICE_CLASSES.items() for sub in owner.subscriptions}
    assert declared == set(SUBSCRIPTIONS)
    for service, owner in SERVICE_CLASSES.items():
        for sub in owner.subscriptions:
            assert callable(getattr(owner, sub.handler)), (service, sub.handler)


def architecture_edges() -> set[tuple[str, str, str]]:
    """The (from, label, to) SNS arrows of docs/architecture.md's picture."""
    text = ARCHITECTURE.read_text()
    picture = text.split("```mermaid", 1)[1].split("```", 1)[0]
    return set(re.findall(r"^\s*(\w+) -->\|\"?([^|\"]+)\"?\| (\w+)\s*$", picture, re.M))


def test_architecture_picture_shows_every_subscription_and_publication() -> None:
    edges = architecture_edges()
    topics = {setting.removesuffix("_topic") for setting in TOPICS}
    subscribed = {(f"{src}_topic", dst, label) for src, label, dst in edges if src in topics}
    assert subscribed == set(SUBSCRIPTIONS)
    drawn = {(src, label, dst) for src, label, dst in edges if src in SERVICES}
    published = set()
    for service in SERVICES:
        source = "\n".join(p.read_text() for p in
                           (ROOT / "services" / service / f"gas_{service}").rglob("*.py"))
        for message_type, setting in _TOPIC_OF.items():
            if re.search(rf"\b{message_type.__name__}\(", source):
                kind = message_type.model_fields["type"].default
                published.add((service, kind, setting.removesuffix("_topic")))
    assert drawn == published


def gas_vars_in(text: str) -> set[str]:
    return set(GAS_VAR.findall(text))


def test_every_gas_variable_used_in_deploy_files_is_a_setting(rendered: Docs) -> None:
    known = set(env_names())
    for path in (COMPOSE, COMPOSE_AWS, DOCKERFILE):
        unknown = gas_vars_in(path.read_text()) - known
        assert not unknown, f"{path.name}: {sorted(unknown)} are not in gas_common.settings"
    for overlay, docs in rendered.items():
        used = set()
        for config in objects(docs, "ConfigMap").values():
            used |= {k for k in config["data"] if k.startswith("GAS_")}
        for workload in [*objects(docs, "Deployment").values(), *objects(docs, "Job").values()]:
            for container in workload["spec"]["template"]["spec"]["containers"]:
                used |= {e["name"] for e in container.get("env", [])}
        used = {v for v in used if v.startswith("GAS_")}
        assert used, overlay
        assert not used - known, f"{overlay}: {sorted(used - known)} are not settings"


def test_config_map_values_are_valid_settings(rendered: Docs) -> None:
    for docs in rendered.values():
        data = objects(docs, "ConfigMap")["gas-config"]["data"]
        values = {k[4:].lower(): v for k, v in data.items() if k.startswith("GAS_")}
        Settings(**values)  # raises on a value of the wrong type or outside a Literal


def test_readme_deploy_section_points_to_the_operations_guide() -> None:
    readme = README.read_text()
    section = readme.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    assert "docs/operations.md" in section
    assert OPERATIONS.is_file()


def test_operations_guide_describes_real_metrics_and_every_secret() -> None:
    guide = OPERATIONS.read_text()
    metrics = set()
    for path in (ROOT / "services").rglob("*.py"):
        metrics |= set(re.findall(r"(?:Counter|Gauge|Histogram|Summary)\(\s*\"(gas_[a-z_]+)\"",
                                  path.read_text()))
    core = {"gas_http_requests_total", "gas_http_request_seconds", "gas_sns_requests_total"}
    assert core <= metrics
    documented = set(re.findall(r"^\| `(gas_[a-z_]+)` \|", guide, re.M))
    assert core <= documented
    secrets = [f"GAS_{name.upper()}" for name in Settings.model_fields
               if name.endswith(("secret", "password")) or name == "secret_key"]
    assert len(secrets) >= 4
    assert all(s in guide for s in secrets), secrets


def test_files_the_deploy_docs_name_exist() -> None:
    docs = [OPERATIONS, ROOT / "docs" / "adding-a-service.md"]
    named = set()
    for doc in docs:
        for path in re.findall(r"`((?:k8s|docs|bench|services|tests)/[^`\s<>*]+|"
                               r"Dockerfile|\.dockerignore|compose(?:\.aws)?\.yaml)`",
                               doc.read_text()):
            named.add(path.rstrip("/"))
        for overlay in re.findall(r"apply -k (k8s/[a-z/]+)", doc.read_text()):
            named.add(overlay)
    assert len(named) > 10
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"named in the deploy docs but not in the repo: {missing}"


def test_one_version_everywhere(compose: dict[str, Any], rendered: Docs) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version("gas") == project
    assert f"ARG IMAGE_VERSION={project}" in DOCKERFILE.read_text()
    assert compose["x-gas-image"]["image"].endswith(f":{project}}}")
    for overlay, docs in rendered.items():
        for name in (f"gas-{s}" for s in SERVICES):
            deployment = objects(docs, "Deployment")[name]
            assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == project
            image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
            assert image.endswith(f":{project}"), (overlay, image)
