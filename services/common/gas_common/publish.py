"""Publish GAS messages to their topics."""

from __future__ import annotations

import logging

from gas_common import aws
from gas_common.messages import (
    JobArchived,
    JobCompleted,
    JobFailed,
    JobRequested,
    JobRestored,
    ThawRequested,
)
from gas_common.messages import dumps as dump_message
from gas_common.settings import Settings, get_settings

log = logging.getLogger(__name__)

_TOPIC_OF = {
    JobRequested: "job_requests_topic",
    JobCompleted: "job_results_topic",
    JobFailed: "job_results_topic",
    JobRestored: "job_results_topic",
    JobArchived: "job_results_topic",
    ThawRequested: "thaw_requests_topic",
}


Message = JobRequested | JobCompleted | JobFailed | JobRestored | JobArchived | ThawRequested


def publish(message: Message, settings: Settings | None = None) -> str:
    """Publish to the message's topic (no Subject: it breaks the emulator's signatures)."""
    s = settings or get_settings()
    message_id = _send(message, getattr(s, _TOPIC_OF[type(message)]), s)
    log.info("published %s", message.type, extra={"job_id": getattr(message, "job_id", None)})
    return message_id


def _send(message: Message, topic: str, settings: Settings) -> str:
    """The one place a message leaves a service (tests replace it: the `published` fixture)."""
    response = aws.client("sns", settings).publish(
        TopicArn=aws.topic_arn(topic, settings), Message=dump_message(message))
    return str(response["MessageId"])
