"""What the live pages poll and show: new jobs on the list, a restore in progress with its
tier and wait, the navbar after an upgrade, and cancelling premium only once confirmed."""

from __future__ import annotations

import re

import pytest
from gas_common.jobstates import ARCHIVED, FREE, PENDING, PREMIUM, RESTORING
from gas_common.stores import JobStore, UserStore

from tests.unit.web.conftest import completed_job, csrf_of


def make_jobs(settings, user_id, *ids_and_times):
    for job_id, at in ids_and_times:
        JobStore(settings).create({"job_id": job_id, "user_id": user_id, "submit_time": at,
                                   "input_file_name": f"{job_id}.vcf", "job_status": PENDING})


def test_the_status_poll_counts_jobs_newer_than_the_top_of_the_list(client, auth, settings):
    user_id = auth.login()
    make_jobs(settings, user_id, ("old", 100), ("top", 200))
    assert client.get("/annotations/status?newest=top").get_json()["new_jobs"] == 0
    make_jobs(settings, user_id, ("elsewhere-1", 300), ("elsewhere-2", 301))
    answer = client.get("/annotations/status?newest=top").get_json()
    assert answer["new_jobs"] == 2 and answer["jobs"] == {}
    # An empty list (no newest) or a newest that was deleted: every job is news.
    assert client.get("/annotations/status?newest=").get_json()["new_jobs"] == 4
    assert client.get("/annotations/status?newest=gone").get_json()["new_jobs"] == 4
    assert "new_jobs" not in client.get("/annotations/status?ids=top").get_json()


def test_the_status_poll_counts_only_the_users_own_new_jobs(client, auth, settings):
    other = auth.login(email="other@example.org")
    auth.logout()
    user_id = auth.login()
    make_jobs(settings, user_id, ("mine", 100))
    make_jobs(settings, other, ("theirs", 500))
    assert client.get("/annotations/status?newest=mine").get_json()["new_jobs"] == 0


def test_the_first_page_of_the_list_watches_for_new_jobs(client, auth, settings):
    user_id = auth.login()
    page = client.get("/annotations").get_data(as_text=True)
    assert re.search(r'id="jobs-live"[^>]*data-newest=""[^>]*data-watch-new="1"', page)
    make_jobs(settings, user_id, *((f"j{i:02d}", 100 + i) for i in range(25)))
    first = client.get("/annotations").get_data(as_text=True)
    assert re.search(r'id="jobs-live"[^>]*data-newest="j24"', first)
    cursor = re.search(r'cursor=([^"&]+)"', first).group(1)
    older = client.get(f"/annotations?cursor={cursor}").get_data(as_text=True)
    assert 'id="jobs-live"' in older and 'data-watch-new' not in older


@pytest.mark.parametrize("backend, storage_class, tier, wait", [
    ("s3-glacier", "GLACIER", "Expedited", "typically 1 to 5 minutes"),
    ("s3-glacier", "GLACIER", "Standard", "typically 3 to 5 hours"),
    ("s3-glacier", "DEEP_ARCHIVE", "Standard", "typically up to 12 hours"),
    ("glacier-vault", "DEEP_ARCHIVE", "Standard", "typically 3 to 5 hours"),
])
def test_a_restore_shows_its_tier_and_typical_wait(client, auth, settings, backend,
                                                  storage_class, tier, wait, app):
    app.extensions["gas"].settings = settings.model_copy(
        update={"cold_storage_class": storage_class})
    job = completed_job(settings, auth.login(), archive_status=RESTORING, restore_tier=tier,
                        results_file_archive_id="cold-1", archive_backend=backend)
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert 'data-results="restoring"' in page
    shown = re.search(r'id="restore-tier">([^<]*)<', page).group(1)
    assert shown == f"{tier} retrieval: {wait}."
    assert f"restoring ({tier})" in client.get("/annotations").get_data(as_text=True)
    polled = client.get(f"/annotations/status?ids={job['job_id']}").get_json()
    assert polled["jobs"][job["job_id"]]["results"] == "restoring"
    assert polled["jobs"][job["job_id"]]["restore_tier"] == tier
    api = client.get(f"/api/v1/jobs/{job['job_id']}").get_json()
    assert (api["restore_tier"], api["restore_wait"]) == (tier, wait.removeprefix("typically "))


def test_a_restore_not_yet_started_says_so(client, auth, settings):
    job = completed_job(settings, auth.login(), archive_status=RESTORING,
                        results_file_archive_id="cold-1")
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert re.search(r'id="restore-tier">Starting the retrieval.<', page)


def test_the_poll_sees_a_restore_finish(client, auth, settings):
    job = completed_job(settings, auth.login(), archive_status=RESTORING,
                        results_file_archive_id="cold-1", restore_tier="Expedited")
    url = f"/annotations/status?ids={job['job_id']}"
    assert client.get(url).get_json()["jobs"][job["job_id"]]["results"] == "restoring"
    JobStore(settings).update(job["job_id"], remove=["archive_status",
                                                     "results_file_archive_id"])
    after = client.get(url).get_json()["jobs"][job["job_id"]]
    assert after["results"] == "hot" and after["restore_tier"] is None


def test_an_archived_job_shows_no_tier(client, auth, settings):
    job = completed_job(settings, auth.login(), archive_status=ARCHIVED,
                        results_file_archive_id="cold-1", restore_tier="Expedited")
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert 'id="restore-tier"' not in page and 'data-results="archived"' in page


def navbar(html: str) -> str:
    return html.split('<main', 1)[0]


def test_the_navbar_stops_saying_go_premium_right_after_the_upgrade(client, auth, settings):
    auth.login()
    assert "Go premium" in navbar(client.get("/profile").get_data(as_text=True))
    page = client.post("/subscribe", data={"csrf_token": csrf_of(client)})
    assert page.status_code == 200
    bar = navbar(page.get_data(as_text=True))
    assert "Go premium" not in bar and ">Premium</span>" in bar


def test_cancelling_premium_explains_what_happens_and_needs_confirmation(client, auth,
                                                                        settings):
    user_id = auth.login()
    UserStore(settings).set_role(user_id, PREMIUM)
    job = completed_job(settings, user_id)
    page = client.get("/profile").get_data(as_text=True)
    dialog = re.search(r'id="confirm-cancel".*?</form>', page, re.S).group(0)
    assert "move to cold storage in 5 minutes" in dialog
    assert "Uploads are limited to" in dialog
    assert re.search(r'name="csrf_token" value="[^"]+"', dialog)
    assert 'name="confirm" value="yes"' in dialog
    token = csrf_of(client)
    # Without the dialog's confirmation nothing changes.
    answer = client.post("/subscribe/cancel", data={"csrf_token": token})
    assert answer.status_code == 302
    assert UserStore(settings).get(user_id)["role"] == PREMIUM
    assert "archive_status" not in JobStore(settings).get(job["job_id"])
    # Without the CSRF token neither.
    assert client.post("/subscribe/cancel", data={"confirm": "yes"}).status_code == 400
    assert UserStore(settings).get(user_id)["role"] == PREMIUM
    client.post("/subscribe/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert UserStore(settings).get(user_id)["role"] == FREE
    assert JobStore(settings).get(job["job_id"])["archive_status"] == "SCHEDULED"


def test_the_retention_reads_in_the_largest_whole_unit():
    from gas_web.profile import retention_text

    class S:  # only the one field is read
        def __init__(self, seconds):
            self.free_retention_seconds = seconds

    assert [retention_text(S(n)) for n in (300, 60, 7200, 86400 * 3, 5400, 10)] == [
        "5 minutes", "1 minute", "2 hours", "3 days", "90 minutes", "1 minute"]
