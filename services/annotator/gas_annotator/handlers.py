"""What the annotator does with each message (the service issue fills this in)."""

from __future__ import annotations

import logging

from gas_common.messages import JobRequested

log = logging.getLogger(__name__)


def on_job_requested(message: JobRequested) -> None:
    """Acknowledge a job request."""
    log.info("job requested: %s", message.s3_key_input_file, extra={"job_id": message.job_id})
