"""The notifier over real HTTP: real SNS deliveries, email out through SES or SMTP."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from gas_common.messages import JobArchived, JobCompleted, JobFailed, JobRestored

from tests.harness import wait_for
from tests.unit.notifier.smtpd import Inbox, smtp_server

pytestmark = pytest.mark.xdist_group("notifier")

TOPIC = "job_results_topic"
REASON = "line 12: not a VCF record (expected at least 8 tab-separated columns)"


def mail_to(stack: Any, address: str) -> list[dict[str, Any]]:
    return [m for m in stack.sent_mail() if address in m["destinations"].get("ToAddresses", [])]


def emails_counted(stack: Any, event: str, outcome: str) -> float:
    return stack.metric("notifier", "gas_notifier_emails_total", event=event, outcome=outcome)


def add_user(stack: Any, **fields: Any) -> dict[str, Any]:
    user_id = f"user-{uuid.uuid4().hex[:8]}"
    item = {"user_id": user_id, "name": "Ann", "email": f"{user_id}@example.org",
            "role": "free_user", "created": int(time.time()), **fields}
    stack.users.table.put_item(Item=item)
    return item


def add_job(stack: Any, user: dict[str, Any], status: str = "COMPLETED",
            **fields: Any) -> dict[str, Any]:
    job_id = str(uuid.uuid4())
    name = "<script>alert(1)</script>.vcf"
    item = {"job_id": job_id, "user_id": user["user_id"], "input_file_name": name,
            "s3_inputs_bucket": "gas-inputs", "s3_key_input_file": f"{user['user_id']}/{job_id}~x",
            "submit_time": 1_763_790_000, "complete_time": 1_763_790_125,
            "job_status": status, **fields}
    stack.jobs.create(item)
    return item


def message_for(event: str, job: dict[str, Any], user_id: str | None = None) -> Any:
    uid = user_id or job["user_id"]
    if event == "completed":
        return JobCompleted(job_id=job["job_id"], user_id=uid, complete_time=1_763_790_125,
                            s3_results_bucket="gas-results", s3_key_result_file="r",
                            s3_key_log_file="l")
    if event == "failed":
        return JobFailed(job_id=job["job_id"], user_id=uid, complete_time=1_763_790_125,
                         reason=REASON)
    if event == "archived":
        return JobArchived(job_id=job["job_id"], user_id=uid)
    return JobRestored(job_id=job["job_id"], user_id=uid)


def publish_and_wait(stack: Any, event: str, job: dict[str, Any], outcome: str,
                     user_id: str | None = None) -> None:
    """Publish the event and wait until the notifier has dealt with it as `outcome`."""
    before = emails_counted(stack, event, outcome)
    stack.publish(message_for(event, job, user_id), TOPIC)
    wait_for(lambda: emails_counted(stack, event, outcome) > before, timeout=20,
             what=f"job.{event} handled as {outcome}")


@pytest.mark.parametrize("event", ["completed", "failed", "restored", "archived"])
def test_each_event_emails_the_owner_once_with_the_job_link(stack, event):
    user = add_user(stack)
    extra = {"error": REASON} if event == "failed" else {}
    if event == "restored":
        extra["restored_time"] = int(time.time())
    if event == "archived":
        extra.update(archive_status="ARCHIVED", archived_time=int(time.time()),
                     results_file_archive_id="cold-1")
    job = add_job(stack, user, status="FAILED" if event == "failed" else "COMPLETED", **extra)

    publish_and_wait(stack, event, job, "sent")
    [mail] = wait_for(lambda: mail_to(stack, user["email"]), what="the email in SES")
    assert mail["source"] == stack.settings.mail_sender
    assert f"{stack.settings.public_url}/annotations/{job['job_id']}" in mail["body"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.vcf" in mail["body"]
    assert "<script>" not in mail["body"]
    assert event in mail["subject"] or (event == "completed" and "ready" in mail["subject"]) \
        or (event == "archived" and "cold storage" in mail["subject"])
    if event == "failed":
        assert REASON in mail["body"]
    assert stack.jobs.get(job["job_id"])["notified"][event]["state"] == "sent"

    publish_and_wait(stack, event, job, "duplicate")  # SNS may deliver twice
    assert len(mail_to(stack, user["email"])) == 1
    assert len(stack.sent_mail()) == 1


def test_completion_emails_respect_the_profile_but_failures_still_go_out(stack):
    user = add_user(stack, notify_completed=False)
    done = add_job(stack, user)
    publish_and_wait(stack, "completed", done, "opted-out")
    assert mail_to(stack, user["email"]) == []

    failed = add_job(stack, user, status="FAILED", error=REASON)
    publish_and_wait(stack, "failed", failed, "sent")
    [mail] = wait_for(lambda: mail_to(stack, user["email"]), what="the failure email")
    assert REASON in mail["body"]


def test_no_address_and_foreign_user_ids_send_nothing(stack):
    nobody = add_user(stack, email="")
    publish_and_wait(stack, "completed", add_job(stack, nobody), "no-address")
    owner = add_user(stack)
    mallory = add_user(stack)
    publish_and_wait(stack, "failed", add_job(stack, owner, status="FAILED"), "wrong-owner",
                     user_id=mallory["user_id"])
    assert stack.sent_mail() == []


@pytest.fixture(scope="module")
def smtp_server_for_notifier(gas_stack):
    """The notifier switched to SMTP against a local server, with a quick reconciler."""
    inbox = Inbox()
    with smtp_server(inbox) as server:
        gas_stack.restart("notifier", mail_backend="smtp", smtp_host="127.0.0.1",
                          smtp_port=str(server.port), smtp_starttls="false",
                          notify_retry_seconds="0.2", notify_claim_seconds="2",
                          reconcile_interval_seconds="1")
        try:
            yield inbox
        finally:
            gas_stack.restart("notifier", mail_backend="ses", smtp_host="localhost",
                              smtp_port="587", smtp_starttls="true", notify_retry_seconds="2",
                              notify_claim_seconds="300", reconcile_interval_seconds="30")


@pytest.fixture
def smtp_notifier(stack, smtp_server_for_notifier):
    """The SMTP inbox, emptied; it refuses the first DATA of the test."""
    inbox = smtp_server_for_notifier
    inbox.messages.clear()
    inbox.envelopes.clear()
    inbox.attempts, inbox.refusals = 0, 1
    return inbox


def test_smtp_retries_a_refused_first_attempt_and_delivers_once(stack, smtp_notifier):
    inbox = smtp_notifier
    user = add_user(stack)
    job = add_job(stack, user, status="FAILED", error=REASON)
    publish_and_wait(stack, "failed", job, "sent")
    assert inbox.attempts == 2 and len(inbox.messages) == 1
    [msg] = inbox.messages
    assert msg["To"] == user["email"] and msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    link = f"{stack.settings.public_url}/annotations/{job['job_id']}"
    assert link in text and link in html
    assert REASON in text

    publish_and_wait(stack, "failed", job, "duplicate")
    assert len(inbox.messages) == 1
    assert stack.sent_mail() == []  # nothing went through SES


def test_a_claim_left_by_a_crash_mid_send_is_sent_after_the_timeout(stack, smtp_notifier):
    inbox = smtp_notifier
    inbox.refusals = 0
    user = add_user(stack)
    # what a notifier killed between claiming and recording leaves behind
    claim = {"state": "sending", "at": int(time.time()) - 60, "of": None, "token": "dead"}
    job = add_job(stack, user, notified={"completed": claim})
    wait_for(lambda: inbox.messages, timeout=20, what="the reconciler to send the email")
    wait_for(lambda: stack.jobs.get(job["job_id"])["notified"]["completed"]["state"] == "sent",
             what="the email recorded as sent")
    assert [m["To"] for m in inbox.messages] == [user["email"]]
