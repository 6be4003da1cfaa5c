"""Benchmark `gas up`'s data keeping: snapshot and restore of the emulator at N jobs.

Run: .venv/bin/python bench/bench_snapshot.py [--jobs N]   (default 10,000)
Fills an emulator (moto's models, in this process, as `gas_tools.emulator` holds
them) with N completed jobs of 20 users: the job item, the input and the three
result files of each (4 objects a job). Then times the first snapshot (every body
new), a snapshot with nothing changed (what the emulator pays every
GAS_SNAPSHOT_SECONDS), one after 1% more jobs, and a restore into an empty emulator.
For reference it also times one snapshot the other way, through the AWS API.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1", "GAS_ENV": "local"})

from gas_common import aws  # noqa: E402
from gas_common.settings import get_settings  # noqa: E402
from gas_tools import snapshot  # noqa: E402
from gas_tools.provision import provision  # noqa: E402
from moto import mock_aws  # noqa: E402

VCF = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + \
    b"1\t12345\t.\tA\tG\t.\t.\t.\n" * 40


def add_jobs(first: int, count: int) -> None:
    """Jobs written straight into the models (filling through HTTP would take an hour)."""
    s = get_settings()
    s3, dynamodb = snapshot._backends()
    for i in range(first, first + count):
        user, job_id = f"user-{i % 20}", str(uuid.uuid4())
        stem = f"{user}/{job_id}~sample{i}"
        s3.put_object(s.inputs_bucket, f"{stem}.vcf", VCF + str(i).encode(),
                      encryption="AES256")
        for suffix in (".annot.vcf", ".vcf.count.log", ".summary.json"):
            s3.put_object(s.results_bucket, stem + suffix, VCF + f"{i}{suffix}".encode(),
                          encryption="AES256")
        item = {"job_id": job_id, "user_id": user, "input_file_name": f"sample{i}.vcf",
                "s3_inputs_bucket": s.inputs_bucket, "s3_key_input_file": f"{stem}.vcf",
                "submit_time": 1_800_000_000 + i, "complete_time": 1_800_000_100 + i,
                "job_status": "COMPLETED", "s3_results_bucket": s.results_bucket,
                "s3_key_result_file": f"{stem}.annot.vcf",
                "s3_key_log_file": f"{stem}.vcf.count.log"}
        typed = {k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in item.items()}
        typed["summary"] = {"M": {"total": {"N": "40"}, "ti_tv": {"N": "2.1"}}}
        dynamodb.put_item(s.jobs_table, typed)


def through_the_api(root: Path) -> float:
    """One boto3 snapshot of the same data (scan and list; bodies already on disk)."""
    s = get_settings()
    started = time.monotonic()
    ddb, s3 = aws.client("dynamodb", s), aws.client("s3", s)
    for table in (s.jobs_table, s.users_table):
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            json.dumps(page["Items"])
    for bucket in (s.inputs_bucket, s.results_bucket, s.archive_bucket):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            len(page.get("Contents", []))
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--api", action="store_true",
                        help="also time one snapshot through the AWS API (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gas-bench-snapshot-") as tmp:
        root = Path(tmp) / "data"
        with mock_aws():
            provision(get_settings(), echo=lambda line: None)
            t0 = time.monotonic()
            add_jobs(0, args.jobs)
            print(f"{args.jobs:,} jobs ({4 * args.jobs:,} objects) written in "
                  f"{time.monotonic() - t0:.1f} s")
            snapshots = snapshot.Snapshots(root)
            first = snapshots.save()
            print(f"first snapshot: {first.seconds:.2f} s ({first.items:,} items, "
                  f"{first.objects:,} objects, {first.new_bodies:,} bodies written)")
            again = snapshots.save()
            print(f"snapshot, nothing changed: {again.seconds:.2f} s")
            add_jobs(args.jobs, max(1, args.jobs // 100))
            more = snapshots.save()
            print(f"snapshot after 1% more jobs: {more.seconds:.2f} s "
                  f"({more.new_bodies:,} bodies written)")
            size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
            print(f"snapshot on disk: {size / 1e6:.1f} MB")
            restart = snapshot.Snapshots(root).save()
            print(f"first snapshot after a restart (bodies on disk): {restart.seconds:.2f} s")
            if args.api:
                print(f"the same, listed and scanned through the AWS API: "
                      f"{through_the_api(root):.1f} s")
        with mock_aws():
            provision(get_settings(), echo=lambda line: None)
            back = snapshot.restore(root)
            print(f"restore into an empty emulator: {back.seconds:.2f} s ({back.items:,} "
                  f"items, {back.objects:,} objects)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
