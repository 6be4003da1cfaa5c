"""Benchmark the annotator service end to end: job latency, job throughput, a big job.

Run: .venv/bin/python bench/bench_annotator_service.py [--jobs N] [--variants N]
Starts the embedded stack (moto + the five services, as `gas up` does) on free ports with a
small reference bundle built from tests/data/annotator/reference.gtf, then publishes
`job.requested` messages the way the web service does and times them to COMPLETED.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.harness: the same stack the integration tests use

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def vcf(n: int) -> bytes:
    return (HEADER + "".join(f"chr1\t{1000 + 3 * i}\t.\tA\tG\t50\tPASS\t.\n"
                             for i in range(n))).encode()


def submit(stack, body: bytes) -> str:
    from gas_common.messages import JobRequested
    from gas_common.stores import PENDING

    job_id = uuid.uuid4().hex
    key = f"bench/{job_id}~bench.vcf"
    stack.client("s3").put_object(Bucket=stack.settings.inputs_bucket, Key=key, Body=body)
    fields = {"job_id": job_id, "user_id": "bench", "input_file_name": "bench.vcf",
              "s3_inputs_bucket": stack.settings.inputs_bucket, "s3_key_input_file": key,
              "submit_time": int(time.time())}
    stack.jobs.create({**fields, "job_status": PENDING})
    stack.publish(JobRequested(**fields), "job_requests_topic")
    return job_id


def wait_done(stack, job_ids: list[str], timeout: float = 600) -> None:
    pending = set(job_ids)
    deadline = time.monotonic() + timeout
    while pending:
        for job_id in list(pending):
            job = stack.jobs.get(job_id)
            if job["job_status"] == "FAILED":
                raise SystemExit(f"job failed: {job.get('error')}")
            if job["job_status"] == "COMPLETED":
                pending.discard(job_id)
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(pending)} job(s) not done after {timeout:.0f} s")
        time.sleep(0.05)


def worker_rss_mb(stack) -> float:
    """RSS of the annotator's gunicorn worker (the master's child)."""
    master = stack.stack.procs["annotator"].pid
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master):
            return int(fields["VmRSS"].split()[0]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20, help="small jobs submitted at once")
    parser.add_argument("--variants", type=int, default=200_000, help="variants in the big job")
    args = parser.parse_args()

    import os

    from gas_annotator.reference.custom import build_custom
    from gas_tools.stack import EMULATOR_AWS_ENV

    from tests.harness import GasStack

    os.environ.update(EMULATOR_AWS_ENV)  # this process talks to the emulator only

    with tempfile.TemporaryDirectory(prefix="gas-bench-") as tmp:
        bundle = build_custom(ROOT / "tests/data/annotator/reference.gtf", "gtf",
                              Path(tmp) / "ref", "bench")
        stack = GasStack(Path(tmp) / "logs", extra_env={"GAS_REFERENCE": str(bundle)})
        started = time.monotonic()
        stack.start()
        print(f"stack up in {time.monotonic() - started:.1f} s "
              f"(annotator workers: {stack.settings.annotator_workers})")
        try:
            small = vcf(5)
            latencies = []
            for _ in range(5):
                t0 = time.monotonic()
                wait_done(stack, [submit(stack, small)])
                latencies.append(time.monotonic() - t0)
            print(f"one small job, publish -> COMPLETED: median {statistics.median(latencies):.2f}"
                  f" s (min {min(latencies):.2f}, max {max(latencies):.2f})")

            t0 = time.monotonic()
            ids = [submit(stack, small) for _ in range(args.jobs)]
            wait_done(stack, ids)
            took = time.monotonic() - t0
            print(f"{args.jobs} small jobs at once: {took:.2f} s, {args.jobs / took:.1f} jobs/s")

            big = vcf(args.variants)
            t0 = time.monotonic()
            wait_done(stack, [submit(stack, big)])
            took = time.monotonic() - t0
            print(f"one {args.variants:,}-variant job ({len(big) / 1e6:.1f} MB): {took:.2f} s, "
                  f"{args.variants / took:,.0f} variants/s end to end (upload, S3, engine, "
                  "results)")
            print(f"annotator service worker RSS after the runs: {worker_rss_mb(stack):.0f} MB")
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
