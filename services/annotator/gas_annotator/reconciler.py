"""Re-drive stuck jobs: PENDING whose message was lost, RUNNING whose worker died."""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from gas_common.messages import JobFailed
from gas_common.publish import publish
from gas_common.stores import now

from gas_annotator import claims, fairness
from gas_annotator.runner import CLAIMS, JobRunner

log = logging.getLogger(__name__)


def gave_up_reason(attempts: int) -> str:
    return (f"the annotator stopped before finishing this job {attempts} times (it may need "
            "more memory or time than is available); please try again or contact support")


def reconcile_safely(runner: JobRunner) -> None:
    """One pass; an AWS error is one warning line, and the next pass tries again."""
    try:
        reconcile(runner)
    except (BotoCoreError, ClientError) as exc:
        log.warning("reconciler pass skipped: %s", str(exc).splitlines()[0][:200])


def reconcile(runner: JobRunner) -> None:
    """One pass: take over expired leases, then claim stale PENDING jobs, while there is room."""
    s = runner.settings
    t = now()
    for job in claims.expired_leases(runner.store, t):
        if runner.stopping:
            return
        if runner.holds(job["job_id"]):
            continue  # ours: the lease keeper is behind, not dead
        if int(job.get("attempts", 0)) >= s.job_max_attempts:
            _give_up(runner, job)
        elif runner.free_slots() > 0:
            _accept(runner, claims.take_over(runner.store, job, s.job_lease_seconds), "takeover")
    stale = []
    for job in claims.stale_pending(runner.store, t - s.job_pending_grace_seconds):
        if runner.stopping:
            return
        if int(job.get("attempts", 0)) >= s.job_max_attempts:
            _give_up(runner, job)
        else:
            stale.append(job)
    if stale and runner.free_slots() > 0:
        running = fairness.running_by_user(claims.running(runner.store))
        fairness.claim_in_fair_order(runner, stale, running, "reconciler")


def _accept(runner: JobRunner, claim: claims.Claim | None, source: str) -> None:
    if claim is None:
        CLAIMS.labels(source, "refused").inc()
        return
    log.info("re-driving a stuck job", extra={"job_id": claim.job_id})
    runner.accept(claim, source)


def _give_up(runner: JobRunner, job: dict[str, Any]) -> None:
    reason = gave_up_reason(int(job.get("attempts", 0)))
    item = claims.give_up(runner.store, job, reason)
    if item is None:
        return
    log.warning("gave up on a job after %s attempts", job.get("attempts"),
                extra={"job_id": job["job_id"]})
    try:
        publish(JobFailed(job_id=item["job_id"], user_id=item["user_id"],
                          complete_time=item["complete_time"], reason=reason,
                          input_file_name=item.get("input_file_name"),
                          submit_time=item.get("submit_time")), runner.settings)
    except Exception:  # noqa: BLE001 - the job item already says FAILED
        log.exception("could not publish job.failed", extra={"job_id": job["job_id"]})
