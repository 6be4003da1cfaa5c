"""Upload and submission: presigned POST, then every server-side check before a job exists."""

from __future__ import annotations

import gzip
import json
import uuid
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError
from gas_common import aws
from gas_common.jobstates import PENDING, PREMIUM
from gas_common.stores import JobStore, UserStore

from tests.unit.web.conftest import VCF, csrf_of, put_input


@pytest.fixture
def requests_queue(topic_queue):
    return topic_queue("job_requests_topic")


def submit(client, key, bucket="gas-inputs"):
    return client.get("/annotate/job?" + urlencode({"bucket": bucket, "key": key}))


def test_annotate_page_has_form_and_limit(client, auth):
    auth.login()
    page = client.get("/annotate").get_data(as_text=True)
    assert 'id="upload-form"' in page and 'data-limit="153600"' in page
    assert "150 KB" in page and "js/upload.js" in page


def test_valid_upload_creates_pending_job_and_publishes(client, auth, settings, requests_queue):
    user_id = auth.login()
    key = put_input(settings, user_id)
    answer = submit(client, key)
    job_id = key.split("/")[-1].split("~")[0]
    assert answer.status_code == 302 and answer.headers["Location"] == f"/annotations/{job_id}"
    job = JobStore(settings).get(job_id)
    assert job["job_status"] == PENDING and job["user_id"] == user_id
    assert job["s3_key_input_file"] == key and job["input_file_name"] == "sample.vcf"
    [message] = requests_queue()
    assert message["type"] == "job.requested" and message["job_id"] == job_id
    assert message["s3_key_input_file"] == key and message["version"] == 1
    # S3 redirecting twice (a reload) creates nothing new.
    assert submit(client, key).status_code == 302
    assert requests_queue() == []


def test_gzip_vcf_is_accepted(client, auth, settings):
    user_id = auth.login()
    key = put_input(settings, user_id, gzip.compress(VCF), name="sample.vcf.gz")
    assert submit(client, key).status_code == 302


def test_oversize_upload_is_deleted_and_explained(client, auth, settings):
    user_id = auth.login()
    key = put_input(settings, user_id, VCF + b"#" * settings.free_upload_limit_bytes)
    answer = submit(client, key)
    assert answer.status_code == 413
    assert b"larger than your 150 KB upload limit (a .vcf.gz counts at its compressed size)" \
        in answer.data
    assert b"Premium takes files up to 1 GB" in answer.data
    with pytest.raises(ClientError):
        aws.client("s3", settings).head_object(Bucket=settings.inputs_bucket, Key=key)
    assert JobStore(settings).list_for_user(user_id)[0] == []


def test_premium_user_may_upload_more(client, auth, settings):
    user_id = auth.login()
    UserStore(settings).set_role(user_id, PREMIUM)
    key = put_input(settings, user_id, VCF + b"#" * settings.free_upload_limit_bytes)
    assert submit(client, key).status_code == 302


def test_key_outside_users_prefix_is_refused(client, auth, settings):
    other = auth.login(email="other@example.org")
    key = put_input(settings, other)
    auth.logout()
    auth.login()
    answer = submit(client, key)
    assert answer.status_code == 403 and b"does not belong to you" in answer.data
    assert JobStore(settings).list_for_user(other)[0] == []
    # The other user's file is left alone.
    aws.client("s3", settings).head_object(Bucket=settings.inputs_bucket, Key=key)


# ids, and mtime=0: parameters must be the same in every xdist worker's collection.
@pytest.mark.parametrize("body", [b"%PDF-1.7 not a vcf", gzip.compress(b"hello", mtime=0),
                                  b"\x1f\x8bjunk"], ids=["pdf", "gzip-not-vcf", "bad-gzip"])
def test_non_vcf_upload_is_refused_and_deleted(client, auth, settings, body):
    user_id = auth.login()
    key = put_input(settings, user_id, body)
    answer = submit(client, key)
    assert answer.status_code == 422 and b"does not look like a VCF" in answer.data
    with pytest.raises(ClientError):
        aws.client("s3", settings).head_object(Bucket=settings.inputs_bucket, Key=key)


@pytest.mark.parametrize("make_key,status", [
    (lambda uid: f"{uid}/{uuid.uuid4()}~missing.vcf", 404),
    (lambda uid: f"{uid}/not-a-uuid~x.vcf", 400),
    (lambda uid: f"{uid}/{uuid.uuid4()}~../../etc.vcf", 400),
    (lambda uid: f"{uid}/{uuid.uuid4()}", 400),
])
def test_bad_or_missing_keys(client, auth, make_key, status):
    user_id = auth.login()
    assert submit(client, make_key(user_id)).status_code == status


def test_an_upload_that_never_reached_storage_says_so(client, auth, settings):
    user_id = auth.login()
    key = f"{user_id}/{uuid.uuid4()}~never.vcf"
    missing = client.get("/annotate/job", query_string={
        "bucket": settings.inputs_bucket, "key": key})
    assert missing.status_code == 404 and b"could not find your upload" in missing.data
    unreachable = client.get("/annotate/job", query_string={
        "bucket": settings.inputs_bucket, "key": key, "unreachable": "1"})
    assert unreachable.status_code == 404
    assert b"could not reach the storage service" in unreachable.data


def test_wrong_bucket_is_refused(client, auth, settings):
    user_id = auth.login()
    key = put_input(settings, user_id)
    assert submit(client, key, bucket="someone-elses").status_code == 400


def test_presigned_post_fields(client, auth, settings):
    user_id = auth.login()
    token = csrf_of(client)
    answer = client.post("/api/v1/uploads", json={"filename": "../My Sample\x00.vcf",
                                                  "size": 1000, "redirect": True},
                         headers={"X-CSRFToken": token})
    assert answer.status_code == 201, answer.data
    upload = answer.get_json()
    assert upload["key"] == f"{user_id}/{upload['job_id']}~My_Sample.vcf"
    fields = upload["fields"]
    assert fields["acl"] == "private"
    assert fields["x-amz-server-side-encryption"] == "AES256"
    assert fields["success_action_redirect"].endswith("/annotate/job")
    policy = json.loads(__import__("base64").b64decode(fields["policy"]))
    assert ["content-length-range", 1, settings.free_upload_limit_bytes] in policy["conditions"]
    # SigV4 (AWS is retiring SigV2 for S3): algorithm, credential and date are signed fields.
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256" and fields["x-amz-signature"]
    assert {"x-amz-credential": fields["x-amz-credential"]} in policy["conditions"]
    assert "signature" not in fields and "AWSAccessKeyId" not in fields


def test_presign_refuses_wrong_type_and_declared_oversize(client, auth, settings):
    auth.login()
    token = csrf_of(client)
    answer = client.post("/api/v1/uploads", json={"filename": "notes.txt"},
                         headers={"X-CSRFToken": token})
    assert answer.status_code == 400 and "VCF" in answer.get_json()["error"]
    answer = client.post("/api/v1/uploads", json={"filename": "a.vcf", "size": 10**9},
                         headers={"X-CSRFToken": token})
    assert answer.status_code == 413


@pytest.mark.parametrize(("n", "text"), [
    (1, "1 byte"), (500, "500 bytes"), (150 * 1024, "150 KB"), (1536 * 1024, "1.5 MB"),
    (1024**3, "1 GB"), (5 * 1024**4, "5120 GB")])
def test_sizes_read_as_people_write_them(n, text):
    from gas_web.uploads import human_size

    assert human_size(n) == text


def test_counts_agree_with_their_nouns():
    from gas_web.uploads import plural

    assert (plural(1, "minute"), plural(5, "minute"), plural(0, "minute")) == (
        "1 minute", "5 minutes", "0 minutes")
