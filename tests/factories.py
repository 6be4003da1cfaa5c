"""Builders for what tests need again and again: settings variants, VCF text, users, jobs."""

from __future__ import annotations

import time
import uuid
from typing import Any

from gas_common import aws
from gas_common.jobstates import COMPLETED, FREE, PENDING
from gas_common.keys import ResultKeys, input_key
from gas_common.settings import Settings
from gas_common.stores import JobStore, UserStore

VCF_HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def settings_with(base: Settings, **changes: Any) -> Settings:
    """A copy of the settings with some fields changed."""
    return base.model_copy(update=changes)


def vcf(*records: str, header: str = "") -> str:
    """A VCF 4.2 text: extra header lines, the column line, then tab-joined records."""
    return VCF_HEADER.replace("#CHROM", header + "#CHROM") + "".join(
        r if r.endswith("\n") else r + "\n" for r in records)


def user(settings: Settings, user_id: str = "u-1", role: str = FREE,
         email: str | None = None) -> dict[str, Any]:
    """Create a user (free unless told) and return the stored item."""
    users = UserStore(settings)
    users.create(user_id, "Ann", email or f"{user_id}@example.org")
    if role != FREE:
        users.set_role(user_id, role)
    item = users.get(user_id)
    assert item is not None
    return item


def pending_job(settings: Settings, user_id: str = "u-1", body: bytes | None = None,
                name: str = "in.vcf", **fields: Any) -> dict[str, Any]:
    """Write a PENDING job (and its input, unless body is None) the way web does."""
    job_id = uuid.uuid4().hex
    key = input_key(user_id, job_id, name, settings)
    if body is not None:
        aws.client("s3", settings).put_object(Bucket=settings.inputs_bucket, Key=key, Body=body)
    item = {"job_id": job_id, "user_id": user_id, "input_file_name": name,
            "s3_inputs_bucket": settings.inputs_bucket, "s3_key_input_file": key,
            "submit_time": int(time.time()), "job_status": PENDING, **fields}
    JobStore(settings).create(item)
    return item


def completed_job(settings: Settings, job_id: str | None = None, user_id: str = "u-1",
                  body: bytes = b"##fileformat=VCFv4.2\n", **fields: Any) -> dict[str, Any]:
    """Write a COMPLETED job whose annotated VCF is in the results bucket."""
    job = {"job_id": job_id or uuid.uuid4().hex, "user_id": user_id,
           "input_file_name": "a.vcf"}
    keys = ResultKeys.of(job, settings)
    aws.client("s3", settings).put_object(Bucket=settings.results_bucket, Key=keys.result,
                                          Body=body)
    now = int(time.time())
    job |= {"submit_time": now, "job_status": COMPLETED, "complete_time": now,
            "s3_results_bucket": settings.results_bucket, "s3_key_result_file": keys.result,
            "s3_key_log_file": keys.log, **fields}
    JobStore(settings).create(job)
    return job
