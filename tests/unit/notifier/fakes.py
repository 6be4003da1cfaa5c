"""Test doubles and item builders for the notifier's tests."""

from __future__ import annotations

from typing import Any

from gas_common.stores import JobStore, UserStore
from gas_notifier.mail import Email, SendError

JOB_ID, USER_ID, EMAIL = "job-1", "user-1", "ann@example.org"


class FakeSender:
    """Records what it is asked to send; fails the first `failures` times."""

    def __init__(self, failures: int = 0, permanent: bool = False):
        self.failures = failures
        self.permanent = permanent
        self.attempts = 0
        self.sent: list[Email] = []

    def send(self, email: Email) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise SendError(f"refused attempt {self.attempts}", permanent=self.permanent)
        self.sent.append(email)


def make_job(jobs: JobStore, job_id: str = JOB_ID, user_id: str = USER_ID,
             **fields: Any) -> dict[str, Any]:
    """Write a finished job item and return it."""
    item = {"job_id": job_id, "user_id": user_id, "input_file_name": "sample.vcf",
            "s3_inputs_bucket": "gas-inputs", "s3_key_input_file": f"{user_id}/{job_id}~sample.vcf",
            "submit_time": 1_763_790_000, "complete_time": 1_763_790_120,
            "job_status": "COMPLETED", **fields}
    jobs.create(item)
    return item


def make_user(users: UserStore, user_id: str = USER_ID, email: str = EMAIL,
              **fields: Any) -> dict[str, Any]:
    """Write a user item and return it."""
    item = {"user_id": user_id, "name": "Ann", "email": email, "role": "free_user", **fields}
    users.table.put_item(Item=item)
    return item
