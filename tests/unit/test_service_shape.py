"""Every service has one shape: create_app(settings) keeps a Service in app.extensions,
handlers and SNS endpoints read that app's settings, and no module holds state of its own.
So two apps with different settings live side by side in one process."""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import json
import pkgutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from gas_common import aws
from gas_common.service import EXTENSION, Service, current_settings
from gas_common.settings import Settings
from moto import mock_aws

# service -> (package, SNS endpoint path, topic setting); DESIGN.md "Messages"
SERVICES = {
    "web": ("gas_web", None, None),
    "annotator": ("gas_annotator", "/sns/job-requests", "job_requests_topic"),
    "archiver": ("gas_archiver", "/sns/job-results", "job_results_topic"),
    "thawer": ("gas_thawer", "/sns/thaw-requests", "thaw_requests_topic"),
    "notifier": ("gas_notifier", "/sns/job-results", "job_results_topic"),
}

# Process-wide caches, each keyed by what it caches (settings, URL, path), so apps with
# different settings share them safely. Anything else at module level that can change
# is state a Service should own.
CACHES = {
    "gas_common.aws._clients", "gas_common.aws._accounts", "gas_common.stores._tables",
    "gas_common.cold_storage._single_try", "gas_web.globus._introspected",
    "gas_annotator.engine.loader._cache",
    # Keyed by local file path: the same for every app in the process.
    "gas_web.table_cache._locks", "gas_web.variant_query._counts",
    "gas_web.variant_query._tables",
}
MUTABLE = (dict, list, set, bytearray, threading.local)


@pytest.fixture
def two_settings(local_settings: Settings) -> Iterator[tuple[Settings, Settings]]:
    with mock_aws():
        aws.reset_clients()
        yield tuple(local_settings.model_copy(update={  # type: ignore[misc]
            "secret_key": f"unit-test-secret-{name}", "sns_verify_signature": False,
            "sns_basic_auth": True, "sns_shared_secret": f"shared-secret-{name}",
            "jobs_table": f"jobs-{name}", "job_requests_topic": f"requests-{name}",
            "job_results_topic": f"results-{name}", "thaw_requests_topic": f"thaw-{name}",
            "reconcile_interval_seconds": 3600, "archive_poll_seconds": 3600,
            "restore_poll_seconds": 3600,
        }) for name in ("a", "b"))
    aws.reset_clients()


def _envelope(settings: Settings, topic_setting: str) -> str:
    arn = aws.topic_arn(getattr(settings, topic_setting), settings)
    # a valid message of a type no endpoint acts on: accepted and ignored once authenticated
    message = json.dumps({"type": "thaw.requested", "version": 1, "user_id": "u"})
    if topic_setting == "thaw_requests_topic":
        message = json.dumps({"type": "job.restored", "version": 1, "job_id": "j",
                              "user_id": "u"})
    return json.dumps({"Type": "Notification", "MessageId": "m", "TopicArn": arn,
                       "Message": message,
                       "Timestamp": dt.datetime.now(dt.UTC).isoformat()})  # fresh: no replay


def _auth(settings: Settings) -> dict[str, str]:
    token = base64.b64encode(f"gas:{settings.sns_shared_secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "text/plain"}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_two_apps_with_different_settings_each_keep_their_own(service, two_settings):
    package, path, topic = SERVICES[service]
    create_app = importlib.import_module(package).create_app
    apps = [create_app(s) for s in two_settings]
    try:
        for app, settings in zip(apps, two_settings, strict=True):
            owner = app.extensions[EXTENSION]
            assert isinstance(owner, Service) and owner.name == service
            assert owner.settings is settings
            with app.test_request_context():
                assert current_settings() is settings
        if path is None:
            return
        a, b = two_settings
        for app, settings in zip(apps, two_settings, strict=True):
            client = app.test_client()
            ok = client.post(path, data=_envelope(settings, topic), headers=_auth(settings))
            assert ok.status_code == 200 and ok.json["status"] == "ignored", ok.json
        # each endpoint checks its own app's topic and secret, not the other app's
        assert apps[1].test_client().post(path, data=_envelope(a, topic),
                                          headers=_auth(b)).status_code == 403
        assert apps[1].test_client().post(path, data=_envelope(b, topic),
                                          headers=_auth(a)).status_code == 403
    finally:
        for app in apps:
            app.extensions[EXTENSION].stop()


def _modules(package: str) -> Iterator[Any]:
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        yield importlib.import_module(info.name)


@pytest.mark.parametrize("package", ["gas_common", *sorted(p for p, _, _ in SERVICES.values())])
def test_no_module_keeps_mutable_state_outside_its_service(package):
    found = []
    for module in _modules(package):
        for name, value in vars(module).items():
            qualified = f"{module.__name__}.{name}"
            constant = name.isupper() or name.startswith("__")
            if isinstance(value, MUTABLE) and not constant and qualified not in CACHES:
                found.append(qualified)
    assert found == []
