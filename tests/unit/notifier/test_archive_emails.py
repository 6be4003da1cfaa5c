"""The cold-storage emails: a free user's completion email names the deadline, and the
archiver's job.archived becomes one email, never one the job item does not bear out."""

from __future__ import annotations

import pytest
from gas_common.messages import JobArchived
from gas_common.stores import now
from gas_notifier import record
from gas_notifier.compose import compose, utc
from gas_notifier.delivery import EMAILS, Notifier

from tests.harness import wait_for
from tests.unit.notifier.conftest import deliver
from tests.unit.notifier.fakes import EMAIL, JOB_ID, USER_ID, FakeSender, make_job, make_user

ARCHIVED_AT = 1_763_800_000
ARCHIVED_ITEM = {"archive_status": "ARCHIVED", "archived_time": ARCHIVED_AT,
                 "results_file_archive_id": "cold-1", "archive_due_at": ARCHIVED_AT - 5}
JOB = {"job_id": "job-42", "user_id": "u", "input_file_name": "sample.vcf",
       "submit_time": 1_763_790_000, "complete_time": 1_763_790_125}
USER = {"email": "ann@example.org", "name": "Ann"}


def test_a_free_users_completion_email_says_when_results_go_cold(notifier, sender, jobs,
                                                                 users, settings):
    make_job(jobs)  # the archiver has not scheduled it yet: the deadline is worked out
    make_user(users)
    assert notifier.deliver("completed", JOB_ID, USER_ID) == "sent"
    email = sender.sent[0]
    due = 1_763_790_120 + settings.free_retention_seconds
    for body in (email.text, email.html):
        assert "cold storage" in body and utc(due) in body
        assert "https://gas.example.org/subscribe" in body


def test_the_recorded_archive_due_time_wins(notifier, sender, jobs, users):
    make_job(jobs, archive_status="SCHEDULED", archive_due_at=1_763_799_999)
    make_user(users)
    notifier.deliver("completed", JOB_ID, USER_ID)
    assert "Sat 22 Nov 2025, 08:26 UTC" in sender.sent[0].text


def test_a_premium_users_completion_email_has_no_deadline(notifier, sender, jobs, users):
    make_job(jobs)
    make_user(users, role="premium_user")
    notifier.deliver("completed", JOB_ID, USER_ID)
    assert "cold storage" not in sender.sent[0].text
    assert "cold storage" not in sender.sent[0].html


def test_the_archived_email_says_what_happened_and_how_to_get_them_back():
    email = compose("archived", {**JOB, "archived_time": ARCHIVED_AT}, USER,
                    "https://gas.example.org/")
    assert "cold storage" in email.subject and "sample.vcf" in email.subject
    for body in (email.text, email.html):
        assert "moved to cold storage" in body
        assert "Sat 22 Nov 2025, 08:26 UTC" in body  # when it was archived
        assert "https://gas.example.org/subscribe" in body
        assert "https://gas.example.org/annotations/job-42" in body


def test_job_archived_sends_one_email_even_when_delivered_twice(notifier, sender, jobs, users):
    make_job(jobs, **ARCHIVED_ITEM)
    make_user(users, notify_completed=False)  # the opt-out is for completion emails only
    assert notifier.deliver("archived", JOB_ID, USER_ID) == "sent"
    assert notifier.deliver("archived", JOB_ID, USER_ID) == "duplicate"
    assert [m.to for m in sender.sent] == [EMAIL]
    entry = jobs.get(JOB_ID)["notified"]["archived"]
    assert entry["state"] == record.SENT and entry["of"] == ARCHIVED_AT


def test_a_second_archive_of_the_same_job_is_a_new_email(notifier, sender, jobs, users):
    make_job(jobs, **ARCHIVED_ITEM)
    make_user(users)
    assert notifier.deliver("archived", JOB_ID, USER_ID) == "sent"
    # Restored, the user went back to free, and the results went cold again later.
    jobs.update(JOB_ID, set={"archived_time": ARCHIVED_AT + 86400})
    assert notifier.deliver("archived", JOB_ID, USER_ID) == "sent"
    assert len(sender.sent) == 2


@pytest.mark.parametrize("item", [
    {},                                                        # hot: never archived
    {"archive_status": "SCHEDULED", "archive_due_at": 1},
    {"archive_status": "ARCHIVING"},
    {**ARCHIVED_ITEM, "archive_status": "RESTORING"},          # already on its way back
    {"archive_status": "ARCHIVED"},                            # no archived_time
])
def test_job_archived_the_item_contradicts_sends_nothing(notifier, sender, jobs, users, item):
    make_job(jobs, **item)
    make_user(users)
    counted = EMAILS.labels("archived", "contradicts-job")
    before = counted._value.get()
    assert notifier.deliver("archived", JOB_ID, USER_ID) == "contradicts-job"
    assert sender.sent == [] and "notified" not in jobs.get(JOB_ID)
    assert counted._value.get() == before + 1


def test_the_endpoint_acts_on_job_archived(app, jobs, users):
    make_job(jobs, **ARCHIVED_ITEM)
    make_user(users)
    sender = FakeSender()
    app.extensions["gas"].sender = sender
    response = deliver(app.test_client(), JobArchived(job_id=JOB_ID, user_id=USER_ID))
    assert response.status_code == 200 and response.json["status"] == "accepted"
    wait_for(lambda: sender.sent, timeout=10, what="the archived email")
    assert "cold storage" in sender.sent[0].subject


def test_catch_up_emails_a_lost_job_archived_once(settings, jobs, users):
    make_user(users)
    archived = now() - 120
    make_job(jobs, **{**ARCHIVED_ITEM, "archived_time": archived},
             notified={"completed": {"state": "sent", "at": 1, "of": None}})
    make_job(jobs, job_id="restoring", archived_time=now() - 120, archive_status="RESTORING",
             notified={"completed": {"state": "sent", "at": 1, "of": None}})
    sender = FakeSender()
    for expected in (1, 0):  # the second pass finds it recorded
        notifier = Notifier(settings, sender=sender)
        assert notifier.catch_up() == expected
        notifier.pool.shutdown(wait=True)
    assert len(sender.sent) == 1 and "cold storage" in sender.sent[0].subject
    assert jobs.get(JOB_ID)["notified"]["archived"]["of"] == archived
