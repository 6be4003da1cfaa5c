"""What the notifier does with each message (the notifier issue fills this in)."""

from __future__ import annotations

import logging

from gas_common.messages import JobCompleted, JobFailed, JobRestored

log = logging.getLogger(__name__)


def on_job_result(message: JobCompleted | JobFailed | JobRestored) -> None:
    """Acknowledge a job result."""
    log.info("%s", message.type, extra={"job_id": message.job_id})
