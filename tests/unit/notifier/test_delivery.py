"""One email per event: duplicates, retries, failures, missing addresses, opt-out, owners."""

from __future__ import annotations

import pytest
from gas_common.stores import now
from gas_notifier import record
from gas_notifier.delivery import EMAILS, Notifier
from gas_notifier.mail import SesSender
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tests.unit.notifier.fakes import EMAIL, JOB_ID, USER_ID, FakeSender, make_job, make_user

# A job item that bears out each event.
ITEM_OF = {
    "completed": {},
    "failed": {"job_status": "FAILED", "error": "line 3: bad"},
    "restored": {"restored_time": 1_763_800_000},
}


def state(jobs, event):
    return jobs.get(JOB_ID)["notified"][event]["state"]


@pytest.mark.parametrize("event", ["completed", "failed", "restored"])
def test_each_event_sends_one_email_and_a_duplicate_sends_none(notifier, sender, jobs, users,
                                                             event):
    make_job(jobs, **ITEM_OF[event])
    make_user(users)
    assert notifier.deliver(event, JOB_ID, USER_ID) == "sent"
    assert notifier.deliver(event, JOB_ID, USER_ID) == "duplicate"
    assert [m.to for m in sender.sent] == [EMAIL]
    assert f"https://gas.example.org/annotations/{JOB_ID}" in sender.sent[0].text
    assert state(jobs, event) == record.SENT


def test_failure_reason_comes_from_the_job_item(notifier, sender, jobs, users):
    make_job(jobs, job_status="FAILED", error="line 9: unknown contig chrZ")
    make_user(users)
    assert notifier.deliver("failed", JOB_ID, USER_ID) == "sent"
    assert "line 9: unknown contig chrZ" in sender.sent[0].text


@pytest.mark.parametrize("event, item", [
    ("failed", {}),                                          # a COMPLETED job
    ("failed", {"job_status": "RUNNING"}),
    ("completed", {"job_status": "FAILED", "error": "x"}),
    ("completed", {"job_status": "PENDING"}),
    ("restored", {}),                                        # never archived or restored
    ("restored", {"archive_status": "RESTORING"}),
])
def test_an_event_the_job_item_contradicts_sends_nothing(notifier, sender, jobs, users, event,
                                                         item):
    make_job(jobs, **item)
    make_user(users)
    before = EMAILS.labels(event, "contradicts-job")._value.get()
    assert notifier.deliver(event, JOB_ID, USER_ID) == "contradicts-job"
    assert sender.sent == []
    assert "notified" not in jobs.get(JOB_ID)
    assert EMAILS.labels(event, "contradicts-job")._value.get() == before + 1


def test_a_transient_failure_is_retried_then_sent_once(settings, jobs, users):
    flaky = FakeSender(failures=2)
    make_job(jobs)
    make_user(users)
    assert Notifier(settings, sender=flaky).deliver("completed", JOB_ID, USER_ID) == "sent"
    assert flaky.attempts == 3 and len(flaky.sent) == 1


def test_a_send_that_keeps_failing_is_recorded_failed_after_every_attempt(settings, jobs,
                                                                          users):
    broken = FakeSender(failures=99)
    make_job(jobs)
    make_user(users)
    assert Notifier(settings, sender=broken).deliver("completed", JOB_ID, USER_ID) == "failed"
    assert broken.attempts == settings.notify_attempts
    entry = jobs.get(JOB_ID)["notified"]["completed"]
    assert entry["state"] == record.GAVE_UP and "refused attempt 3" in entry["error"]
    # nothing was sent, so a later delivery of the event may try again
    fixed = FakeSender()
    assert Notifier(settings, sender=fixed).deliver("completed", JOB_ID, USER_ID) == "sent"
    assert len(fixed.sent) == 1


def test_a_permanent_failure_is_not_retried(settings, jobs, users):
    refused = FakeSender(failures=1, permanent=True)
    make_job(jobs)
    make_user(users)
    assert Notifier(settings, sender=refused).deliver("completed", JOB_ID, USER_ID) == "failed"
    assert refused.attempts == 1


def test_a_user_without_an_address_is_skipped(notifier, sender, jobs, users):
    make_job(jobs)
    make_user(users, email="")
    assert notifier.deliver("completed", JOB_ID, USER_ID) == "no-address"
    assert sender.sent == []
    assert state(jobs, "completed") == record.SKIPPED


def test_completion_emails_can_be_turned_off_but_failures_and_restores_cannot(
        notifier, sender, jobs, users):
    make_job(jobs)
    make_job(jobs, job_id="job-2", **ITEM_OF["failed"])
    make_job(jobs, job_id="job-3", **ITEM_OF["restored"])
    make_user(users, notify_completed=False)
    assert notifier.deliver("completed", JOB_ID, USER_ID) == "opted-out"
    assert notifier.deliver("failed", "job-2", USER_ID) == "sent"
    assert notifier.deliver("restored", "job-3", USER_ID) == "sent"
    assert len(sender.sent) == 2


def test_the_job_owner_not_the_message_decides_who_is_emailed(notifier, sender, jobs, users):
    make_job(jobs)
    make_user(users)
    make_user(users, user_id="mallory", email="mallory@example.org")
    assert notifier.deliver("completed", JOB_ID, "mallory") == "wrong-owner"
    assert notifier.deliver("completed", "no-such-job", USER_ID) == "unknown-job"
    assert sender.sent == []


def test_the_reconciler_redrives_a_claim_left_by_a_crash(settings, jobs, users):
    job = make_job(jobs)
    make_user(users)
    record.claim(jobs, job, "completed", None, settings.notify_claim_seconds)  # then "crash"
    sender = FakeSender()
    quick = Notifier(settings.model_copy(update={"notify_claim_seconds": 0}), sender=sender)
    assert Notifier(settings, sender=sender).reconcile() == 0  # claim still live
    assert quick.reconcile() == 1
    quick.pool.shutdown(wait=True)
    assert len(sender.sent) == 1 and state(jobs, "completed") == record.SENT


def test_ses_sender_sends_text_and_html(settings, jobs, users):
    make_job(jobs)
    make_user(users)
    notifier = Notifier(settings, sender=SesSender(settings))
    assert notifier.deliver("completed", JOB_ID, USER_ID) == "sent"
    sent = ses_backends[DEFAULT_ACCOUNT_ID][settings.aws_region].sent_messages
    assert len(sent) == 1
    assert sent[0].destinations["ToAddresses"] == [EMAIL]
    assert sent[0].source == settings.mail_sender
    assert f"/annotations/{JOB_ID}" in sent[0].body


def _caught_up(settings, sender) -> int:
    notifier = Notifier(settings, sender=sender)
    count = notifier.catch_up()
    notifier.pool.shutdown(wait=True)
    return count


def test_catch_up_emails_a_recent_job_whose_message_was_lost(settings, jobs, users):
    make_user(users)
    make_job(jobs, complete_time=now() - 300)
    sender = FakeSender()
    assert _caught_up(settings, sender) == 1
    assert len(sender.sent) == 1 and state(jobs, "completed") == record.SENT
    assert _caught_up(settings, sender) == 0  # recorded now: never twice
    assert len(sender.sent) == 1


@pytest.mark.parametrize("age", [10, 3 * 86400])
def test_catch_up_leaves_jobs_in_flight_and_old_jobs_alone(settings, jobs, users, age):
    make_user(users)
    make_job(jobs, complete_time=now() - age)
    sender = FakeSender()
    assert _caught_up(settings, sender) == 0
    assert sender.sent == []


def test_catch_up_emails_a_lost_restore_and_a_lost_failure(settings, jobs, users):
    make_user(users)
    restored = now() - 120
    make_job(jobs, job_id="r1", restored_time=restored,
             notified={"completed": {"state": "sent", "at": 1, "of": None}})
    make_job(jobs, job_id="f1", job_status="FAILED", error="line 3: bad POS",
             complete_time=now() - 120)
    sender = FakeSender()
    assert _caught_up(settings, sender) == 2
    assert len(sender.sent) == 2
    assert {entry["state"] for entry in [
        jobs.get("r1")["notified"]["restored"], jobs.get("f1")["notified"]["failed"]]} == {
            record.SENT}
    assert jobs.get("r1")["notified"]["restored"]["of"] == restored


def test_catch_up_can_be_turned_off(settings, jobs, users):
    make_user(users)
    make_job(jobs, complete_time=now() - 300)
    sender = FakeSender()
    assert _caught_up(settings.model_copy(update={"notify_catchup_seconds": 0}), sender) == 0
