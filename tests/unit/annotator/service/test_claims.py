"""Claims: one holder per job, leases, hand-backs and finishing under the claim only."""

from __future__ import annotations

import pytest
from gas_annotator import claims
from gas_common.jobstates import COMPLETED, FAILED, PENDING, RUNNING
from gas_common.stores import TransitionRefused

from .conftest import new_job


def test_a_pending_job_is_claimed_once(aws_mock, jobs):
    job = new_job(aws_mock)
    first = claims.claim_pending(jobs, job["job_id"], 60)
    second = claims.claim_pending(jobs, job["job_id"], 60)

    assert first is not None and second is None
    item = jobs.get(job["job_id"])
    assert item["job_status"] == RUNNING and item["worker"] == first.token
    assert item["attempts"] == 1 and first.attempt == 1
    assert item["lease_until"] >= item["started_time"] + 60


def test_a_claim_with_a_stale_view_is_refused(aws_mock, jobs):
    job = new_job(aws_mock)
    stale = jobs.get(job["job_id"])
    claim = claims.claim_pending(jobs, job["job_id"], 60)
    claims.release(jobs, claim, count_attempt=True)  # PENDING again, attempts moved on
    assert claims.claim_pending(jobs, job["job_id"], 60, job=stale) is None
    assert claims.claim_pending(jobs, job["job_id"], 60) is not None


def test_unknown_jobs_are_not_claimed(aws_mock, jobs):
    assert claims.claim_pending(jobs, "no-such-job", 60) is None


def test_an_expired_lease_is_taken_over_once_and_the_old_holder_is_locked_out(aws_mock, jobs):
    job = new_job(aws_mock)
    old = claims.claim_pending(jobs, job["job_id"], -1)  # already expired
    [seen] = claims.expired_leases(jobs, claims.now())
    new = claims.take_over(jobs, seen, 60)
    assert new is not None and new.attempt == 2 and new.token != old.token
    assert claims.take_over(jobs, seen, 60) is None  # a second replica with the same view

    with pytest.raises(TransitionRefused):
        claims.renew(jobs, old, 60, 10)
    with pytest.raises(TransitionRefused):
        claims.finish(jobs, old, COMPLETED, {"complete_time": 1})
    claims.finish(jobs, new, COMPLETED, {"complete_time": 1})
    done = jobs.get(job["job_id"])
    assert done["job_status"] == COMPLETED and "lease_until" not in done


def test_a_renewed_lease_is_not_taken_over(aws_mock, jobs):
    job = new_job(aws_mock)
    holder = claims.claim_pending(jobs, job["job_id"], -1)
    [seen] = claims.expired_leases(jobs, claims.now())
    claims.renew(jobs, holder, 60, 1234)  # the holder was alive after all
    assert claims.take_over(jobs, seen, 60) is None
    item = jobs.get(job["job_id"])
    assert item["worker"] == holder.token and item["progress_variants"] == 1234
    assert claims.expired_leases(jobs, claims.now()) == []


def test_release_on_shutdown_does_not_count_the_attempt(aws_mock, jobs):
    job = new_job(aws_mock)
    claim = claims.claim_pending(jobs, job["job_id"], 60)
    claims.release(jobs, claim)
    item = jobs.get(job["job_id"])
    assert item["job_status"] == PENDING and item["attempts"] == 0
    assert "worker" not in item and "lease_until" not in item
    with pytest.raises(TransitionRefused):
        claims.release(jobs, claim)  # not ours any more


def test_stale_pending_respects_the_grace(aws_mock, jobs):
    old = new_job(aws_mock, submit_time=claims.now() - 100)
    new_job(aws_mock)  # just submitted
    found = claims.stale_pending(jobs, claims.now() - 60)
    assert [j["job_id"] for j in found] == [old["job_id"]]


def test_give_up_only_when_nothing_changed(aws_mock, jobs):
    job = new_job(aws_mock)
    claims.claim_pending(jobs, job["job_id"], -1)
    [seen] = claims.expired_leases(jobs, claims.now())
    claims.take_over(jobs, seen, 60)
    assert claims.give_up(jobs, seen, "gave up") is None  # someone took it over meanwhile
    [current] = [jobs.get(job["job_id"])]
    failed = claims.give_up(jobs, current, "gave up")
    assert failed is not None and failed["job_status"] == FAILED and failed["error"] == "gave up"
