"""Deleting a job: asked on the page, done on POST (with CSRF) or API DELETE; every file,
the cold copy and the record go; busy jobs and other users' jobs are refused."""

from __future__ import annotations

import pytest
from gas_common import aws
from gas_common.cold_storage import cold_storage
from gas_common.jobstates import ARCHIVED, RESTORING, RUNNING
from gas_common.stores import JobStore

from tests.unit.web.conftest import csrf_of, explorer_job


@pytest.fixture
def web_overrides(tmp_path):
    return {"table_cache_dir": str(tmp_path / "cache")}


def keys_in(settings, bucket: str) -> list[str]:
    return [o["Key"] for o in aws.client("s3", settings).list_objects_v2(
        Bucket=bucket).get("Contents", [])]


def test_the_page_asks_then_deletes_everything(client, auth, settings, tmp_path):
    job = explorer_job(settings, auth.login(), tmp_path)
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert 'data-bs-target="#confirm-delete"' in page and "cannot be undone" in page
    assert client.post(f"/annotations/{job['job_id']}/delete").status_code == 400  # no CSRF
    token = csrf_of(client, f"/annotations/{job['job_id']}")
    answer = client.post(f"/annotations/{job['job_id']}/delete", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == "/annotations"
    assert JobStore(settings).get(job["job_id"]) is None
    assert keys_in(settings, settings.results_bucket) == []
    assert keys_in(settings, settings.inputs_bucket) == []
    assert client.get(f"/annotations/{job['job_id']}").status_code == 404


def test_an_archived_job_loses_its_cold_copy_too(client, auth, settings, tmp_path):
    job = explorer_job(settings, auth.login(), tmp_path)
    archive_id = cold_storage(settings=settings).archive(job)
    JobStore(settings).update(job["job_id"], set={
        "archive_status": ARCHIVED, "results_file_archive_id": archive_id,
        "archive_backend": settings.cold_storage})
    assert len(keys_in(settings, settings.archive_bucket)) == 3
    answer = client.delete(f"/api/v1/jobs/{job['job_id']}",
                           headers={"X-CSRFToken": csrf_of(client)})
    assert answer.status_code == 204
    assert keys_in(settings, settings.archive_bucket) == []
    assert JobStore(settings).get(job["job_id"]) is None


@pytest.mark.parametrize("busy", [{"job_status": RUNNING}, {"archive_status": RESTORING}])
def test_busy_jobs_are_kept(client, auth, settings, tmp_path, busy):
    job = explorer_job(settings, auth.login(), tmp_path)
    JobStore(settings).update(job["job_id"], set=busy)
    answer = client.delete(f"/api/v1/jobs/{job['job_id']}",
                           headers={"X-CSRFToken": csrf_of(client)})
    assert answer.status_code == 409 and "try again" in answer.get_json()["error"]
    assert JobStore(settings).get(job["job_id"]) is not None
    assert len(keys_in(settings, settings.results_bucket)) == 4  # VCF, log, two tables


def test_another_users_job_cannot_be_deleted(client, auth, settings, tmp_path):
    other = explorer_job(settings, "someone-else", tmp_path)
    auth.login()
    token = csrf_of(client)
    assert client.delete(f"/api/v1/jobs/{other['job_id']}",
                         headers={"X-CSRFToken": token}).status_code == 404
    assert client.post(f"/annotations/{other['job_id']}/delete",
                       data={"csrf_token": token}).status_code == 404
    assert JobStore(settings).get(other["job_id"]) is not None
