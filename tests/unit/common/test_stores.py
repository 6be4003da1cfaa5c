"""Job and user stores: conditional transitions, ownership, newest-first pages."""

from __future__ import annotations

import pytest
from gas_common.jobstates import COMPLETED, FREE, PENDING, PREMIUM, RUNNING
from gas_common.stores import JobStore, TransitionRefused, UserStore


def job(job_id: str, user_id: str = "u1", submit_time: int = 1) -> dict:
    return {"job_id": job_id, "user_id": user_id, "input_file_name": "a.vcf",
            "s3_inputs_bucket": "gas-inputs", "s3_key_input_file": f"{user_id}/{job_id}~a.vcf",
            "submit_time": submit_time, "job_status": PENDING}


def test_transition_from_the_right_state_applies(aws_mock):
    jobs = JobStore(aws_mock)
    jobs.create(job("j1"))
    item = jobs.transition("j1", PENDING, RUNNING, lease_until=99)
    assert item["job_status"] == RUNNING and item["lease_until"] == 99
    assert jobs.get("j1")["job_status"] == RUNNING


def test_transition_from_the_wrong_state_is_refused_and_not_applied(aws_mock):
    jobs = JobStore(aws_mock)
    jobs.create(job("j1"))
    jobs.transition("j1", PENDING, RUNNING)
    with pytest.raises(TransitionRefused):
        jobs.transition("j1", PENDING, RUNNING, worker="second")
    assert "worker" not in jobs.get("j1")


def test_transition_of_a_missing_job_is_refused(aws_mock):
    with pytest.raises(TransitionRefused):
        JobStore(aws_mock).transition("nope", PENDING, RUNNING)
    assert JobStore(aws_mock).get("nope") is None


def test_create_never_overwrites(aws_mock):
    jobs = JobStore(aws_mock)
    jobs.create(job("j1"))
    jobs.transition("j1", PENDING, COMPLETED)
    with pytest.raises(TransitionRefused):
        jobs.create(job("j1"))
    assert jobs.get("j1")["job_status"] == COMPLETED


def test_expect_absent_and_remove(aws_mock):
    jobs = JobStore(aws_mock)
    jobs.create(job("j1"))
    jobs.update("j1", set={"archive_id": "a"}, expect={"archive_id": JobStore.ABSENT})
    with pytest.raises(TransitionRefused):
        jobs.update("j1", set={"archive_id": "b"}, expect={"archive_id": JobStore.ABSENT})
    jobs.update("j1", remove=["archive_id"])
    assert "archive_id" not in jobs.get("j1")


def test_ownership(aws_mock):
    jobs = JobStore(aws_mock)
    jobs.create(job("j1", user_id="alice"))
    assert jobs.get_owned("j1", "alice")["job_id"] == "j1"
    assert jobs.get_owned("j1", "mallory") is None


def test_pages_are_newest_first_and_complete(aws_mock):
    jobs = JobStore(aws_mock)
    for i in range(7):
        jobs.create(job(f"j{i}", submit_time=100 + i))
    jobs.create(job("other", user_id="u2", submit_time=500))
    seen, cursor = [], None
    while True:
        page, cursor = jobs.list_for_user("u1", limit=3, cursor=cursor)
        seen += [j["job_id"] for j in page]
        if not cursor:
            break
    assert seen == [f"j{i}" for i in range(6, -1, -1)]
    assert [j["job_id"] for j in jobs.all_for_user("u1")] == seen


def test_a_forged_cursor_is_refused(aws_mock):
    with pytest.raises(ValueError):
        JobStore(aws_mock).list_for_user("u1", cursor="bm90LWpzb24=")


def test_users_start_free_and_roles_change_once(aws_mock):
    users = UserStore(aws_mock)
    created = users.create("u1", "Ada", "ada@example.org", "Uni")
    assert created["role"] == FREE
    assert users.create("u1", "Other", "x@example.org")["name"] == "Ada"
    users.set_role("u1", PREMIUM)
    with pytest.raises(TransitionRefused):
        users.set_role("u1", PREMIUM)
    assert users.role("u1") == PREMIUM
