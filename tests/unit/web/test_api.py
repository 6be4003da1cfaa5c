"""The JSON API: session or bearer auth, CSRF on session writes, ownership, OpenAPI."""

from __future__ import annotations

import re

import pytest
import responses
from gas_common.jobstates import ARCHIVED
from gas_common.stores import JobStore

from tests.unit.web.conftest import CRAFTED_CURSORS, completed_job, crafted, csrf_of, put_input
from tests.unit.web.test_globus import CLIENT_ID, IDENTITY, introspection


@pytest.fixture
def web_overrides():
    return {"globus_client_id": CLIENT_ID, "globus_client_secret": "globus-test-client-secret"}


@pytest.fixture
def globus_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


BEARER = {"Authorization": "Bearer a-globus-token"}


def test_every_api_route_is_in_the_openapi_document(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/jobs", "/api/v1/jobs/x",
                                  "/api/v1/jobs/x/log", "/api/v1/jobs/x/download"])
def test_signed_out_api_is_401_json(client, path):
    answer = client.get(path)
    assert answer.status_code == 401 and "error" in answer.get_json()


def test_session_api_reads_and_csrf_on_writes(client, auth, settings):
    user_id = auth.login()
    assert client.get("/api/v1/me").get_json()["user_id"] == user_id
    answer = client.post("/api/v1/uploads", json={"filename": "a.vcf"})
    assert answer.status_code == 400 and "form expired" in answer.get_json()["error"]
    answer = client.post("/api/v1/uploads", json={"filename": "a.vcf"},
                         headers={"X-CSRFToken": csrf_of(client)})
    assert answer.status_code == 201


def test_bearer_token_full_flow(client, settings, globus_http):
    introspection(globus_http)
    me = client.get("/api/v1/me", headers=BEARER)
    assert me.status_code == 200 and me.get_json()["user_id"] == IDENTITY
    # Writes with a bearer token need no CSRF token (no cookie is involved).
    upload = client.post("/api/v1/uploads", json={"filename": "x.vcf"}, headers=BEARER)
    assert upload.status_code == 201
    assert upload.get_json()["fields"]["success_action_status"] == "201"
    key = put_input(settings, IDENTITY)
    created = client.post("/api/v1/jobs", json={"key": key}, headers=BEARER)
    assert created.status_code == 201 and created.get_json()["job_status"] == "PENDING"
    listed = client.get("/api/v1/jobs", headers=BEARER).get_json()
    assert [j["job_id"] for j in listed["jobs"]] == [created.get_json()["job_id"]]
    assert "s3_key_input_file" not in listed["jobs"][0]  # internal fields stay inside
    # Introspection is cached briefly: one call to Globus for all of the above.
    assert sum(c.request.url.endswith("/introspect") for c in globus_http.calls) == 1


@pytest.mark.parametrize("kwargs", [{"active": False}, {"audience": ("another-app",)}])
def test_invalid_bearer_tokens_are_refused(client, globus_http, kwargs):
    introspection(globus_http, **kwargs)
    answer = client.get("/api/v1/me", headers=BEARER)
    assert answer.status_code == 401 and "not valid" in answer.get_json()["error"]


def test_api_job_routes_and_ownership(client, auth, settings):
    other = auth.login(email="other@example.org")
    theirs = completed_job(settings, other)
    auth.logout()
    user_id = auth.login()
    mine = completed_job(settings, user_id)
    got = client.get(f"/api/v1/jobs/{mine['job_id']}").get_json()
    assert got["results"] == "hot" and got["summary"]["total"] == 10
    assert "variants: 1" in client.get(f"/api/v1/jobs/{mine['job_id']}/log").get_json()["log"]
    url = client.get(f"/api/v1/jobs/{mine['job_id']}/download").get_json()["url"]
    assert mine["s3_key_result_file"].split("/")[-1] in url
    for suffix in ["", "/log", "/download"]:
        assert client.get(f"/api/v1/jobs/{theirs['job_id']}{suffix}").status_code == 404


def test_api_download_of_archived_results_is_409(client, auth, settings):
    user_id = auth.login()
    job = completed_job(settings, user_id, archive_status=ARCHIVED,
                        results_file_archive_id="a1")
    answer = client.get(f"/api/v1/jobs/{job['job_id']}/download")
    assert answer.status_code == 409 and "premium" in answer.get_json()["error"]


def test_api_submit_checks_like_the_pages(client, auth, settings):
    user_id = auth.login()
    token = {"X-CSRFToken": csrf_of(client)}
    other_key = f"someone/{'0' * 8}-0000-4000-8000-000000000000~a.vcf"
    answer = client.post("/api/v1/jobs", json={"key": other_key}, headers=token)
    assert answer.status_code == 403
    assert client.post("/api/v1/jobs", json={}, headers=token).status_code == 400
    assert client.post("/api/v1/jobs", data="nope", headers=token).status_code == 400
    assert JobStore(settings).list_for_user(user_id)[0] == []


def test_api_list_pagination(client, auth, settings):
    user_id = auth.login()
    for i in range(5):
        JobStore(settings).create({"job_id": f"j{i}", "user_id": user_id, "submit_time": i,
                                   "job_status": "PENDING", "input_file_name": "a.vcf"})
    first = client.get("/api/v1/jobs?limit=3").get_json()
    assert [j["job_id"] for j in first["jobs"]] == ["j4", "j3", "j2"]
    second = client.get(f"/api/v1/jobs?limit=3&cursor={first['next_cursor']}").get_json()
    assert [j["job_id"] for j in second["jobs"]] == ["j1", "j0"]
    assert client.get("/api/v1/jobs?limit=abc").status_code == 400


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_api_crafted_cursor_is_a_400(client, auth, cursor):
    auth.login()
    answer = client.get("/api/v1/jobs", query_string={"cursor": cursor})
    assert answer.status_code == 400
    assert "cursor" in answer.get_json()["error"]


def test_api_cursor_of_another_user_is_a_400(client, auth, settings):
    user_id = auth.login()
    JobStore(settings).create({"job_id": "j1", "user_id": user_id, "submit_time": 1,
                               "job_status": "PENDING", "input_file_name": "a.vcf"})
    other = crafted({"job_id": "j1", "user_id": "someone-else", "submit_time": 1})
    assert client.get(f"/api/v1/jobs?cursor={other}").status_code == 400
    own = crafted({"job_id": "j1", "user_id": user_id, "submit_time": 1})
    assert client.get(f"/api/v1/jobs?cursor={own}").status_code == 200


@pytest.mark.parametrize("limit", ["0", "-1", "101", "1e3", "abc", "٣", "9" * 40, " 5"])
def test_api_bad_page_size_is_a_400(client, auth, limit):
    auth.login()
    answer = client.get("/api/v1/jobs", query_string={"limit": limit})
    assert answer.status_code == 400
    assert "limit" in answer.get_json()["error"]
