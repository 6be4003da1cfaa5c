"""What an operator relies on in k8s/: security, probes, resources, labels, scaling, routing."""

from __future__ import annotations

from typing import Any

import pytest
from gas_common.settings import SERVICES, Settings

from tests.unit.deploy.conftest import KUSTOMIZATIONS, objects, pod_spec

Docs = dict[str, list[dict[str, Any]]]
LABELS = ("name", "instance", "version", "component", "part-of")
STABLE = {"app.kubernetes.io/name", "app.kubernetes.io/instance"}
OVERLAYS = sorted(KUSTOMIZATIONS)


def workloads(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {**objects(docs, "Deployment"), **objects(docs, "Job")}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_meets_pod_security_restricted(rendered: Docs, overlay: str) -> None:
    for name, obj in workloads(rendered[overlay]).items():
        spec = pod_spec(obj)
        pod = spec.get("securityContext", {})
        assert pod.get("runAsNonRoot") is True, name
        assert pod.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        assert spec.get("automountServiceAccountToken") is False, name
        mounts_tmp = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
        for container in spec["containers"] + spec.get("initContainers", []):
            where = f"{name}/{container['name']}"
            sc = container.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
            assert sc.get("readOnlyRootFilesystem") is True, where
            assert sc.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, where
            tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            assert tmp and tmp[0]["name"] in mounts_tmp, f"{where}: /tmp is not an emptyDir"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_and_limits(rendered: Docs, overlay: str) -> None:
    for name, obj in workloads(rendered[overlay]).items():
        for container in pod_spec(obj)["containers"]:
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{name} {kind}"


def test_each_service_has_its_objects_labels_port_and_probes(rendered: Docs) -> None:
    docs = rendered["base"]
    settings = Settings()
    for service in SERVICES:
        name = f"gas-{service}"
        for kind in ("ServiceAccount", "Deployment", "Service", "PodDisruptionBudget"):
            assert name in objects(docs, kind), f"{kind} {name} missing"
        deployment = objects(docs, "Deployment")[name]
        spec = pod_spec(deployment)
        assert spec["serviceAccountName"] == name
        (container,) = spec["containers"]
        assert container["ports"] == [
            {"name": "http", "containerPort": settings.port_of(service), "protocol": "TCP"}]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        service_obj = objects(docs, "Service")[name]
        assert service_obj["spec"]["ports"][0]["port"] == settings.port_of(service)
        assert service_obj["spec"]["ports"][0]["targetPort"] == "http"
        for obj in (deployment, deployment["spec"]["template"], service_obj):
            labels = obj["metadata"]["labels"]
            assert all(f"app.kubernetes.io/{k}" in labels for k in LABELS), labels
            assert labels["app.kubernetes.io/name"] == name
            assert labels["app.kubernetes.io/part-of"] == "gas"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_selectors_use_only_the_stable_labels_and_match_pods(rendered: Docs,
                                                             overlay: str) -> None:
    docs = rendered[overlay]
    pods = {name: obj["spec"]["template"]["metadata"]["labels"]
            for name, obj in objects(docs, "Deployment").items()}
    selectors = [(f"Deployment/{n}", d["spec"]["selector"]["matchLabels"])
                 for n, d in objects(docs, "Deployment").items()]
    selectors += [(f"Service/{n}", s["spec"]["selector"])
                  for n, s in objects(docs, "Service").items()]
    selectors += [(f"PodDisruptionBudget/{n}", p["spec"]["selector"]["matchLabels"])
                  for n, p in objects(docs, "PodDisruptionBudget").items()]
    for what, selector in selectors:
        assert set(selector) == STABLE, f"{what} selects on {sorted(selector)}"
        matched = [n for n, labels in pods.items()
                   if all(labels.get(k) == v for k, v in selector.items())]
        assert len(matched) == 1, f"{what} matches {matched}"


def test_hpa_for_web_and_annotator_target_their_deployments(rendered: Docs) -> None:
    docs = rendered["base"]
    hpas = objects(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {"gas-web", "gas-annotator"}
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        # Utilization is measured against requests, so the pods must request CPU.
        container = pod_spec(objects(docs, "Deployment")[name])["containers"][0]
        assert "cpu" in container["resources"]["requests"]


def test_secrets_are_referenced_never_stored(rendered: Docs) -> None:
    for overlay in OVERLAYS:
        docs = rendered[overlay]
        assert not objects(docs, "Secret"), f"{overlay} carries a Secret"
        for config in objects(docs, "ConfigMap").values():
            for key in config["data"]:
                assert not key.endswith(("SECRET", "SECRET_KEY", "PASSWORD")), key
        refs = {}
        for name, obj in workloads(docs).items():
            for container in pod_spec(obj)["containers"]:
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        assert ref["name"] == "gas-secrets", name
                        refs[env["name"]] = ref["key"]
        assert {"GAS_SECRET_KEY", "GAS_SNS_SHARED_SECRET", "GAS_GLOBUS_CLIENT_SECRET"} <= set(refs)


def test_services_that_need_the_sns_secret_get_it(rendered: Docs) -> None:
    deployments = objects(rendered["base"], "Deployment")
    for service in SERVICES[1:]:
        env = pod_spec(deployments[f"gas-{service}"])["containers"][0].get("env", [])
        assert "GAS_SNS_SHARED_SECRET" in {e["name"] for e in env}, service
    web_env = {e["name"] for e in pod_spec(deployments["gas-web"])["containers"][0]["env"]}
    assert {"GAS_SECRET_KEY", "GAS_GLOBUS_CLIENT_SECRET"} <= web_env


def test_ingress_serves_the_ui_and_every_sns_endpoint_over_https(rendered: Docs) -> None:
    from gas_tools.provision import SUBSCRIPTIONS

    ingress = objects(rendered["aws"], "Ingress")["gas"]
    tls_hosts = {h for t in ingress["spec"]["tls"] for h in t["hosts"]}
    assert all(t.get("secretName") for t in ingress["spec"]["tls"])
    routes = {}
    for rule in ingress["spec"]["rules"]:
        assert rule["host"] in tls_hosts, f"{rule['host']} is not on HTTPS"
        for path in rule["http"]["paths"]:
            routes[(rule["host"], path["path"])] = path["backend"]["service"]["name"]
    config = objects(rendered["aws"], "ConfigMap")["gas-config"]["data"]
    settings = Settings(**{k[4:].lower(): v for k, v in config.items() if k.startswith("GAS_")})
    public = settings.public_url.split("://", 1)[1]
    assert routes[(public, "/")] == "gas-web"
    for _, service, path in SUBSCRIPTIONS:
        host = settings.url_of(service).split("://", 1)[1].rstrip("/")
        assert settings.url_of(service).startswith("https://"), service
        assert routes.get((host, path)) == f"gas-{service}", f"{service} {path}"
    # Nothing but the SNS endpoints of back-end services is reachable from outside.
    for (host, path), backend in routes.items():
        assert backend == "gas-web" or path.startswith("/sns/"), (host, path)


def test_aws_overlay_gives_each_service_account_its_own_iam_role(rendered: Docs) -> None:
    accounts = objects(rendered["aws"], "ServiceAccount")
    roles = set()
    for service in SERVICES:
        role = accounts[f"gas-{service}"]["metadata"].get("annotations", {}).get(
            "eks.amazonaws.com/role-arn", "")
        assert role.startswith("arn:aws:iam::") and role.endswith(f"/gas-{service}"), role
        roles.add(role)
    assert len(roles) == len(SERVICES)
    config = objects(rendered["aws"], "ConfigMap")["gas-config"]["data"]
    assert config["GAS_ENV"] == "production" and config["GAS_AWS_ENDPOINT_URL"] == ""
    assert not objects(rendered["aws"], "Deployment").keys() - {f"gas-{s}" for s in SERVICES}


def test_local_overlay_runs_moto_and_provisions_it(rendered: Docs) -> None:
    docs = rendered["local"]
    moto = objects(docs, "Deployment")["moto"]
    assert pod_spec(moto)["containers"][0]["image"].startswith("motoserver/moto:")
    assert objects(docs, "Service")["moto"]["spec"]["ports"][0]["port"] == 4566
    job = objects(docs, "Job")["gas-provision"]
    assert pod_spec(job)["containers"][0]["command"] == ["gas", "provision"]
    config = objects(docs, "ConfigMap")["gas-config"]["data"]
    assert config["GAS_AWS_ENDPOINT_URL"] == "http://moto:4566"
    settings = Settings(**{k[4:].lower(): v for k, v in config.items() if k.startswith("GAS_")})
    services = objects(docs, "Service")
    for service in SERVICES[1:]:
        # moto delivers SNS in-cluster, to each Service's name and port.
        host, port = settings.url_of(service).split("://", 1)[1].split(":")
        assert services[host]["spec"]["ports"][0]["port"] == int(port)
