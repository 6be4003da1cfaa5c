"""What the archiver does with each message (the archive issue fills this in)."""

from __future__ import annotations

import logging

from gas_common.messages import JobCompleted

log = logging.getLogger(__name__)


def on_job_completed(message: JobCompleted) -> None:
    """Acknowledge a completed job."""
    log.info("job completed", extra={"job_id": message.job_id})
