"""What the annotator does with each message: claim the job, queue it, answer at once."""

from __future__ import annotations

import logging

from gas_common.messages import JobRequested
from gas_common.service import current_service

from gas_annotator import claims
from gas_annotator.runner import CLAIMS, JobRunner

log = logging.getLogger(__name__)


def runner() -> JobRunner:
    """The job runner of this app."""
    found: JobRunner = current_service()
    return found


def on_job_requested(message: JobRequested) -> None:
    """Claim PENDING -> RUNNING and queue the job; a duplicate or stale request is a no-op."""
    jobs = runner()
    if jobs.stopping:
        log.info("shutting down: leaving the job for the reconciler",
                 extra={"job_id": message.job_id})
        return
    item = jobs.store.get(message.job_id)
    if item is None or item.get("user_id") != message.user_id:
        log.warning("job request for an unknown job (or another user's); ignored",
                    extra={"job_id": message.job_id})
        CLAIMS.labels("message", "unknown").inc()
        return
    if jobs.free_slots() <= 0 or jobs.backlog:
        # Claiming now would queue it behind (or ahead of) other users' waiting jobs:
        # leave it PENDING and let the dispatcher hand out slots in fair order.
        log.info("no free slot: job waits for the dispatcher", extra={"job_id": message.job_id})
        CLAIMS.labels("message", "deferred").inc()
        jobs.defer()
        return
    claim = claims.claim_pending(jobs.store, message.job_id, jobs.settings.job_lease_seconds,
                                 item)
    if claim is None:
        log.info("job is %s, not PENDING: duplicate delivery ignored", item.get("job_status"),
                 extra={"job_id": message.job_id})
        CLAIMS.labels("message", "refused").inc()
        return
    jobs.accept(claim, "message")
