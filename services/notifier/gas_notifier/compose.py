"""Render the email for one job event from the templates (HTML autoescaped, text plain)."""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

from gas_common.jobstates import EMAIL_EVENTS
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from gas_notifier.mail import Email

EVENTS = EMAIL_EVENTS
SUBJECTS = {
    "completed": "GAS: results ready for {file_name}",
    "failed": "GAS: job failed for {file_name}",
    "restored": "GAS: results restored for {file_name}",
    "archived": "GAS: results moved to cold storage for {file_name}",
}
LINK_TEXT = {
    "completed": "View the results",
    "failed": "View the job and its log",
    "restored": "View the results",
    "archived": "View the job",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment: autoescape for .html, never for .txt."""
    return Environment(
        loader=PackageLoader("gas_notifier", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def utc(epoch: Any) -> str:
    """Epoch seconds as a human-readable UTC time ('' when unknown)."""
    try:
        return time.strftime("%a %d %b %Y, %H:%M UTC", time.gmtime(int(epoch)))
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def one_line(text: str, limit: int = 120) -> str:
    """Text safe for a header or a single line: no control characters, bounded length."""
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compose(event: str, job: dict[str, Any], user: dict[str, Any], public_url: str,
            reason: str = "", archive_deadline: int | None = None) -> Email:
    """The email telling `user` about `event` on `job`.

    archive_deadline: when a free user's results go to cold storage (completed only).
    """
    file_name = one_line(str(job.get("input_file_name") or "your file"), 200)
    context = {
        "event": event,
        "name": one_line(str(user.get("name") or ""), 80),
        "file_name": file_name,
        "job_id": job["job_id"],
        "job_url": f"{public_url.rstrip('/')}/annotations/{job['job_id']}",
        "link_text": LINK_TEXT[event],
        "finished_label": "Failed" if event == "failed" else "Completed",
        "submit_time": utc(job.get("submit_time")) or "unknown",
        "complete_time": utc(job.get("complete_time")) or "unknown",
        "restored_time": utc(job.get("restored_time")),
        "archived_time": utc(job.get("archived_time")),
        "archive_deadline": utc(archive_deadline) if archive_deadline else "",
        "subscribe_url": f"{public_url.rstrip('/')}/subscribe",
        "reason": reason or "no reason was recorded; the job log may say more",
    }
    subject = one_line(SUBJECTS[event].format(file_name=one_line(file_name, 80)), 150)
    env = environment()
    context["subject"] = subject
    return Email(
        to=str(user["email"]),
        subject=subject,
        text=env.get_template(f"{event}.txt").render(context),
        html=env.get_template(f"{event}.html").render(context),
    )
