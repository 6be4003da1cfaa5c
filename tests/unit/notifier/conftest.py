"""Fixtures for the notifier's unit tests: in-process AWS mock and the stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gas_common import aws
from gas_common.settings import Settings
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
def jobs(settings: Settings) -> JobStore:
    return JobStore(settings)


@pytest.fixture
def users(settings: Settings) -> UserStore:
    return UserStore(settings)
