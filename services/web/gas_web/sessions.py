"""Session generations: signing out ends every copy of a user's session cookie.

Sessions live in a signed cookie, so a copy stays valid until it expires unless the
server can tell it is old. Each user item carries a generation number; a session
records the generation it started in and is honoured only while the two agree.
Signing out adds one to the generation, which ends the user's sessions everywhere.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError
from flask import session
from gas_common.settings import Settings
from gas_common.stores import UserStore

GENERATION = "session_generation"


def generation_of(user: dict[str, Any]) -> int:
    """The user's current session generation (0 until the first sign-out)."""
    return int(user.get(GENERATION) or 0)


def stamp(user: dict[str, Any]) -> None:
    """Tie the session being started to the user's current generation."""
    session["generation"] = generation_of(user)


def is_current(user: dict[str, Any]) -> bool:
    """Whether this request's session started in the user's current generation."""
    return session.get("generation") == generation_of(user)


def end_everywhere(s: Settings, user_id: str) -> None:
    """End every session of the user, on every device (one atomic increment)."""
    try:
        UserStore(s).table.update_item(
            Key={"user_id": user_id},
            UpdateExpression="ADD #g :one",
            ConditionExpression=Attr("user_id").exists(),
            ExpressionAttributeNames={"#g": GENERATION},
            ExpressionAttributeValues={":one": 1},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
