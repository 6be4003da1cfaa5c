"""Job and user stores over DynamoDB; every state change is a conditional update."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from gas_common import aws, cursors
from gas_common.jobstates import FREE, PREMIUM
from gas_common.settings import Settings, get_settings

log = logging.getLogger(__name__)

USER_INDEX = "user_id_index"

_ABSENT = object()  # in `expect`: the attribute must not exist


class TransitionRefused(Exception):
    """A conditional update whose condition did not hold: nothing was written."""


def plain(value: Any) -> Any:
    """DynamoDB's Decimals back to int/float, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [plain(v) for v in value]
    return value


def _dynamo(value: Any) -> Any:
    """Python values into what DynamoDB accepts (floats as Decimal)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_dynamo(v) for v in value]
    return value


def now() -> int:
    return int(time.time())


class _Store:
    table_setting = ""
    hash_key = ""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()

    @property
    def table(self) -> Any:
        return aws_resource_table(getattr(self.settings, self.table_setting), self.settings)

    def get(self, key: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={self.hash_key: key}, ConsistentRead=True).get("Item")
        return plain(item) if item else None

    def update(
        self,
        key: str,
        set: dict[str, Any] | None = None,
        remove: list[str] | tuple[str, ...] = (),
        expect: dict[str, Any] | None = None,
        condition: ConditionBase | None = None,
    ) -> dict[str, Any]:
        """Set and remove attributes if the item exists and every expectation holds.

        `expect` maps attribute -> required value (a tuple means any of them,
        ABSENT means the attribute must not exist). Raises TransitionRefused.
        """
        cond: ConditionBase = Attr(self.hash_key).exists()
        for name, wanted in (expect or {}).items():
            if wanted is _ABSENT:
                cond &= Attr(name).not_exists()
            elif isinstance(wanted, tuple):
                cond &= Attr(name).is_in([_dynamo(w) for w in wanted])
            else:
                cond &= Attr(name).eq(_dynamo(wanted))
        if condition is not None:
            cond &= condition
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        clauses = []
        for i, (name, value) in enumerate((set or {}).items()):
            names[f"#s{i}"] = name
            values[f":s{i}"] = _dynamo(value)
            clauses.append(f"#s{i} = :s{i}")
        expression = "SET " + ", ".join(clauses) if clauses else ""
        if remove:
            for i, name in enumerate(remove):
                names[f"#r{i}"] = name
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        kwargs: dict[str, Any] = {
            "Key": {self.hash_key: key},
            "UpdateExpression": expression.strip(),
            "ConditionExpression": cond,
            "ReturnValues": "ALL_NEW",
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            return plain(self.table.update_item(**kwargs)["Attributes"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise TransitionRefused(
                    f"{self.hash_key}={key}: condition {expect or ''} did not hold"
                ) from None
            raise


_tables = threading.local()


def aws_resource_table(name: str, settings: Settings) -> Any:
    """This thread's boto3 Table for `name`, on the shared client's configuration.

    Building a resource costs 10-50 ms and resources are not thread-safe: one per
    thread and client (a new client, after aws.reset_clients(), gets new tables).
    """
    import boto3  # local: resources are built on the shared client's session settings

    client = aws.client("dynamodb", settings)
    cache: dict[tuple[str, Any], Any] = _tables.__dict__.setdefault("by_key", {})
    key = (name, client)
    if key not in cache:
        cache[key] = boto3.resource(
            "dynamodb",
            region_name=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url or None,
            config=client.meta.config,
        ).Table(name)
    return cache[key]


class JobStore(_Store):
    """The jobs table (`gas-annotations`), attribute names as in the original GAS."""

    table_setting = "jobs_table"
    hash_key = "job_id"
    ABSENT = _ABSENT

    def create(self, item: dict[str, Any]) -> None:
        """Write a new job; refuses to overwrite an existing job_id."""
        try:
            self.table.put_item(
                Item=_dynamo(item), ConditionExpression=Attr("job_id").not_exists()
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise TransitionRefused(f"job {item['job_id']} already exists") from None
            raise

    def get_owned(self, job_id: str, user_id: str) -> dict[str, Any] | None:
        """The job if it exists and belongs to user_id (else None: not yours = not found)."""
        job = self.get(job_id)
        return job if job and job.get("user_id") == user_id else None

    def transition(
        self, job_id: str, from_status: str | tuple[str, ...], to_status: str, **fields: Any
    ) -> dict[str, Any]:
        """Move job_status from one of `from_status` to `to_status`, setting fields too."""
        expected = from_status if isinstance(from_status, tuple) else (from_status,)
        return self.update(
            job_id, set={"job_status": to_status, **fields}, expect={"job_status": expected}
        )

    def list_for_user(
        self, user_id: str, limit: int = 20, cursor: str | None = None,
        attributes: tuple[str, ...] | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the user's jobs, newest first, and the cursor of the next page.

        `attributes` limits what is read (a list page needs few of them).
        """
        kwargs: dict[str, Any] = {
            "IndexName": USER_INDEX,
            "KeyConditionExpression": Key("user_id").eq(user_id),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if attributes:
            names = {f"#a{i}": name for i, name in enumerate(attributes)}
            kwargs["ProjectionExpression"] = ", ".join(names)
            kwargs["ExpressionAttributeNames"] = names
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor, user_id)
        page = self.table.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        return [plain(i) for i in page.get("Items", [])], _encode_cursor(last) if last else None

    def all_for_user(self, user_id: str) -> Iterator[dict[str, Any]]:
        """Every job of a user (for thaw and re-archive), newest first."""
        cursor = None
        while True:
            items, cursor = self.list_for_user(user_id, limit=100, cursor=cursor)
            yield from items
            if not cursor:
                return

    def scan(self, condition: ConditionBase) -> Iterator[dict[str, Any]]:
        """Every job matching `condition` (reconcilers and schedulers)."""
        kwargs: dict[str, Any] = {"FilterExpression": condition, "ConsistentRead": True}
        while True:
            page = self.table.scan(**kwargs)
            for item in page.get("Items", []):
                yield plain(item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _encode_cursor(key: dict[str, Any]) -> str:
    return cursors.encode(plain(key))


def _decode_cursor(cursor: str, user_id: str) -> dict[str, Any]:
    return _dynamo(cursors.decode(cursor, user_id))


class UserStore(_Store):
    """The users table (`gas-users`): profile and role."""

    table_setting = "users_table"
    hash_key = "user_id"

    def create(self, user_id: str, name: str, email: str, institution: str = "") -> dict:
        """Create a free user unless one exists; return the stored user."""
        item = {
            "user_id": user_id, "name": name, "email": email, "institution": institution,
            "role": FREE, "created": now(), "updated": now(),
        }
        try:
            self.table.put_item(Item=item, ConditionExpression=Attr("user_id").not_exists())
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return self.get(user_id) or item
        return item

    def set_role(self, user_id: str, role: str) -> dict[str, Any]:
        """Change the role; refused (TransitionRefused) when it already is `role`."""
        other = PREMIUM if role == FREE else FREE
        return self.update(
            user_id, set={"role": role, "updated": now()}, expect={"role": other}
        )

    def role(self, user_id: str) -> str | None:
        user = self.get(user_id)
        return user.get("role") if user else None
