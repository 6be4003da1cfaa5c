"""The `notified` map: one claim per event, takeover after the timeout, no clobbering."""

from __future__ import annotations

from gas_notifier import record

from tests.unit.notifier.fakes import make_job


def test_a_second_claim_of_the_same_event_is_refused(jobs):
    job = make_job(jobs)
    first = record.claim(jobs, job, "completed", None, 300)
    assert first is not None
    assert record.claim(jobs, job, "completed", None, 300) is None
    stored = jobs.get(job["job_id"])["notified"]["completed"]
    assert stored["state"] == record.SENDING and stored["token"] == first[1]


def test_a_sent_event_is_never_claimed_again_but_a_failed_one_is(jobs):
    job = make_job(jobs)
    _, token = record.claim(jobs, job, "completed", None, 0)
    assert record.finish(jobs, job, "completed", token, record.SENT)
    assert record.claim(jobs, job, "completed", None, 0) is None
    _, token = record.claim(jobs, job, "failed", None, 300)
    assert record.finish(jobs, job, "failed", token, record.GAVE_UP, error="x")
    assert record.claim(jobs, job, "failed", None, 300) is not None


def test_a_stale_claim_is_taken_over_and_the_old_holder_cannot_finish(jobs):
    job = make_job(jobs)
    _, old = record.claim(jobs, job, "completed", None, 300)
    assert record.claim(jobs, job, "completed", None, 300) is None
    taken = record.claim(jobs, job, "completed", None, 0)  # claim timeout passed
    assert taken is not None
    assert not record.finish(jobs, job, "completed", old, record.SENT)
    assert record.finish(jobs, job, "completed", taken[1], record.SENT)


def test_claims_of_different_events_do_not_clobber_each_other(jobs):
    stale_copy = make_job(jobs)
    assert record.claim(jobs, stale_copy, "completed", None, 300)
    # stale_copy has no `notified`: the swap must re-read rather than overwrite
    assert record.claim(jobs, stale_copy, "restored", 5, 300)
    notified = jobs.get(stale_copy["job_id"])["notified"]
    assert set(notified) == {"completed", "restored"}


def test_a_new_restore_is_a_new_occurrence(jobs):
    job = make_job(jobs)
    _, token = record.claim(jobs, job, "restored", 100, 300)
    record.finish(jobs, job, "restored", token, record.SENT)
    assert record.claim(jobs, job, "restored", 100, 300) is None
    assert record.claim(jobs, job, "restored", 200, 300) is not None


def test_stale_claims_lists_only_old_sending_entries():
    job = {"notified": {"completed": {"state": "sending", "at": 100},
                        "failed": {"state": "sending", "at": 990},
                        "restored": {"state": "sent", "at": 0}}}
    assert record.stale_claims(job, 300, at=1000) == ["completed"]
