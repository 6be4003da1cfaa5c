"""Renaming a job and re-running it with another installed reference: pages and API,
ownership (another user's job is 404), CSRF, and the original job left as it was."""

from __future__ import annotations

import json

import pytest
from gas_common import aws
from gas_common.jobstates import PENDING, RUNNING
from gas_common.stores import JobStore

from tests.unit.web.conftest import completed_job, csrf_of


@pytest.fixture
def web_overrides(tmp_path):
    """Two installed bundles (the web reads only their manifests) and a broken one."""
    for name, build in (("grch38", "GRCh38"), ("grch37", "GRCh37")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps({"name": name,
                                                                   "build": build}))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json")
    return {"reference_dir": str(tmp_path)}


def test_rename_sets_and_clears_the_label_on_the_page_and_the_list(client, auth, settings):
    job = completed_job(settings, auth.login())
    token = csrf_of(client)
    answer = client.post(f"/annotations/{job['job_id']}/rename",
                         data={"label": "  Trio\tproband\n run ", "csrf_token": token})
    assert answer.status_code == 302
    assert JobStore(settings).get(job["job_id"])["label"] == "Trio proband run"
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert '<h1 class="h5 text-break mb-0" id="job-label">Trio proband run</h1>' in page
    assert "Trio proband run" in client.get("/annotations").get_data(as_text=True)
    client.post(f"/annotations/{job['job_id']}/rename", data={"label": " ", "csrf_token": token})
    assert "label" not in JobStore(settings).get(job["job_id"])


def test_rename_refuses_a_long_label_and_a_missing_token(client, auth, settings):
    job = completed_job(settings, auth.login())
    token = csrf_of(client)
    client.post(f"/annotations/{job['job_id']}/rename",
                data={"label": "x" * 101, "csrf_token": token})
    assert "label" not in JobStore(settings).get(job["job_id"])
    assert client.post(f"/annotations/{job['job_id']}/rename",
                       data={"label": "no token"}).status_code == 400
    assert "label" not in JobStore(settings).get(job["job_id"])


def test_another_users_job_cannot_be_renamed_or_rerun(client, auth, settings):
    theirs = completed_job(settings, auth.login(email="other@example.org"))
    auth.logout()
    auth.login()
    token = csrf_of(client)
    assert client.post(f"/annotations/{theirs['job_id']}/rename",
                       data={"label": "mine now", "csrf_token": token}).status_code == 404
    assert client.post(f"/annotations/{theirs['job_id']}/rerun",
                       data={"reference": "grch37", "csrf_token": token}).status_code == 404
    headers = {"X-CSRFToken": token}
    assert client.patch(f"/api/v1/jobs/{theirs['job_id']}", json={"label": "x"},
                        headers=headers).status_code == 404
    assert client.post(f"/api/v1/jobs/{theirs['job_id']}/rerun", json={"reference": "grch37"},
                       headers=headers).status_code == 404
    assert "label" not in JobStore(settings).get(theirs["job_id"])
    assert len(list(JobStore(settings).all_for_user(theirs["user_id"]))) == 1


def test_rerun_is_a_new_job_over_a_copy_of_the_input(client, auth, settings, topic_queue):
    requests = topic_queue("job_requests_topic")
    user_id = auth.login()
    job = completed_job(settings, user_id, label="Proband", reference="grch38 (GRCh38)")
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert '<option value="grch37">grch37 (GRCh37)</option>' in page
    assert "broken" not in page  # an unreadable manifest is not offered
    before = JobStore(settings).get(job["job_id"])
    answer = client.post(f"/annotations/{job['job_id']}/rerun",
                         data={"reference": "grch37", "csrf_token": csrf_of(client)})
    assert answer.status_code == 302
    new_id = answer.headers["Location"].rsplit("/", 1)[-1]
    assert new_id != job["job_id"]
    new = JobStore(settings).get(new_id)
    assert (new["job_status"], new["requested_reference"], new["rerun_of"], new["label"]) == (
        PENDING, "grch37", job["job_id"], "Proband")
    assert new["s3_key_input_file"] != job["s3_key_input_file"]
    assert new["s3_key_input_file"].startswith(f"{user_id}/{new_id}~")
    s3 = aws.client("s3", settings)
    copy = s3.get_object(Bucket=settings.inputs_bucket, Key=new["s3_key_input_file"])
    original = s3.get_object(Bucket=settings.inputs_bucket, Key=job["s3_key_input_file"])
    assert copy["Body"].read() == original["Body"].read()
    assert JobStore(settings).get(job["job_id"]) == before  # the original is untouched
    assert [m["job_id"] for m in requests()] == [new_id]
    shown = client.get(f"/annotations/{new_id}").get_data(as_text=True)
    assert 'id="rerun-of"' in shown and f'/annotations/{job["job_id"]}' in shown


@pytest.mark.parametrize("reference", ["grch36", "broken", "../grch38", "", None])
def test_rerun_with_a_reference_that_is_not_installed_is_refused(client, auth, settings,
                                                                 reference):
    user_id = auth.login()
    job = completed_job(settings, user_id)
    answer = client.post(f"/api/v1/jobs/{job['job_id']}/rerun", json={"reference": reference},
                         headers={"X-CSRFToken": csrf_of(client)})
    assert answer.status_code == 400
    assert "installed: grch37, grch38" in answer.get_json()["error"]
    assert len(list(JobStore(settings).all_for_user(user_id))) == 1


def test_a_running_job_is_not_rerun_and_offers_no_form(client, auth, settings):
    user_id = auth.login()
    JobStore(settings).create({"job_id": "run-1", "user_id": user_id, "submit_time": 1,
                               "input_file_name": "a.vcf", "job_status": RUNNING})
    assert 'id="rerun-form"' not in client.get("/annotations/run-1").get_data(as_text=True)
    answer = client.post("/api/v1/jobs/run-1/rerun", json={"reference": "grch37"},
                         headers={"X-CSRFToken": csrf_of(client)})
    assert answer.status_code == 409


def test_rerun_of_a_job_whose_input_is_gone_says_so(client, auth, settings):
    job = completed_job(settings, auth.login())
    aws.client("s3", settings).delete_object(Bucket=settings.inputs_bucket,
                                             Key=job["s3_key_input_file"])
    answer = client.post(f"/api/v1/jobs/{job['job_id']}/rerun", json={"reference": "grch37"},
                         headers={"X-CSRFToken": csrf_of(client)})
    assert answer.status_code == 409 and "no longer in storage" in answer.get_json()["error"]


def test_the_api_renames_reruns_and_lists_references(client, auth, settings):
    job = completed_job(settings, auth.login())
    headers = {"X-CSRFToken": csrf_of(client)}
    assert client.patch(f"/api/v1/jobs/{job['job_id']}", json={"label": "x"}).status_code == 400
    renamed = client.patch(f"/api/v1/jobs/{job['job_id']}", json={"label": "Tumour"},
                           headers=headers)
    assert renamed.status_code == 200 and renamed.get_json()["label"] == "Tumour"
    assert client.patch(f"/api/v1/jobs/{job['job_id']}", json={"label": 5},
                        headers=headers).status_code == 400
    assert client.patch(f"/api/v1/jobs/{job['job_id']}", json={},
                        headers=headers).status_code == 400
    assert client.get("/api/v1/references").get_json() == {"references": [
        {"name": "grch37", "build": "GRCh37"}, {"name": "grch38", "build": "GRCh38"}]}
    made = client.post(f"/api/v1/jobs/{job['job_id']}/rerun", json={"reference": "grch37"},
                       headers=headers)
    assert made.status_code == 201
    body = made.get_json()
    assert body["job_status"] == PENDING and body["requested_reference"] == "grch37"
    assert body["rerun_of"] == job["job_id"] and body["label"] == "Tumour"


def test_the_openapi_document_describes_rename_rerun_and_references(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "patch" in paths["/jobs/{job_id}"]
    assert "201" in paths["/jobs/{job_id}/rerun"]["post"]["responses"]
    assert "get" in paths["/references"]
