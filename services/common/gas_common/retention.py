"""When free users' results become due for cold storage.

The archiver schedules each completed job, the web service a user who became free
(`schedule_user`), and the thawer keeps a premium user's jobs hot (`unschedule_job`) and
schedules again a restore that finished after its user went back to free.
"""

from __future__ import annotations

import logging

from gas_common.jobstates import COMPLETED, SCHEDULED
from gas_common.settings import Settings, get_settings
from gas_common.stores import JobStore, TransitionRefused, now

log = logging.getLogger(__name__)



def schedule_job(job_id: str, due: int, settings: Settings | None = None) -> bool:
    """Durably record that a completed, hot job's results are due for archive at `due`.

    Idempotent: a job already scheduled, archived or restoring is left alone.
    """
    jobs = JobStore(settings or get_settings())
    try:
        jobs.update(
            job_id,
            set={"archive_status": SCHEDULED, "archive_due_at": due},
            expect={"job_status": COMPLETED, "archive_status": JobStore.ABSENT},
        )
    except TransitionRefused:
        return False
    log.info("results due for archive at %d", due, extra={"job_id": job_id})
    return True


def schedule_user(user_id: str, settings: Settings | None = None) -> int:
    """Schedule every hot completed job of a user who became free, from now on."""
    s = settings or get_settings()
    due = now() + s.free_retention_seconds
    count = 0
    for job in JobStore(s).all_for_user(user_id):
        if job.get("job_status") == COMPLETED and "archive_status" not in job:
            count += schedule_job(job["job_id"], due, s)
    return count


def unschedule_job(job_id: str, settings: Settings | None = None) -> bool:
    """Keep a scheduled job hot (its user is premium now); False if it had moved on."""
    jobs = JobStore(settings or get_settings())
    try:
        jobs.update(job_id, remove=["archive_status", "archive_due_at"],
                    expect={"archive_status": SCHEDULED})
    except TransitionRefused:
        return False
    log.info("archive cancelled: the user is premium", extra={"job_id": job_id})
    return True
