"""Fixtures for the annotator service's unit tests: in-process AWS, jobs, a runner."""

from __future__ import annotations

from typing import Any

import pytest
from gas_common.settings import Settings
from gas_common.stores import JobStore

from tests.factories import pending_job


@pytest.fixture
def jobs(aws_mock) -> JobStore:
    return JobStore(aws_mock)


def new_job(settings: Settings, body: bytes | None = b"##fileformat=VCFv4.2\n",
            **fields: Any) -> dict[str, Any]:
    """A PENDING job of user u-1 with its input (unless body is None)."""
    return pending_job(settings, body=body, **fields)
