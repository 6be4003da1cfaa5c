"""The lease keeper never reports a claim lost because the job finished meanwhile.

Why the warning was false: the keeper renews from a snapshot of the jobs held. A job
that finished after the snapshot was no longer RUNNING under our token, so its renewal
was refused and logged "lost the claim on a job". Now the last write of a claim and
the keeper's renewals take turns, and nothing is renewed after the last write.
"""

from __future__ import annotations

import logging
import threading

import pytest
from gas_annotator import claims
from gas_annotator.job import Held
from gas_annotator.runner import JobRunner
from gas_common.jobstates import COMPLETED
from gas_common.stores import JobStore

from tests.factories import settings_with
from tests.harness import wait_for

from . import targets
from .conftest import new_job
from .test_runner import VCF

pytestmark = pytest.mark.usefixtures("published")  # nothing is sent over SNS here


def test_no_renewal_after_the_last_write(aws_mock):
    store = JobStore(aws_mock)
    job = new_job(aws_mock, VCF)
    held = Held(claims.claim_pending(store, job["job_id"], 60))
    held.settle(lambda: claims.finish(store, held.claim, COMPLETED, {}))
    renewed = []
    assert held.renew(lambda: renewed.append(1)) is False
    assert renewed == []


def test_a_renewal_waits_for_a_last_write_in_progress(aws_mock):
    store = JobStore(aws_mock)
    job = new_job(aws_mock, VCF)
    held = Held(claims.claim_pending(store, job["job_id"], 60))
    writing, release = threading.Event(), threading.Event()

    def slow_finish():
        writing.set()
        release.wait(5)
        claims.finish(store, held.claim, COMPLETED, {})

    finisher = threading.Thread(target=held.settle, args=(slow_finish,))
    finisher.start()
    writing.wait(5)
    result = []
    keeper = threading.Thread(target=lambda: result.append(held.renew(
        lambda: claims.renew(store, held.claim, 60, None))))
    keeper.start()
    release.set()
    finisher.join(5)
    keeper.join(5)
    assert result == [False]  # it waited, saw the claim settled, and wrote nothing


def test_busy_keeper_and_finishing_jobs_log_no_lost_claim(aws_mock, caplog):
    # The keeper renews constantly while thirty quick jobs finish under it.
    settings = settings_with(aws_mock, job_progress_seconds=0.01, annotator_workers=4,
                             job_drain_seconds=0.2)
    runner = JobRunner(settings, target=targets.succeed).start()
    store = JobStore(settings)
    caplog.set_level(logging.WARNING, logger="gas_annotator")
    try:
        ids = []
        for _ in range(30):
            job = new_job(settings, VCF)
            ids.append(job["job_id"])
            wait_for(lambda: runner.free_slots() > 0, what="a free slot")
            runner.accept(claims.claim_pending(store, job["job_id"], 60), "test")
        wait_for(lambda: all(store.get(i)["job_status"] == COMPLETED for i in ids),
                 timeout=120, what="every job to complete")
    finally:
        runner.stop()
    lost = [r.getMessage() for r in caplog.records if "lost" in r.getMessage()]
    assert lost == []
