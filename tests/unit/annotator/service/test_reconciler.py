"""The reconciler: re-drive lost messages and dead workers, give up after N attempts."""

from __future__ import annotations

import pytest
from gas_annotator import claims, reconciler
from gas_common.jobstates import FAILED, PENDING, RUNNING
from gas_common.stores import JobStore

from tests.factories import settings_with

from .conftest import new_job


class StubRunner:
    """What the reconciler needs of a runner, recording what it is given."""

    def __init__(self, settings, free: int = 2, held: tuple[str, ...] = ()):
        self.settings, self.store, self.free, self.held = settings, JobStore(settings), free, held
        self.accepted: list[tuple[claims.Claim, str]] = []
        self.stopping = False
        self.backlog = False
        self.served: dict[str, float] = {}
        self.deferred = 0

    def defer(self) -> None:
        self.deferred += 1

    def free_slots(self) -> int:
        return self.free - len(self.accepted)

    def holds(self, job_id: str) -> bool:
        return job_id in self.held

    def accept(self, claim: claims.Claim, source: str) -> bool:
        self.accepted.append((claim, source))
        return True




@pytest.fixture
def settings(aws_mock):
    return settings_with(aws_mock, job_pending_grace_seconds=60, job_max_attempts=3)


def test_stale_pending_jobs_are_claimed_and_fresh_ones_left_alone(settings):
    stale = new_job(settings, submit_time=claims.now() - 120)
    fresh = new_job(settings)
    runner = StubRunner(settings)
    reconciler.reconcile(runner)

    assert [(c.job_id, source) for c, source in runner.accepted] == [
        (stale["job_id"], "reconciler")]
    assert runner.store.get(stale["job_id"])["job_status"] == RUNNING
    assert runner.store.get(fresh["job_id"])["job_status"] == PENDING


def test_expired_leases_are_taken_over_but_not_our_own(settings):
    dead, ours = new_job(settings), new_job(settings)
    for job in (dead, ours):
        claims.claim_pending(JobStore(settings), job["job_id"], -5)
    runner = StubRunner(settings, held=(ours["job_id"],))
    reconciler.reconcile(runner)

    [(claim, source)] = runner.accepted
    assert (claim.job_id, source, claim.attempt) == (dead["job_id"], "takeover", 2)


def test_no_free_slot_means_no_claim(settings):
    job = new_job(settings, submit_time=claims.now() - 120)
    runner = StubRunner(settings, free=0)
    reconciler.reconcile(runner)
    assert runner.accepted == []
    assert runner.store.get(job["job_id"])["job_status"] == PENDING


def test_two_replicas_never_claim_the_same_job(settings):
    job = new_job(settings, submit_time=claims.now() - 120)
    first, second = StubRunner(settings), StubRunner(settings)
    reconciler.reconcile(first)
    reconciler.reconcile(second)
    assert len(first.accepted) + len(second.accepted) == 1
    assert runner_job(first, second) == job["job_id"]


def runner_job(*runners: StubRunner) -> str:
    [(claim, _)] = [a for r in runners for a in r.accepted]
    return claim.job_id


def test_after_max_attempts_the_job_fails_with_a_readable_reason(settings, published):
    job = new_job(settings, attempts=2)
    claims.claim_pending(JobStore(settings), job["job_id"], -5)  # attempt 3 dies too
    runner = StubRunner(settings)
    reconciler.reconcile(runner)

    item = runner.store.get(job["job_id"])
    assert runner.accepted == [] and item["job_status"] == FAILED
    assert item["error"] == reconciler.gave_up_reason(3) and "\n" not in item["error"]
    [message] = published
    assert message.type == "job.failed" and message.reason == item["error"]
    reconciler.reconcile(runner)
    assert len(published) == 1  # once


def test_an_aws_error_skips_the_pass_without_raising(settings, caplog):
    runner = StubRunner(settings.model_copy(update={"jobs_table": "no-such-table"}))
    reconciler.reconcile_safely(runner)
    assert "reconciler pass skipped" in caplog.text
