"""JSON logs carrying the service name and, where a call passes one in `extra`, the job_id."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

_service = "gas"


class _ServiceFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.service = _service
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
    handler.addFilter(_ServiceFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

