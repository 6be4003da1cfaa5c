"""Managing a job: its label, and a re-run of its input with another installed reference."""

from __future__ import annotations

import re
import uuid
from typing import Any

from botocore.exceptions import ClientError
from gas_common import aws, bundles
from gas_common.jobstates import FINISHED
from gas_common.keys import input_key
from gas_common.settings import Settings
from gas_common.stores import JobStore

from gas_web.uploads import UploadRefused, check_room, queue

MAX_LABEL = 100
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")


def clean_label(raw: Any) -> str:
    """A label as stored: one line, trimmed, at most MAX_LABEL characters ('' clears it)."""
    if not isinstance(raw, str):
        raise UploadRefused("The label must be text.")
    label = _SPACE.sub(" ", raw).strip()
    if len(label) > MAX_LABEL:
        raise UploadRefused(f"A label has at most {MAX_LABEL} characters.")
    return label


def rename(job: dict[str, Any], raw: Any, s: Settings) -> dict[str, Any]:
    """Set (or, when empty, clear) the job's label; returns the updated job."""
    label = clean_label(raw)
    jobs = JobStore(s)
    if label:
        return jobs.update(job["job_id"], set={"label": label})
    return jobs.update(job["job_id"], remove=["label"])


def rerun_choices(job: dict[str, Any], s: Settings) -> dict[str, str]:
    """The installed references a finished job can be run again with: name -> build."""
    return bundles.installed(s) if job.get("job_status") in FINISHED else {}


def rerun(user: dict[str, Any], job: dict[str, Any], reference: Any,
          s: Settings) -> dict[str, Any]:
    """A new PENDING job over a copy of `job`'s input, annotated with `reference`.

    The original job and its results stay as they are; the copy of the input makes the
    two jobs independent (deleting one leaves the other's input).
    """
    if job.get("job_status") not in FINISHED:
        raise UploadRefused("This job is still running; re-run it when it has finished.",
                            status=409)
    installed = bundles.installed(s)
    if not isinstance(reference, str) or reference not in installed:
        names = ", ".join(sorted(installed)) or "none"
        raise UploadRefused(f"Choose an installed reference (installed: {names}).")
    check_room(user, s)
    job_id = str(uuid.uuid4())
    name = job["input_file_name"]
    key = input_key(user["user_id"], job_id, name, s)
    try:
        aws.client("s3", s).copy_object(
            Bucket=s.inputs_bucket, Key=key, ServerSideEncryption="AES256",
            CopySource={"Bucket": job["s3_inputs_bucket"], "Key": job["s3_key_input_file"]})
    except ClientError as exc:
        if aws.is_not_found(exc):
            raise UploadRefused("The input of this job is no longer in storage; upload it "
                                "again.", status=409) from None
        raise
    new, _ = queue({
        "job_id": job_id, "user_id": user["user_id"], "input_file_name": name,
        "s3_inputs_bucket": s.inputs_bucket, "s3_key_input_file": key,
        "requested_reference": reference, "rerun_of": job["job_id"],
        **({"label": job["label"]} if job.get("label") else {}),
    }, s)
    return new
