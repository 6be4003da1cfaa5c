"""Both cold storage back ends behind the one interface, against in-process moto."""

from __future__ import annotations

import time

import pytest
from gas_common import aws
from gas_common.cold_storage import (
    GONE,
    IN_PROGRESS,
    READY,
    ArchiveMismatch,
    CapacityRefused,
    cold_storage,
    result_keys,
)

from tests.archive_fixtures import both, hot_body, make_job, refuse


def wait_ready(storage, archive_id: str, restore_job_id: str) -> None:
    deadline = time.monotonic() + 10
    while storage.restore_status(archive_id, restore_job_id) != READY:
        assert time.monotonic() < deadline, "retrieval never became ready"
        time.sleep(0.2)


@both
def test_archive_and_restore_round_trip(settings, backend):
    job = make_job(settings, "j-1", body=b"##fileformat=VCFv4.2\nchr1\t1\n")
    storage = cold_storage(settings=settings)
    assert storage.name == backend
    archive_id = storage.archive(job)
    aws.client("s3", settings).delete_object(Bucket=settings.results_bucket,
                                             Key=job["s3_key_result_file"])
    restore_job_id = storage.start_restore(archive_id, storage.tiers(archive_id)[0])
    assert storage.restore_status(archive_id, restore_job_id) in (IN_PROGRESS, READY)
    wait_ready(storage, archive_id, restore_job_id)
    storage.finish_restore({**job, "results_file_archive_id": archive_id,
                            "restore_job_id": restore_job_id})
    assert hot_body(settings, job) == b"##fileformat=VCFv4.2\nchr1\t1\n"
    head = aws.client("s3", settings).head_object(Bucket=settings.results_bucket,
                                                  Key=job["s3_key_result_file"])
    assert head.get("StorageClass", "STANDARD") == "STANDARD"
    storage.delete(archive_id)
    if backend == "s3-glacier":
        storage.delete(archive_id)  # already gone: no error (the emulator's vault crashes)
        assert aws.client("s3", settings).list_objects_v2(
            Bucket=settings.archive_bucket).get("KeyCount") == 0


@both
def test_every_results_file_goes_cold_and_comes_back_together(settings, backend):
    job = make_job(settings, "j-1", body=b"##fileformat=VCFv4.2\n", tables=True)
    other = make_job(settings, "j-10", body=b"##fileformat=VCFv4.2\nother\n", tables=True)
    keys = result_keys(job)
    assert keys == [job["s3_key_result_file"], job["s3_key_variants_file"],
                    job["s3_key_genes_file"]]
    bodies = {k: read(settings, k) for k in keys}
    storage = cold_storage(settings=settings)
    archive_id, other_id = storage.archive(job), storage.archive(other)
    for key in keys:
        aws.client("s3", settings).delete_object(Bucket=settings.results_bucket, Key=key)
    rid = storage.start_restore(archive_id, storage.tiers(archive_id)[0])
    wait_ready(storage, archive_id, rid)
    storage.finish_restore({**job, "results_file_archive_id": archive_id,
                            "restore_job_id": rid})
    assert {k: read(settings, k) for k in keys} == bodies
    storage.delete(archive_id)
    if backend == "s3-glacier":  # every cold copy of this job went, the other job's stayed
        left = aws.client("s3", settings).list_objects_v2(Bucket=settings.archive_bucket)
        assert sorted(o["Key"] for o in left["Contents"]) == sorted(result_keys(other))
    assert other_id != archive_id


def read(settings, key: str) -> bytes:
    return bytes(aws.client("s3", settings).get_object(
        Bucket=settings.results_bucket, Key=key)["Body"].read())


def test_s3_cold_copy_is_in_glacier_class_and_unreadable_until_restored(settings):
    job = make_job(settings, "j-1")
    archive_id = cold_storage(settings=settings).archive(job)
    s3 = aws.client("s3", settings)
    assert s3.head_object(Bucket=settings.archive_bucket, Key=archive_id)["StorageClass"] == \
        "GLACIER"
    with pytest.raises(s3.exceptions.ClientError, match="InvalidObjectState"):
        s3.get_object(Bucket=settings.archive_bucket, Key=archive_id)


@both
def test_identical_files_get_distinct_archives_restored_to_their_own_jobs(settings):
    body = b"##fileformat=VCFv4.2\nsame\n"
    jobs = [make_job(settings, f"j-{i}", body=body) for i in (1, 2)]
    storage = cold_storage(settings=settings)
    ids = [storage.archive(job) for job in jobs]
    assert ids[0] != ids[1]
    for job in jobs:
        aws.client("s3", settings).delete_object(Bucket=settings.results_bucket,
                                                 Key=job["s3_key_result_file"])
    started = [storage.start_restore(a, storage.tiers(a)[0]) for a in ids]
    for job, archive_id, rid in zip(jobs, ids, started, strict=True):
        wait_ready(storage, archive_id, rid)
        storage.finish_restore({**job, "results_file_archive_id": archive_id,
                                "restore_job_id": rid})
        assert hot_body(settings, job) == body
    storage.delete(ids[0])
    # deleting one job's archive leaves the other's intact
    assert storage.restore_status(ids[1], started[1]) == READY


@pytest.mark.parametrize("backend", ["glacier-vault"])
def test_vault_archive_of_another_job_is_never_restored_here(settings):
    one, two = make_job(settings, "j-1"), make_job(settings, "j-2")
    storage = cold_storage(settings=settings)
    archive_id = storage.archive(one)
    rid = storage.start_restore(archive_id, "Expedited")
    wait_ready(storage, archive_id, rid)
    aws.client("s3", settings).delete_object(Bucket=settings.results_bucket,
                                             Key=two["s3_key_result_file"])
    with pytest.raises(ArchiveMismatch):
        storage.finish_restore({**two, "results_file_archive_id": archive_id,
                                "restore_job_id": rid})
    assert hot_body(settings, two) is None


@pytest.mark.parametrize("backend, code", [
    ("s3-glacier", "GlacierExpeditedRetrievalNotAvailable"),
    ("glacier-vault", "InsufficientCapacityException"),
    ("glacier-vault", "PolicyEnforcedException"),
])
def test_expedited_capacity_refusal_is_capacity_refused(settings, code):
    job = make_job(settings, "j-1")
    storage = cold_storage(settings=settings)
    archive_id = storage.archive(job)
    asked = refuse(settings, code)
    with pytest.raises(CapacityRefused, match="Expedited"):
        storage.start_restore(archive_id, "Expedited")
    assert storage.start_restore(archive_id, "Standard")
    assert asked[-1] == "Standard"


def test_a_vanished_cold_copy_is_gone_so_the_restore_starts_again(settings):
    # (the emulator's vault crashes on an unknown job id, so only S3 is checked here)
    assert cold_storage(settings=settings).restore_status("no/such-key", "x") == GONE


def test_deep_archive_is_restored_with_standard_only(settings, monkeypatch):
    job = make_job(settings, "j-1")
    storage = cold_storage(settings=settings)
    aws.client("s3", settings).copy_object(
        Bucket=settings.archive_bucket, Key="deep", StorageClass="DEEP_ARCHIVE",
        CopySource={"Bucket": settings.results_bucket, "Key": job["s3_key_result_file"]})
    assert storage.tiers("deep") == ("Standard",)
    assert storage.tiers(storage.archive(job)) == ("Expedited", "Standard")
