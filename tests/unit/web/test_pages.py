"""Every page route: signed out, signed in, another user's job, CSRF."""

from __future__ import annotations

import re

import pytest
from gas_common.jobstates import ARCHIVED, FREE, PENDING, PREMIUM, RESTORING, RUNNING
from gas_common.stores import JobStore, UserStore

from tests.unit.web.conftest import CRAFTED_CURSORS, SUMMARY, Auth, completed_job, csrf_of

SIGNED_IN_PAGES = ["/profile", "/profile/edit", "/annotate", "/annotations", "/subscribe"]


def test_home_signed_out_offers_sign_in(client):
    page = client.get("/")
    assert page.status_code == 200
    assert b"Sign in to start" in page.data


@pytest.mark.parametrize("path", [*SIGNED_IN_PAGES, "/annotations/abc", "/annotate/job?key=x"])
def test_signed_out_pages_redirect_to_sign_in(client, path):
    page = client.get(path)
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_render(client, auth, path):
    auth.login()
    page = client.get(path)
    assert page.status_code == 200, page.data[:300]
    assert b"Ada Lovelace" in page.data


def test_first_local_sign_in_creates_free_user_and_asks_for_institution(client, settings):
    token = csrf_of(client, "/auth/login")
    answer = client.post("/auth/local", data={
        "name": "Grace Hopper", "email": "Grace@Example.org", "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/profile/edit")
    from gas_web.auth import local_user_id

    user = UserStore(settings).get(local_user_id("grace@example.org"))
    assert user["role"] == FREE and user["email"] == "grace@example.org"
    token = csrf_of(client)  # a new session on sign-in: a new CSRF token
    edit = client.post("/profile/edit", data={
        "name": "Grace Hopper", "institution": "Navy", "csrf_token": token})
    assert edit.status_code == 302
    user = UserStore(settings).get(user["user_id"])
    assert user["institution"] == "Navy" and user["notify_completed"] is False


def test_same_email_signs_in_as_same_user(client, auth):
    first = auth.login(email="x@example.org")
    auth.logout()
    assert auth.login(email="X@example.org") == first


def test_local_sign_in_rejects_bad_email(client, settings):
    token = csrf_of(client, "/auth/login")
    client.post("/auth/local", data={"name": "N", "email": "not-an-email", "csrf_token": token})
    assert client.get("/profile").status_code == 302


def test_logout_ends_the_session(client, auth):
    auth.login()
    auth.logout()
    assert client.get("/profile").status_code == 302


def test_an_old_cookie_is_refused_after_sign_out(client, auth):
    auth.login()
    copied = client.get_cookie("gas_session").value
    assert client.get("/api/v1/me").status_code == 200
    auth.logout()
    client.set_cookie("gas_session", copied)  # the copy an attacker kept
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/profile").status_code == 302


def test_sign_out_ends_the_session_on_every_device(app, client, auth):
    laptop = client
    phone = app.test_client()
    auth.login()
    Auth(phone, auth.settings).login()
    assert phone.get("/api/v1/me").status_code == 200
    auth.logout()  # on the laptop
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/profile").status_code == 302
    auth.login()  # signing in again starts a fresh, valid session
    assert laptop.get("/api/v1/me").status_code == 200


def test_profile_offers_sign_out_of_all_sessions_with_csrf(client, auth):
    auth.login()
    page = client.get("/profile").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/auth/logout">(.*?)</form>', page, re.S)
    assert form and "Sign out of all sessions" in form.group(1)
    assert re.search(r'name="csrf_token" value="[^"]+"', form.group(1))
    assert client.post("/auth/logout", data={}).status_code == 400  # no token: refused
    assert client.get("/profile").status_code == 200


@pytest.mark.parametrize("path,data", [
    ("/auth/local", {"name": "A", "email": "a@example.org"}),
    ("/auth/logout", {}),
    ("/profile/edit", {"name": "B"}),
    ("/subscribe", {}),
    ("/subscribe/cancel", {}),
])
def test_post_without_csrf_token_is_refused(client, auth, settings, path, data):
    user_id = auth.login()
    answer = client.post(path, data=data)
    assert answer.status_code == 400
    assert b"form expired" in answer.data
    assert UserStore(settings).get(user_id)["role"] == FREE


def test_profile_edit_saves_and_toggles_notifications(client, auth, settings):
    user_id = auth.login()
    token = csrf_of(client)
    client.post("/profile/edit", data={"name": "Ada K.", "institution": "UCL",
                                      "notify_completed": "on", "csrf_token": token})
    user = UserStore(settings).get(user_id)
    assert (user["name"], user["institution"], user["notify_completed"]) == ("Ada K.", "UCL", True)
    assert client.post("/profile/edit", data={"name": "", "csrf_token": token}).status_code == 400


def test_upgrade_sets_premium_and_cancel_reschedules(client, auth, settings, topic_queue):
    thaw_requests = topic_queue("thaw_requests_topic")
    user_id = auth.login()
    job = completed_job(settings, user_id)
    token = csrf_of(client)
    page = client.post("/subscribe", data={"csrf_token": token})
    assert page.status_code == 200 and b"premium user" in page.data
    assert UserStore(settings).get(user_id)["role"] == PREMIUM
    assert thaw_requests() == [{"type": "thaw.requested", "version": 1, "user_id": user_id}]
    assert b"Cancel premium" in client.get("/profile").data
    client.post("/subscribe/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert UserStore(settings).get(user_id)["role"] == FREE
    assert JobStore(settings).get(job["job_id"])["archive_status"] == "SCHEDULED"


def test_annotations_list_is_newest_first_and_paginated(client, auth, settings):
    user_id = auth.login()
    jobs = JobStore(settings)
    for i in range(25):
        jobs.create({"job_id": f"job-{i:02d}", "user_id": user_id, "submit_time": 1000 + i,
                     "input_file_name": f"file{i:02d}.vcf", "job_status": PENDING})
    first = client.get("/annotations").get_data(as_text=True)
    assert first.index("file24.vcf") < first.index("file23.vcf")
    assert "file04.vcf" not in first and 'rel="next"' in first
    import re

    cursor = re.search(r'cursor=([^"&]+)"', first).group(1)
    second = client.get(f"/annotations?cursor={cursor}").get_data(as_text=True)
    assert "file04.vcf" in second and "file24.vcf" not in second
    assert client.get("/annotations?cursor=garbage").status_code == 400


def test_annotations_empty_state(client, auth):
    auth.login()
    assert b"No annotations yet" in client.get("/annotations").data


def test_status_poll_reports_only_own_jobs(client, auth, settings):
    other = auth.login(email="other@example.org")
    auth.logout()
    mine_user = auth.login()
    jobs = JobStore(settings)
    jobs.create({"job_id": "mine", "user_id": mine_user, "submit_time": 1,
                 "job_status": RUNNING, "progress_variants": 500})
    jobs.create({"job_id": "theirs", "user_id": other, "submit_time": 1, "job_status": PENDING})
    data = client.get("/annotations/status?ids=mine,theirs").get_json()
    assert data["jobs"] == {"mine": {"job_status": RUNNING, "progress_variants": 500,
                                     "results": "none", "complete_time": None,
                                     "not_annotated": False, "restore_tier": None}}


def test_job_page_shows_results_charts_and_log(client, auth, settings):
    user_id = auth.login()
    job = completed_job(settings, user_id)
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert "Download annotated VCF" in page and 'id="chart-data"' in page
    assert 'id="chart-chromosome"' in page and "chart.umd.min.js" in page
    log = client.get(f"/annotations/{job['job_id']}/log")
    assert b"variants: 1" in log.data
    download = client.get(f"/annotations/{job['job_id']}/results")
    assert download.status_code == 302
    location = download.headers["Location"]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in location  # SigV4, never SigV2
    assert "X-Amz-Expires=300" in location and "AWSAccessKeyId=" not in location
    assert client.get(f"/annotations/{job['job_id']}/input").status_code == 302


def test_job_page_says_what_the_reference_cannot_give(client, auth, settings):
    user_id = auth.login()
    summary = {**SUMMARY, "ref_mismatches": 2,
               "reference": {"name": "grch38", "cannot_give": ["HGVS.c", "HGVS.p"]}}
    job = completed_job(settings, user_id, summary=summary)
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert "no genome sequence, so the results have no HGVS.c, HGVS.p" in page
    assert "2 variants have a REF that differs from the reference genome" in page
    plain = completed_job(settings, user_id)  # a bundle with a genome: no such line
    assert 'id="cannot-give"' not in client.get(
        f"/annotations/{plain['job_id']}").get_data(as_text=True)


@pytest.mark.parametrize("state,text", [
    (ARCHIVED, "upgrade to premium to download"), (RESTORING, "Restoring from cold storage")])
def test_job_page_archive_states(client, auth, settings, state, text):
    user_id = auth.login()
    job = completed_job(settings, user_id, archive_status=state, results_file_archive_id="a1")
    assert text in client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    answer = client.get(f"/annotations/{job['job_id']}/results")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(job["job_id"])


@pytest.mark.parametrize("suffix", ["", "/log", "/results", "/input"])
def test_another_users_job_is_not_found(client, auth, settings, suffix):
    other = auth.login(email="other@example.org")
    job = completed_job(settings, other)
    auth.logout()
    auth.login()
    answer = client.get(f"/annotations/{job['job_id']}{suffix}")
    assert answer.status_code == 404
    assert b"could not find" in answer.data and b"Traceback" not in answer.data


def test_errors_answer_json_when_asked(client):
    answer = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.get_json()["error"]


def test_security_headers_and_cookie_flags(client, auth):
    auth.login()
    page = client.get("/annotate")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html  # CSP-compatible pages
    cookie = client.get_cookie("gas_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_secret_key_never_in_a_page(client, auth, settings):
    auth.login()
    for path in ["/", "/profile", "/annotate", "/annotations", "/subscribe", "/auth/login"]:
        assert settings.secret_key.encode() not in client.get(path).data


def test_static_assets_served(client):
    for name in ["vendor/bootstrap.min.css", "vendor/chart.umd.min.js", "js/upload.js"]:
        assert client.get(f"/static/{name}").status_code == 200


def test_unexpected_errors_are_a_friendly_page_even_when_aws_is_down(app, client, auth,
                                                                     monkeypatch):
    auth.login()
    from gas_common import stores

    def broken(*args, **kwargs):
        raise RuntimeError("dynamodb unreachable")

    monkeypatch.setattr(stores.JobStore, "list_for_user", broken)
    monkeypatch.setattr(stores.UserStore, "get", broken)
    page = client.get("/annotations")
    assert page.status_code == 500
    assert b"Something went wrong on our side" in page.data and b"unreachable" not in page.data
    answer = client.get("/api/v1/jobs")
    assert answer.status_code == 500 and answer.get_json() == {
        "error": "Something went wrong on our side. Please try again in a moment.",
        "status": 500}


PUBLIC = {"/", "/auth/login", "/auth/callback", "/auth/globus", "/auth/local", "/auth/logout",
          "/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/api/docs",
          "/static/<path:filename>"}


def test_every_route_but_the_public_ones_needs_a_signed_in_user(app, client):
    """A guard for new routes: signed out, each one sends you to sign in (or 401 for the API)."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC:
            continue
        path = rule.rule.replace("<job_id>", "some-job").replace("<int:number>", "0")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            token = csrf_of(client)
            answer = client.open(path, method=method, data={"csrf_token": token},
                                 headers={"X-CSRFToken": token})
            if path.startswith("/api/"):
                assert answer.status_code == 401, (method, path)
            else:
                assert answer.status_code == 302, (method, path)
                assert answer.headers["Location"].startswith("/auth/login"), (method, path)
            checked += 1
    assert checked >= 20


def test_running_failed_and_pending_job_pages(client, auth, settings):
    user_id = auth.login()
    jobs = JobStore(settings)
    jobs.create({"job_id": "run", "user_id": user_id, "submit_time": 3, "job_status": RUNNING,
                 "input_file_name": "r.vcf", "progress_variants": 12345})
    jobs.create({"job_id": "pend", "user_id": user_id, "submit_time": 2, "job_status": PENDING,
                 "input_file_name": "p.vcf"})
    jobs.create({"job_id": "fail", "user_id": user_id, "submit_time": 1, "job_status": "FAILED",
                 "input_file_name": "f.vcf", "error": "line 5: POS is not a number",
                 "s3_key_log_file": f"{user_id}/fail~f.vcf.count.log",
                 "s3_results_bucket": settings.results_bucket})
    listing = client.get("/annotations").get_data(as_text=True)
    assert "12345 variants" in listing and "Running" in listing and "Failed" in listing
    running = client.get("/annotations/run").get_data(as_text=True)
    assert "this page updates by itself" in running and "Not ready yet" in running
    assert "View log" not in running
    failed = client.get("/annotations/fail").get_data(as_text=True)
    assert "line 5: POS is not a number" in failed and "the job failed" in failed
    assert b"There is no log yet" in client.get("/annotations/fail/log").data
    answer = client.get("/annotations/pend/results", follow_redirects=True)
    assert b"no results yet" in answer.data


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_annotations_list_crafted_cursor_is_a_400(client, auth, cursor):
    auth.login()
    assert client.get("/annotations", query_string={"cursor": cursor}).status_code == 400
