"""Fixtures for the annotator service's unit tests: in-process AWS, jobs, a runner."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from gas_common import aws
from gas_common.provision import provision
from gas_common.settings import Settings
from gas_common.stores import PENDING, JobStore
from moto import mock_aws


@pytest.fixture
def aws_mock(local_settings) -> Iterator[Settings]:
    """In-process moto with every GAS resource provisioned; yields the settings."""
    with mock_aws():
        aws.reset_clients()
        provision(local_settings, echo=lambda line: None)
        yield local_settings
    aws.reset_clients()


@pytest.fixture
def jobs(aws_mock) -> JobStore:
    return JobStore(aws_mock)


def settings_with(base: Settings, **changes: Any) -> Settings:
    """A copy of the settings with some fields changed."""
    return base.model_copy(update=changes)


def new_job(settings: Settings, body: bytes | None = b"##fileformat=VCFv4.2\n",
            user_id: str = "u-1", **fields: Any) -> dict[str, Any]:
    """Write a PENDING job (and its input, unless body is None) the way web does."""
    job_id = uuid.uuid4().hex
    key = f"{settings.key_prefix}{user_id}/{job_id}~in.vcf"
    if body is not None:
        aws.client("s3", settings).put_object(Bucket=settings.inputs_bucket, Key=key, Body=body)
    item = {"job_id": job_id, "user_id": user_id, "input_file_name": "in.vcf",
            "s3_inputs_bucket": settings.inputs_bucket, "s3_key_input_file": key,
            "submit_time": int(time.time()), "job_status": PENDING, **fields}
    JobStore(settings).create(item)
    return item
