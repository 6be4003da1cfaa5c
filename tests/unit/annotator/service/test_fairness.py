"""Fair sharing of annotator slots between users: one user's queue does not starve another."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask
from gas_annotator import handlers
from gas_annotator.fairness import fair_order
from gas_annotator.runner import JobRunner
from gas_common.jobstates import COMPLETED, PENDING
from gas_common.service import EXTENSION
from gas_common.stores import JobStore

from tests.factories import settings_with
from tests.harness import wait_for

from . import targets
from .conftest import new_job
from .test_handlers import request_for
from .test_runner import VCF

pytestmark = pytest.mark.usefixtures("published")  # nothing is sent over SNS here


def job(user: str, t: int) -> dict:
    return {"job_id": f"{user}{t}", "user_id": user, "submit_time": t}


def ids(jobs) -> list[str]:
    return [j["job_id"] for j in jobs]


def test_the_user_running_fewest_goes_first_then_turns_alternate():
    pending = [job("a", t) for t in range(1, 6)] + [job("b", 10)]
    assert ids(fair_order(pending, Counter({"a": 2}))) == ["b10", "a1", "a2", "a3", "a4", "a5"]
    assert ids(fair_order(pending, Counter())) == ["a1", "b10", "a2", "a3", "a4", "a5"]


def test_among_equals_the_user_served_longest_ago_goes_first():
    pending = [job("a", 1), job("a", 2), job("b", 9)]
    assert ids(fair_order(pending, Counter(), served={"a": 100.0})) == ["b9", "a1", "a2"]
    assert ids(fair_order(pending, Counter(), served={"a": 1.0, "b": 2.0})) == \
        ["a1", "b9", "a2"]


def test_three_users_share_round_robin():
    pending = [job(u, t) for u in "abc" for t in range(1, 4)]
    assert ids(fair_order(pending, Counter()))[:6] == ["a1", "b1", "c1", "a2", "b2", "c2"]


@pytest.fixture
def gate(tmp_path, monkeypatch):
    """Jobs (targets.gated) hold their slots until the gate file is removed."""
    path = tmp_path / "gate"
    path.touch()
    monkeypatch.setenv("GAS_TEST_GATE", str(path))
    return path


@pytest.fixture
def app_with_runner(aws_mock, gate):
    """The job-requests handler over a real runner with `slots` slots; records claim order."""
    made = []

    def make(slots: int) -> tuple[JobRunner, list[str]]:
        settings = settings_with(aws_mock, annotator_workers=slots, job_drain_seconds=0.2)
        runner = JobRunner(settings, target=targets.gated)
        order: list[str] = []
        accept = runner.accept

        def recording(claim, source):
            order.append(claim.job["user_id"])
            return accept(claim, source)

        runner.accept = recording  # type: ignore[method-assign]
        runner.start()
        app = Flask("t")
        app.extensions[EXTENSION] = runner
        made.append((app.app_context(), runner))
        made[-1][0].push()
        return runner, order

    yield make
    for context, runner in made:
        runner.stop()
        context.pop()


def submit(settings, user: str) -> str:
    item = new_job(settings, VCF, user_id=user)
    handlers.on_job_requested(request_for(item))
    return item["job_id"]


@pytest.mark.parametrize("slots, position", [(1, 1), (2, 2)])
def test_a_second_user_s_one_job_does_not_wait_behind_the_first_user_s_queue(
        aws_mock, app_with_runner, gate, slots, position):
    runner, order = app_with_runner(slots)
    store = JobStore(runner.settings)
    first_user = [submit(aws_mock, "alice") for _ in range(8)]
    second = submit(aws_mock, "bob")
    assert store.get(second)["job_status"] == PENDING  # every slot is busy: it waits
    assert order == ["alice"] * slots
    gate.unlink()  # alice's running jobs finish; the freed slots are handed out
    wait_for(lambda: store.get(second)["job_status"] == COMPLETED, timeout=60,
             what="bob's job to complete")
    # bob's job takes the first slot that frees, ahead of alice's six or seven waiting.
    assert order.index("bob") == position, order
    assert sum(store.get(j)["job_status"] == PENDING for j in first_user) > 0
