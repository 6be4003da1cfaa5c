"""Fixtures for the notifier's unit tests: in-process AWS mock and the stores."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from gas_common import aws
from gas_common.messages import dumps
from gas_common.settings import Settings, get_settings
from gas_common.stores import JobStore, UserStore
from gas_tools.provision import plan
from moto import mock_aws


@pytest.fixture
def settings(local_settings: Settings) -> Iterator[Settings]:
    """In-process moto with the tables and the SES sender; quick retries."""
    s = local_settings.model_copy(update={"notify_retry_seconds": 0.01, "notify_attempts": 3,
                                          "public_url": "https://gas.example.org"})
    with mock_aws():
        aws.reset_clients()
        for step in plan(s):  # only what the notifier uses: quicker than everything
            if step.what.startswith(("table ", "SES ")):
                step.create()
        yield s
    aws.reset_clients()


@pytest.fixture
def sender() -> Any:
    """A sender that records what it is asked to send."""
    from tests.unit.notifier.fakes import FakeSender

    return FakeSender()


@pytest.fixture
def notifier(settings: Settings, sender: Any) -> Iterator[Any]:
    """A Notifier sending through `sender`, stopped after the test."""
    from gas_notifier.delivery import Notifier

    n = Notifier(settings, sender=sender)
    yield n
    n.stop()


@pytest.fixture
def jobs(settings: Settings) -> JobStore:
    return JobStore(settings)


@pytest.fixture
def users(settings: Settings) -> UserStore:
    return UserStore(settings)


SECRET = "unit-test-shared-secret"  # noqa: S105 - test value


@pytest.fixture
def app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The notifier app; its SNS endpoint takes basic auth only, no signature."""
    from gas_notifier import create_app

    # The SNS endpoint reads this process's settings.
    monkeypatch.setenv("GAS_SNS_VERIFY_SIGNATURE", "false")
    monkeypatch.setenv("GAS_SNS_SHARED_SECRET", SECRET)
    get_settings.cache_clear()
    app = create_app(get_settings())
    yield app
    app.extensions["gas"].stop()
    get_settings.cache_clear()


def deliver(client: Any, message: Any, secret: str = SECRET) -> Any:
    """POST `message` to the notifier's /sns/job-results as SNS would."""
    envelope = {"Type": "Notification", "MessageId": "m-1",
                "TopicArn": aws.topic_arn("gas-job-results", get_settings()),
                "Message": dumps(message), "Timestamp": dt.datetime.now(dt.UTC).isoformat()}
    auth = base64.b64encode(f"gas:{secret}".encode()).decode()
    return client.post("/sns/job-results", data=json.dumps(envelope),
                       content_type="text/plain; charset=UTF-8",
                       headers={"Authorization": f"Basic {auth}"})
