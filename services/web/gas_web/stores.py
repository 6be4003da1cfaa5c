"""The common stores with one Table per thread (building a boto3 resource costs ~10-50 ms)."""

from __future__ import annotations

import threading
from typing import Any

from boto3.dynamodb.conditions import Key
from gas_common import stores
from gas_common.settings import Settings

_local = threading.local()


def _table(name: str, settings: Settings) -> Any:
    # boto3 resources are not thread-safe: cache one per thread, per table and endpoint.
    cache: dict[tuple[str, str, str], Any] = _local.__dict__.setdefault("tables", {})
    key = (name, settings.aws_region, settings.aws_endpoint_url)
    if key not in cache:
        cache[key] = stores.aws_resource_table(name, settings)
    return cache[key]


class JobStore(stores.JobStore):
    """JobStore reusing this thread's Table."""

    @property
    def table(self) -> Any:
        return _table(self.settings.jobs_table, self.settings)


    def list_page(
        self, user_id: str, attributes: tuple[str, ...], limit: int = 20,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Like list_for_user, fetching only `attributes` (list pages need few of them)."""
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        kwargs: dict[str, Any] = {
            "IndexName": stores.USER_INDEX,
            "KeyConditionExpression": Key("user_id").eq(user_id),
            "ScanIndexForward": False,
            "Limit": limit,
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = stores._decode_cursor(cursor, user_id)
        page = self.table.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        items = [stores.plain(i) for i in page.get("Items", [])]
        return items, stores._encode_cursor(last) if last else None


class UserStore(stores.UserStore):
    """UserStore reusing this thread's Table."""

    @property
    def table(self) -> Any:
        return _table(self.settings.users_table, self.settings)


def forget_tables() -> None:
    """Drop this thread's cached tables (tests switch emulators)."""
    _local.__dict__.pop("tables", None)
