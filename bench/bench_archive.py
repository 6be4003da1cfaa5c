"""Benchmark archive and restore against the emulator, for each cold storage back end.

Run: .venv/bin/python bench/bench_archive.py [--due N] [--restore N] [--backend NAME]
Starts a moto server with the archiver, thawer and notifier (as `gas up` does),
then measures:
  - archive lag: N results (default 200) become due at the same moment; the time
    from that moment until each is ARCHIVED (p50 / p95 / max) and until all are;
  - restore time: a user with M archived results (default 50) upgrades; the time
    from the upgrade until every one is back hot and announced.
The emulator finishes vault retrievals after 2 s (Expedited); S3 restores at once.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gas_common import aws  # noqa: E402
from gas_common.jobstates import COMPLETED, PREMIUM  # noqa: E402
from gas_common.messages import ThawRequested, dumps  # noqa: E402
from gas_common.retention import schedule_job  # noqa: E402
from gas_common.stores import JobStore, UserStore, now  # noqa: E402
from gas_tools.provision import provision  # noqa: E402
from gas_tools.stack import (  # noqa: E402
    EMULATOR_AWS_ENV,
    Stack,
    embedded_env,
    settings_from_env,
)

SERVICES = ("archiver", "thawer", "notifier")
USERS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(backend: str, log_dir: Path) -> Stack:
    """The emulator and the services, on free ports, with fast loops."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GAS_")}
    base.update({"GAS_COLD_STORAGE": backend, "GAS_ARCHIVE_POLL_SECONDS": "1",
                 "GAS_RESTORE_POLL_SECONDS": "1", "GAS_FREE_RETENTION_SECONDS": "5",
                 "GAS_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING")})
    ports = {name: free_port() for name in ("web", "annotator", *SERVICES, "emulator")}
    stack = Stack(embedded_env(base, ports), services=SERVICES, log_dir=log_dir)
    stack.start_emulator()
    aws.reset_clients()
    provision(stack.settings, echo=lambda line: None)
    stack.start_services()
    return stack


def make_jobs(stack: Stack, count: int) -> dict[str, list[str]]:
    """`count` completed jobs of free users (hot, not yet scheduled), by user."""
    s = stack.settings
    users, jobs, s3 = UserStore(s), JobStore(s), aws.client("s3", s)
    by_user: dict[str, list[str]] = {f"bench-{u}": [] for u in range(USERS)}
    for user_id in by_user:
        users.create(user_id, "Bench", f"{user_id}@example.org")
    for i in range(count):
        user_id = f"bench-{i % USERS}"
        job_id = f"job-{i:04d}"
        key = f"{user_id}/{job_id}~bench.annot.vcf"
        s3.put_object(Bucket=s.results_bucket, Key=key,
                      Body=b"##fileformat=VCFv4.2\n" + f"{job_id}\n".encode() * 200)
        jobs.create({"job_id": job_id, "user_id": user_id, "input_file_name": "bench.vcf",
                     "submit_time": now(), "job_status": COMPLETED, "complete_time": now(),
                     "s3_results_bucket": s.results_bucket, "s3_key_result_file": key,
                     "s3_key_log_file": key + ".log"})
        by_user[user_id].append(job_id)
    return by_user


def statuses(stack: Stack) -> dict[str, str | None]:
    from boto3.dynamodb.conditions import Attr

    return {j["job_id"]: j.get("archive_status")
            for j in JobStore(stack.settings).scan(Attr("job_id").begins_with("job-"))}


def measure_archive_lag(stack: Stack, job_ids: list[str]) -> tuple[list[float], float]:
    """Schedule every job due at one moment; seconds from it to each one ARCHIVED."""
    due = now() + 3
    for job_id in job_ids:
        schedule_job(job_id, due, stack.settings)
    seen: dict[str, float] = {}
    deadline = time.time() + 600
    while len(seen) < len(job_ids) and time.time() < deadline:
        for job_id, state in statuses(stack).items():
            if state == "ARCHIVED" and job_id not in seen:
                seen[job_id] = time.time()
        time.sleep(0.5)  # a full scan: not so often that it loads the emulator
    if len(seen) < len(job_ids):
        raise SystemExit(f"only {len(seen)} of {len(job_ids)} archived in 10 minutes")
    lags = sorted(t - due for t in seen.values())
    return lags, max(seen.values()) - due


def measure_restore(stack: Stack, user_id: str, job_ids: list[str]) -> tuple[float, float]:
    """Seconds from the upgrade to every job of the user hot again and announced, and
    to the last retrieval started."""
    s = stack.settings
    started = time.time()
    UserStore(s).set_role(user_id, PREMIUM)
    aws.client("sns", s).publish(TopicArn=aws.topic_arn(s.thaw_requests_topic, s),
                                 Message=dumps(ThawRequested(user_id=user_id)))
    jobs = JobStore(s)
    pending = set(job_ids)
    deadline = started + 600
    while pending and time.time() < deadline:
        for job_id in list(pending):
            job = jobs.get(job_id) or {}
            if "archive_status" not in job and "restore_job_id" not in job:
                pending.discard(job_id)
        time.sleep(0.25)
    if pending:
        raise SystemExit(f"{len(pending)} jobs not restored in 10 minutes")
    done = time.time() - started
    last_start = max(int((jobs.get(j) or {}).get("restore_started", 0)) for j in job_ids)
    return done, last_start - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=200, help="jobs due at once")
    parser.add_argument("--restore", type=int, default=50, help="archived jobs to restore")
    parser.add_argument("--backend", choices=["s3-glacier", "glacier-vault", "both"],
                        default="both")
    args = parser.parse_args()
    os.environ.update(EMULATOR_AWS_ENV)  # this process talks to the emulator only
    # round-robin over USERS users: bench-0 ends up with about --restore jobs
    count = max(args.due, args.restore * USERS)
    backends = ["s3-glacier", "glacier-vault"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory() as logs:
            stack = start(backend, Path(logs))
            try:
                by_user = make_jobs(stack, count)
                all_ids = [j for ids in by_user.values() for j in ids][:count]
                lags, drain = measure_archive_lag(stack, all_ids)
                user_id = "bench-0"
                restored, last_start = measure_restore(stack, user_id, by_user[user_id])
            finally:
                stack.stop_all()
        settings = settings_from_env(stack.env)
        print(f"[{backend}] archive lag, {len(all_ids)} jobs due at once "
              f"(poll every {settings.archive_poll_seconds} s): "
              f"p50 {statistics.median(lags):.2f} s, "
              f"p95 {lags[int(0.95 * (len(lags) - 1))]:.2f} s, max {lags[-1]:.2f} s; "
              f"all archived {drain:.2f} s after the due time", flush=True)
        print(f"[{backend}] restore: {len(by_user[user_id])} archived jobs of one user "
              f"hot again and announced {restored:.2f} s after the upgrade "
              f"(last retrieval started after {max(last_start, 0):.0f} s) "
              f"(emulator retrieval delay: "
              f"{'2 s Expedited' if backend == 'glacier-vault' else 'none'})", flush=True)


if __name__ == "__main__":
    main()
