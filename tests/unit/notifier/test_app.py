"""The notifier app: the SNS endpoint answers at once and the email goes out afterwards."""

from __future__ import annotations

import threading
import time

import pytest
from gas_common.messages import JobCompleted, JobFailed, JobRestored
from gas_notifier.delivery import EMAILS

from tests.harness import wait_for
from tests.unit.notifier.conftest import deliver
from tests.unit.notifier.fakes import EMAIL, JOB_ID, USER_ID, FakeSender, make_job, make_user


class BlockedSender(FakeSender):
    """Sends only once released: stands for a slow mail server."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def send(self, email):
        assert self.release.wait(10)
        super().send(email)




MESSAGE = JobCompleted(job_id=JOB_ID, user_id=USER_ID, complete_time=1,
                       s3_results_bucket="b", s3_key_result_file="r", s3_key_log_file="l")


def test_endpoint_answers_before_the_email_is_sent(app, jobs, users):
    make_job(jobs)
    make_user(users)
    sender = BlockedSender()
    app.extensions["gas"].sender = sender
    started = time.monotonic()
    response = deliver(app.test_client(), MESSAGE)
    assert response.status_code == 200 and response.json["status"] == "accepted"
    assert time.monotonic() - started < 5 and sender.sent == []
    sender.release.set()
    wait_for(lambda: sender.sent, timeout=10, what="the email to be sent")
    assert [m.to for m in sender.sent] == [EMAIL]


def test_endpoint_refuses_a_delivery_without_the_shared_secret(app, jobs, users):
    make_job(jobs)
    make_user(users)
    sender = FakeSender()
    notifier = app.extensions["gas"]
    notifier.sender = sender
    queued = []
    notifier.submit = lambda *args: queued.append(args)  # emails are queued in the request
    assert deliver(app.test_client(), MESSAGE, secret="wrong").status_code == 403
    assert queued == [] and sender.sent == []  # nothing queued: nothing can be sent later


@pytest.mark.parametrize("message, item", [
    (JobFailed(job_id=JOB_ID, user_id=USER_ID, complete_time=1, reason="forged reason"), {}),
    (JobRestored(job_id=JOB_ID, user_id=USER_ID), {}),
    (MESSAGE, {"job_status": "FAILED", "error": "line 2: bad"}),
])
def test_an_authentic_message_the_job_contradicts_sends_no_email(app, jobs, users, message,
                                                                 item):
    make_job(jobs, **item)
    make_user(users)
    sender = FakeSender()
    app.extensions["gas"].sender = sender
    event = message.type.removeprefix("job.")
    counted = EMAILS.labels(event, "contradicts-job")
    before = counted._value.get()
    response = deliver(app.test_client(), message)
    assert response.status_code == 200 and response.json["status"] == "accepted"
    wait_for(lambda: counted._value.get() == before + 1, timeout=10,
             what="the contradicted message to be counted")
    assert sender.sent == []
