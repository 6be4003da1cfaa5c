"""JSON logs carrying the service name and, where there is one, the job_id."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
from collections.abc import Iterator

from pythonjsonlogger.json import JsonFormatter

_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)
_service = "gas"


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.service = _service
        job_id = getattr(record, "job_id", None) or _job_id.get()
        if job_id:
            record.job_id = job_id
        return True


def setup_logging(service: str, level: str = "INFO") -> None:
    """Send this process's logs to stderr as one JSON object a line."""
    global _service
    _service = service
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextlib.contextmanager
def job_context(job_id: str | None) -> Iterator[None]:
    """Tag every log line inside the block with job_id."""
    token = _job_id.set(job_id)
    try:
        yield
    finally:
        _job_id.reset(token)
