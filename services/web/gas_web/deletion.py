"""Deleting a job for good: its record, its input, every results file and its cold copy."""

from __future__ import annotations

import logging
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError
from gas_common import aws
from gas_common.cold_storage import result_keys, storage_of
from gas_common.jobstates import ARCHIVING, COMPLETED, FAILED, RESTORING
from gas_common.settings import Settings
from gas_common.stores import JobStore

from gas_web.results import ResultsUnavailable

log = logging.getLogger(__name__)


def delete_job(job: dict[str, Any], s: Settings) -> None:
    """Delete a finished job; ResultsUnavailable (409) while it runs or moves to or from cold.

    The record goes first, on the condition that nothing is working on the job: the
    archiver and thawer then find nothing to claim, and a file left behind by a failure
    below costs storage, never a job that points at missing files.
    """
    busy = (Attr("archive_status").eq(ARCHIVING) | Attr("archive_status").eq(RESTORING))
    done = Attr("job_status").is_in([COMPLETED, FAILED]) & ~busy
    try:
        JobStore(s).table.delete_item(
            Key={"job_id": job["job_id"]},
            ConditionExpression=done & Attr("user_id").eq(job["user_id"]))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        raise ResultsUnavailable("This job cannot be deleted while it is running or its "
                                 "results are moving to or from cold storage; try again "
                                 "in a few minutes.") from None
    s3 = aws.client("s3", s)
    if job.get("s3_key_input_file"):
        s3.delete_object(Bucket=job.get("s3_inputs_bucket") or s.inputs_bucket,
                         Key=job["s3_key_input_file"])
    bucket = job.get("s3_results_bucket") or s.results_bucket
    for key in [*result_keys(job), job.get("s3_key_log_file"), job.get("s3_key_summary_file")]:
        if key:
            s3.delete_object(Bucket=bucket, Key=key)
    if job.get("results_file_archive_id"):
        storage_of(job, s).delete(job["results_file_archive_id"])
    log.info("job deleted by its owner", extra={"job_id": job["job_id"]})
