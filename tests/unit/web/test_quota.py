"""The per-user limit on jobs waiting or running: the pages and the API refuse past it."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError
from gas_common import aws
from gas_common.jobstates import COMPLETED, FAILED, PENDING, PREMIUM, RUNNING
from gas_common.stores import JobStore, UserStore

from tests.unit.web.conftest import Auth, csrf_of, put_input


@pytest.fixture
def web_overrides():
    return {"free_max_active_jobs": 2, "premium_max_active_jobs": 3}


def jobs_of(settings, user_id, *statuses):
    for i, status in enumerate(statuses):
        JobStore(settings).create({"job_id": str(uuid.uuid4()), "user_id": user_id,
                                   "submit_time": 1000 + i, "job_status": status,
                                   "input_file_name": "a.vcf"})


def presign(client):
    return client.post("/api/v1/uploads", json={"filename": "a.vcf", "size": 100},
                       headers={"X-CSRFToken": csrf_of(client)})


def submit_page(client, key):
    return client.get("/annotate/job?" + urlencode({"bucket": "gas-inputs", "key": key}))


def exists(settings, key) -> bool:
    try:
        aws.client("s3", settings).head_object(Bucket=settings.inputs_bucket, Key=key)
    except ClientError:
        return False
    return True


def test_a_free_user_at_the_limit_is_refused_a_new_upload(client, auth, settings):
    user_id = auth.login()
    jobs_of(settings, user_id, PENDING, RUNNING)
    answer = presign(client)
    assert answer.status_code == 429
    assert "You already have 2 jobs waiting or running" in answer.get_json()["error"]
    assert "free user" in answer.get_json()["error"]


def test_submitting_past_the_limit_is_refused_on_the_page_and_the_api(client, auth, settings):
    user_id = auth.login()
    jobs_of(settings, user_id, PENDING, PENDING)
    key = put_input(settings, user_id)
    page = submit_page(client, key)
    assert page.status_code == 429
    assert b"You already have 2 jobs waiting or running" in page.data
    assert not exists(settings, key)  # refused uploads are not left behind
    key = put_input(settings, user_id)
    answer = client.post("/api/v1/jobs", json={"key": key},
                         headers={"X-CSRFToken": csrf_of(client)})
    assert answer.status_code == 429 and "wait for one to finish" in answer.get_json()["error"]
    assert len(JobStore(settings).list_for_user(user_id)[0]) == 2


def test_finished_jobs_do_not_count(client, auth, settings):
    user_id = auth.login()
    jobs_of(settings, user_id, COMPLETED, FAILED, COMPLETED, PENDING)
    assert presign(client).status_code == 201
    key = put_input(settings, user_id)
    assert submit_page(client, key).status_code == 302
    assert submit_page(client, put_input(settings, user_id)).status_code == 429


def test_the_limit_follows_the_tier(client, auth, settings):
    user_id = auth.login()
    UserStore(settings).update(user_id, set={"role": PREMIUM})
    jobs_of(settings, user_id, PENDING, RUNNING)
    assert presign(client).status_code == 201  # 2 of a premium user's 3
    jobs_of(settings, user_id, PENDING)
    answer = presign(client)
    assert answer.status_code == 429 and "3 jobs" in answer.get_json()["error"]


def test_one_user_at_the_limit_does_not_block_another(app, client, auth, settings):
    user_id = auth.login()
    jobs_of(settings, user_id, PENDING, PENDING)
    other = app.test_client()
    other_id = Auth(other, settings).login(email="bob@example.org")
    assert presign(client).status_code == 429
    assert presign(other).status_code == 201
    assert submit_page(other, put_input(settings, other_id)).status_code == 302
