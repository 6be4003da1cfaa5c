"""The upload path over real HTTP without a browser: S3 POST, redirect, job, API, premium."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from gas_common.jobstates import COMPLETED, FREE, PENDING, PREMIUM, RUNNING

from tests.harness import wait_for

pytestmark = pytest.mark.xdist_group("web-e2e")

VCF = ("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
       "chr1\t10300\t.\tA\tG\t50\tPASS\t.\n")


def signed_in(web: str, email: str = "api@example.org") -> tuple[requests.Session, str]:
    session = requests.Session()
    token = csrf(session, web + "/auth/login")
    answer = session.post(web + "/auth/local", data={
        "name": "Api User", "email": email, "csrf_token": token}, timeout=10)
    answer.raise_for_status()
    return session, csrf(session, web + "/")


def csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10).text
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def presign(session, web, token, **body):
    answer = session.post(web + "/api/v1/uploads", json=body,
                          headers={"X-CSRFToken": token}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_s3_redirects_the_browser_form_to_annotate_job(stack):
    """The emulator honours success_action_redirect: S3 answers 303 to /annotate/job."""
    web = stack.url("web")
    session, token = signed_in(web)
    upload = presign(session, web, token, filename="form.vcf", redirect=True)
    answer = requests.post(upload["url"], data=upload["fields"],
                           files={"file": ("form.vcf", VCF)}, allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    target = urlsplit(answer.headers["Location"])
    assert target.path == "/annotate/job"
    assert parse_qs(target.query)["key"] == [upload["key"]]
    # The browser follows it with its session: the job is created and shown.
    page = session.get(answer.headers["Location"], timeout=10)
    assert page.status_code == 200 and page.url.endswith(f"/annotations/{upload['job_id']}")
    job = stack.jobs.get(upload["job_id"])
    assert job["job_status"] in (PENDING, RUNNING, COMPLETED)


def test_api_upload_submit_and_results(stack):
    web = stack.url("web")
    session, token = signed_in(web)
    upload = presign(session, web, token, filename="api.vcf")
    answer = requests.post(upload["url"], data=upload["fields"],
                           files={"file": ("api.vcf", VCF)}, timeout=10)
    assert answer.status_code == 201
    created = session.post(web + "/api/v1/jobs", json={"key": upload["key"]},
                           headers={"X-CSRFToken": token}, timeout=10)
    assert created.status_code == 201
    job_url = f"{web}/api/v1/jobs/{upload['job_id']}"
    wait_for(lambda: session.get(job_url, timeout=10).json()["job_status"] == COMPLETED,
             timeout=60, what="job COMPLETED")
    assert "Total: 1" in session.get(job_url + "/log", timeout=10).json()["log"]
    url = session.get(job_url + "/download", timeout=10).json()["url"]
    assert requests.get(url, timeout=10).text.startswith("##fileformat=VCF")
    # Another user sees nothing of it.
    other, _ = signed_in(web, "someone-else@example.org")
    assert other.get(job_url, timeout=10).status_code == 404


def test_oversize_upload_through_s3_is_deleted(stack):
    web = stack.url("web")
    session, token = signed_in(web)
    upload = presign(session, web, token, filename="big.vcf")
    big = VCF + "#" * (stack.settings.free_upload_limit_bytes + 10)
    requests.post(upload["url"], data=upload["fields"], files={"file": ("big.vcf", big)},
                  timeout=30)  # the emulator does not enforce the policy's size range
    answer = session.post(web + "/api/v1/jobs", json={"key": upload["key"]},
                          headers={"X-CSRFToken": token}, timeout=10)
    assert answer.status_code == 413 and "deleted" in answer.json()["error"]
    listed = stack.client("s3").list_objects_v2(Bucket=stack.settings.inputs_bucket,
                                                Prefix=upload["key"])
    assert listed.get("KeyCount", 0) == 0


def test_upgrade_publishes_thaw_and_cancel_reschedules(stack):
    web = stack.url("web")
    session, token = signed_in(web)
    user_id = session.get(web + "/api/v1/me", timeout=10).json()["user_id"]
    page = session.post(web + "/subscribe", data={"csrf_token": token}, timeout=10)
    assert "premium user" in page.text
    assert stack.users.get(user_id)["role"] == PREMIUM
    session.post(web + "/subscribe/cancel", data={"csrf_token": token, "confirm": "yes"},
                 timeout=10)
    assert stack.users.get(user_id)["role"] == FREE
