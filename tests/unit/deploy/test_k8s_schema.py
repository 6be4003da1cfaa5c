"""Every manifest, in the base and in each overlay, is valid Kubernetes (offline schema)."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest

from tests.unit.deploy.conftest import KUSTOMIZATIONS, objects

# The Kubernetes version the manifests target (EKS standard support; kubectl here is 1.32).
K8S_VERSION = "1.32.0"


def validate(obj: dict[str, Any]) -> None:
    """Raise unless obj matches the pinned Kubernetes schema; unknown fields are errors."""
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_every_rendered_object_validates(rendered: dict[str, list[dict[str, Any]]],
                                         name: str) -> None:
    docs = rendered[name]
    assert len(docs) >= 20, f"{name} rendered only {len(docs)} objects"
    problems = []
    for obj in docs:
        try:
            validate(obj)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {str(exc).splitlines()[0]}")
    assert not problems, "\n".join(problems)


def test_the_validator_rejects_a_misspelt_field(rendered: dict[str, list[dict[str, Any]]]) -> None:
    deployment = copy.deepcopy(objects(rendered["base"], "Deployment")["gas-web"])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["livenessProbez"] = container.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="livenessProbez"):
        validate(deployment)


def test_the_validator_rejects_a_wrong_type(rendered: dict[str, list[dict[str, Any]]]) -> None:
    hpa = copy.deepcopy(objects(rendered["base"], "HorizontalPodAutoscaler")["gas-annotator"])
    hpa["spec"]["minReplicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(hpa)


def test_overlays_keep_every_base_object(rendered: dict[str, list[dict[str, Any]]]) -> None:
    base = {(d["kind"], d["metadata"]["name"]) for d in rendered["base"]}
    for overlay in ("aws", "local"):
        have = {(d["kind"], d["metadata"]["name"]) for d in rendered[overlay]}
        assert base <= have, f"{overlay} lost {sorted(base - have)}"
