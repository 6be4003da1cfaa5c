"""Job files: fetch the input from S3 within limits, name and upload the three outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from gas_common import aws
from gas_common.settings import Settings

CHUNK = 1 << 20


class JobFailure(Exception):
    """A job that cannot succeed; str(e) is the one line the user sees."""


def _megabytes(n: int) -> str:
    return f"{n / 1024**2:,.1f} MB"


def fetch_input(job: dict[str, Any], dest: Path, settings: Settings) -> int:
    """Download the job's input to dest (streamed, size-capped); JobFailure with the reason."""
    bucket, key = job.get("s3_inputs_bucket"), str(job.get("s3_key_input_file", ""))
    if bucket != settings.inputs_bucket:
        raise JobFailure("the input is not in the GAS inputs bucket")
    if not key.startswith(f"{settings.key_prefix}{job['user_id']}/"):
        raise JobFailure("the input file does not belong to this job's user")
    limit = settings.max_input_bytes
    try:
        obj = aws.client("s3", settings).get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if aws.is_not_found(exc):
            raise JobFailure("the input file is no longer in storage; please upload it "
                             "again") from None
        raise
    size = int(obj.get("ContentLength", 0))
    if size > limit:
        obj["Body"].close()
        raise JobFailure(f"the input is {_megabytes(size)}, over the {_megabytes(limit)} "
                         "limit of one job")
    done = 0
    with obj["Body"] as body, open(dest, "wb") as out:
        for chunk in iter(lambda: body.read(CHUNK), b""):
            done += len(chunk)
            if done > limit:  # the object changed under us: never trust one header
                raise JobFailure(f"the input is over the {_megabytes(limit)} limit of one job")
            out.write(chunk)
    return done


_CONTENT_TYPES = {"result": "text/plain; charset=utf-8", "log": "text/plain; charset=utf-8",
                  "summary": "application/json; charset=utf-8",
                  "table": "application/vnd.apache.parquet"}


def upload(path: Path, key: str, kind: str, settings: Settings) -> None:
    """Put one output in the results bucket, private and encrypted at rest."""
    aws.client("s3", settings).upload_file(
        str(path), settings.results_bucket, key,
        ExtraArgs={"ServerSideEncryption": "AES256",
                   "ContentType": _CONTENT_TYPES[kind]},
    )


MAX_CHROMOSOMES = 100  # keeps the item far below DynamoDB's 400 KB however odd the input


def item_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The counts worth keeping on the job item (the full summary is in S3)."""
    chromosomes = sorted(summary.get("by_chromosome", {}).items(), key=lambda kv: -kv[1])
    return {
        "total": summary.get("total", 0),
        "annotated": summary.get("annotated", 0),
        "known_ids": summary.get("known_ids", 0),
        "known_id_rate": summary.get("known_id_rate", 0.0),
        "pathogenic": summary.get("pathogenic", 0),
        "rare": summary.get("rare", 0),
        "with_af": summary.get("with_af", 0),
        "ti": summary.get("ti", 0),
        "tv": summary.get("tv", 0),
        "ti_tv": summary.get("ti_tv"),
        "by_region": summary.get("by_region", {}),
        "by_class": summary.get("by_class", {}),
        "by_chromosome": {k[:100]: v for k, v in chromosomes[:MAX_CHROMOSOMES] if k},
        "unannotated": summary.get("unannotated", {}),
        "reference": reference_label(summary),
        # False when the bundle has no known-variant source (the page hides that chart).
        "known_source": (summary.get("reference") or {}).get("known_source"),
    }


def reference_label(summary: dict[str, Any]) -> str:
    """The bundle a job was annotated with, as the job record shows it: 'grch37 (GRCh37)'."""
    ref = summary.get("reference") or {}
    name = str(ref.get("name") or "")
    return f"{name} ({ref['build']})" if ref.get("build") else name
