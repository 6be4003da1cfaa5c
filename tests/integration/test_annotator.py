"""The annotator over real HTTP: jobs published to the topic end COMPLETED or FAILED once."""

from __future__ import annotations

import io
import json
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pyarrow.parquet as pq
import pytest
from gas_common.jobstates import COMPLETED, FAILED, PENDING, RUNNING
from gas_common.messages import JobRequested

from tests.harness import holds_for, messages_in, wait_for

pytestmark = pytest.mark.xdist_group("annotator")

HEADER = ("##fileformat=VCFv4.2\n##contig=<ID=chr1>\n##contig=<ID=chr2>\n"
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
# chr1: ALPHA (+) exons 10001-10500, 12001-12800 (CDS 10201-10500, 12001-12400)
SMALL = HEADER + "".join([
    "chr1\t10300\t.\tA\tG\t50\tPASS\t.\n",       # coding
    "chr1\t11000\t.\tC\tT\t50\tPASS\t.\n",       # intron
    "chr1\t12600\t.\tG\tA\t50\tPASS\t.\n",       # 3' UTR
    "chr2\t100\t.\tT\tC\t50\tPASS\t.\n",         # intergenic
    "chrUn\t5\t.\tA\tC\t50\tPASS\t.\n",          # unknown contig: kept, not annotated
])


def many_variants(n: int) -> str:
    """A valid VCF of n SNVs over chr1, ~1 KB a line so the engine reports progress often."""
    pad = "PAD=" + "x" * 1000
    return HEADER + "".join(f"chr1\t{1000 + 7 * i}\t.\tA\tG\t50\tPASS\t{pad}\n"
                            for i in range(n))


class Feed:
    """Every message published to the job-results topic, as seen by a subscriber of our own."""

    def __init__(self, envelopes: list[dict[str, Any]]) -> None:
        self.envelopes = envelopes

    @property
    def messages(self) -> list[dict[str, Any]]:
        return messages_in(self.envelopes)

    def of(self, job_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.messages
                if m.get("job_id") == job_id and (kind is None or m.get("type") == kind)]


@pytest.fixture
def feed(stack) -> Iterator[Feed]:
    """Subscribe a local HTTP server to the results topic for the test's duration."""
    with stack.capture("job_results_topic") as envelopes:
        yield Feed(envelopes)


def submit(stack, body: str | bytes, name: str = "sample.vcf", publish: bool = True
           ) -> dict[str, Any]:
    """Upload an input, write the PENDING job item and publish job.requested, as web does."""
    user, job_id = "user-ann", uuid.uuid4().hex
    key = f"{stack.settings.key_prefix}{user}/{job_id}~{name}"
    stack.client("s3").put_object(Bucket=stack.settings.inputs_bucket, Key=key,
                                  Body=body.encode() if isinstance(body, str) else body)
    fields = {"job_id": job_id, "user_id": user, "input_file_name": name,
              "s3_inputs_bucket": stack.settings.inputs_bucket, "s3_key_input_file": key,
              "submit_time": int(time.time())}
    stack.jobs.create({**fields, "job_status": PENDING})
    if publish:
        stack.publish(JobRequested(**fields), "job_requests_topic")
    return fields


def final(stack, job_id: str, timeout: float = 60) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        job = stack.jobs.get(job_id)
        return job if job and job["job_status"] in (COMPLETED, FAILED) else None
    return wait_for(done, timeout=timeout, what=f"job {job_id} to finish")


def result_text(stack, key: str) -> str:
    obj = stack.client("s3").get_object(Bucket=stack.settings.results_bucket, Key=key)
    return obj["Body"].read().decode()


def result_keys(stack, job_id: str) -> list[str]:
    listing = stack.client("s3").list_objects_v2(Bucket=stack.settings.results_bucket)
    return sorted(o["Key"] for o in listing.get("Contents", []) if job_id in o["Key"])


# --- fast jobs (the session's default annotator) ----------------------------------------


def test_a_published_job_completes_with_its_outputs_and_one_message(stack, feed):
    job = submit(stack, SMALL, name="my sample.vcf")
    done = final(stack, job["job_id"])

    assert done["job_status"] == COMPLETED, done.get("error")
    stem = f"user-ann/{job['job_id']}~my_sample"
    assert done["s3_key_result_file"] == f"{stem}.annot.vcf"
    assert done["s3_key_log_file"] == f"{stem}.vcf.count.log"
    assert done["s3_key_summary_file"] == f"{stem}.summary.json"
    assert done["s3_key_variants_file"] == f"{stem}.variants.parquet"
    assert done["s3_key_genes_file"] == f"{stem}.genes.parquet"
    assert result_keys(stack, job["job_id"]) == sorted(
        [f"{stem}.annot.vcf", f"{stem}.summary.json", f"{stem}.vcf.count.log",
         f"{stem}.variants.parquet", f"{stem}.genes.parquet"])
    table = pq.read_table(io.BytesIO(stack.client("s3").get_object(
        Bucket=stack.settings.results_bucket, Key=done["s3_key_variants_file"])["Body"].read()))
    rows = table.to_pylist()
    assert [r["pos"] for r in rows if r["gene"] == "ALPHA"] == [10300, 11000, 12600]
    assert {r["variant"] for r in rows} == {0, 1, 2, 3, 4}  # every record has a row
    assert done["complete_time"] >= job["submit_time"] and done["attempts"] == 1
    assert "lease_until" not in done

    annotated = [line for line in result_text(stack, done["s3_key_result_file"]).splitlines()
                 if not line.startswith("#")]
    assert [line.split("\t")[1] for line in annotated] == ["10300", "11000", "12600", "100", "5"]
    assert "coding_sequence_variant|" in annotated[0] and "|ALPHA|" in annotated[0]
    assert "intron_variant" in annotated[1] and "3_prime_UTR_variant" in annotated[2]
    assert "ANN=" not in annotated[4]
    assert "Total: 5" in result_text(stack, done["s3_key_log_file"])
    summary = json.loads(result_text(stack, done["s3_key_summary_file"]))
    assert summary["total"] == 5
    assert done["summary"]["total"] == 5 and done["summary"]["by_class"] == {"SNV": 5}
    assert done["summary"]["by_region"]["coding_sequence_variant"] == 1

    wait_for(lambda: feed.of(job["job_id"]), what="job.completed")
    holds_for(lambda: len(feed.of(job["job_id"])) == 1, seconds=0.5, what="one message")
    [message] = feed.of(job["job_id"])
    assert message["type"] == "job.completed" and message["user_id"] == "user-ann"
    assert message["s3_key_result_file"] == done["s3_key_result_file"]
    assert message["s3_key_summary_file"] == done["s3_key_summary_file"]
    assert message["complete_time"] == done["complete_time"]


@pytest.mark.parametrize("body, says", [
    ("this is not a VCF file\nat all\n", "VCF"),
    (HEADER + "chr1\tten\t.\tA\tG\t50\tPASS\t.\n", "line 5"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip"),
], ids=["not-a-vcf", "non-integer-pos", "truncated-gzip"])
def test_a_bad_input_fails_with_a_readable_reason_and_its_log(stack, feed, body, says):
    job = submit(stack, body)
    done = final(stack, job["job_id"])

    assert done["job_status"] == FAILED
    assert says in done["error"] and "\n" not in done["error"]
    assert "Traceback" not in done["error"]
    assert "ERROR:" in result_text(stack, done["s3_key_log_file"])
    assert "s3_key_result_file" not in done
    wait_for(lambda: feed.of(job["job_id"]), what="job.failed")
    [message] = feed.of(job["job_id"])
    assert message["type"] == "job.failed" and message["reason"] == done["error"]


def test_a_missing_input_fails_without_a_log(stack, feed):
    job = submit(stack, SMALL, publish=False)
    stack.client("s3").delete_object(Bucket=job["s3_inputs_bucket"], Key=job["s3_key_input_file"])
    stack.publish(JobRequested(**job), "job_requests_topic")
    done = final(stack, job["job_id"])
    assert done["job_status"] == FAILED and "upload it again" in done["error"]
    wait_for(lambda: feed.of(job["job_id"], "job.failed"), what="job.failed")


def test_a_duplicate_delivery_does_not_run_the_job_twice(stack, feed):
    job = submit(stack, SMALL)
    stack.publish(JobRequested(**job), "job_requests_topic")  # SNS delivers at least once
    done = final(stack, job["job_id"])
    stack.publish(JobRequested(**job), "job_requests_topic")  # and late
    # delivery is inside Publish and the endpoint claims before answering: both are refused
    wait_for(lambda: stack.metric("annotator", "gas_annotator_claims_total",
                                  source="message", outcome="refused") >= 2,
             what="both duplicates refused")
    wait_for(lambda: feed.of(job["job_id"]), what="job.completed")

    assert done["job_status"] == COMPLETED and done["attempts"] == 1
    mine = ("job_status", "attempts", "worker", "complete_time", "s3_key_result_file")
    after = stack.jobs.get(job["job_id"])
    assert {k: after.get(k) for k in mine} == {k: done.get(k) for k in mine}
    holds_for(lambda: len(feed.of(job["job_id"])) == 1, seconds=1, what="one message")


def test_a_request_for_another_users_job_is_ignored(stack, feed):
    job = submit(stack, SMALL, publish=False)
    stack.publish(JobRequested(**{**job, "user_id": "someone-else"}), "job_requests_topic")
    wait_for(lambda: stack.metric("annotator", "gas_annotator_claims_total",
                                  source="message", outcome="unknown") >= 1,
             what="the request to be refused")
    assert stack.jobs.get(job["job_id"])["job_status"] == PENDING


# --- slow jobs: a throttled annotator with short leases ----------------------------------

SLOW = {"annotator_throttle_seconds": "0.4", "job_lease_seconds": "3",
        "job_progress_seconds": "0.5", "reconcile_interval_seconds": "1",
        "job_pending_grace_seconds": "1", "job_drain_seconds": "1"}


@pytest.fixture(scope="module")
def slow_annotator(gas_stack) -> Iterator[None]:
    """Restart the annotator throttled (0.4 s per 1,000 variants) with 3 s leases."""
    env = gas_stack.stack.env
    saved = {f"GAS_{k.upper()}": env.get(f"GAS_{k.upper()}") for k in SLOW}
    gas_stack.restart("annotator", **SLOW)
    yield
    for key, value in saved.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    gas_stack.restart("annotator")


def running_with_progress(stack, job_id: str) -> dict[str, Any] | None:
    job = stack.jobs.get(job_id)
    ok = job and job["job_status"] == RUNNING and job.get("progress_variants", 0) >= 1000
    return job if ok else None


def test_kill_9_mid_job_then_restart_completes_the_job_exactly_once(slow_annotator, stack,
                                                                   feed):
    job = submit(stack, many_variants(6000))
    first = wait_for(lambda: running_with_progress(stack, job["job_id"]), timeout=30,
                     what="the job to be running and report progress")
    assert first["attempts"] == 1 and first["lease_until"] > time.time()

    stack.restart("annotator", signal.SIGKILL)
    done = final(stack, job["job_id"], timeout=60)

    assert done["job_status"] == COMPLETED, done.get("error")
    assert done["attempts"] == 2 and done["worker"] != first["worker"]
    assert done["summary"]["total"] == 6000 and done["progress_variants"] == 6000
    records = [line for line in result_text(stack, done["s3_key_result_file"]).splitlines()
               if not line.startswith("#")]
    assert len(records) == 6000
    assert len(result_keys(stack, job["job_id"])) == 5  # VCF, log, summary, two tables
    wait_for(lambda: feed.of(job["job_id"]), what="job.completed")
    holds_for(lambda: [m["type"] for m in feed.of(job["job_id"])] == ["job.completed"],
              seconds=1, what="exactly one job.completed")


def test_sigterm_mid_job_hands_the_job_back_and_it_completes_once(slow_annotator, stack, feed):
    # ~12 s of throttled work: far more than the 1 s drain, however loaded the machine is
    job = submit(stack, many_variants(30000))
    wait_for(lambda: running_with_progress(stack, job["job_id"]), timeout=30,
             what="the job to be running")

    stack.restart("annotator", signal.SIGTERM)
    assert "job released for another attempt" in stack.log_tail("annotator", 100_000)
    done = final(stack, job["job_id"], timeout=60)

    assert done["job_status"] == COMPLETED, done.get("error")
    assert done["attempts"] == 1  # the released attempt does not count
    wait_for(lambda: feed.of(job["job_id"]), what="job.completed")
    holds_for(lambda: [m["type"] for m in feed.of(job["job_id"])] == ["job.completed"],
              seconds=1, what="exactly one job.completed")


def test_a_lost_message_is_re_driven_by_the_reconciler(slow_annotator, stack, feed):
    job = submit(stack, SMALL, publish=False)
    done = final(stack, job["job_id"], timeout=30)
    assert done["job_status"] == COMPLETED and done["attempts"] == 1
    wait_for(lambda: feed.of(job["job_id"], "job.completed"), what="job.completed")
