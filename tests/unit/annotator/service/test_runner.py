"""The job runner with stand-in engine processes: outcomes, deaths, limits and shutdown."""

from __future__ import annotations

import time

import pytest
from gas_annotator import claims
from gas_annotator.runner import JobRunner
from gas_common import aws
from gas_common.jobstates import COMPLETED, FAILED, PENDING, RUNNING
from gas_common.stores import JobStore

from tests.factories import settings_with
from tests.harness import wait_for

from . import targets
from .conftest import new_job

VCF = (b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
       b"1\t5\t.\tA\tG\t.\t.\t.\n")


def run_one(settings, target, body=VCF, **job_fields):
    """Claim a new job and queue it on a fresh runner; return (the job as written, runner)."""
    if "job_drain_seconds" not in settings.model_fields_set:
        settings = settings_with(settings, job_drain_seconds=0.2)  # stop() without waiting
    runner = JobRunner(settings, target=target).start()
    job = new_job(settings, body, **job_fields)
    store = JobStore(settings)
    runner.accept(claims.claim_pending(store, job["job_id"], 60), "test")
    return job, runner


def run_to_end(settings, target, body=VCF, timeout=30, **job_fields):
    """Run one new job on a fresh runner until it finishes; return (job as written, as done)."""
    job, runner = run_one(settings, target, body, **job_fields)
    try:
        return job, finished(settings, job["job_id"], timeout)
    finally:
        runner.stop()


def finished(settings, job_id, timeout=30):
    def done():
        item = JobStore(settings).get(job_id)
        return item if item["job_status"] in (COMPLETED, FAILED) else None
    return wait_for(done, timeout=timeout, what="the job to finish")


@pytest.fixture(autouse=True)
def _no_subscribers(published) -> None:
    """No HTTP subscribers exist in-process: every test keeps what would be published."""


def test_a_successful_job_uploads_its_outputs_and_completes(aws_mock, published):
    job, done = run_to_end(aws_mock, targets.succeed)
    assert done["job_status"] == COMPLETED
    stem = f"u-1/{job['job_id']}~in"
    assert (done["s3_key_result_file"], done["s3_key_log_file"], done["s3_key_summary_file"]) \
        == (f"{stem}.annot.vcf", f"{stem}.vcf.count.log", f"{stem}.summary.json")
    assert (done["s3_key_variants_file"], done["s3_key_genes_file"]) \
        == (f"{stem}.variants.parquet", f"{stem}.genes.parquet")
    s3 = aws.client("s3", aws_mock)
    table = s3.get_object(Bucket=aws_mock.results_bucket, Key=done["s3_key_variants_file"])
    assert table["Body"].read(4) == b"PAR1" and table["ServerSideEncryption"] == "AES256"
    body = s3.get_object(Bucket=aws_mock.results_bucket, Key=done["s3_key_result_file"])
    assert body["Body"].read() == VCF
    assert body["ServerSideEncryption"] == "AES256"
    assert done["summary"]["total"] == 3 and done["progress_variants"] == 3
    [message] = published
    assert message.type == "job.completed" and message.job_id == job["job_id"]
    assert message.s3_key_summary_file == done["s3_key_summary_file"]


def test_a_killed_engine_process_fails_the_job_and_the_service_lives_on(aws_mock, published):
    job, runner = run_one(aws_mock, targets.die)
    try:
        done = finished(aws_mock, job["job_id"])
        # the same runner still takes and finishes work
        runner.target = targets.succeed
        again = new_job(aws_mock, VCF)
        runner.accept(claims.claim_pending(runner.store, again["job_id"], 60), "test")
        assert finished(aws_mock, again["job_id"])["job_status"] == COMPLETED
    finally:
        runner.stop()
    assert done["job_status"] == FAILED
    assert done["error"] == "the annotation process was killed (SIGKILL), most likely out of memory"
    assert [m.type for m in published] == ["job.failed", "job.completed"]
    assert published[0].reason == done["error"]


def test_bad_input_fails_with_the_engine_reason_and_uploads_the_log(aws_mock):
    job, done = run_to_end(aws_mock, targets.bad_input)
    assert done["job_status"] == FAILED and done["error"].startswith("line 3: POS")
    log = aws.client("s3", aws_mock).get_object(Bucket=aws_mock.results_bucket,
                                                 Key=done["s3_key_log_file"])
    assert b"ERROR: line 3" in log["Body"].read()


def test_wall_time_limit_stops_the_job(aws_mock):
    settings = settings_with(aws_mock, job_timeout_seconds=1)
    job, done = run_to_end(settings, targets.hang)
    assert done["job_status"] == FAILED
    assert done["error"] == "the job ran longer than its 1 s limit and was stopped"


def test_an_input_over_the_size_limit_is_refused_before_annotating(aws_mock):
    settings = settings_with(aws_mock, max_input_bytes=10)
    job, done = run_to_end(settings, targets.succeed)
    assert done["job_status"] == FAILED and "over the" in done["error"]
    assert "limit of one job" in done["error"] and "s3_key_log_file" not in done


def test_an_input_key_of_another_user_is_refused(aws_mock):
    job, done = run_to_end(aws_mock, targets.succeed, s3_key_input_file="u-2/x~in.vcf")
    assert done["job_status"] == FAILED and "does not belong" in done["error"]


def test_an_incomplete_job_record_fails_at_once(aws_mock, published):
    job, done = run_to_end(aws_mock, targets.succeed, input_file_name="")
    assert done["job_status"] == FAILED
    assert done["error"] == "the job record is incomplete (no input_file_name)"
    assert [m.type for m in published] == ["job.failed"]


def test_progress_is_recorded_and_the_lease_renewed_while_running(aws_mock):
    settings = settings_with(aws_mock, job_progress_seconds=0.2, job_lease_seconds=30)
    job, runner = run_one(settings, targets.hang)
    try:
        item = wait_for(lambda: (j := JobStore(settings).get(job["job_id"]))
                        and j.get("progress_variants") == 42 and j, what="progress")
        assert item["job_status"] == RUNNING
        first_lease = item["lease_until"]
        wait_for(lambda: JobStore(settings).get(job["job_id"])["lease_until"] >= first_lease + 1,
                 timeout=10, what="the lease to be renewed")
    finally:
        runner.stop()


def test_stop_releases_running_and_queued_jobs(aws_mock):
    settings = settings_with(aws_mock, annotator_workers=1, job_drain_seconds=0.5)
    running, runner = run_one(settings, targets.hang)
    queued = new_job(settings, VCF)
    runner.accept(claims.claim_pending(runner.store, queued["job_id"], 60), "test")
    wait_for(lambda: JobStore(settings).get(running["job_id"]).get("progress_variants") == 42
             or None, what="the first job to run")
    assert runner.free_slots() == -1  # one running, one queued, one slot

    started = time.monotonic()
    runner.stop()
    assert time.monotonic() - started < 10
    for job in (running, queued):
        item = JobStore(settings).get(job["job_id"])
        assert item["job_status"] == PENDING and item["attempts"] == 0
        assert "worker" not in item
    late = new_job(settings, VCF)
    assert not runner.accept(claims.claim_pending(runner.store, late["job_id"], 60), "test")
    assert JobStore(settings).get(late["job_id"])["job_status"] == PENDING


def test_a_lost_claim_writes_nothing(aws_mock, published):
    settings = settings_with(aws_mock, job_progress_seconds=0.2)
    job, runner = run_one(settings, targets.hang)
    try:
        wait_for(lambda: JobStore(settings).get(job["job_id"]).get("progress_variants") == 42
                 or None, what="the job to run")

        def expire_and_take_over():  # the runner's 0.2 s heartbeat may renew the lease first
            seen = JobStore(settings).get(job["job_id"])
            JobStore(settings).update(job["job_id"], set={"lease_until": 0},
                                      expect={"worker": seen["worker"]})
            return claims.take_over(runner.store, JobStore(settings).get(job["job_id"]), 60)

        other = wait_for(expire_and_take_over, what="another worker to take the job over")
        wait_for(lambda: runner.free_slots() == runner.size, what="the runner to let go")
    finally:
        runner.stop()
    item = JobStore(settings).get(job["job_id"])
    assert item["job_status"] == RUNNING and item["worker"] == other.token
    assert published == []




def test_the_sigterm_handler_takes_no_lock(aws_mock):
    """Two SIGTERMs arrive together (the server's and the process group's): a handler that
    waited for a lock the interrupted code holds would deadlock the process."""
    import signal
    import threading

    from gas_annotator import lifecycle

    settings = settings_with(aws_mock, annotator_workers=1, job_drain_seconds=0.5)
    running, runner = run_one(settings, targets.hang)
    wait_for(lambda: JobStore(settings).get(running["job_id"]).get("progress_variants") == 42
             or None, what="the job to run")
    server_calls: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: server_calls.append(signum))
    holding, release = threading.Event(), threading.Event()

    def hold_the_runner_lock():
        with runner._lock:
            holding.set()
            release.wait(3)

    try:
        lifecycle.stop_with_process(runner)
        threading.Thread(target=hold_the_runner_lock, daemon=True).start()
        holding.wait(5)
        started = time.monotonic()
        signal.raise_signal(signal.SIGTERM)  # the handler runs here, in this thread
        blocked_for = time.monotonic() - started
        release.set()
        assert blocked_for < 1, f"the SIGTERM handler waited {blocked_for:.1f} s for a lock"
        assert server_calls == [signal.SIGTERM]  # the server's own handler still runs
        wait_for(lambda: JobStore(settings).get(running["job_id"])["job_status"] == PENDING,
                 timeout=15, what="the held job to be released")
    finally:
        signal.signal(signal.SIGTERM, previous)
        runner.stop()
