"""The thawer's state machine: start (Expedited, then Standard), finish, announce."""

from __future__ import annotations

import json
import time

from gas_archiver import archive
from gas_common import retention
from gas_common.jobstates import FREE, PREMIUM
from gas_common.stores import JobStore, UserStore
from gas_thawer import restore

from tests.archive_fixtures import both, hot_body, make_job, refuse


def archived(settings, job_id: str, body: bytes = b"##x\n", user_id: str = "u-1",
             tables: bool = False) -> dict:
    job = make_job(settings, job_id, user_id=user_id, body=body, tables=tables)
    retention.schedule_job(job_id, int(time.time()) - 1, settings)
    assert archive.archive_job(job_id, settings) == "archived"
    return job


def table_body(settings, job: dict) -> bytes | None:
    return hot_body(settings, {"s3_key_result_file": job["s3_key_variants_file"]})


def thaw(user_id: str, settings) -> int:
    """What the thawer does on thaw.requested, one restore after another: how many started."""
    return sum(restore.start_restore(job_id, settings)
               for job_id in restore.jobs_to_thaw(user_id, settings))


def poll_until_restored(settings, job_ids, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        roles: dict = {}
        for job in restore.pending_work(settings):
            restore.drive(job, settings, roles)
        jobs = [JobStore(settings).get(j) for j in job_ids]
        if all("archive_status" not in j and "restore_job_id" not in j for j in jobs):
            return
        assert time.monotonic() < deadline, f"not restored: {jobs}"
        time.sleep(0.3)


def announced(published: list) -> list:
    """What the thawer published (setting up an archive publishes its job.archived)."""
    return [m for m in published if m.type != "job.archived"]


@both
def test_upgrade_restores_every_archived_job_once(settings, published):
    jobs = [archived(settings, f"j-{i}", body=f"##{i}\n".encode(), tables=i > 0)
            for i in range(3)]
    for job in jobs[1:]:  # the tables went cold with the VCF
        assert table_body(settings, job) is None
    UserStore(settings).set_role("u-1", PREMIUM)
    assert thaw("u-1", settings) == 3
    assert thaw("u-1", settings) == 0  # a repeated thaw starts nothing
    for job in jobs:
        stored = JobStore(settings).get(job["job_id"])
        assert stored["archive_status"] == "RESTORING"
        assert stored["restore_tier"] == "Expedited" and stored["restore_job_id"]
    poll_until_restored(settings, [j["job_id"] for j in jobs])
    for i, job in enumerate(jobs):
        stored = JobStore(settings).get(job["job_id"])
        assert hot_body(settings, job) == f"##{i}\n".encode()
        if i:  # and came back with it
            assert table_body(settings, job) == f"PAR1 variants of j-{i}".encode()
        assert stored["restored_time"]
        for field in restore.ARCHIVE_FIELDS:
            assert field not in stored
    assert sorted(m.job_id for m in announced(published)) == ["j-0", "j-1", "j-2"]
    assert {m.type for m in announced(published)} == {"job.restored"}


@both
def test_expedited_refused_falls_back_to_standard_and_records_it(settings, published):
    archived(settings, "j-1")
    asked = refuse(settings, "InsufficientCapacityException"
                   if settings.cold_storage == "glacier-vault"
                   else "GlacierExpeditedRetrievalNotAvailable")
    UserStore(settings).set_role("u-1", PREMIUM)
    assert thaw("u-1", settings) == 1
    assert asked == ["Expedited", "Standard"]
    assert JobStore(settings).get("j-1")["restore_tier"] == "Standard"


def test_every_tier_refused_leaves_a_claim_the_poller_retries(settings, published):
    archived(settings, "j-1")
    refuse(settings, "InsufficientCapacityException", tier="Expedited")
    refuse(settings, "InsufficientCapacityException", tier="Standard")
    UserStore(settings).set_role("u-1", PREMIUM)
    assert thaw("u-1", settings) == 0
    stored = JobStore(settings).get("j-1")
    assert stored["archive_status"] == "RESTORING" and "restore_job_id" not in stored
    assert not restore.start_restore("j-1", settings)  # its claim still holds


def test_thaw_of_a_free_user_does_nothing_and_upgrade_unschedules(settings, published):
    archived(settings, "j-1")
    make_job(settings, "j-2")
    retention.schedule_job("j-2", int(time.time()) + 600, settings)
    assert thaw("u-1", settings) == 0
    assert JobStore(settings).get("j-1")["archive_status"] == "ARCHIVED"
    UserStore(settings).set_role("u-1", PREMIUM)
    thaw("u-1", settings)
    assert "archive_status" not in JobStore(settings).get("j-2")


def test_poller_restores_archives_of_premium_users_without_a_message(settings, published):
    job = archived(settings, "j-1")
    UserStore(settings).set_role("u-1", PREMIUM)  # the thaw request was lost
    poll_until_restored(settings, ["j-1"])
    assert hot_body(settings, job) is not None
    assert [m.type for m in announced(published)] == ["job.restored"]


def test_cancel_during_restore_schedules_again_when_restored(settings, published):
    archived(settings, "j-1")
    UserStore(settings).set_role("u-1", PREMIUM)
    thaw("u-1", settings)
    UserStore(settings).set_role("u-1", FREE)
    assert retention.schedule_user("u-1", settings) == 0  # restoring: left alone
    poll_until_restored_or_scheduled(settings, "j-1")
    stored = JobStore(settings).get("j-1")
    assert stored["archive_status"] == "SCHEDULED" and stored["restored_time"]


def poll_until_restored_or_scheduled(settings, job_id: str) -> None:
    deadline = time.monotonic() + 15
    while JobStore(settings).get(job_id).get("archive_status") == "RESTORING":
        for job in restore.pending_work(settings):
            restore.drive(job, settings, {})
        assert time.monotonic() < deadline
        time.sleep(0.3)


def test_finish_twice_restores_and_announces_once(settings, published):
    archived(settings, "j-1")
    UserStore(settings).set_role("u-1", PREMIUM)
    thaw("u-1", settings)
    job = JobStore(settings).get("j-1")
    deadline = time.monotonic() + 10
    while restore.check_restore(job, settings) == "IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert restore.finish_restore(job, settings) == "taken"
    assert [m.job_id for m in announced(published)] == ["j-1"]


def test_restore_notices_name_the_jobs_they_are_about(settings, published):
    job = archived(settings, "j 1")  # a key that S3 URL-encodes in events
    UserStore(settings).set_role("u-1", PREMIUM)
    thaw("u-1", settings)
    stored = JobStore(settings).get("j 1")
    key = stored["results_file_archive_id"]
    event = {"Records": [{"eventName": "ObjectRestore:Completed", "s3": {
        "bucket": {"name": settings.archive_bucket},
        "object": {"key": key.replace(" ", "+").replace("~", "%7E")}}}]}
    assert [j["job_id"] for j in restore.jobs_for_notice(event, settings)] == ["j 1"]
    table_event = json.loads(json.dumps(event).replace("annot.vcf", "variants.parquet"))
    assert [j["job_id"] for j in restore.jobs_for_notice(table_event, settings)] == ["j 1"]
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent",
                  "Bucket": settings.archive_bucket}
    assert restore.jobs_for_notice(test_event, settings) == []
    glacier = {"Action": "ArchiveRetrieval", "JobId": stored["restore_job_id"],
               "StatusCode": "Succeeded"}
    assert [j["job_id"] for j in restore.jobs_for_notice(glacier, settings)] == ["j 1"]
    named = dict(glacier, JobDescription="j 1")
    assert [j["job_id"] for j in restore.jobs_for_notice(named, settings)] == ["j 1"]
    stale = dict(glacier, JobId="another-retrieval", JobDescription="j 1")
    assert restore.jobs_for_notice(stale, settings) == []
    assert restore.jobs_for_notice(json.dumps(event), settings) == []
    assert job
