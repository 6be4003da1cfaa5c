"""How many of a user's jobs are waiting or running (the per-user limit's count)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from gas_common.jobstates import PENDING, RUNNING
from gas_common.settings import Settings
from gas_common.stores import USER_INDEX, JobStore


def active_jobs(user_id: str, s: Settings, enough: int) -> int:
    """The user's PENDING and RUNNING jobs, counted until `enough` (newest pages first)."""
    kwargs: dict[str, Any] = {
        "IndexName": USER_INDEX,
        "KeyConditionExpression": Key("user_id").eq(user_id),
        "FilterExpression": Attr("job_status").is_in([PENDING, RUNNING]),
        "ScanIndexForward": False,
        "Select": "COUNT",
    }
    table = JobStore(s).table
    count = 0
    while count < enough:
        page = table.query(**kwargs)
        count += int(page.get("Count", 0))
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return count
