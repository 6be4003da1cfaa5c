"""The public Ingress routes the UI and the SNS endpoints, never metrics or probes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.deploy.conftest import objects

INTERNAL = ("/metrics", "/healthz", "/readyz")


def matches(rule_path: str, path_type: str, path: str) -> bool:
    """Whether an Ingress path matches a request path (Kubernetes Exact/Prefix rules)."""
    if path_type == "Exact":
        return path == rule_path
    # Prefix: whole path elements, so /annotate matches /annotate/job, not /annotations.
    prefix = [p for p in rule_path.split("/") if p]
    return [p for p in path.split("/") if p][: len(prefix)] == prefix


def backend_for(ingress: dict[str, Any], host: str, path: str) -> str | None:
    """The service the longest matching path of `host` sends `path` to (None: unrouted)."""
    found: list[tuple[int, str]] = []
    for rule in ingress["spec"]["rules"]:
        if rule.get("host") not in (host, None):
            continue
        for p in rule["http"]["paths"]:
            if matches(p["path"], p["pathType"], path):
                found.append((len(p["path"]), p["backend"]["service"]["name"]))
    return max(found)[1] if found else None


def ingresses(rendered) -> list[tuple[str, dict[str, Any]]]:
    return [(overlay, ingress) for overlay, docs in rendered.items()
            for ingress in objects(docs, "Ingress").values()]


def hosts(ingress: dict[str, Any]) -> list[str]:
    return [rule["host"] for rule in ingress["spec"]["rules"]]


def test_the_matcher_follows_kubernetes_prefix_rules():
    assert matches("/annotate", "Prefix", "/annotate/job")
    assert not matches("/annotate", "Prefix", "/annotations")
    assert matches("/", "Prefix", "/metrics")
    assert not matches("/", "Exact", "/metrics")


@pytest.mark.parametrize("path", INTERNAL)
def test_metrics_and_probes_are_not_routed_from_outside(rendered, path):
    found = ingresses(rendered)
    assert found, "no Ingress rendered"
    for overlay, ingress in found:
        for host in hosts(ingress):
            for variant in (path, path + "/"):
                assert backend_for(ingress, host, variant) is None, (overlay, host, variant)


@pytest.fixture
def web_routes(local_settings) -> list[str]:
    """Every URL rule of the web app, with each <variable> filled in."""
    from gas_web import create_app

    app = create_app(local_settings)
    return sorted({re.sub(r"<[^>]+>", "x", rule.rule) for rule in app.url_map.iter_rules()})


def test_every_page_and_api_route_of_web_is_routed_to_web(rendered, web_routes):
    public = [r for r in web_routes if r not in INTERNAL]
    assert "/annotations/x/results" in public and "/api/v1/jobs/x" in public
    for overlay, ingress in ingresses(rendered):
        web_host = next(r["host"] for r in ingress["spec"]["rules"]
                        if any(p["backend"]["service"]["name"] == "gas-web"
                               for p in r["http"]["paths"]))
        for route in public:
            assert backend_for(ingress, web_host, route) == "gas-web", (overlay, route)
        for route in INTERNAL:
            assert route in web_routes  # the app does serve it, just not publicly
