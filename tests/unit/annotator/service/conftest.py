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
            user_id: str = "u-1", **fields: Any) -> dict[str, Any]:
    """A PENDING job of `user_id` with its input (unless body is None)."""
    return pending_job(settings, user_id=user_id, body=body, **fields)
