"""Record when free users' results become due, from job.completed and from a sweep."""

from __future__ import annotations

import logging
from typing import Any

from boto3.dynamodb.conditions import Attr
from gas_common.jobstates import COMPLETED, PREMIUM
from gas_common.retention import schedule_job
from gas_common.settings import Settings
from gas_common.stores import JobStore, UserStore

log = logging.getLogger(__name__)


def schedule_completed(job_id: str, user_id: str, complete_time: int,
                       settings: Settings) -> bool:
    """Schedule a just-completed job of a free user (premium results stay hot)."""
    if UserStore(settings).role(user_id) == PREMIUM:
        return False
    return schedule_job(job_id, complete_time + settings.free_retention_seconds, settings)


def sweep_unscheduled(settings: Settings) -> int:
    """Schedule free users' hot jobs that no one scheduled (a missed or lost message)."""
    users = UserStore(settings)
    known: dict[str, dict[str, Any] | None] = {}
    count = 0
    hot = (Attr("job_status").eq(COMPLETED) & Attr("archive_status").not_exists()
           & Attr("s3_key_result_file").exists())
    for job in JobStore(settings).scan(hot):
        uid = job["user_id"]
        if uid not in known:
            known[uid] = users.get(uid)
        user = known[uid]
        if user is not None and user.get("role") == PREMIUM:
            continue
        # Hot since completion, the last restore, or the user's change back to free.
        since = max(int(job.get("complete_time", 0)), int(job.get("restored_time", 0)),
                    int((user or {}).get("updated", 0)))
        count += schedule_job(job["job_id"], since + settings.free_retention_seconds, settings)
    if count:
        log.info("sweep scheduled %d job(s) for archive", count)
    return count
