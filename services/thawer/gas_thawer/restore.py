"""Restore archived results: start retrievals, finish them, tell the user.

Every step is a conditional update on the job item, so a repeated thaw request,
a notice and the poller arriving together, or a re-drive after a crash each
change the job once.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase
from gas_common.cold_storage import GONE, IN_PROGRESS, CapacityRefused, storage_of
from gas_common.jobstates import ARCHIVED, ARCHIVING, PREMIUM, RESTORING, SCHEDULED
from gas_common.keys import split_key
from gas_common.messages import JobRestored
from gas_common.publish import publish
from gas_common.retention import schedule_job, unschedule_job
from gas_common.settings import Settings
from gas_common.stores import JobStore, TransitionRefused, UserStore, now
from prometheus_client import Counter

log = logging.getLogger(__name__)

RESTORES = Counter("gas_restore_total", "Restore steps, by step and outcome",
                   ["step", "outcome"])
# What finishing a restore clears: the job is hot again.
ARCHIVE_FIELDS = ["archive_status", "archive_due_at", "archive_lease_until",
                  "results_file_archive_id", "archive_backend", "archived_time"]


def startable(at: float) -> ConditionBase:
    """Archived, or restoring without a retrieval after its claim ran out (a crash)."""
    stale = (Attr("archive_status").eq(RESTORING) & Attr("restore_job_id").not_exists()
             & Attr("archive_lease_until").lt(Decimal(str(at))))
    return Attr("archive_status").eq(ARCHIVED) | stale


def publish_pending() -> ConditionBase:
    """Restored, but job.restored not yet published (restore_job_id is the marker)."""
    return Attr("restore_job_id").exists() & (
        Attr("archive_status").not_exists()
        | Attr("archive_status").is_in([SCHEDULED, ARCHIVING, ARCHIVED]))


def jobs_to_thaw(user_id: str, settings: Settings) -> list[str]:
    """Un-schedule a premium user's scheduled jobs; return the archived ones to restore."""
    if UserStore(settings).role(user_id) != PREMIUM:
        log.info("thaw ignored: user %s is not premium", user_id)
        return []
    archived = []
    for job in JobStore(settings).all_for_user(user_id):
        status = job.get("archive_status")
        if status == SCHEDULED:
            unschedule_job(job["job_id"], settings)
        elif status == ARCHIVED:
            archived.append(job["job_id"])
    return archived


def start_restore(job_id: str, settings: Settings) -> bool:
    """Claim an archived job and start its retrieval, Expedited first; True if started."""
    jobs = JobStore(settings)
    at = time.time()
    lease = round(at + settings.archive_lease_seconds, 3)
    try:
        job = jobs.update(job_id, set={"archive_status": RESTORING, "archive_lease_until": lease,
                                       "restore_started": now()},
                          condition=startable(at))
    except TransitionRefused:
        return False  # another request, replica or pass has it
    storage = storage_of(job, settings)
    archive_id = job["results_file_archive_id"]
    for tier in storage.tiers(archive_id):
        try:
            restore_job_id = storage.start_restore(archive_id, tier, job_id)
        except CapacityRefused as exc:
            log.warning("%s; trying the next tier", exc, extra={"job_id": job_id})
            RESTORES.labels("start", f"refused-{tier}").inc()
            continue
        jobs.update(job_id, set={"restore_job_id": restore_job_id, "restore_tier": tier},
                    remove=["archive_lease_until"],
                    expect={"archive_status": RESTORING, "archive_lease_until": lease})
        RESTORES.labels("start", tier).inc()
        log.info("%s retrieval started", tier, extra={"job_id": job_id})
        return True
    # Every tier refused: the claim runs out and the poller tries again later.
    RESTORES.labels("start", "no-capacity").inc()
    return False


def check_restore(job: dict[str, Any], settings: Settings) -> str:
    """Look at a retrieval in progress and finish it when it is ready."""
    storage = storage_of(job, settings)
    restore_job_id = job["restore_job_id"]
    state = storage.restore_status(job["results_file_archive_id"], restore_job_id)
    if state == IN_PROGRESS:
        return state
    if state == GONE:
        # Expired or failed: drop it so that the next pass starts a new retrieval.
        try:
            JobStore(settings).update(
                job["job_id"], remove=["restore_job_id"], set={"archive_lease_until": 0},
                expect={"archive_status": RESTORING, "restore_job_id": restore_job_id})
        except TransitionRefused:
            pass
        RESTORES.labels("check", "gone").inc()
        return state
    return finish_restore(job, settings)


def finish_restore(job: dict[str, Any], settings: Settings) -> str:
    """Put the file back hot, delete the cold copy, clear the archive fields, tell the user."""
    job_id = job["job_id"]
    storage = storage_of(job, settings)
    storage.finish_restore(job)
    try:
        storage.delete(job["results_file_archive_id"])
    except Exception:  # noqa: BLE001 - a leftover cold copy costs money, not data
        log.exception("cold copy %s not deleted", job["results_file_archive_id"],
                      extra={"job_id": job_id})
    try:
        JobStore(settings).update(
            job_id, set={"restored_time": now()}, remove=ARCHIVE_FIELDS,
            expect={"archive_status": RESTORING, "restore_job_id": job["restore_job_id"]})
    except TransitionRefused:
        return "taken"  # finished by a notice, another pass or a replica
    RESTORES.labels("finish", "restored").inc()
    log.info("results restored", extra={"job_id": job_id})
    if UserStore(settings).role(job["user_id"]) != PREMIUM:
        # The user went back to free during the restore: the window starts now.
        schedule_job(job_id, now() + settings.free_retention_seconds, settings)
    announce(job, settings)
    return "restored"


def announce(job: dict[str, Any], settings: Settings) -> None:
    """Publish job.restored, then drop the marker (at least once; the notifier dedups)."""
    publish(JobRestored(job_id=job["job_id"], user_id=job["user_id"]), settings)
    try:
        JobStore(settings).update(job["job_id"], remove=["restore_job_id"],
                                  expect={"restore_job_id": job["restore_job_id"]})
    except TransitionRefused:
        pass


def pending_work(settings: Settings) -> list[dict[str, Any]]:
    """Jobs the poller must look at: restores under way, archives of premium users,
    and restores whose job.restored is not yet published."""
    condition = (Attr("archive_status").is_in([RESTORING, ARCHIVED]) | publish_pending())
    return list(JobStore(settings).scan(condition))


def drive(job: dict[str, Any], settings: Settings, roles: dict[str, str | None]) -> str:
    """Take the next step for one job found by the poller."""
    status = job.get("archive_status")
    if status == RESTORING:
        if "restore_job_id" in job:
            return check_restore(job, settings)
        if float(job.get("archive_lease_until", 0)) < time.time():
            return "started" if start_restore(job["job_id"], settings) else "waiting"
        return "claimed"
    if "restore_job_id" in job:
        announce(job, settings)
        return "announced"
    if status == ARCHIVED:
        # The durable record of a thaw request is the user's role: premium = restore.
        uid = job["user_id"]
        if uid not in roles:
            roles[uid] = UserStore(settings).role(uid)
        if roles[uid] == PREMIUM:
            return "started" if start_restore(job["job_id"], settings) else "waiting"
    return "idle"


def jobs_for_notice(notice: Any, settings: Settings) -> list[dict[str, Any]]:
    """The restoring jobs an S3 restore event or a Glacier job notice is about."""
    if not isinstance(notice, dict):
        return []
    jobs = JobStore(settings)
    if notice.get("JobId"):  # Glacier job-completion message
        restore_job_id = str(notice["JobId"])
        # We name the job in the retrieval's description: one read instead of a scan.
        job = jobs.get(str(notice.get("JobDescription") or "")) if notice.get(
            "JobDescription") else None
        if job and job.get("restore_job_id") == restore_job_id:
            return [job] if job.get("archive_status") == RESTORING else []
        return list(jobs.scan(Attr("archive_status").eq(RESTORING)
                              & Attr("restore_job_id").eq(restore_job_id)))
    found = []
    for key in s3_restored_keys(notice, settings):
        # Archive keys are results keys, `<prefix><user_id>/<job_id>~<name>`.
        job = jobs.get(split_key(key)[0] or "-")
        # Any of the job's cold copies (the VCF or a results table) names it.
        archive_id = str(job.get("results_file_archive_id")) if job else ""
        if not (job and split_key(archive_id)[0] == split_key(key)[0]):
            matches = list(jobs.scan(Attr("results_file_archive_id").eq(key)))
            job = matches[0] if matches else None
        if job and job.get("archive_status") == RESTORING:
            found.append(job)
    return found


def s3_restored_keys(notice: dict[str, Any], settings: Settings) -> list[str]:
    """Archive keys of ObjectRestore:Completed records (test events and others ignored)."""
    from urllib.parse import unquote_plus

    keys = []
    for record in notice.get("Records") or []:
        if not isinstance(record, dict):
            continue
        name = str(record.get("eventName", ""))
        s3 = record.get("s3") or {}
        bucket = (s3.get("bucket") or {}).get("name")
        key = (s3.get("object") or {}).get("key")
        if name.endswith("ObjectRestore:Completed") and bucket == settings.archive_bucket and key:
            keys.append(unquote_plus(str(key)))
    return keys
