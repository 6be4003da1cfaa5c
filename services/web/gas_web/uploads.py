"""Uploads and submission: presigned POSTs to S3 and the checks before a job is created."""

from __future__ import annotations

import gzip
import logging
import uuid
import zlib
from typing import Any

from botocore.exceptions import ClientError
from gas_common import aws, tiers
from gas_common.jobstates import PENDING, PREMIUM
from gas_common.keys import input_key, sanitise_filename, split_key, user_prefix
from gas_common.messages import JobRequested
from gas_common.publish import publish
from gas_common.settings import Settings
from gas_common.stores import JobStore, TransitionRefused, now

from gas_web import quota

log = logging.getLogger(__name__)

VCF_EXTENSIONS = (".vcf", ".vcf.gz")
_SNIFF_BYTES = 64 * 1024


class UploadRefused(Exception):
    """The upload or submission is not acceptable; the message is shown to the user."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def upload_limit(user: dict[str, Any], s: Settings) -> int:
    """Largest upload the user's tier allows, in bytes."""
    if user.get("role") == PREMIUM:
        return s.premium_upload_limit_bytes
    return s.free_upload_limit_bytes


def check_name(filename: str) -> str:
    """The sanitised name, if it looks like a VCF by its extension."""
    name = sanitise_filename(filename)
    if not name.lower().endswith(VCF_EXTENSIONS):
        raise UploadRefused("Please choose a VCF file (.vcf or .vcf.gz).")
    return name


def presign_upload(
    user: dict[str, Any], filename: str, size: int | None, s: Settings, redirect_to: str | None
) -> dict[str, Any]:
    """A presigned S3 POST for one input file: private, encrypted, size-limited by tier."""
    name = check_name(filename)
    check_room(user, s)
    limit = upload_limit(user, s)
    if size is not None and size > limit:
        raise UploadRefused(_too_big(limit, user, s), status=413)
    job_id = str(uuid.uuid4())
    key = input_key(user["user_id"], job_id, name, s)
    fields: dict[str, str] = {"acl": "private", "x-amz-server-side-encryption": "AES256"}
    conditions: list[Any] = [
        {"acl": "private"},
        {"x-amz-server-side-encryption": "AES256"},
        ["content-length-range", 1, limit],
    ]
    if redirect_to:
        fields["success_action_redirect"] = redirect_to
        conditions.append({"success_action_redirect": redirect_to})
    else:
        fields["success_action_status"] = "201"
        conditions.append({"success_action_status": "201"})
    post = aws.client("s3", s).generate_presigned_post(
        Bucket=s.inputs_bucket, Key=key, Fields=fields, Conditions=conditions,
        ExpiresIn=s.presigned_url_seconds,
    )
    return {
        "job_id": job_id, "bucket": s.inputs_bucket, "key": key, "filename": name,
        "max_bytes": limit, "expires_in": s.presigned_url_seconds,
        "url": post["url"], "fields": post["fields"],
    }


def check_room(user: dict[str, Any], s: Settings) -> None:
    """Refuse (429) a user who already has their tier's most jobs waiting or running."""
    most = tiers.limit(s, user.get("role"), "max_active_jobs")
    if quota.active_jobs(user["user_id"], s, enough=most) >= most:
        hint = "" if user.get("role") == PREMIUM else " Premium users may run more at once."
        raise UploadRefused(
            f"You already have {most} jobs waiting or running, the most a "
            f"{tiers.tier_of(user.get('role'))} user may have at once. Please wait for one "
            f"to finish, then submit again.{hint}", status=429)


def _too_big(limit: int, user: dict[str, Any], s: Settings) -> str:
    hint = "" if user.get("role") == PREMIUM else (
        f" Premium takes files up to {human_size(s.premium_upload_limit_bytes)}.")
    return (f"That file is larger than your {human_size(limit)} upload limit (a .vcf.gz "
            f"counts at its compressed size).{hint}")


def human_size(n: int) -> str:
    """150 KB, 1.5 MB, 1 GB: one decimal only where it says something."""
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            if unit == "bytes":
                return f"{n} byte" + ("" if n == 1 else "s")
            return f"{size:.1f}".removesuffix(".0") + f" {unit}"
        size /= 1024
    return f"{n} bytes"


def plural(n: int, word: str) -> str:
    """1 minute, 5 minutes."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def parse_key(key: str, user_id: str, s: Settings) -> tuple[str, str]:
    """(job_id, file name) of an input key, which must be under the user's own prefix."""
    prefix = user_prefix(user_id, s)
    if not key.startswith(prefix):
        raise UploadRefused("That upload does not belong to you.", status=403)
    job_id, name = split_key(key)
    try:
        valid_id = str(uuid.UUID(job_id)) == job_id
    except ValueError:
        valid_id = False
    if not valid_id or key != input_key(user_id, job_id, name, s) \
            or sanitise_filename(name) != name:
        raise UploadRefused("That upload key is not one GAS made.")
    return job_id, name


def submit(user: dict[str, Any], bucket: str, key: str, s: Settings) -> tuple[dict[str, Any], bool]:
    """Check an uploaded input and create its PENDING job; (job, created now?)."""
    user_id = user["user_id"]
    if bucket != s.inputs_bucket:
        raise UploadRefused("That upload is not in the GAS inputs bucket.")
    job_id, name = parse_key(key, user_id, s)
    jobs = JobStore(s)
    existing = jobs.get(job_id)
    if existing:  # the same redirect twice: the job already exists
        if existing.get("user_id") != user_id:
            raise UploadRefused("That upload does not belong to you.", status=403)
        return existing, False
    s3 = aws.client("s3", s)
    try:
        check_room(user, s)
    except UploadRefused as exc:
        s3.delete_object(Bucket=bucket, Key=key)
        raise UploadRefused(f"{exc} The file was deleted.", status=exc.status) from None
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if aws.is_not_found(exc):
            raise UploadRefused("We could not find your upload. Please upload it again.",
                                status=404) from None
        raise
    size = int(head["ContentLength"])
    limit = upload_limit(user, s)
    if size > limit:
        # S3 enforces the POST policy, the emulator does not: enforce it here too.
        s3.delete_object(Bucket=bucket, Key=key)
        raise UploadRefused(_too_big(limit, user, s) + " The file was deleted.", status=413)
    if size == 0 or not looks_like_vcf(_first_bytes(s3, bucket, key)):
        s3.delete_object(Bucket=bucket, Key=key)
        raise UploadRefused(
            "That file does not look like a VCF: it must start with ##fileformat=VCF "
            "(plain or gzip). The file was deleted.", status=422)
    return queue({
        "job_id": job_id, "user_id": user_id, "input_file_name": name,
        "s3_inputs_bucket": bucket, "s3_key_input_file": key,
    }, s)


def queue(job: dict[str, Any], s: Settings) -> tuple[dict[str, Any], bool]:
    """Create the PENDING job and ask for its annotation; (job, created now?)."""
    job = {**job, "submit_time": now(), "job_status": PENDING}
    jobs = JobStore(s)
    try:
        jobs.create(job)
    except TransitionRefused:  # a concurrent submit of the same upload won
        return jobs.get(job["job_id"]) or job, False
    try:
        publish(JobRequested(**{k: job[k] for k in JobRequested.model_fields if k in job}), s)
    except Exception:  # noqa: BLE001 - the job is durable; the reconciler re-drives it
        log.exception("publishing job.requested failed", extra={"job_id": job["job_id"]})
    return job, True


def _first_bytes(s3: Any, bucket: str, key: str) -> bytes:
    body = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{_SNIFF_BYTES - 1}")["Body"]
    return bytes(body.read())


def looks_like_vcf(head: bytes) -> bool:
    """Whether the file's first bytes are a VCF header (plain, gzip or bgzip)."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16).decompress(head, 4096)
        except (zlib.error, gzip.BadGzipFile):
            return False
    return head.lstrip(b"\xef\xbb\xbf").startswith(b"##fileformat=VCF")
