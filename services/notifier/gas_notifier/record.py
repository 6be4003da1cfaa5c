"""What was emailed per job event, kept in the job item's `notified` map (conditional writes).

`notified.<event>` is `{"state": ..., "at": epoch seconds, ...}` with state
`sending` (claimed by `token`), `sent`, `skipped` (no address, or opted out) or
`failed` (gave up after retries). Each change swaps the whole map on the
condition that it is still what was read, so two deliveries of one event
cannot both claim it, and events recorded at the same time do not clobber
each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from gas_common.stores import JobStore, TransitionRefused, now

# GAVE_UP: the sender gave up after its retries (a later delivery may try again)
SENDING, SENT, SKIPPED, GAVE_UP = "sending", "sent", "skipped", "failed"
SWAP_TRIES = 8

Entry = dict[str, Any]


def entry_of(job: dict[str, Any], event: str) -> Entry | None:
    """The record of `event` on a job item, if any."""
    notified = job.get("notified")
    if not isinstance(notified, dict):
        return None
    entry = notified.get(event)
    return entry if isinstance(entry, dict) else None


def claimable(entry: Entry | None, occurrence: Any, claim_seconds: int,
              at: int | None = None) -> bool:
    """True when nothing was sent for this occurrence and no live claim is held."""
    if entry is None or entry.get("of") != occurrence:
        return True
    if entry.get("state") == GAVE_UP:
        return True
    if entry.get("state") == SENDING:
        return int(entry.get("at", 0)) + claim_seconds <= (at if at is not None else now())
    return False


def swap(store: JobStore, job: dict[str, Any], event: str,
         change: Callable[[dict[str, Any]], Entry | None]) -> tuple[dict[str, Any], Entry] | None:
    """Replace `notified.<event>` with change(job); None when change declines or job is gone.

    On a lost race the job is read again and `change` asked again.
    """
    for _ in range(SWAP_TRIES):
        new = change(job)
        if new is None:
            return None
        old = job.get("notified")
        notified = {**old, event: new} if isinstance(old, dict) else {event: new}
        try:
            updated = store.update(job["job_id"], set={"notified": notified},
                                   expect={"notified": old if old is not None else store.ABSENT})
            return updated, new
        except TransitionRefused:
            fresh = store.get(job["job_id"])
            if fresh is None:
                return None
            job = fresh
    raise TransitionRefused(f"job {job['job_id']}: notified.{event} kept changing")


def claim(store: JobStore, job: dict[str, Any], event: str, occurrence: Any,
          claim_seconds: int) -> tuple[dict[str, Any], str] | None:
    """Claim the email for `event`; returns (job, token), or None when sent or claimed."""
    token = uuid.uuid4().hex

    def take(current: dict[str, Any]) -> Entry | None:
        if not claimable(entry_of(current, event), occurrence, claim_seconds):
            return None
        return {"state": SENDING, "at": now(), "of": occurrence, "token": token}

    won = swap(store, job, event, take)
    return (won[0], token) if won else None


def finish(store: JobStore, job: dict[str, Any], event: str, token: str, state: str,
           **details: Any) -> bool:
    """Record the outcome of our claim; False when the claim was taken over meanwhile."""

    def settle(current: dict[str, Any]) -> Entry | None:
        entry = entry_of(current, event)
        if not entry or entry.get("token") != token or entry.get("state") != SENDING:
            return None
        return {"state": state, "at": now(), "of": entry.get("of"), **details}

    current = store.get(job["job_id"])  # the claim may have been taken over since
    return current is not None and swap(store, current, event, settle) is not None


def stale_claims(job: dict[str, Any], claim_seconds: int, at: int | None = None) -> list[str]:
    """Events of a job whose `sending` claim has outlived `claim_seconds`."""
    notified = job.get("notified")
    if not isinstance(notified, dict):
        return []
    t = at if at is not None else now()
    return [event for event, entry in notified.items()
            if isinstance(entry, dict) and entry.get("state") == SENDING
            and int(entry.get("at", 0)) + claim_seconds <= t]
