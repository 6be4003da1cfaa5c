"""The job-requests handler: claim and queue, or do nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from gas_annotator import handlers
from gas_common.jobstates import RUNNING
from gas_common.messages import JobRequested
from gas_common.service import EXTENSION

from .conftest import new_job
from .test_reconciler import StubRunner


@pytest.fixture
def app_runner(aws_mock):
    app = Flask("t")
    runner = StubRunner(aws_mock)
    app.extensions[EXTENSION] = runner
    with app.app_context():
        yield runner


def request_for(job: dict, **changes) -> JobRequested:
    fields = ("job_id", "user_id", "input_file_name", "s3_inputs_bucket", "s3_key_input_file",
              "submit_time")
    return JobRequested(**{**{k: job[k] for k in fields}, **changes})


def test_a_request_claims_the_job_and_queues_it_once(aws_mock, app_runner):
    job = new_job(aws_mock)
    handlers.on_job_requested(request_for(job))
    handlers.on_job_requested(request_for(job))  # duplicate delivery
    [(claim, source)] = app_runner.accepted
    assert (claim.job_id, source) == (job["job_id"], "message")
    assert app_runner.store.get(job["job_id"])["job_status"] == RUNNING


def test_requests_for_unknown_or_foreign_jobs_do_nothing(aws_mock, app_runner):
    job = new_job(aws_mock)
    handlers.on_job_requested(request_for(job, job_id="nope"))
    handlers.on_job_requested(request_for(job, user_id="intruder"))
    assert app_runner.accepted == []


def test_nothing_is_claimed_while_stopping(aws_mock, app_runner):
    job = new_job(aws_mock)
    app_runner.stopping = True
    handlers.on_job_requested(request_for(job))
    assert app_runner.accepted == []
