"""Publish GAS messages to their topics."""

from __future__ import annotations

import logging

from gas_common import aws
from gas_common.messages import JobCompleted, JobFailed, JobRequested, JobRestored, ThawRequested
from gas_common.messages import dumps as dump_message
from gas_common.settings import Settings, get_settings

log = logging.getLogger(__name__)

_TOPIC_OF = {
    JobRequested: "job_requests_topic",
    JobCompleted: "job_results_topic",
    JobFailed: "job_results_topic",
    JobRestored: "job_results_topic",
    ThawRequested: "thaw_requests_topic",
}


def publish(
    message: JobRequested | JobCompleted | JobFailed | JobRestored | ThawRequested,
    settings: Settings | None = None,
) -> str:
    """Publish to the message's topic (no Subject: it breaks the emulator's signatures)."""
    s = settings or get_settings()
    topic = getattr(s, _TOPIC_OF[type(message)])
    response = aws.client("sns", s).publish(
        TopicArn=aws.topic_arn(topic, s), Message=dump_message(message)
    )
    log.info("published %s", message.type, extra={"job_id": getattr(message, "job_id", None)})
    return str(response["MessageId"])
