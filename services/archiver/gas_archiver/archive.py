"""Archive due results: claim, re-check the role, copy to cold storage, then delete hot."""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase
from gas_common import aws
from gas_common.cold_storage import cold_storage, result_keys
from gas_common.jobstates import ARCHIVED, ARCHIVING, PREMIUM, SCHEDULED
from gas_common.messages import JobArchived, ThawRequested
from gas_common.publish import publish
from gas_common.settings import Settings
from gas_common.stores import JobStore, TransitionRefused, UserStore, now
from prometheus_client import Counter

log = logging.getLogger(__name__)

ARCHIVES = Counter("gas_archive_total", "Due archives handled, by outcome", ["outcome"])
ARCHIVED_OUT, KEPT, TAKEN = "archived", "kept", "taken"


def claimable(at: float) -> ConditionBase:
    """Due and unclaimed, or claimed by an archiver whose lease ran out (it died)."""
    due = Attr("archive_status").eq(SCHEDULED) & Attr("archive_due_at").lte(int(at))
    stale = Attr("archive_status").eq(ARCHIVING) & Attr("archive_lease_until").lt(Decimal(str(at)))
    return due | stale


def claim(jobs: JobStore, job_id: str, settings: Settings) -> dict[str, Any] | None:
    """Take a due job for this archiver (SCHEDULED -> ARCHIVING with a lease), or None."""
    at = time.time()
    lease = round(at + settings.archive_lease_seconds, 3)
    try:
        return jobs.update(job_id, set={"archive_status": ARCHIVING, "archive_lease_until": lease},
                           condition=claimable(at))
    except TransitionRefused:
        return None


def archive_job(job_id: str, settings: Settings) -> str:
    """Archive one due job unless another archiver has it or its user is premium now."""
    jobs, users = JobStore(settings), UserStore(settings)
    job = claim(jobs, job_id, settings)
    if job is None:
        return _count(TAKEN)
    held = {"archive_status": ARCHIVING, "archive_lease_until": job["archive_lease_until"]}
    if "results_file_archive_id" not in job:
        # Nothing is in cold storage yet, so a premium user's job can simply stay hot.
        if users.role(job["user_id"]) == PREMIUM:
            jobs.update(job_id, remove=["archive_status", "archive_due_at",
                                        "archive_lease_until"], expect=held)
            log.info("not archived: the user is premium", extra={"job_id": job_id})
            return _count(KEPT)
        storage = cold_storage(settings=settings)
        archive_id = storage.archive(job)
        jobs.update(job_id, set={"results_file_archive_id": archive_id,
                                 "archive_backend": storage.name, "archived_time": now()},
                    expect=held)
    # Only now that the archive id is stored may the hot copies go.
    for key in result_keys(job):
        aws.client("s3", settings).delete_object(Bucket=job["s3_results_bucket"], Key=key)
    jobs.update(job_id, set={"archive_status": ARCHIVED}, remove=["archive_lease_until"],
                expect=held)
    log.info("results archived", extra={"job_id": job_id})
    try:
        publish(JobArchived(job_id=job_id, user_id=job["user_id"]), settings)
    except Exception:  # noqa: BLE001 - archived is done; the notifier's catch-up emails it
        log.exception("publishing job.archived failed", extra={"job_id": job_id})
    if users.role(job["user_id"]) == PREMIUM:
        # The user upgraded while we copied; a thaw request that came meanwhile saw
        # ARCHIVING, not ARCHIVED, and passed this job by: ask again.
        publish(ThawRequested(user_id=job["user_id"]), settings)
    return _count(ARCHIVED_OUT)


def due_job_ids(settings: Settings) -> list[str]:
    """Jobs due for archive now, including stale claims."""
    jobs = JobStore(settings)
    return [job["job_id"] for job in jobs.scan(claimable(time.time()))]


def _count(outcome: str) -> str:
    ARCHIVES.labels(outcome).inc()
    return outcome
