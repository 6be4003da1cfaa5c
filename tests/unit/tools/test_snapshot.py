"""The embedded stack's data: saved from the emulator's memory and put back after provisioning.

The in-process emulator (moto's mock) holds the same models the server process does.
"""

from __future__ import annotations

import pytest
from gas_common import aws
from gas_common.jobstates import COMPLETED
from gas_common.stores import JobStore, UserStore
from gas_tools import snapshot
from gas_tools.provision import provision
from moto import mock_aws


@pytest.fixture
def emulator(local_settings, tmp_path):
    """A fresh in-process emulator per call, provisioned; settings keep data in tmp_path."""
    settings = local_settings
    root = tmp_path / "data"

    mocks = []

    def fresh():
        while mocks:
            mocks.pop().stop()  # the last mock to stop empties every backend
        mock = mock_aws()
        mock.start()
        mocks.append(mock)
        aws.reset_clients()
        provision(settings, echo=lambda line: None)

    yield settings, root, fresh
    while mocks:
        mocks.pop().stop()
    aws.reset_clients()


def fill(settings):
    UserStore(settings).create("u1", "Ada", "ada@example.org")
    JobStore(settings).create({"job_id": "j1", "user_id": "u1", "submit_time": 5,
                               "job_status": COMPLETED, "summary": {"ti_tv": 2.5, "n": 3}})
    s3 = aws.client("s3", settings)
    s3.put_object(Bucket=settings.inputs_bucket, Key="u1/j1~a.vcf", Body=b"input")
    s3.put_object(Bucket=settings.results_bucket, Key="u1/j1~a.annot.vcf", Body=b"result")


def test_tables_and_buckets_survive_a_new_emulator(emulator):
    settings, root, start = emulator
    start()
    fill(settings)
    saved = snapshot.save(root)
    assert (saved.items, saved.objects, saved.new_bodies) == (2, 2, 2)
    start()  # a new, empty emulator
    assert JobStore(settings).get("j1") is None
    snapshot.restore(root)
    job = JobStore(settings).get("j1")
    assert job["summary"] == {"ti_tv": 2.5, "n": 3} and job["job_status"] == COMPLETED
    assert UserStore(settings).get("u1")["email"] == "ada@example.org"
    body = aws.client("s3", settings).get_object(Bucket=settings.results_bucket,
                                                 Key="u1/j1~a.annot.vcf")
    assert body["Body"].read() == b"result" and body["ServerSideEncryption"] == "AES256"


def test_a_second_snapshot_writes_only_new_bodies_and_drops_deleted_ones(emulator):
    settings, root, start = emulator
    start()
    fill(settings)
    snapshot.save(root)
    s3 = aws.client("s3", settings)
    s3.delete_object(Bucket=settings.inputs_bucket, Key="u1/j1~a.vcf")
    s3.put_object(Bucket=settings.inputs_bucket, Key="u1/j2~b.vcf", Body=b"second")
    again = snapshot.save(root)
    assert (again.objects, again.new_bodies) == (2, 1)
    assert len(list((root / "bodies").iterdir())) == 2


def test_a_cold_copy_keeps_the_body_saved_while_it_was_hot(emulator):
    settings, root, start = emulator
    start()
    fill(settings)
    snapshot.save(root)
    s3 = aws.client("s3", settings)
    s3.copy_object(Bucket=settings.archive_bucket, Key="u1/j1~a.annot.vcf",
                   CopySource={"Bucket": settings.results_bucket, "Key": "u1/j1~a.annot.vcf"},
                   StorageClass="DEEP_ARCHIVE")
    s3.delete_object(Bucket=settings.results_bucket, Key="u1/j1~a.annot.vcf")
    snapshot.save(root)
    start()
    snapshot.restore(root)
    head = aws.client("s3", settings).head_object(Bucket=settings.archive_bucket,
                                                       Key="u1/j1~a.annot.vcf")
    assert head["StorageClass"] == "DEEP_ARCHIVE"
    aws.client("s3", settings).restore_object(Bucket=settings.archive_bucket,
                                              Key="u1/j1~a.annot.vcf", RestoreRequest={"Days": 1})
    body = aws.client("s3", settings).get_object(Bucket=settings.archive_bucket,
                                                 Key="u1/j1~a.annot.vcf")
    assert body["Body"].read() == b"result"
