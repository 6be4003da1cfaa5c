"""Cold storage for results files: one interface, two back ends (archiver and thawer).

`s3-glacier` copies the file into the archive bucket in a Glacier storage class
and restores it with `restore_object`; `glacier-vault` uploads it to a Glacier
vault and retrieves it with an archive-retrieval job. A job keeps the name of the
back end that holds its archive, so changing GAS_COLD_STORAGE strands nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from typing import IO, Any, Final, Literal, Protocol

from botocore.exceptions import ClientError

from gas_common import aws
from gas_common.settings import Settings, get_settings

RestoreState = Literal["IN_PROGRESS", "READY", "GONE"]
IN_PROGRESS: Final = "IN_PROGRESS"
READY: Final = "READY"
GONE: Final = "GONE"
EXPEDITED, STANDARD = "Expedited", "Standard"

# What AWS answers when it has no Expedited capacity (S3, Glacier, a vault policy).
CAPACITY_CODES = {
    "GlacierExpeditedRetrievalNotAvailable",
    "InsufficientCapacityException",
    "PolicyEnforcedException",
}
SPOOL_BYTES = 8 * 1024 * 1024  # bigger files go through a temporary file, not memory
HEADER_MAGIC = b"GAS-ARCHIVE 1 "
HEADER_MAX = 4096


class CapacityRefused(Exception):
    """AWS refused a retrieval tier for lack of capacity; try a slower tier."""


class ArchiveMismatch(Exception):
    """A retrieved archive belongs to another job (never written to this job's key)."""


class ColdStorage(Protocol):
    """Where results files go when they are archived, and how they come back."""

    name: str

    def archive(self, job: dict[str, Any]) -> str:
        """Copy the job's results file to cold storage; return the archive id."""

    def tiers(self, archive_id: str) -> tuple[str, ...]:
        """Retrieval tiers to try, fastest first."""

    def start_restore(self, archive_id: str, tier: str, job_id: str = "") -> str:
        """Start a retrieval; return its restore job id. CapacityRefused for capacity."""

    def restore_status(self, archive_id: str, restore_job_id: str) -> RestoreState:
        """IN_PROGRESS, READY (finish it), or GONE (expired or failed: start again)."""

    def finish_restore(self, job: dict[str, Any]) -> None:
        """Put the retrieved file back at its original key in the results bucket."""

    def delete(self, archive_id: str) -> None:
        """Delete the cold copy (no error when it is already gone)."""


_single_try: dict[tuple[str, str, str], Any] = {}


def single_try_client(service: str, settings: Settings) -> Any:
    """A client that does not retry: a capacity refusal should fall back to the next tier
    at once, not be asked again four times (the poller re-drives real failures)."""
    import boto3
    from botocore.config import Config

    key = (service, settings.aws_region, settings.aws_endpoint_url)
    if key not in _single_try:
        _single_try[key] = boto3.session.Session().client(
            service, region_name=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url or None,
            config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                          connect_timeout=5, read_timeout=30))
    return _single_try[key]


def _refuse_on_capacity(exc: ClientError, tier: str) -> None:
    """Raise CapacityRefused when AWS had no capacity for a retrieval of this tier."""
    code = aws.error_code(exc)
    if code in CAPACITY_CODES:
        raise CapacityRefused(f"{tier} retrieval refused: {code}") from None


# Every results file of a job that goes cold and comes back together (the log and the
# summary stay hot: the job page needs them). The annotated VCF comes first.
RESULT_FILES = ("s3_key_result_file", "s3_key_variants_file", "s3_key_genes_file")


def result_keys(job: dict[str, Any]) -> list[str]:
    """The job's results files that are archived, restored and deleted together."""
    return [job[name] for name in RESULT_FILES if job.get(name)]


def job_prefix(archive_key: str) -> str:
    """`<prefix><user_id>/<job_id>~`: what every results key of one job starts with."""
    head, tilde, _ = archive_key.partition("~")
    return head + tilde


def _hot_exists(job: dict[str, Any], settings: Settings, key: str | None = None) -> bool:
    try:
        aws.client("s3", settings).head_object(
            Bucket=job["s3_results_bucket"], Key=key or job["s3_key_result_file"])
        return True
    except ClientError as exc:
        if aws.is_not_found(exc):
            return False
        raise


class _Backend:
    """What the back ends share: the settings, and the shared client of their AWS service."""

    name: str
    service: str

    def __init__(self, settings: Settings):
        self.settings = settings

    @property
    def client(self) -> Any:
        return aws.client(self.service, self.settings)


class S3Glacier(_Backend):
    """Cold copies in the archive bucket in a Glacier storage class, one per results file,
    under their results keys; the archive id is the annotated VCF's key."""

    name, service = "s3-glacier", "s3"

    @property
    def bucket(self) -> str:
        return self.settings.archive_bucket

    def archive(self, job: dict[str, Any]) -> str:
        # Results keys hold the job id, so they are unique and a re-drive overwrites them.
        for key in result_keys(job):
            self.client.copy(
                {"Bucket": job["s3_results_bucket"], "Key": key}, self.bucket, key,
                ExtraArgs={"StorageClass": self.settings.cold_storage_class,
                           "ServerSideEncryption": "AES256"},
            )
        return str(job["s3_key_result_file"])

    def _copies(self, archive_id: str) -> list[str]:
        """Every cold copy of the job whose archive id this is."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=job_prefix(archive_id))
        return [obj["Key"] for page in pages for obj in page.get("Contents", [])]

    def tiers(self, archive_id: str) -> tuple[str, ...]:
        head = self.client.head_object(Bucket=self.bucket, Key=archive_id)
        # Deep Archive has no Expedited tier at all: asking would only waste a call.
        if head.get("StorageClass") == "DEEP_ARCHIVE":
            return (STANDARD,)
        return (EXPEDITED, STANDARD)

    def start_restore(self, archive_id: str, tier: str, job_id: str = "") -> str:
        for key in self._copies(archive_id) or [archive_id]:
            try:
                single_try_client("s3", self.settings).restore_object(
                    Bucket=self.bucket, Key=key,
                    RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": tier}},
                )
            except ClientError as exc:
                _refuse_on_capacity(exc, tier)
                if aws.error_code(exc) not in ("RestoreAlreadyInProgress",
                                               "ObjectAlreadyInActiveTierError"):
                    raise
        return f"s3-restore:{tier}:{archive_id}"

    def restore_status(self, archive_id: str, restore_job_id: str) -> RestoreState:
        """READY only when every copy is; GONE when any is (start them all again)."""
        states = [self._copy_status(key) for key in self._copies(archive_id) or [archive_id]]
        for state in (GONE, IN_PROGRESS):
            if state in states:
                return state
        return READY

    def _copy_status(self, key: str) -> RestoreState:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if aws.is_not_found(exc):
                return GONE
            raise
        if head.get("StorageClass") in (None, "STANDARD"):
            return READY
        restore = head.get("Restore") or ""
        if 'ongoing-request="true"' in restore:
            return IN_PROGRESS
        return READY if 'ongoing-request="false"' in restore else GONE

    def finish_restore(self, job: dict[str, Any]) -> None:
        wanted = set(result_keys(job))
        for key in self._copies(job["results_file_archive_id"]):
            if key not in wanted or _hot_exists(job, self.settings, key):
                continue  # not this job's file, or a re-drive after the copy
            self.client.copy(
                {"Bucket": self.bucket, "Key": key}, job["s3_results_bucket"], key,
                ExtraArgs={"StorageClass": "STANDARD", "ServerSideEncryption": "AES256"},
            )

    def delete(self, archive_id: str) -> None:
        for key in self._copies(archive_id) or [archive_id]:
            self.client.delete_object(Bucket=self.bucket, Key=key)


class GlacierVault(_Backend):
    """Archives in a Glacier vault: one per job, a header (which job, which files and their
    sizes) and then the files one after another."""

    name, service = "glacier-vault", "glacier"

    @property
    def vault(self) -> str:
        return self.settings.glacier_vault

    def archive(self, job: dict[str, Any]) -> str:
        # Identical files must not share an archive id (the emulator's id is the body's
        # md5), and a retrieved body must say which job it belongs to: a header does both.
        s3 = aws.client("s3", self.settings)
        keys = result_keys(job)
        sizes = [int(s3.head_object(Bucket=job["s3_results_bucket"], Key=k)["ContentLength"])
                 for k in keys]
        header = json.dumps({"job_id": job["job_id"], "key": job["s3_key_result_file"],
                             "files": [[k, n] for k, n in zip(keys, sizes, strict=True)]})
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as body:
            body.write(HEADER_MAGIC + header.encode() + b"\n")
            for key in keys:
                obj = s3.get_object(Bucket=job["s3_results_bucket"], Key=key)
                shutil.copyfileobj(obj["Body"], body)
            body.seek(0)
            response = self.client.upload_archive(
                vaultName=self.vault, archiveDescription=f"gas job {job['job_id']}", body=body)
        return str(response["archiveId"])

    def tiers(self, archive_id: str) -> tuple[str, ...]:
        return (EXPEDITED, STANDARD)

    def start_restore(self, archive_id: str, tier: str, job_id: str = "") -> str:
        params = {"Type": "archive-retrieval", "ArchiveId": archive_id, "Tier": tier,
                  "SNSTopic": aws.topic_arn(self.settings.restore_results_topic, self.settings)}
        if job_id:
            params["Description"] = job_id  # comes back as JobDescription in the notice
        try:
            response = single_try_client("glacier", self.settings).initiate_job(
                vaultName=self.vault, jobParameters=params)
        except ClientError as exc:
            _refuse_on_capacity(exc, tier)
            raise
        return str(response["jobId"])

    def restore_status(self, archive_id: str, restore_job_id: str) -> RestoreState:
        try:
            job = self.client.describe_job(vaultName=self.vault, jobId=restore_job_id)
        except ClientError as exc:
            if aws.is_not_found(exc):
                return GONE  # retrieval jobs expire after 24 h
            raise
        status = job.get("StatusCode")
        if status == "Succeeded":
            return READY
        return IN_PROGRESS if status == "InProgress" else GONE

    def finish_restore(self, job: dict[str, Any]) -> None:
        if all(_hot_exists(job, self.settings, key) for key in result_keys(job)):
            return  # a re-drive after the upload: nothing to do
        output = self.client.get_job_output(vaultName=self.vault, jobId=job["restore_job_id"])
        files, source = _read_header(output["body"], job)
        for key, size in files:
            with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as body:
                _copy_exactly(source, body, size)
                body.seek(0)
                aws.client("s3", self.settings).upload_fileobj(
                    body, job["s3_results_bucket"], key,
                    ExtraArgs={"ServerSideEncryption": "AES256"})

    def delete(self, archive_id: str) -> None:
        try:
            self.client.delete_archive(vaultName=self.vault, archiveId=archive_id)
        except ClientError as exc:
            if not aws.is_not_found(exc):
                raise


class _Prepend:
    """A stream with some bytes already read put back in front."""

    def __init__(self, head: bytes, rest: Any):
        self.head, self.rest = head, rest

    def read(self, n: int = -1) -> bytes:
        if self.head:
            if n < 0:
                out, self.head = self.head + self.rest.read(), b""
                return bytes(out)
            out, self.head = self.head[:n], self.head[n:]
            return bytes(out)
        return bytes(self.rest.read(n))


def _read_header(source: Any, job: dict[str, Any]) -> tuple[list[tuple[str, int]], _Prepend]:
    """Consume an archive's header: the (key, size) of each file after it, and the rest.

    An archive must name this job. One without a header (made elsewhere) or from
    before the results tables (no "files") is the annotated VCF alone (size -1: all).
    """
    first = source.read(HEADER_MAX)
    files = [(str(job["s3_key_result_file"]), -1)]
    if not (first.startswith(HEADER_MAGIC) and b"\n" in first):
        return files, _Prepend(first, source)
    line, rest = first.split(b"\n", 1)
    header = json.loads(line[len(HEADER_MAGIC):])
    if header.get("job_id") != job["job_id"]:
        raise ArchiveMismatch(f"archive belongs to job {header.get('job_id')}, "
                              f"not {job['job_id']}")
    listed = [(str(k), int(n)) for k, n in header.get("files") or []]
    if any(k not in result_keys(job) for k, _ in listed):
        raise ArchiveMismatch(f"archive of job {job['job_id']} names files of another job")
    return listed or files, _Prepend(rest, source)


def _copy_exactly(source: Any, sink: IO[bytes], size: int) -> None:
    """Copy `size` bytes (all that is left when -1); a short archive is an error."""
    if size < 0:
        shutil.copyfileobj(source, sink)
        return
    left = size
    while left:
        chunk = source.read(min(left, 1 << 20))
        if not chunk:
            raise ArchiveMismatch(f"archive ends {left} bytes early")
        sink.write(chunk)
        left -= len(chunk)


BACKENDS: dict[str, type[S3Glacier] | type[GlacierVault]] = {
    S3Glacier.name: S3Glacier,
    GlacierVault.name: GlacierVault,
}


def cold_storage(name: str | None = None, settings: Settings | None = None) -> ColdStorage:
    """The back end called `name` (default: GAS_COLD_STORAGE)."""
    s = settings or get_settings()
    backend = BACKENDS.get(name or s.cold_storage)
    if backend is None:
        raise ValueError(f"unknown cold storage back end {name!r}")
    return backend(s)


def ready_check(s: Settings) -> None:
    """A readiness check: the configured cold storage answers (raises when it does not)."""
    if s.cold_storage == S3Glacier.name:
        aws.client("s3", s).head_bucket(Bucket=s.archive_bucket)
    else:
        aws.client("glacier", s).describe_vault(vaultName=s.glacier_vault)


ready_check.__name__ = "cold_storage"


def ready_checks() -> list[Callable[[Settings], None]]:
    """What the archiver and thawer need to be ready: tables, results bucket, cold storage."""
    from gas_common.app import check_bucket, check_table  # app imports Flask: only when asked

    return [check_table("jobs_table"), check_table("users_table"),
            check_bucket("results_bucket"), ready_check]


def storage_of(job: dict[str, Any], settings: Settings | None = None) -> ColdStorage:
    """The back end that holds this job's archive."""
    return cold_storage(job.get("archive_backend"), settings)
