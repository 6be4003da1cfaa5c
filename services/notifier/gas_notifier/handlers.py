"""What the notifier does with each message: queue the email and answer at once."""

from __future__ import annotations

import logging

from flask import current_app
from gas_common.messages import JobCompleted, JobFailed, JobRestored

from gas_notifier.delivery import Notifier

log = logging.getLogger(__name__)
NOTIFIER = "gas_notifier.delivery"


def notifier() -> Notifier:
    """The notifier of this app."""
    found: Notifier = current_app.extensions[NOTIFIER]
    return found


def on_job_result(message: JobCompleted | JobFailed | JobRestored) -> None:
    """Queue the email for a completed, failed or restored job."""
    event = message.type.removeprefix("job.")
    log.info("%s received; email queued", message.type, extra={"job_id": message.job_id})
    # The worker re-reads the job item: it, not the message, decides what is sent.
    notifier().submit(event, message.job_id, message.user_id)
