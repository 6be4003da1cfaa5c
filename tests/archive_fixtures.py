"""Fixtures for archive and restore tests: in-process moto, both cold-storage back ends.

The archiver, thawer and cold-storage conftests import `backend` and `settings` from here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from gas_common import aws
from gas_common.cold_storage import _single_try, single_try_client
from gas_common.jobstates import COMPLETED, FREE
from gas_common.settings import Settings, get_settings
from gas_common.stores import JobStore, UserStore
from gas_tools.provision import provision
from moto import mock_aws

BACKENDS = ["s3-glacier", "glacier-vault"]


@pytest.fixture
def backend() -> str:
    """The back end of a test; `@both` runs a test on each."""
    return "s3-glacier"


both = pytest.mark.parametrize("backend", BACKENDS)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, backend: str) -> Iterator[Settings]:
    """In-process moto, every resource provisioned for `backend`; yields the settings.

    Clients are kept across tests (the mock intercepts them all; building them is
    the slow part), except the single-try ones, which carry injected refusals.
    """
    for key in list(os.environ):
        if key.startswith("GAS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("GAS_ENV", "local")
    monkeypatch.setenv("GAS_COLD_STORAGE", backend)
    monkeypatch.setenv("GAS_COLD_STORAGE_CLASS", "GLACIER")
    monkeypatch.setenv("GAS_FREE_RETENTION_SECONDS", "0")
    get_settings.cache_clear()
    s = get_settings()
    with mock_aws():
        _single_try.clear()
        provision(s, echo=lambda line: None)
        yield s
    _single_try.clear()
    get_settings.cache_clear()


def make_job(s: Settings, job_id: str, user_id: str = "u-1", body: bytes = b"##fileformat\n",
             role: str = FREE, complete_time: int | None = None,
             tables: bool = False) -> dict[str, Any]:
    """A user and a completed job whose results file (and tables) are in the results bucket."""
    users = UserStore(s)
    users.create(user_id, "Ann", f"{user_id}@example.org")
    if role != FREE:
        users.set_role(user_id, role)
    key = f"{user_id}/{job_id}~a.annot.vcf"
    aws.client("s3", s).put_object(Bucket=s.results_bucket, Key=key, Body=body)
    job = {"job_id": job_id, "user_id": user_id, "input_file_name": "a.vcf",
           "submit_time": int(time.time()), "job_status": COMPLETED,
           "complete_time": complete_time if complete_time is not None else int(time.time()),
           "s3_results_bucket": s.results_bucket, "s3_key_result_file": key,
           "s3_key_log_file": f"{user_id}/{job_id}~a.vcf.count.log"}
    if tables:
        for name, suffix in (("variants", "variants.parquet"), ("genes", "genes.parquet")):
            job[f"s3_key_{name}_file"] = f"{user_id}/{job_id}~a.{suffix}"
            aws.client("s3", s).put_object(Bucket=s.results_bucket, Key=job[f"s3_key_{name}_file"],
                                           Body=f"PAR1 {name} of {job_id}".encode())
    JobStore(s).create(job)
    return job


def hot_body(s: Settings, job: dict[str, Any]) -> bytes | None:
    """The results file in the results bucket, or None when it is not there."""
    try:
        return bytes(aws.client("s3", s).get_object(
            Bucket=s.results_bucket, Key=job["s3_key_result_file"])["Body"].read())
    except aws.client("s3", s).exceptions.NoSuchKey:
        return None


def refuse(s: Settings, code: str, tier: str = "Expedited") -> list[str]:
    """Make AWS refuse `tier` retrievals with `code`; returns the tiers asked for."""
    asked: list[str] = []

    def hook(params: dict[str, Any], **kwargs: Any) -> Any:
        body = params.get("body") or b""
        text = body.decode() if isinstance(body, bytes) else str(body)
        wanted = "Expedited" if "Expedited" in text else "Standard"
        asked.append(wanted)
        if wanted != tier:
            return None

        class Refusal:
            status_code = 503

        return Refusal(), {"Error": {"Code": code, "Message": "no capacity"},
                           "ResponseMetadata": {"HTTPStatusCode": 503}}

    single_try_client("s3", s).meta.events.register("before-call.s3.RestoreObject", hook)
    single_try_client("glacier", s).meta.events.register("before-call.glacier.InitiateJob", hook)
    return asked
