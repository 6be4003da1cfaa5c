"""Reading a job's results for pages and the API: views, download URLs, the log."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from gas_common import aws
from gas_common.cold_storage import typical_wait
from gas_common.jobstates import ARCHIVED, ARCHIVING, COMPLETED, RESTORING, SCHEDULED
from gas_common.keys import file_name_of
from gas_common.settings import Settings

LOG_LIMIT = 1024 * 1024  # show at most 1 MB of log inline

PUBLIC_FIELDS = (
    "job_id", "input_file_name", "job_status", "submit_time", "started_time",
    "complete_time", "progress_variants", "error", "summary", "archive_status",
    "label", "reference", "requested_reference", "rerun_of",
)


class ResultsUnavailable(Exception):
    """The results cannot be downloaded now; the message says why."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def results_state(job: dict[str, Any]) -> str:
    """`none` (not finished), `hot`, `archived` or `restoring`."""
    if job.get("job_status") != COMPLETED or not job.get("s3_key_result_file"):
        return "none"
    status = job.get("archive_status")
    if status in (ARCHIVED, ARCHIVING):
        return "archived" if status == ARCHIVED or job.get("results_file_archive_id") else "hot"
    if status == RESTORING:
        return "restoring"
    return "hot"


def not_annotated(job: dict[str, Any]) -> bool:
    """A completed job in which nothing was annotated (its contigs match no reference)."""
    summary = job.get("summary") or {}
    return (job.get("job_status") == COMPLETED and int(summary.get("total") or 0) > 0
            and summary.get("annotated") == 0)


def public_view(job: dict[str, Any], s: Settings | None = None) -> dict[str, Any]:
    """What a job's owner may see of it (no bucket names or internal state).

    With settings, a restore in progress also says its tier and AWS's typical wait.
    """
    view = {k: job[k] for k in PUBLIC_FIELDS if k in job}
    view["results"] = results_state(job)
    if view["results"] == "restoring" and job.get("restore_tier"):
        view["restore_tier"] = job["restore_tier"]  # recorded by the thawer
        if s is not None:
            view["restore_wait"] = typical_wait(job["restore_tier"], s,
                                                job.get("archive_backend"))
    view["not_annotated"] = not_annotated(job)
    if job.get("archive_status") == SCHEDULED and job.get("archive_due_at"):
        view["archive_due_at"] = int(job["archive_due_at"])  # free plan: when results go cold
    view["tables"] = view["results"] == "hot" and bool(job.get("s3_key_variants_file"))
    return view


def _presigned(s: Settings, bucket: str, key: str, filename: str) -> str:
    return str(aws.client("s3", s).generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"'},
        ExpiresIn=s.presigned_url_seconds,
    ))


def results_url(job: dict[str, Any], s: Settings) -> str:
    """A short-lived download URL for the annotated VCF, or ResultsUnavailable."""
    state = results_state(job)
    if state == "archived":
        raise ResultsUnavailable(
            "These results are archived. Upgrade to premium to download them.")
    if state == "restoring":
        raise ResultsUnavailable("These results are being restored; they will be back soon.")
    if state == "none":
        raise ResultsUnavailable("This job has no results yet.")
    key = job["s3_key_result_file"]
    return _presigned(s, job["s3_results_bucket"], key, file_name_of(key))


def input_url(job: dict[str, Any], s: Settings) -> str:
    """A short-lived download URL for the uploaded input."""
    return _presigned(s, job["s3_inputs_bucket"], job["s3_key_input_file"],
                      job.get("input_file_name", "input.vcf"))


def log_text(job: dict[str, Any], s: Settings) -> str | None:
    """The job's log (at most LOG_LIMIT bytes), or None when there is none yet."""
    key = job.get("s3_key_log_file")
    if not key:
        return None
    try:
        body = aws.client("s3", s).get_object(
            Bucket=job.get("s3_results_bucket") or s.results_bucket, Key=key,
            Range=f"bytes=0-{LOG_LIMIT - 1}")["Body"]
    except ClientError as exc:
        if aws.is_not_found(exc):
            return None
        raise
    return bytes(body.read()).decode("utf-8", "replace")


def summary_facts(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """The headline numbers of a summary, tolerant of missing or older keys."""
    if not summary:
        return None
    total = int(summary.get("total") or 0)
    unannotated = summary.get("unannotated") or {}
    ti, tv = int(summary.get("ti") or 0), int(summary.get("tv") or 0)
    ratio = summary.get("ti_tv")
    reference = summary.get("reference")
    cannot_give: list[str] = []
    if isinstance(reference, dict):
        cannot_give = list(reference.get("cannot_give") or [])
        reference = reference.get("name")
    return {
        "total": total,
        "annotated": summary.get("annotated"),
        "known_pct": 100.0 * float(summary.get("known_id_rate") or 0),
        "ti_tv": f"{float(ratio):.2f}" if ratio is not None else "n/a",
        "ti": ti, "tv": tv,
        "unannotated": sum(unannotated.values()) if isinstance(unannotated, dict)
        else int(unannotated or 0),
        "unannotated_reasons": unannotated if isinstance(unannotated, dict) else {},
        "reference": reference,
        "cannot_give": cannot_give,  # what a bundle without a genome does not give
        "ref_mismatches": int(summary.get("ref_mismatches") or 0),
    }
