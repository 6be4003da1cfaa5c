"""The archiver's state machine: schedule, claim, archive, keep premium results hot."""

from __future__ import annotations

import time

from gas_archiver import archive, schedule
from gas_common import retention
from gas_common.jobstates import FAILED, PREMIUM
from gas_common.stores import JobStore, UserStore

from tests.archive_fixtures import both, hot_body, make_job


@both
def test_free_job_is_scheduled_from_completion_and_archived_when_due(settings, published):
    job = make_job(settings, "j-1", complete_time=int(time.time()) + 3600, tables=True)
    assert schedule.schedule_completed("j-1", "u-1", job["complete_time"], settings)
    stored = JobStore(settings).get("j-1")
    assert stored["archive_status"] == "SCHEDULED"
    assert stored["archive_due_at"] == job["complete_time"] + settings.free_retention_seconds
    assert archive.due_job_ids(settings) == []  # not due yet
    assert archive.archive_job("j-1", settings) == "taken"
    assert hot_body(settings, job) is not None

    JobStore(settings).update("j-1", set={"archive_due_at": int(time.time()) - 1})
    assert archive.due_job_ids(settings) == ["j-1"]
    assert archive.archive_job("j-1", settings) == "archived"
    stored = JobStore(settings).get("j-1")
    assert stored["archive_status"] == "ARCHIVED"
    assert stored["archive_backend"] == settings.cold_storage
    assert stored["results_file_archive_id"] and stored["archived_time"]
    assert "archive_lease_until" not in stored
    for key in ("s3_key_result_file", "s3_key_variants_file", "s3_key_genes_file"):
        assert hot_body(settings, {"s3_key_result_file": job[key]}) is None, key
    assert archive.archive_job("j-1", settings) == "taken"  # never twice
    # The user is told once: one job.archived, after the hot copies are gone.
    assert [(m.type, m.job_id, m.user_id) for m in published] == [("job.archived", "j-1", "u-1")]


def test_premium_and_failed_jobs_are_never_scheduled(settings):
    make_job(settings, "j-1", role=PREMIUM)
    assert not schedule.schedule_completed("j-1", "u-1", int(time.time()), settings)
    make_job(settings, "j-2", user_id="u-2")
    JobStore(settings).update("j-2", set={"job_status": FAILED})
    assert not schedule.schedule_completed("j-2", "u-2", int(time.time()), settings)
    assert schedule.sweep_unscheduled(settings) == 0
    assert "archive_status" not in JobStore(settings).get("j-1")
    assert "archive_status" not in JobStore(settings).get("j-2")


def test_user_who_upgraded_before_due_time_keeps_results_hot(settings, published):
    job = make_job(settings, "j-1")
    assert schedule.schedule_completed("j-1", "u-1", int(time.time()) - 10, settings)
    UserStore(settings).set_role("u-1", PREMIUM)
    assert archive.archive_job("j-1", settings) == "kept"
    stored = JobStore(settings).get("j-1")
    assert "archive_status" not in stored and "archive_due_at" not in stored
    assert hot_body(settings, job) is not None


def test_two_archivers_claim_a_due_job_once(settings):
    make_job(settings, "j-1")
    retention.schedule_job("j-1", int(time.time()) - 1, settings)
    first = archive.claim(JobStore(settings), "j-1", settings)
    assert first and first["archive_status"] == "ARCHIVING"
    assert archive.claim(JobStore(settings), "j-1", settings) is None


def test_stale_claim_after_a_crash_is_finished_without_a_second_archive(settings, published):
    job = make_job(settings, "j-1")
    retention.schedule_job("j-1", int(time.time()) - 1, settings)
    jobs = JobStore(settings)
    # An archiver copied to cold storage and recorded the id, then died.
    claimed = archive.claim(jobs, "j-1", settings)
    jobs.update("j-1", set={"results_file_archive_id": "recorded-id",
                            "archive_backend": settings.cold_storage, "archived_time": 1,
                            "archive_lease_until": time.time() - 1})
    assert claimed
    assert archive.archive_job("j-1", settings) == "archived"
    stored = jobs.get("j-1")
    assert stored["results_file_archive_id"] == "recorded-id"
    assert stored["archive_status"] == "ARCHIVED"
    assert hot_body(settings, job) is None


def test_upgrade_during_the_copy_asks_for_a_thaw(settings, published, monkeypatch):
    make_job(settings, "j-1")
    retention.schedule_job("j-1", int(time.time()) - 1, settings)
    real_archive = archive.cold_storage(settings=settings).archive

    class Upgrading:
        name = settings.cold_storage

        def archive(self, job):
            UserStore(settings).set_role("u-1", PREMIUM)
            return real_archive(job)

    monkeypatch.setattr(archive, "cold_storage", lambda settings=None: Upgrading())
    assert archive.archive_job("j-1", settings) == "archived"
    assert [m.type for m in published] == ["job.archived", "thaw.requested"]


def test_a_lost_job_archived_message_does_not_undo_the_archive(settings, monkeypatch):
    make_job(settings, "j-1")
    retention.schedule_job("j-1", int(time.time()) - 1, settings)

    def unreachable(message, settings=None):
        raise ConnectionError("SNS is down")

    monkeypatch.setattr(archive, "publish", unreachable)
    assert archive.archive_job("j-1", settings) == "archived"  # the notifier catches up
    assert JobStore(settings).get("j-1")["archive_status"] == "ARCHIVED"


def test_sweep_schedules_a_free_job_whose_message_was_lost(settings):
    job = make_job(settings, "j-1", complete_time=1000)
    make_job(settings, "j-2", user_id="u-2", role=PREMIUM)
    assert schedule.sweep_unscheduled(settings) == 1
    stored = JobStore(settings).get("j-1")
    user = UserStore(settings).get("u-1")
    assert stored["archive_due_at"] == max(job["complete_time"], user["updated"])
    assert schedule.sweep_unscheduled(settings) == 0


def test_cancel_premium_schedules_hot_results_from_now(settings):
    make_job(settings, "j-1", role=PREMIUM, complete_time=1000)
    UserStore(settings).set_role("u-1", "free_user")
    before = int(time.time())
    assert retention.schedule_user("u-1", settings) == 1
    assert JobStore(settings).get("j-1")["archive_due_at"] >= before
