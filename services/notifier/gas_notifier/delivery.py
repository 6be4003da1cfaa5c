"""Send each job event's email exactly once: claim, compose, send with retries, record."""

from __future__ import annotations

import logging
import threading
from typing import Any

from boto3.dynamodb.conditions import Attr
from gas_common.jobstates import COMPLETED, FAILED
from gas_common.messages import JobCompleted, JobFailed, JobRestored
from gas_common.service import Service, Subscription
from gas_common.settings import Settings
from gas_common.stores import JobStore, UserStore, now
from prometheus_client import Counter

from gas_notifier import record
from gas_notifier.compose import EVENTS, compose
from gas_notifier.mail import Sender, SendError, make_sender

log = logging.getLogger(__name__)

EMAILS = Counter("gas_notifier_emails_total", "Job emails by event and outcome",
                 ["event", "outcome"])
SEND_ATTEMPTS = Counter("gas_notifier_send_attempts_total", "Send attempts by outcome",
                        ["outcome"])
# A message normally arrives within the publisher's Publish call; after this long
# without a record, the event's message is taken as lost.
CATCH_UP_GRACE_SECONDS = 60


def contradicts(event: str, job: dict[str, Any]) -> str:
    """Why the job item does not bear out `event` ('' when it does)."""
    status = job.get("job_status")
    if event == "completed" and status != COMPLETED:
        return f"the job is {status}, not COMPLETED"
    if event == "failed" and status != FAILED:
        return f"the job is {status}, not FAILED"
    if event == "restored" and not job.get("restored_time"):
        return "the job has no restored_time"
    return ""


class Notifier(Service):
    """The notifier's state: stores, the sender, and the pool emails are sent from."""

    name = "notifier"
    pool_size = 4
    subscriptions = (Subscription("/sns/job-results", "job_results_topic", "on_job_result",
                                  frozenset({"job.completed", "job.failed", "job.restored"})),)

    def __init__(self, settings: Settings, sender: Sender | None = None):
        super().__init__(settings)
        self.jobs = JobStore(settings)
        self.users = UserStore(settings)
        self.sender = sender or make_sender(settings)
        self._stop = threading.Event()
        self.every("notifier-reconciler", settings.reconcile_interval_seconds, self.reconcile)

    def on_job_result(self, message: JobCompleted | JobFailed | JobRestored) -> None:
        """Queue the email for a completed, failed or restored job (returns at once)."""
        event = message.type.removeprefix("job.")
        log.info("%s received; email queued", message.type, extra={"job_id": message.job_id})
        # The worker re-reads the job item: it, not the message, decides what is sent.
        self.submit(self.deliver, event, message.job_id, message.user_id)

    def stop(self) -> None:
        """Stop the reconciler, retry waits and the pool; unfinished claims are re-driven later."""
        self._stop.set()
        super().stop()

    # --- one event ------------------------------------------------------------------

    def deliver(self, event: str, job_id: str, user_id: str) -> str:
        """Send the email for `event` unless it was sent already; returns the outcome.

        The job item, not the message, says what happened: a message the item does not
        bear out (a `failed` for a COMPLETED job, a `restored` never restored) sends nothing.
        """
        extra = {"job_id": job_id}
        job = self.jobs.get(job_id)
        if job is None:
            log.warning("job.%s for an unknown job; nothing to send", event, extra=extra)
            return self._count(event, "unknown-job")
        if job.get("user_id") != user_id:
            # The job item is the authority on its owner: a mismatched message is bogus.
            log.warning("job.%s names another user than the job's owner; ignored", event,
                        extra=extra)
            return self._count(event, "wrong-owner")
        contradiction = contradicts(event, job)
        if contradiction:
            log.warning("job.%s ignored: %s", event, contradiction, extra=extra)
            return self._count(event, "contradicts-job")
        occurrence = job.get("restored_time") if event == "restored" else None
        claimed = record.claim(self.jobs, job, event, occurrence,
                               self.settings.notify_claim_seconds)
        if claimed is None:
            log.info("job.%s email already sent or being sent; duplicate ignored", event,
                     extra=extra)
            return self._count(event, "duplicate")
        job, token = claimed
        user = self.users.get(job["user_id"]) or {}
        if not user.get("email"):
            log.warning("user %s has no email address; job.%s email skipped",
                        job["user_id"], event, extra=extra)
            record.finish(self.jobs, job, event, token, record.SKIPPED, why="no email address")
            return self._count(event, "no-address")
        if event == "completed" and user.get("notify_completed", True) is False:
            log.info("user turned off completion emails; skipped", extra=extra)
            record.finish(self.jobs, job, event, token, record.SKIPPED, why="opted out")
            return self._count(event, "opted-out")
        email = compose(event, job, user, self.settings.public_url,
                        reason=str(job.get("error") or ""))
        error = self._send_with_retries(email, extra)
        if error is None:
            if not record.finish(self.jobs, job, event, token, record.SENT):
                log.warning("claim of job.%s email was taken over before it was recorded",
                            event, extra=extra)
            log.info("job.%s email sent", event, extra=extra)
            return self._count(event, "sent")
        log.error("job.%s email failed: %s", event, error, extra=extra)
        record.finish(self.jobs, job, event, token, record.GAVE_UP, error=error[:300])
        return self._count(event, "failed")

    def _send_with_retries(self, email: Any, extra: dict[str, str]) -> str | None:
        """Send, retrying with exponential backoff; None on success, else the last error."""
        wait = self.settings.notify_retry_seconds
        attempts = max(1, self.settings.notify_attempts)
        for attempt in range(1, attempts + 1):
            try:
                self.sender.send(email)
                SEND_ATTEMPTS.labels("ok").inc()
                return None
            except SendError as exc:
                SEND_ATTEMPTS.labels("error").inc()
                last = str(exc)
                if exc.permanent or attempt == attempts:
                    return last
                log.warning("send attempt %d/%d failed (%s); retrying in %.1f s",
                            attempt, attempts, exc, wait, extra=extra)
                if self._stop.wait(wait):
                    return f"{last} (shutting down)"
                wait *= 2
        return "no attempt made"

    @staticmethod
    def _count(event: str, outcome: str) -> str:
        EMAILS.labels(event, outcome).inc()
        return outcome

    # --- reconciler -------------------------------------------------------------------

    def reconcile(self) -> int:
        """Re-drive stale claims (a crash mid-send) and events whose message was lost."""
        return self.redrive_stale_claims() + self.catch_up()

    def catch_up(self) -> int:
        """Email recent finished/restored jobs that have no record: their message was lost."""
        window = self.settings.notify_catchup_seconds
        if window <= 0:
            return 0
        newest = now() - CATCH_UP_GRACE_SECONDS
        oldest = newest - window
        recent = (Attr("complete_time").between(oldest, newest)
                  & Attr("job_status").is_in([COMPLETED, FAILED])) | Attr(
                      "restored_time").between(oldest, newest)
        count = 0
        for job in self.jobs.scan(recent):
            for event, occurrence in self._events_of(job, oldest, newest):
                entry = record.entry_of(job, event)
                if entry is None or entry.get("of") != occurrence:
                    log.info("job.%s message never arrived; sending its email", event,
                             extra={"job_id": job["job_id"]})
                    self.submit(self.deliver, event, job["job_id"], job["user_id"])
                    count += 1
        return count

    @staticmethod
    def _events_of(job: dict[str, Any], oldest: int, newest: int) -> list[tuple[str, Any]]:
        """The (event, occurrence) pairs a job's item says happened inside the window."""
        events: list[tuple[str, Any]] = []
        if oldest <= int(job.get("complete_time") or 0) <= newest:
            events.append(("completed" if job["job_status"] == COMPLETED else "failed", None))
        restored = job.get("restored_time")
        if restored is not None and oldest <= int(restored) <= newest:
            events.append(("restored", restored))
        return events

    def redrive_stale_claims(self) -> int:
        """Re-drive emails whose claim outlived GAS_NOTIFY_CLAIM_SECONDS (a crash mid-send)."""
        count = 0
        sending = Attr(f"notified.{EVENTS[0]}.state").eq(record.SENDING)
        for event in EVENTS[1:]:
            sending |= Attr(f"notified.{event}.state").eq(record.SENDING)
        for job in self.jobs.scan(sending):
            for event in record.stale_claims(job, self.settings.notify_claim_seconds):
                log.info("re-driving a stale job.%s email claim", event,
                         extra={"job_id": job["job_id"]})
                self.submit(self.deliver, event, job["job_id"], job["user_id"])
                count += 1
        return count

