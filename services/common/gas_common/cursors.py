"""Page cursors: the DynamoDB key a page ended at, as an opaque, validated string."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

MAX_CURSOR = 2048  # a real cursor is ~150 characters


class CursorError(ValueError):
    """A cursor that GAS did not make for this user; the caller answers 400."""


def encode(key: dict[str, Any]) -> str:
    """The cursor for a page that ended at `key` (job_id, user_id, submit_time)."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def decode(cursor: str, user_id: str | None = None) -> dict[str, Any]:
    """The key a cursor names, checked field by field (and owned by `user_id`, if given)."""
    if len(cursor) > MAX_CURSOR:
        raise CursorError("invalid page cursor")
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, binascii.Error, RecursionError):
        raise CursorError("invalid page cursor") from None
    if (
        not isinstance(key, dict)
        or set(key) != {"job_id", "user_id", "submit_time"}
        or not isinstance(key["job_id"], str) or not key["job_id"]
        or not isinstance(key["user_id"], str) or not key["user_id"]
        or type(key["submit_time"]) is not int
        or (user_id is not None and key["user_id"] != user_id)
    ):
        raise CursorError("invalid page cursor")
    return key


def page_size(text: str | None, default: int, largest: int) -> int:
    """A page size from a query string: an integer from 1 to `largest`, else CursorError."""
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= largest:
        raise CursorError(f"`limit` must be a whole number from 1 to {largest}")
    return int(text)
