"""The words for a job's life: statuses, archive states, user roles and events.

Every service spells them from here, so one word has one value everywhere
(docs/architecture.md draws the state machines).
"""

from __future__ import annotations

# job_status: PENDING -> RUNNING -> COMPLETED | FAILED (a released RUNNING job goes back to PENDING)
PENDING, RUNNING, COMPLETED, FAILED = "PENDING", "RUNNING", "COMPLETED", "FAILED"
JOB_STATUSES = (PENDING, RUNNING, COMPLETED, FAILED)
FINISHED = (COMPLETED, FAILED)

# archive_status of a completed free user's results: absent (hot) -> SCHEDULED ->
# ARCHIVING -> ARCHIVED -> RESTORING -> absent (hot again)
SCHEDULED, ARCHIVING, ARCHIVED, RESTORING = "SCHEDULED", "ARCHIVING", "ARCHIVED", "RESTORING"
ARCHIVE_STATES = (SCHEDULED, ARCHIVING, ARCHIVED, RESTORING)

# role of a user
FREE, PREMIUM = "free_user", "premium_user"

# Events a user is emailed about, each carried by the `job.<event>` message.
EMAIL_EVENTS = ("completed", "failed", "restored", "archived")


def message_type(event: str) -> str:
    """The message type that carries an email event: 'completed' -> 'job.completed'."""
    return f"job.{event}"
