"""Claims on jobs: who runs a job, until when, and every state change it makes.

A claim is the `worker` token written with `PENDING -> RUNNING` (or when an
expired lease is taken over). Every later write is conditional on the job
still being RUNNING under that token, so a job that two replicas both try to
run is only ever finished once.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.conditions import Attr
from gas_common.jobstates import FAILED, PENDING, RUNNING
from gas_common.stores import JobStore, TransitionRefused, now
from prometheus_client import Counter

CLAIMS = Counter("gas_annotator_claims_total", "Claim attempts by source and outcome",
                 ["source", "outcome"])


@dataclass
class Claim:
    """A job this process holds: the item as claimed and the token that proves it."""

    job_id: str
    token: str
    attempt: int
    job: dict[str, Any] = field(repr=False)


def new_token() -> str:
    """A token naming this host and process, unique per claim."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _expect_unchanged(job: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: job[n] if n in job else JobStore.ABSENT for n in names}


def _claimed(store: JobStore, job: dict[str, Any], expect: dict[str, Any],
             lease_seconds: int) -> Claim | None:
    attempt = int(job.get("attempts", 0)) + 1
    token = new_token()
    t = now()
    try:
        item = store.update(
            job["job_id"],
            set={"job_status": RUNNING, "worker": token, "attempts": attempt,
                 "lease_until": t + lease_seconds, "started_time": t, "progress_variants": 0},
            expect=expect,
        )
    except TransitionRefused:
        return None
    return Claim(job["job_id"], token, attempt, item)


def claim_pending(store: JobStore, job_id: str, lease_seconds: int,
                  job: dict[str, Any] | None = None) -> Claim | None:
    """PENDING -> RUNNING under a new token; None when someone else has it (or no such job)."""
    job = job if job is not None else store.get(job_id)
    if not job or job.get("job_status") != PENDING:
        return None
    expect = {"job_status": PENDING, **_expect_unchanged(job, "attempts")}
    return _claimed(store, job, expect, lease_seconds)


def take_over(store: JobStore, job: dict[str, Any], lease_seconds: int) -> Claim | None:
    """Re-claim a RUNNING job whose lease ran out, unless its holder renewed it meanwhile."""
    if job.get("job_status") != RUNNING or "lease_until" not in job:
        return None
    expect = {"job_status": RUNNING,
              **_expect_unchanged(job, "worker", "attempts", "lease_until")}
    return _claimed(store, job, expect, lease_seconds)


def _held(claim: Claim) -> dict[str, Any]:
    return {"job_status": RUNNING, "worker": claim.token}


def renew(store: JobStore, claim: Claim, lease_seconds: int, progress: int | None) -> None:
    """Push the lease forward (and record progress); TransitionRefused if the claim is lost."""
    fields: dict[str, Any] = {"lease_until": now() + lease_seconds}
    if progress is not None:
        fields["progress_variants"] = progress
    store.update(claim.job_id, set=fields, expect=_held(claim))


def release(store: JobStore, claim: Claim, count_attempt: bool = False) -> None:
    """RUNNING -> PENDING so another worker can run it (a shutdown's attempt does not count)."""
    store.update(
        claim.job_id,
        set={"job_status": PENDING,
             "attempts": claim.attempt if count_attempt else claim.attempt - 1},
        remove=["worker", "lease_until", "progress_variants"],
        expect=_held(claim),
    )


def finish(store: JobStore, claim: Claim, status: str, fields: dict[str, Any]) -> dict[str, Any]:
    """RUNNING -> COMPLETED/FAILED with the results; TransitionRefused if the claim is lost."""
    return store.update(
        claim.job_id,
        set={"job_status": status, **fields},
        remove=["lease_until"],
        expect=_held(claim),
    )


def give_up(store: JobStore, job: dict[str, Any], reason: str) -> dict[str, Any] | None:
    """Mark a job nobody could finish FAILED, if it is still exactly as it was seen."""
    expect = {"job_status": job["job_status"],
              **_expect_unchanged(job, "worker", "attempts", "lease_until")}
    try:
        return store.update(
            job["job_id"],
            set={"job_status": FAILED, "error": reason, "complete_time": now()},
            remove=["lease_until"],
            expect=expect,
        )
    except TransitionRefused:
        return None


def expired_leases(store: JobStore, at: int) -> list[dict[str, Any]]:
    """RUNNING jobs whose holder stopped renewing (died, hung, or lost its network)."""
    return list(store.scan(Attr("job_status").eq(RUNNING) & Attr("lease_until").lt(at)))


def active(store: JobStore) -> list[dict[str, Any]]:
    """Every PENDING or RUNNING job (what the fair dispatcher chooses from)."""
    return list(store.scan(Attr("job_status").is_in([PENDING, RUNNING])))


def running(store: JobStore) -> list[dict[str, Any]]:
    """Every RUNNING job (to count what each user holds)."""
    return list(store.scan(Attr("job_status").eq(RUNNING)))


def stale_pending(store: JobStore, before: int) -> list[dict[str, Any]]:
    """PENDING jobs submitted before `before` (their message was lost, or they were released)."""
    return list(store.scan(Attr("job_status").eq(PENDING) & Attr("submit_time").lt(before)))
