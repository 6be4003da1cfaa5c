"""Benchmark the notifier: rendering, one exactly-once delivery, and end to end over the stack.

Run: .venv/bin/python bench/bench_notifier.py [--emails N] [--no-stack]
1. compose: emails rendered per second (both templates).
2. deliver: claim + compose + send (a sender that does nothing) + record, against
   in-process moto: emails per second and the DynamoDB cost it implies.
3. stack: the embedded stack (as `gas up`); publish N `job.completed`, time each
   Publish (the SNS endpoints' answer is inside it) and until every email is in SES.
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

JOB = {"job_id": "j", "user_id": "u", "input_file_name": "sample.vcf",
       "submit_time": 1_763_790_000, "complete_time": 1_763_790_125}
USER = {"email": "ann@example.org", "name": "Ann"}


def bench_compose(n: int) -> None:
    from gas_notifier.compose import compose

    compose("completed", JOB, USER, "https://gas.example.org")  # load templates
    start = time.perf_counter()
    for i in range(n):
        compose(("completed", "failed", "restored")[i % 3], JOB, USER, "https://gas.example.org",
                reason="line 3: bad")
    elapsed = time.perf_counter() - start
    print(f"compose: {n / elapsed:,.0f} emails/s ({elapsed / n * 1e6:.0f} us each)")


class NullSender:
    def send(self, email: object) -> None:
        pass


def bench_deliver(n: int) -> None:
    import os

    os.environ.update({"AWS_ACCESS_KEY_ID": "b", "AWS_SECRET_ACCESS_KEY": "b", "GAS_ENV": "local"})
    from gas_common import aws
    from gas_common.settings import Settings
    from gas_notifier.delivery import Notifier
    from gas_tools.provision import provision
    from moto import mock_aws

    settings = Settings()
    with mock_aws():
        aws.reset_clients()
        provision(settings, echo=lambda line: None)
        notifier = Notifier(settings, sender=NullSender())
        notifier.users.table.put_item(Item={"user_id": "u", **USER})
        ids = [uuid.uuid4().hex for _ in range(n)]
        for job_id in ids:
            notifier.jobs.create({**JOB, "job_id": job_id})
        start = time.perf_counter()
        outcomes = [notifier.deliver("completed", job_id, "u") for job_id in ids]
        elapsed = time.perf_counter() - start
        dup_start = time.perf_counter()
        duplicates = [notifier.deliver("completed", job_id, "u") for job_id in ids]
        dup_elapsed = time.perf_counter() - dup_start
        notifier.stop()
    assert outcomes == ["sent"] * n and duplicates == ["duplicate"] * n
    print(f"deliver (in-process moto): {n / elapsed:,.0f} emails/s "
          f"({elapsed / n * 1e3:.1f} ms each: 2 job reads, 2 conditional writes, 1 user read)")
    print(f"duplicate (in-process moto): {dup_elapsed / n * 1e3:.1f} ms each (1 read, 0 writes)")


def bench_stack(n: int) -> None:
    from gas_common.messages import JobCompleted

    from tests.harness import GasStack, wait_for

    with tempfile.TemporaryDirectory(prefix="gas-bench-notifier-") as tmp:
        stack = GasStack(Path(tmp) / "logs", services=("archiver", "notifier"))
        try:
            started = time.perf_counter()
            stack.start()
            print(f"stack (moto + archiver + notifier) up in {time.perf_counter() - started:.1f} s")
            stack.users.table.put_item(Item={"user_id": "u", **USER})
            ids = [uuid.uuid4().hex for _ in range(n)]
            for job_id in ids:
                stack.jobs.create({**JOB, "job_id": job_id, "job_status": "COMPLETED"})
            publish_ms = []
            start = time.perf_counter()
            for job_id in ids:
                t = time.perf_counter()
                stack.publish(JobCompleted(job_id=job_id, user_id="u", complete_time=1,
                                           s3_results_bucket="b", s3_key_result_file="r",
                                           s3_key_log_file="l"), "job_results_topic")
                publish_ms.append((time.perf_counter() - t) * 1e3)

            def all_sent() -> bool:
                mail = stack.moto_data().get("ses", {}).get("Message", [])
                return len(mail) >= n

            wait_for(all_sent, timeout=120, interval=0.1, what="every email in SES")
            elapsed = time.perf_counter() - start
        finally:
            stack.stop()
    print(f"stack: {n} emails in {elapsed:.1f} s ({n / elapsed:.1f}/s); Publish (both "
          f"endpoints answering) median {statistics.median(publish_ms):.0f} ms, "
          f"max {max(publish_ms):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=100)
    parser.add_argument("--no-stack", action="store_true")
    args = parser.parse_args()
    bench_compose(args.emails * 10)
    bench_deliver(args.emails)
    if not args.no_stack:
        bench_stack(args.emails)


if __name__ == "__main__":
    main()
