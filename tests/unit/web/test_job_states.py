"""What the list and the job page say about a job that annotated nothing and about the
free plan's cold-storage deadline."""

from __future__ import annotations

import time

from gas_common.jobstates import SCHEDULED

from tests.unit.web.conftest import SUMMARY, completed_job


def test_a_job_that_annotated_nothing_is_not_a_green_completed(client, auth, settings):
    user_id = auth.login()
    job = completed_job(settings, user_id, summary={**SUMMARY, "total": 5, "annotated": 0})
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert 'id="not-annotated"' in page and "CrossMap" in page
    assert ">Not annotated</span>" in page and ">Completed</span>" not in page
    listing = client.get("/annotations").get_data(as_text=True)
    assert ">Not annotated</span>" in listing
    status = client.get(f"/annotations/status?ids={job['job_id']}").get_json()
    assert status["jobs"][job["job_id"]]["not_annotated"] is True
    assert client.get(f"/api/v1/jobs/{job['job_id']}").get_json()["not_annotated"] is True


def test_an_annotated_job_is_completed(client, auth, settings):
    job = completed_job(settings, auth.login(), summary={**SUMMARY, "annotated": 10})
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert ">Completed</span>" in page and 'id="not-annotated"' not in page


def test_free_users_see_when_results_go_cold(client, auth, settings):
    user_id = auth.login()
    due = int(time.time()) + 330
    job = completed_job(settings, user_id, archive_status=SCHEDULED, archive_due_at=due)
    page = client.get(f"/annotations/{job['job_id']}").get_data(as_text=True)
    assert 'id="cold-deadline"' in page and "in 5 minutes" in page
    assert time.strftime("%Y-%m-%d %H:%M", time.gmtime(due)) in page
    listing = client.get("/annotations").get_data(as_text=True)
    assert "cold storage in 5 minutes" in listing
    kept = completed_job(settings, user_id)  # not scheduled (premium, or not yet)
    assert 'id="cold-deadline"' not in client.get(
        f"/annotations/{kept['job_id']}").get_data(as_text=True)
